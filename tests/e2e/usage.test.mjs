// Call records with the real binary: a scripted call (two users join, one publishes with ffmpeg,
// the other subscribes and plays, then unpublish, unsubscribe, leave at known times) gives usage
// figures that match the script's durations within 1 s, the session list as JSON and CSV, and
// the same figures after a restart on the same data dir.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushTestStream, decode, sleep } from './lib/media.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { startServer, binaryPath } from './lib/server.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const APP_ID = 'usagetest0123456789abcde';
const APP_KEY = 'usage-test-key';
const ADMIN_KEY = 'usage-admin-key';
const skip = binaryPath() ? false : 'MINIRTC_BIN not set or missing';
const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-usage-'));
const phones = [];
after(async () => {
  for (const p of phones) await p.destroy();
  rmSync(dataDir, { recursive: true, force: true });
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
  const first = await check(server);
  await server.stop();
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
