// Starts the real `minirtc` binary for end-to-end tests: loopback, ports chosen by the kernel
// (port 0), a fresh data directory, logs captured. Several servers may run in parallel.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';

/** The binary under test (env MINIRTC_BIN), or null when it is not built. */
export function binaryPath() {
  const bin = process.env.MINIRTC_BIN;
  return bin && existsSync(bin) ? bin : null;
}

/**
 * @param {{apps?: string[], extraArgs?: string[], bin?: string, rtmpListen?: string, logLevel?: string}} [options]
 *   apps: "APPID:APPKEY" entries (none: the embedded default's development app)
 *   logLevel: --log-level (default debug; the benchmarks use warn)
 *   rtmpListen: the RTMP address (default 127.0.0.1:0; a fixed port lets a test restart a node
 *   where others expect it)
 *   cwd: start it as `make run` does, in this directory: `serve` with only the listen addresses
 *   (port 0) and `extraArgs`, so the data directory is the default, `cwd`/data (kept: the
 *   caller owns `cwd`)
 * @returns {Promise<{http: string, rtmp: string, httpUrl: string, rtmpUrl: string, wsUrl: string,
 *   devApp: {appId: string, appKey: string}|null,
 *   devConsole: {url: string, adminKey: string}|null,
 *   stdout: () => string, proc: import('node:child_process').ChildProcess,
 *   logs: () => string, stop: (signal?: string) => Promise<number|null>, dataDir: string}>}
 */
export async function startServer({ apps = [], extraArgs = [], bin = binaryPath(), dataDir, rtmpListen = '127.0.0.1:0', cwd, logLevel = 'debug' } = {}) {
  if (!bin) throw new Error('MINIRTC_BIN is not set or missing');
  const dir = cwd ? join(cwd, 'data') : dataDir ?? mkdtempSync(join(tmpdir(), 'minirtc-test-'));
  const args = cwd ? ['serve', '--http-listen', '127.0.0.1:0', '--rtmp-listen', rtmpListen, ...extraArgs]
    : ['serve', '--http-listen', '127.0.0.1:0', '--rtmp-listen', rtmpListen,
      '--data-dir', dir, '--log-level', logLevel, ...apps.flatMap((a) => ['--app', a]), ...extraArgs];
  const proc = spawn(resolvePath(bin), args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
  const listening = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/listening http=(\S+) rtmp=(\S+)/);
      if (m) { clearTimeout(timer); resolve({ http: m[1], rtmp: m[2] }); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  const dev = stdout.match(/development app: appId=(\S+) appKey=(\S+)/);
  // The embedded default's development admin key (no admin key configured): printed before
  // the listening line.
  const devConsole = stdout.match(/^console: (\S+) adminKey=(\S+)/m);
  let stopped = false;
  return {
    ...listening,
    httpUrl: `http://${listening.http}`,
    rtmpUrl: `rtmp://${listening.rtmp}`,
    wsUrl: `ws://${listening.http}/v1/signal`,
    devApp: dev ? { appId: dev[1], appKey: dev[2] } : null,
    devConsole: devConsole ? { url: devConsole[1], adminKey: devConsole[2] } : null,
    stdout: () => stdout,
    proc,
    dataDir: dir,
    logs: () => stderr,
    async stop(signal = 'SIGTERM') {
      if (!stopped) {
        stopped = true;
        if (proc.exitCode === null) proc.kill(signal);
        const killer = setTimeout(() => proc.kill('SIGKILL'), 10000);
        const code = await exited;
        clearTimeout(killer);
        if (!dataDir && !cwd) rmSync(dir, { recursive: true, force: true });
        return code;
      }
      return proc.exitCode;
    },
  };
}
