// Node loss (docs/cluster.md "Node loss"): three real nodes on one real Redis; a call of four
// phones (the built SDK) — two publishing with ffmpeg, everyone playing the others over HTTP-FLV —
// on the room's node; that node is killed with SIGKILL. Every phone resumes silently on another
// node: the SDK reconnects, is redirected to the room's new node if needed, and the app hears
// UPDATE_URL with the new push and play URLs (the test's "app" restarts ffmpeg and its players
// with them). Checked: no DISCONNECT, no peer leaving or joining, and every publisher pushing and
// every viewer playing again within 10 s of the kill (the measured times are printed). Then the
// room's new node is stopped with SIGTERM: it drains (docs/cluster.md "Drain"), the phones move to
// the last node the same way while media goes on from the draining one, and it exits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster, adminClient, roomHolders } from './lib/cluster_harness.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { runApp as runAppWith } from './lib/call_app.mjs';
import { makeToken } from '../../examples/token/token.mjs';
import { pushTestStream, waitFor } from './lib/media.mjs';

const appId = 'failovertest0123456789ab';
const appKey = 'failover-test-key';
const adminKey = 'failover-admin-key';
const TARGET_MS = 10000;

const fx = useCluster({ ids: ['n1', 'n2', 'n3'], prefix: 'failover', app: `${appId}:${appKey}`, adminKey,
  toml: '[cluster]\nsecret = "a-cluster-secret-for-failover"\ndrain_timeout_ms = 8000\n' });
const { skip, nodes, phones, cleanup } = fx;
const pushers = new Map();  // userId → ffmpeg
const players = [];         // every player ever started: {viewer, uid, url, player, startedAt}
cleanup.push(async () => {
  for (const p of pushers.values()) await p.stop();
  for (const p of players) p.player.abort();
});

// This file's admin calls follow redirects (fetch's default), as they always did.
const admin = adminClient(adminKey, { redirect: 'follow' });

const runApp = (phone, userId) => runAppWith(phone, userId, { players, pushers });

test('the room\'s node killed with SIGKILL: every phone resumes on another node, pushes and plays again within 10 s', { skip, timeout: 180000 * SLOW }, async (t) => {
  const roomId = `failover-${process.pid}`;
  const users = ['alice', 'bob', 'carol', 'dave'];
  const publishers = ['alice', 'bob'];
  for (const userId of users) {
    // The app lists every node (or one address behind a balancer): when one is gone, the SDK
    // tries the others.
    const phone = new Phone(nodes.map((n) => n.base), { playFormat: 'flv' });
    phones.push(phone);
    runApp(phone, userId);
    await phone.join(appId, makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true }), roomId, userId);
  }
  const holders = await roomHolders(admin, nodes, appId, roomId);
  assert.equal(holders.length, 1, 'one node holds the room');
  const owner = holders[0];

  for (const userId of publishers) {
    const phone = phones[users.indexOf(userId)];
    const url = await phone.client.publish();
    pushers.set(userId, pushTestStream(url, { seconds: 300 }));
  }
  // Everyone plays every publisher (a publisher plays the other one).
  const expected = users.flatMap((v) => publishers.filter((p) => p !== v).map((p) => ({ viewer: v, uid: p })));
  const playing = (since) => (e) => players.some((p) => p.viewer === e.viewer && p.uid === e.uid &&
    p.player.reader.videoFrames.some((f) => f.receivedAt >= since));
  await waitFor(() => expected.every(playing(0)), { timeoutMs: 20000 * SLOW, what: 'every viewer playing' });
  // The session records are in Redis (written at the node's next tick).
  await waitFor(async () => Number(await fx.redis.cli('HLEN', `minirtc:room:{${appId}/${roomId}}:sessions`)) === 4,
    { timeoutMs: 5000 * SLOW, what: 'four session records in Redis' });
  const before = phones.map((p) => ({ online: p.named(EVENTS.PEER_ONLINE).length, leave: p.named(EVENTS.PEER_LEAVE).length }));

  await owner.stop('SIGKILL');
  nodes.splice(nodes.indexOf(owner), 1);
  const killedAt = Date.now();

  // Each (viewer, publisher) pair: first video frame after the kill, on a new URL.
  const back = new Map();
  await waitFor(() => {
    for (const e of expected) {
      const key = `${e.viewer}<-${e.uid}`;
      if (back.has(key)) continue;
      const p = players.filter((x) => x.viewer === e.viewer && x.uid === e.uid && x.startedAt >= killedAt)
        .find((x) => x.player.reader.videoFrames.length > 0);
      if (p) back.set(key, p.player.reader.videoFrames[0].receivedAt - killedAt);
    }
    return back.size === expected.length;
  }, { timeoutMs: 40000 * SLOW, what: 'every viewer playing again after the kill' });
  const times = [...back.entries()].map(([k, ms]) => `${k} ${ms} ms`).join(', ');
  t.diagnostic(`playing again after the kill: ${times}`);
  for (const [key, ms] of back) assert.ok(ms <= TARGET_MS * SLOW, `${key}: playing again after ${ms} ms`);

  // The room moved to one live node with its four members connected.
  const now = [];
  for (const n of nodes) {
    const r = await admin(n, `/apps/${appId}/rooms/${roomId}`);
    if (r.status === 200) now.push(r.body);
  }
  assert.equal(now.length, 1, 'one live node holds the room');
  assert.deepEqual(now[0].members.map((m) => m.userId).sort(), users);
  for (const m of now[0].members) assert.equal(m.state, 'connected', `${m.userId} connected`);
  // Nothing else disturbed: no DISCONNECT, nobody left or joined as the others saw it.
  phones.forEach((p, i) => {
    assert.equal(p.named(EVENTS.DISCONNECT).length, 0, `${users[i]}: no DISCONNECT`);
    assert.equal(p.named(EVENTS.PEER_LEAVE).length, before[i].leave, `${users[i]}: no PEER_LEAVE`);
    assert.equal(p.named(EVENTS.PEER_ONLINE).length, before[i].online, `${users[i]}: no new PEER_ONLINE`);
  });
  // Publishers got a new push URL on the new node, viewers new play URLs.
  for (const userId of publishers)
    assert.ok(phones[users.indexOf(userId)].named(EVENTS.UPDATE_URL).some((u) => u.uid === userId), `${userId}: UPDATE_URL for its push URL`);
});

test('the room\'s node stopped with SIGTERM drains: every phone moves to another node, media goes on meanwhile, the node exits once they left', { skip, timeout: 180000 * SLOW }, async (t) => {
  // The call of the test above goes on, on one of the two nodes left.
  const roomId = `failover-${process.pid}`;
  const holders = await roomHolders(admin, nodes, appId, roomId);
  assert.equal(holders.length, 1, 'one node holds the room');
  const owner = holders[0];
  const other = nodes.find((n) => n !== owner);
  const users = ['alice', 'bob', 'carol', 'dave'];
  const publishers = ['alice', 'bob'];
  const expected = users.flatMap((v) => publishers.filter((p) => p !== v).map((p) => ({ viewer: v, uid: p })));
  const before = phones.map((p) => ({ online: p.named(EVENTS.PEER_ONLINE).length, leave: p.named(EVENTS.PEER_LEAVE).length,
    updates: p.named(EVENTS.UPDATE_URL).length }));
  const latest = (e) => players.filter((x) => x.viewer === e.viewer && x.uid === e.uid).pop();
  await waitFor(() => expected.every((e) => latest(e) && latest(e).player.reader.videoFrames.length > 0),
    { timeoutMs: 20000 * SLOW, what: 'every viewer playing before the drain' });
  const oldPlayers = new Map(expected.map((e) => [`${e.viewer}<-${e.uid}`, latest(e)]));

  const termAt = Date.now();
  const stopped = owner.stop('SIGTERM');
  nodes.splice(nodes.indexOf(owner), 1);

  // Each pair plays from the node left; the gap is from the old player's last frame to the new
  // one's first.
  const gaps = new Map();
  await waitFor(() => {
    for (const e of expected) {
      const key = `${e.viewer}<-${e.uid}`;
      const now = latest(e);
      if (gaps.has(key) || !now || now === oldPlayers.get(key) || now.player.reader.videoFrames.length === 0) continue;
      const old = oldPlayers.get(key).player.reader.videoFrames;
      gaps.set(key, { gap: now.player.reader.videoFrames[0].receivedAt - old[old.length - 1].receivedAt,
        back: now.player.reader.videoFrames[0].receivedAt - termAt });
    }
    return gaps.size === expected.length;
  }, { timeoutMs: 30000 * SLOW, what: 'every viewer playing from the node left' });
  t.diagnostic(`after SIGTERM (gap since the old URL's last frame / since the signal): ${[...gaps].map(([k, v]) => `${k} ${v.gap}/${v.back} ms`).join(', ')}`);
  const code = await stopped;
  t.diagnostic(`the drained node exited ${Date.now() - termAt} ms after SIGTERM (code ${code})`);
  assert.equal(code, 0, 'the drained node exits cleanly');
  for (const [key, v] of gaps) assert.ok(v.back <= TARGET_MS * SLOW, `${key}: playing from the node left after ${v.back} ms`);

  const r = await admin(other, `/apps/${appId}/rooms/${roomId}`);
  assert.equal(r.status, 200, 'the node left holds the room');
  assert.deepEqual(r.body.members.map((m) => m.userId).sort(), users);
  for (const m of r.body.members) assert.equal(m.state, 'connected', `${m.userId} connected`);
  phones.forEach((p, i) => {
    assert.equal(p.named(EVENTS.DISCONNECT).length, 0, `${users[i]}: no DISCONNECT`);
    assert.equal(p.named(EVENTS.PEER_LEAVE).length, before[i].leave, `${users[i]}: no PEER_LEAVE`);
    assert.equal(p.named(EVENTS.PEER_ONLINE).length, before[i].online, `${users[i]}: no new PEER_ONLINE`);
    assert.ok(p.named(EVENTS.UPDATE_URL).length > before[i].updates, `${users[i]}: new URLs`);
  });
});
