// Media plane end to end: the real `minirtc` binary with real peers. ffmpeg pushes like
// <live-pusher>; ffprobe, ffmpeg, rtmpdump, HTTP-FLV and WebSocket-FLV clients play.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, binaryPath } from './lib/server.mjs';
import {
  signedUrl, pushTestStream, probe, decode, run, playHttpFlv, FlvReader, sleep, waitFor,
} from './lib/media.mjs';

const BIN = binaryPath();
const APP_ID = 'mediatest0123456789abcde';
const APP_KEY = 'media-test-key';
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
// Under the sanitizers the server is several times slower; give peers more time.
const SLOW = process.env.MINIRTC_SANITIZED ? 3 : 1;

let server;
let n = 0;
const room = () => `media-${process.pid}-${++n}`;
const url = (o) => signedUrl(BIN, {
  appId: APP_ID, appKey: APP_KEY, httpBase: server.httpUrl, rtmpBase: server.rtmpUrl, ...o,
});

before(async () => {
  if (skip) return;
  server = await startServer({ apps: [`${APP_ID}:${APP_KEY}`] });
});
after(async () => { if (server) await server.stop(); });

/** Publishes a test stream and waits until the server reports it live. */
async function publish(r, user, opts = {}) {
  const pushUrl = await url({ action: 'publish', room: r, user });
  const pusher = pushTestStream(pushUrl, opts);
  await waitFor(() => server.logs().includes(`stream ${APP_ID}~${r}~${user}~main live`),
    { timeoutMs: 15000 * SLOW, what: 'stream live' });
  return { pusher, pushUrl };
}

test('ffprobe sees H.264 and AAC with the right resolution over RTMP and HTTP-FLV', { skip }, async () => {
  const r = room();
  const { pusher } = await publish(r, 'alice', { size: '640x360' });
  try {
    for (const format of ['rtmp', 'flv']) {
      const playUrl = await url({ action: 'play', room: r, user: 'alice', viewer: 'bob', format });
      const info = await probe(playUrl);
      const video = info.streams.find((s) => s.codec_type === 'video');
      const audio = info.streams.find((s) => s.codec_type === 'audio');
      assert.ok(video, `${format}: a video stream`);
      assert.ok(audio, `${format}: an audio stream`);
      assert.equal(video.codec_name, 'h264');
      assert.equal(video.width, 640);
      assert.equal(video.height, 360);
      assert.equal(audio.codec_name, 'aac');
      assert.equal(Number(audio.sample_rate), 44100);
      assert.equal(audio.channels, 2);
    }
  } finally { await pusher.stop(); }
});

test('ffmpeg decodes 5 s over RTMP and HTTP-FLV without an error', { skip }, async () => {
  const r = room();
  const { pusher } = await publish(r, 'alice');
  try {
    const results = await Promise.all(['rtmp', 'flv'].map(async (format) => {
      const playUrl = await url({ action: 'play', room: r, user: 'alice', viewer: `v-${format}`, format });
      return decode(playUrl, 5);
    }));
    for (const res of results) {
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stderr.trim(), '', 'no decoder errors');
    }
  } finally { await pusher.stop(); }
});

test('rtmpdump plays the stream', { skip }, async () => {
  const r = room();
  const { pusher } = await publish(r, 'alice');
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-rtmpdump-'));
  try {
    const playUrl = await url({ action: 'play', room: r, user: 'alice', viewer: 'dumper' });
    const out = join(dir, 'out.flv');
    // --live; stop after 3 s of stream time.
    const res = await run('rtmpdump', ['-q', '-v', '-r', playUrl, '-B', '3', '--stop', '3', '-o', out],
      { timeoutMs: 20000 * SLOW });
    const flv = new FlvReader();
    flv.feed(readFileSync(out));
    assert.ok(flv.tags.some((t) => t.type === 9 && t.sequenceHeader), `AVC sequence header (rtmpdump: ${res.stderr})`);
    assert.ok(flv.videoFrames.length >= 25, `video frames: ${flv.videoFrames.length}`);
    assert.ok(flv.videoFrames[0].keyframe, 'starts with a keyframe');
    assert.ok(flv.audioFrames.length > 0, 'audio frames');
  } finally {
    await pusher.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a new viewer starts with the GOP cache: first video frame is a keyframe, at once', { skip }, async () => {
  const r = room();
  const { pusher } = await publish(r, 'alice');
  try {
    await sleep(1500);  // mid-GOP
    const playUrl = await url({ action: 'play', room: r, user: 'alice', viewer: 'bob', format: 'flv' });
    const started = Date.now();
    const player = playHttpFlv(playUrl);
    await waitFor(() => player.reader.videoFrames.length > 0, { timeoutMs: 5000 * SLOW, what: 'first frame' });
    const firstFrameMs = Date.now() - started;
    assert.ok(player.reader.videoFrames[0].keyframe, 'first video frame is a keyframe');
    assert.ok(firstFrameMs < 1000 * SLOW, `first frame after ${firstFrameMs} ms (GOP cache)`);
    assert.equal(player.reader.headers.get('access-control-allow-origin'), '*');
    assert.equal(player.reader.headers.get('content-type'), 'video/x-flv');
    player.abort();
  } finally { await pusher.stop(); }
});

test('WebSocket-FLV on the same path delivers FLV', { skip }, async () => {
  const r = room();
  const { pusher } = await publish(r, 'alice');
  try {
    const playUrl = (await url({ action: 'play', room: r, user: 'alice', viewer: 'ws', format: 'flv' }))
      .replace(/^http/, 'ws');
    const reader = new FlvReader();
    const ws = new WebSocket(playUrl);
    ws.on('message', (data) => reader.feed(Buffer.from(data)));
    await waitFor(() => reader.videoFrames.length >= 10, { timeoutMs: 10000 * SLOW, what: 'ws-flv frames' });
    assert.ok(reader.videoFrames[0].keyframe);
    ws.close();
  } finally { await pusher.stop(); }
});

test('a second publisher on the same URL takes over; the player keeps receiving', { skip }, async () => {
  const r = room();
  const { pusher: first, pushUrl } = await publish(r, 'alice');
  const playUrl = await url({ action: 'play', room: r, user: 'alice', viewer: 'bob', format: 'flv' });
  const player = playHttpFlv(playUrl);
  try {
    await waitFor(() => player.reader.videoFrames.length >= 10, { timeoutMs: 10000 * SLOW, what: 'frames before takeover' });
    const second = pushTestStream(pushUrl, { size: '320x240' });
    // The first publisher is cut off by the server (its ffmpeg ends with an error).
    const firstExit = await Promise.race([first.exited, sleep(10000 * SLOW).then(() => null)]);
    assert.ok(firstExit, 'the old publisher was disconnected');
    const before = player.reader.videoFrames.length;
    await waitFor(() => player.reader.videoFrames.length >= before + 25,
      { timeoutMs: 10000 * SLOW, what: 'frames after takeover' });
    assert.equal(player.reader.error, undefined, 'player connection intact');
    // The new encoder's sequence header reached the player (320x240 follows 640x360).
    const seqHeaders = player.reader.tags.filter((t) => t.type === 9 && t.sequenceHeader);
    assert.ok(seqHeaders.length >= 2, 'a new sequence header after takeover');
    // One timeline across the takeover: timestamps never go backwards by more than a frame.
    const v = player.reader.videoFrames;
    for (let i = 1; i < v.length; i++) assert.ok(v[i].timestamp + 100 >= v[i - 1].timestamp, `timestamps continue at ${i}`);
    await second.stop();
  } finally {
    player.abort();
    await first.stop();
  }
});

test('unsigned, tampered, expired and wrong-stream URLs are refused', { skip }, async () => {
  const r = room();
  const good = await url({ action: 'publish', room: r, user: 'alice' });
  const unsigned = good.split('?')[0];
  const tampered = good.replace(/e=(\d+)/, (_, e) => `e=${Number(e) + 1000}`);
  const wrongStream = good.replace('~alice~', '~mallory~');
  const expired = await url({ action: 'publish', room: r, user: 'alice', ttl: 1 });
  await sleep(2100);
  for (const [name, bad] of [['unsigned', unsigned], ['tampered', tampered], ['wrong stream', wrongStream], ['expired', expired]]) {
    const p = pushTestStream(bad, { seconds: 5 });
    const res = await Promise.race([p.exited, sleep(10000 * SLOW).then(() => null)]);
    await p.stop();
    assert.ok(res && res.code !== 0, `${name} publish URL refused`);
  }
  assert.ok(server.logs().includes('NetStream.Publish.BadName refused'), 'refusal logged with reason');
  // Play: an unsigned FLV URL gets 403 with a reason; a publish URL cannot be used to play.
  const { pusher } = await publish(r, 'alice');
  try {
    const flv = (await url({ action: 'play', room: r, user: 'alice', viewer: 'bob', format: 'flv' }));
    const res = await fetch(flv.split('?')[0]);
    assert.equal(res.status, 403);
    assert.match((await res.json()).error, /./);
    const asPlay = good.replace('rtmp://', 'rtmp://');
    await assert.rejects(probe(asPlay, { timeoutSec: 5 }), 'publish URL cannot play');
  } finally { await pusher.stop(); }
});

test('a player killed mid-stream does not disturb the others', { skip }, async () => {
  const r = room();
  const { pusher } = await publish(r, 'alice');
  try {
    const urls = await Promise.all(['p1', 'p2', 'p3'].map((viewer) =>
      url({ action: 'play', room: r, user: 'alice', viewer, format: 'flv' })));
    const players = urls.map((u) => playHttpFlv(u));
    await waitFor(() => players.every((p) => p.reader.videoFrames.length >= 10), { timeoutMs: 10000 * SLOW, what: 'players started' });
    // An RTMP player too, killed hard.
    const rtmpPlay = await url({ action: 'play', room: r, user: 'alice', viewer: 'p4' });
    const killed = decode(rtmpPlay, 30);
    await sleep(1000);
    players[0].abort();
    await run('pkill', ['-KILL', '-f', `viewer=p4|v=p4`]);
    await killed;
    const before = players.slice(1).map((p) => p.reader.videoFrames.length);
    await sleep(2000);
    players.slice(1).forEach((p, i) => {
      assert.ok(p.reader.videoFrames.length >= before[i] + 25, `player ${i + 2} kept receiving`);
      assert.equal(p.reader.error, undefined);
    });
    players.forEach((p) => p.abort());
  } finally { await pusher.stop(); }
});

test('metrics count streams, rejections and batched viewer writes', { skip }, async () => {
  const r = room();
  const { pusher } = await publish(r, 'alice');
  const counter = (text, name) => Number(text.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);
  try {
    const before = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const playUrl = await url({ action: 'play', room: r, user: 'alice', viewer: 'bob', format: 'flv' });
    const forged = await fetch(playUrl.replace(/([?&]s=)[0-9a-f]+/, '$1' + '0'.repeat(32)));
    assert.equal(forged.status, 403, 'a forged play URL is refused');
    const player = playHttpFlv(playUrl);
    // The start (GOP cache) may go out in one write; live frames then come one write each.
    await waitFor(() => player.reader.videoFrames.length >= 1, { timeoutMs: 15000 * SLOW, what: 'first frame' });
    const started = await (await fetch(`${server.httpUrl}/metrics`)).text();
    const framesAtStart = player.reader.videoFrames.length;
    await waitFor(() => player.reader.videoFrames.length >= framesAtStart + 20, { timeoutMs: 15000 * SLOW, what: 'live frames' });
    player.abort();
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    assert.match(metrics, /^minirtc_streams_publishing \d+$/m);
    assert.match(metrics, /^minirtc_rejected_total\{reason="flv_play_url"\} [1-9]\d*$/m);
    assert.ok(counter(started, 'minirtc_viewer_writes_total') > counter(before, 'minirtc_viewer_writes_total'), 'the start was written');
    const writes = counter(metrics, 'minirtc_viewer_writes_total') - counter(started, 'minirtc_viewer_writes_total');
    const calls = counter(metrics, 'minirtc_viewer_write_syscalls_total');
    assert.ok(writes >= 5, `20 live frames went out as direct writes (${writes})`);
    assert.ok(calls > 0 && calls <= counter(metrics, 'minirtc_viewer_writes_total'), 'no more system calls than writes');
  } finally { await pusher.stop(); }
});

test('graceful shutdown closes publishers and players cleanly', { skip }, async () => {
  const own = await startServer({ apps: [`${APP_ID}:${APP_KEY}`] });
  try {
    const r = room();
    const pushUrl = await signedUrl(BIN, { action: 'publish', appId: APP_ID, appKey: APP_KEY, room: r, user: 'alice', httpBase: own.httpUrl, rtmpBase: own.rtmpUrl });
    const pusher = pushTestStream(pushUrl);
    await waitFor(() => own.logs().includes('live'), { timeoutMs: 15000 * SLOW, what: 'live' });
    const playUrl = await signedUrl(BIN, { action: 'play', appId: APP_ID, appKey: APP_KEY, room: r, user: 'alice', viewer: 'bob', format: 'flv', httpBase: own.httpUrl, rtmpBase: own.rtmpUrl });
    const player = playHttpFlv(playUrl);
    await waitFor(() => player.reader.videoFrames.length > 5, { timeoutMs: 10000 * SLOW, what: 'playing' });
    const code = await own.stop('SIGTERM');
    assert.equal(code, 0, 'server exits 0 on SIGTERM');
    await player.done;
    assert.equal(player.reader.error, undefined, 'the FLV body ended cleanly');
    const res = await Promise.race([pusher.exited, sleep(5000).then(() => null)]);
    assert.ok(res, 'publisher disconnected');
  } finally { await own.stop(); }
});
