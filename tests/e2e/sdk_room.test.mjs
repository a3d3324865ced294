// The built SDK against the real server: a room of four publishing users, the same userId
// joining twice (CLIENT_BANNED), invisible users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pushTestStream, probe, sleep, waitFor } from './lib/media.mjs';
import { sdkTestServer, EVENTS, ERROR_CODES, SLOW } from './lib/sdk_phone.mjs';

const fx = sdkTestServer('sdkroom');
const { skip, newRoom, token, phone, appId: APP_ID } = fx;

test('four users: everyone publishes, everyone sees and subscribes to the three others', { skip }, async () => {
  const room = newRoom();
  const users = ['u1', 'u2', 'u3', 'u4'];
  const members = users.map(() => phone());
  const pushers = [];
  try {
    for (let i = 0; i < users.length; i++) {
      await members[i].join(APP_ID, token(room, users[i]), room, users[i]);
      const url = await members[i].client.publish();
      // small, slow streams: four encoders share two cores with the server
      pushers.push(pushTestStream(url, { size: '160x120', fps: 10, bitrate: '100k', seconds: 90 }));
    }
    const playUrls = {};
    for (let i = 0; i < users.length; i++) {
      const me = members[i];
      const others = users.filter((u) => u !== users[i]);
      for (const other of others) {
        await me.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === other, 20000 * SLOW);
        playUrls[`${users[i]}<-${other}`] = await me.client.subscribe(other, {});
      }
      // PEER_ONLINE once per other user, whether they were there first or came later
      assert.deepEqual(me.named(EVENTS.PEER_ONLINE).map((p) => p.uid).sort(), others);
      assert.equal(new Set(me.named(EVENTS.STREAM_ADDED).map((p) => p.uid)).size, 3);
      assert.equal(me.openSockets().length, 1);
    }
    assert.equal(Object.keys(playUrls).length, 12);
    for (const key of ['u1<-u4', 'u4<-u1', 'u2<-u3']) {
      const info = await probe(playUrls[key]);
      assert.ok(info.streams.some((s) => s.codec_type === 'video' && s.width === 160), key);
    }
    // one leaves: the three others see it go
    await members[2].client.leave();
    for (const i of [0, 1, 3]) {
      await members[i].waitEvent(EVENTS.PEER_LEAVE, (p) => p.uid === 'u3');
      await members[i].waitEvent(EVENTS.STREAM_REMOVED, (p) => p.uid === 'u3');
    }
  } finally {
    for (const p of pushers) await p.stop();
  }
});

test('same userId joining elsewhere: the first gets CLIENT_BANNED, not DISCONNECT; others see no leave', { skip }, async () => {
  const room = newRoom();
  const first = phone();
  const watcher = phone();
  await first.join(APP_ID, token(room, 'dup'), room, 'dup');
  await watcher.join(APP_ID, token(room, 'watcher'), room, 'watcher');
  await watcher.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === 'dup');
  const second = phone();
  await second.join(APP_ID, token(room, 'dup'), room, 'dup');
  await first.waitEvent(EVENTS.CLIENT_BANNED);
  assert.equal(first.client.state, 'disconnected');
  await waitFor(() => first.openSockets().length === 0, { what: 'banned socket closed' });
  await sleep(500 * SLOW);
  assert.deepEqual(first.named(EVENTS.DISCONNECT), [], 'a ban is not a disconnect');
  assert.equal(first.wx.sockets.length, 1, 'no resume after a ban');
  assert.deepEqual(watcher.named(EVENTS.PEER_LEAVE), []);
  assert.equal(second.client.state, 'connected');
  await assert.rejects(first.client.publish(), (e) => e.code === ERROR_CODES.NOT_IN_ROOM);
  // the new session works
  const url = await second.client.publish();
  const pusher = pushTestStream(url, { size: '160x120', fps: 10, seconds: 30 });
  try {
    await watcher.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'dup');
  } finally {
    await pusher.stop();
  }
});

test('an invisible user is not announced, cannot publish, can subscribe; turning visible announces it', { skip }, async () => {
  const room = newRoom();
  const alice = phone();
  const ghost = phone();
  await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
  const pusher = pushTestStream(await alice.client.publish(), { size: '160x120', fps: 10, seconds: 60 });
  try {
    await ghost.client.init(APP_ID);
    await ghost.client.setUserVisibility(false);
    await ghost.client.join(token(room, 'ghost'), room, 'ghost');
    await ghost.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
    const playUrl = await ghost.client.subscribe('alice', {});
    const info = await probe(playUrl);
    assert.ok(info.streams.some((s) => s.codec_type === 'audio'));
    await assert.rejects(ghost.client.publish(), (e) => e.code === ERROR_CODES.PUBLISH_ERROR);
    await sleep(300 * SLOW);
    assert.deepEqual(alice.named(EVENTS.PEER_ONLINE), []);
    await ghost.client.setUserVisibility(true);
    await alice.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === 'ghost');
    await ghost.client.setUserVisibility(false);
    await alice.waitEvent(EVENTS.PEER_LEAVE, (p) => p.uid === 'ghost');
  } finally {
    await pusher.stop();
  }
});
