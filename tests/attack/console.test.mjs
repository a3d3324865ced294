// Attacks on the web console's two doors (docs/operations.md, "Web console"):
//  (a) its static files: traversal in every spelling, encoded slashes, NULs, long paths — 404,
//      never a file outside the embedded table;
//  (b) its live feed (/v1/admin/feed): WebSockets that never sign in are closed (4401) after the
//      10 s allowance, a wrong key at once (4401, counted as admin_unauthorized), a first message
//      over 4 KiB closes the connection.
// Each asserts the refusal, that the canary call keeps working, and that RSS and descriptors
// return to their baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { attackFixture, expectBaseline, metric, SLOW } from './lib/harness.mjs';
import { rawRequests } from '../e2e/lib/raw_http.mjs';

const APP = { appId: 'attackcons0123456789abcd', appKey: 'attack-console-key' };
const ADMIN_KEY = 'attack-console-admin-key-0123';
const fx = attackFixture({ ...APP, extraArgs: ['--admin-key', ADMIN_KEY] });
const skip = fx.skip;

const PATHS = [
  '/console/../metrics', '/console/..%2fmetrics', '/console/%2e%2e/metrics', '/console/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/console/assets/../../v1/admin/apps', '/console/assets%2f..%2findex.html', '/console//etc/passwd',
  '/console/..\\..\\etc\\passwd', '/console/%00', '/console/index.html%00.js', '/console/%252e%252e/metrics',
  '/console/assets/%2e%2e/%2e%2e/etc/passwd', `/console/${'x/'.repeat(100)}`, `/console/${'%2e'.repeat(300)}`,
];

/** Opens a feed socket; resolves {code} when the server closes it. */
function feed(send) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${fx.target.http}/v1/admin/feed`);
    ws.on('open', () => { if (send !== undefined) ws.send(send); });
    ws.on('error', () => {});
    ws.on('close', (code) => resolve({ code }));
  });
}

test('console paths outside the embedded files are 404, many times over', { skip }, async () => {
  for (let round = 0; round < 10; round++) {
    const answers = await rawRequests(fx.target.http, PATHS.map((path) => ({ method: 'GET', path, headers: [['Host', 'x']] })));
    for (const [i, a] of answers.entries()) {
      assert.equal(a.status, 404, PATHS[i]);
      assert.doesNotMatch(a.body, /minirtc_|root:|"apps"/, PATHS[i]);
    }
  }
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('feed sockets without the key: wrong key and oversized messages at once, silence after 10 s', { skip }, async () => {
  const refusedBefore = await metric(fx.target, 'minirtc_rejected_total', 'reason="admin_unauthorized"');
  const silent = Array.from({ length: 20 }, () => feed());
  const wrong = await Promise.all(Array.from({ length: 20 }, () => feed(JSON.stringify({ type: 'auth', key: 'guess' }))));
  assert.ok(wrong.every((r) => r.code === 4401), JSON.stringify(wrong));
  const notAuth = await Promise.all(Array.from({ length: 5 }, () => feed(JSON.stringify({ type: 'watch', appId: APP.appId, roomId: 'x' }))));
  assert.ok(notAuth.every((r) => r.code === 4401), 'anything but auth first is refused');
  const big = await Promise.all(Array.from({ length: 5 }, () => feed(JSON.stringify({ type: 'auth', key: 'k'.repeat(5000) }))));
  assert.ok(big.every((r) => r.code === 1009 || r.code === 1006), JSON.stringify(big));
  assert.ok(await metric(fx.target, 'minirtc_rejected_total', 'reason="admin_unauthorized"') >= refusedBefore + 25);
  await fx.canary.assertHealthy();
  const started = Date.now();
  const closed = await Promise.all(silent);
  assert.ok(closed.every((r) => r.code === 4401), JSON.stringify(closed));
  assert.ok(Date.now() - started < 20000 * SLOW, 'silent sockets are closed after the allowance');
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('the right key still gets the feed after the attacks', { skip }, async () => {
  const ws = new WebSocket(`ws://${fx.target.http}/v1/admin/feed`);
  const types = [];
  await new Promise((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'auth', key: ADMIN_KEY })));
    ws.on('message', (d) => { types.push(JSON.parse(d).type); if (types.includes('sample')) resolve(); });
    ws.on('close', (code) => reject(new Error(`closed ${code}`)));
  });
  ws.close();
  assert.deepEqual(types.slice(0, 3), ['hello', 'history', 'overview']);
});
