// /v1/admin/streams across a cluster (docs/cluster.md "Cluster-wide admin"): two real nodes on
// one real Redis, an ffmpeg publisher pushing a stream to each. Either node lists both streams,
// each with the node that serves it; a viewer of n1's stream playing on n2 makes n2 pull it over
// the relay, and that copy is listed too, on n2, marked relayed with its origin. Once n2 is killed
// (SIGKILL: its record stays in Redis until its TTL), n1 still answers at once, with its own
// streams and n2 reported unreachable (or, after the TTL, absent), never an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryPath } from './lib/server.mjs';
import { useCluster } from './lib/cluster_harness.mjs';
import { SLOW } from './lib/sdk_phone.mjs';
import { signedUrl, pushTestStream, playHttpFlv, waitFor } from './lib/media.mjs';

const appId = 'streamsadm0123456789abcd';
const appKey = 'cluster-streams-key';
const adminKey = 'cluster-streams-admin';

const fx = useCluster({ ids: ['n1', 'n2'], prefix: 'cluster-streams', app: `${appId}:${appKey}`, adminKey, waitForNodes: true,
  toml: '[cluster]\nsecret = "a-cluster-secret-for-stream-lists"\nnode_ttl_ms = 5000\npin_ttl_ms = 10000\n' });
const { skip, nodes, cleanup } = fx;

const auth = { authorization: `Bearer ${adminKey}` };
async function streamsOf(node, query = '') {
  const res = await fetch(`${node.base}/v1/admin/streams${query}`, { headers: auth });
  return { status: res.status, body: await res.json() };
}
const find = (list, key, node) => list.find((s) => s.stream === key && s.node === node);

test('either node lists every node\'s streams with their node; a dead node is unreachable, not an error', { skip, timeout: 120000 * SLOW }, async () => {
  const [n1, n2] = nodes;
  const bin = binaryPath();
  const rooms = { n1: `sa-${process.pid}`, n2: `sb-${process.pid}` };
  const keys = { n1: `${appId}~${rooms.n1}~alice~main`, n2: `${appId}~${rooms.n2}~bob~main` };
  for (const [node, user] of [[n1, 'alice'], [n2, 'bob']]) {
    const url = await signedUrl(bin, { action: 'publish', appId, appKey, room: rooms[node.id], user, rtmpBase: node.rtmpUrl });
    const pusher = pushTestStream(url, { seconds: 120 });
    cleanup.push(() => pusher.stop());
  }

  // Both nodes list both streams, live, each on the node it is pushed to.
  for (const asked of [n1, n2]) {
    await waitFor(async () => {
      const { status, body } = await streamsOf(asked);
      return status === 200 && find(body.streams, keys.n1, 'n1')?.live && find(body.streams, keys.n2, 'n2')?.live;
    }, { timeoutMs: 20000 * SLOW, what: `both streams live in ${asked.id}'s listing` });
    const { body } = await streamsOf(asked);
    assert.deepEqual(body.nodes.map((n) => n.node).sort(), ['n1', 'n2']);
    assert.ok(body.nodes.every((n) => n.error === undefined), JSON.stringify(body.nodes));
    assert.equal(find(body.streams, keys.n1, 'n1').relayed, false);
    assert.equal(find(body.streams, keys.n1, 'n1').userId, 'alice');
    assert.equal(find(body.streams, keys.n2, 'n2').roomId, rooms.n2);
    // Each stream once per node that has it: here one each.
    assert.equal(body.streams.filter((s) => s.stream === keys.n1).length, 1);
  }
  // ?scope=node: the node's own part only.
  const own = await streamsOf(n2, '?scope=node');
  assert.equal(own.status, 200);
  assert.equal(own.body.node, 'n2');
  assert.deepEqual(own.body.streams.map((s) => s.stream), [keys.n2]);

  // A viewer of n1's stream on n2: n2 relays it, and both listings show n2's copy.
  const playUrl = await signedUrl(bin, { action: 'play', appId, appKey, room: rooms.n1, user: 'alice', viewer: 'carol', format: 'flv', httpBase: n2.base });
  const player = playHttpFlv(playUrl);
  cleanup.push(() => player.abort());
  await waitFor(() => player.reader.videoFrames.length > 0, { timeoutMs: 20000 * SLOW, what: 'carol playing on n2' });
  for (const asked of [n1, n2]) {
    // The origin comes from the room directory, which each node reads once per registry tick:
    // a room created a moment ago may not be in it yet (up to ~2 s, docs/cluster.md "Edges").
    await waitFor(async () => {
      const copy = find((await streamsOf(asked)).body.streams, keys.n1, 'n2');
      return copy?.viewers === 1 && copy.origin === 'n1';
    }, { timeoutMs: 5000 * SLOW, what: `n2's relayed copy with its viewer and origin in ${asked.id}'s listing` });
    const copy = find((await streamsOf(asked)).body.streams, keys.n1, 'n2');
    assert.equal(copy.relayed, true);
    assert.equal(copy.origin, 'n1');
    assert.equal(copy.publishing, true);
  }
  player.abort();

  // n2 dies without a word: its record stays until its TTL, so n1 still asks it, and reports it.
  n2.proc.kill('SIGKILL');
  await new Promise((r) => n2.proc.once('exit', r));
  const started = Date.now();
  const { status, body } = await streamsOf(n1);
  const took = Date.now() - started;
  assert.equal(status, 200, JSON.stringify(body));
  assert.ok(took < 4000, `answered in ${took} ms`);
  assert.ok(find(body.streams, keys.n1, 'n1'), 'n1\'s own stream is listed');
  assert.equal(body.streams.filter((s) => s.node === 'n2').length, 0);
  const dead = body.nodes.find((n) => n.node === 'n2');
  if (dead) {
    assert.equal(dead.unreachable, true, JSON.stringify(dead));
    assert.match(dead.error, /connect|no answer/);
  }
  // After the TTL n2 is no longer a live node: not listed at all.
  await waitFor(async () => {
    const r = await streamsOf(n1);
    return r.status === 200 && !r.body.nodes.some((n) => n.node === 'n2');
  }, { timeoutMs: 15000 * SLOW, what: 'n2 gone from n1\'s listing' });
});
