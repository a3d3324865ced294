// The fault proxy itself, against a plain echo server: bytes pass unchanged and in order, delay,
// throttling and stalls act as set, resetAll() is a TCP reset on both sides, halfCloseAll()
// sends FIN one way while the other keeps flowing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startFaultProxy } from './lib/fault_proxy.mjs';

const echo = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on('error', () => {});
  s.on('data', (d) => s.write(d));
  s.on('end', () => { s.serverEnded = true; s.write('bye'); s.end(); });
});
const echoSockets = [];
echo.on('connection', (s) => echoSockets.push(s));
await new Promise((r) => echo.listen(0, '127.0.0.1', r));
const proxy = await startFaultProxy({ targetPort: echo.address().port });
after(async () => {
  await proxy.close();
  echo.close();
});

function connect() {
  const s = net.connect({ port: proxy.port, host: '127.0.0.1', allowHalfOpen: true });
  s.received = Buffer.alloc(0);
  s.on('data', (d) => { s.received = Buffer.concat([s.received, d]); });
  s.on('error', (e) => { s.error = e; });
  return new Promise((r) => s.on('connect', () => r(s)));
}
const until = async (cond, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timeout');
    await new Promise((r) => setTimeout(r, 10));
  }
};

test('clean, delayed with jitter, throttled, stalled', async () => {
  const s = await connect();
  const data = randomBytes(200000);
  s.write(data);
  await until(() => s.received.length === data.length);
  assert.ok(s.received.equals(data), 'bytes unchanged and in order');

  proxy.set({ delayMs: 300, jitterMs: 200 }, 'up');
  s.received = Buffer.alloc(0);
  let t0 = Date.now();
  const parts = [];
  for (let i = 0; i < 20; i++) { const p = randomBytes(1000); parts.push(p); s.write(p); await new Promise((r) => setTimeout(r, 5)); }
  await until(() => s.received.length === 20000);
  assert.ok(Date.now() - t0 >= 300, 'delayed');
  assert.ok(s.received.equals(Buffer.concat(parts)), 'order kept under jitter');
  proxy.clear();

  proxy.set({ bytesPerSec: 20000 }, 'down');
  s.received = Buffer.alloc(0);
  t0 = Date.now();
  s.write(randomBytes(30000));
  await until(() => s.received.length === 30000, 10000);
  const took = Date.now() - t0;
  assert.ok(took >= 1000 && took < 4000, `30 kB at 20 kB/s took ${took} ms`);
  proxy.clear();

  proxy.set({ stalled: true });
  s.received = Buffer.alloc(0);
  s.write('hello');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(s.received.length, 0, 'nothing passes a stall');
  proxy.set({ stalled: false });
  await until(() => s.received.toString() === 'hello');
  s.destroy();
});

test('resetAll is a reset on both sides; halfCloseAll keeps the other way open', async () => {
  const a = await connect();
  a.write('x');
  await until(() => a.received.length === 1);
  const serverSide = echoSockets.at(-1);
  const serverClosed = new Promise((r) => serverSide.on('close', r));
  assert.equal(proxy.resetAll(), 1);
  await until(() => a.error);
  assert.equal(a.error.code, 'ECONNRESET');
  await serverClosed;

  const b = await connect();
  b.write('y');
  await until(() => b.received.toString() === 'y');
  let clientEnded = false;
  b.on('end', () => { clientEnded = true; });
  assert.equal(proxy.halfCloseAll('server'), 1);
  await until(() => echoSockets.at(-1).serverEnded);
  await until(() => b.received.toString() === 'ybye');
  await until(() => clientEnded);
  b.end();
  await until(() => proxy.connections() === 0);
});
