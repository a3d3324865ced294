// Call records with the real binary: a scripted call (two users join, one publishes with ffmpeg,
// the other subscribes and plays, then unpublish, unsubscribe, leave at known times) gives usage
// figures that match the script's durations within 1 s, the session list as JSON and CSV, and
// the same figures after a restart on the same data dir.
//
// Bytes and resolution of each record (read from minirtc.db with the sqlite3 CLI): a stream
// pushed with a `minirtc url publish` URL whose ffmpeg finishes by itself (the publication ends
// after the no-media grace, its source long gone from the hub), an HTTP-FLV subscriber whose
// player left before the subscription ended, and a pusher kicked by the admin API (the room
// closes the stream before the record closes). Each record's bytes must be at least what
// /v1/admin/streams last showed while it ran and at most 20% more; the subscriber's within 20% of
// what the player read.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushTestStream, decode, sleep, signedUrl, playHttpFlv, waitFor } from './lib/media.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { startServer, binaryPath } from './lib/server.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const APP_ID = 'usagetest0123456789abcde';
const APP_KEY = 'usage-test-key';
const ADMIN_KEY = 'usage-admin-key';
const skip = binaryPath() ? false : 'MINIRTC_BIN not set or missing';
let hasSqlite = true;
try { execFileSync('sqlite3', ['-version']); } catch { hasSqlite = false; }
const skipBytes = skip || (hasSqlite ? false : 'sqlite3 CLI missing');
const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-usage-'));
const dirs = [dataDir];
const phones = [];
const servers = [];
after(async () => {
  for (const p of phones) await p.destroy();
  for (const s of servers) await s.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const start = () =>
  startServer({ apps: [`${APP_ID}:${APP_KEY}`], extraArgs: ['--admin-key', ADMIN_KEY], dataDir });
const token = (room, user) => makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: user, publish: true, subscribe: true });

async function admin(server, path) {
  const res = await fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}${path}`, {
    headers: { Authorization: `Bearer ${ADMIN_KEY}` },
  });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  return res.headers.get('content-type').includes('json') ? JSON.parse(body) : body;
}

/** Runs `fn` and returns the time halfway through it: the server saw the call in between. */
async function at(fn) {
  const before = Date.now();
  await fn();
  return (before + Date.now()) / 2;
}

const near = (actualMs, expectedMs, what) =>
  assert.ok(Math.abs(actualMs - expectedMs) <= 1000, `${what}: ${actualMs} ms, expected ${expectedMs} ± 1000 ms`);

test('usage after a scripted call matches its durations and survives a restart', { skip, timeout: 120000 * SLOW }, async () => {
  let server = await start();
  const room = 'usage-room';
  const from = Date.now() - 1000;
  const alice = new Phone(server.httpUrl);
  const bob = new Phone(server.httpUrl);
  phones.push(alice, bob);

  const aliceJoin = await at(() => alice.join(APP_ID, token(room, 'alice'), room, 'alice'));
  const bobJoin = await at(() => bob.join(APP_ID, token(room, 'bob'), room, 'bob'));
  let pushUrl;
  const pubStart = await at(async () => { pushUrl = await alice.client.publish(); });
  const pusher = pushTestStream(pushUrl, { size: '320x240', seconds: 60 });
  let subStart, subEnd, pubEnd;
  try {
    await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice', 20000 * SLOW);
    let playUrl;
    subStart = await at(async () => { playUrl = await bob.client.subscribe('alice', {}); });
    const played = await decode(playUrl, 3);
    assert.equal(played.code, 0, played.stderr);
    await sleep(1000);
    subEnd = await at(() => bob.client.unsubscribe('alice', {}));
    await sleep(500);
    pubEnd = await at(() => alice.client.unpublish());
  } finally {
    await pusher.stop();
  }
  await sleep(1000);
  const bobLeave = await at(() => bob.client.leave());
  await sleep(500);
  const aliceLeave = await at(() => alice.client.leave());
  await sleep(700 * SLOW);  // the writer commits every 200 ms
  const to = Date.now() + 1000;

  const check = async (srv) => {
    const u = await admin(srv, `/usage?from=${from}&to=${to}`);
    assert.equal(u.sessions, 2);
    near(u.participantMinutes * 60000, (aliceLeave - aliceJoin) + (bobLeave - bobJoin), 'participant time');
    near(u.publishedMinutes * 60000, pubEnd - pubStart, 'published time');
    near(u.subscribedMinutes * 60000, subEnd - subStart, 'subscribed time');
    assert.ok(u.publishedBytes > 10000, `publishedBytes ${u.publishedBytes}`);
    // bob's player (ffmpeg, 3 s) had gone before he unsubscribed: its bytes still count.
    assert.ok(u.subscribedBytes > 10000, `subscribedBytes ${u.subscribedBytes}`);

    const byRoom = await admin(srv, `/usage?from=${from}&to=${to}&by=room`);
    assert.equal(byRoom.rooms.length, 1);
    assert.equal(byRoom.rooms[0].roomId, room);
    assert.equal(byRoom.rooms[0].sessions, 2);

    const page1 = await admin(srv, `/usage/sessions?from=${from}&to=${to}&limit=1`);
    assert.equal(page1.sessions.length, 1);
    // In the order the sessions ended: bob left first.
    assert.equal(page1.sessions[0].userId, 'bob');
    assert.equal(page1.sessions[0].leaveReason, 'left');
    assert.equal(page1.sessions[0].visible, true);
    near(page1.sessions[0].joinMs, bobJoin, 'bob joined');
    assert.notEqual(page1.next, null);
    const page2 = await admin(srv, `/usage/sessions?from=${from}&to=${to}&limit=1&cursor=${page1.next}`);
    assert.equal(page2.sessions[0].userId, 'alice');
    assert.equal(page2.next, null);

    const csv = await admin(srv, `/usage/sessions?from=${from}&to=${to}&format=csv`);
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'appId,roomId,userId,visible,mediaOnly,joinMs,leaveMs,leaveReason');
    assert.equal(lines.length, 3);
    assert.match(lines[2], new RegExp(`^${APP_ID},${room},alice,true,false,\\d+,\\d+,left$`));
    return u;
  };
  let first;
  try {
    first = await check(server);
  } finally {
    await server.stop();
  }
  server = await start();
  try {
    const again = await check(server);
    assert.deepEqual(again, first);
  } finally {
    await server.stop();
  }
});

test('a bad time range is refused', { skip }, async () => {
  const server = await start();
  try {
    const res = await fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}/usage?from=10&to=5`, {
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });
    assert.equal(res.status, 400);
  } finally {
    await server.stop();
  }
});

/** The usage_streams rows of `dir`'s database matching `where` (read-only, beside the server). */
function streamRows(dir, where) {
  const out = execFileSync('sqlite3', ['-readonly', '-json', join(dir, 'minirtc.db'),
    `SELECT type, user, publisher, start_ms, end_ms, bytes, width, height FROM usage_streams WHERE ${where}`]).toString();
  return out.trim() ? JSON.parse(out) : [];
}

async function waitForRow(dir, where, timeoutMs) {
  let rows = [];
  await waitFor(() => (rows = streamRows(dir, where)).length > 0, { timeoutMs, stepMs: 200, what: `a record where ${where}` });
  assert.equal(rows.length, 1, JSON.stringify(rows));
  return rows[0];
}

/**
 * Polls /v1/admin/streams every 100 ms for one stream: `last` is the last entry seen while it was
 * publishing (what the server had counted just before the publish ended).
 */
function watchStream(server, room, user) {
  const w = { last: null, stopped: false };
  w.done = (async () => {
    while (!w.stopped) {
      const res = await fetch(`${server.httpUrl}/v1/admin/streams`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
      const s = (await res.json()).streams.find((x) => x.roomId === room && x.userId === user && !x.screen);
      if (s && s.publishing) w.last = s;
      await sleep(100);
    }
  })();
  w.stop = async () => { w.stopped = true; await w.done; return w.last; };
  return w;
}

/** `bytes` is at least what the server showed while the stream ran, and at most 20% more. */
function countedFrom(bytes, shown, what) {
  assert.ok(shown > 50000, `${what}: only ${shown} bytes seen while it ran`);
  assert.ok(bytes >= shown && bytes <= shown * 1.2, `${what}: ${bytes} bytes recorded, ${shown} shown while it ran`);
}

/** A server of its own (`record`: the app's recording mode; "all" keeps a recorder on every stream). */
async function startBytesServer({ record = 'none' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-usage-bytes-'));
  dirs.push(dir);
  const config = join(dir, 'minirtc.toml');
  writeFileSync(config, `[server]\nadmin_key = "${ADMIN_KEY}"\n\n[[apps]]\nid = "${APP_ID}"\nkey = "${APP_KEY}"\nrecord = "${record}"\n`);
  const server = await startServer({ dataDir: dir, extraArgs: ['--config', config] });
  servers.push(server);
  return { server, dir };
}

// With record = "all" the recorder keeps the stream's source in the hub after the pusher left;
// without recording nothing does: both must count the same way.
for (const record of ['none', 'all']) test(`a URL-pushed stream that ends by itself, and an HTTP-FLV subscriber whose player left, keep their bytes and resolution (record = "${record}")`, { skip: skipBytes, timeout: 120000 * SLOW }, async (t) => {
  const { server, dir } = await startBytesServer({ record });
  const room = `usage-bytes-ended-${record}`;
  const bob = new Phone(server.httpUrl);
  phones.push(bob);
  await bob.join(APP_ID, token(room, 'bob'), room, 'bob');

  // `cam` is not in the room: it appears as a media-only member when its media arrives.
  const pushUrl = await signedUrl(binaryPath(), { action: 'publish', appId: APP_ID, appKey: APP_KEY, room, user: 'cam', rtmpBase: server.rtmpUrl });
  const pusher = pushTestStream(pushUrl, { size: '320x240', seconds: 8 });
  const watch = watchStream(server, room, 'cam');
  let received;
  try {
    await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'cam', 20000 * SLOW);
    const playUrl = await bob.client.subscribe('cam', { format: 'flv' });
    assert.match(playUrl, /^http:.*\.flv\?/);
    const player = playHttpFlv(playUrl);
    await waitFor(() => player.reader.videoFrames.length >= 50, { timeoutMs: 15000 * SLOW, what: '2 s of video' });
    player.abort();
    await player.done;
    received = player.reader.bytes;
    // The server sees the player gone (its connection closes), then bob unsubscribes.
    await waitFor(async () => {
      const res = await fetch(`${server.httpUrl}/v1/admin/streams`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
      const s = (await res.json()).streams.find((x) => x.roomId === room && x.userId === 'cam');
      return s && s.viewers === (record === 'all' ? 1 : 0);  // the recorder stays
    }, { timeoutMs: 5000 * SLOW, what: 'the player detached' });
    await bob.client.unsubscribe('cam', {});
    // ffmpeg pushes its 8 s and exits by itself: the stream is not closed by anyone.
    const { code, stderr } = await pusher.exited;
    assert.equal(code, 0, stderr);
  } finally {
    await pusher.stop();
  }
  await waitFor(() => server.logs().includes(`stream ${APP_ID}~${room}~cam~main ended`),
    { timeoutMs: 5000 * SLOW, what: 'the stream ended in the hub' });
  const shown = await watch.stop();
  assert.ok(shown, 'the stream was seen publishing');

  const sub = await waitForRow(dir, "type = 'subscription' AND user = 'bob'", 5000 * SLOW);
  assert.equal(sub.publisher, 'cam');
  assert.ok(received > 50000, `the player read only ${received} bytes`);
  assert.ok(Math.abs(sub.bytes - received) <= received * 0.2, `subscription: ${sub.bytes} bytes recorded, the player read ${received}`);
  assert.deepEqual([sub.width, sub.height], [320, 240]);

  // The publication ends after the no-media grace (10 s) the room gives a pusher to come back.
  const pub = await waitForRow(dir, "type = 'publication' AND user = 'cam'", 20000 * SLOW);
  countedFrom(pub.bytes, shown.bytesIn, 'publication');
  assert.deepEqual([pub.width, pub.height], [320, 240]);
  assert.ok(pub.end_ms - pub.start_ms >= 7000, `publication ran ${pub.end_ms - pub.start_ms} ms`);
  t.diagnostic(`publication ${pub.bytes} B (shown while running ${shown.bytesIn} B) ${pub.width}x${pub.height}; ` +
    `subscription ${sub.bytes} B (player read ${received} B) ${sub.width}x${sub.height}`);
});

test('a pusher kicked by the admin API keeps its bytes and resolution', { skip: skipBytes, timeout: 60000 * SLOW }, async (t) => {
  const { server, dir } = await startBytesServer();
  const room = 'usage-bytes-kicked';
  const pushUrl = await signedUrl(binaryPath(), { action: 'publish', appId: APP_ID, appKey: APP_KEY, room, user: 'cam', rtmpBase: server.rtmpUrl });
  const pusher = pushTestStream(pushUrl, { size: '320x240', seconds: 60 });
  const watch = watchStream(server, room, 'cam');
  let shown;
  try {
    await waitFor(() => watch.last && watch.last.live && watch.last.bytesIn > 150000, { timeoutMs: 20000 * SLOW, what: 'about 2 s pushed' });
    const res = await fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}/rooms/${room}/users/cam/kick`, {
      method: 'POST', headers: { Authorization: `Bearer ${ADMIN_KEY}` }, body: '{}',
    });
    assert.equal(res.status, 200, await res.text());
    shown = await watch.stop();
    // The kick closed the pusher's connection: ffmpeg fails.
    const { code } = await pusher.exited;
    assert.notEqual(code, 0);
  } finally {
    await pusher.stop();
  }
  const pub = await waitForRow(dir, "type = 'publication' AND user = 'cam'", 5000 * SLOW);
  countedFrom(pub.bytes, shown.bytesIn, 'kicked publication');
  assert.deepEqual([pub.width, pub.height], [320, 240]);
  t.diagnostic(`publication ${pub.bytes} B (shown while running ${shown.bytesIn} B) ${pub.width}x${pub.height}`);
});
