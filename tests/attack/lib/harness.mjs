// The attack suite's harness: the real server with its resource use readable (RSS and open
// descriptors from /proc), a baseline to return to after an attack, and a canary call — an
// ffmpeg publisher, an ffmpeg player decoding the stream and two SDK users in one room — kept
// running through the attack. Each attack test asserts three things: the attack is refused as
// documented, the canary stays healthy throughout, and RSS and descriptors return to baseline.
// It reuses the end-to-end library (tests/e2e/lib): nothing here restates how to start the
// server, sign a URL or drive the SDK.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, after } from 'node:test';
import { startServer, binaryPath } from '../../e2e/lib/server.mjs';
import { pushTestStream, sleep, waitFor } from '../../e2e/lib/media.mjs';
import { Phone, EVENTS, SLOW } from '../../e2e/lib/sdk_phone.mjs';
import { makeToken } from '../../../examples/token/token.mjs';

export { SLOW, sleep, waitFor };

/** Why a test file is skipped (false when the binary is there). */
export const skipReason = binaryPath()
  ? false
  : 'MINIRTC_BIN not set or missing: build the server (build/release/minirtc) and set MINIRTC_BIN';

/** VmRSS of a process, in bytes (0 once it is gone). */
export function rssOf(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Open descriptors of a process (entries of /proc/PID/fd; 0 once it is gone). */
export function fdsOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/**
 * Starts the real server like startServer (same options: apps, extraArgs, bin, dataDir) and
 * returns the same object plus pid, rss() (bytes) and fds() (count), exited() (true once the
 * process is gone) and bin (the binary, for `minirtc url`).
 */
export async function startTarget(options = {}) {
  const bin = options.bin ?? binaryPath();
  const server = await startServer({ ...options, bin });
  const pid = server.proc.pid;
  return {
    ...server,
    bin,
    pid,
    rss: () => rssOf(pid),
    fds: () => fdsOf(pid),
    exited: () => server.proc.exitCode !== null || server.proc.signalCode !== null,
  };
}

/** {rss, fds} of the target after a short settle (the larger of a few samples, so a passing peak does not set it low). */
export async function measureBaseline(target, { settleMs = 1500 * SLOW, samples = 3 } = {}) {
  await sleep(settleMs);
  let rss = 0;
  let fds = 0;
  for (let i = 0; i < samples; i++) {
    if (i) await sleep(200);
    rss = Math.max(rss, target.rss());
    fds = Math.max(fds, target.fds());
  }
  if (!rss) throw new Error(`server pid ${target.pid} is not running`);
  return { rss, fds };
}

/**
 * Waits until RSS ≤ base.rss·(1+rssTolerance) and fds ≤ base.fds+fdSlack; throws with the
 * numbers otherwise (or at once when the server exited). Resolves {rss, fds} as last seen.
 */
export async function expectBaseline(target, base, { rssTolerance = 0.1, fdSlack = 2, timeoutMs = 15000 * SLOW } = {}) {
  const rssLimit = base.rss * (1 + rssTolerance);
  const fdLimit = base.fds + fdSlack;
  const end = Date.now() + timeoutMs;
  let now;
  for (;;) {
    if (target.exited && target.exited()) throw new Error(`server exited (code ${target.proc.exitCode}, signal ${target.proc.signalCode})`);
    now = { rss: target.rss(), fds: target.fds() };
    if (now.rss <= rssLimit && now.fds <= fdLimit) return now;
    if (Date.now() > end) break;
    await sleep(250);
  }
  const mb = (b) => (b / 1048576).toFixed(1);
  throw new Error(`not back to baseline after ${timeoutMs} ms: RSS ${mb(now.rss)} MB (baseline ${mb(base.rss)} MB, limit ${mb(rssLimit)} MB), ` +
    `fds ${now.fds} (baseline ${base.fds}, limit ${fdLimit})`);
}

let canarySeq = 0;

/**
 * A call kept running through an attack: SDK users `alice` and `bob` join one room, alice
 * publishes (ffmpeg pushes a generated H.264+AAC stream to the signed URL signalling gave her),
 * bob subscribes and an ffmpeg player decodes the stream, reporting its frame count continuously.
 *
 * @param {object} target from startTarget
 * @param {{appId: string, appKey: string, server?: string, room?: string, format?: 'rtmp'|'flv',
 *   size?: string, fps?: number, bitrate?: string}} options
 *   server: base URL the SDK users talk to (default target.httpUrl; a fault proxy's URL to put
 *   one between them); format: what bob plays (RTMP by default)
 * @returns {Promise<{room: string, alice: Phone, bob: Phone, playUrl: string, pushUrl: string,
 *   frames: () => number, assertHealthy: (opts?: {withinMs?: number}) => Promise<void>,
 *   pingMs: (phone?: Phone) => Promise<number>, stop: () => Promise<void>}>}
 */
export async function startCanary(target, { appId, appKey, server = target.httpUrl, room, format = 'rtmp',
  size = '320x240', fps = 15, bitrate = '300k' } = {}) {
  if (!appId || !appKey) throw new Error('startCanary needs appId and appKey');
  const roomId = room ?? `canary-${process.pid}-${++canarySeq}`;
  const token = (userId) => makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true });
  const alice = new Phone(server);
  const bob = new Phone(server);
  let pusher = null;
  let player = null;
  const stopAll = async () => {
    if (player) await player.stop();
    if (pusher) await pusher.stop();
    await alice.destroy();
    await bob.destroy();
  };
  try {
    await alice.join(appId, token('alice'), roomId, 'alice');
    await bob.join(appId, token('bob'), roomId, 'bob');
    const pushUrl = await alice.client.publish();
    pusher = pushTestStream(pushUrl, { seconds: 24 * 3600, size, fps, bitrate });
    await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice', 20000 * SLOW);
    const playUrl = await bob.client.subscribe('alice', { format });
    player = startPlayer(playUrl);
    await waitFor(() => player.frames() >= fps, { timeoutMs: 20000 * SLOW, what: `canary player decoding (${player.stderr()})` });
    const canary = {
      room: roomId,
      alice,
      bob,
      pushUrl,
      playUrl,
      player,
      frames: () => player.frames(),
      /** Signalling round trip of one SDK user (a `ping` on its live session), in ms. */
      async pingMs(phone = alice) {
        const conn = phone.client._session && phone.client._session._conn;
        if (!conn) throw new Error('no signalling connection');
        const t0 = performance.now();
        await conn.call('ping', {}, 5000 * SLOW);
        return performance.now() - t0;
      },
      /**
       * Throws unless the player decoded new frames within the last `withinMs`, the publisher
       * and the player still run, and both SDK users are joined with no DISCONNECT or
       * CLIENT_BANNED (and answer a signalling ping).
       */
      async assertHealthy({ withinMs = 4000 * SLOW } = {}) {
        const problems = [];
        if (pusher.proc.exitCode !== null || pusher.proc.signalCode !== null) problems.push('publisher ffmpeg exited');
        if (player.exited()) problems.push(`player ffmpeg exited: ${player.stderr().slice(-300)}`);
        const age = Date.now() - player.lastAdvanceAt();
        if (age > withinMs) problems.push(`player decoded no new frame for ${age} ms (frames ${player.frames()})`);
        for (const p of [alice, bob]) {
          const who = p === alice ? 'alice' : 'bob';
          if (p.client.state !== 'connected') problems.push(`${who} is ${p.client.state}`);
          for (const ev of [EVENTS.DISCONNECT, EVENTS.CLIENT_BANNED]) {
            if (p.named(ev).length) problems.push(`${who} got ${ev} ${JSON.stringify(p.named(ev))}`);
          }
          if (p.client.state === 'connected') {
            try {
              await canary.pingMs(p);
            } catch (e) {
              problems.push(`${who}'s ping failed: ${e.message || e}`);
            }
          }
        }
        if (problems.length) throw new Error(`canary unhealthy: ${problems.join('; ')}`);
      },
      stop: stopAll,
    };
    return canary;
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/**
 * ffmpeg decoding a URL to nothing, its progress (`-progress pipe:1`) read continuously:
 * frames() is the decoded video frame count, lastAdvanceAt() when it last grew.
 */
export function startPlayer(url, { rwTimeoutSec = 20 } = {}) {
  const proc = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats',
    '-progress', 'pipe:1', '-stats_period', '0.25',
    '-rw_timeout', String(rwTimeoutSec * 1e6), '-i', url, '-map', '0:v', '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let frames = 0;
  let lastAdvanceAt = Date.now();
  let pending = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    pending += d;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) {
      const m = line.match(/^frame=(\d+)/);
      if (m && Number(m[1]) > frames) {
        frames = Number(m[1]);
        lastAdvanceAt = Date.now();
      }
    }
  });
  proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    proc,
    frames: () => frames,
    lastAdvanceAt: () => lastAdvanceAt,
    stderr: () => stderr,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    stop: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      return exited;
    },
  };
}

/**
 * The usual shape of an attack test file, as node:test hooks: before() starts the target (with
 * the app `appId:appKey` plus `options.apps`, `extraArgs`, and a TOML `config` written to a
 * file), the canary, and measures the baseline; after() stops them. Returns an object whose
 * fields (target, canary, base, app) are set once before() has run, and skip (the reason to
 * skip the file, or false).
 */
export function attackFixture({ appId, appKey, apps = [], extraArgs = [], config = '' } = {}) {
  const fx = { app: { appId, appKey }, target: null, canary: null, base: null, skip: skipReason };
  before(async () => {
    if (fx.skip) return;
    const args = [...extraArgs];
    if (config) {
      fx.configDir = mkdtempSync(join(tmpdir(), 'minirtc-attack-'));
      const file = join(fx.configDir, 'attack.toml');
      writeFileSync(file, config);
      args.push('--config', file);
    }
    fx.target = await startTarget({ apps: [`${appId}:${appKey}`, ...apps], extraArgs: args });
    fx.canary = await startCanary(fx.target, fx.app);
    fx.base = await measureBaseline(fx.target);
  });
  after(async () => {
    if (fx.canary) await fx.canary.stop();
    if (fx.target) await fx.target.stop();
    if (fx.configDir) rmSync(fx.configDir, { recursive: true, force: true });
  });
  return fx;
}

/** Prometheus counter/gauge value from GET /metrics (0 when absent). */
export async function metric(target, name, labels = '') {
  const text = await (await fetch(`${target.httpUrl}/metrics`)).text();
  const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = text.match(new RegExp(`^${esc(name)}${labels ? esc(`{${labels}}`) : ''} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}
