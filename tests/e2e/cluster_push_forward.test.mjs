// Pushes to another node (docs/cluster.md "Pushes to another node"): two real nodes on one real
// Redis. A room is pinned to one node (B) by a signalling user's join; an encoder (ffmpeg) pushes
// a `minirtc url publish` URL made for the other node (A). A does not take the room: it accepts
// the encoder and forwards the stream to B over RTMP with a node-signed forward URL. Checked: the
// push is accepted, B's room has the encoder's user as a media-only member (the signalling user
// hears PEER_ONLINE and STREAM_ADDED as for a direct push), a player on B decodes the stream from
// a keyframe, A holds no room (its admin API redirects to B, its metrics count no room and one
// forward), the pin stays B's; the encoder stopping closes the forward. Then B dies (kill -9):
// A keeps the encoder while B's record lives (retrying with backoff), and once B's record expired
// the room is held by no other node, so A closes the encoder; pushed again, A takes the room.
// The app server's callbacks (a receiver both nodes send to): B announces cam joining (a fresh
// forward is a push like any other); A taking cam over after B died does not announce it again
// (it is restored, as the sessions of a node that died are).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryPath } from './lib/server.mjs';
import { useCluster, adminClient, roomHolders, metric } from './lib/cluster_harness.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';
import { pushTestStream, playHttpFlv, decode, signedUrl, waitFor } from './lib/media.mjs';

const appId = 'pushfwdtest0123456789abc';
const appKey = 'push-forward-test-key';
const adminKey = 'push-forward-admin-key';

const fx = useCluster({ ids: ['n1', 'n2'], prefix: 'pushfwd', app: null, adminKey, receiver: { secret: appKey },
  toml: ({ receiver }) => '[cluster]\nsecret = "a-cluster-secret-for-forwards"\ndrain_timeout_ms = 3000\n\n' +
    '[callbacks]\nretry_first_delay_ms = 200\nretry_max_delay_ms = 1000\n\n' +
    `[[apps]]\nid = "${appId}"\nkey = "${appKey}"\ncallback_urls = [${JSON.stringify(receiver.url)}]\n` });
const { skip, nodes, phones, cleanup } = fx;
const admin = adminClient(adminKey);

test('a push to a node that does not hold the room is forwarded to the room\'s node; A takes the room only once no other node holds it', { skip, timeout: 180000 * SLOW }, async (t) => {
  const roomId = `pushfwd-${process.pid}`;
  const bin = binaryPath();
  // bob joins by signalling: the room is pinned to one node, B.
  const bob = new Phone(nodes.map((n) => n.base), { playFormat: 'flv' });
  phones.push(bob);
  await bob.join(appId, makeToken({ appId, appKey, roomId, userId: 'bob', publish: true, subscribe: true }), roomId, 'bob');
  const holders = await roomHolders(admin, nodes, appId, roomId);
  assert.equal(holders.length, 1, 'one node holds the room');
  const B = holders[0];
  const A = nodes.find((n) => n !== B);
  const pinKey = `minirtc:room:{${appId}/${roomId}}:pin`;
  assert.ok((await fx.redis.cli('GET', pinKey)).startsWith(`v1 ${B.id} `));

  // An encoder pushes a URL made for A (as `minirtc url publish` prints it for a fixed node).
  const pushUrl = await signedUrl(bin, { action: 'publish', appId, appKey, room: roomId, user: 'cam', rtmpBase: A.rtmpUrl });
  assert.ok(pushUrl.startsWith(`${A.rtmpUrl}/live/`), pushUrl);
  const pushedAt = Date.now();
  let encoder = pushTestStream(pushUrl, { seconds: 120 });
  cleanup.push(() => encoder.stop());

  // B's room gets cam as a media-only member; bob hears of it as of a direct push.
  await bob.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === 'cam', 20000 * SLOW);
  await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'cam', 20000 * SLOW);
  t.diagnostic(`bob heard STREAM_ADDED for cam ${Date.now() - pushedAt} ms after the push started`);
  const room = await admin(B, `/apps/${appId}/rooms/${roomId}`);
  assert.equal(room.status, 200);
  assert.deepEqual(room.body.members.map((m) => m.userId).sort(), ['bob', 'cam']);
  assert.equal(encoder.proc.exitCode, null, 'the encoder is still pushing: its push was accepted');

  // A player on B: starts on a keyframe, and ffmpeg decodes the stream.
  const playUrl = await signedUrl(bin, { action: 'play', appId, appKey, room: roomId, user: 'cam', viewer: 'watcher', format: 'flv', httpBase: B.base });
  const player = playHttpFlv(playUrl);
  cleanup.push(() => player.abort());
  await waitFor(() => player.reader.videoFrames.length > 10, { timeoutMs: 20000 * SLOW, what: 'the player on B receiving video' });
  assert.equal(player.reader.status, 200);
  assert.ok(player.reader.videoFrames.find((f) => !f.sequenceHeader).keyframe, 'B starts the player on a keyframe');
  const rtmpPlay = await signedUrl(bin, { action: 'play', appId, appKey, room: roomId, user: 'cam', viewer: 'decoder', rtmpBase: B.rtmpUrl });
  const decoded = await decode(rtmpPlay, 3);
  assert.equal(decoded.code, 0, `ffmpeg decodes the forwarded stream on B: ${decoded.stderr}`);

  // A holds no room: its admin API sends the room's routes to B, it counts no room of its own,
  // and it forwards one stream; the pin is still B's.
  await waitFor(async () => (await admin(A, `/apps/${appId}/rooms/${roomId}`)).status === 307,
    { timeoutMs: 5000 * SLOW, what: `${A.id} to list the room as ${B.id}'s` });
  const list = await admin(A, `/apps/${appId}/rooms`);
  assert.ok(list.body.rooms.every((r) => r.node === B.id), JSON.stringify(list.body));
  assert.equal(await metric(A, 'minirtc_rooms'), 0, `${A.id} holds no room`);
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards'), 1, `${A.id} forwards one stream`);
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards_total'), 1, 'one link opened');
  assert.equal(await metric(A, 'minirtc_cluster_push_forward_reconnects_total'), 0);
  assert.ok((await fx.redis.cli('GET', pinKey)).startsWith(`v1 ${B.id} `), 'the pin stays B\'s');
  assert.match(A.logs(), new RegExp(`its room is held by node ${B.id}: forwarded there`));

  // The encoder stops: A closes the forward.
  await encoder.stop();
  await waitFor(async () => (await metric(A, 'minirtc_cluster_push_forwards')) === 0,
    { timeoutMs: 5000 * SLOW, what: `${A.id} to close the forward` });
  assert.match(A.logs(), /closed: the encoder stopped/);
  assert.equal(await metric(A, 'minirtc_rooms'), 0, `${A.id} still holds no room`);

  // B dies with the encoder pushing to A again: A keeps the encoder and retries while B's record
  // lives; once it expired no other node holds the room, A closes the encoder, and the encoder's
  // next push makes A hold the room.
  const framesBefore = player.reader.videoFrames.length;
  encoder = pushTestStream(pushUrl, { seconds: 120 });
  await waitFor(async () => (await metric(A, 'minirtc_cluster_push_forwards')) === 1 &&
    player.reader.videoFrames.length > framesBefore + 5, { timeoutMs: 15000 * SLOW, what: 'the second push forwarded to B\'s player' });
  // B announced cam once per presence: one joined and not left (the encoder came back within
  // the no-media timeout: the same member), or joined again after an announced leave.
  const cbs = (type) => fx.receiver.events(type).filter((e) => e.data.roomId === roomId && e.data.userId === 'cam');
  await waitFor(() => cbs('UserJoined').length >= 1 && cbs('StreamStarted').length >= 2,
    { timeoutMs: 10000 * SLOW, what: 'B\'s callbacks for cam' });
  const joined = cbs('UserJoined').length, left = cbs('UserLeft').length;
  assert.equal(joined, left + 1, `cam present once for the app server: ${joined} joined, ${left} left`);
  assert.ok(cbs('UserJoined').every((e) => e.data.mediaOnly), 'cam joined media-only');
  const roomsCreated = fx.receiver.events('RoomCreated').filter((e) => e.data.roomId === roomId).length;
  const startsBefore = cbs('StreamStarted').length;
  player.abort();
  await bob.destroy();
  B.proc.kill('SIGKILL');
  const killedAt = Date.now();
  const ended = await Promise.race([encoder.exited, new Promise((r) => setTimeout(() => r(null), 30000 * SLOW))]);
  assert.ok(ended, `${A.id} closed the encoder once the room was held by no other node`);
  t.diagnostic(`the encoder was closed ${Date.now() - killedAt} ms after ${B.id} died`);
  assert.ok(await metric(A, 'minirtc_cluster_push_forward_reconnects_total') >= 1, 'A retried the link while B\'s record lived');
  assert.match(A.logs(), /the room is not held by another node any more/);
  encoder = pushTestStream(pushUrl, { seconds: 120 });
  await waitFor(async () => (await admin(A, `/apps/${appId}/rooms/${roomId}`)).status === 200,
    { timeoutMs: 15000 * SLOW, what: `${A.id} to hold the room after the push came again` });
  const taken = await admin(A, `/apps/${appId}/rooms/${roomId}`);
  assert.deepEqual(taken.body.members.map((m) => m.userId), ['cam']);
  assert.equal(await metric(A, 'minirtc_cluster_push_forwards'), 0);
  assert.match(A.logs(), /its member moved here: this node forwarded it to a node gone/);
  // A's stream start is announced (a stream starts there); its room and cam are not again: B
  // announced them and, dead, never announced them ending.
  await waitFor(() => cbs('StreamStarted').length > startsBefore, { timeoutMs: 10000 * SLOW, what: 'A\'s StreamStarted for cam' });
  assert.equal(cbs('UserJoined').length, joined, 'no second UserJoined of cam from A');
  assert.equal(cbs('UserLeft').length, left, 'no UserLeft of cam');
  assert.equal(fx.receiver.events('RoomCreated').filter((e) => e.data.roomId === roomId).length, roomsCreated, 'no second RoomCreated');
});
