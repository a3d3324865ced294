// Starts tests/attack/lib/throttle_proxy.py: a loopback link whose server → client direction is
// held to `bytesPerSec` with a fixed, small kernel receive buffer on the server side (see the
// script for why the Node fault proxy cannot give that). Returns {address, port, close()}.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./throttle_proxy.py', import.meta.url));

/** @param {{targetPort: number, bytesPerSec: number, rcvbuf?: number}} options */
export async function startThrottleProxy({ targetPort, bytesPerSec, rcvbuf = 32768 }) {
  const proc = spawn('python3', [SCRIPT, String(targetPort), String(bytesPerSec), String(rcvbuf)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8');
  const port = await new Promise((resolve, reject) => {
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    proc.once('exit', (code) => reject(new Error(`throttle_proxy.py exited (${code}) before listening`)));
  });
  return {
    port,
    address: `127.0.0.1:${port}`,
    async close() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGKILL');
      await once(proc, 'exit');
    },
  };
}
