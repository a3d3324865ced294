// Slow loris on every port: clients that connect and then send nothing, or dribble a byte at a
// time, on the RTMP port (the handshake, the connect command, silence after connect), the HTTP
// port (headers, a body, an idle keep-alive connection) and a signalling WebSocket (silence, a
// frame dribbled). Each is closed within the documented timeout (docs/operations.md: RTMP
// `handshake_timeout_s`, HTTP `read_timeout_s` / `keep_alive_timeout_s`, signalling
// `session_timeout_ms` for a socket that has not joined), shortened here so the test is quick,
// while the canary call goes on; descriptors and RSS return to baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackFixture, expectBaseline, metric, SLOW, sleep, deadline } from './lib/harness.mjs';
import { dribble, wsFrame, wsUpgradeRequest, awaitUpgrade } from './lib/dribble.mjs';
import { amf0, encodeMessage, handshakeC0C1 } from './lib/rtmp_raw.mjs';

const HANDSHAKE_S = 3;
const READ_S = 3;
const KEEP_ALIVE_S = 4;
const SESSION_MS = 4000;
const fx = attackFixture({
  appId: 'attackslow0123456789abcd',
  appKey: 'attack-slowloris-key',
  config: `[media]\nhandshake_timeout_s = ${HANDSHAKE_S}\n[http]\nread_timeout_s = ${READ_S}\nkeep_alive_timeout_s = ${KEEP_ALIVE_S}\n` +
    `[room]\nping_interval_ms = 1000\nsession_timeout_ms = ${SESSION_MS}\n`,
});
const skip = fx.skip;
const PER_KIND = 8;
// what the server may take beyond a timeout: its timer granularity (ticks twice a second) and a loaded machine
const SLACK_MS = 2500 * SLOW;

/** Starts PER_KIND attackers of each kind, checks the canary while they run, returns {kind: [lifetimes ms]}. */
async function siege(kinds) {
  const started = {};
  for (const [kind, make] of Object.entries(kinds)) started[kind] = await Promise.all(Array.from({ length: PER_KIND }, make));
  const lifetimes = {};
  const all = Promise.all(Object.entries(started).map(async ([kind, list]) => {
    lifetimes[kind] = await Promise.all(list.map((a) => Promise.race([a.closed, deadline(60000).then(() => Infinity)])));
  }));
  let done = false;
  all.then(() => { done = true; });
  while (!done) {
    await fx.canary.assertHealthy();
    await Promise.race([all, sleep(1000)]);
  }
  for (const list of Object.values(started)) list.forEach((a) => a.stop());
  return lifetimes;
}

function assertClosedWithin(lifetimes, limits) {
  for (const [kind, list] of Object.entries(lifetimes)) {
    const max = Math.max(...list);
    assert.ok(max <= limits[kind] + SLACK_MS, `${kind}: closed after ${list.join(', ')} ms, limit ${limits[kind]} ms (+${SLACK_MS} slack)`);
    // a timeout, not an early cut: legal bytes, however slow, are not refused before it
    assert.ok(Math.min(...list) >= limits[kind] - 1000, `${kind}: closed early (${list.join(', ')} ms)`);
  }
}

test('RTMP: silent, dribbled handshake, dribbled connect, no publish/play: closed at handshake_timeout_s', { skip }, async () => {
  const rtmp = fx.target.rtmp;
  const connect = encodeMessage({ type: 20, payload: amf0('connect', 1, { app: 'live', tcUrl: `rtmp://${rtmp}/live` }) });
  const withHandshake = (then) => async ({ socket, received }) => {
    while (received().length < 3073) await sleep(20);
    socket.write(received().subarray(1, 1537)); // C2
    if (then) socket.write(then);
  };
  const lifetimes = await siege({
    silent: () => dribble(rtmp, { trickle: Buffer.alloc(0) }),
    handshake: () => dribble(rtmp, { prefix: Buffer.from([3]), trickle: handshakeC0C1().subarray(1) }),
    connect: () => dribble(rtmp, { prefix: handshakeC0C1(), afterPrefix: withHandshake(), trickle: connect }),
    'no publish': () => dribble(rtmp, { prefix: handshakeC0C1(), afterPrefix: withHandshake(connect), trickle: Buffer.alloc(0) }),
  });
  const limit = HANDSHAKE_S * 1000;
  assertClosedWithin(lifetimes, { silent: limit, handshake: limit, connect: limit, 'no publish': limit });
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('HTTP: silent, dribbled headers, dribbled body, idle keep-alive: closed at read_timeout_s / keep_alive_timeout_s', { skip }, async () => {
  const http = fx.target.http;
  const before = await metric(fx.target, 'minirtc_rejected_total', 'reason="http_timeout"');
  const lifetimes = await siege({
    silent: () => dribble(http, { trickle: Buffer.alloc(0) }),
    headers: () => dribble(http, { prefix: Buffer.from(`GET /healthz HTTP/1.1\r\nHost: ${http}\r\n`), trickle: Buffer.from('X-Slow: aaaaaaaaaaaaaaaa\r\n') }),
    body: () => dribble(http, {
      prefix: Buffer.from(`POST /v1/report HTTP/1.1\r\nHost: ${http}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"reports":[`),
      trickle: Buffer.from('{"type":"x"},'),
    }),
    'keep-alive': () => dribble(http, { prefix: Buffer.from(`GET /healthz HTTP/1.1\r\nHost: ${http}\r\n\r\n`), trickle: Buffer.alloc(0) }),
  });
  assertClosedWithin(lifetimes, { silent: READ_S * 1000, headers: READ_S * 1000, body: READ_S * 1000, 'keep-alive': KEEP_ALIVE_S * 1000 });
  const after = await metric(fx.target, 'minirtc_rejected_total', 'reason="http_timeout"');
  assert.ok(after - before >= PER_KIND * 3, `timeouts counted (${after - before})`);
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('signalling WebSocket: silent, or a frame dribbled, without joining: closed at session_timeout_ms', { skip }, async () => {
  const http = fx.target.http;
  const upgrade = () => wsUpgradeRequest(http, '/v1/signal');
  const ping = wsFrame(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'p'.repeat(500) } }));
  const lifetimes = await siege({
    silent: () => dribble(http, { prefix: upgrade(), afterPrefix: awaitUpgrade(), trickle: Buffer.alloc(0) }),
    frame: () => dribble(http, { prefix: upgrade(), afterPrefix: awaitUpgrade(), trickle: ping }),
  });
  // the server then sends a close frame and waits up to 3 s for the answer (docs/operations.md, Limits)
  assertClosedWithin(lifetimes, { silent: SESSION_MS + 3000, frame: SESSION_MS + 3000 });
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});
