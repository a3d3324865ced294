// Heartbeats, and resuming the session on a new socket when the old one drops (docs/protocol.md
// §4.4): the app sees no DISCONNECT, only what changed meanwhile; DISCONNECT when resume fails.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES as E, setup, record, rejectsWith } from './lib/sdk.mjs';
import { APP_ID, FakeWx, NO_REPLY, until } from './lib/fake_wx.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A FakeWx whose server keeps sessions: resume answers with the session's publications and
 * subscriptions and re-sends the burst of peers and streams of `room`.
 */
function resumableWx(room) {
  const wx = new FakeWx();
  wx.room = room; // {peers: [...], streams: [{uid, screen, streamPublishState}], pubUrl, subs: [{userId, screen, url}]}
  wx.handlers.join = (p) => ({
    sessionToken: 'sess-1',
    pingInterval: room.pingInterval || 10000,
    sessionTimeout: 30000,
    resumeWindow: room.resumeWindow || 2000,
    after: (s) => burst(s),
  });
  const burst = (s) => {
    for (const uid of room.peers) s.notify('peerOnline', { uid });
    for (const st of room.streams) s.notify('streamAdded', st);
  };
  wx.handlers.publish = () => ({ url: room.pubUrl });
  wx.handlers.subscribe = (p) => ({ url: room.subs.find((x) => x.userId === p.userId && x.screen === p.screen).url });
  wx.handlers.resume = (p) => {
    if (p.sessionToken !== 'sess-1' || room.forget) return { error: { code: 300008, message: 'unknown session' } };
    return {
      sessionToken: 'sess-1',
      pingInterval: room.pingInterval || 10000,
      sessionTimeout: 30000,
      resumeWindow: room.resumeWindow || 2000,
      publications: room.resumePubs || [{ screen: false, url: room.pubUrl }],
      subscriptions: room.resumeSubs || room.subs,
      after: (s) => burst(s),
    };
  };
  return wx;
}

function baseRoom() {
  return {
    peers: ['bob', 'carol'],
    streams: [
      { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } },
      { uid: 'carol', screen: false, streamPublishState: { audio: true, video: true } },
    ],
    pubUrl: 'rtmp://rtc.test/live/me?n=1',
    subs: [
      { userId: 'bob', screen: false, url: 'rtmp://rtc.test/live/bob?n=1' },
      { userId: 'carol', screen: false, url: 'rtmp://rtc.test/live/carol?n=1' },
    ],
  };
}

/** Joined, published, subscribed to bob and carol; events recorded from then on. */
async function inCall(room = baseRoom(), clientOptions = {}) {
  const wx = resumableWx(room);
  const { client } = await setup({ wx, client: clientOptions });
  await until(() => client._room.streams.size === room.streams.length, 'join burst');
  await client.publish();
  await client.subscribe('bob', {});
  await client.subscribe('carol', {});
  const events = record(client);
  return { wx, client, events, room };
}

test('a dropped socket is resumed on a new one; nothing changed, so no event at all', async () => {
  const { wx, client, events } = await inCall();
  const first = wx.socket;
  first.drop(1006, 'network lost');
  assert.equal(client.state, 'reconnecting');
  await until(() => client.state === 'connected', 'resumed');
  await sleep(20);
  assert.equal(wx.sockets.length, 2);
  const resume = wx.socket.requests('resume');
  assert.equal(resume.length, 1);
  assert.deepEqual(resume[0].params, { sessionToken: 'sess-1', appId: APP_ID, roomId: 'room', userId: 'me' });
  assert.equal(wx.socket.requests('join').length, 0, 'no new join');
  assert.deepEqual(events, []);
  assert.equal(wx.openSockets.length, 1, 'still one socket');
});

test('URLs that differ in the resume result come as UPDATE_URL', async () => {
  const room = baseRoom();
  const { wx, client, events } = await inCall(room);
  room.resumePubs = [{ screen: false, url: 'rtmp://rtc.test/live/me?n=2' }];
  room.resumeSubs = [
    { userId: 'bob', screen: false, url: 'rtmp://rtc.test/live/bob?n=2' },
    { userId: 'carol', screen: false, url: 'rtmp://rtc.test/live/carol?n=1' },
  ];
  wx.socket.drop();
  await until(() => client.state === 'connected', 'resumed');
  await sleep(20);
  assert.deepEqual(events, [
    ['UPDATE_URL', { uid: 'me', screen: false, url: 'rtmp://rtc.test/live/me?n=2' }],
    ['UPDATE_URL', { uid: 'bob', screen: false, url: 'rtmp://rtc.test/live/bob?n=2' }],
  ]);
});

test('what changed during the gap is told after the resume burst', async () => {
  const room = baseRoom();
  const { wx, client, events } = await inCall(room);
  wx.socket.drop();
  // while the socket was down: carol left, dave joined and published, bob muted audio
  room.peers = ['bob', 'dave'];
  room.streams = [
    { uid: 'bob', screen: false, streamPublishState: { audio: false, video: true } },
    { uid: 'dave', screen: true, streamPublishState: { audio: true, video: true } },
  ];
  room.resumeSubs = [room.subs[0]];
  await until(() => client.state === 'connected', 'resumed');
  await until(() => events.some((e) => e[0] === 'PEER_LEAVE'), 'reconciliation');
  assert.deepEqual(events, [
    ['PEER_ONLINE', { uid: 'dave' }],
    ['MUTE_AUDIO', { uid: 'bob', screen: false }],
    ['STREAM_ADDED', { uid: 'dave', screen: true, streamPublishState: { audio: true, video: true } }],
    ['STREAM_REMOVED', { uid: 'carol', screen: false }],
    ['PEER_LEAVE', { uid: 'carol' }],
  ]);
});

test('a subscription the server lost while the stream lives: STREAM_REMOVED then STREAM_ADDED', async () => {
  const room = baseRoom();
  const { wx, client, events } = await inCall(room);
  room.resumeSubs = [room.subs[1]];
  wx.socket.drop();
  await until(() => events.length >= 2, 'events');
  assert.deepEqual(events, [
    ['STREAM_REMOVED', { uid: 'bob', screen: false }],
    ['STREAM_ADDED', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } }],
  ]);
  assert.equal(client.state, 'connected');
});

test('requests made while reconnecting wait and go out on the resumed socket', async () => {
  const room = baseRoom();
  const { wx, client } = await inCall(room, { signalingTimeout: 1000 });
  wx.refuseSockets = true;
  wx.socket.drop();
  await sleep(5);
  assert.equal(client.state, 'reconnecting');
  const muting = client.muteLocal({ audio: true });
  await sleep(20);
  wx.refuseSockets = false;
  await muting;
  assert.equal(client.state, 'connected');
  assert.equal(wx.socket.requests('muteLocal').length, 1);
});

test('a request made while reconnecting fails SIGNALING_TIMEOUT when the resume takes too long', async () => {
  const { wx, client } = await inCall(baseRoom(), { signalingTimeout: 40 });
  wx.refuseSockets = true;
  wx.socket.drop();
  await rejectsWith(client.muteLocal({ audio: true }), E.SIGNALING_TIMEOUT);
  wx.refuseSockets = false;
  await until(() => client.state === 'connected', 'resumed');
});

test('resume refused by the server: DISCONNECT with the close code of the lost socket', async () => {
  const room = baseRoom();
  const { wx, client, events } = await inCall(room);
  room.forget = true; // e.g. the server restarted
  wx.socket.drop(1006, 'network lost');
  await until(() => client.state === 'disconnected', 'disconnected');
  assert.equal(events.length, 1);
  assert.equal(events[0][0], 'DISCONNECT');
  assert.equal(events[0][1].code, 1006);
  assert.match(events[0][1].reason, /network lost.*unknown session/);
  assert.equal(wx.openSockets.length, 0);
  await rejectsWith(client.publish(), E.NOT_IN_ROOM);
  room.forget = false;
  await client.join('t', 'room', 'me');
  assert.equal(client.state, 'connected');
});

test('no socket within the resume window: DISCONNECT when the window ends', async () => {
  const room = baseRoom();
  room.resumeWindow = 150;
  const { wx, client, events } = await inCall(room);
  wx.refuseSockets = true;
  const started = Date.now();
  wx.socket.drop(1001, 'going away');
  await until(() => client.state === 'disconnected', 'disconnected');
  const took = Date.now() - started;
  assert.ok(took >= 140 && took < 1000, `gave up after ${took} ms`);
  assert.ok(wx.sockets.length >= 3, 'retried');
  assert.deepEqual(events, [['DISCONNECT', { code: 1001, reason: 'going away' }]]);
});

test('resume: false gives DISCONNECT at once', async () => {
  const { wx, client, events } = await inCall(baseRoom(), { resume: false });
  wx.socket.drop(1011, 'server error');
  assert.equal(client.state, 'disconnected');
  assert.deepEqual(events, [['DISCONNECT', { code: 1011, reason: 'server error' }]]);
  assert.equal(wx.sockets.length, 1);
});

test('leave while reconnecting: no DISCONNECT, no more sockets', async () => {
  const { wx, client, events } = await inCall();
  wx.refuseSockets = true;
  wx.socket.drop();
  await sleep(5);
  await client.leave();
  assert.equal(client.state, 'initialized');
  const count = wx.sockets.length;
  await sleep(600);
  assert.equal(wx.sockets.length, count);
  assert.deepEqual(events, []);
});

test('heartbeat: ping at the server interval', async () => {
  const room = baseRoom();
  room.pingInterval = 20;
  const { wx } = await inCall(room);
  const s = wx.socket;
  const times = [];
  const orig = wx.handlers.ping;
  wx.handlers.ping = (...args) => {
    times.push(Date.now());
    return orig(...args);
  };
  await until(() => times.length >= 4, 'four pings');
  for (let i = 1; i < times.length; i++) {
    assert.ok(times[i] - times[i - 1] >= 18, `pings ${times[i] - times[i - 1]} ms apart, interval 20 ms`);
  }
  assert.deepEqual(s.requests('ping')[0].params, {});
});

test('heartbeat without a reply: the socket is given up (4000) and the session resumed', async () => {
  const room = baseRoom();
  room.pingInterval = 20;
  const { wx, client, events } = await inCall(room, { signalingTimeout: 30 });
  const first = wx.socket;
  wx.handlers.ping = (p, s) => (s === first ? NO_REPLY : { time: 1 });
  await until(() => wx.sockets.length === 2 && client.state === 'connected', 'resumed after silent socket');
  assert.equal(first.closedBy.code, 4000);
  assert.equal(wx.socket.requests('resume').length, 1);
  await sleep(20);
  assert.deepEqual(events, []);
});

test('after leave no more pings are sent', async () => {
  const room = baseRoom();
  room.pingInterval = 10;
  const { wx, client } = await inCall(room);
  await client.leave();
  const n = wx.sockets.reduce((k, s) => k + s.requests('ping').length, 0);
  await sleep(50);
  assert.equal(wx.sockets.reduce((k, s) => k + s.requests('ping').length, 0), n);
});
