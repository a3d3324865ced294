// Forged forward pushes (server/push_forward.hpp, docs/protocol.md "Forward push URLs"): a node
// accepts a publish with a=fwd (another node forwarding a push it received for a room this node
// holds) only when signed with the cluster secret, unexpired, for that stream. Every forgery an
// outsider (or an app backend, which holds the app key but not the cluster secret) can make is
// refused with NetStream.Publish.BadName before anything else happens, counted as
// rtmp_forward_url, and publishes nothing; a well-signed one (the control) publishes. The canary
// stays healthy and RSS and descriptors return to baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackFixture, expectBaseline, metric, SLOW, deadline, startTarget } from './lib/harness.mjs';
import { rtmpAttempt } from './lib/rtmp_raw.mjs';
import { mediaUrl } from './lib/media_urls.mjs';

const APP = { appId: 'attackforward12345678abc', appKey: 'attack-forward-app-key' };
const SECRET = 'attack-forward-cluster-secret';
const fx = attackFixture({ ...APP, extraArgs: ['--cluster-secret', SECRET] });
const skip = fx.skip;
const now = () => Math.floor(Date.now() / 1000);
const ROOM = 'forwarded-room';

/** A forward URL for encoder `enc` of ROOM, signed with `appKey` (the cluster secret unless told). */
function forwardUrl(over = {}) {
  return mediaUrl({ base: fx.target.rtmpUrl, appId: APP.appId, appKey: SECRET, roomId: ROOM,
    userId: 'enc', action: 'fwd', ...over });
}

test('forged, expired and crossed forward URLs are refused; a well-signed one publishes', { skip, timeout: 120000 * SLOW }, async () => {
  const good = forwardUrl().url;
  const variants = [
    ['signed with another secret', forwardUrl({ appKey: 'not-the-cluster-secret' }).url],
    ['signed with the app key', forwardUrl({ appKey: APP.appKey }).url],
    ['expired', forwardUrl({ expiry: now() - 5 }).url],
    ['expiry changed after signing', forwardUrl({ tamper: { e: String(now() + 7200) } }).url],
    ['signed for another stream', forwardUrl({ tamper: { s: forwardUrl({ userId: 'mallory' }).query.match(/s=([0-9a-f]+)/)[1] } }).url],
    ['an app publish URL relabelled fwd', mediaUrl({ base: fx.target.rtmpUrl, ...APP, roomId: ROOM,
      userId: 'enc', action: 'pub', tamper: { a: 'fwd' } }).url],
    ['a relay pull URL relabelled fwd', forwardUrl({ action: 'relay', tamper: { a: 'fwd' } }).url],
    ['unsigned', good.replace(/&s=[0-9a-f]+/, '')],
    ['with a viewer', `${good}&v=mallory`],
    ['signature changed', good.replace(/s=([0-9a-f])/, (_, c) => `s=${c === '0' ? '1' : '0'}`)],
  ];
  const before = await metric(fx.target, 'minirtc_rejected_total', 'reason="rtmp_forward_url"');
  const publishes = await metric(fx.target, 'minirtc_publishes_total');
  for (const [name, url] of variants) {
    const { client, code } = await rtmpAttempt(url, 'publish');
    await Promise.race([client.closed, deadline(5000 * SLOW)]);
    assert.equal(code, 'NetStream.Publish.BadName', `${name}: ${url}`);
    assert.ok(client.isClosed, `${name}: connection closed`);
  }
  const after = await metric(fx.target, 'minirtc_rejected_total', 'reason="rtmp_forward_url"');
  assert.equal(after - before, variants.length, 'each refusal counted as rtmp_forward_url');
  assert.equal(await metric(fx.target, 'minirtc_publishes_total'), publishes, 'nothing published');

  // The control: the same URL well signed publishes.
  const { client, code } = await rtmpAttempt(good, 'publish');
  try {
    assert.equal(code, 'NetStream.Publish.Start');
    assert.equal(await metric(fx.target, 'minirtc_publishes_total'), publishes + 1);
  } finally {
    client.destroy();
  }
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('a node without a cluster secret refuses every forward URL', { skip, timeout: 60000 * SLOW }, async () => {
  const plain = await startTarget({ apps: [`${APP.appId}:${APP.appKey}`] });
  try {
    const url = mediaUrl({ base: plain.rtmpUrl, appId: APP.appId, appKey: '', roomId: 'r1', userId: 'enc', action: 'fwd' }).url;
    const { client, code } = await rtmpAttempt(url, 'publish');
    await Promise.race([client.closed, deadline(5000 * SLOW)]);
    assert.equal(code, 'NetStream.Publish.BadName');
    assert.ok(plain.logs().includes('fwd URL refused: this node has no cluster secret'));
    assert.equal(await metric(plain, 'minirtc_rejected_total', 'reason="rtmp_forward_url"'), 1);
  } finally {
    await plain.stop();
  }
});
