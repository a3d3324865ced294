// A real redis-server for end-to-end tests (cluster mode): loopback only, a free port chosen at
// run time, a fresh temporary directory, no persistence (`--save ''`, `--appendonly no`), so a
// restart comes back empty, as after losing Redis. Several may run in parallel.
//
//   const redis = await startRedis();   // {url, port, dir, cli, kill, restart, stop, logs}
//   minirtc serve --redis ${redis.url}
//   await redis.kill();                  // SIGKILL: Redis lost
//   await redis.restart();               // same port, empty
//   await redis.stop();                  // SIGTERM, temp dir removed (in `after`)
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A loopback port nothing listens on now. */
async function freePort() {
  const srv = createServer();
  await new Promise((resolve, reject) => srv.listen(0, '127.0.0.1', resolve).on('error', reject));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Spawns redis-server on `port`; resolves once it accepts connections. */
function spawnRedis(port, dir, log) {
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', '--logfile', ''],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server not ready in 20 s:\n${out}`)), 20000);
    const onData = (d) => {
      out += d;
      log.push(String(d));
      if (/Ready to accept connections/.test(out)) { clearTimeout(timer); resolve(); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited ${code}:\n${out}`)); });
  });
  return { proc, exited, ready };
}

/**
 * @returns {Promise<{url: string, port: number, dir: string,
 *   cli: (...args: string[]) => Promise<string>, kill: () => Promise<void>,
 *   restart: () => Promise<void>, stop: () => Promise<void>, logs: () => string}>}
 */
export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-redis-'));
  const log = [];
  let port = 0;
  let current = null;
  // Another process may take the port between freePort() and the bind: try a few.
  for (let attempt = 0; !current; ++attempt) {
    port = await freePort();
    const r = spawnRedis(port, dir, log);
    try {
      await r.ready;
      current = r;
    } catch (e) {
      if (attempt >= 3) { rmSync(dir, { recursive: true, force: true }); throw e; }
    }
  }
  let stopped = false;
  const halt = async (signal) => {
    if (!current) return;
    const { proc, exited } = current;
    current = null;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    const killer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(killer);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    /** redis-cli against this server; resolves with its output, trimmed. */
    async cli(...args) {
      const { stdout } = await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
      return stdout.trim();
    },
    /** SIGKILL, as when Redis crashes; restart() brings it back. */
    kill: () => halt('SIGKILL'),
    /** Stops it if running, then starts it again on the same port, empty. */
    async restart() {
      if (stopped) throw new Error('restart after stop');
      await halt('SIGTERM');
      current = spawnRedis(port, dir, log);
      await current.ready;
    },
    /** SIGTERM and the temporary directory removed. */
    async stop() {
      if (stopped) return;
      stopped = true;
      await halt('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    logs: () => log.join(''),
  };
}
