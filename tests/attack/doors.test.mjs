// Attacks on the doors (issue 10, items 3 and 4), against the real binary on loopback:
//  (a) idle strangers — signalling WebSockets, HTTP and RTMP connections — do not lock out a
//      signed ffmpeg publisher, a signed player (RTMP and HTTP-FLV) nor an SDK join with a valid
//      token: doors are separate, and a full door's oldest stranger makes room;
//  (b) one address holds at most N unauthenticated connections per door;
//  (c) out of file descriptors, the server neither spins nor floods its log, and serves again
//      once descriptors are free.
// Each asserts that the attack is refused as documented (docs/operations.md, "Connection
// limits"), that a call running before the attack keeps working, and that the server's RSS and
// open descriptors return to their baseline afterwards.
//
// Strangers connect from other loopback addresses (127.0.0.2, ...) so that the per-address
// limit, which also applies to loopback, tells them apart from the real users on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  startTarget, measureBaseline, expectBaseline, startCanary, metric, skipReason, SLOW, sleep, waitFor,
} from './lib/harness.mjs';
import { signedUrl, pushTestStream, decode, playHttpFlv } from '../e2e/lib/media.mjs';
import { Phone, EVENTS } from '../e2e/lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const skip = skipReason;
const APP_ID = 'doorstest0123456789abcde';
const APP_KEY = 'doors-test-key';
const APP = { appId: APP_ID, appKey: APP_KEY };
let seq = 0;
const newRoom = () => `doors-${process.pid}-${++seq}`;

/** utime + stime of the process, in seconds (/proc/PID/stat, 100 ticks per second). */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const doorMetric = (target, name, labels) =>
  metric(target, name, Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(','));

// ---- strangers ----

/** An idle TCP connection from `localAddress`; `gone` flips when the server closes it. */
function idleTcp(hostPort, localAddress) {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const s = net.connect({ host, port: Number(port), localAddress });
    s.gone = false;
    s.on('error', () => {});
    s.on('close', () => { s.gone = true; });
    s.on('data', () => {});
    s.on('connect', () => resolve(s));
    s.on('close', () => resolve(s));
  });
}

/** An idle signalling WebSocket (upgraded, never joins) from `localAddress`. */
function idleWs(url, localAddress) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { localAddress });
    ws.gone = false;
    ws.on('error', () => {});
    ws.on('close', () => { ws.gone = true; resolve(ws); });
    ws.on('open', () => resolve(ws));
  });
}

function closeAll(conns) {
  for (const c of conns) {
    if (c instanceof WebSocket) c.terminate();
    else c.destroy();
  }
}

/** `count` connections spread over loopback addresses 127.0.0.{first..}, `perAddress` each. */
async function strangers(open, count, { first, perAddress }) {
  const out = [];
  for (let i = 0; i < count; ++i) out.push(open(`127.0.0.${first + Math.floor(i / perAddress)}`));
  return Promise.all(out);
}

// ---- real users ----

function url(server, o) {
  return signedUrl(server.bin, { appId: APP_ID, appKey: APP_KEY, httpBase: server.httpUrl, rtmpBase: server.rtmpUrl, ...o });
}

async function publish(server, room, user) {
  const pusher = pushTestStream(await url(server, { action: 'publish', room, user }), { size: '320x240', seconds: 120 });
  await waitFor(() => server.logs().includes(`stream ${APP_ID}~${room}~${user}~main live`),
    { timeoutMs: 20000 * SLOW, what: `${user} live` });
  return pusher;
}

async function sdkJoin(server, room, user) {
  const phone = new Phone(server.httpUrl);
  const token = makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: user, publish: true, subscribe: true });
  assert.equal(await phone.join(APP_ID, token, room, user), user, 'SDK join with a valid token');
  return phone;
}

function configFile(text) {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-doors-'));
  const path = join(dir, 'minirtc.toml');
  writeFileSync(path, text);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The three assertions of every attack here: starts the target (the app plus `extraArgs`, `bin`)
 * and the canary call, measures the baseline, runs `attack({server, canary, conns, base})` (which
 * may take the baseline again), then checks the canary and, with every stranger gone, the
 * baseline.
 */
async function attackRun({ extraArgs = [], bin } = {}, attack) {
  const server = await startTarget({ apps: [`${APP_ID}:${APP_KEY}`], extraArgs, bin });
  const conns = [];
  let canary = null;
  try {
    canary = await startCanary(server, APP);
    const run = { server, canary, conns, base: await measureBaseline(server) };
    await attack(run);
    await canary.assertHealthy();
    closeAll(conns);
    await expectBaseline(server, run.base);
  } finally {
    closeAll(conns);
    if (canary) await canary.stop();
    await server.stop();
  }
}

test('(a) idle strangers at every door do not lock out signed publishers, players and SDK joins', { skip, timeout: 180000 * SLOW }, async () => {
  // Only settings older servers know too (the RTMP limit under its first name): the unfixed
  // server counted every connection against it, so 200 WebSockets locked RTMP out.
  const cfg = configFile(`
[media]
max_rtmp_connections = 40
handshake_timeout_s = 60
[http]
read_timeout_s = 60
`);
  try {
    await attackRun({ extraArgs: ['--config', cfg.path] }, async (run) => {
      const { server, conns } = run;
      const wave = async () => {
        // 200 signalling WebSockets that never join, 40 idle HTTP connections, 60 idle RTMP
        // connections (more than the RTMP door's 40): from 127.0.0.2-9, at most 40 per address.
        conns.push(...await strangers((a) => idleWs(server.wsUrl, a), 200, { first: 2, perAddress: 40 }));
        conns.push(...await strangers((a) => idleTcp(server.http, a), 40, { first: 7, perAddress: 40 }));
        for (let i = 0; i < 60; ++i) conns.push(await idleTcp(server.rtmp, `127.0.0.${8 + Math.floor(i / 30)}`));
        const ws = conns.filter((c) => c instanceof WebSocket);
        assert.ok(ws.filter((c) => !c.gone).length >= 190, 'the WebSockets are open');

        // Real users get in.
        const room = newRoom();
        const pusher = await publish(server, room, 'alice');
        try {
          const played = await decode(await url(server, { action: 'play', room, user: 'alice', viewer: 'bob' }), 3);
          assert.equal(played.code, 0, `signed RTMP player decodes: ${played.stderr}`);
          const flv = playHttpFlv(await url(server, { action: 'play', room, user: 'alice', viewer: 'carol', format: 'flv' }));
          await waitFor(() => flv.reader.videoFrames?.length > 0 || flv.reader.status >= 300,
            { timeoutMs: 15000 * SLOW, what: 'HTTP-FLV video' });
          assert.equal(flv.reader.status, 200, `HTTP-FLV play: ${flv.reader.body}`);
          flv.abort();
          const phone = await sdkJoin(server, room, 'dave');
          await phone.destroy();
        } finally {
          await pusher.stop();
        }

        // Refused as documented: strangers never hold more than the RTMP door's limit less its
        // reserve (16 by default: 24), the oldest made room; the WebSockets stay at the HTTP door.
        assert.ok(await doorMetric(server, 'minirtc_connections_refused_total', { door: 'rtmp', reason: 'evicted' }) >= 1,
          'RTMP strangers were evicted');
        assert.ok(await doorMetric(server, 'minirtc_door_connections', { door: 'rtmp', state: 'unauthenticated' }) <= 24);
        assert.ok(await doorMetric(server, 'minirtc_door_connections', { door: 'http', state: 'unauthenticated' }) >= 190);
        closeAll(conns.splice(0));
      };
      // A first wave sets the allocator's high-water mark (glibc keeps freed memory; issue 10
      // item 2 is about giving it back); the baseline is taken again after it, so the second
      // wave shows whether anything is left behind per wave.
      await wave();
      run.base = await measureBaseline(server);
      await wave();
    });
  } finally {
    cfg.remove();
  }
});

test('(a) a full HTTP door: the oldest idle WebSocket makes room for an SDK join', { skip, timeout: 120000 * SLOW }, async () => {
  await attackRun({ extraArgs: ['--max-http-connections', '60', '--reserved-connections', '4'] }, async ({ server, canary, conns }) => {
    // 200 WebSockets that never join, 40 per address: far more than the door's 60.
    conns.push(...await strangers((a) => idleWs(server.wsUrl, a), 200, { first: 2, perAddress: 40 }));
    await waitFor(() => conns.filter((c) => !c.gone).length <= 56, { timeoutMs: 10000 * SLOW, what: 'evictions' });
    assert.ok(await doorMetric(server, 'minirtc_door_connections', { door: 'http', state: 'unauthenticated' }) <= 56,
      'strangers hold at most the door less its reserve');

    const phone = await sdkJoin(server, canary.room, 'erin');
    // Joined: authenticated, so newer strangers no longer evict it.
    conns.push(...await strangers((a) => idleWs(server.wsUrl, a), 100, { first: 7, perAddress: 40 }));
    await sleep(500);
    assert.deepEqual(phone.named(EVENTS.DISCONNECT), [], 'the joined user stays');
    assert.ok(await doorMetric(server, 'minirtc_door_connections', { door: 'http', state: 'authenticated' }) >= 2);
    assert.ok(await doorMetric(server, 'minirtc_connections_refused_total', { door: 'http', reason: 'evicted' }) >= 144);
    await phone.destroy();
  });
});

test('(b) one address holds at most N unauthenticated connections per door', { skip, timeout: 120000 * SLOW }, async () => {
  const N = 5;
  await attackRun({ extraArgs: ['--max-unauthenticated-per-ip', String(N)] }, async ({ server, conns }) => {
    for (const [door, hostPort, address] of [['rtmp', server.rtmp, '127.0.0.2'], ['http', server.http, '127.0.0.3']]) {
      const first = [];
      for (let i = 0; i < N; ++i) first.push(await idleTcp(hostPort, address));
      conns.push(...first);
      const extra = await idleTcp(hostPort, address);
      conns.push(extra);
      await waitFor(() => extra.gone, { timeoutMs: 5000 * SLOW, what: `${door}: connection ${N + 1} closed` });
      await sleep(300);
      assert.ok(first.every((c) => !c.gone), `${door}: the first ${N} stay open`);
      // Another address is not affected.
      const other = await idleTcp(hostPort, '127.0.0.4');
      conns.push(other);
      await sleep(300);
      assert.ok(!other.gone, `${door}: another address gets in`);
      assert.equal(await doorMetric(server, 'minirtc_connections_refused_total', { door, reason: 'per_ip' }), 1);
    }
  });
});

test('(c) out of file descriptors: no spinning, no log flood, serving again after', { skip, timeout: 120000 * SLOW }, async () => {
  // The server under a descriptor limit of 128 (soft and hard: it cannot raise it).
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-doors-'));
  const wrapper = join(dir, 'minirtc-ulimit');
  writeFileSync(wrapper, `#!/bin/sh\nulimit -n 128\nexec "${process.env.MINIRTC_BIN}" "$@"\n`);
  chmodSync(wrapper, 0o755);
  try {
    await attackRun({ bin: wrapper }, async ({ server, conns }) => {
      assert.match(server.logs(), /file descriptors: soft limit 128 \(was 128\), hard limit 128/);
      // 160 idle HTTP connections, 40 per address (under the per-address limit): more than the
      // descriptors left, so the rest wait in the listen backlog.
      conns.push(...await strangers((a) => idleTcp(server.http, a), 160, { first: 2, perAddress: 40 }));
      await waitFor(() => server.fds() >= 127, { timeoutMs: 10000 * SLOW, what: 'descriptors exhausted' });

      const cpu0 = cpuSeconds(server.pid);
      const log0 = server.logs().length;
      await sleep(4000);
      const cpu = cpuSeconds(server.pid) - cpu0;
      const logged = server.logs().length - log0;
      assert.ok(cpu < 0.4 * SLOW, `CPU time over 4 s out of descriptors: ${cpu} s`);
      assert.ok(logged < 16384, `log output over 4 s out of descriptors: ${logged} bytes`);
      assert.match(server.logs(), /accept failed: Too many open files; next try in \d+ ms/);

      closeAll(conns.splice(0));
      await waitFor(async () => (await fetch(`${server.httpUrl}/healthz`).catch(() => ({ status: 0 }))).status === 200,
        { timeoutMs: 10000 * SLOW, what: 'serving again' });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
