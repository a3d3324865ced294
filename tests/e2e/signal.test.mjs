// Signalling end to end: the real `minirtc` binary driven over real WebSockets with raw JSON-RPC
// (docs/protocol.md §4), ffmpeg publishing to the URLs it hands out, ffprobe playing them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, binaryPath } from './lib/server.mjs';
import { pushTestStream, probe, playHttpFlv, sleep, waitFor, signedUrl } from './lib/media.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const SLOW = process.env.MINIRTC_SANITIZED ? 3 : 1;
const APP_ID = 'signaltest0123456789abcd';
const APP_KEY = 'signal-test-key';
const ADMIN_KEY = 'admin-secret';

let server;
let roomSeq = 0;
const newRoom = () => `room-${process.pid}-${++roomSeq}`;

before(async () => {
  if (skip) return;
  server = await startServer({
    apps: [`${APP_ID}:${APP_KEY}`],
    extraArgs: ['--admin-key', ADMIN_KEY, '--config', writeConfig()],
  });
});
after(async () => { if (server) await server.stop(); });

function writeConfig() {
  // Short timers so that resume windows and limits are testable in seconds.
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-signal-'));
  const file = join(dir, 'minirtc.toml');
  writeFileSync(file, `[room]\nresume_window_ms = 2000\nmax_visible_users = 3\nempty_room_delay_ms = 1000\n` +
    `publish_no_media_timeout_ms = 3000\n`);
  return file;
}

const token = (roomId, userId, opts = {}) => makeToken({
  appId: APP_ID, appKey: APP_KEY, roomId, userId, publish: true, subscribe: true, ...opts,
});

/** A raw JSON-RPC client over a real WebSocket. */
class RpcClient {
  static async connect(url = server.wsUrl) {
    const c = new RpcClient(new WebSocket(url));
    await new Promise((resolve, reject) => { c.ws.once('open', resolve); c.ws.once('error', reject); });
    return c;
  }
  constructor(ws) {
    this.ws = ws; this.nextId = 1; this.pending = new Map(); this.events = []; this.closed = null;
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.id !== undefined && msg.id !== null && this.pending.has(msg.id)) {
        this.pending.get(msg.id)(msg); this.pending.delete(msg.id);
      } else if (msg.method) {
        this.events.push(msg);
      } else {
        this.events.push(msg);  // e.g. an error reply with id null
      }
    });
    ws.on('close', (code, reason) => { this.closed = { code, reason: String(reason) }; });
  }
  /** Resolves with the whole reply ({result} or {error}). */
  call(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no reply`)), 5000 * SLOW);
      this.pending.set(id, (msg) => { clearTimeout(timer); resolve(msg); });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }
  async ok(method, params) {
    const r = await this.call(method, params);
    assert.ok(r.result !== undefined, `${method} failed: ${JSON.stringify(r.error)}`);
    return r.result;
  }
  async join(roomId, userId, extra = {}) {
    return this.ok('join', { appId: APP_ID, token: token(roomId, userId), roomId, userId, ...extra });
  }
  named(method) { return this.events.filter((e) => e.method === method).map((e) => e.params); }
  async waitEvent(method, pred = () => true, timeoutMs = 10000 * SLOW) {
    await waitFor(() => this.named(method).some(pred), { timeoutMs, what: method });
    return this.named(method).find(pred);
  }
  close() { this.ws.close(); }
  drop() { this.ws.terminate(); }
}

test('GET /v1/config lists the signalling and report URLs; unknown app is 404', { skip }, async () => {
  const res = await fetch(`${server.httpUrl}/v1/config?appId=${APP_ID}`);
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.deepEqual(body.signalUrls, [`${server.wsUrl}`]);
  assert.equal(body.reportUrl, `${server.httpUrl}/v1/report`);
  const bad = await fetch(`${server.httpUrl}/v1/config?appId=nosuchapp000000000000000`);
  assert.equal(bad.status, 404);
  assert.match((await bad.json()).error, /unknown appId/);
});

test('two users: publish with ffmpeg, the other gets STREAM_ADDED and plays the URL', { skip }, async () => {
  const room = newRoom();
  const alice = await RpcClient.connect();
  const bob = await RpcClient.connect();
  const joined = await alice.join(room, 'alice');
  assert.equal(joined.roomId, room);
  assert.ok(joined.sessionToken.length >= 32);
  assert.equal(joined.pingInterval, 10000);
  await bob.join(room, 'bob');
  // Notifications follow the join reply on the same socket.
  assert.deepEqual(await bob.waitEvent('peerOnline'), { uid: 'alice' });
  await alice.waitEvent('peerOnline', (p) => p.uid === 'bob');
  const { url } = await alice.ok('publish', {});
  assert.match(url, /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/signaltest0123456789abcd~.*~alice~main\?a=pub&/);
  const pusher = pushTestStream(url, { size: '480x640' });
  try {
    const added = await bob.waitEvent('streamAdded', (p) => p.uid === 'alice');
    assert.deepEqual(added, { uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });
    const play = await bob.ok('subscribe', { userId: 'alice' });
    assert.match(play.url, /a=play&v=bob&/);
    const info = await probe(play.url);
    const video = info.streams.find((s) => s.codec_type === 'video');
    assert.equal(video.width, 480);
    assert.equal(video.height, 640);
    // HTTP-FLV on request.
    const flv = await bob.ok('subscribe', { userId: 'alice', format: 'flv' });
    assert.match(flv.url, /^http:\/\/.*\.flv\?a=play&v=bob&/);
    // A late joiner hears about the live stream at once.
    const carol = await RpcClient.connect();
    await carol.join(room, 'carol');
    await carol.waitEvent('streamAdded', (p) => p.uid === 'alice');
    // Unpublish: subscribers see STREAM_REMOVED.
    await alice.ok('unpublish', {});
    await bob.waitEvent('streamRemoved', (p) => p.uid === 'alice');
    carol.close();
  } finally {
    await pusher.stop();
    alice.close(); bob.close();
  }
});

test('mute rules: MUTE/UNMUTE events, both off removes the stream, muteRemote filters one viewer', { skip }, async () => {
  const room = newRoom();
  const alice = await RpcClient.connect();
  const bob = await RpcClient.connect();
  await alice.join(room, 'alice');
  await bob.join(room, 'bob');
  const { url } = await alice.ok('publish', {});
  const pusher = pushTestStream(url);
  try {
    await bob.waitEvent('streamAdded', (p) => p.uid === 'alice');
    await alice.ok('muteLocal', { video: true });
    await bob.waitEvent('muteVideo', (p) => p.uid === 'alice');
    await alice.ok('muteLocal', { audio: true });
    await bob.waitEvent('streamRemoved', (p) => p.uid === 'alice');
    await alice.ok('muteLocal', { audio: false, video: false });
    await waitFor(() => bob.named('streamAdded').filter((p) => p.uid === 'alice').length === 2, { what: 'streamAdded again' });
    await alice.ok('muteLocal', { audio: true });
    await bob.waitEvent('muteAudio', (p) => p.uid === 'alice');
    await alice.ok('muteLocal', { audio: false });
    await bob.waitEvent('unmuteAudio', (p) => p.uid === 'alice');

    // muteRemote: bob stops receiving alice's video; his FLV player then gets audio only.
    const { url: flvUrl } = await bob.ok('subscribe', { userId: 'alice', format: 'flv' });
    await bob.ok('muteRemote', { userId: 'alice', video: true });
    await sleep(300);
    const player = playHttpFlv(flvUrl);
    await waitFor(() => player.reader.audioFrames.length >= 40, { timeoutMs: 10000 * SLOW, what: 'audio' });
    assert.equal(player.reader.videoFrames.length, 0, 'no video while muted remotely');
    await bob.ok('muteRemote', { userId: 'alice', video: false });
    await waitFor(() => player.reader.videoFrames.length > 0, { timeoutMs: 6000 * SLOW, what: 'video again' });
    assert.ok(player.reader.videoFrames[0].keyframe, 'video resumes at a keyframe');
    player.abort();
    const err = await bob.call('muteRemote', { userId: 'nobody', video: true });
    assert.ok(err.error, 'muteRemote of an unknown stream fails');
  } finally {
    await pusher.stop();
    alice.close(); bob.close();
  }
});

test('same userId joining again: the old session is banned and closed, others see no leave', { skip }, async () => {
  const room = newRoom();
  const first = await RpcClient.connect();
  const other = await RpcClient.connect();
  await first.join(room, 'dup');
  await other.join(room, 'watcher');
  const second = await RpcClient.connect();
  await second.join(room, 'dup');
  const banned = await first.waitEvent('clientBanned');
  assert.match(banned.reason, /same userId/);
  await waitFor(() => first.closed !== null, { what: 'old socket closed' });
  await sleep(300);
  assert.deepEqual(other.named('peerLeave'), [], 'no PEER_LEAVE for a takeover');
  second.close(); other.close();
});

test('resume inside the window keeps the place silently; outside it the user leaves', { skip }, async () => {
  const room = newRoom();
  const alice = await RpcClient.connect();
  const bob = await RpcClient.connect();
  const joined = await alice.join(room, 'alice');
  await bob.join(room, 'bob');
  const { url } = await alice.ok('publish', {});
  alice.drop();
  await sleep(500);
  const again = await RpcClient.connect();
  const resumed = await again.ok('resume', { sessionToken: joined.sessionToken });
  assert.equal(resumed.userId, 'alice');
  assert.equal(resumed.publications.length, 1);
  assert.equal(resumed.publications[0].url, url, 'the push URL survives a resume');
  await sleep(2500);  // past the window: nothing happened to others
  assert.deepEqual(bob.named('peerLeave'), []);
  // Now drop for longer than the window (2 s in this server's config).
  again.drop();
  await bob.waitEvent('peerLeave', (p) => p.uid === 'alice', 8000 * SLOW);
  const late = await RpcClient.connect();
  const r = await late.call('resume', { sessionToken: joined.sessionToken });
  assert.equal(r.error.code, 300008);
  late.close(); bob.close();
});

test('token checks: bad, expired, wrong room, no privilege are refused with a reason', { skip }, async () => {
  const room = newRoom();
  const c = await RpcClient.connect();
  const cases = [
    ['garbage', { token: 'nonsense' }, /token/],
    ['wrong key', { token: makeToken({ appId: APP_ID, appKey: 'wrong', roomId: room, userId: 'u', publish: true, subscribe: true }) }, /signature/],
    ['other room', { token: token('elsewhere', 'u') }, /room/],
    ['other user', { token: token(room, 'someone') }, /user/],
    ['expired', { token: makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: 'u', publish: true, subscribe: true, issuedAt: 1600000000, expire: 60 }) }, /expired/],
  ];
  for (const [name, params, reason] of cases) {
    const r = await c.call('join', { appId: APP_ID, roomId: room, userId: 'u', ...params });
    assert.equal(r.error?.code, 300008, name);
    assert.match(r.error.message, reason, name);
  }
  // Subscribe-only token: joins, cannot publish.
  const viewerOnly = makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: 'u', subscribe: true });
  await c.ok('join', { appId: APP_ID, token: viewerOnly, roomId: room, userId: 'u' });
  const pub = await c.call('publish', {});
  assert.equal(pub.error.code, 300006);
  // Wildcard room token.
  const any = await RpcClient.connect();
  await any.ok('join', { appId: APP_ID, token: token('*', 'w'), roomId: room, userId: 'w' });
  c.close(); any.close();
});

test('wrong state and bad frames get JSON-RPC errors; the session survives', { skip }, async () => {
  const c = await RpcClient.connect();
  assert.equal((await c.call('publish', {})).error.code, 100002);
  assert.equal((await c.call('nosuchmethod', {})).error.code, -32601);
  c.ws.send('{not json');
  await waitFor(() => c.events.some((e) => e.error?.code === -32700), { what: 'parse error' });
  assert.equal((await c.call('join', { appId: APP_ID })).error.code, 100001);
  const pong = await c.ok('ping', {});
  assert.ok(pong.time > 1.7e12);
  c.close();
});

test('limits: the 4th visible user is refused naming the limit; invisible users still join', { skip }, async () => {
  const room = newRoom();
  const clients = [];
  for (const u of ['a', 'b', 'c']) { const c = await RpcClient.connect(); await c.join(room, u); clients.push(c); }
  const d = await RpcClient.connect();
  const r = await d.call('join', { appId: APP_ID, token: token(room, 'd'), roomId: room, userId: 'd' });
  assert.equal(r.error.code, 300008);
  assert.match(r.error.message, /at most 3 visible users/);
  await d.join(room, 'd', { visible: false });
  assert.equal((await d.call('publish', {})).error.code, 300006, 'invisible users cannot publish');
  await sleep(200);
  assert.ok(clients.every((c) => !c.named('peerOnline').some((p) => p.uid === 'd')), 'invisible causes no event');
  clients.forEach((c) => c.close()); d.close();
});

test('admin API: list rooms, room details, kick a user (CLIENT_BANNED, URL revoked)', { skip }, async () => {
  const room = newRoom();
  const alice = await RpcClient.connect();
  const bob = await RpcClient.connect();
  await alice.join(room, 'alice');
  await bob.join(room, 'bob');
  const { url } = await alice.ok('publish', {});
  const pusher = pushTestStream(url);
  try {
    await bob.waitEvent('streamAdded', (p) => p.uid === 'alice');
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    assert.equal((await fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}/rooms`)).status, 401);
    const rooms = await (await fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}/rooms`, { headers: auth })).json();
    assert.ok(JSON.stringify(rooms).includes(room));
    const detail = await (await fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}/rooms/${room}`, { headers: auth })).json();
    assert.ok(JSON.stringify(detail).includes('alice'));
    const streams = await (await fetch(`${server.httpUrl}/v1/admin/streams`, { headers: auth })).json();
    const s = streams.streams.find((x) => x.roomId === room && x.userId === 'alice');
    assert.ok(s && s.publishing && s.width === 640, JSON.stringify(s));
    const kick = await fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}/rooms/${room}/users/alice/kick`,
      { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'behave' }) });
    assert.equal(kick.status, 200);
    const banned = await alice.waitEvent('clientBanned');
    assert.equal(banned.reason, 'behave');
    await bob.waitEvent('peerLeave', (p) => p.uid === 'alice');
    // The push URL is revoked: the pusher is cut off and cannot come back.
    const exit = await Promise.race([pusher.exited, sleep(8000 * SLOW).then(() => null)]);
    assert.ok(exit, 'publisher disconnected by the kick');
    const retry = pushTestStream(url, { seconds: 3 });
    const retryExit = await Promise.race([retry.exited, sleep(8000 * SLOW).then(() => null)]);
    await retry.stop();
    assert.ok(retryExit && retryExit.code !== 0, 'revoked URL refused');
  } finally {
    await pusher.stop();
    alice.close(); bob.close();
  }
});

test('reports: a fatal pusher state sends STREAM_FAILED to the reporter', { skip }, async () => {
  const room = newRoom();
  const alice = await RpcClient.connect();
  const joined = await alice.join(room, 'alice');
  await alice.ok('publish', {});
  const res = await fetch(`${server.httpUrl}/v1/report`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionToken: joined.sessionToken, reports: [
      { type: 'pusherNet', info: { videoBitrate: 400 }, time: Date.now() },
      { type: 'pusherState', code: -1307, message: 'reconnect failed', time: Date.now() }] }),
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).accepted, 2);
  const failed = await alice.waitEvent('streamFailed');
  assert.equal(failed.uid, 'alice');
  assert.equal((await fetch(`${server.httpUrl}/v1/report`, { method: 'POST', body: '{"sessionToken":"nope","reports":[]}' })).status, 404);
  alice.close();
});

test('a stream pushed with `minirtc url publish` shows up as a media-only user', { skip }, async () => {
  const room = newRoom();
  const watcher = await RpcClient.connect();
  await watcher.join(room, 'watcher');
  const pushUrl = await signedUrl(BIN, { action: 'publish', appId: APP_ID, appKey: APP_KEY, room, user: 'obs', httpBase: server.httpUrl, rtmpBase: server.rtmpUrl });
  const pusher = pushTestStream(pushUrl);
  try {
    await watcher.waitEvent('peerOnline', (p) => p.uid === 'obs');
    await watcher.waitEvent('streamAdded', (p) => p.uid === 'obs');
    const play = await watcher.ok('subscribe', { userId: 'obs' });
    const info = await probe(play.url);
    assert.ok(info.streams.some((s) => s.codec_type === 'video'));
  } finally { await pusher.stop(); }
  await watcher.waitEvent('streamRemoved', (p) => p.uid === 'obs', 20000 * SLOW);
  await watcher.waitEvent('peerLeave', (p) => p.uid === 'obs');
  watcher.close();
});

test('/metrics exposes rooms, users, streams, latency histograms and rejections', { skip }, async () => {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  for (const name of ['minirtc_rooms', 'minirtc_users', 'minirtc_signal_sessions', 'minirtc_viewers',
    'minirtc_join_latency_ms_bucket', 'minirtc_rpc_latency_ms_count', 'minirtc_rejected_total']) {
    assert.match(text, new RegExp(`^${name}`, 'm'), name);
  }
  assert.match(text, /^minirtc_join_latency_ms_count [1-9]\d*$/m);
});

test('development tokens only for the embedded default app', { skip }, async () => {
  const res = await fetch(`${server.httpUrl}/v1/dev/token?appId=${APP_ID}&roomId=r&userId=u`);
  assert.equal(res.status, 403, 'a configured app gets no dev tokens');
  const dev = await startServer({});
  try {
    assert.ok(dev.devApp, 'the embedded default prints its development app');
    const r = await fetch(`${dev.httpUrl}/v1/dev/token?appId=${dev.devApp.appId}&roomId=r1&userId=u1`);
    assert.equal(r.status, 200);
    const { token: t } = await r.json();
    const c = await RpcClient.connect(dev.wsUrl);
    const j = await c.call('join', { appId: dev.devApp.appId, token: t, roomId: 'r1', userId: 'u1' });
    assert.ok(j.result, JSON.stringify(j.error));
    c.close();
  } finally { await dev.stop(); }
});
