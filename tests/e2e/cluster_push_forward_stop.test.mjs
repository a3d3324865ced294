// A forwarded push that the room's node ends for good (docs/cluster.md "Pushes to another node",
// docs/protocol.md §2.7): two real nodes on one real Redis, ffmpeg pushing to the node (A) that
// does not hold the room, so A forwards the stream to the room's node (B). When B's room ends the
// stream on purpose (an admin kick of the media-only member, a forbid-publish), B tells A with
// NetStream.Publish.Denied, and A closes the encoder (ffmpeg exits, as it does when a single node
// kicks it) instead of linking again after its backoff: A opens no new link, and B does not list
// the member again once the backoff would have relinked. After a forbid-publish, the same URL
// pushed to A again is accepted and forwarded, and closed again at its first media (as one node
// accepts a forbidden user's push and closes it when its media starts). Another push of the same
// stream straight to B takes it over: A closes its encoder and does not take the stream back.
// A session member's push URL pushed to A and revoked by B's room (unpublish): A closes the
// encoder and refuses the URL pushed again (this one passed before the change too: B's revocation
// broadcast reaches A; the forward URL now also carries the encoder's nonce, so B ends the link
// itself when a broadcast is lost — not isolated here). The first three fail on the binary
// before the change (ffmpeg still pushing, the stream taken back after the backoff).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryPath } from './lib/server.mjs';
import { useCluster, adminClient, roomHolders, metric, within } from './lib/cluster_harness.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';
import { pushTestStream, signedUrl, sleep, waitFor } from './lib/media.mjs';

const appId = 'pushstoptest0123456789ab';
const appKey = 'push-forward-stop-test-key';
const adminKey = 'push-forward-stop-admin-key';
// Longer than A's backoff after a link that carried the stream (relay.retry_initial_ms, 500 ms)
// plus a link's setup: a relink would have shown by then.
const RELINK_WINDOW_MS = 4000 * SLOW;

const fx = useCluster({ ids: ['n1', 'n2'], prefix: 'pushstop', app: `${appId}:${appKey}`, adminKey,
  toml: '[cluster]\nsecret = "a-cluster-secret-for-forward-stops"\n' });
const { skip, nodes, phones, cleanup } = fx;
const admin = adminClient(adminKey);

/** bob joins by signalling (the room is pinned to B); returns {A, B, bob, roomId}. */
async function callOnB(roomId) {
  const bob = new Phone(nodes.map((n) => n.base), { playFormat: 'flv' });
  phones.push(bob);
  await bob.join(appId, makeToken({ appId, appKey, roomId, userId: 'bob', publish: true, subscribe: true }), roomId, 'bob');
  const holders = await roomHolders(admin, nodes, appId, roomId);
  assert.equal(holders.length, 1, 'one node holds the room');
  const B = holders[0];
  return { A: nodes.find((n) => n !== B), B, bob };
}

/** ffmpeg pushes `user`'s URL made for A; resolves once B's room has the user live. */
async function pushViaA({ A, B, bob, roomId, user }) {
  const url = await signedUrl(binaryPath(), { action: 'publish', appId, appKey, room: roomId, user, rtmpBase: A.rtmpUrl });
  const encoder = pushTestStream(url, { seconds: 120 });
  cleanup.push(() => encoder.stop());
  await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === user, 20000 * SLOW);
  const room = await admin(B, `/apps/${appId}/rooms/${roomId}`);
  assert.ok(room.body.members.some((m) => m.userId === user), `${B.id} lists ${user}`);
  assert.equal(encoder.proc.exitCode, null, 'the encoder is pushing');
  return { url, encoder };
}

/** After the room's node ended the forward for good: the encoder was closed, nothing relinks. */
async function expectEndedForGood(t, { A, B, roomId, user, encoder, reconnects, what }) {
  const endedAt = Date.now();
  const exited = await within(encoder.exited, 10000 * SLOW);
  assert.ok(exited, `${A.id} closed the encoder after the ${what} (ffmpeg still pushing)`);
  t.diagnostic(`${what}: ffmpeg exited ${Date.now() - endedAt} ms after it`);
  await sleep(RELINK_WINDOW_MS);
  assert.equal(await metric(A, 'minirtc_cluster_push_forward_reconnects_total'), reconnects,
    `${A.id} opened no link again after the ${what}`);
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards'), 0, `${A.id} forwards nothing`);
  const room = await admin(B, `/apps/${appId}/rooms/${roomId}`);
  assert.ok(!room.body.members.some((m) => m.userId === user), `${B.id} does not list ${user} again: ${JSON.stringify(room.body.members)}`);
  assert.match(A.logs(), /ended for good by the room's node/);
}

test('a kick of a forwarded media-only member on the room\'s node closes the encoder on the forwarding node', { skip, timeout: 120000 * SLOW }, async (t) => {
  const roomId = `pushstop-kick-${process.pid}`;
  const { A, B, bob } = await callOnB(roomId);
  const { encoder } = await pushViaA({ A, B, bob, roomId, user: 'cam' });
  const reconnects = await metric(A, 'minirtc_cluster_push_forward_reconnects_total');
  const denied = await metric(A, 'minirtc_cluster_push_forwards_denied_total');

  const kick = await admin(B, `/apps/${appId}/rooms/${roomId}/users/cam/kick`, { reason: 'test kick' });
  assert.equal(kick.status, 200);
  await bob.waitEvent(EVENTS.PEER_LEAVE, (p) => p.uid === 'cam', 10000 * SLOW);
  await expectEndedForGood(t, { A, B, roomId, user: 'cam', encoder, reconnects, what: 'kick' });
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards_denied_total'), denied + 1);
});

test('a forbid-publish of a forwarded media-only member closes the encoder, and closes the same URL pushed again', { skip, timeout: 150000 * SLOW }, async (t) => {
  const roomId = `pushstop-forbid-${process.pid}`;
  const { A, B, bob } = await callOnB(roomId);
  const { url, encoder } = await pushViaA({ A, B, bob, roomId, user: 'cam' });
  const reconnects = await metric(A, 'minirtc_cluster_push_forward_reconnects_total');

  const forbid = await admin(B, `/apps/${appId}/rooms/${roomId}/users/cam/forbid-publish`, { forbidden: true });
  assert.equal(forbid.status, 200);
  await expectEndedForGood(t, { A, B, roomId, user: 'cam', encoder, reconnects, what: 'forbid-publish' });

  // The encoder pushes again: A accepts and forwards it (A does not know the room's rules), B
  // closes it at its first media, and A closes the encoder again without relinking.
  const links = await metric(A, 'minirtc_cluster_push_forwards_total');
  const again = pushTestStream(url, { seconds: 120 });
  cleanup.push(() => again.stop());
  await waitFor(async () => (await metric(A, 'minirtc_cluster_push_forwards_total')) > links,
    { timeoutMs: 15000 * SLOW, what: `${A.id} to forward the push again` });
  await expectEndedForGood(t, { A, B, roomId, user: 'cam', encoder: again, reconnects, what: 'push of a forbidden user' });

  // Allowed again: the same URL publishes through A.
  const allow = await admin(B, `/apps/${appId}/rooms/${roomId}/users/cam/forbid-publish`, { forbidden: false });
  assert.equal(allow.status, 200);
  const added = () => bob.named(EVENTS.STREAM_ADDED).filter((p) => p.uid === 'cam').length;
  const addedBefore = added();
  const third = pushTestStream(url, { seconds: 120 });
  cleanup.push(() => third.stop());
  await waitFor(() => added() > addedBefore, { timeoutMs: 20000 * SLOW, what: 'bob to hear cam\'s stream again' });
  assert.equal(third.proc.exitCode, null, 'the encoder is pushing once allowed again');
  await third.stop();
});

test('another push of the stream on the room\'s node takes it over: the forwarding node closes its encoder and does not take the stream back', { skip, timeout: 120000 * SLOW }, async (t) => {
  const roomId = `pushstop-takeover-${process.pid}`;
  const { A, B, bob } = await callOnB(roomId);
  const { encoder } = await pushViaA({ A, B, bob, roomId, user: 'cam' });
  const reconnects = await metric(A, 'minirtc_cluster_push_forward_reconnects_total');
  // The same stream pushed straight to B (a URL made for B: the same stream key).
  const direct = pushTestStream(await signedUrl(binaryPath(), { action: 'publish', appId, appKey, room: roomId, user: 'cam', rtmpBase: B.rtmpUrl }), { seconds: 120 });
  cleanup.push(() => direct.stop());
  const exited = await within(encoder.exited, 20000 * SLOW);
  assert.ok(exited, `${A.id} closed the encoder whose stream another push took over on ${B.id}`);
  await sleep(RELINK_WINDOW_MS);
  assert.equal(await metric(A, 'minirtc_cluster_push_forward_reconnects_total'), reconnects,
    `${A.id} opened no link again (it would take the stream back from the direct push)`);
  assert.equal(direct.proc.exitCode, null, 'the direct push keeps the stream');
  assert.match(A.logs(), /ended for good by the room's node: taken over by a new publisher/);
  await direct.stop();
});

test('a revocation of a session member\'s push URL on the room\'s node closes its encoder on the forwarding node, and the URL is refused there', { skip, timeout: 120000 * SLOW }, async (t) => {
  const roomId = `pushstop-revoke-${process.pid}`;
  const { A, B, bob } = await callOnB(roomId);
  const alice = new Phone([B.base], { playFormat: 'flv' });
  phones.push(alice);
  await alice.join(appId, makeToken({ appId, appKey, roomId, userId: 'alice', publish: true, subscribe: true }), roomId, 'alice');
  // alice's push URL (made by B's room for B) pushed to A: the key and the signed query are the
  // same, so A verifies it and forwards it.
  const own = await alice.client.publish();
  assert.ok(own.startsWith(`${B.rtmpUrl}/live/`), own);
  const url = A.rtmpUrl + own.slice(B.rtmpUrl.length);
  const forwardsBefore = await metric(A, 'minirtc_cluster_push_forwards');
  const encoder = pushTestStream(url, { seconds: 120 });
  cleanup.push(() => encoder.stop());
  await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice', 20000 * SLOW);
  await waitFor(async () => (await metric(A, 'minirtc_cluster_push_forwards')) === forwardsBefore + 1,
    { timeoutMs: 5000 * SLOW, what: `${A.id} forwarding alice's push` });
  const reconnects = await metric(A, 'minirtc_cluster_push_forward_reconnects_total');

  await alice.client.unpublish();  // B's room revokes the URL
  const exited = await within(encoder.exited, 10000 * SLOW);
  assert.ok(exited, `${A.id} closed the encoder of the revoked URL`);
  await sleep(RELINK_WINDOW_MS);
  assert.equal(await metric(A, 'minirtc_cluster_push_forward_reconnects_total'), reconnects);
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards'), forwardsBefore);
  // Pushed again to A: refused (as one node refuses a revoked URL).
  const links = await metric(A, 'minirtc_cluster_push_forwards_total');
  const again = pushTestStream(url, { seconds: 120 });
  cleanup.push(() => again.stop());
  assert.ok(await within(again.exited, 10000 * SLOW), 'the revoked URL pushed again is closed');
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards'), forwardsBefore);
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards_total'), links, 'not forwarded');
});
