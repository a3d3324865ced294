// Origin→edge relay end to end (server/relay.hpp): two real `minirtc` nodes on loopback, the edge
// started with --relay-origin naming the origin; ffmpeg publishes to the origin, ffprobe/ffmpeg
// and HTTP-FLV clients play from the edge with ordinary play URLs. Checked: the edge decodes over
// RTMP and HTTP-FLV; two viewers make exactly one upstream (metrics of both nodes); the upstream
// outlives the last viewer by the grace, then closes; neither node shows the relay as a user or
// room; a publisher that reconnects on the origin reaches the edge's viewers on the connection
// they kept, starting with a keyframe; an origin killed and restarted is retried with backoff and
// the viewers get the stream back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startServer, binaryPath } from './lib/server.mjs';
import { signedUrl, pushTestStream, probe, decode, playHttpFlv, sleep, waitFor } from './lib/media.mjs';

const BIN = binaryPath();
const APP_ID = 'relaytest0123456789abcde';
const APP_KEY = 'relay-test-key';
const SECRET = 'relay-test-cluster-secret';
const GRACE_MS = 3000;
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const SLOW = process.env.MINIRTC_SANITIZED ? 3 : 1;

let origin;
let edge;
let originPort;
let n = 0;
const room = () => `relay-${process.pid}-${++n}`;
const apps = [`${APP_ID}:${APP_KEY}`];

/** A free loopback port (the origin is restarted on the same one). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

const startOrigin = () => startServer({
  apps, extraArgs: ['--cluster-secret', SECRET], rtmpListen: `127.0.0.1:${originPort}`,
});

before(async () => {
  if (skip) return;
  originPort = await freePort();
  origin = await startOrigin();
  edge = await startServer({
    apps,
    extraArgs: ['--cluster-secret', SECRET, '--relay-origin', `rtmp://127.0.0.1:${originPort}`,
      '--relay-grace-ms', String(GRACE_MS)],
  });
});
after(async () => {
  if (edge) await edge.stop();
  if (origin) await origin.stop();
});

async function metric(node, name) {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : NaN;
}

const publishUrl = (r) => signedUrl(BIN, {
  action: 'publish', appId: APP_ID, appKey: APP_KEY, room: r, user: 'alice', rtmpBase: origin.rtmpUrl,
});
/** A viewer's play URL on the edge: the same app key signs it on every node. */
const edgePlayUrl = (r, viewer, format = 'rtmp') => signedUrl(BIN, {
  action: 'play', appId: APP_ID, appKey: APP_KEY, room: r, user: 'alice', viewer, format,
  httpBase: edge.httpUrl, rtmpBase: edge.rtmpUrl,
});

async function publish(node, r) {
  const pusher = pushTestStream(await publishUrl(r), { seconds: 120 });
  await waitFor(() => node.logs().includes(`stream ${APP_ID}~${r}~alice~main live`),
    { timeoutMs: 15000 * SLOW, what: 'stream live on the origin' });
  return pusher;
}

/** Video frames (not sequence headers) the FLV reader got: all, or those after tag `from`. */
const frames = (reader) => reader.videoFrames;
const videoAfter = (reader, from) => reader.tags.slice(from).filter((t) => t.type === 9 && !t.sequenceHeader);

test('edge viewers decode an origin stream over RTMP and HTTP-FLV through one upstream, closed after the grace', { skip, timeout: 120000 * SLOW }, async () => {
  const r = room();
  const pusher = await publish(origin, r);
  try {
    assert.equal(await metric(edge, 'minirtc_relay_upstreams'), 0);
    // Viewer 1: HTTP-FLV, kept open. Viewer 2: ffmpeg decoding RTMP for a while.
    const flv = playHttpFlv(await edgePlayUrl(r, 'bob', 'flv'));
    const rtmpDecode = decode(await edgePlayUrl(r, 'carol'), 6);
    await waitFor(() => frames(flv.reader).length > 25, { timeoutMs: 20000 * SLOW, what: 'HTTP-FLV frames on the edge' });
    assert.equal(flv.reader.status, 200);
    const first = frames(flv.reader)[0];
    assert.ok(first.keyframe, 'the edge viewer starts with a keyframe');
    // Exactly one upstream for two viewers, on both sides.
    assert.equal(await metric(edge, 'minirtc_relay_upstreams'), 1);
    assert.equal(await metric(origin, 'minirtc_relay_downstreams'), 1);
    assert.equal(await metric(edge, 'minirtc_relay_opens_total'), 1);
    // The relay is no user on the origin (only alice, a media-only member) and no room on the edge.
    assert.equal(await metric(origin, 'minirtc_users'), 1);
    assert.equal(await metric(edge, 'minirtc_rooms'), 0);
    const decoded = await rtmpDecode;
    assert.equal(decoded.code, 0, `ffmpeg decoded RTMP from the edge: ${decoded.stderr}`);
    // ffprobe on both formats sees the origin's codecs.
    for (const format of ['rtmp', 'flv']) {
      const info = await probe(await edgePlayUrl(r, `dave${format}`, format));
      assert.equal(info.streams.find((s) => s.codec_type === 'video')?.codec_name, 'h264', format);
      assert.equal(info.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac', format);
    }
    assert.equal(await metric(edge, 'minirtc_relay_opens_total'), 1, 'still one upstream after more viewers came and went');

    // The last viewer leaves: the upstream stays for the grace, then closes.
    flv.abort();
    const left = Date.now();
    await waitFor(async () => (await metric(edge, 'minirtc_viewers')) === 0, { timeoutMs: 5000 * SLOW, what: 'edge viewers gone' });
    await sleep(GRACE_MS / 3);
    assert.equal(await metric(edge, 'minirtc_relay_upstreams'), 1, 'kept within the grace');
    await waitFor(async () => (await metric(edge, 'minirtc_relay_upstreams')) === 0,
      { timeoutMs: (GRACE_MS + 5000) * SLOW, what: 'upstream closed after the grace' });
    assert.ok(Date.now() - left >= GRACE_MS - 100, `closed ${Date.now() - left} ms after the last viewer`);
    await waitFor(async () => (await metric(origin, 'minirtc_relay_downstreams')) === 0,
      { timeoutMs: 5000 * SLOW, what: 'origin downstream closed' });
    assert.equal(await metric(edge, 'minirtc_relay_failures_total'), 0);
  } finally {
    await pusher.stop();
  }
});

/** An HTTP-FLV viewer on the edge that got the stream; ended() tells whether its body ended. */
async function edgeViewer(r) {
  const flv = playHttpFlv(await edgePlayUrl(r, 'bob', 'flv'));
  let ended = false;
  flv.done.then(() => { ended = true; });
  await waitFor(() => frames(flv.reader).length > 25, { timeoutMs: 20000 * SLOW, what: 'frames on the edge' });
  return { ...flv, ended: () => ended };
}

test('a publisher reconnecting on the origin reaches the edge viewer on its kept connection, from a keyframe', { skip, timeout: 120000 * SLOW }, async () => {
  const r = room();
  let pusher = await publish(origin, r);
  const flv = await edgeViewer(r);
  try {
    await pusher.stop();
    await sleep(1500);
    const mark = flv.reader.tags.length;
    pusher = pushTestStream(await publishUrl(r), { seconds: 120 });
    await waitFor(() => videoAfter(flv.reader, mark).length > 25,
      { timeoutMs: 20000 * SLOW, what: 'frames again after the publisher reconnected' });
    assert.equal(flv.ended(), false, 'the edge viewer kept its connection');
    assert.ok(videoAfter(flv.reader, mark)[0].keyframe, 'the stream comes back with a keyframe');
    assert.equal(flv.reader.error, undefined);
  } finally {
    flv.abort();
    await pusher.stop();
  }
});

test('an origin killed and restarted is retried with backoff; the edge viewer gets the stream back', { skip, timeout: 180000 * SLOW }, async () => {
  // The previous test's upstream ends its grace first: the counts below are this stream's alone.
  await waitFor(async () => (await metric(edge, 'minirtc_relay_upstreams')) === 0,
    { timeoutMs: (GRACE_MS + 5000) * SLOW, what: 'no upstream left from earlier tests' });
  const r = room();
  let pusher = await publish(origin, r);
  const flv = await edgeViewer(r);
  try {
    const failures0 = await metric(edge, 'minirtc_relay_failures_total');
    const retries0 = await metric(edge, 'minirtc_relay_retries_total');
    await pusher.stop();
    await origin.stop('SIGKILL');
    // Down for a while: the edge keeps trying (refused connections), the viewer keeps waiting.
    await waitFor(async () => (await metric(edge, 'minirtc_relay_failures_total')) >= failures0 + 3,
      { timeoutMs: 20000 * SLOW, what: 'failed retries while the origin is down' });
    assert.equal(flv.ended(), false, 'the edge viewer kept its connection while the origin was down');
    const retriesDown = await metric(edge, 'minirtc_relay_retries_total');
    assert.ok(retriesDown >= retries0 + 2, `retried (${retriesDown - retries0})`);
    // Backoff: the edge did not hammer the origin (3 s at 0.5, 1, 2, 4 s … is a handful of tries).
    await sleep(3000);
    const retriesLater = await metric(edge, 'minirtc_relay_retries_total');
    assert.ok(retriesLater - retriesDown <= 3, `backoff: ${retriesLater - retriesDown} retries in 3 s`);

    // Seconds after the kill nothing of the old stream is still on its way: what follows is what
    // the restarted origin sends.
    const mark = flv.reader.tags.length;
    origin = await startOrigin();
    pusher = await publish(origin, r);
    await waitFor(() => videoAfter(flv.reader, mark).length > 25,
      { timeoutMs: 40000 * SLOW, what: 'frames again after the origin came back' });
    assert.ok(videoAfter(flv.reader, mark)[0].keyframe, 'the stream comes back with a keyframe');
    assert.equal(flv.ended(), false, 'the edge viewer kept its connection');
    assert.equal(await metric(edge, 'minirtc_relay_upstreams'), 1);
    assert.equal(await metric(origin, 'minirtc_relay_downstreams'), 1);
  } finally {
    flv.abort();
    await pusher.stop();
  }
});

test('an edge without --cluster-secret does not start', { skip }, async () => {
  await assert.rejects(startServer({ apps, extraArgs: ['--relay-origin', 'rtmp://127.0.0.1:1'] }),
    /relay.origin needs cluster.secret/);
  await assert.rejects(startServer({ apps, extraArgs: ['--cluster-secret', 'x', '--relay-origin', 'http://127.0.0.1:1'] }),
    /not rtmp:\/\/HOST:PORT/);
});
