// Pin conflict after a Redis outage (docs/cluster.md "Pin conflicts"): two real nodes on one real
// Redis both hold the same room, each with half of a call (one publisher pushing with ffmpeg, one
// viewer playing over HTTP-FLV per half). The split is made as an outage leaves it: the room's
// pin is lost and the other node pins the room for a join that reaches it (the room's node is
// paused with SIGSTOP meanwhile, so it cannot write its pin back before that join is placed:
// without the pause the test would race the node's one-second refresh). When the room's node
// runs again, both refresh their pins: the older claim wins, the other node hands its half over
// (session records, 1001), and its phones resume silently on the winner, which merges them in.
// Checked: all users in the winner's room, connected; each half sees the other's users appear;
// every viewer plays every publisher from the winner; no DISCONNECT; the loser holds no room. A
// user in both halves (erin) keeps the session that moves in; the winner's gets CLIENT_BANNED.
// A media-only member of the loser's half (cam: ffmpeg pushing a `minirtc url publish` URL made
// for the loser) cannot move: the loser forwards its push to the winner (docs/cluster.md "Pushes
// to another node"), where it is a member, plays from a keyframe, and goes on past the hand-over's
// deadline.
// The app server's callbacks (a receiver on loopback, both nodes sending to it): each user of the
// loser's half is announced once (UserJoined from the loser; the winner restores it silently), cam
// included, although its push reaches the winner as a new stream; nobody is announced leaving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { binaryPath } from './lib/server.mjs';
import { useCluster, adminClient, roomHolders, metric, phoneOn as phoneOnWith } from './lib/cluster_harness.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { runApp as runAppWith } from './lib/call_app.mjs';
import { makeToken } from '../../examples/token/token.mjs';
import { pushTestStream, playHttpFlv, signedUrl, waitFor } from './lib/media.mjs';

const appId = 'handovertest0123456789ab';
const appKey = 'handover-test-key';
const adminKey = 'handover-admin-key';

const fx = useCluster({ ids: ['n1', 'n2'], prefix: 'handover', app: null, adminKey, receiver: { secret: appKey },
  toml: ({ receiver }) => '[cluster]\nsecret = "a-cluster-secret-for-handover"\ndrain_timeout_ms = 8000\n\n' +
    '[callbacks]\nretry_first_delay_ms = 200\nretry_max_delay_ms = 1000\n\n' +
    `[[apps]]\nid = "${appId}"\nkey = "${appKey}"\ncallback_urls = [${JSON.stringify(receiver.url)}]\n` });
const { skip, nodes, phones, cleanup } = fx;
const extra = [];           // erin's two phones
const pushers = new Map();  // userId → ffmpeg
const players = [];         // every player ever started: {viewer, uid, url, player, startedAt}
cleanup.push(async () => {
  for (const p of pushers.values()) await p.stop();
  for (const p of players) p.player.abort();
  for (const p of extra) await p.destroy();
});

const admin = adminClient(adminKey);
const runApp = (phone, userId) => runAppWith(phone, userId, { players, pushers });
/** A phone whose config lists `node` first (as a client a balancer sent there). */
const phoneOn = (node) => phoneOnWith(node, { playFormat: 'flv' });

test('two nodes holding one room after an outage: the loser hands its half over, the call goes on whole on the winner', { skip, timeout: 180000 * SLOW }, async (t) => {
  const roomId = `handover-${process.pid}`;
  const users = ['alice', 'bob', 'carol', 'dave'];
  const publishers = ['alice', 'carol'];
  const join = async (phone, userId) => {
    phones[users.indexOf(userId)] = phone;
    runApp(phone, userId);
    await phone.join(appId, makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true }), roomId, userId);
  };
  const publish = async (userId) => {
    const url = await phones[users.indexOf(userId)].client.publish();
    pushers.set(userId, pushTestStream(url, { seconds: 300 }));
  };

  // The first half: alice and bob, on whichever node the room is pinned to (the winner).
  await join(new Phone(nodes[0].base, { playFormat: 'flv' }), 'alice');
  await join(new Phone(nodes[0].base, { playFormat: 'flv' }), 'bob');
  const holders = await roomHolders(admin, nodes, appId, roomId);
  assert.equal(holders.length, 1, 'one node holds the room');
  const winner = holders[0];
  const loser = nodes.find((n) => n !== winner);
  await publish('alice');
  await waitFor(() => players.some((p) => p.viewer === 'bob' && p.uid === 'alice' && p.player.reader.videoFrames.length > 0),
    { timeoutMs: 20000 * SLOW, what: 'bob playing alice' });
  // erin is in both halves: on the winner, and (a second device) on the loser during the split.
  const erin = new Phone(winner.base, { playFormat: 'flv' });
  const erinToken = makeToken({ appId, appKey, roomId, userId: 'erin', publish: true, subscribe: true });
  extra.push(erin);
  await erin.join(appId, erinToken, roomId, 'erin');
  // The winner's records (alice, bob, erin) are in Redis before the outage.
  await waitFor(async () => Number(await fx.redis.cli('HLEN', `minirtc:room:{${appId}/${roomId}}:sessions`)) === 3,
    { timeoutMs: 5000 * SLOW, what: 'three session records in Redis' });

  // The outage's outcome: the pin is lost and the other node pins the room for carol's join.
  const pinKey = `minirtc:room:{${appId}/${roomId}}:pin`;
  winner.proc.kill('SIGSTOP');
  try {
    await fx.redis.cli('SET', pinKey, `v1 ${loser.id} ${Date.now()}`, 'PX', '10000');
    // cam's encoder pushes a URL made for the loser: the room is pinned there now, so it takes it.
    const camUrl = await signedUrl(binaryPath(), { action: 'publish', appId, appKey, room: roomId, user: 'cam', rtmpBase: loser.rtmpUrl });
    pushers.set('cam', pushTestStream(camUrl, { seconds: 300 }));
    await join(phoneOn(loser), 'carol');
    await join(phoneOn(loser), 'dave');
    const erin2 = phoneOn(loser);
    extra.push(erin2);
    await erin2.join(appId, erinToken, roomId, 'erin');
    for (const userId of ['carol', 'dave'])
      assert.deepEqual(phones[users.indexOf(userId)].wx.sockets.map((s) => s.url), [`ws://${loser.http}/${loser.id}/v1/signal`],
        `${userId} joined the room on ${loser.id}, not redirected`);
    const split = await admin(loser, `/apps/${appId}/rooms/${roomId}`);
    assert.equal(split.status, 200, `${loser.id} holds the room too`);
    assert.deepEqual(split.body.members.map((m) => m.userId).filter((u) => u !== 'cam').sort(), ['carol', 'dave', 'erin']);
    await publish('carol');
    await waitFor(async () => (await admin(loser, `/apps/${appId}/rooms/${roomId}`)).body.members.some((m) => m.userId === 'cam'),
      { timeoutMs: 3000 * SLOW, what: `cam live in ${loser.id}'s half` });
  } finally {
    winner.proc.kill('SIGCONT');
  }
  const resumedAt = Date.now();

  // The two halves meet on the winner.
  for (const [i, userId] of users.entries())
    for (const other of users.filter((u) => u !== userId))
      await phones[i].waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === other, 20000 * SLOW)
        .catch((e) => {
          for (const n of nodes) console.log(`==== ${n.id}\n` + n.logs().split('\n').slice(-40).join('\n'));
          throw new Error(`${userId} did not see ${other}: ${e.message}`);
        });
  const expected = users.flatMap((v) => publishers.filter((p) => p !== v).map((p) => ({ viewer: v, uid: p })));
  const fromWinner = (e) => players.some((p) => p.viewer === e.viewer && p.uid === e.uid && p.url.includes(`//${winner.http}/`) &&
    p.player.reader.videoFrames.length > 0);
  await waitFor(() => expected.every(fromWinner), { timeoutMs: 30000 * SLOW, what: 'every viewer playing every publisher from the winner' });
  t.diagnostic(`every viewer playing every publisher from ${winner.id} ${Date.now() - resumedAt} ms after the winner ran again`);

  // erin's session that moved in wins, as a second join of the same userId would: the one that
  // was on the winner is banned; the moved one meets everyone there.
  const [erinOnWinner, erinMoved] = extra;
  await erinOnWinner.waitEvent(EVENTS.CLIENT_BANNED, (p) => /moved in from another node/.test(JSON.stringify(p)));
  for (const other of users) await erinMoved.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === other, 20000 * SLOW);
  assert.equal(erinMoved.named(EVENTS.DISCONNECT).length, 0, 'erin moved: no DISCONNECT');
  assert.equal(erinMoved.named(EVENTS.CLIENT_BANNED).length, 0, 'erin moved: not banned');

  const room = await admin(winner, `/apps/${appId}/rooms/${roomId}`);
  assert.equal(room.status, 200);
  assert.deepEqual(room.body.members.map((m) => m.userId).filter((u) => u !== 'cam').sort(), [...users, 'erin'].sort());
  for (const m of room.body.members.filter((u) => u.userId !== 'cam')) assert.equal(m.state, 'connected', `${m.userId} connected`);
  // carol pushes to the winner now (UPDATE_URL with its RTMP address).
  assert.ok(phones[2].named(EVENTS.UPDATE_URL).some((u) => u.uid === 'carol' && u.url.includes(winner.rtmp)),
    'carol: UPDATE_URL to push to the winner');
  // The loser holds nothing: the room is the winner's (a redirect), its pin the winner's.
  await waitFor(async () => (await admin(loser, `/apps/${appId}/rooms/${roomId}`)).status === 307,
    { timeoutMs: 5000 * SLOW, what: `${loser.id} to list the room as the winner's` });
  assert.ok((await fx.redis.cli('GET', pinKey)).startsWith(`v1 ${winner.id} `));
  const list = await admin(loser, `/apps/${appId}/rooms`);
  assert.ok(list.body.rooms.every((r) => r.node !== loser.id), JSON.stringify(list.body));
  assert.match(loser.logs(), /hands its sessions over/);
  assert.match(loser.logs(), new RegExp(`room ${appId}/${roomId}: 3 sessions move to node ${winner.id}`));

  // cam's push was forwarded to the winner: a member there, played from a keyframe, not cut at the
  // hand-over's deadline (drain_timeout_ms) as the moved sessions' old pushes are.
  await waitFor(async () => (await admin(winner, `/apps/${appId}/rooms/${roomId}`)).body.members.some((m) => m.userId === 'cam'),
    { timeoutMs: 10000 * SLOW, what: `cam a member on ${winner.id}` });
  assert.match(loser.logs(), new RegExp(`its room moved to node ${winner.id}: forwarded there`));
  assert.match(loser.logs(), new RegExp(`publishing on node ${winner.id} at \\S+ \\(its member moved there from node ${loser.id}\\)`));
  assert.match(winner.logs(), /cam~main \(forwarded by another node: its member moved here\)/);
  assert.equal(await metric(loser, 'minirtc_cluster_push_forwards'), 1, `${loser.id} forwards cam`);
  const camPlay = playHttpFlv(await signedUrl(binaryPath(), { action: 'play', appId, appKey, room: roomId, user: 'cam', viewer: 'watcher', format: 'flv', httpBase: winner.base }));
  players.push({ viewer: 'watcher', uid: 'cam', url: winner.base, player: camPlay, startedAt: Date.now() });
  await waitFor(() => camPlay.reader.videoFrames.length > 10, { timeoutMs: 15000 * SLOW, what: 'cam playing on the winner' });
  assert.ok(camPlay.reader.videoFrames.find((f) => !f.sequenceHeader).keyframe, 'cam starts on a keyframe');
  await new Promise((r) => setTimeout(r, 9000));  // past the loser's deadline (8 s) for its media
  const frames = camPlay.reader.videoFrames.length;
  await waitFor(() => camPlay.reader.videoFrames.length > frames + 10, { timeoutMs: 5000 * SLOW, what: 'cam still playing after the deadline' });
  assert.equal(pushers.get('cam').proc.exitCode, null, 'cam\'s encoder still pushing to the loser');
  assert.ok((await admin(loser, `/apps/${appId}/rooms/${roomId}`)).status === 307, `${loser.id} still holds no room`);

  // The app server's view: one UserJoined per user (the loser's half announced by the loser, not
  // again by the winner: restored there, cam's forwarded push included) and no UserLeft. The
  // winner's StreamStarted for cam (a stream that starts there) comes after any UserJoined of cam
  // the winner would send, in its order of the room's events.
  const cbs = () => fx.receiver.events().filter((e) => e.data.roomId === roomId);
  await waitFor(() => cbs().filter((e) => e.EventType === 'StreamStarted' && e.data.userId === 'cam').length >= 2,
    { timeoutMs: 10000 * SLOW, what: 'StreamStarted of cam from both nodes' });
  await waitFor(() => ['alice', 'bob', 'carol', 'dave'].every((u) => cbs().some((e) => e.EventType === 'UserJoined' && e.data.userId === u)),
    { timeoutMs: 10000 * SLOW, what: 'UserJoined of every user' });
  const summary = cbs().map((e) => `${e.EventType}:${e.data.userId ?? ''}:${e.data.reason ?? ''}`).join(' ');
  for (const u of ['alice', 'bob', 'carol', 'dave', 'cam'])
    assert.equal(cbs().filter((e) => e.EventType === 'UserJoined' && e.data.userId === u).length, 1, `one UserJoined of ${u}: ${summary}`);
  assert.ok(cbs().find((e) => e.EventType === 'UserJoined' && e.data.userId === 'cam').data.mediaOnly, 'cam joined media-only');
  for (const u of ['alice', 'bob', 'carol', 'dave', 'cam'])
    assert.equal(cbs().filter((e) => e.EventType === 'UserLeft' && e.data.userId === u).length, 0, `no UserLeft of ${u}: ${summary}`);
  assert.equal(cbs().filter((e) => e.EventType === 'RoomEnded').length, 0, `no RoomEnded: ${summary}`);

  phones.forEach((p, i) => {
    assert.equal(p.named(EVENTS.DISCONNECT).length, 0, `${users[i]}: no DISCONNECT`);
    assert.equal(p.named(EVENTS.PEER_LEAVE).length, 0, `${users[i]}: no PEER_LEAVE`);
    assert.equal(p.named(EVENTS.CLIENT_BANNED).length, 0, `${users[i]}: no CLIENT_BANNED`);
  });
});
