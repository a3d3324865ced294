// SIGTERM with viewers of every kind on a live stream (issue 10, item 6): each one ends cleanly,
// whatever it was doing at the time. RTMP players get StreamEOF and NetStream.Play.UnpublishNotify
// before the connection ends; HTTP-FLV viewers get the terminating zero-length chunk (after the
// write that was in flight) and then the end of the connection; WebSocket-FLV viewers get a close
// frame with 1001 (going away). A quarter of the viewers stop reading for a while before the
// signal, so that their sockets are full and a write is in flight when it comes (they read again
// just after); the others are whatever the merge window makes them. Three rounds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, binaryPath } from './lib/server.mjs';
import { pushTestStream, sleep, waitFor } from './lib/media.mjs';
import { playHttpFlvRaw, playWsFlv } from './lib/viewers.mjs';
import { rtmpAttempt } from '../attack/lib/rtmp_raw.mjs';
import { mediaUrl } from '../attack/lib/media_urls.mjs';
import { SLOW } from './lib/sdk_phone.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const APP_ID = 'shutdowntest0123456789ab';
const APP_KEY = 'shutdown-test-key';
const PER_KIND = 100;
const STREAM_EOF = 1; // RTMP user control event StreamEOF

/** An RTMP player (the raw client) with the fields the checks below read. */
function playRtmp(url) {
  const v = { events: [], statuses: [], get media() { return v.client ? v.client.media().length : 0; } };
  v.ready = rtmpAttempt(url, 'play', { timeoutMs: 30000 * SLOW }).then(({ client, code }) => {
    if (code !== 'NetStream.Play.Start') throw new Error(`play refused: ${code}`);
    v.client = client;
  });
  v.ended = v.ready.then(() => v.client.closed).then(() => {
    const msgs = v.client.messages;
    v.events = msgs.filter((m) => m.type === 4).map((m) => m.payload.readUInt16BE(0));
    v.statuses = v.client.statusCodes();
    return { how: v.client.error ? `error: ${v.client.error.code}` : 'end' };
  });
  v.pause = () => v.client?.socket.pause();
  v.resume = () => v.client?.socket.resume();
  v.close = () => v.client?.destroy();
  return v;
}

async function round(n) {
  // 300 viewers from one address, all connecting at once: no per-address limit for strangers
  // (a viewer is one until its play URL is verified).
  const server = await startServer({ apps: [`${APP_ID}:${APP_KEY}`], extraArgs: ['--max-unauthenticated-per-ip', '0'] });
  const ids = { appId: APP_ID, appKey: APP_KEY, roomId: `r${n}`, userId: 'pub' };
  const pusher = pushTestStream(mediaUrl({ ...ids, base: server.rtmpUrl, action: 'pub' }).url,
    { seconds: 120, size: '640x360', bitrate: '1500k' });
  const viewers = { rtmp: [], http: [], ws: [] };
  try {
    const play = (base, i) => mediaUrl({ ...ids, base, action: 'play', viewer: `v${i}` }).url;
    for (let i = 0; i < PER_KIND; ++i) {
      viewers.rtmp.push(playRtmp(play(server.rtmpUrl, i)));
      const flv = new URL(play(server.httpUrl, i));
      viewers.http.push(playHttpFlvRaw(server.http, flv.pathname + flv.search));
      viewers.ws.push(playWsFlv(play(`ws://${server.http}`, i)));
    }
    // Everyone is watching: media arrived, and keeps arriving (writes are in flight at the signal).
    await waitFor(() => viewers.rtmp.every((v) => v.media > 0) && viewers.http.every((v) => v.bytes > 13) &&
      viewers.ws.every((v) => v.messages > 1), { timeoutMs: 40000 * SLOW, what: 'every viewer receiving media' });
    const slow = Object.values(viewers).flatMap((list) => list.filter((_, i) => i % 4 === 0));
    for (const v of slow) v.pause();
    await sleep(3000);
    setTimeout(() => { for (const v of slow) v.resume(); }, 500);
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0, `server exits 0 on SIGTERM: ${server.logs().slice(-2000)}`);
    const ends = await Promise.all(Object.values(viewers).flat().map((v) =>
      Promise.race([v.ended, sleep(10000 * SLOW).then(() => ({ how: 'still open' }))])));
    const [rtmpEnds, httpEnds, wsEnds] = [ends.slice(0, PER_KIND), ends.slice(PER_KIND, 2 * PER_KIND), ends.slice(2 * PER_KIND)];
    const bad = [];
    viewers.rtmp.forEach((v, i) => {
      const ok = rtmpEnds[i].how === 'end' && v.events.includes(STREAM_EOF) &&
        v.statuses.includes('NetStream.Play.UnpublishNotify');
      if (!ok) bad.push(`rtmp#${i}: ${rtmpEnds[i].how}, events ${v.events}, statuses ${v.statuses.slice(-3)}`);
    });
    viewers.http.forEach((v, i) => {
      const ok = httpEnds[i].how === 'end' && v.terminated && v.trailing === 0 && !v.broken;
      if (!ok) bad.push(`http-flv#${i}: ${httpEnds[i].how}, terminated=${v.terminated}, broken=${v.broken}`);
    });
    viewers.ws.forEach((v, i) => {
      const e = wsEnds[i];
      if (!(e.how === 'close' && e.code === 1001)) bad.push(`ws-flv#${i}: ${e.how} code=${e.code} ${e.reason}`);
    });
    const count = (prefix) => bad.filter((b) => b.startsWith(prefix)).length;
    assert.deepEqual(bad, [], `round ${n}: unclean ends — rtmp ${count('rtmp')}, http-flv ${count('http')}, ` +
      `ws-flv ${count('ws')} of ${PER_KIND} each:\n${bad.slice(0, 12).join('\n')}`);
  } finally {
    for (const v of Object.values(viewers).flat()) v.close();
    await pusher.stop();
    await server.stop('SIGKILL');
  }
}

test(`SIGTERM: ${PER_KIND} viewers of each kind (RTMP, HTTP-FLV, WebSocket-FLV) all end cleanly, 3 rounds`,
  { skip, timeout: 300000 * SLOW }, async () => {
    for (let n = 1; n <= 3; ++n) await round(n);
  });
