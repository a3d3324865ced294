// What the Node bench scripts (bench/callbacks_recording.mjs, bench/cluster.mjs) measure with:
// process CPU and RSS from /proc, percentiles, polling, a bounded pool, the machine's description
// for bench/RESULTS.md. Linux only (it reads /proc).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** utime + stime of every thread of `pid`, in seconds. */
export function cpuSeconds(pid) {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;  // fields 14 and 15
}

/** Resident set size of `pid`, kB. */
export function rssKb(pid) {
  return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m)[1]);
}

/** The p-th percentile (nearest rank) of `values`; NaN when empty. */
export function pct(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const r1 = (x) => Math.round(x * 10) / 10;
export const r2 = (x) => Math.round(x * 100) / 100;

/** Polls `cond` until it is true; throws after `timeoutMs`. */
export async function waitUntil(cond, timeoutMs, what, stepMs = 100) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Runs fn(i) for i in [0, n) with at most `limit` at once. */
export async function pool(n, limit, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, limit) }, async () => {
    while (next < n) await fn(next++);
  }));
}

/** The machine and the moment, as bench/RESULTS.md records them; `extra` adds fields. */
export function machine(extra = {}) {
  const sh = (cmd, args) => { try { return execFileSync(cmd, args).toString().trim(); } catch { return '?'; } };
  return {
    date_utc: new Date().toISOString(),
    nproc: Number(sh('nproc', [])),
    lscpu: sh('lscpu', []).split('\n').slice(0, 10).join('\n'),
    uptime_start: sh('uptime', []),
    node: process.version,
    ...extra,
  };
}
