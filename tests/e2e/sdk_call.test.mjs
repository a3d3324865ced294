// The built SDK against the real server: two users publish/subscribe with ffmpeg as the pusher
// and ffprobe as the player, mute and unmute, reports, leave, server-side refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pushTestStream, probe, sleep, waitFor } from './lib/media.mjs';
import { sdkTestServer, EVENTS, ERROR_CODES, SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const fx = sdkTestServer('sdkcall');
const { skip, newRoom, token, phone, appId: APP_ID, appKey: APP_KEY } = fx;

test('two users: publish, STREAM_ADDED, subscribe, the play URL plays H.264 + AAC', { skip }, async () => {
  const room = newRoom();
  const alice = phone();
  const bob = phone();
  assert.equal(await alice.join(APP_ID, token(room, 'alice'), room, 'alice'), 'alice');
  assert.equal(alice.client.state, 'connected');
  await bob.join(APP_ID, token(room, 'bob'), room, 'bob');
  assert.deepEqual(await bob.waitEvent(EVENTS.PEER_ONLINE), { uid: 'alice' });
  await alice.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === 'bob');

  const pushUrl = await alice.client.publish();
  assert.match(pushUrl, new RegExp(`^rtmp://127\\.0\\.0\\.1:\\d+/live/${APP_ID}~${room}~alice~main\\?a=pub&`));
  const pusher = pushTestStream(pushUrl, { size: '480x640', seconds: 60 });
  try {
    const added = await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
    assert.deepEqual(added, { uid: 'alice', screen: false, streamPublishState: { audio: true, video: true } });
    const playUrl = await bob.client.subscribe('alice', { screen: false });
    assert.match(playUrl, /^rtmp:\/\/.*a=play&v=bob&/);
    const info = await probe(playUrl);
    const video = info.streams.find((s) => s.codec_type === 'video');
    const audio = info.streams.find((s) => s.codec_type === 'audio');
    assert.equal(video.codec_name, 'h264');
    assert.equal(video.width, 480);
    assert.equal(video.height, 640);
    assert.equal(audio.codec_name, 'aac');

    // one signalling socket per phone, the whole time
    assert.equal(alice.openSockets().length, 1);
    assert.equal(bob.openSockets().length, 1);

    // unpublish: the subscriber gets STREAM_REMOVED
    await alice.client.unpublish();
    await bob.waitEvent(EVENTS.STREAM_REMOVED, (p) => p.uid === 'alice');
  } finally {
    await pusher.stop();
  }
});

test('mute and unmute: MUTE_*/UNMUTE_* events; both off removes the stream, back adds it', { skip }, async () => {
  const room = newRoom();
  const alice = phone();
  const bob = phone();
  await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
  await bob.join(APP_ID, token(room, 'bob'), room, 'bob');
  const pusher = pushTestStream(await alice.client.publish(), { size: '320x240', seconds: 60 });
  try {
    await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
    await bob.client.subscribe('alice', {});
    await alice.client.muteLocal({ audio: true });
    assert.deepEqual(await bob.waitEvent(EVENTS.MUTE_AUDIO), { uid: 'alice', screen: false });
    await alice.client.muteLocal({ audio: false });
    assert.deepEqual(await bob.waitEvent(EVENTS.UNMUTE_AUDIO), { uid: 'alice', screen: false });
    await alice.client.muteLocal({ video: true });
    assert.deepEqual(await bob.waitEvent(EVENTS.MUTE_VIDEO), { uid: 'alice', screen: false });
    await alice.client.muteLocal({ audio: true });
    await bob.waitEvent(EVENTS.STREAM_REMOVED, (p) => p.uid === 'alice');
    await alice.client.muteLocal({ audio: false, video: false });
    await waitFor(() => bob.named(EVENTS.STREAM_ADDED).filter((p) => p.uid === 'alice').length === 2, {
      timeoutMs: 10000 * SLOW,
      what: 'STREAM_ADDED after both back on',
    });
    // the seed's flow: STREAM_ADDED → subscribe again → the URL plays
    const playUrl = await bob.client.subscribe('alice', {});
    const info = await probe(playUrl);
    assert.ok(info.streams.some((s) => s.codec_type === 'video'));

    // muteRemote keeps the subscription; unknown user fails locally
    await bob.client.muteRemote('alice', { video: true });
    await bob.client.muteRemote('alice', { video: false });
    await assert.rejects(bob.client.muteRemote('nobody', { video: true }), (e) => typeof e.code === 'number');
  } finally {
    await pusher.stop();
  }
});

test('reports reach the server: a -1307 pusher state comes back as STREAM_FAILED', { skip }, async () => {
  const room = newRoom();
  const alice = phone();
  await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
  await alice.client.publish();
  alice.client.reportPusherNetStatusChange({ videoBitrate: 400, videoFPS: 15, netQualityLevel: 1 });
  alice.client.reportPusherStateChange(-1307, 'reconnects exhausted');
  const failed = await alice.waitEvent(EVENTS.STREAM_FAILED);
  assert.equal(failed.uid, 'alice');
  assert.equal(failed.screen, false);
  assert.equal(typeof failed.reason, 'string');
  const posts = alice.wx.requests.filter((r) => r.method === 'POST');
  assert.equal(posts.length, 1, 'sent at once, in one batch');
  assert.equal(posts[0].status, 200);
  const body = JSON.parse(posts[0].body);
  assert.deepEqual(body.reports.map((r) => r.type), ['pusherNet', 'pusherState']);
});

test('leave: others get PEER_LEAVE (and STREAM_REMOVED), the socket is closed', { skip }, async () => {
  const room = newRoom();
  const alice = phone();
  const bob = phone();
  await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
  await bob.join(APP_ID, token(room, 'bob'), room, 'bob');
  const pusher = pushTestStream(await alice.client.publish(), { size: '320x240', seconds: 60 });
  try {
    await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
    await alice.client.leave();
    assert.equal(alice.client.state, 'initialized');
    await bob.waitEvent(EVENTS.PEER_LEAVE, (p) => p.uid === 'alice');
    await bob.waitEvent(EVENTS.STREAM_REMOVED, (p) => p.uid === 'alice');
    await waitFor(() => alice.openSockets().length === 0, { what: 'socket closed' });
    assert.equal(alice.wx.sockets[0].closed.code, 1000);
    assert.deepEqual(alice.named(EVENTS.DISCONNECT), []);
    // join again on the same client
    await alice.client.join(token(room, 'alice'), room, 'alice');
    await bob.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === 'alice' && bob.named(EVENTS.PEER_ONLINE).length >= 2);
  } finally {
    await pusher.stop();
  }
});

test('refusals from the server keep their codes; wrong states fail without the network', { skip }, async () => {
  const room = newRoom();
  const alice = phone();
  await alice.client.init(APP_ID);
  const expired = makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: 'alice', issuedAt: 1600000000, expire: 60 });
  await assert.rejects(alice.client.join(expired, room, 'alice'), (e) => e.code === ERROR_CODES.JOIN_ROOM_ERROR && /expired/.test(e.reason));
  await assert.rejects(
    alice.client.join(token(room, 'alice', { appKey: 'wrong key' }), room, 'alice'),
    (e) => e.code === ERROR_CODES.JOIN_ROOM_ERROR,
  );
  assert.equal(alice.openSockets().length, 0, 'a refused join leaves no socket');

  // unknown app: the config request fails
  const stranger = phone();
  await stranger.client.init('nosuchapp000000000000000');
  await assert.rejects(stranger.client.join('x', room, 'x'), (e) => e.code === ERROR_CODES.GET_CONFIG_ERROR && /404/.test(e.reason));

  // subscribe-only token: publish refused by the server
  const viewer = phone();
  const viewerToken = makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: room, userId: 'viewer', subscribe: true });
  await viewer.join(APP_ID, viewerToken, room, 'viewer');
  await assert.rejects(viewer.client.publish(), (e) => e.code === ERROR_CODES.PUBLISH_ERROR);

  // a peer that publishes nothing: STREAM_ID_NOT_FOUND from the server
  await alice.client.join(token(room, 'alice'), room, 'alice');
  await viewer.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === 'alice');
  await assert.rejects(viewer.client.subscribe('alice', {}), (e) => e.code === ERROR_CODES.STREAM_ID_NOT_FOUND);

  // wrong states: no frame goes out
  const before = alice.wx.sockets[alice.wx.sockets.length - 1].sent.length;
  await assert.rejects(alice.client.join(token(room, 'alice'), room, 'alice'), (e) => e.code === ERROR_CODES.ALREADY_IN_ROOM);
  await assert.rejects(alice.client.unpublish(), (e) => e.code === ERROR_CODES.NOT_PUBLISHED);
  await assert.rejects(alice.client.subscribe('ghost', {}), (e) => e.code === ERROR_CODES.UID_NOT_FOUND);
  await assert.rejects(alice.client.init(APP_ID), (e) => e.code === ERROR_CODES.HAS_INITED);
  await sleep(50);
  assert.equal(alice.wx.sockets[alice.wx.sockets.length - 1].sent.length, before);
});
