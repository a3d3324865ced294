// Publisher faults (issue 10, item 7), against the real release binary with real peers:
//  - an ffmpeg publisher on a `minirtc url publish` URL dies and comes back within the grace
//    (room.publish_no_media_timeout_ms): the decoding ffmpeg viewer is not closed and decodes the
//    new publisher's frames, an HTTP-FLV reader of the same stream sees no step back in time; a
//    publisher that does not come back has its viewers closed after the grace, as before;
//  - a publisher that sends nothing but onMetaData is dropped after media.publisher_idle_timeout_s;
//  - a publisher whose timestamps zigzag (every other frame 3 s ahead) does not push the output
//    ahead of real time: a reader of the play URL sees timestamps within
//    media.max_timestamp_lead_ms of its wall clock.
// Each also checks that the canary call stays healthy and RSS/descriptors return to baseline
// (docs/operations.md "Publisher faults").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { attackFixture, expectBaseline, SLOW, sleep, waitFor } from './lib/harness.mjs';
import { RawRtmp, amf0, rtmpParts } from './lib/rtmp_raw.mjs';
import { signedUrl, playHttpFlv } from '../e2e/lib/media.mjs';

const APP = { appId: 'attackpubf0123456789abcd', appKey: 'attack-publisher-faults-key' };
const GRACE_MS = 8000;
const IDLE_S = 2;
const MAX_LEAD_MS = 1500; // the default of media.max_timestamp_lead_ms
const fx = attackFixture({
  ...APP,
  config: `[media]\npublisher_idle_timeout_s = ${IDLE_S}\n[room]\npublish_no_media_timeout_ms = ${GRACE_MS}\n`,
});
const skip = fx.skip;
let seq = 0;
const newRoom = () => `pubfaults-${process.pid}-${++seq}`;
const url = (o) => signedUrl(fx.target.bin, {
  ...APP, httpBase: fx.target.httpUrl, rtmpBase: fx.target.rtmpUrl, ...o,
});

/** ffmpeg pushing a plain colour (black or white) with a 1 s GOP; stop() kills it (SIGKILL). */
function pushColour(pushUrl, colour) {
  const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re',
    '-f', 'lavfi', '-i', `color=c=${colour}:size=160x120:rate=15`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '15',
    '-c:a', 'aac', '-b:a', '32k', '-f', 'flv', pushUrl], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { proc, stop: () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); return exited; } };
}

/**
 * ffmpeg decoding a play URL, each frame scaled to 8x8 grey: frames() lists the mean luma of every
 * decoded frame; exited() once the process ended (the server closed it).
 */
function decodeLuma(playUrl) {
  const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-rw_timeout', String(30e6),
    '-i', playUrl, '-map', '0:v', '-vf', 'scale=8:8,format=gray', '-f', 'rawvideo', 'pipe:1'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  const lumas = [];
  let pending = Buffer.alloc(0);
  let stderr = '';
  proc.stdout.on('data', (d) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 64) {
      let sum = 0;
      for (let i = 0; i < 64; i++) sum += pending[i];
      lumas.push(sum / 64);
      pending = pending.subarray(64);
    }
  });
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-2000); });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    lumas,
    dark: () => lumas.filter((l) => l < 60).length,
    bright: () => lumas.filter((l) => l > 180).length,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    done: exited,
    stderr: () => stderr,
    stop: () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); return exited; },
  };
}

/** A raw RTMP publisher on `pushUrl`, past NetStream.Publish.Start; resolves {client, streamId}. */
async function rawPublisher(pushUrl) {
  const { tcUrl, app, name } = rtmpParts(pushUrl);
  const client = await RawRtmp.open(pushUrl);
  await client.handshake();
  await client.connect({ app, tcUrl });
  const streamId = await client.createStream();
  const code = await client.publish(streamId, name);
  assert.equal(code, 'NetStream.Publish.Start');
  return { client, streamId };
}

/** An FLV video tag body of an AVC frame (not decodable; the server only reads the tag header). */
const avcFrame = (key) => Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0]), Buffer.alloc(200, 0x42)]);

test('an ffmpeg publisher on a signed URL reconnecting within the grace keeps its viewers; after the grace they close', { skip }, async () => {
  const room = newRoom();
  const pushUrl = await url({ action: 'publish', room, user: 'cam' });
  const rtmpPlay = await url({ action: 'play', room, user: 'cam', viewer: 'v1', format: 'rtmp' });
  const flvPlay = await url({ action: 'play', room, user: 'cam', viewer: 'v2', format: 'flv' });
  let first = pushColour(pushUrl, 'black');
  let second = null;
  let viewer = null;
  const flv = playHttpFlv(flvPlay);
  let flvEnded = false;
  flv.done.then(() => { flvEnded = true; });
  try {
    await waitFor(() => fx.target.logs().includes(`stream ${APP.appId}~${room}~cam~main live`),
      { timeoutMs: 15000 * SLOW, what: 'stream live' });
    viewer = decodeLuma(rtmpPlay);
    await waitFor(() => viewer.dark() >= 10, { timeoutMs: 20000 * SLOW, what: `dark frames decoded (${viewer.stderr()})` });

    // The encoder dies (its connection reset), and restarts 1.5 s later on the same URL.
    await first.stop();
    const killedAt = Date.now();
    const videoBefore = flv.reader.videoFrames.length;
    await sleep(1500);
    second = pushColour(pushUrl, 'white');
    await waitFor(() => viewer.bright() >= 10 || viewer.exited(), { timeoutMs: 20000 * SLOW, what: 'bright frames decoded' });
    assert.ok(!viewer.exited(), `the viewer was not closed (it exited: ${viewer.stderr()})`);
    assert.ok(viewer.bright() >= 10, 'it decodes the new publisher');
    assert.ok(!flvEnded && flv.reader.error === undefined, 'the HTTP-FLV reader was not cut off');
    // The HTTP-FLV reader, on the same connection: the new publisher's video starts at a keyframe
    // and its timestamps go on from the old ones (no step back, no jump beyond the time passed).
    await waitFor(() => flv.reader.videoFrames.length > videoBefore + 10, { timeoutMs: 15000 * SLOW, what: 'FLV frames after the restart' });
    const video = flv.reader.videoFrames;
    const afterGap = video.slice(videoBefore).find((t) => t.receivedAt > killedAt + 1000);
    assert.ok(afterGap, 'frames of the new publisher');
    assert.ok(afterGap.keyframe, 'the new publisher\'s video reaches the viewer from a keyframe');
    for (let i = 1; i < video.length; i++) assert.ok(video[i].timestamp >= video[i - 1].timestamp, `video ${i} went back in time`);
    const gapTs = afterGap.timestamp - video[video.indexOf(afterGap) - 1].timestamp;
    assert.ok(gapTs <= Date.now() - killedAt + MAX_LEAD_MS + 2000, `timestamp gap ${gapTs} ms`);
    await fx.canary.assertHealthy();

    // Not back within the grace: the viewers are closed, as before.
    await second.stop();
    const stoppedAt = Date.now();
    await waitFor(() => viewer.exited(), { timeoutMs: (GRACE_MS + 10000) * SLOW, what: 'the viewer closed after the grace' });
    assert.ok(Date.now() - stoppedAt >= GRACE_MS - 1000, `closed after the grace (${Date.now() - stoppedAt} ms)`);
    await Promise.race([flv.done, sleep(5000 * SLOW)]);
    assert.ok(flvEnded, 'the HTTP-FLV reader was closed too');
    assert.ok(fx.target.logs().includes('the publisher did not come back'), 'closed for the documented reason');
    await fx.canary.assertHealthy();
  } finally {
    await first.stop();
    if (second) await second.stop();
    if (viewer) await viewer.stop();
    flv.abort();
  }
  await expectBaseline(fx.target, fx.base);
});

test('a publisher sending only metadata is dropped after the idle timeout', { skip }, async () => {
  const room = newRoom();
  const pushUrl = await url({ action: 'publish', room, user: 'meta' });
  const { client, streamId } = await rawPublisher(pushUrl);
  const started = Date.now();
  const timer = setInterval(() => {
    client.sendMessage({ csid: 4, type: 18, streamId, timestamp: Date.now() - started,
      payload: amf0('@setDataFrame', 'onMetaData', { width: 160, height: 120, framerate: 15, encoder: 'metadata-only' }) });
  }, 250);
  try {
    await client.until(() => client.isClosed, { timeoutMs: (IDLE_S * 1000 + 8000) * SLOW, what: 'the server closing the metadata-only publisher' });
    const after = Date.now() - started;
    assert.ok(after >= IDLE_S * 1000 - 500, `not before the idle timeout (${after} ms)`);
    assert.ok(fx.target.logs().includes('no media for the idle timeout'), 'closed for the documented reason');
    await fx.canary.assertHealthy();
  } finally {
    clearInterval(timer);
    client.destroy();
  }
  await expectBaseline(fx.target, fx.base);
});

test('zigzag timestamps do not push the output ahead of real time', { skip }, async () => {
  const room = newRoom();
  const pushUrl = await url({ action: 'publish', room, user: 'zig' });
  const flvPlay = await url({ action: 'play', room, user: 'zig', viewer: 'watcher', format: 'flv' });
  const flv = playHttpFlv(flvPlay);
  const { client, streamId } = await rawPublisher(pushUrl);
  const seconds = 8;
  try {
    // 25 frames a second for 8 s, every other one stamped 3 s ahead of the rest.
    const t0 = Date.now();
    for (let i = 0; i < seconds * 25; i++) {
      const ts = i * 40 + (i % 2 ? 3000 : 0);
      client.sendMessage({ csid: 6, type: 9, streamId, timestamp: ts, payload: avcFrame(i % 25 === 0) });
      const wait = t0 + (i + 1) * 40 - Date.now();
      if (wait > 0) await sleep(wait);
    }
    await waitFor(() => flv.reader.videoFrames.length >= seconds * 25 - 5, { timeoutMs: 10000 * SLOW, what: 'the frames read back' });
    const video = flv.reader.videoFrames;
    const base = video[0];
    let worst = -Infinity;
    for (let i = 0; i < video.length; i++) {
      if (i) assert.ok(video[i].timestamp >= video[i - 1].timestamp, `frame ${i} went back in time`);
      worst = Math.max(worst, (video[i].timestamp - base.timestamp) - (video[i].receivedAt - base.receivedAt));
    }
    assert.ok(worst <= MAX_LEAD_MS + 1000 * SLOW, `output ran ${worst} ms ahead of the reader's clock`);
    await fx.canary.assertHealthy();
  } finally {
    client.destroy();
    flv.abort();
  }
  await expectBaseline(fx.target, fx.base);
});
