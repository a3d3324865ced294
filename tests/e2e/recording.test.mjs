// Recording against the real binary: ffmpeg publishes, the SDK mutes, the publisher reconnects,
// ffprobe reads the MP4 (server/recordings.hpp). Also: SIGKILL while recording → MP4 at the
// next start; signed download URLs work and expire; a file size limit (RLIMIT_FSIZE, the
// kernel's own EFBIG on the real write path) stops the recording with the error while media
// and signalling go on.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binaryPath } from './lib/server.mjs';
import { FlvReader, pushTestStream, playHttpFlv, run, signedUrl, sleep, waitFor } from './lib/media.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const bin = binaryPath();
const skip = bin ? false : 'MINIRTC_BIN not set or missing';
const APP_ID = 'recordtest0123456789abcd';
const APP_KEY = 'record-test-key';
const ADMIN_KEY = 'record-admin-key';
const servers = [];
const dirs = [];
after(async () => {
  for (const s of servers) await s.stop('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function admin(server, method, path, body) {
  const res = await fetch(`${server.httpUrl}/v1/admin/recordings${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function listing(server) {
  const r = await admin(server, 'GET', '');
  assert.equal(r.status, 200);
  return r.body.recordings;
}

/** ffprobe of a file: {duration, streams: [{codec_type, codec_name, duration}]}. */
async function probeFile(path) {
  const r = await run('ffprobe', ['-v', 'error', '-show_entries',
    'format=duration,format_name:stream=codec_type,codec_name,duration', '-of', 'json', path]);
  assert.equal(r.code, 0, `ffprobe failed: ${r.stderr}`);
  const j = JSON.parse(r.stdout.toString());
  return { duration: Number(j.format.duration), format: j.format.format_name, streams: j.streams };
}

/** Top-level MP4 box types in order (fast start: moov before mdat). */
function topBoxes(path) {
  const buf = readFileSync(path);
  const boxes = [];
  for (let at = 0; at + 8 <= buf.length;) {
    let size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(at + 8));
    boxes.push(type);
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

async function newServer(options = {}) {
  const server = await startServer({ apps: [`${APP_ID}:${APP_KEY}`], extraArgs: ['--admin-key', ADMIN_KEY], ...options });
  servers.push(server);
  return server;
}

function configFile(dir, { record = 'all' } = {}) {
  const path = join(dir, 'minirtc.toml');
  writeFileSync(path, `[server]\nadmin_key = "${ADMIN_KEY}"\n\n[[apps]]\nid = "${APP_ID}"\nkey = "${APP_KEY}"\nrecord = "${record}"\n`);
  return path;
}

function freshDir() {
  const d = mkdtempSync(join(tmpdir(), 'minirtc-rec-'));
  dirs.push(d);
  return d;
}

test('a call with a mute gap and a publisher reconnect records one MP4: right duration, both tracks, fast start; download URL works and expires; delete', { skip, timeout: 180000 * SLOW }, async () => {
  const server = await newServer();
  const room = `rec-${process.pid}`;
  const alice = new Phone(server.httpUrl);
  const bob = new Phone(server.httpUrl);
  const pushers = [];
  let watch;
  try {
    const tok = (user) => makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: user, publish: true, subscribe: true });
    await alice.join(APP_ID, tok('alice'), room, 'alice');
    await bob.join(APP_ID, tok('bob'), room, 'bob');

    // The room is recorded from before anyone publishes.
    const started = await admin(server, 'POST', '/start', { appId: APP_ID, roomId: room });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.deepEqual(started.body.started, []);

    const pushUrl = await alice.client.publish();
    // A watcher on HTTP-FLV notes when frames arrive: the wall-clock span the file must cover.
    const playUrl = await signedUrl(bin, { action: 'play', format: 'flv', appId: APP_ID, appKey: APP_KEY, room, user: 'alice', viewer: 'watcher', httpBase: server.httpUrl });
    watch = playHttpFlv(playUrl);
    pushers.push(pushTestStream(pushUrl, { size: '320x240', seconds: 60, fps: 25 }));
    await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
    await waitFor(() => watch.reader.videoFrames.length > 0, { timeoutMs: 15000 * SLOW, what: 'first frame' });
    await waitFor(async () => (await listing(server)).some((r) => r.state === 'recording'), { timeoutMs: 10000 * SLOW, what: 'recording started' });

    await sleep(2500);
    await alice.client.muteLocal({ audio: true });  // the mute gap
    await sleep(2000);
    await alice.client.muteLocal({ audio: false });
    await sleep(1500);
    // The publisher's connection dies; it reconnects with the same URL.
    await pushers[0].stop();
    await sleep(1000);
    pushers.push(pushTestStream(pushUrl, { size: '320x240', seconds: 60, fps: 25 }));
    const framesBefore = watch.reader.videoFrames.length;
    await waitFor(() => watch.reader.videoFrames.length > framesBefore + 25, { timeoutMs: 15000 * SLOW, what: 'frames after the reconnect' });
    await sleep(2000);

    const stopped = await admin(server, 'POST', '/stop', { appId: APP_ID, roomId: room });
    const stopAt = Date.now();
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.stopped.length, 1, 'one file for the whole call');
    const id = stopped.body.stopped[0];

    await waitFor(async () => (await listing(server)).some((r) => r.id === id && r.state !== 'finishing' && r.state !== 'recording'),
      { timeoutMs: 30000 * SLOW, what: 'recording finished' });
    const rec = (await listing(server)).find((r) => r.id === id);
    assert.equal(rec.state, 'finished', JSON.stringify(rec));
    assert.equal(rec.appId, APP_ID);
    assert.equal(rec.roomId, room);
    assert.equal(rec.userId, 'alice');
    assert.equal(rec.stream, `${APP_ID}~${room}~alice~main`);
    assert.equal(rec.file, `${id}.mp4`);
    assert.ok(rec.startedAt > 0 && rec.sizeBytes > 0);
    assert.equal(existsSync(join(server.dataDir, 'recordings', `${id}.flv`)), false, 'the FLV is removed once the MP4 exists');

    const file = join(server.dataDir, 'recordings', rec.file);
    assert.equal(statSync(file).size, rec.sizeBytes);
    const media = (watch.reader.tags.filter((t) => (t.type === 8 || t.type === 9) && !t.sequenceHeader && t.receivedAt <= stopAt));
    const expected = (media.at(-1).receivedAt - media[0].receivedAt) / 1000;
    const info = await probeFile(file);
    assert.match(info.format, /mp4/);
    assert.deepEqual(info.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
    assert.ok(Math.abs(info.duration - expected) <= 0.5, `duration ${info.duration} s, frames arrived over ${expected} s`);
    assert.ok(Math.abs(rec.durationMs / 1000 - info.duration) <= 0.1, `listed ${rec.durationMs} ms, file ${info.duration} s`);
    const boxes = topBoxes(file);
    assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `fast start: ${boxes}`);
    const decoded = await run('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-f', 'null', '-'], { timeoutMs: 60000 * SLOW });
    assert.equal(decoded.code, 0, decoded.stderr);

    // Download through a signed URL; a changed signature and an expired URL are refused.
    const minted = await admin(server, 'POST', `/${id}/url`, { ttlSeconds: 2 });
    assert.equal(minted.status, 200);
    assert.ok(minted.body.url.startsWith(`${server.httpUrl}/v1/recordings/${id}.mp4?e=`));
    const got = await fetch(minted.body.url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'video/mp4');
    assert.ok(Buffer.from(await got.arrayBuffer()).equals(readFileSync(file)));
    const forged = minted.body.url.replace(/s=([0-9a-f])/, (m, c) => `s=${c === '0' ? '1' : '0'}`);
    const bad = await fetch(forged);
    assert.equal(bad.status, 403);
    assert.match((await bad.json()).error, /signature/);
    const noAuth = await fetch(`${server.httpUrl}/v1/recordings/${id}.mp4`);
    assert.equal(noAuth.status, 403);
    await sleep(3500);
    const late = await fetch(minted.body.url);
    assert.equal(late.status, 403);
    assert.match((await late.json()).error, /expired/);

    // Delete: gone from the listing and the disk.
    assert.equal((await admin(server, 'DELETE', `/${id}`)).status, 200);
    assert.equal((await admin(server, 'GET', `/${id}`)).status, 404);
    await waitFor(() => !existsSync(file), { timeoutMs: 5000 * SLOW, what: 'file removed' });
  } finally {
    watch?.abort();
    for (const p of pushers) await p.stop();
    await alice.destroy();
    await bob.destroy();
  }
});

test('SIGKILL while recording (record = "all"): the FLV stays readable and the next start makes the MP4', { skip, timeout: 120000 * SLOW }, async () => {
  const dir = freshDir();
  const config = configFile(dir);
  const first = await startServer({ dataDir: dir, extraArgs: ['--config', config] });
  servers.push(first);
  const room = `kill-${process.pid}`;
  const pushUrl = await signedUrl(bin, { action: 'publish', appId: APP_ID, appKey: APP_KEY, room, user: 'carol', rtmpBase: first.rtmpUrl });
  const pusher = pushTestStream(pushUrl, { size: '320x240', seconds: 60 });
  let id;
  try {
    await waitFor(async () => {
      const r = (await listing(first)).find((x) => x.state === 'recording' && x.sizeBytes > 100000);
      id = r?.id;
      return Boolean(r);
    }, { timeoutMs: 30000 * SLOW, what: 'recording under way' });
    await sleep(2000);
  } finally {
    await first.stop('SIGKILL');
    await pusher.stop();
  }
  const flv = join(dir, 'recordings', `${id}.flv`);
  assert.ok(existsSync(flv), 'the stream-as-it-arrives file is there');
  assert.equal(JSON.parse(readFileSync(join(dir, 'recordings', `${id}.json`), 'utf8')).state, 'recording');
  const flvInfo = await probeFile(flv);
  assert.deepEqual(flvInfo.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
  // The media the killed server had written: first to last frame timestamp of its tags (the
  // metadata's duration is the pusher's plan, not what arrived).
  const tags = new FlvReader();
  tags.feed(readFileSync(flv));
  const frames = tags.tags.filter((t) => (t.type === 8 || t.type === 9) && !t.sequenceHeader);
  const written = (frames.at(-1).timestamp - frames[0].timestamp) / 1000;

  const second = await startServer({ dataDir: dir, extraArgs: ['--config', config] });
  servers.push(second);
  await waitFor(async () => (await listing(second)).some((r) => r.id === id && r.state === 'finished'),
    { timeoutMs: 30000 * SLOW, what: 'recovered recording finished' });
  const rec = (await listing(second)).find((r) => r.id === id);
  assert.equal(rec.recovered, true);
  assert.equal(rec.file, `${id}.mp4`);
  const info = await probeFile(join(dir, 'recordings', rec.file));
  assert.deepEqual(info.streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
  assert.ok(Math.abs(info.duration - written) <= 0.5, `MP4 ${info.duration} s, FLV frames over ${written} s`);
  assert.ok(info.duration >= 2, `duration ${info.duration}`);
  assert.equal(existsSync(flv), false);
  await second.stop();
});

test('disk full (RLIMIT_FSIZE): the recording stops with the error; media and signalling go on', { skip, timeout: 120000 * SLOW }, async () => {
  const dir = freshDir();
  const config = configFile(dir);
  // The server under a file size limit: its writes past 1.5 MB fail with EFBIG, as on a full disk.
  const wrapper = join(dir, 'limited.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec prlimit --fsize=1500000 -- "${bin}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  const server = await startServer({ bin: wrapper, dataDir: dir, extraArgs: ['--config', config] });
  servers.push(server);
  const room = `full-${process.pid}`;
  const phone = new Phone(server.httpUrl);
  const pushUrl = await signedUrl(bin, { action: 'publish', appId: APP_ID, appKey: APP_KEY, room, user: 'dave', rtmpBase: server.rtmpUrl });
  const playUrl = await signedUrl(bin, { action: 'play', format: 'flv', appId: APP_ID, appKey: APP_KEY, room, user: 'dave', viewer: 'eve', httpBase: server.httpUrl });
  const pusher = pushTestStream(pushUrl, { size: '640x360', seconds: 90, bitrate: '2000k' });
  const watch = playHttpFlv(playUrl);
  try {
    await phone.join(APP_ID, makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: 'frank', publish: true, subscribe: true }), room, 'frank');
    await waitFor(async () => (await listing(server)).some((r) => r.state === 'failed'),
      { timeoutMs: 60000 * SLOW, what: 'recording failed on the size limit' });
    const rec = (await listing(server)).find((r) => r.state === 'failed');
    assert.match(rec.error, /File too large/);
    assert.match(server.logs(), /event: recording finished .*File too large/);
    // Media goes on: the viewer gets new frames after the failure; signalling answers.
    const frames = watch.reader.videoFrames.length;
    await waitFor(() => watch.reader.videoFrames.length > frames + 25, { timeoutMs: 15000 * SLOW, what: 'frames after the failure' });
    assert.equal(phone.named(EVENTS.DISCONNECT).length, 0);
    const cfg = await fetch(`${server.httpUrl}/v1/config?appId=${APP_ID}`);
    assert.equal(cfg.status, 200);
    assert.equal(server.proc.exitCode, null);
    // What was written stays readable.
    if (rec.file) assert.equal((await run('ffprobe', ['-v', 'error', join(dir, 'recordings', rec.file)])).code, 0);
  } finally {
    watch.abort();
    await pusher.stop();
    await phone.destroy();
  }
});

test('a relayed stream is recorded by its origin, not by an edge with record = "all"', { skip, timeout: 120000 * SLOW }, async () => {
  const secret = 'record-relay-cluster-secret';
  const originDir = freshDir();
  const edgeDir = freshDir();
  const origin = await startServer({ dataDir: originDir, extraArgs: ['--config', configFile(originDir), '--cluster-secret', secret] });
  servers.push(origin);
  const edge = await startServer({ dataDir: edgeDir, extraArgs: ['--config', configFile(edgeDir), '--cluster-secret', secret, '--relay-origin', origin.rtmpUrl] });
  servers.push(edge);
  const room = `relay-${process.pid}`;
  const pushUrl = await signedUrl(bin, { action: 'publish', appId: APP_ID, appKey: APP_KEY, room, user: 'erin', rtmpBase: origin.rtmpUrl });
  const pusher = pushTestStream(pushUrl, { size: '320x240', seconds: 60 });
  const playUrl = await signedUrl(bin, { action: 'play', appId: APP_ID, appKey: APP_KEY, room, user: 'erin', viewer: 'frank', format: 'flv', httpBase: edge.httpUrl, rtmpBase: edge.rtmpUrl });
  const viewer = playHttpFlv(playUrl);
  try {
    // The edge serves the stream (through its relay upstream) while the origin records it.
    await waitFor(() => viewer.reader.videoFrames.length > 50, { timeoutMs: 30000 * SLOW, what: 'edge viewer frames' });
    await waitFor(async () => (await listing(origin)).some((x) => x.roomId === room && x.state === 'recording'),
      { timeoutMs: 15000 * SLOW, what: 'the origin recording' });
    assert.deepEqual(await listing(edge), [], 'the edge records nothing');
    // Nor can the edge be asked to: the stream is not this node's.
    const start = await admin(edge, 'POST', '/start', { appId: APP_ID, roomId: room, userId: 'erin' });
    assert.equal(start.status, 409);
    const roomStart = await admin(edge, 'POST', '/start', { appId: APP_ID, roomId: room });
    assert.equal(roomStart.status, 200);
    assert.deepEqual(roomStart.body.started, []);
    assert.deepEqual(await listing(edge), []);
  } finally {
    viewer.abort();
    await pusher.stop();
  }
});
