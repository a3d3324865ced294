// The harness itself, with no attack: the canary call runs healthy for a while, and the server's
// RSS and descriptors stay at the baseline measured with the canary running. If this fails, every
// other attack test's verdict means nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTarget, measureBaseline, expectBaseline, startCanary, skipReason, sleep, SLOW } from './lib/harness.mjs';

const APP = { appId: 'attackbase0123456789abcd', appKey: 'attack-baseline-key' };
let target;
let canary;
after(async () => {
  if (canary) await canary.stop();
  if (target) await target.stop();
});

test('no attack: the canary stays healthy and the baseline holds', { skip: skipReason }, async () => {
  target = await startTarget({ apps: [`${APP.appId}:${APP.appKey}`] });
  assert.ok(target.pid > 0);
  assert.ok(target.rss() > 1e6, 'RSS read from /proc');
  assert.ok(target.fds() >= 3, 'descriptors read from /proc');
  canary = await startCanary(target, APP);
  const base = await measureBaseline(target);
  const framesBefore = canary.frames();
  for (let i = 0; i < 4; i++) {
    await sleep(1000 * SLOW);
    await canary.assertHealthy();
  }
  assert.ok(canary.frames() > framesBefore + 15, `frames advanced (${framesBefore} → ${canary.frames()})`);
  const rtt = await canary.pingMs();
  assert.ok(rtt < 5000 * SLOW, `signalling answers (${rtt.toFixed(1)} ms)`);
  await expectBaseline(target, base);

  // the canary notices a dead player: assertHealthy can fail
  await canary.player.stop();
  await assert.rejects(canary.assertHealthy(), /player ffmpeg exited/);
});
