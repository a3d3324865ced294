// The example receivers of examples/callbacks/ (Node and Python) against the real server: both
// are callback URLs of one app; each must verify and print the room's events, and refuse a
// callback whose signature is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServer, binaryPath } from './lib/server.mjs';
import { waitFor } from './lib/media.mjs';
import { writeCallbackConfig, User, freePort, SLOW } from './lib/callback_harness.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const APP = { id: 'callbackexample012345678', key: 'example-app-key' };
const dir = fileURLToPath(new URL('../../examples/callbacks/', import.meta.url));

async function startExample(cmd, file) {
  const port = await freePort();
  const proc = spawn(cmd, [`${dir}${file}`, String(port), APP.key], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { lines: [], stderr: '' };
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop();
    for (const l of parts) if (l.trim()) out.lines.push(JSON.parse(l));
  });
  proc.stderr.on('data', (d) => { out.stderr += d; });
  await waitFor(() => out.stderr.includes('listening'), { timeoutMs: 10000 * SLOW, what: `${file} listening` });
  return { proc, port, out, url: `http://127.0.0.1:${port}/callbacks` };
}

test('the Node and Python example receivers verify the real server\'s callbacks', { skip }, async () => {
  const node = await startExample(process.execPath, 'receiver.mjs');
  const py = await startExample('python3', 'receiver.py');
  const server = await startServer({ extraArgs: ['--config', writeCallbackConfig({ apps: [{ ...APP, urls: [node.url, py.url] }] })] });
  try {
    const u = await User.join(server, APP, 'example-room', 'dave');
    await u.ok('leave', {});
    u.close();
    for (const r of [node, py]) {
      await waitFor(() => r.out.lines.some((l) => l.type === 'RoomEnded'), { timeoutMs: 15000 * SLOW, what: 'RoomEnded' });
      assert.deepEqual(r.out.lines.map((l) => l.type), ['RoomCreated', 'UserJoined', 'UserLeft', 'RoomEnded']);
      assert.equal(r.out.lines[1].data.userId, 'dave');
      // A forged callback (wrong key) is refused.
      const forged = { EventType: 'UserJoined', EventData: '{}', EventTime: '2026-01-01T00:00:00.000Z', EventId: 'x',
        AppId: APP.id, Version: '2020-12-01', Nonce: 'abcd', Signature: '0'.repeat(64) };
      const res = await fetch(r.url, { method: 'POST', body: JSON.stringify(forged), headers: { 'content-type': 'application/json' } });
      assert.equal(res.status, 401);
    }
    // The same events, with the same EventIds, at both URLs.
    assert.deepEqual(node.out.lines.map((l) => l.id), py.out.lines.map((l) => l.id));
  } finally {
    await server.stop();
    node.proc.kill();
    py.proc.kill();
  }
});
