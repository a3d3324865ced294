// Edges (docs/cluster.md "Edges"): two real nodes on one real Redis, capacity one viewer per
// node. The room's node hands its first viewer a play URL on itself and, once that viewer plays
// (its record counts it), the next one a URL on the other node, which pulls the stream from the
// room's node over the relay and serves it from its own hub. An unsubscribe on the room's node
// closes the viewer on the edge (the revocation is broadcast to every node).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster, metric } from './lib/cluster_harness.mjs';
import { Phone, SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';
import { pushTestStream, playHttpFlv, waitFor } from './lib/media.mjs';

const appId = 'edgetest0123456789abcdef';
const appKey = 'edge-test-key';
const adminKey = 'edge-admin-key';
const fx = useCluster({ ids: ['n1', 'n2'], prefix: 'edge', app: `${appId}:${appKey}`, adminKey,
  toml: '[cluster]\nsecret = "a-cluster-secret-for-edges"\nmax_viewers = 1\ndrain_timeout_ms = 3000\n' });
const { skip, nodes, phones, cleanup } = fx;

const auth = { authorization: `Bearer ${adminKey}` };

test('a viewer the room\'s node has no capacity for plays on the other node, which relays the stream; an unsubscribe closes it there', { skip, timeout: 120000 * SLOW }, async () => {
  const roomId = `edge-${process.pid}`;
  const join1 = async (userId) => {
    const phone = new Phone(nodes.map((n) => n.base), { playFormat: 'flv' });
    phones.push(phone);
    await phone.join(appId, makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true }), roomId, userId);
    return phone;
  };
  const [alice, bob, carol] = [await join1('alice'), await join1('bob'), await join1('carol')];
  let owner = null;
  for (const n of nodes) if ((await fetch(`${n.base}/v1/admin/apps/${appId}/rooms/${roomId}`, { headers: auth, redirect: 'manual' })).status === 200) owner = n;
  assert.ok(owner, 'a node holds the room');
  const edge = nodes.find((n) => n !== owner);

  const pusher = pushTestStream(await alice.client.publish(), { seconds: 120 });
  cleanup.push(() => pusher.stop());
  // bob: the room's node has room for one viewer.
  const bobUrl = await bob.client.subscribe('alice', { screen: false });
  assert.ok(bobUrl.startsWith(`${owner.base}/live/`), `bob plays on the room's node: ${bobUrl}`);
  const bobPlayer = playHttpFlv(bobUrl);
  cleanup.push(() => bobPlayer.abort());
  await waitFor(() => bobPlayer.reader.videoFrames.length > 0, { timeoutMs: 15000 * SLOW, what: 'bob playing' });
  // Once the room's node's record counts bob, it is full: carol is sent to the edge.
  await waitFor(async () => {
    const list = (await (await fetch(`${edge.base}/v1/admin/nodes`, { headers: auth })).json()).nodes;
    return list.some((n) => n.id === owner.id && n.viewers >= 1);
  }, { timeoutMs: 10000 * SLOW, what: 'the room node\'s record to count bob' });
  const carolUrl = await carol.client.subscribe('alice', { screen: false });
  assert.ok(carolUrl.startsWith(`${edge.base}/live/`), `carol plays on the edge: ${carolUrl}`);
  const carolPlayer = playHttpFlv(carolUrl);
  cleanup.push(() => carolPlayer.abort());
  await waitFor(() => carolPlayer.reader.videoFrames.length > 10, { timeoutMs: 20000 * SLOW, what: 'carol playing on the edge' });
  assert.equal(carolPlayer.reader.status, 200);
  assert.ok(carolPlayer.reader.videoFrames.find((f) => !f.sequenceHeader).keyframe, 'the edge starts carol on a keyframe');
  assert.equal(await metric(edge, 'minirtc_relay_upstreams'), 1, 'the edge pulls the stream once');
  assert.equal(await metric(owner, 'minirtc_relay_downstreams'), 1, 'the room\'s node serves one relay pull');

  // carol unsubscribes on the room's node: her URL is revoked on every node, the edge closes her.
  const before = carolPlayer.reader.bytes;
  await carol.client.unsubscribe('alice', { screen: false });
  await Promise.race([carolPlayer.done, new Promise((_, rej) => setTimeout(() => rej(new Error('carol\'s edge player still open')), 10000 * SLOW))]);
  assert.ok(carolPlayer.reader.bytes >= before);
  // Her URL is refused on the edge from now on; bob goes on.
  const again = await fetch(carolUrl);
  assert.equal(again.status, 403, 'a revoked URL is refused on the edge');
  await again.body?.cancel();
  const frames = bobPlayer.reader.videoFrames.length;
  await waitFor(() => bobPlayer.reader.videoFrames.length > frames + 5, { timeoutMs: 5000 * SLOW, what: 'bob still playing' });
});
