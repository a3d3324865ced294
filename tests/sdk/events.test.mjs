// Every notification of docs/protocol.md §4.3 and the event payload the app receives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENTS, ERROR_CODES as E, setup, record, rejectsWith } from './lib/sdk.mjs';
import { FakeWx, NO_REPLY, flush } from './lib/fake_wx.mjs';

test('the burst after join arrives as PEER_ONLINE and STREAM_ADDED events', async () => {
  const wx = new FakeWx();
  wx.handlers.join = (p, s) => {
    setTimeout(() => {
      s.notify('peerOnline', { uid: 'bob' });
      s.notify('peerOnline', { uid: 'carol' });
      s.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: false } });
      s.notify('streamAdded', { uid: 'carol', screen: true, streamPublishState: { audio: true, video: true } });
    }, 0);
    return { sessionToken: 's', pingInterval: 10000, sessionTimeout: 30000, resumeWindow: 20000 };
  };
  const { client } = await setup({ wx, join: false });
  const events = record(client);
  await client.join('t', 'room', 'me');
  await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(events, [
    [EVENTS.PEER_ONLINE, { uid: 'bob' }],
    [EVENTS.PEER_ONLINE, { uid: 'carol' }],
    [EVENTS.STREAM_ADDED, { uid: 'bob', screen: false, streamPublishState: { audio: true, video: false } }],
    [EVENTS.STREAM_ADDED, { uid: 'carol', screen: true, streamPublishState: { audio: true, video: true } }],
  ]);
});

test('each notification becomes its event with the spec payload', async () => {
  const { wx, client } = await setup();
  const events = record(client);
  const s = wx.socket;
  s.notify('peerOnline', { uid: 'bob' });
  s.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
  s.notify('muteAudio', { uid: 'bob', screen: false });
  s.notify('unmuteAudio', { uid: 'bob', screen: false });
  s.notify('muteVideo', { uid: 'bob', screen: false });
  s.notify('unmuteVideo', { uid: 'bob', screen: false });
  s.notify('updateUrl', { uid: 'bob', screen: false, url: 'rtmp://new/bob' });
  s.notify('streamFailed', { uid: 'bob', screen: false, reason: 'no media' });
  s.notify('streamRemoved', { uid: 'bob', screen: false });
  s.notify('peerLeave', { uid: 'bob' });
  assert.deepEqual(events, [
    ['PEER_ONLINE', { uid: 'bob' }],
    ['STREAM_ADDED', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } }],
    ['MUTE_AUDIO', { uid: 'bob', screen: false }],
    ['UNMUTE_AUDIO', { uid: 'bob', screen: false }],
    ['MUTE_VIDEO', { uid: 'bob', screen: false }],
    ['UNMUTE_VIDEO', { uid: 'bob', screen: false }],
    ['UPDATE_URL', { uid: 'bob', screen: false, url: 'rtmp://new/bob' }],
    ['STREAM_FAILED', { uid: 'bob', screen: false, reason: 'no media' }],
    ['STREAM_REMOVED', { uid: 'bob', screen: false }],
    ['PEER_LEAVE', { uid: 'bob' }],
  ]);
});

test('missing screen means false; missing publish state means both on', async () => {
  const { wx, client } = await setup();
  const events = record(client);
  wx.socket.notify('streamAdded', { uid: 'bob' });
  wx.socket.notify('streamFailed', { uid: 'bob' });
  assert.deepEqual(events, [
    ['STREAM_ADDED', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } }],
    ['STREAM_FAILED', { uid: 'bob', screen: false, reason: '' }],
  ]);
});

test('UPDATE_URL for the local user updates the publication', async () => {
  const { wx, client } = await setup();
  const events = record(client);
  await client.publish();
  wx.socket.notify('updateUrl', { uid: 'me', screen: false, url: 'rtmp://moved/me' });
  assert.deepEqual(events, [['UPDATE_URL', { uid: 'me', screen: false, url: 'rtmp://moved/me' }]]);
  assert.equal(client._room.pub.url, 'rtmp://moved/me');
});

test('CLIENT_BANNED: the session ends, no DISCONNECT, no resume', async () => {
  const { wx, client } = await setup();
  const events = record(client);
  const s = wx.socket;
  s.notify('clientBanned', { reason: 'same userId joined elsewhere' });
  s.drop(1000, 'kicked');
  await flush();
  assert.deepEqual(events, [['CLIENT_BANNED', { reason: 'same userId joined elsewhere' }]]);
  assert.equal(client.state, 'disconnected');
  assert.equal(wx.sockets.length, 1, 'no resume socket');
  await rejectsWith(client.publish(), E.NOT_IN_ROOM);
  await client.join('t', 'room', 'me');
  assert.equal(client.state, 'connected');
});

test('ERROR on a socket error of the joined session', async () => {
  const { wx, client } = await setup();
  const events = record(client);
  wx.socket.error('something broke');
  assert.deepEqual(events, [['ERROR', { code: E.WEBSOCKET_FAILED, reason: 'something broke' }]]);
});

test('unknown notifications, replies to nobody, binary and broken frames are ignored', async () => {
  const { wx, client } = await setup();
  const events = record(client);
  const s = wx.socket;
  s.notify('somethingNew', { uid: 'x' });
  s.notify('peerOnline', {});
  s.notify('streamAdded', { uid: 42 });
  s.receive('{not json');
  s.receive('[1,2]');
  s.receive({ jsonrpc: '2.0', id: 999, result: {} });
  s._fire('message', { data: new ArrayBuffer(4) });
  s.receive({ jsonrpc: '2.0', method: 'peerOnline' });
  assert.deepEqual(events, []);
  assert.equal(client.state, 'connected');
});

test('STREAM_REMOVED leaves the subscription unknown (the server may keep it); a new STREAM_ADDED allows subscribing again', async () => {
  const { wx, client } = await setup();
  const s = wx.socket;
  s.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
  await client.subscribe('bob', {});
  assert.equal(client._room.subs.size, 1);
  s.notify('streamRemoved', { uid: 'bob', screen: false });
  assert.equal(client._room.subs.get('bob-0').state, 'unknown');
  await rejectsWith(client.subscribe('bob', {}), E.UID_NOT_FOUND);
  s.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
  await client.subscribe('bob', {});
});

test('listeners may call the SDK from inside an event', async () => {
  const { wx, client } = await setup();
  const urls = [];
  client.on(EVENTS.STREAM_ADDED, ({ uid, screen }) => {
    client.subscribe(uid, { screen }).then((url) => urls.push(url));
  });
  wx.socket.notify('streamAdded', { uid: 'bob', screen: true, streamPublishState: { audio: true, video: true } });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(urls.length, 1);
  assert.match(urls[0], /~bob~screen/);
});

test('a request pending when the socket drops fails WEBSOCKET_NOT_CONNECTED (300010)', async () => {
  const { wx, client } = await setup({ client: { resume: false } });
  wx.handlers.publish = () => NO_REPLY;
  const p = client.publish();
  await flush();
  wx.socket.drop(1006, 'gone');
  await rejectsWith(p, E.WEBSOCKET_NOT_CONNECTED);
});
