// Server callbacks under faults, with the real binary: a receiver that is down (connections
// refused) for a while, answers 500, hangs, or answers 100 MB; the server killed with SIGKILL
// while callbacks are queued or in flight; an app removed (SIGHUP) while its callbacks are queued.
// Each time: nothing is lost, nothing is delivered twice under a new EventId, the order per room
// holds, and signalling is not held up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binaryPath } from './lib/server.mjs';
import { waitFor } from './lib/media.mjs';
import { startReceiver } from './lib/callback_receiver.mjs';
import {
  writeCallbackConfig, User, callbackMetrics, adminCallbacks, waitMetrics, assertRoomOrder, freePort, SLOW,
} from './lib/callback_harness.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const APP = { id: 'callbackfault0123456789a', key: 'callback-fault-key' };

/** join + leave of `n` users in `room`: RoomCreated, n × (UserJoined, UserLeft), RoomEnded. */
async function churn(server, room, n = 3) {
  for (let i = 0; i < n; i++) {
    const u = await User.join(server, APP, room, `user${i}`);
    await u.ok('leave', {});
    u.close();
  }
}

const rss = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024;

test('receiver down for a while: the events arrive afterwards, in order, once each', { skip }, async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/hook`;
  const server = await startServer({ extraArgs: ['--config', writeCallbackConfig({ apps: [{ ...APP, urls: [url] }] })] });
  let receiver;
  try {
    const room = 'down-room';
    await churn(server, room);
    await waitMetrics(server, (m) => m.failed >= 3 && m.retried >= 2, 'failed and retried attempts');
    const before = await adminCallbacks(server);
    assert.match(before.recent[0].error, /connect: Connection refused/);
    receiver = await startReceiver({ secret: APP.key, port });
    await waitFor(() => receiver.events().some((e) => e.EventType === 'RoomEnded'), { timeoutMs: 20000 * SLOW, what: 'RoomEnded' });
    const events = receiver.events();
    assert.deepEqual(receiver.rejected, []);
    assertRoomOrder(assert, events);
    assert.deepEqual(events.map((e) => e.EventType), ['RoomCreated', ...Array(3).fill(['UserJoined', 'UserLeft']).flat(), 'RoomEnded']);
    assert.equal(receiver.received.length, events.length, 'nothing delivered twice');
    const m = await waitMetrics(server, (x) => x.queued === 0, 'queue drained');
    assert.equal(m.delivered, events.length);
  } finally {
    await server.stop();
    await receiver?.close();
  }
});

test('500 answers are retried with the same EventId and a new Nonce', { skip }, async () => {
  let refusals = 0;
  const receiver = await startReceiver({ secret: APP.key, behave: () => (refusals++ < 3 ? 'status:500' : 'ok') });
  const seen = [];
  const behave = receiver.behave;
  receiver.behave = (req, ev) => { if (ev) seen.push(ev); return behave(req, ev); };
  const server = await startServer({ extraArgs: ['--config', writeCallbackConfig({ apps: [{ ...APP, urls: [receiver.url] }] })] });
  try {
    await churn(server, 'status-room', 1);
    await waitFor(() => receiver.events().some((e) => e.EventType === 'RoomEnded'), { timeoutMs: 20000 * SLOW, what: 'RoomEnded' });
    // The first event was answered 500 three times, then 200: four requests, one EventId.
    const first = seen.filter((e) => e.EventId === seen[0].EventId);
    assert.equal(first.length, 4);
    assert.ok(new Set(first.map((e) => e.Nonce)).size > 1, 'a new Nonce per attempt');
    assert.ok(new Set(first.map((e) => e.EventTime)).size === 1, 'the same EventTime');
    assert.deepEqual(receiver.events().map((e) => e.EventType), ['RoomCreated', 'UserJoined', 'UserLeft', 'RoomEnded']);
    const m = await callbackMetrics(server);
    assert.equal(m.failed, 3);
    assert.equal(m.retried, 3);
    const admin = await adminCallbacks(server);
    assert.ok(admin.recent.some((r) => r.outcome === 'failed' && r.status === 500 && /HTTP status 500/.test(r.error)));
  } finally {
    await server.stop();
    await receiver.close();
  }
});

test('a hanging receiver costs a timeout, not signalling latency; a 100 MB answer is cut off', { skip }, async () => {
  let mode = 'hang';
  const receiver = await startReceiver({ secret: APP.key, behave: () => mode });
  const server = await startServer({
    extraArgs: ['--config', writeCallbackConfig({ apps: [{ ...APP, urls: [receiver.url] }], callbacks: { timeout_ms: 1000 * SLOW } })],
  });
  try {
    const base = rss(server.proc.pid);
    // Many rooms at once: every lane's request hangs; joins still answer at once.
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) {
      const u = await User.join(server, APP, `hang-${i}`, 'u');
      u.close();
    }
    assert.ok(Date.now() - t0 < 5000 * SLOW, `20 joins took ${Date.now() - t0} ms`);
    const hung = await waitMetrics(server, (m) => m.failed >= 8, 'timeouts');
    assert.ok(hung.inFlight <= 8, `at most 8 requests per URL: ${hung.inFlight}`);
    assert.ok((await adminCallbacks(server)).recent.some((r) => /no answer in time/.test(r.error)));

    mode = 'huge';
    const failedBefore = (await callbackMetrics(server)).failed;
    await waitMetrics(server, (m) => m.failed >= failedBefore + 8, 'cut-off answers');
    const admin = await adminCallbacks(server);
    assert.ok(admin.recent.some((r) => r.status === 200 && /cut off/.test(r.error)), JSON.stringify(admin.recent.slice(0, 3)));
    assert.ok(rss(server.proc.pid) < base + 32 * 1024 * 1024, 'memory stays bounded');

    mode = 'ok';
    await waitMetrics(server, (m) => m.queued === 0 && m.inFlight === 0, 'drained after the receiver recovers');
    assert.deepEqual(receiver.rejected, []);
    assertRoomOrder(assert, receiver.events());
    for (let i = 0; i < 20; i++)
      assert.ok(receiver.events().some((e) => e.data.roomId === `hang-${i}` && e.EventType === 'UserJoined'));
  } finally {
    await server.stop();
    await receiver.close();
  }
});

test('SIGKILL with callbacks queued and in flight: delivered after the restart, same EventIds', { skip }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-cb-kill-'));
  const attempts = [];  // every request that verified, even those never answered
  let mode = 'hang';
  const receiver = await startReceiver({ secret: APP.key, behave: (req, ev) => { if (ev) attempts.push(ev); return mode; } });
  const config = writeCallbackConfig({ apps: [{ ...APP, urls: [receiver.url] }], callbacks: { timeout_ms: 60000 } });
  let server = await startServer({ dataDir, extraArgs: ['--config', config] });
  try {
    await churn(server, 'kill-room-a', 2);
    await churn(server, 'kill-room-b', 2);
    await waitFor(() => attempts.length >= 2, { timeoutMs: 10000 * SLOW, what: 'first requests in flight' });
    // Both rooms ended (6 events each), all on disk, the first of each room in flight.
    await waitMetrics(server, (m) => m.queued === 12 && m.inFlight === 2, 'every event queued');
    const inFlight = attempts.map((e) => e.EventId);
    await server.stop('SIGKILL');
    mode = 'ok';
    server = await startServer({ dataDir, extraArgs: ['--config', config] });
    await waitMetrics(server, (m) => m.queued === 0, 'queue drained after restart');
    const events = receiver.events();
    assert.deepEqual(receiver.rejected, []);
    assertRoomOrder(assert, events);
    for (const room of ['kill-room-a', 'kill-room-b'])
      assert.deepEqual(events.filter((e) => e.data.roomId === room).map((e) => e.EventType),
        ['RoomCreated', 'UserJoined', 'UserLeft', 'UserJoined', 'UserLeft', 'RoomEnded'], room);
    // The requests cut by the kill came again with their EventIds: at least once, never under a new id.
    for (const id of inFlight) assert.ok(events.some((e) => e.EventId === id), `redelivered ${id}`);
    assert.equal(new Set(events.map((e) => e.EventId)).size, events.length);
  } finally {
    await server.stop();
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('an app removed while its callbacks are queued: they are dropped and counted', { skip }, async () => {
  const port = await freePort();
  const other = { id: 'callbackother0123456789a', key: 'other' };
  const file = writeCallbackConfig({ apps: [{ ...APP, urls: [`http://127.0.0.1:${port}/`] }, other] });
  const server = await startServer({ extraArgs: ['--config', file] });
  try {
    await churn(server, 'removed-room', 1);
    await waitMetrics(server, (m) => m.queued >= 4 && m.failed >= 1, 'queued');
    writeCallbackConfig({ apps: [other], file });
    server.proc.kill('SIGHUP');
    const m = await waitMetrics(server, (x) => x.queued === 0, 'dropped after the app went');
    assert.equal(m.dropped.app_removed, 4);
    assert.match(server.logs(), /dropped: app_removed/);
  } finally {
    await server.stop();
  }
});

test('a damaged queue file stops the start with a clear error', { skip }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-cb-bad-'));
  try {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dataDir, 'callbacks.db'), 'this is not a database '.repeat(100));
    await assert.rejects(
      startServer({ dataDir, extraArgs: ['--config', writeCallbackConfig({ apps: [APP] })] }),
      /callbacks\.db: .*not a database.*move the file away/s);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('https receivers: certificates are checked; a test CA in callbacks.ca_file is trusted', { skip }, async () => {
  const { execFileSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-cb-tls-'));
  const f = (n) => join(dir, n);
  const ssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'),
    '-days', '1', '-subj', '/CN=MiniRTC test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('srv.pem'), '-days', '1', '-extfile', f('ext.cnf'));
  const receiver = await startReceiver({ secret: APP.key, tls: { key: readFileSync(f('srv.key')), cert: readFileSync(f('srv.pem')) } });
  const apps = [{ ...APP, urls: [receiver.url] }];
  const trusting = await startServer({ extraArgs: ['--config', writeCallbackConfig({ apps, callbacks: { ca_file: f('ca.pem') } })] });
  const untrusting = await startServer({ extraArgs: ['--config', writeCallbackConfig({ apps })] });
  try {
    await churn(trusting, 'tls-room', 1);
    await waitFor(() => receiver.events().some((e) => e.EventType === 'RoomEnded'), { timeoutMs: 20000 * SLOW, what: 'RoomEnded over https' });
    assert.deepEqual(receiver.rejected, []);
    const delivered = receiver.events().length;
    await churn(untrusting, 'untrusted-room', 1);
    await waitMetrics(untrusting, (m) => m.failed >= 2, 'certificate failures');
    assert.ok((await adminCallbacks(untrusting)).recent.some((r) => /certificate verify failed/.test(r.error)));
    assert.equal(receiver.events().length, delivered, 'nothing delivered without a trusted certificate');
  } finally {
    await trusting.stop();
    await untrusting.stop();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
