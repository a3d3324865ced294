// Forged relay pulls (server/relay.hpp, docs/protocol.md "Relay pull URLs"): a node accepts a
// play with a=relay only when signed with the cluster secret, unexpired, for that stream. Every
// forgery an outsider (or an app backend, which holds the app key but not the cluster secret)
// can make is refused with NetStream.Play.StreamNotFound, counted as rtmp_relay_url, and never
// becomes a relay downstream; a well-signed one (the control) is served. Aimed at the canary's
// own stream; the canary stays healthy and RSS and descriptors return to baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackFixture, expectBaseline, metric, SLOW, deadline, startTarget } from './lib/harness.mjs';
import { rtmpAttempt } from './lib/rtmp_raw.mjs';
import { mediaUrl } from './lib/media_urls.mjs';
import { waitFor } from '../e2e/lib/media.mjs';

const APP = { appId: 'attackrelay123456789abcd', appKey: 'attack-relay-app-key' };
const SECRET = 'attack-relay-cluster-secret';
const fx = attackFixture({ ...APP, extraArgs: ['--cluster-secret', SECRET] });
const skip = fx.skip;
const now = () => Math.floor(Date.now() / 1000);

/** A relay URL for the canary's stream, signed with `key` (the cluster secret unless told). */
function relayUrl(over = {}) {
  return mediaUrl({ base: fx.target.rtmpUrl, appId: APP.appId, appKey: SECRET, roomId: fx.canary.room,
    userId: 'alice', action: 'relay', ...over });
}

test('forged, expired and crossed relay URLs are refused; a well-signed one is served', { skip, timeout: 120000 * SLOW }, async () => {
  const good = relayUrl().url;
  const variants = [
    ['signed with another secret', relayUrl({ appKey: 'not-the-cluster-secret' }).url],
    ['signed with the app key', relayUrl({ appKey: APP.appKey }).url],
    ['expired', relayUrl({ expiry: now() - 5 }).url],
    ['expiry changed after signing', relayUrl({ tamper: { e: String(now() + 7200) } }).url],
    ['signed for another stream', relayUrl({ tamper: { s: relayUrl({ userId: 'mallory' }).query.match(/s=([0-9a-f]+)/)[1] } }).url],
    ['a viewer play URL relabelled relay', mediaUrl({ base: fx.target.rtmpUrl, ...APP, roomId: fx.canary.room,
      userId: 'alice', action: 'play', viewer: 'mallory', tamper: { a: 'relay' } }).url],
    ['unsigned', good.replace(/&s=[0-9a-f]+/, '')],
    ['with a viewer', `${good}&v=mallory`],
    ['signature changed', good.replace(/s=([0-9a-f])/, (_, c) => `s=${c === '0' ? '1' : '0'}`)],
  ];
  const before = await metric(fx.target, 'minirtc_rejected_total', 'reason="rtmp_relay_url"');
  for (const [name, url] of variants) {
    const { client, code } = await rtmpAttempt(url, 'play');
    await Promise.race([client.closed, deadline(5000 * SLOW)]);
    assert.equal(code, 'NetStream.Play.StreamNotFound', `${name}: ${url}`);
    assert.ok(client.isClosed, `${name}: connection closed`);
    assert.equal(client.media().length, 0, `${name}: no media sent`);
    assert.equal(await metric(fx.target, 'minirtc_relay_downstreams'), 0, `${name}: no downstream`);
  }
  const after = await metric(fx.target, 'minirtc_rejected_total', 'reason="rtmp_relay_url"');
  assert.equal(after - before, variants.length, 'each refusal counted as rtmp_relay_url');

  // The control: the same URL well signed is a relay downstream and gets the canary's media.
  const { client, code } = await rtmpAttempt(good, 'play');
  try {
    assert.equal(code, 'NetStream.Play.Start');
    assert.equal(await metric(fx.target, 'minirtc_relay_downstreams'), 1);
    await waitFor(() => client.media().length > 10, { timeoutMs: 10000 * SLOW, what: 'media on the relay pull' });
  } finally {
    client.destroy();
  }
  await waitFor(async () => (await metric(fx.target, 'minirtc_relay_downstreams')) === 0,
    { timeoutMs: 5000 * SLOW, what: 'downstream gone' });
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('a node without a cluster secret refuses every relay URL', { skip, timeout: 60000 * SLOW }, async () => {
  const plain = await startTarget({ apps: [`${APP.appId}:${APP.appKey}`] });
  try {
    const url = mediaUrl({ base: plain.rtmpUrl, appId: APP.appId, appKey: '', roomId: 'r1', userId: 'alice', action: 'relay' }).url;
    const { client, code } = await rtmpAttempt(url, 'play');
    await Promise.race([client.closed, deadline(5000 * SLOW)]);
    assert.equal(code, 'NetStream.Play.StreamNotFound');
    assert.ok(plain.logs().includes('this node has no cluster secret'));
    assert.equal(await metric(plain, 'minirtc_rejected_total', 'reason="rtmp_relay_url"'), 1);
  } finally {
    await plain.stop();
  }
});
