// Request floods on signalling (docs/protocol.md §4: `max_requests_per_second` per session,
// default 50; docs/operations.md Limits: ≤ 1024 unsent messages per session): a burst gets
// -32029 for everything past the bucket, refused requests are not executed, other sessions
// notice nothing, and a client that floods without reading its replies is closed instead of
// growing a queue. The canary stays healthy; RSS and descriptors return to baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackFixture, expectBaseline, metric, SLOW, deadline, sleep } from './lib/harness.mjs';
import { openSignal } from './lib/signal_raw.mjs';
import { dribble, wsFrame, wsUpgradeRequest, awaitUpgrade } from './lib/dribble.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const RATE = 50;
const fx = attackFixture({ appId: 'attackrate0123456789abcd', appKey: 'attack-rate-key' });
const skip = fx.skip;

test('a burst past max_requests_per_second gets -32029, is not executed, and the session recovers', { skip }, async () => {
  const s = await openSignal(fx.target.wsUrl);
  const N = 300;
  const t0 = Date.now();
  for (let i = 0; i < N; i++) s.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping', params: {} }));
  await s.waitMessage(() => s.messages.length >= N, { timeoutMs: 10000 * SLOW, what: `${N} replies` });
  const elapsed = (Date.now() - t0) / 1000;
  const ok = s.messages.filter((m) => m.result);
  const limited = s.messages.filter((m) => m.error?.code === -32029);
  assert.equal(ok.length + limited.length, N, 'every request answered, with a result or -32029');
  assert.deepEqual(s.messages.map((m) => m.id), Array.from({ length: N }, (_, i) => i), 'ids echoed in order');
  // the bucket holds RATE; it refills at RATE per second while the burst arrives
  assert.ok(ok.length >= RATE && ok.length <= RATE + Math.ceil(RATE * elapsed) + 1, `${ok.length} answered in ${elapsed.toFixed(2)} s`);
  assert.ok(limited.length > 0);

  // a refused request is not executed: a join refused by the limiter leaves the session outside
  const room = fx.canary.room;
  const token = makeToken({ ...fx.app, roomId: room, userId: 'mallory', publish: true, subscribe: true });
  for (let i = 0; i < RATE * 2; i++) s.send(JSON.stringify({ jsonrpc: '2.0', id: `f${i}`, method: 'ping' }));
  s.send(JSON.stringify({ jsonrpc: '2.0', id: 'j', method: 'join', params: { appId: fx.app.appId, token, roomId: room, userId: 'mallory' } }));
  const join = await s.waitMessage((m) => m.id === 'j');
  assert.equal(join.error?.code, -32029, `the join was refused: ${JSON.stringify(join)}`);
  await sleep(1200);
  const leave = await s.call('leave');
  assert.equal(leave.error?.code, 100002, `and not executed: ${JSON.stringify(leave)}`);
  assert.deepEqual(fx.canary.alice.named('peerOnline').filter((p) => p.uid === 'mallory'), [], 'nobody saw mallory');
  s.close();
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('ten sessions flooding at once: the canary answers in time, the server stays responsive', { skip }, async () => {
  const floods = await Promise.all(Array.from({ length: 10 }, () => openSignal(fx.target.wsUrl)));
  let sent = 0;
  const end = Date.now() + 4000;
  const worst = [];
  while (Date.now() < end) {
    for (const f of floods) for (let i = 0; i < 100; i++) f.send(`{"jsonrpc":"2.0","id":${sent++},"method":"ping"}`);
    worst.push(await fx.canary.pingMs());
    await sleep(50);
  }
  await fx.canary.assertHealthy();
  const max = Math.max(...worst);
  assert.ok(max < 2000 * SLOW, `the canary's signalling round trip during the flood: max ${max.toFixed(0)} ms`);
  await Promise.all(floods.map((f) => f.waitMessage(() => f.messages.length >= sent / floods.length, { timeoutMs: 20000 * SLOW, what: 'all replies' })));
  for (const f of floods) f.close();
  await expectBaseline(fx.target, fx.base);
});

test('a client that floods without reading is closed (signal_slow_client), its queue bounded', { skip }, async () => {
  const before = await metric(fx.target, 'minirtc_rejected_total', 'reason="signal_slow_client"');
  const d = await dribble(fx.target.http, { prefix: wsUpgradeRequest(fx.target.http, '/v1/signal'), afterPrefix: awaitUpgrade(), trickle: Buffer.alloc(0) });
  d.socket.pause(); // never read a reply
  const frame = wsFrame('{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}');
  const batch = Buffer.concat(Array.from({ length: 1000 }, () => frame));
  let peak = 0;
  for (let i = 0; i < 200 && !d.socket.destroyed; i++) {
    if (!d.socket.write(batch)) await Promise.race([new Promise((r) => d.socket.once('drain', r)), d.closed, deadline(2000)]);
    if (i % 10 === 0) peak = Math.max(peak, fx.target.rss());
  }
  const lived = await Promise.race([d.closed, deadline(15000 * SLOW).then(() => null)]);
  d.stop();
  assert.ok(lived !== null, 'the non-reading flooder was closed');
  const after = await metric(fx.target, 'minirtc_rejected_total', 'reason="signal_slow_client"');
  assert.equal(after - before, 1, 'counted as signal_slow_client');
  assert.ok(peak < fx.base.rss + 32 * 1048576, `RSS during the flood ${(peak / 1048576).toFixed(1)} MB (baseline ${(fx.base.rss / 1048576).toFixed(1)} MB)`);
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});
