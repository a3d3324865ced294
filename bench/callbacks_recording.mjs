#!/usr/bin/env node
// `make bench-callbacks`: the figures of issue 13 (server callbacks, recording) measured on the
// real binary (MINIRTC_BIN) with real sockets, a real callback receiver (tests/e2e/lib/
// callback_receiver.mjs, which verifies every signature) and real ffmpeg publishers. Not part of
// `make test` nor of `make bench`; prints a JSON and a markdown summary and writes both to
// bench/out/ (callbacks_recording.json, callbacks_recording.md). Nothing here decides pass or
// fail: the numbers are reported as measured, with the targets beside them.
//
// Three parts (CB_PARTS, default "drain joins recording"):
//
// drain   A backlog of ≥ CB_BACKLOG (10,000) callbacks queued while the receiver is down
//         (connection refused), then the receiver starts on the URL's port and the delivery
//         rate is taken from its arrival times: from the receiver's start (includes the wait for
//         each room's next retry, the back-off of docs/protocol.md §6.1) and from the first to
//         the last arrival (the delivery throughput). Default [callbacks] settings, so the
//         back-off is what operators get. CB_DRAIN_CASES (default "100x3:20 3334v400:5
//         10000v400:5") lists the cases: ROOMSxCYCLERS:DOWN, ROOMS rooms each with one member
//         who stays (RoomCreated + UserJoined) and CYCLERS members who join and leave over and
//         over (one callback each) until CB_BACKLOG; ROOMSvSOCKETS:DOWN, ROOMS rooms visited
//         (join, leave: 3 callbacks and one delivery lane per room) by SOCKETS sockets. The
//         receiver is down DOWN s from the first event. 100x3:20 is an outage long enough for
//         the back-off to matter (each room was last tried 15 s after its first failure, next at
//         31 s); the v cases spread the backlog over 3,334 and 10,000 lanes (the last one is
//         30,000 callbacks). Also measured: the server's CPU while the receiver is down and
//         during the drain, and the round trip of a signalling `ping` every 20 ms meanwhile.
// joins   Join latency (request written → result read, client side) of CB_JOINS joins in rooms of
//         4, CB_JOIN_CONCURRENCY joins in flight, with callbacks off, to a receiver that hangs
//         (never answers), and to a healthy one; the server's RSS before the joins, after them
//         and CB_HOLD_S later (thousands of callbacks pending to the hanging receiver). The
//         variants take turns in each of CB_JOIN_ROUNDS rounds (this machine's speed drifts).
// recording  REC_PUBLISHERS ffmpeg publishers (`-re`, one pre-encoded 320x240 ~300 kbit/s H.264
//         + 64 kbit/s AAC file, `-c copy`, so the encoders' CPU does not compete with the server)
//         for REC_SECONDS with `record = "all"` and with `record = "none"`: the server's CPU
//         (utime+stime of /proc/PID/stat over the window once every stream is live), its disk
//         writes (/proc/PID/io write_bytes, and the growth of the recordings' files), and for
//         "all" the CPU and time to finish (remux to MP4) after the publishers stop; the
//         publishers push with `minirtc url publish` URLs (media-only users, rooms of 4), so a
//         stream ends room.publish_no_media_timeout_ms (10 s) after its pusher went, and that
//         grace is inside the finish time. REC_ROUNDS (2) rounds, "none" then "all" in each.
//
// The receiver runs in a worker thread (its own event loop, so its work does not delay the join
// clients' clocks); times are wall-clock milliseconds (performance.timeOrigin + now()) in both
// threads. Environment: MINIRTC_BIN (required), the variables above, CB_OUT (default bench/out).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, readdirSync, statSync, existsSync, rmSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { startServer, binaryPath } from '../tests/e2e/lib/server.mjs';
import { startReceiver } from '../tests/e2e/lib/callback_receiver.mjs';
import { User, freePort } from '../tests/e2e/lib/callback_harness.mjs';
import { signedUrl, sleep } from '../tests/e2e/lib/media.mjs';
import { makeToken } from '../examples/token/token.mjs';
import { cpuSeconds, rssKb, pct, median, r1, r2, waitUntil, pool, machine as measureMachine } from './lib/measure.mjs';

const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- receiver worker
if (!isMainThread) {
  const arrivals = [];
  const r = await startReceiver({
    secret: workerData.secret,
    port: workerData.port,
    behave: (_req, ev) => {
      if (workerData.behave === 'hang') return 'hang';
      if (ev) arrivals.push(now());
      return 'ok';
    },
  });
  parentPort.on('message', async (m) => {
    if (m === 'stats') {
      parentPort.postMessage({ arrivals, distinct: r.events().length, requests: r.requests,
        rejected: r.rejected.length, openSockets: r.openSockets });
    } else if (m === 'close') {
      await r.close();
      parentPort.postMessage({ closed: true });
      parentPort.close();
    }
  });
  parentPort.postMessage({ port: r.port, url: r.url });
}

/** A receiver in a worker thread: {url, port, stats(), close()}. behave: 'ok' | 'hang'. */
async function receiverWorker({ secret, behave = 'ok', port = 0 }) {
  const w = new Worker(fileURLToPath(import.meta.url), { workerData: { secret, behave, port } });
  const first = await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
  const ask = (msg) => new Promise((resolve) => { w.once('message', resolve); w.postMessage(msg); });
  return {
    ...first,
    stats: () => ask('stats'),
    close: async () => { await ask('close'); await w.terminate(); },
  };
}

// ---------------------------------------------------------------- helpers
const env = (k, d) => (process.env[k] !== undefined && process.env[k] !== '' ? process.env[k] : d);
const num = (k, d) => Number(env(k, d));
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = env('CB_OUT', join(ROOT, 'bench', 'out'));
const APP = { id: 'cbbench0123456789abcdef0', key: 'cbbench-app-key-not-secret' };
const ADMIN_KEY = 'cbbench-admin';

function ioWriteBytes(pid) {
  const t = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { writeBytes: Number(t.match(/^write_bytes: (\d+)/m)[1]), wchar: Number(t.match(/^wchar: (\d+)/m)[1]) };
}
async function metrics(server) {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^(minirtc_[a-z_]+)(\{[^}]*\})? (\S+)$/gm)) out[m[1] + (m[2] ?? '')] = Number(m[3]);
  return out;
}
const cbMetrics = (m) => ({
  queued: m.minirtc_callbacks_queued, inFlight: m.minirtc_callbacks_in_flight,
  delivered: m.minirtc_callbacks_delivered_total, failed: m.minirtc_callbacks_failed_total,
  retried: m.minirtc_callbacks_retried_total,
  dropped: Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('minirtc_callbacks_dropped_total'))
    .map(([k, v]) => [k.match(/reason="([^"]+)"/)[1], v])),
});

function writeConfig({ apps, callbacks = {}, room = {}, extra = '' }) {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-cbbench-'));
  const toml = (o) => Object.entries(o).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n');
  let text = `[server]\nadmin_key = "${ADMIN_KEY}"\n\n[limits]\nunauthenticated_per_ip = 0\n\n`;
  text += `[room]\n${toml(room)}\n\n[callbacks]\n${toml(callbacks)}\n\n${extra}`;
  for (const a of apps) text += `[[apps]]\n${toml(a)}\n\n`;
  const file = join(dir, 'minirtc.toml');
  writeFileSync(file, text);
  return { file, dir };
}
async function serve(config) {
  return startServer({ extraArgs: ['--config', config.file], logLevel: 'warn' });
}
async function openSockets(server, n) {
  const users = new Array(n);
  await pool(n, 200, async (i) => {
    const ws = new WebSocket(server.wsUrl);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    users[i] = new User(ws);
  });
  return users;
}
const joinParams = (roomId, userId) => ({
  appId: APP.id, roomId, userId,
  token: makeToken({ appId: APP.id, appKey: APP.key, roomId, userId, publish: true, subscribe: true }),
});
// The defaults of docs/operations.md, written out so the bench does not depend on them silently.
const DEFAULT_CALLBACKS = { timeout_ms: 5000, retry_first_delay_ms: 1000, retry_max_delay_ms: 300000,
  retry_window_s: 7200, max_in_flight: 64, max_queued: 100000 };

// ---------------------------------------------------------------- part 1: backlog drain
async function partDrain() {
  const out = [];
  for (const c of env('CB_DRAIN_CASES', '100x3:20 3334v400:5 10000v400:5').split(/\s+/)) {
    const m = c.match(/^(\d+)([xv])(\d+):(\d+(?:\.\d+)?)$/);
    if (!m) throw new Error(`CB_DRAIN_CASES: ${c} is not ROOMSxCYCLERS:DOWN nor ROOMSvSOCKETS:DOWN`);
    const run = await drainCase({ name: c, target: num('CB_BACKLOG', 10000), rooms: Number(m[1]),
      mode: m[2] === 'x' ? 'stay' : 'visit', n: Number(m[3]), downS: Number(m[4]) });
    console.error(`drain ${c}: ${run.backlog} callbacks, first arrival ${run.wait_to_first_arrival_s} s after the receiver's start, ${run.rate_first_to_last_per_s}/s first→last, ${run.rate_from_receiver_up_per_s}/s from the start; ping p99 ${run.ping_ms_during_drain.p99} ms`);
    out.push(run);
  }
  return out;
}

const pingStats = (v) => ({ n: v.length, p50: r2(pct(v, 50)), p99: r2(pct(v, 99)), max: r2(Math.max(...v)) });

/**
 * One backlog: mode 'stay': `rooms` rooms, each with one member who stays (RoomCreated +
 * UserJoined) and `n` members who join and leave until `target` callbacks are queued; mode
 * 'visit': `n` sockets each join and leave room after room until `rooms` rooms were visited
 * (RoomCreated, UserJoined, UserLeft: 3 callbacks and one delivery lane per room). The receiver is
 * down `downS` seconds from the first event. A signalling socket pings every 20 ms from the end of
 * the generation to the end of the drain (round trips while the receiver is down, and during
 * the drain).
 */
async function drainCase({ name, target, rooms, mode, n, downS }) {
  const port = await freePort();  // nobody listens yet: every attempt is refused
  const url = `http://127.0.0.1:${port}/hooks/rtc`;
  const config = writeConfig({
    apps: [{ id: APP.id, key: APP.key, callback_urls: [url] }],
    callbacks: DEFAULT_CALLBACKS,
    // Only the callbacks are measured here: the per-session request limit (50/s) would pace the
    // generator, not the server; and no RoomEnded may join the backlog during the drain.
    room: { max_requests_per_second: 1000, empty_room_delay_ms: 600000 },
  });
  const server = await serve(config);
  const pid = server.proc.pid;
  const result = { case: name, mode, rooms, target, down_s: downS, url_port: port };
  if (mode === 'stay') result.cyclers_per_room = n; else result.sockets = n;
  let receiver;
  let pinging = false;
  try {
    const users = await openSockets(server, mode === 'stay' ? rooms * (1 + n) : n);
    const [pinger] = await openSockets(server, 1);
    await sleep(500);
    result.rss_kb_before = rssKb(pid);
    const tGen = now();
    let expected;
    if (mode === 'stay') {
      // One member per room stays: its join creates the room (RoomCreated + UserJoined).
      await pool(rooms, 50, async (r) => { await users[r].ok('join', joinParams(`drain-${r}`, 'anchor')); });
      let remaining = target - 2 * rooms;  // each join and each leave of a cycler: one callback
      const cyclers = users.slice(rooms);
      await Promise.all(cyclers.map(async (u, i) => {
        const room = `drain-${i % rooms}`;
        const uid = `c${Math.floor(i / rooms)}`;
        while (remaining > 0) {
          remaining -= 2;
          await u.ok('join', joinParams(room, uid));
          await u.ok('leave', {});
        }
      }));
      expected = target + (remaining < 0 ? -remaining : 0);
    } else {
      let next = 0;
      await Promise.all(users.map(async (u, i) => {
        while (next < rooms) {
          const room = `visit-${next++}`;
          await u.ok('join', joinParams(room, `v${i}`));
          await u.ok('leave', {});
        }
      }));
      expected = 3 * rooms;
    }
    result.generate_s = r2((now() - tGen) / 1000);
    const pings = { down: [], drain: [] };
    let phase = 'down';
    pinging = true;
    const pingLoop = (async () => {
      while (pinging) {
        const t = now();
        await pinger.ok('ping', {});
        pings[phase].push(now() - t);
        await sleep(20);
      }
    })();
    // An outage of downS in all (from the first event): each room's first attempt failed at its
    // creation, so its retries fall 1, 3, 7, 15, 31, 63 ... s after it (+ up to 0.5 s tick).
    const cpuGen = cpuSeconds(pid);
    const tGenEnd = now();
    if ((now() - tGen) / 1000 < downS) await sleep(downS * 1000 - (now() - tGen));
    await waitUntil(async () => cbMetrics(await metrics(server)).queued >= expected, 10000, 'the backlog on disk');
    const before = cbMetrics(await metrics(server));
    result.backlog = before.queued;
    result.metrics_before_receiver = before;
    result.rss_kb_with_backlog = rssKb(pid);  // members joined, the backlog pending
    result.rss_growth_kb = result.rss_kb_with_backlog - result.rss_kb_before;
    result.receiver_down_s = r2((now() - tGen) / 1000);
    // CPU between the end of the generation and the receiver's start: the failed attempts
    result.server_cpu_percent_while_down = r1(((cpuSeconds(pid) - cpuGen) / ((now() - tGenEnd) / 1000)) * 100);
    // The receiver comes back on the URL's port.
    const cpu0 = cpuSeconds(pid);
    const tUp = now();
    phase = 'drain';
    receiver = await receiverWorker({ secret: APP.key, port });
    const samples = [];
    const timeoutMs = num('CB_DRAIN_TIMEOUT_S', 240) * 1000;
    let stats;
    for (;;) {
      const m = cbMetrics(await metrics(server));
      samples.push({ t_s: r2((now() - tUp) / 1000), queued: m.queued, in_flight: m.inFlight, delivered: m.delivered });
      stats = await receiver.stats();
      if (stats.distinct >= result.backlog && m.queued === 0) break;
      if (now() - tUp > timeoutMs) { result.timed_out = true; break; }
      await sleep(200);
    }
    const cpu1 = cpuSeconds(pid);
    pinging = false;
    await pingLoop;
    const a = stats.arrivals;
    const first = a[0];
    const last = a.at(-1);
    const count = a.length;
    const at = (q) => a[Math.min(count - 1, Math.floor(q * (count - 1)))];
    let peak = 0;  // most arrivals in any 1 s window
    for (let i = 0, j = 0; i < count; i++) {
      while (a[i] - a[j] > 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
    const after = cbMetrics(await metrics(server));
    Object.assign(result, {
      delivered_requests: count,
      distinct_events: stats.distinct,
      rejected_by_receiver: stats.rejected,
      wait_to_first_arrival_s: r2((first - tUp) / 1000),
      first_to_last_s: r2((last - first) / 1000),
      up_to_last_s: r2((last - tUp) / 1000),
      rate_from_receiver_up_per_s: Math.round(count / ((last - tUp) / 1000)),
      rate_first_to_last_per_s: Math.round((count - 1) / ((last - first) / 1000)),
      rate_p10_to_p90_per_s: Math.round((0.8 * (count - 1)) / ((at(0.9) - at(0.1)) / 1000)),
      peak_1s_window: peak,
      max_in_flight_seen: Math.max(...samples.map((s) => s.in_flight)),
      server_cpu_s_during_drain: r2(cpu1 - cpu0),
      server_cpu_percent_during_drain: r1(((cpu1 - cpu0) / ((now() - tUp) / 1000)) * 100),
      server_cpu_ms_per_1000_callbacks: r1(((cpu1 - cpu0) * 1000 * 1000) / count),
      ping_ms_while_down: pingStats(pings.down),
      ping_ms_during_drain: pingStats(pings.drain),
      metrics_after: after,
      // arrivals per second from the receiver's start (the shape: back-off wait, then the drain)
      arrivals_per_s: (() => {
        const h = [];
        for (const t of a) { const k = Math.floor((t - tUp) / 1000); h[k] = (h[k] ?? 0) + 1; }
        return Array.from(h, (x) => x ?? 0);
      })(),
      metric_samples: samples.filter((_, i) => i % 5 === 0),
    });
    for (const u of [...users, pinger]) u.close();
  } finally {
    pinging = false;
    await receiver?.close();
    await server.stop();
    rmSync(config.dir, { recursive: true, force: true });
  }
  return result;
}

// ---------------------------------------------------------------- part 2: joins under callbacks
async function joinRun(variant, n, concurrency, holdS) {
  let receiver = null;
  const app = { id: APP.id, key: APP.key };
  if (variant !== 'off') {
    receiver = await receiverWorker({ secret: APP.key, behave: variant });
    app.callback_urls = [receiver.url];
  }
  const config = writeConfig({ apps: [app], callbacks: DEFAULT_CALLBACKS });
  const server = await serve(config);
  const pid = server.proc.pid;
  try {
    const users = await openSockets(server, n);
    await sleep(500);
    const rss0 = rssKb(pid);
    const cpu0 = cpuSeconds(pid);
    const lat = new Array(n);
    const t0 = now();
    await pool(n, concurrency, async (i) => {
      const p = joinParams(`join-${Math.floor(i / 4)}`, `u${i % 4}`);
      const t = now();
      await users[i].ok('join', p);
      lat[i] = now() - t;
    });
    const joinsS = (now() - t0) / 1000;
    const cpu1 = cpuSeconds(pid);
    const rss1 = rssKb(pid);
    const m1 = cbMetrics(await metrics(server));
    await sleep(holdS * 1000);
    const rss2 = rssKb(pid);
    const m2 = cbMetrics(await metrics(server));
    const recv = receiver ? await receiver.stats() : null;
    for (const u of users) u.close();
    return {
      variant, joins: n, concurrency,
      join_ms_p50: r2(pct(lat, 50)), join_ms_p90: r2(pct(lat, 90)), join_ms_p99: r2(pct(lat, 99)),
      join_ms_max: r2(Math.max(...lat)),
      joins_per_s: Math.round(n / joinsS),
      server_cpu_s_joins: r2(cpu1 - cpu0),
      rss_kb_before: rss0, rss_kb_after_joins: rss1, rss_kb_after_hold: rss2,
      rss_growth_kb_joins: rss1 - rss0, rss_growth_kb_hold: rss2 - rss0,
      callbacks_after_joins: m1, callbacks_after_hold: m2,
      receiver_open_sockets: recv?.openSockets ?? null, receiver_requests: recv?.requests ?? null,
      receiver_rejected: recv?.rejected ?? null,
    };
  } finally {
    await server.stop();
    await receiver?.close();
    rmSync(config.dir, { recursive: true, force: true });
  }
}

async function partJoins() {
  const n = num('CB_JOINS', 3000);
  const concurrency = num('CB_JOIN_CONCURRENCY', 16);
  const holdS = num('CB_HOLD_S', 6);
  const rounds = num('CB_JOIN_ROUNDS', 2);
  const runs = [];
  for (let r = 1; r <= rounds; r++) {
    for (const v of ['off', 'hang', 'ok']) {
      const run = await joinRun(v, n, concurrency, holdS);
      run.round = r;
      runs.push(run);
      console.error(`joins ${v} r${r}: p50 ${run.join_ms_p50} ms p99 ${run.join_ms_p99} ms, RSS +${run.rss_growth_kb_hold} kB, pending ${run.callbacks_after_hold.queued}`);
    }
  }
  return { joins: n, concurrency, hold_s: holdS, rounds, runs };
}

// ---------------------------------------------------------------- part 3: recording overhead
function sourceFlv(seconds) {
  const file = join(OUT, `cbbench_source_${seconds}s.flv`);
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
      '-b:v', '300k', '-maxrate', '300k', '-bufsize', '600k', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
      '-c:a', 'aac', '-b:a', '64k', '-ac', '1', '-f', 'flv', file]);
  }
  return file;
}
function push(file, url) {
  const proc = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-i', file,
    '-c', 'copy', '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { proc, exited, stop: () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); return exited; } };
}
function recordingBytes(dataDir) {
  const dir = join(dataDir, 'recordings');
  if (!existsSync(dir)) return 0;
  let sum = 0;
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.flv') || f.endsWith('.mp4') || f.endsWith('.part')) {
      try { sum += statSync(join(dir, f)).size; } catch { /* renamed meanwhile */ }
    }
  }
  return sum;
}
async function admin(server, path) {
  const res = await fetch(`${server.httpUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  return res.json();
}

async function recordRun(mode, publishers, seconds, file) {
  const config = writeConfig({ apps: [{ id: APP.id, key: APP.key, record: mode }] });
  const server = await serve(config);
  const pid = server.proc.pid;
  const pushers = [];
  try {
    const urls = await Promise.all(Array.from({ length: publishers }, (_, i) => signedUrl(binaryPath(), {
      action: 'publish', appId: APP.id, appKey: APP.key, room: `rec-${Math.floor(i / 4)}`, user: `p${i}`,
      rtmpBase: server.rtmpUrl,
    })));
    const cpuStart = cpuSeconds(pid);
    for (const u of urls) pushers.push(push(file, u));
    await waitUntil(async () => (await metrics(server)).minirtc_streams_publishing === publishers, 20000, `${publishers} live streams`);
    await sleep(1000);
    const m0 = await metrics(server);
    const cpu0 = cpuSeconds(pid);
    const io0 = ioWriteBytes(pid);
    const bytes0 = recordingBytes(server.dataDir);
    const t0 = now();
    await sleep(seconds * 1000);
    const cpu1 = cpuSeconds(pid);
    const io1 = ioWriteBytes(pid);
    const bytes1 = recordingBytes(server.dataDir);
    const t1 = now();
    const m1 = await metrics(server);
    const windowS = (t1 - t0) / 1000;
    const stillLive = m1.minirtc_streams_publishing;
    for (const p of pushers) await p.stop();
    const out = {
      mode, publishers, window_s: r2(windowS), live_at_window_end: stillLive,
      recordings_active: m1.minirtc_recordings_active ?? 0,
      server_cpu_s: r2(cpu1 - cpu0), server_cpu_percent: r1(((cpu1 - cpu0) / windowS) * 100),
      server_cpu_s_startup: r2(cpu0 - cpuStart),
      ingest_kbit_s: Math.round((((m1.minirtc_stream_bytes_in ?? 0) - (m0.minirtc_stream_bytes_in ?? 0)) * 8) / windowS / 1000),
      disk_write_bytes_per_s: Math.round((io1.writeBytes - io0.writeBytes) / windowS),
      wchar_per_s: Math.round((io1.wchar - io0.wchar) / windowS),
      recording_file_growth_bytes_per_s: Math.round((bytes1 - bytes0) / windowS),
    };
    if (mode === 'all') {
      // After the publishers stop: the recordings end and are remuxed to MP4 by the finisher.
      const tStop = now();
      const cpuStop = cpuSeconds(pid);
      await waitUntil(async () => {
        const list = (await admin(server, '/v1/admin/recordings')).recordings ?? [];
        return list.length >= publishers && list.every((r) => r.state === 'finished' || r.state === 'failed');
      }, 60000, 'the recordings finished', 200);
      const list = (await admin(server, '/v1/admin/recordings')).recordings;
      out.finish_s = r2((now() - tStop) / 1000);
      out.finish_cpu_s = r2(cpuSeconds(pid) - cpuStop);
      out.recordings = list.length;
      out.recordings_failed = list.filter((r) => r.state !== 'finished').length;
      out.mp4_bytes_total = list.reduce((s, r) => s + (r.sizeBytes ?? 0), 0);
      out.mp4_duration_s_median = r1(median(list.map((r) => r.durationMs / 1000)));
    }
    return out;
  } finally {
    for (const p of pushers) await p.stop();
    await server.stop();
    rmSync(config.dir, { recursive: true, force: true });
  }
}

async function partRecording() {
  const publishers = num('REC_PUBLISHERS', 20);
  const seconds = num('REC_SECONDS', 30);
  const rounds = num('REC_ROUNDS', 2);
  const file = sourceFlv(seconds + 15);
  const runs = [];
  for (let r = 1; r <= rounds; r++) {
    for (const mode of ['none', 'all']) {
      const run = await recordRun(mode, publishers, seconds, file);
      run.round = r;
      runs.push(run);
      console.error(`recording ${mode} r${r}: CPU ${run.server_cpu_percent}% of a core, disk ${run.disk_write_bytes_per_s} B/s`);
    }
  }
  const perRound = [];
  for (let r = 1; r <= rounds; r++) {
    const none = runs.find((x) => x.round === r && x.mode === 'none');
    const all = runs.find((x) => x.round === r && x.mode === 'all');
    perRound.push({
      round: r,
      cpu_percent_none: none.server_cpu_percent, cpu_percent_all: all.server_cpu_percent,
      recording_cpu_percent_per_stream: r2((all.server_cpu_percent - none.server_cpu_percent) / publishers),
      recording_cpu_ms_per_stream_second: r2(((all.server_cpu_s - none.server_cpu_s) * 1000) / (publishers * all.window_s)),
    });
  }
  return { publishers, seconds, source: file.replace(`${ROOT}/`, ''), rounds, runs, per_round: perRound };
}

// ---------------------------------------------------------------- report
function machine() {
  let commit = '?';
  try { commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD']).toString().trim(); } catch { /* not a checkout */ }
  return measureMachine({ commit, binary: process.env.MINIRTC_BIN });
}

function markdown(r) {
  const L = [];
  L.push(`Date ${r.machine.date_utc}, commit ${r.machine.commit}, nproc ${r.machine.nproc}.`);
  L.push(`Load at start: \`${r.machine.uptime_start}\`; at end: \`${r.machine.uptime_end}\`. Total ${r.total_s} s.`, '');
  if (r.drain) {
    L.push('**Backlog drain** (receiver down, connection refused, then up on the same port; default retry schedule; `RxC`: R rooms, one member staying and C joining and leaving; `RvS`: R rooms visited (join, leave) by S sockets, one lane each)', '');
    L.push('| case | lanes | backlog | made in | receiver down | attempts while down | server CPU while down | wait to 1st arrival | first→last | rate from receiver up | rate first→last | rate p10→p90 | peak 1 s | max in flight | server CPU during drain | server CPU / 1000 cb | ping p50/p99/max ms while down | ping p50/p99/max ms during drain | RSS growth (members + backlog) | dropped | rejected |');
    L.push(`|${'---|'.repeat(21)}`);
    for (const d of r.drain) {
      const p = (x) => `${x.p50} / ${x.p99} / ${x.max}`;
      L.push(`| ${d.case} | ${d.rooms} | ${d.backlog} | ${d.generate_s} s | ${d.receiver_down_s} s | ${d.metrics_before_receiver.failed} | ${d.server_cpu_percent_while_down}% | ${d.wait_to_first_arrival_s} s | ${d.first_to_last_s} s | ${d.rate_from_receiver_up_per_s}/s | ${d.rate_first_to_last_per_s}/s | ${d.rate_p10_to_p90_per_s}/s | ${d.peak_1s_window} | ${d.max_in_flight_seen} | ${d.server_cpu_percent_during_drain}% | ${d.server_cpu_ms_per_1000_callbacks} ms | ${p(d.ping_ms_while_down)} | ${p(d.ping_ms_during_drain)} | ${d.rss_growth_kb} kB | ${JSON.stringify(d.metrics_after.dropped)} | ${d.rejected_by_receiver} |`);
    }
    L.push('');
    for (const d of r.drain) L.push(`Arrivals per second from the receiver's start (${d.case}): ${d.arrivals_per_s.join(' ')}`, '');
  }
  if (r.joins) {
    const j = r.joins;
    L.push(`**Join latency** (${j.joins} joins in rooms of 4, ${j.concurrency} in flight; client side; RSS ${j.hold_s} s after the last join)`, '');
    L.push('| round | callbacks | p50 ms | p90 ms | p99 ms | max ms | joins/s | server CPU s | RSS growth kB (joins / +hold) | pending after hold | in flight | receiver sockets open |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const x of j.runs) {
      L.push(`| ${x.round} | ${x.variant} | ${x.join_ms_p50} | ${x.join_ms_p90} | ${x.join_ms_p99} | ${x.join_ms_max} | ${x.joins_per_s} | ${x.server_cpu_s_joins} | ${x.rss_growth_kb_joins} / ${x.rss_growth_kb_hold} | ${x.callbacks_after_hold.queued ?? '-'} | ${x.callbacks_after_hold.inFlight ?? '-'} | ${x.receiver_open_sockets ?? '-'} |`);
    }
    for (const v of ['off', 'hang', 'ok']) {
      const xs = j.runs.filter((x) => x.variant === v);
      const med = (k) => r2(median(xs.map((x) => x[k])));
      L.push(`| median | ${v} | ${med('join_ms_p50')} | ${med('join_ms_p90')} | ${med('join_ms_p99')} | ${med('join_ms_max')} | ${med('joins_per_s')} | ${med('server_cpu_s_joins')} | ${med('rss_growth_kb_joins')} / ${med('rss_growth_kb_hold')} | | | |`);
    }
    L.push('');
  }
  if (r.recording) {
    const c = r.recording;
    L.push(`**Recording** (${c.publishers} ffmpeg publishers, \`-re -c copy\` of ${c.source}: 320x240 ~300 kbit/s H.264 + 64 kbit/s AAC; window ${c.seconds} s once all are live)`, '');
    L.push('| round | record | server CPU % of a core | ingest kbit/s | disk write_bytes/s | recording files growth B/s | finish s (10 s grace + remux) / CPU s | recordings (failed) |');
    L.push('|---|---|---|---|---|---|---|---|');
    for (const x of c.runs) {
      L.push(`| ${x.round} | ${x.mode} | ${x.server_cpu_percent} | ${x.ingest_kbit_s} | ${x.disk_write_bytes_per_s} | ${x.recording_file_growth_bytes_per_s} | ${x.finish_s ?? '-'} / ${x.finish_cpu_s ?? '-'} | ${x.recordings ?? '-'} (${x.recordings_failed ?? '-'}) |`);
    }
    L.push('');
    for (const p of c.per_round) {
      L.push(`Round ${p.round}: recording costs ${p.recording_cpu_percent_per_stream}% of a core per stream (${p.recording_cpu_ms_per_stream_second} ms CPU per stream-second).`);
    }
    if (c.per_round.length > 1) L.push(`Median over the rounds: ${r2(median(c.per_round.map((p) => p.recording_cpu_percent_per_stream)))}% of a core per recorded stream.`);
    L.push('');
  }
  return L.join('\n');
}

if (isMainThread) {
  if (!binaryPath()) {
    console.error('callbacks_recording.mjs: MINIRTC_BIN is not set or missing (make build)');
    process.exit(1);
  }
  mkdirSync(OUT, { recursive: true });
  const parts = env('CB_PARTS', 'drain joins recording').split(/\s+/);
  const t0 = now();
  const result = { machine: machine() };
  if (parts.includes('drain')) { console.error('== backlog drain'); result.drain = await partDrain(); }
  if (parts.includes('joins')) { console.error('== join latency'); result.joins = await partJoins(); }
  if (parts.includes('recording')) { console.error('== recording'); result.recording = await partRecording(); }
  result.machine.uptime_end = execFileSync('uptime').toString().trim();
  result.total_s = Math.round((now() - t0) / 1000);
  const md = markdown(result);
  writeFileSync(join(OUT, 'callbacks_recording.json'), JSON.stringify(result, null, 1));
  writeFileSync(join(OUT, 'callbacks_recording.md'), `${md}\n`);
  console.log(JSON.stringify(result));
  console.log(`\n${md}`);
}
