// A real redis-server for end-to-end tests: a free loopback port, a temporary directory, no
// persistence; resolves once it answers PING. kill() is SIGKILL, stop() SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nothing listens on now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function ping(port) {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let data = '';
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      data += d;
      if (data.includes('\r\n')) { sock.destroy(); resolve(data.startsWith('+PONG')); }
    });
    sock.on('error', () => resolve(false));
    setTimeout(() => { sock.destroy(); resolve(false); }, 1000);
  });
}

/** @returns {Promise<{url: string, port: number, kill: () => Promise<void>, stop: () => Promise<void>}>} */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-redis-'));
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '',
    '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  const deadline = Date.now() + 20000;
  while (!(await ping(port))) {
    if (proc.exitCode !== null) throw new Error('redis-server exited at start');
    if (Date.now() > deadline) throw new Error('redis-server did not answer within 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const end = async (signal) => {
    if (proc.exitCode === null) proc.kill(signal);
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, port, kill: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}
