#!/usr/bin/env node
// `make bench-cluster`: the cluster's figures (docs/cluster.md) measured on the real binary
// (MINIRTC_BIN): a real redis-server and three real nodes on loopback, raw WebSocket clients
// (the `ws` package) speaking the signalling JSON-RPC of docs/protocol.md §4, ffmpeg as the
// publisher and HTTP-FLV viewers read with node:http, and the C++ load generator (`minirtc
// bench`) for the relay under load. Not part of `make test` nor `make bench`; prints a JSON and a
// markdown summary (machine, command, date, commit included) and writes both to bench/out/
// (cluster.json, cluster.md). Nothing here decides pass or fail: the numbers are reported as
// measured.
//
// Options (each also an environment variable, the flag winning): --scenarios (CL_PARTS; default
// all: joins,failover,drain,edge,relay), --failover-runs (CL_FO_RUNS, 10), --failover-sessions
// (CL_FO_SESSIONS, 300), --failover-rooms (CL_FO_ROOMS, 30), --failover-media-rooms
// (CL_FO_MEDIA_ROOMS, 1), --relay-viewers (CL_RELAY_VIEWERS,
// 1000), --relay-rounds (CL_RELAY_ROUNDS, 3), --relay-seconds (CL_RELAY_SECONDS, 20), --relay-ramp
// (CL_RELAY_RAMP, 10), --relay-proto (CL_RELAY_PROTO, rtmp), --edge-viewers (CL_EDGE_VIEWERS, 10),
// --edge-seconds (CL_EDGE_SECONDS, 20), --out (CL_OUT). CL_SERVER_CPU (0) and CL_BENCH_CPU (1):
// the cores of the relay part.
//
// Five scenarios, each run on a fresh Redis and fresh nodes:
//
// joins     CL_SESSIONS (5,000) signalling sessions in CL_ROOMS (500) rooms (in a random order;
//           the first 8 members of a room visible, the rest invisible: the default
//           room.max_visible_users is 8), each opening its socket to a random node and following
//           the redirect (error 300008 with data.redirect, at most 3 hops) as the SDK does. At most
//           CL_CONCURRENCY (32) joins in flight and CL_RATE (300) socket opens per second.
//           Measured per join: from the first socket's `open` (the join is written right after)
//           to the successful result, redirect hop included; also from the start of the connect.
//           The share redirected, the nodes the sessions ended on (client side) and what
//           GET /v1/admin/nodes says (rooms, sessions per node), rooms found on more than one
//           node, each node's and Redis's CPU (utime+stime of /proc/PID/stat) and RSS, the
//           machine's CPU (/proc/stat) and the load generator's own CPU and event-loop delay.
//           A run whose load generator used ≥ 85% of a core is void: it is run again with half the
//           concurrency and rate (at most CL_JOIN_TRIES, 3, runs), and only a valid run is the
//           result.
// failover  --failover-sessions (300) sessions in --failover-rooms (30) rooms joined while only n1
//           runs (so every room is pinned there), then n2 and n3 start. Each client resumes as the
//           SDK does (sdk/src/session.js): on socket loss it opens the first URL of its list that
//           opens (2 s per URL; one that fails goes last), sends `resume {sessionToken, appId,
//           roomId, userId}`, follows redirects (at most 3 per attempt), and otherwise tries
//           again after a back-off of 0.1 s doubling up to 1 s, asking GET /v1/config again after
//           an attempt in which a socket failed to open, until the resume window (20 s) has
//           passed; a refusal without a redirect ends it (failed). n1 is killed with SIGKILL;
//           measured per client: the kill → the successful resume result. Media in the first
//           --failover-media-rooms (1) rooms: member u0 publishes (ffmpeg -re -c copy) and up to 3
//           members play it over HTTP-FLV; after the signal each does what the app does on
//           UPDATE_URL (push to / play the URLs of its resume reply): the kill → each viewer's
//           first video frame from its new URL ("playing again"). --failover-runs (10) runs, each
//           on fresh processes: each run's p50/p99/max (max: every client back), all sessions
//           pooled, the runs' spread.
//           Also: attempts and redirects per client, the nodes the rooms moved to, rooms split
//           over two nodes.
// drain     The same once with SIGTERM (drain) of n1: the signal → the resume result, and when n1
//           exited.
// edge      One publisher: a signalling session joins room "relay" (via a random node,
//           redirect followed) and `publish`es; ffmpeg pushes a pre-encoded 640x360 25 fps
//           H.264 (2 s GOP) + AAC file with `-re -c copy` to the push URL (the room's node: the
//           origin). --edge-viewers (10) HTTP-FLV viewers on the origin and as many on one
//           edge, with play URLs from `minirtc url play --format flv --http-base <node base>`
//           (signed with the app key, which every node shares). Each video tag is matched between
//           viewers by a hash of its body (the edge's timeline may shift timestamps) and
//           its arrival compared: the edge hop's added latency = an edge viewer's arrival − the
//           median arrival of that tag at the origin viewers, over --edge-seconds (20) s. The
//           same for origin viewers against their own median is the measurement's noise floor.
//           First frame (request written → first video frame that is not a sequence header): on
//           the origin, on an edge with no upstream yet (cold: the first viewer opens the relay
//           pull) and with one (warm), over CL_COLD_ROUNDS (3) rounds on both edges (each round
//           waits until the edge closed its upstream, relay.idle_grace_ms 5 s after its last
//           viewer).
// relay     The relay under load, with the C++ load generator (`minirtc bench --scenario fanout`:
//           one publisher paced by the FLV's timestamps, RTMP viewers, latency = kernel receive
//           stamp − the publisher's send time, every 10th viewer; see bench/README.md "Metrics"),
//           Redis and the nodes pinned to CL_SERVER_CPU and the load generator to CL_BENCH_CPU as
//           bench/run.sh does. --relay-rounds (3) rounds of three layouts on fresh processes, the
//           order reversed every other round (this VM's speed drifts between minutes): `single`,
//           one node without a cluster with --relay-viewers (1,000) viewers (the single-node
//           figure); `relay`, a member holds a room on a node (the origin: a room is in the room
//           directory the edges find origins in only while it has members), the publisher pushes
//           there and every viewer plays from the two other nodes (URLs signed for the edges,
//           `--play-rtmp`; viewer i from edge i % 2), each edge pulling the stream once; `direct2`,
//           the same cluster with 2 viewers on the origin (what 2 relay pulls should cost). Per
//           round: added latency = relay − single (p50 and p99) and the origin's CPU time in
//           relay / in direct2 (`--watch`: the scheduler's account of all its threads over the
//           load generator's window, /proc/PID/task/*/schedstat, ns; utime+stime beside it); then
//           the median and range over the valid rounds. A layout's run is void when its load
//           generator used ≥ 85% of its core, a viewer or the publisher failed, or (relay) the
//           edges' /metrics, polled every second through the window, did not show exactly one
//           relay upstream each (opened once) and the origin two relay downstreams.
//
// Times are performance.now() in this one process, read when a socket's data event runs (so
// they include this process's queueing: its CPU and event-loop delay are reported beside them).
// Environment: MINIRTC_BIN (required), the variables above, CL_NODE_ARGS (extra `minirtc serve`
// arguments for every node, e.g. "--merge-window-ms 0"), CL_OUT (default bench/out), CL_LOGS (a
// directory: the nodes log at level info and each part writes their logs there as ID.log).
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { binaryPath, startServer } from '../tests/e2e/lib/server.mjs';
import { startRedis } from '../tests/e2e/lib/redis.mjs';
import { startClusterNode } from '../tests/e2e/lib/cluster_node.mjs';
import { signedUrl, sleep } from '../tests/e2e/lib/media.mjs';
import { makeToken } from '../examples/token/token.mjs';
import { cpuSeconds, rssKb, pct, median, r1, r2, waitUntil, pool, machine as measureMachine } from './lib/measure.mjs';

const now = () => performance.now();

// ---------------------------------------------------------------- settings and helpers
const env = (k, d) => (process.env[k] !== undefined && process.env[k] !== '' ? process.env[k] : d);
const num = (k, d) => Number(env(k, d));
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIOS = ['joins', 'failover', 'drain', 'edge', 'relay'];
// Command-line options; each falls back to its environment variable, then to its default.
const { values: ARGS } = parseArgs({
  options: {
    scenarios: { type: 'string' }, 'failover-runs': { type: 'string' }, 'failover-sessions': { type: 'string' },
    'failover-rooms': { type: 'string' }, 'failover-media-rooms': { type: 'string' }, 'relay-viewers': { type: 'string' }, 'relay-rounds': { type: 'string' },
    'relay-seconds': { type: 'string' }, 'relay-ramp': { type: 'string' }, 'relay-proto': { type: 'string' },
    'edge-viewers': { type: 'string' }, 'edge-seconds': { type: 'string' }, out: { type: 'string' },
  },
});
const opt = (flag, k, d) => (ARGS[flag] !== undefined ? ARGS[flag] : env(k, d));
const OPT = {
  scenarios: opt('scenarios', 'CL_PARTS', SCENARIOS.join(',')).split(/[\s,]+/).filter(Boolean),
  failoverRuns: Number(opt('failover-runs', 'CL_FO_RUNS', 10)),
  failoverSessions: Number(opt('failover-sessions', 'CL_FO_SESSIONS', 300)),
  failoverRooms: Number(opt('failover-rooms', 'CL_FO_ROOMS', 30)),
  failoverMediaRooms: Number(opt('failover-media-rooms', 'CL_FO_MEDIA_ROOMS', 1)),
  relayViewers: Number(opt('relay-viewers', 'CL_RELAY_VIEWERS', 1000)),
  relayRounds: Number(opt('relay-rounds', 'CL_RELAY_ROUNDS', 3)),
  relaySeconds: Number(opt('relay-seconds', 'CL_RELAY_SECONDS', 20)),
  relayRamp: Number(opt('relay-ramp', 'CL_RELAY_RAMP', 10)),
  relayProto: opt('relay-proto', 'CL_RELAY_PROTO', 'rtmp'),
  edgeViewers: Number(opt('edge-viewers', 'CL_EDGE_VIEWERS', 10)),
  edgeSeconds: Number(opt('edge-seconds', 'CL_EDGE_SECONDS', 20)),
};
for (const sc of OPT.scenarios) if (!SCENARIOS.includes(sc)) throw new Error(`unknown scenario ${sc} (${SCENARIOS.join(', ')})`);
if (OPT.failoverSessions % OPT.failoverRooms) throw new Error('--failover-sessions must be a multiple of --failover-rooms');
if (!['rtmp', 'flv'].includes(OPT.relayProto)) throw new Error('--relay-proto: rtmp or flv');
const OUT = opt('out', 'CL_OUT', join(ROOT, 'bench', 'out'));
const APP = { id: 'clbench0123456789abcdef0', key: 'clbench-app-key-not-secret' };
const ADMIN_KEY = 'clbench-admin';
const SECRET = 'clbench-cluster-secret-0123456789';
const IDS = ['n1', 'n2', 'n3'];
// Extra `minirtc serve` arguments for every node (a variant, e.g. "--merge-window-ms 0").
const NODE_ARGS = env('CL_NODE_ARGS', '').split(/\s+/).filter(Boolean);
// CL_LOGS: a directory the nodes' logs (at level info) are written to when a part ends.
const LOGS = env('CL_LOGS', '');
const GENERATOR_LIMIT = 85;  // % of one core: above it the figures may be the load generator's

/** The machine's CPU counters: {busy, total} jiffies of all CPUs. */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
const dist = (v) => (v.length ? { n: v.length, p50: r2(pct(v, 50)), p90: r2(pct(v, 90)), p99: r2(pct(v, 99)), max: r2(Math.max(...v)), min: r2(Math.min(...v)) }
  : { n: 0 });
const shuffle = (a) => { for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; } return a; };

/** CPU (this process, the nodes, Redis, the machine) over a window: start() then stop(). */
function cpuWindow(pids) {
  const t0 = now();
  const self0 = process.cpuUsage();
  const m0 = machineCpu();
  const p0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  return () => {
    const s = (now() - t0) / 1000;
    const self = process.cpuUsage(self0);
    const m1 = machineCpu();
    loop.disable();
    const out = {
      window_s: r2(s),
      generator_cpu_percent: r1(((self.user + self.system) / 1e6 / s) * 100),
      generator_loop_delay_ms: { p50: r2(loop.percentile(50) / 1e6), p99: r2(loop.percentile(99) / 1e6), max: r2(loop.max / 1e6) },
      machine_cpu_percent_of_2: r1(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100),
      cpu_percent: {},
    };
    for (const [k, pid] of Object.entries(pids)) {
      try { out.cpu_percent[k] = r1(((cpuSeconds(pid) - p0[k]) / s) * 100); } catch { out.cpu_percent[k] = null; }
    }
    return out;
  };
}

// ---------------------------------------------------------------- the cluster
/** Redis and nodes `ids` (started in order), each a real `minirtc serve --redis`. */
async function startCluster(ids, { cluster = {} } = {}) {
  const redis = await startRedis();
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-clbench-'));
  const toml = (o) => Object.entries(o).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n');
  // All clients come from 127.0.0.1 (as behind a proxy): the per-address limit on
  // unauthenticated connections (64) would count the load generator, not a stranger.
  writeFileSync(join(dir, 'cluster.toml'), `[cluster]\n${toml({ secret: SECRET, ...cluster })}\n\n[limits]\nunauthenticated_per_ip = 0\n`);
  const c = {
    redis, dir, nodes: {},
    async start(id) {
      const n = await startClusterNode({ id, redisUrl: redis.url, dir, app: `${APP.id}:${APP.key}`, adminKey: ADMIN_KEY, logLevel: LOGS ? 'info' : 'warn',
        extra: NODE_ARGS });
      n.ws = `ws://${n.http}/${id}/v1/signal`;
      c.nodes[id] = n;
      return n;
    },
    /** Waits until every running node's /v1/admin/nodes lists `count` nodes. */
    async settle(count) {
      await waitUntil(async () => {
        for (const n of Object.values(c.nodes)) {
          if (n.proc.exitCode !== null || n.proc.signalCode !== null) continue;
          const list = await adminNodes(n).catch(() => []);
          if (list.length !== count) return false;
        }
        return true;
      }, 15000, `${count} nodes registered`, 200);
    },
    pids() {
      const p = { redis: redisPid(redis) };
      for (const [id, n] of Object.entries(c.nodes)) if (n.proc.exitCode === null && n.proc.signalCode === null) p[id] = n.proc.pid;
      return p;
    },
    async stop() {
      for (const n of Object.values(c.nodes)) await n.stop('SIGKILL');
      if (LOGS) {
        mkdirSync(LOGS, { recursive: true });
        for (const [id, n] of Object.entries(c.nodes)) writeFileSync(join(LOGS, `${id}.log`), n.logs());
      }
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const id of ids) await c.start(id);
  await c.settle(ids.length);
  return c;
}
function redisPid(redis) {
  const out = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), 'INFO', 'server']).toString();
  return Number(out.match(/process_id:(\d+)/)[1]);
}
async function adminNodes(node) {
  const res = await fetch(`${node.base}/v1/admin/nodes`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  if (res.status !== 200) throw new Error(`admin/nodes: ${res.status}`);
  return (await res.json()).nodes;
}
async function metric(node, name) {
  const text = await (await fetch(`${node.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : NaN;
}
/** The node a signalling URL points at (its path prefix). */
const nodeOf = (url) => (url.match(/\/(n\d)\/v1\/signal/) ?? [])[1] ?? '?';

// ---------------------------------------------------------------- signalling client
/** One signalling socket: call() resolves with the whole reply (result or error), null when the
 *  socket closed first or no reply came in time. */
class Sig {
  static open(url, timeoutMs) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const timer = setTimeout(() => { ws.terminate(); reject(new Error(`${url}: not open in ${timeoutMs} ms`)); }, timeoutMs);
      ws.once('open', () => { clearTimeout(timer); resolve(new Sig(ws, url)); });
      ws.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }
  constructor(ws, url) {
    this.ws = ws; this.url = url; this.nextId = 1; this.pending = new Map(); this.onClose = null;
    this.notifications = 0;
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      if (msg.id === undefined) { this.notifications++; return; }
      const done = this.pending.get(msg.id);
      if (done) { this.pending.delete(msg.id); done(msg); }
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      this.closeCode = code;
      for (const done of this.pending.values()) done(null);
      this.pending.clear();
      if (this.onClose) this.onClose(code);
    });
  }
  call(method, params, timeoutMs = 3000) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.pending.delete(id); resolve(null); }, timeoutMs);
      this.pending.set(id, (msg) => { clearTimeout(timer); resolve(msg); });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }
  close() { this.onClose = null; this.ws.close(); }
  terminate() { this.onClose = null; this.ws.terminate(); }
}
const redirectOf = (reply) => {
  const d = reply?.error?.data;
  return reply?.error?.code === 300008 && d && typeof d.redirect === 'string' && /^wss?:\/\//.test(d.redirect) ? d.redirect : null;
};
const MAX_REDIRECTS = 3;
const joinParams = (roomId, userId, visible) => ({
  appId: APP.id, roomId, userId, visible,
  token: makeToken({ appId: APP.id, appKey: APP.key, roomId, userId, publish: true, subscribe: true }),
});

/** A join as the SDK makes it: socket to `url`, join, redirects followed (at most 3).
 *  → {sig, result, hops, fromOpenMs, fromConnectMs}; throws on a refusal. */
async function joinVia(url, params) {
  const t0 = now();
  let tOpen;
  for (let hops = 0; ; hops++) {
    const sig = await Sig.open(url, 10000);
    if (tOpen === undefined) tOpen = now();
    const reply = await sig.call('join', params, 10000);
    if (reply?.result) {
      const t = now();
      return { sig, result: reply.result, hops, fromOpenMs: t - tOpen, fromConnectMs: t - t0 };
    }
    const redirect = redirectOf(reply);
    sig.close();
    if (!redirect || hops >= MAX_REDIRECTS) throw new Error(`join ${params.roomId}/${params.userId} at ${url}: ${JSON.stringify(reply?.error ?? `no reply (socket closed ${sig.closeCode})`)}`);
    url = redirect;
  }
}

// ---------------------------------------------------------------- part 1: joins across nodes
async function joinRun({ sessions, rooms, concurrency, rate }) {
  const c = await startCluster(IDS);
  try {
    const order = shuffle(Array.from({ length: sessions }, (_, i) => i));
    // Member k of a room: visible for k < 8 (room.max_visible_users), invisible after.
    const params = order.map((i) => { const k = Math.floor(i / rooms); return joinParams(`room-${i % rooms}`, `u${k}`, k < 8); });
    const urls = IDS.map((id) => c.nodes[id].ws);
    const pids = c.pids();
    const rss0 = Object.fromEntries(IDS.map((id) => [id, rssKb(pids[id])]));
    const done = new Array(sessions);
    const errors = [];
    const stop = cpuWindow(pids);
    const t0 = now();
    const interval = 1000 / rate;
    await pool(sessions, concurrency, async (j) => {
      const due = t0 + j * interval;
      if (now() < due) await sleep(due - now());
      const first = urls[Math.floor(Math.random() * urls.length)];
      try {
        const r = await joinVia(first, params[j]);
        done[j] = { ...r, first: nodeOf(first), node: nodeOf(r.sig.url), room: params[j].roomId };
      } catch (e) { errors.push(String(e.message ?? e)); }
    });
    const elapsed = (now() - t0) / 1000;
    const win = stop();
    const ok = done.filter(Boolean);
    // Every session stays open: the nodes' records (refreshed every second) count them.
    await sleep(2500);
    const rss1 = Object.fromEntries(IDS.map((id) => [id, rssKb(pids[id])]));
    const list = await adminNodes(c.nodes.n1);
    const roomsAt = new Map();  // room → set of nodes its members ended on
    for (const d of ok) { if (!roomsAt.has(d.room)) roomsAt.set(d.room, new Set()); roomsAt.get(d.room).add(d.node); }
    const byNode = Object.fromEntries(IDS.map((id) => [id, { sessions_client_side: ok.filter((d) => d.node === id).length,
      rooms_client_side: [...roomsAt.values()].filter((s) => s.has(id)).length }]));
    for (const n of list) Object.assign(byNode[n.id] ?? (byNode[n.id] = {}), { admin: n });
    for (const id of IDS) Object.assign(byNode[id], { rss_kb_before: rss0[id], rss_kb_after: rss1[id], rss_growth_kb: rss1[id] - rss0[id] });
    const direct = ok.filter((d) => d.hops === 0);
    const redirected = ok.filter((d) => d.hops > 0);
    const result = {
      sessions, rooms, concurrency, rate_per_s: rate,
      joined: ok.length, failed: errors.length, first_errors: errors.slice(0, 5),
      duration_s: r2(elapsed), joins_per_s: Math.round(ok.length / elapsed),
      redirected_share: r2(redirected.length / ok.length), hops: Object.fromEntries([0, 1, 2, 3].map((h) => [h, ok.filter((d) => d.hops === h).length])),
      join_ms_from_open: dist(ok.map((d) => d.fromOpenMs)),
      join_ms_from_connect: dist(ok.map((d) => d.fromConnectMs)),
      join_ms_from_open_direct: dist(direct.map((d) => d.fromOpenMs)),
      join_ms_from_open_redirected: dist(redirected.map((d) => d.fromOpenMs)),
      rooms_on_more_than_one_node: [...roomsAt.values()].filter((s) => s.size > 1).length,
      notifications_received: ok.reduce((a, d) => a + d.sig.notifications, 0),
      by_node: byNode,
      ...win,
    };
    result.valid = result.generator_cpu_percent < GENERATOR_LIMIT;
    for (const d of ok) d.sig.terminate();
    return result;
  } finally {
    await c.stop();
  }
}

async function partJoins() {
  let concurrency = num('CL_CONCURRENCY', 32);
  let rate = num('CL_RATE', 300);
  const runs = [];
  for (let t = 0; t < num('CL_JOIN_TRIES', 3); t++) {
    const r = await joinRun({ sessions: num('CL_SESSIONS', 5000), rooms: num('CL_ROOMS', 500), concurrency, rate });
    console.error(`joins (concurrency ${concurrency}, ≤ ${rate}/s): ${r.joined} joined, ${r.failed} failed, p50/p99 ${r.join_ms_from_open.p50}/${r.join_ms_from_open.p99} ms, ` +
      `generator ${r.generator_cpu_percent}% of a core${r.valid ? '' : ' (void: reduced and run again)'}`);
    runs.push(r);
    if (r.valid) break;
    concurrency = Math.max(1, Math.floor(concurrency / 2));
    rate = Math.max(1, Math.floor(rate / 2));
  }
  return { runs, result: runs.find((r) => r.valid) ?? null };
}

// ---------------------------------------------------------------- part 2: failover
/** A signalling client that resumes as the SDK does (sdk/src/session.js _resume). */
class Member {
  constructor({ roomId, userId, visible, urls, servers }) {
    Object.assign(this, { roomId, userId, visible, servers });
    this.urls = urls.slice();  // signalling URLs, the joined node first
    this.attempts = 0; this.redirects = 0; this.openFailures = 0; this.configAsks = 0;
    this.lostAt = null; this.resumedAt = null; this.failed = null; this.node = null; this.closeCode = null;
  }
  async join() {
    const r = await joinVia(this.urls[0], joinParams(this.roomId, this.userId, this.visible));
    this.sessionToken = r.result.sessionToken;
    this.resumeWindow = r.result.resumeWindow;
    this.attach(r.sig);
  }
  attach(sig) {
    this.sig = sig;
    this.node = nodeOf(sig.url);
    sig.onClose = (code) => { this.closeCode = code; this.stopPing(); this.resume(); };
    this.stopPing();
    this.pinger = setInterval(() => sig.call('ping', {}, 3000), 10000);
  }
  stopPing() { if (this.pinger) clearInterval(this.pinger); this.pinger = null; }
  /** Opens the first URL that opens (2 s each); a URL that fails goes last. */
  async connect() {
    for (const url of this.urls.slice()) {
      try {
        const sig = await Sig.open(url, 2000);
        this.failedUrls = this.failedUrls.filter((u) => u !== url);
        return sig;
      } catch {
        this.openFailures++;
        this.failedUrls = this.failedUrls.filter((u) => u !== url).concat(url);
        this.urls = this.urls.filter((u) => u !== url).concat(url);
      }
    }
    throw new Error('no signalling URL opened');
  }
  /** → 'ok' | 'refused' | 'retry' */
  async attempt() {
    this.attempts++;
    const params = { sessionToken: this.sessionToken, appId: APP.id, roomId: this.roomId, userId: this.userId };
    for (let hops = 0; ; hops++) {
      let sig;
      try { sig = await this.connect(); } catch { return 'retry'; }
      const reply = await sig.call('resume', params, 3000);
      if (reply?.result) {
        this.resumedAt = now();
        this.resumeResult = reply.result;
        if (reply.result.sessionToken) this.sessionToken = reply.result.sessionToken;
        this.attach(sig);
        this.onResumed?.();
        return 'ok';
      }
      sig.close();
      if (!reply) return 'retry';
      const redirect = redirectOf(reply);
      if (!redirect) { this.failed = JSON.stringify(reply.error); return 'refused'; }
      this.redirects++;
      if (hops >= MAX_REDIRECTS) return 'retry';
      this.urls = [redirect].concat(this.urls.filter((u) => u !== redirect));
    }
  }
  async refreshConfig() {
    this.configAsks++;
    for (const base of this.servers) {
      try {
        const res = await fetch(`${base}/v1/config?appId=${APP.id}`, { signal: AbortSignal.timeout(2000) });
        if (res.status !== 200) continue;
        const fresh = (await res.json()).signalUrls;
        if (!Array.isArray(fresh) || !fresh.length) continue;
        this.urls = fresh.filter((u) => !this.failedUrls.includes(u)).concat(this.failedUrls.filter((u) => fresh.includes(u)));
        return;
      } catch { /* next server */ }
    }
  }
  async resume() {
    this.lostAt = now();
    this.resumedAt = null;
    this.failedUrls = [];
    const deadline = this.lostAt + this.resumeWindow;
    let delay = 100;
    this.resuming = (async () => {
      while (now() < deadline) {
        const failuresBefore = this.openFailures;
        const r = await this.attempt();
        if (r !== 'retry') return;
        const paused = now();
        if (this.openFailures > failuresBefore) await this.refreshConfig();
        const wait = Math.min(delay - (now() - paused), deadline - now());
        delay = Math.min(delay * 2, 1000);
        if (wait > 0) await sleep(wait);
      }
      this.failed = this.failed ?? 'resume window passed';
    })();
  }
  close() { this.stopPing(); this.sig?.close(); }
}

/** Media in the first `mediaRooms` rooms, before the signal: member u0 publishes (ffmpeg `-re -c
 *  copy` to its push URL) and up to 3 other members play it over HTTP-FLV (their subscribe's
 *  URL). After the signal each does what the app does on UPDATE_URL: the publisher pushes to the
 *  push URL of its resume reply, each viewer plays its subscription's new URL (again after 200 ms
 *  while the new node refuses it). → {pubs, subs, arm(t0), stop()} */
async function failoverMedia(members, rooms, mediaRooms) {
  const src = sourceFile(90);
  const perRoom = Math.floor(members.length / rooms);
  const procs = [];
  const push = (url) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-i', src, '-c', 'copy', '-f', 'flv', url],
      { stdio: ['ignore', 'ignore', 'ignore'] });
    procs.push(p);
    return p;
  };
  const pubs = [];
  const subs = [];
  for (let r = 0; r < Math.min(mediaRooms, rooms); r++) {
    const pub = members[r];
    const reply = await pub.sig.call('publish', {}, 5000);
    if (!reply?.result?.url) throw new Error(`publish: ${JSON.stringify(reply)}`);
    pubs.push({ member: pub, proc: push(reply.result.url), pushedAgainAt: null });
    for (let k = 1; k <= Math.min(3, perRoom - 1); k++) {
      const sub = members[r + k * rooms];
      let url = null;
      await waitUntil(async () => {
        url = (await sub.sig.call('subscribe', { userId: pub.userId, format: 'flv' }, 3000))?.result?.url ?? null;
        return url !== null;
      }, 15000, `${sub.userId} subscribed to ${pub.roomId}/${pub.userId}`, 200);
      const viewer = flvViewer(url);
      await firstFrame(viewer);
      subs.push({ member: sub, publisher: pub.userId, viewer, next: null, playingAt: null, tries: 0 });
    }
  }
  const play = (s, url) => {
    if (s.playingAt !== null || s.stopped) return;
    s.tries++;
    s.next?.close();
    const v = flvViewer(url);
    s.next = v;
    const check = setInterval(() => {
      if (v.firstFrameMs !== null) { clearInterval(check); s.playingAt = v.startedAt + v.firstFrameMs; return; }
      if (v.error || (v.status !== null && v.status !== 200)) { clearInterval(check); setTimeout(() => play(s, url), 200); }
    }, 5);
    s.timers = [...(s.timers ?? []), check];
  };
  return {
    pubs, subs,
    /** From the signal on: each resume switches to the URLs of its reply. */
    arm() {
      for (const p of pubs) {
        p.member.onResumed = () => {
          const url = p.member.resumeResult?.publications?.[0]?.url;
          if (!url) return;
          if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
          p.proc = push(url);
          p.pushedAgainAt = now();
        };
      }
      for (const s of subs) {
        s.member.onResumed = () => {
          const url = s.member.resumeResult?.subscriptions?.find((x) => x.userId === s.publisher)?.url;
          if (url) { s.viewer.close(); play(s, url); }
        };
      }
    },
    stop() {
      for (const s of subs) { s.stopped = true; for (const t of s.timers ?? []) clearInterval(t); s.viewer.close(); s.next?.close(); }
      for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    },
  };
}

async function failoverCase(signal, { sessions, rooms, mediaRooms = OPT.failoverMediaRooms }) {
  // Only n1 runs while the clients join: every room is pinned there.
  const c = await startCluster(['n1']);
  const members = [];
  let media = null;
  try {
    const servers = () => IDS.filter((id) => c.nodes[id]).map((id) => c.nodes[id].base);
    for (let i = 0; i < sessions; i++) {
      const k = Math.floor(i / rooms);
      members.push(new Member({ roomId: `fo-${i % rooms}`, userId: `u${k}`, visible: k < 8, urls: [c.nodes.n1.ws], servers: [] }));
    }
    const tJoin = now();
    await pool(sessions, 16, async (i) => { await members[i].join(); });
    const joinS = (now() - tJoin) / 1000;
    media = mediaRooms > 0 ? await failoverMedia(members, rooms, mediaRooms) : null;
    await c.start('n2');
    await c.start('n3');
    await c.settle(3);
    // The app lists every node (the joined one first, as the SDK keeps it after its join).
    for (const m of members) {
      m.urls = IDS.map((id) => c.nodes[id].ws);
      m.servers = servers();
    }
    // Every member's session record is in Redis (the node writes them at its next tick).
    await waitUntil(async () => {
      for (let r = 0; r < rooms; r++) {
        const n = Number(await c.redis.cli('HLEN', `minirtc:room:{${APP.id}/fo-${r}}:sessions`));
        if (n !== sessions / rooms) return false;
      }
      return true;
    }, 15000, 'every session record in Redis', 200);
    const before = await adminNodes(c.nodes.n2);
    const victim = c.nodes.n1;
    const pids = c.pids();
    delete pids.n1;
    const stop = cpuWindow(pids);
    media?.arm();
    const t0 = now();
    const stopped = victim.stop(signal);
    const exitedAt = stopped.then(() => now() - t0);
    const timeoutMs = num('CL_FO_TIMEOUT_S', 30) * 1000;
    await waitUntil(() => members.every((m) => m.resumedAt !== null && m.resumedAt > t0 && m.node !== 'n1' || m.failed), timeoutMs,
      'every client resumed or failed', 50).catch(() => {});
    if (media) {
      await waitUntil(() => media.subs.every((s) => s.playingAt !== null), Math.max(1000, t0 + timeoutMs - now()),
        'every viewer playing again', 20).catch(() => {});
    }
    const win = stop();
    const exitMs = await Promise.race([exitedAt, sleep(15000).then(() => null)]);
    const ok = members.filter((m) => m.resumedAt !== null && m.resumedAt > t0 && m.node !== 'n1');
    const roomsAt = new Map();
    for (const m of ok) { if (!roomsAt.has(m.roomId)) roomsAt.set(m.roomId, new Set()); roomsAt.get(m.roomId).add(m.node); }
    await sleep(1500);  // the nodes' records catch up
    const after = await adminNodes(c.nodes.n2);
    const ms = ok.map((m) => m.resumedAt - t0);
    const result = {
      signal, sessions, rooms, join_s: r2(joinS),
      resumed: ok.length, failed: sessions - ok.length,
      failures: [...new Set(members.filter((m) => !ok.includes(m)).map((m) => m.failed ?? 'not resumed in time'))].slice(0, 5),
      ms_from_signal_to_resume: dist(ms),
      ms_from_socket_loss_to_resume: dist(ok.map((m) => m.resumedAt - m.lostAt)),
      socket_lost_ms_after_signal: dist(ok.map((m) => m.lostAt - t0)),
      close_codes: Object.fromEntries([...new Set(ok.map((m) => m.closeCode))].map((code) => [code, ok.filter((m) => m.closeCode === code).length])),
      attempts: dist(ok.map((m) => m.attempts)),
      redirects: dist(ok.map((m) => m.redirects)),
      open_failures: dist(ok.map((m) => m.openFailures)),
      config_asks: dist(ok.map((m) => m.configAsks)),
      victim_exit_ms_after_signal: exitMs === null ? null : r1(exitMs),
      rooms_now_on: Object.fromEntries(IDS.filter((id) => id !== 'n1').map((id) => [id, [...roomsAt.values()].filter((s) => s.has(id)).length])),
      sessions_now_on: Object.fromEntries(IDS.filter((id) => id !== 'n1').map((id) => [id, ok.filter((m) => m.node === id).length])),
      rooms_on_more_than_one_node: [...roomsAt.values()].filter((s) => s.size > 1).length,
      admin_nodes_before: before, admin_nodes_after: after,
      ...win,
    };
    if (media) {
      const playing = media.subs.filter((s) => s.playingAt !== null);
      result.media = {
        rooms: media.pubs.length, publishers: media.pubs.length, viewers: media.subs.length,
        playing_again: playing.length, not_playing: media.subs.length - playing.length,
        // The signal → the viewer's first video frame from its new URL (every viewer: the max).
        ms_from_signal_to_playing: dist(playing.map((s) => s.playingAt - t0)),
        ms_from_signal_to_push_again: dist(media.pubs.filter((p) => p.pushedAgainAt !== null).map((p) => p.pushedAgainAt - t0)),
        play_tries: dist(playing.map((s) => s.tries)),
      };
      console.error(`  media: ${playing.length}/${media.subs.length} viewers playing again; signal → first frame p50/max ${result.media.ms_from_signal_to_playing.p50}/${result.media.ms_from_signal_to_playing.max} ms`);
    }
    console.error(`failover ${signal}: ${ok.length}/${sessions} resumed; signal → resume p50/p99/max ${result.ms_from_signal_to_resume.p50}/${result.ms_from_signal_to_resume.p99}/${result.ms_from_signal_to_resume.max} ms; generator ${win.generator_cpu_percent}%`);
    return { result, ms, playing: media ? media.subs.filter((s) => s.playingAt !== null).map((s) => s.playingAt - t0) : [] };
  } finally {
    media?.stop();
    for (const m of members) m.close();
    await c.stop();
  }
}

/** kill -9 of n1, OPT.failoverRuns times, each on a fresh Redis and fresh nodes: every run's
 *  figures, all sessions pooled, and the spread of the runs. */
async function partFailover() {
  const size = { sessions: OPT.failoverSessions, rooms: OPT.failoverRooms };
  const runs = [];
  const all = [];
  const allPlaying = [];
  const t0 = now();
  for (let i = 0; i < OPT.failoverRuns; i++) {
    console.error(`failover run ${i + 1}/${OPT.failoverRuns}`);
    const { result, ms, playing } = await failoverCase('SIGKILL', size);
    allPlaying.push(...playing);
    delete result.admin_nodes_before;  // one run's records are in the drain part; here they repeat
    delete result.admin_nodes_after;
    runs.push(result);
    all.push(...ms);
  }
  const of = (f) => runs.map(f).filter((x) => Number.isFinite(x));
  const range = (v) => (v.length ? [r2(Math.min(...v)), r2(Math.max(...v))] : null);
  return {
    runs: runs.length, sessions_per_run: size.sessions, rooms_per_run: size.rooms, duration_s: r1((now() - t0) / 1000),
    resumed: runs.reduce((a, r) => a + r.resumed, 0), failed: runs.reduce((a, r) => a + r.failed, 0),
    // Per session, every run pooled: kill → that client's resume result.
    all_sessions_ms: dist(all),
    // Per run: kill → the last client's resume result (every client back), and the runs' p50/p99.
    every_client_back_ms: dist(of((r) => r.ms_from_signal_to_resume.max)),
    run_p50_range_ms: range(of((r) => r.ms_from_signal_to_resume.p50)),
    run_p99_range_ms: range(of((r) => r.ms_from_signal_to_resume.p99)),
    // Media (OPT.failoverMediaRooms rooms of each run): kill → each viewer's first frame again.
    media_viewers_per_run: runs[0]?.media?.viewers ?? 0,
    media_not_playing: runs.reduce((a, r) => a + (r.media?.not_playing ?? 0), 0),
    all_viewers_playing_ms: dist(allPlaying),
    every_viewer_playing_ms: dist(of((r) => (r.media?.not_playing === 0 ? r.media.ms_from_signal_to_playing.max : NaN))),
    per_run: runs,
  };
}

/** SIGTERM (drain) of n1, once. */
async function partDrain() {
  return (await failoverCase('SIGTERM', { sessions: OPT.failoverSessions, rooms: OPT.failoverRooms })).result;
}

// ---------------------------------------------------------------- part 3: relay latency
/** A pre-encoded test file (so ffmpeg's encoder does not compete with the nodes): 640x360 25 fps
 *  H.264 baseline, 2 s GOP, ~500 kbit/s + AAC 64 kbit/s. */
function sourceFile(seconds) {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `clbench_source_${seconds}s.flv`);
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline',
      '-pix_fmt', 'yuv420p', '-g', '50', '-b:v', '500k', '-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '2',
      '-f', 'flv', file]);
  }
  return file;
}

/** An HTTP-FLV viewer (node:http, its own socket): video tags keyed by a hash of their body. */
function flvViewer(url) {
  const v = { url, startedAt: now(), startedAtIso: new Date().toISOString(), firstFrameMs: null, firstKeyframe: null, video: new Map(), tags: 0, status: null, error: null };
  let buf = Buffer.alloc(0);
  let header = false;
  const req = http.get(url, { agent: false }, (res) => {
    v.status = res.statusCode;
    if (res.statusCode !== 200) { res.resume(); return; }
    res.on('data', (chunk) => {
      const t = now();
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      if (!header) {
        if (buf.length < 13) return;
        buf = buf.subarray(buf.readUInt32BE(5) + 4);
        header = true;
      }
      while (buf.length >= 11) {
        const size = buf.readUIntBE(1, 3);
        if (buf.length < 15 + size) break;
        const type = buf[0];
        const ts = (buf.readUIntBE(4, 3) | (buf[7] << 24)) >>> 0;
        const body = buf.subarray(11, 11 + size);
        v.tags++;
        if (type === 9 && size >= 2 && body[1] !== 0) {  // a video frame, not a sequence header
          if (v.firstFrameMs === null) { v.firstFrameMs = t - v.startedAt; v.firstKeyframe = (body[0] >> 4) === 1; }
          const key = createHash('sha1').update(body).digest('base64');
          if (!v.video.has(key)) v.video.set(key, { t, ts });
        }
        buf = buf.subarray(15 + size);
      }
    });
    res.on('error', (e) => { v.error = e; });
  });
  req.on('error', (e) => { v.error = e; });
  v.close = () => req.destroy();
  return v;
}
async function firstFrame(v, timeoutMs = 20000) {
  await waitUntil(() => v.firstFrameMs !== null || v.error || (v.status !== null && v.status !== 200), timeoutMs, `first frame at ${v.url}`, 5);
  if (v.firstFrameMs === null) throw new Error(`viewer ${v.url}: ${v.status} ${v.error ?? ''}`);
  return v.firstFrameMs;
}

async function partEdge() {
  const viewersN = OPT.edgeViewers;
  const seconds = OPT.edgeSeconds;
  const coldRounds = num('CL_COLD_ROUNDS', 3);
  const src = sourceFile(seconds + 30 + coldRounds * 20);
  const c = await startCluster(IDS);
  let pusher;
  const viewers = [];
  try {
    const entry = c.nodes[IDS[Math.floor(Math.random() * IDS.length)]].ws;
    const pub = await joinVia(entry, joinParams('relay', 'pub', true));
    const origin = nodeOf(pub.sig.url);
    const edges = IDS.filter((id) => id !== origin);
    const push = await pub.sig.call('publish', {}, 5000);
    if (!push?.result?.url) throw new Error(`publish: ${JSON.stringify(push)}`);
    pusher = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-i', src, '-c', 'copy', '-f', 'flv', push.result.url],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let pushErr = '';
    pusher.stderr.on('data', (d) => { pushErr += d; });
    const pingTimer = setInterval(() => pub.sig.call('ping', {}, 3000), 10000);
    const bin = binaryPath();
    let viewerSeq = 0;
    const playUrl = (id) => signedUrl(bin, { action: 'play', appId: APP.id, appKey: APP.key, room: 'relay', user: 'pub',
      viewer: `v${viewerSeq++}`, format: 'flv', ttl: 900, httpBase: c.nodes[id].base });
    const start = async (id) => { const v = flvViewer(await playUrl(id)); v.node = id; viewers.push(v); return v; };

    // The origin: a first viewer waits for the stream to go live (its first frame includes
    // ffmpeg's start: not a sample), then the viewers measured, from its GOP cache.
    const o0 = await start(origin);
    await firstFrame(o0).catch((e) => { throw new Error(`${e.message}; ffmpeg: ${pushErr}`); });
    const originFirst = [];
    const originViewers = [o0];
    for (let i = 1; i < viewersN; i++) { const v = await start(origin); originFirst.push(r1(await firstFrame(v))); originViewers.push(v); }
    // The edge: the first viewer opens the upstream (cold), the others find it open (warm).
    const e = edges[0];
    const cold = [];
    const warm = [];
    const edgeViewers = [];
    const ev0 = await start(e);
    cold.push({ edge: e, round: 0, at: ev0.startedAtIso, ms: r1(await firstFrame(ev0)), keyframe: ev0.firstKeyframe });
    edgeViewers.push(ev0);
    for (let i = 1; i < viewersN; i++) { const v = await start(e); warm.push({ edge: e, round: 0, ms: r1(await firstFrame(v)), keyframe: v.firstKeyframe }); edgeViewers.push(v); }

    // The window: every viewer plays; tags that arrive from now on are live (not a GOP burst).
    await sleep(2000);
    const pids = c.pids();
    const stop = cpuWindow(pids);
    const tw0 = now();
    await sleep(seconds * 1000);
    const tw1 = now();
    const win = stop();
    const upstreams = await metric(c.nodes[e], 'minirtc_relay_upstreams');
    const downstreams = await metric(c.nodes[origin], 'minirtc_relay_downstreams');
    // Per tag: the origin viewers' median arrival; the edge viewers' arrivals against it.
    const added = [];
    const noise = [];
    const tsShift = new Map();
    let tagsMatched = 0;
    let tagsMissingAtEdge = 0;
    for (const [key, o] of o0.video) {
      const ts = originViewers.map((v) => v.video.get(key)?.t).filter((t) => t !== undefined);
      if (ts.length !== originViewers.length) continue;
      const ref = pct(ts, 50);
      if (ref < tw0 || ref > tw1) continue;
      tagsMatched++;
      for (const t of ts) noise.push(t - ref);
      for (const v of edgeViewers) {
        const a = v.video.get(key);
        if (!a) { tagsMissingAtEdge++; continue; }
        added.push(a.t - ref);
        const shift = a.ts - o.ts;
        tsShift.set(shift, (tsShift.get(shift) ?? 0) + 1);
      }
    }
    for (const v of edgeViewers) v.close();
    const edgeClosedAt = { [e]: now() };

    // Cold rounds on both edges: wait for the edge's upstream to close, then one viewer (cold)
    // and two more (warm); close them.
    for (let round = 1; round <= coldRounds; round++) {
      for (const id of edges) {
        await waitUntil(async () => (await metric(c.nodes[id], 'minirtc_relay_upstreams')) === 0, 20000, `${id}'s upstream closed`, 100);
        const vs = [await start(id)];
        cold.push({ edge: id, round, at: vs[0].startedAtIso, ms: r1(await firstFrame(vs[0])), keyframe: vs[0].firstKeyframe,
          upstream_idle_s: edgeClosedAt[id] ? r1((now() - edgeClosedAt[id]) / 1000) : null });
        for (let i = 0; i < 2; i++) { const v = await start(id); vs.push(v); warm.push({ edge: id, round, ms: r1(await firstFrame(v)), keyframe: v.firstKeyframe }); }
        for (const v of vs) v.close();
        edgeClosedAt[id] = now();
      }
    }
    clearInterval(pingTimer);
    pub.sig.terminate();
    const result = {
      origin, edge: e, viewers_per_node: viewersN, window_s: seconds,
      source: src.replace(`${ROOT}/`, ''),
      video_tags_matched: tagsMatched, edge_tag_arrivals: added.length, tags_missing_at_edge: tagsMissingAtEdge,
      edge_added_latency_ms: dist(added),
      origin_viewers_vs_their_median_ms: dist(noise),
      edge_timestamp_shift_ms: Object.fromEntries([...tsShift.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5)),
      first_frame_ms_origin: dist(originFirst),
      first_frame_ms_edge_cold: dist(cold.map((x) => x.ms)),
      first_frame_ms_edge_warm: dist(warm.map((x) => x.ms)),
      cold, warm,
      first_frames_not_keyframe: [...cold, ...warm].filter((x) => !x.keyframe).length,
      relay_upstreams_at_edge: upstreams, relay_downstreams_at_origin: downstreams,
      ...win,
    };
    console.error(`edge: edge hop +${result.edge_added_latency_ms.p50}/${result.edge_added_latency_ms.p99} ms (p50/p99) over ${tagsMatched} tags; first frame cold ${result.first_frame_ms_edge_cold.p50} ms, warm ${result.first_frame_ms_edge_warm.p50} ms`);
    return result;
  } finally {
    for (const v of viewers) v.close();
    if (pusher && pusher.exitCode === null) pusher.kill('SIGKILL');
    await c.stop();
  }
}

// ---------------------------------------------------------------- part 5: relay under load
// The load generator (`minirtc bench --scenario fanout`, C++, kernel receive stamps) against
// three layouts, each on fresh processes, servers pinned to one core and the load generator to
// the other (as bench/run.sh): `single` (one node without a cluster, every viewer on it: the
// single-node figure), `relay` (the publisher on the origin, every viewer on the two edges) and
// `direct2` (the same cluster, 2 viewers playing from the origin: what 2 relay pulls should cost).
const LG_APP = `${APP.id}:${APP.key}`;
const SERVER_CPU = env('CL_SERVER_CPU', '0');
const BENCH_CPU = env('CL_BENCH_CPU', '1');

/** Pinning as bench/run.sh: possible with taskset and ≥ 2 CPUs. */
function canPin() {
  try { execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }); } catch { return false; }
  return Number(execFileSync('nproc').toString().trim()) >= 2;
}
let PIN = null;
/** Every thread of `pid` onto the servers' core. */
function pinServer(pid) {
  if (PIN) execFileSync('taskset', ['-a', '-pc', SERVER_CPU, String(pid)], { stdio: 'ignore' });
}

/** The fan-out publisher's media, the same file as bench/run.sh's (made once in bench/out/). */
function lgSourceFile() {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, 'source.flv');
  if (!existsSync(file)) {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      '-t', '60', '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0', '-pix_fmt', 'yuv420p',
      '-b:v', '436k', '-maxrate', '436k', '-bufsize', '872k', '-g', '50', '-keyint_min', '50', '-sc_threshold', '0',
      '-c:a', 'aac', '-b:a', '64k', '-ac', '1', '-f', 'flv', file]);
  }
  return file;
}

/** One `minirtc bench --scenario fanout` run (pinned to the load generator's core) → its JSON. */
function runLoadgen(label, args, { ramp = OPT.relayRamp } = {}) {
  const json = join(OUT, `relay_${label}.json`);
  rmSync(json, { force: true });
  const argv = [binaryPath(), 'bench', '--scenario', 'fanout', '--proto', OPT.relayProto, '--flv', lgSourceFile(),
    '--app', LG_APP, '--ramp', String(ramp), '--settle', '3', '--duration', String(OPT.relaySeconds), '--label', label,
    '--json', json, ...args];
  const cmd = PIN ? ['taskset', '-c', BENCH_CPU, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const p = spawn(cmd[0], cmd.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('exit', (code) => {
      if (code !== 0 || !existsSync(json)) { reject(new Error(`minirtc bench (${label}) exited ${code}: ${out.slice(-2000)}`)); return; }
      resolve(JSON.parse(readFileSync(json, 'utf8')));
    });
  });
}

/** Polls `names` of each node's /metrics every second → stop() gives the samples taken from
 *  `fromS` seconds on (the load generator's window: its publisher's 2.5 s, the ramp, the settle). */
function pollMetrics(nodes, names, fromS) {
  const t0 = now();
  const samples = [];
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    const t = (now() - t0) / 1000;
    const row = { t: r1(t) };
    for (const [id, n] of Object.entries(nodes)) {
      let text = '';
      try { text = await (await fetch(`${n.base}/metrics`)).text(); } catch (e) { row.errors = [...(row.errors ?? []), `${id}: ${e.message}`]; }
      row[id] = Object.fromEntries(names.map((name) => {
        const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
        return [name, line ? Number(line.split(' ').pop()) : null];
      }));
    }
    if (t >= fromS) samples.push(row);
    busy = false;
  }, 1000);
  return () => { clearInterval(timer); return samples; };
}

/** What the report keeps of a load-generator run; void (with the reason) when its figures cannot
 *  be trusted: the load generator saturated, a viewer or the publisher failed, no latency sample. */
function lgSummary(j, viewers) {
  const pick = Object.fromEntries(Object.entries(j).filter(([k]) => /^(latency|cpu_|viewers|play_target|publisher|bench_cpu|delivered|server_cpu|window|first_frame_not|warnings)/.test(k)));
  const reasons = [];
  if (j.bench_cpu_percent >= GENERATOR_LIMIT) reasons.push(`load generator ${r1(j.bench_cpu_percent)}% of its core`);
  if (j.publishers_live !== 1 || j.publisher_failure_reasons) reasons.push(`publisher: ${j.publisher_failure_reasons ?? 'not live'}`);
  if (j.viewers_connected !== viewers || j.viewers_failed) reasons.push(`${j.viewers_failed} of ${viewers} viewers failed (${j.viewer_failure_reasons ?? 'not connected'})`);
  if (!j.latency_count) reasons.push('no latency sample');
  return { ...pick, void_reasons: reasons };
}

/** One layout of one round: 'single' | 'relay' | 'direct2'. */
async function relayCase(kind, round) {
  const viewers = kind === 'direct2' ? 2 : OPT.relayViewers;
  const label = `${kind}.r${round}`;
  if (kind === 'single') {
    const s = await startServer({ apps: [LG_APP], logLevel: 'warn', extraArgs: ['--max-unauthenticated-per-ip', '0', ...NODE_ARGS] });
    try {
      pinServer(s.proc.pid);
      const j = await runLoadgen(label, ['--rtmp', s.rtmp, '--http', s.http, '--viewers', String(viewers),
        '--server-pid', String(s.proc.pid), '--watch', `node=${s.proc.pid}`]);
      const out = { kind, viewers, ...lgSummary(j, viewers) };
      out.valid = out.void_reasons.length === 0;
      return out;
    } finally { await s.stop('SIGKILL'); }
  }
  const c = await startCluster(IDS);
  let sig;
  let pinger;
  try {
    for (const pid of Object.values(c.pids())) pinServer(pid);
    // A member holds the room on its node (the origin): the edges find the stream's origin in
    // the room directory, which lists rooms that have members.
    const room = `lg-${kind}-${round}-${Date.now().toString(36)}`;
    const j0 = await joinVia(c.nodes[IDS[round % IDS.length]].ws, joinParams(room, 'holder', true));
    sig = j0.sig;
    pinger = setInterval(() => sig.call('ping', {}, 3000), 10000);
    const origin = nodeOf(sig.url);
    const edges = IDS.filter((id) => id !== origin);
    await sleep(2500);  // written to the directory at the origin's next tick, read at the edges'
    const o = c.nodes[origin];
    const args = ['--rtmp', o.rtmp, '--http', o.http, '--room', room, '--viewers', String(viewers),
      '--watch', `origin=${o.proc.pid}`, ...edges.flatMap((id, k) => ['--watch', `edge${k + 1}=${c.nodes[id].proc.pid}`]),
      '--watch', `redis=${redisPid(c.redis)}`];
    if (kind === 'relay') {
      args.push('--play-rtmp', edges.map((id) => c.nodes[id].rtmp).join(','), '--play-http', edges.map((id) => c.nodes[id].http).join(','));
    }
    const ramp = kind === 'direct2' ? 1 : OPT.relayRamp;
    const names = ['minirtc_viewers', 'minirtc_relay_upstreams', 'minirtc_relay_downstreams', 'minirtc_relay_opens_total'];
    const stopPoll = pollMetrics(Object.fromEntries(IDS.map((id) => [id, c.nodes[id]])), names, 2.5 + ramp + 3 + 1);
    let j;
    let samples;
    try { j = await runLoadgen(label, args, { ramp }); } finally { samples = stopPoll(); }
    const opens = Object.fromEntries(await Promise.all(IDS.map(async (id) => [id, await metric(c.nodes[id], 'minirtc_relay_opens_total')])));
    const out = { kind, viewers, origin, edges, room, ...lgSummary(j, viewers) };
    // The node names of the load generator's targets (edge1/edge2 in its JSON: play_target0/1).
    out.edge_names = { edge1: edges[0], edge2: edges[1] };
    const seen = (id, name) => [...new Set(samples.map((s) => s[id]?.[name]))];
    out.window_metrics = {
      samples: samples.length,
      origin_relay_downstreams: seen(origin, 'minirtc_relay_downstreams'),
      origin_viewers: seen(origin, 'minirtc_viewers'),
      ...Object.fromEntries(edges.map((id, k) => [`edge${k + 1}`, { upstreams: seen(id, 'minirtc_relay_upstreams'), viewers: seen(id, 'minirtc_viewers') }])),
      relay_opens_total_after: opens,
      errors: [...new Set(samples.flatMap((s) => s.errors ?? []))].slice(0, 5),
    };
    if (kind === 'relay') {
      // Every viewer really pulls through the relay: exactly one upstream per edge through the
      // window, opened once, and two downstreams at the origin.
      const m = out.window_metrics;
      const one = (v) => v.length === 1 && v[0] === 1;
      if (!samples.length) out.void_reasons.push('no /metrics sample in the window');
      for (const [k, id] of edges.map((id, k) => [k, id])) {
        if (!one(m[`edge${k + 1}`].upstreams)) out.void_reasons.push(`${id}: relay upstreams ${JSON.stringify(m[`edge${k + 1}`].upstreams)} (want exactly 1)`);
        if (opens[id] !== 1) out.void_reasons.push(`${id}: ${opens[id]} relay opens (want 1)`);
      }
      if (!(m.origin_relay_downstreams.length === 1 && m.origin_relay_downstreams[0] === 2)) out.void_reasons.push(`origin: relay downstreams ${JSON.stringify(m.origin_relay_downstreams)} (want 2)`);
    }
    out.valid = out.void_reasons.length === 0;
    return out;
  } finally {
    clearInterval(pinger);
    sig?.terminate();
    await c.stop();
  }
}

/** OPT.relayRounds rounds of single, relay and direct2 (the order reversed every other round):
 *  per round the relay's added latency (relay − single, p50 and p99) and the origin's CPU
 *  against 2 direct viewers; then the median and range over the valid rounds. */
async function partRelay() {
  PIN = canPin();
  if (!PIN) console.error('relay: not pinned (taskset missing or < 2 CPUs)');
  lgSourceFile();
  const rounds = [];
  for (let round = 1; round <= OPT.relayRounds; round++) {
    const order = round % 2 ? ['single', 'relay', 'direct2'] : ['direct2', 'relay', 'single'];
    const x = { round, order };
    for (const kind of order) {
      console.error(`relay round ${round}: ${kind}`);
      try { x[kind] = await relayCase(kind, round); } catch (e) { x[kind] = { kind, valid: false, void_reasons: [String(e.message ?? e).slice(0, 500)] }; }
      const k = x[kind];
      console.error(`  ${kind}: latency p50/p99 ${k.latency_p50_ms}/${k.latency_p99_ms} ms, origin/node CPU ${k.cpu_percent_origin ?? k.cpu_percent_node}%, load generator ${r1(k.bench_cpu_percent)}%${k.valid ? '' : ` VOID: ${k.void_reasons.join('; ')}`}`);
    }
    const ok = x.single.valid && x.relay.valid;
    x.added_latency_p50_ms = ok ? r2(x.relay.latency_p50_ms - x.single.latency_p50_ms) : null;
    x.added_latency_p99_ms = ok ? r2(x.relay.latency_p99_ms - x.single.latency_p99_ms) : null;
    // The scheduler's nanosecond account (clock ticks of 10 ms are too coarse for the origin's
    // few hundredths of a second); utime+stime when the kernel has no schedstat.
    const originCpu = (k) => k.cpu_sched_seconds_origin ?? k.cpu_seconds_origin;
    x.origin_cpu_ratio = x.relay.valid && x.direct2.valid && originCpu(x.direct2) > 0
      ? r2(originCpu(x.relay) / originCpu(x.direct2)) : null;
    rounds.push(x);
  }
  const stat = (v) => {
    const f = v.filter((y) => y !== null && Number.isFinite(y));
    return f.length ? { n: f.length, median: r2(median(f)), min: r2(Math.min(...f)), max: r2(Math.max(...f)) } : { n: 0 };
  };
  return {
    viewers: OPT.relayViewers, rounds_asked: OPT.relayRounds, window_s: OPT.relaySeconds, ramp_s: OPT.relayRamp,
    viewer_protocol: OPT.relayProto, pinned: PIN ? { servers_cpu: SERVER_CPU, load_generator_cpu: BENCH_CPU } : null,
    added_latency_p99_ms: stat(rounds.map((x) => x.added_latency_p99_ms)),
    added_latency_p50_ms: stat(rounds.map((x) => x.added_latency_p50_ms)),
    origin_cpu_ratio: stat(rounds.map((x) => x.origin_cpu_ratio)),
    rounds,
  };
}

// ---------------------------------------------------------------- report
function machine() {
  let redisVersion = '';
  try { redisVersion = execFileSync('redis-server', ['--version']).toString().trim(); } catch { /* none */ }
  const git = (...a) => { try { return execFileSync('git', ['-C', ROOT, ...a]).toString().trim(); } catch { return '?'; } };
  const dirty = git('status', '--porcelain', '--untracked-files=no');
  const vars = Object.entries(process.env).filter(([k]) => k.startsWith('CL_')).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return measureMachine({
    redis: redisVersion, node_args: NODE_ARGS,
    command: [...vars, `node bench/cluster.mjs`, ...process.argv.slice(2)].join(' '),
    options: OPT,
    commit: `${git('rev-parse', '--short', 'HEAD')}${dirty && dirty !== '?' ? ' (with uncommitted changes)' : ''}`,
    binary: binaryPath(),
  });
}

function markdown(r) {
  const L = [];
  const d = (x) => (x && x.n ? `${x.p50} / ${x.p90} / ${x.p99} / ${x.max}` : '-');
  const cpu = (w) => Object.entries(w.cpu_percent).map(([k, v]) => `${k} ${v}%`).join(', ');
  L.push(`# Cluster bench (${r.machine.date_utc})`, '');
  L.push(`Machine: ${r.machine.nproc} CPUs (${(r.machine.lscpu.match(/Model name:\s*(.*)/) ?? [])[1] ?? '?'}); load at start \`${r.machine.uptime_start}\`, at end \`${r.machine.uptime_end}\`. Total ${r.total_s} s.`, '');
  L.push(`Command: \`MINIRTC_BIN=${r.machine.binary} ${r.machine.command}\`; commit ${r.machine.commit}; Node ${r.machine.node}; ${r.machine.redis}.`, '');
  if (r.joins) {
    L.push('**Joins across nodes** (3 nodes, one Redis, loopback; each client opens its socket to a random node and follows the redirect)', '');
    L.push('| run | sessions / rooms | in flight / opens per s | joined (failed) | duration | joins/s | redirected | join ms from open p50 / p90 / p99 / max | from connect | direct | redirected | generator CPU (loop delay p99) | machine CPU of 2 cores | valid |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    r.joins.runs.forEach((x, i) => {
      L.push(`| ${i + 1} | ${x.sessions} / ${x.rooms} | ${x.concurrency} / ${x.rate_per_s} | ${x.joined} (${x.failed}) | ${x.duration_s} s | ${x.joins_per_s} | ${Math.round(x.redirected_share * 100)}% | ${d(x.join_ms_from_open)} | ${d(x.join_ms_from_connect)} | ${d(x.join_ms_from_open_direct)} | ${d(x.join_ms_from_open_redirected)} | ${x.generator_cpu_percent}% (${x.generator_loop_delay_ms.p99} ms) | ${x.machine_cpu_percent_of_2}% | ${x.valid ? 'yes' : 'no'} |`);
    });
    L.push('');
    const x = r.joins.result;
    if (x) {
      L.push('| node | rooms (admin / clients) | sessions (admin / clients) | CPU during the joins | RSS before → after | record: cpuPercent, viewers |');
      L.push('|---|---|---|---|---|---|');
      for (const id of IDS) {
        const b = x.by_node[id];
        L.push(`| ${id} | ${b.admin?.rooms ?? '-'} / ${b.rooms_client_side} | ${b.admin?.sessions ?? '-'} / ${b.sessions_client_side} | ${x.cpu_percent[id]}% | ${b.rss_kb_before} → ${b.rss_kb_after} kB | ${r1(b.admin?.cpuPercent ?? NaN)}, ${b.admin?.viewers ?? '-'} |`);
      }
      L.push('', `Redis CPU ${x.cpu_percent.redis}%. Rooms whose members ended on more than one node: ${x.rooms_on_more_than_one_node}. Hops: ${JSON.stringify(x.hops)}.`, '');
    }
  }
  const foRows = [...(r.failover?.per_run ?? []), ...(r.drain ? [r.drain] : [])];
  if (foRows.length) {
    L.push('**Failover** (all rooms pinned on n1, n2 and n3 idle; clients resume as the SDK does; times from the signal to the resume result; each row a fresh Redis and fresh nodes)', '');
    L.push('| run | signal | sessions / rooms | resumed (failed) | to resume p50 / p90 / p99 / max ms | socket lost after (p50 / max) | loss → resume p50 / max | attempts p50 / max | redirects p50 / max | config asks p50 / max | rooms now on | split rooms | n1 exited after | media viewers playing again (of) | signal → their first frame p50 / max ms | generator CPU | nodes CPU (window) |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const [i, f] of foRows.entries()) {
      L.push(`| ${f.signal === 'SIGKILL' ? i + 1 : '-'} | ${f.signal} | ${f.sessions} / ${f.rooms} | ${f.resumed} (${f.failed}) | ${d(f.ms_from_signal_to_resume)} | ${f.socket_lost_ms_after_signal.p50} / ${f.socket_lost_ms_after_signal.max} | ${f.ms_from_socket_loss_to_resume.p50} / ${f.ms_from_socket_loss_to_resume.max} | ${f.attempts.p50} / ${f.attempts.max} | ${f.redirects.p50} / ${f.redirects.max} | ${f.config_asks.p50} / ${f.config_asks.max} | ${JSON.stringify(f.rooms_now_on)} | ${f.rooms_on_more_than_one_node} | ${f.victim_exit_ms_after_signal ?? '-'} ms | ${f.media ? `${f.media.playing_again} (${f.media.viewers})` : '-'} | ${f.media?.ms_from_signal_to_playing.n ? `${f.media.ms_from_signal_to_playing.p50} / ${f.media.ms_from_signal_to_playing.max}` : '-'} | ${f.generator_cpu_percent}% | ${cpu(f)} (${f.window_s} s) |`);
    }
    L.push('');
    for (const [i, f] of foRows.entries()) if (f.failures.length) L.push(`${f.signal} (row ${i + 1}) failures: ${f.failures.join('; ')}`, '');
    const f = r.failover;
    if (f) {
      L.push(`kill -9 over ${f.runs} runs of ${f.sessions_per_run} sessions in ${f.rooms_per_run} rooms (${f.duration_s} s): ${f.resumed} resumed, ${f.failed} failed.`, '');
      L.push('| kill → resume result, ms | p50 / p90 / p99 / max (min) | n |', '|---|---|---|');
      L.push(`| every session of every run | ${d(f.all_sessions_ms)} (${f.all_sessions_ms.min ?? '-'}) | ${f.all_sessions_ms.n} |`);
      L.push(`| per run: the last client back | ${d(f.every_client_back_ms)} (${f.every_client_back_ms.min ?? '-'}) | ${f.every_client_back_ms.n} |`);
      if (f.media_viewers_per_run) {
        L.push(`| media viewers (${f.media_viewers_per_run} a run): kill → first video frame from the new node | ${d(f.all_viewers_playing_ms)} (${f.all_viewers_playing_ms.min ?? '-'}) | ${f.all_viewers_playing_ms.n} |`);
        L.push(`| per run: the last media viewer playing again (runs where all did) | ${d(f.every_viewer_playing_ms)} (${f.every_viewer_playing_ms.min ?? '-'}) | ${f.every_viewer_playing_ms.n} |`);
      }
      L.push('', `Spread of the runs (resume result): p50 ${f.run_p50_range_ms?.join('–') ?? '-'} ms, p99 ${f.run_p99_range_ms?.join('–') ?? '-'} ms. Media viewers not playing again within the timeout: ${f.media_not_playing}.`, '');
    }
  }
  if (r.edge) {
    const x = r.edge;
    L.push(`**Edge hop** (publisher on ${x.origin} via signalling, \`ffmpeg -re -c copy\` of ${x.source}; ${x.viewers_per_node} HTTP-FLV viewers on the origin and ${x.viewers_per_node} on edge ${x.edge}; ${x.window_s} s window)`, '');
    L.push('| figure | p50 / p90 / p99 / max ms (min) | n |');
    L.push('|---|---|---|');
    const row = (name, v) => L.push(`| ${name} | ${d(v)} (${v.min ?? '-'}) | ${v.n} |`);
    row('edge hop: edge viewer − origin viewers\' median, per video tag', x.edge_added_latency_ms);
    row('noise floor: origin viewer − origin viewers\' median', x.origin_viewers_vs_their_median_ms);
    row('first frame on the origin', x.first_frame_ms_origin);
    row('first frame on an edge, cold (opens the upstream)', x.first_frame_ms_edge_cold);
    row('first frame on an edge, warm', x.first_frame_ms_edge_warm);
    L.push('', `Video tags matched: ${x.video_tags_matched} (missing at the edge: ${x.tags_missing_at_edge}); edge timestamp − origin timestamp: ${JSON.stringify(x.edge_timestamp_shift_ms)}; first frames not a keyframe: ${x.first_frames_not_keyframe}; relay upstreams at the edge ${x.relay_upstreams_at_edge}, downstreams at the origin ${x.relay_downstreams_at_origin}. Cold samples: ${x.cold.map((c) => `${c.edge}#${c.round} ${c.ms}`).join(', ')}. CPU in the window: ${cpu(x)}, generator ${x.generator_cpu_percent}%.`, '');
  }
  if (r.relay) {
    const x = r.relay;
    const pin = x.pinned ? `servers (Redis, nodes) on CPU ${x.pinned.servers_cpu}, the load generator on CPU ${x.pinned.load_generator_cpu}` : 'not pinned';
    L.push(`**Relay under load** (\`minirtc bench --scenario fanout\`: one paced publisher, ${x.viewers} ${x.viewer_protocol.toUpperCase()} viewers, latency from kernel receive stamps of every 10th viewer; ${x.window_s} s window after a ${x.ramp_s} s ramp; ${pin}. Per round, each on fresh processes: *single* = one node without a cluster, every viewer on it; *relay* = publisher on the origin, the viewers split over the two edges (play URLs signed for the edges, which pull the stream from the origin); *direct2* = the same cluster with 2 viewers on the origin. Added latency = relay − single; origin CPU ratio = the origin's CPU time in the window (all its threads, the scheduler's account: /proc/PID/task/*/schedstat) in *relay* / in *direct2*)`, '');
    L.push('| round (order) | single p50 / p99 / max ms | relay p50 / p99 / max ms | edge1 p99 / edge2 p99 | added p50 / p99 ms | origin CPU s relay / direct2 (ratio) | edges CPU | single node CPU | load generator CPU single / relay | relay checks: edge upstreams, opens, origin downstreams | valid |');
    L.push('|---|---|---|---|---|---|---|---|---|---|---|');
    const cpuS = (k) => { const v = k?.cpu_sched_seconds_origin ?? k?.cpu_seconds_origin; return v === undefined ? '-' : `${Math.round(v * 1000) / 1000} s (${r2((v / k.window_seconds) * 100)}%)`; };
    const lat = (k) => (k?.latency_count ? `${r2(k.latency_p50_ms)} / ${r2(k.latency_p99_ms)} / ${r2(k.latency_max_ms)}` : '-');
    for (const y of x.rounds) {
      const { single: s, relay: re, direct2: d2 } = y;
      const m = re?.window_metrics;
      const checks = m ? `${JSON.stringify(m.edge1.upstreams)} ${JSON.stringify(m.edge2.upstreams)}, ${JSON.stringify(Object.values(m.relay_opens_total_after))}, ${JSON.stringify(m.origin_relay_downstreams)}` : '-';
      const valid = ['single', 'relay', 'direct2'].map((k) => (y[k]?.valid ? '' : `${k} void: ${y[k]?.void_reasons?.join('; ')}`)).filter(Boolean).join(' / ') || 'yes';
      L.push(`| ${y.round} (${y.order.join(', ')}) | ${lat(s)} | ${lat(re)} | ${r2(re?.latency_target0_p99_ms ?? NaN)} / ${r2(re?.latency_target1_p99_ms ?? NaN)} | ${y.added_latency_p50_ms ?? '-'} / ${y.added_latency_p99_ms ?? '-'} | ${cpuS(re)} / ${cpuS(d2)} (${y.origin_cpu_ratio ?? '-'}) | ${r1(re?.cpu_percent_edge1 ?? NaN)}% + ${r1(re?.cpu_percent_edge2 ?? NaN)}% | ${r1(s?.cpu_percent_node ?? NaN)}% | ${r1(s?.bench_cpu_percent ?? NaN)}% / ${r1(re?.bench_cpu_percent ?? NaN)}% | ${checks} | ${valid} |`);
    }
    const st = (v, unit = '') => (v.n ? `${v.median}${unit} (range ${v.min}–${v.max}${unit}, ${v.n} valid round${v.n > 1 ? 's' : ''})` : 'no valid round');
    L.push('', `Added latency of the relay hop, p99: ${st(x.added_latency_p99_ms, ' ms')}; p50: ${st(x.added_latency_p50_ms, ' ms')}. Origin CPU with ${x.viewers} viewers on the edges / with 2 direct viewers: ${st(x.origin_cpu_ratio, '×')}.`, '');
  }
  return L.join('\n');
}

if (!binaryPath()) {
  console.error('cluster.mjs: MINIRTC_BIN is not set or missing (make build)');
  process.exit(1);
}
mkdirSync(OUT, { recursive: true });
const t0 = now();
const result = { machine: machine() };
const has = (sc) => OPT.scenarios.includes(sc);
if (has('joins')) { console.error('== joins across nodes'); result.joins = await partJoins(); }
if (has('failover')) { console.error(`== failover (kill -9, ${OPT.failoverRuns} runs)`); result.failover = await partFailover(); }
if (has('drain')) { console.error('== drain (SIGTERM)'); result.drain = await partDrain(); }
if (has('edge')) { console.error('== edge hop and first frames'); result.edge = await partEdge(); }
if (has('relay')) { console.error(`== relay under load (${OPT.relayViewers} viewers, ${OPT.relayRounds} rounds)`); result.relay = await partRelay(); }
result.machine.uptime_end = execFileSync('uptime').toString().trim();
result.total_s = Math.round((now() - t0) / 1000);
const md = markdown(result);
writeFileSync(join(OUT, 'cluster.json'), JSON.stringify(result, null, 1));
writeFileSync(join(OUT, 'cluster.md'), `${md}\n`);
console.log(JSON.stringify(result));
console.log(`\n${md}`);
process.exit(0);
