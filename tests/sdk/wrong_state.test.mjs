// Calls in the wrong state fail at once with the spec's codes, without touching the network.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newClient, ERROR_CODES as E, setup, rejectsWith } from './lib/sdk.mjs';
import { FakeWx, APP_ID, SERVER, NO_REPLY, until } from './lib/fake_wx.mjs';

function fresh() {
  const wx = new FakeWx();
  return { wx, client: newClient({ server: SERVER, wx, signalingTimeout: 200 }) };
}

/** No request and no socket since `mark`. */
function assertNoNetwork(wx, mark = { requests: 0, sockets: 0, frames: 0 }) {
  assert.equal(wx.requests.length, mark.requests, 'no wx.request');
  assert.equal(wx.sockets.length, mark.sockets, 'no wx.connectSocket');
  const frames = wx.sockets.reduce((n, s) => n + s.sent.length, 0);
  assert.equal(frames, mark.frames, 'no frame sent');
}

function mark(wx) {
  return {
    requests: wx.requests.length,
    sockets: wx.sockets.length,
    frames: wx.sockets.reduce((n, s) => n + s.sent.length, 0),
  };
}

test('init twice fails HAS_INITED (100008)', async () => {
  const { wx, client } = fresh();
  await client.init(APP_ID);
  await rejectsWith(client.init(APP_ID), E.HAS_INITED);
  assertNoNetwork(wx);
});

test('init with a bad appId fails INVALID_PARAMS (100001)', async () => {
  const { wx, client } = fresh();
  for (const bad of [undefined, '', 'short', `${APP_ID}x`, '0123456789abcdef0123456!', 42]) {
    await rejectsWith(client.init(bad), E.INVALID_PARAMS);
  }
  assert.equal(client.state, 'idle');
  assertNoNetwork(wx);
});

test('join before init fails INVALID_PARAMS', async () => {
  const { wx, client } = fresh();
  await rejectsWith(client.join('t', 'room', 'me'), E.INVALID_PARAMS);
  assertNoNetwork(wx);
});

test('join with bad ids or token fails INVALID_PARAMS', async () => {
  const { wx, client } = fresh();
  await client.init(APP_ID);
  const cases = [
    ['', 'room', 'me'],
    [null, 'room', 'me'],
    ['t', '', 'me'],
    ['t', 'room with space', 'me'],
    ['t', 'room', ''],
    ['t', 'room', 'a~b'],
    ['t', 'r'.repeat(129), 'me'],
    ['t', 'room', 'u'.repeat(129)],
  ];
  for (const args of cases) await rejectsWith(client.join(...args), E.INVALID_PARAMS);
  assert.equal(client.state, 'initialized');
  assertNoNetwork(wx);
  // the limits themselves are allowed
  await client.join('t', 'r'.repeat(128), 'A-z_0.9@x');
  assert.equal(client.state, 'connected');
});

test('room calls before join fail NOT_IN_ROOM (100002)', async () => {
  const { wx, client } = fresh();
  await client.init(APP_ID);
  await rejectsWith(client.publish(), E.NOT_IN_ROOM);
  await rejectsWith(client.unpublish(), E.NOT_IN_ROOM);
  await rejectsWith(client.subscribe('bob', {}), E.NOT_IN_ROOM);
  await rejectsWith(client.unsubscribe('bob', {}), E.NOT_IN_ROOM);
  await rejectsWith(client.muteLocal({ audio: true }), E.NOT_IN_ROOM);
  await rejectsWith(client.muteRemote('bob', { audio: true }), E.NOT_IN_ROOM);
  await rejectsWith(client.leave(), E.NOT_IN_ROOM);
  assertNoNetwork(wx);
});

test('join while a join is in progress fails CONNECTING (100004)', async () => {
  const { wx, client } = fresh();
  wx.handlers.join = () => NO_REPLY;
  await client.init(APP_ID);
  const first = client.join('t', 'room', 'me');
  assert.equal(client.state, 'connecting');
  await until(() => wx.socket && wx.socket.requests('join').length === 1, 'join frame');
  assert.equal(client.state, 'connecting');
  const before = mark(wx);
  await rejectsWith(client.join('t', 'room', 'me'), E.CONNECTING);
  await rejectsWith(client.setUserVisibility(false), E.CONNECTING);
  await rejectsWith(client.setBusinessId('biz'), E.CONNECTING);
  await rejectsWith(client.publish(), E.NOT_IN_ROOM);
  assertNoNetwork(wx, before);
  await rejectsWith(first, E.SIGNALING_TIMEOUT);
});

test('join while in a room fails ALREADY_IN_ROOM (100003); so does setBusinessId', async () => {
  const { wx, client } = await setup();
  const before = mark(wx);
  await rejectsWith(client.join('t', 'room', 'me'), E.ALREADY_IN_ROOM);
  await rejectsWith(client.setBusinessId('biz'), E.ALREADY_IN_ROOM);
  assertNoNetwork(wx, before);
});

test('publish twice fails ALREADY_PUBLISHED (100005), also while the first is under way', async () => {
  const { wx, client } = await setup();
  const first = client.publish();
  await rejectsWith(client.publish(), E.ALREADY_PUBLISHED);
  await first;
  const before = mark(wx);
  await rejectsWith(client.publish(), E.ALREADY_PUBLISHED);
  assertNoNetwork(wx, before);
});

test('unpublish and muteLocal without a publication fail NOT_PUBLISHED (100006)', async () => {
  const { wx, client } = await setup();
  const before = mark(wx);
  await rejectsWith(client.unpublish(), E.NOT_PUBLISHED);
  await rejectsWith(client.muteLocal({ audio: true }), E.NOT_PUBLISHED);
  assertNoNetwork(wx, before);
  await client.publish();
  await client.unpublish();
  await rejectsWith(client.unpublish(), E.NOT_PUBLISHED);
});

test('subscribe to a user the room never announced fails UID_NOT_FOUND (100007)', async () => {
  const { wx, client } = await setup();
  const before = mark(wx);
  await rejectsWith(client.subscribe('ghost', {}), E.UID_NOT_FOUND);
  await rejectsWith(client.subscribe('me', {}), E.UID_NOT_FOUND);
  assertNoNetwork(wx, before);
  wx.socket.notify('peerOnline', { uid: 'ghost' });
  assert.match(await client.subscribe('ghost', {}), /^rtmp:\/\//);
});

test('bad arguments fail INVALID_PARAMS without a request', async () => {
  const { wx, client } = await setup();
  await client.publish();
  const before = mark(wx);
  await rejectsWith(client.subscribe('', {}), E.INVALID_PARAMS);
  await rejectsWith(client.unsubscribe(5, {}), E.INVALID_PARAMS);
  await rejectsWith(client.muteLocal({}), E.INVALID_PARAMS);
  await rejectsWith(client.muteLocal({ audio: 'yes' }), E.INVALID_PARAMS);
  await rejectsWith(client.muteLocal(), E.INVALID_PARAMS);
  await rejectsWith(client.muteRemote('bob', {}), E.INVALID_PARAMS);
  await rejectsWith(client.setUserVisibility('no'), E.INVALID_PARAMS);
  assertNoNetwork(wx, before);
});

test('setBusinessId before join checks the id and resolves 0', async () => {
  const { wx, client } = fresh();
  await rejectsWith(client.setBusinessId('bad id'), E.INVALID_PARAMS);
  await rejectsWith(client.setBusinessId(''), E.INVALID_PARAMS);
  assert.equal(await client.setBusinessId('biz-1'), 0);
  assertNoNetwork(wx);
});

test('after leave the room calls fail NOT_IN_ROOM again and join works again', async () => {
  const { wx, client } = await setup();
  await client.leave();
  assert.equal(client.state, 'initialized');
  const before = mark(wx);
  await rejectsWith(client.publish(), E.NOT_IN_ROOM);
  await rejectsWith(client.leave(), E.NOT_IN_ROOM);
  assertNoNetwork(wx, before);
  await client.join('t', 'room', 'me');
  assert.equal(client.state, 'connected');
});
