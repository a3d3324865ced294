// tests/e2e/lib/redis.mjs, the Redis the cluster end-to-end tests start: a real redis-server on a
// free loopback port that answers, comes back empty after kill() + restart() on the same port,
// and is gone (port refused, temporary directory removed) after stop(). Two run side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { startRedis } from './lib/redis.mjs';

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port) {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

test('startRedis: a real server; kill, restart empty on the same port, stop', async () => {
  const redis = await startRedis();
  try {
    assert.equal(redis.url, `redis://127.0.0.1:${redis.port}`);
    assert.equal(await redis.cli('PING'), 'PONG');
    assert.equal(await redis.cli('SET', 'k', 'v'), 'OK');
    assert.equal(await redis.cli('GET', 'k'), 'v');
    assert.equal(await redis.cli('CONFIG', 'GET', 'bind'), 'bind\n127.0.0.1');

    await redis.kill();
    assert.equal(await accepts(redis.port), false);

    await redis.restart();
    assert.equal(await redis.cli('PING'), 'PONG');
    assert.equal(await redis.cli('GET', 'k'), '', 'no persistence: empty after a restart');
    assert.equal(await redis.cli('SET', 'k', 'again'), 'OK');
    await redis.restart();  // while running: SIGTERM first, still no save
    assert.equal(await redis.cli('GET', 'k'), '');
  } finally {
    await redis.stop();
  }
  assert.equal(await accepts(redis.port), false);
  assert.equal(existsSync(redis.dir), false);
  await redis.stop();  // idempotent
});

test('startRedis: two servers side by side on different ports', async () => {
  const [a, b] = await Promise.all([startRedis(), startRedis()]);
  try {
    assert.notEqual(a.port, b.port);
    await a.cli('SET', 'who', 'a');
    assert.equal(await b.cli('GET', 'who'), '');
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
