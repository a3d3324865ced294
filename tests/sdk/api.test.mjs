// The module's public surface: names and numbers of the original SDK, aliases, methods.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sdk, Client, EVENTS, ERROR_CODES } from './lib/sdk.mjs';
import { FakeWx, APP_ID } from './lib/fake_wx.mjs';

test('exports Client, EVENTS, ERROR_CODES', () => {
  assert.equal(typeof sdk.Client, 'function');
  assert.equal(typeof sdk.EVENTS, 'object');
  assert.equal(typeof sdk.ERROR_CODES, 'object');
  assert.equal(typeof sdk.VERSION, 'string');
});

test('error codes keep the original numbers', () => {
  const expected = {
    INVALID_PARAMS: 100001,
    NOT_IN_ROOM: 100002,
    ALREADY_IN_ROOM: 100003,
    CONNECTING: 100004,
    ALREADY_PUBLISHED: 100005,
    NOT_PUBLISHED: 100006,
    UID_NOT_FOUND: 100007,
    HAS_INITED: 100008,
    STREAM_ID_NOT_FOUND: 200001,
    GET_CONFIG_ERROR: 200002,
    NO_WEBSOCLET_URL: 200003,
    SUBSCRIBE_FAILED: 300001,
    UNSUBSCRIBE_FAILED: 300002,
    MUTE_LOCAL_ERROR: 300003,
    MUTE_REMOTE_ERROR: 300004,
    LEAVE_ERROR: 300005,
    PUBLISH_ERROR: 300006,
    UNPUBLISH_ERROR: 300007,
    JOIN_ROOM_ERROR: 300008,
    SIGNALING_TIMEOUT: 300009,
    WEBSOCKET_NOT_CONNECTED: 300010,
    WEBSOCKET_FAILED: 500001,
  };
  for (const [name, code] of Object.entries(expected)) assert.equal(ERROR_CODES[name], code, name);
});

test('the original odd spellings are aliases with the same numbers', () => {
  assert.equal(ERROR_CODES.NO_WEBSOCLET_URL, 200003);
  assert.equal(ERROR_CODES.NO_WEBSOCKET_URL, 200003);
  assert.equal(ERROR_CODES.MUTE_LOCAL_ERRO, ERROR_CODES.MUTE_LOCAL_ERROR);
  assert.equal(ERROR_CODES.MUTE_LOCAL_ERRO, 300003);
  assert.equal(ERROR_CODES.UNPUBLISH_ERRO, ERROR_CODES.UNPUBLISH_ERROR);
  assert.equal(ERROR_CODES.UNPUBLISH_ERRO, 300007);
});

test('the constant tables cannot be changed by an app', () => {
  assert.ok(Object.isFrozen(ERROR_CODES));
  assert.ok(Object.isFrozen(EVENTS));
});

test('every event of the spec exists, each value distinct', () => {
  const names = [
    'STREAM_ADDED',
    'STREAM_REMOVED',
    'UPDATE_URL',
    'STREAM_FAILED',
    'MUTE_AUDIO',
    'UNMUTE_AUDIO',
    'MUTE_VIDEO',
    'UNMUTE_VIDEO',
    'CLIENT_BANNED',
    'PEER_ONLINE',
    'PEER_LEAVE',
    'ERROR',
    'DISCONNECT',
  ];
  for (const n of names) assert.equal(typeof EVENTS[n], 'string', n);
  assert.equal(new Set(names.map((n) => EVENTS[n])).size, names.length);
});

test('Client has every method of the spec', () => {
  const methods = [
    'init',
    'destroy',
    'setBusinessId',
    'join',
    'leave',
    'publish',
    'unpublish',
    'subscribe',
    'unsubscribe',
    'muteLocal',
    'muteRemote',
    'setUserVisibility',
    'on',
    'off',
    'removeAllListeners',
    'reportPusherStateChange',
    'reportPusherNetStatusChange',
    'reportPlayerStateChange',
    'reportPlayerNetStatusChange',
  ];
  const client = new Client();
  for (const m of methods) assert.equal(typeof client[m], 'function', m);
  assert.equal(typeof Client.setDefaultServer, 'function');
});

test('state is a string: idle, then initialized', async () => {
  const client = new Client({ wx: new FakeWx() });
  assert.equal(client.state, 'idle');
  await client.init(APP_ID);
  assert.equal(client.state, 'initialized');
});

test('Client.setDefaultServer is used by clients made without server', async () => {
  const wx = new FakeWx({ onRequest: () => ({ statusCode: 500, data: 'boom' }) });
  Client.setDefaultServer('https://default.test/');
  try {
    const client = new Client({ wx });
    await client.init(APP_ID);
    await assert.rejects(client.join('t', 'r', 'u'), (e) => e.code === ERROR_CODES.GET_CONFIG_ERROR);
    assert.equal(wx.requests[0].url, `https://default.test/v1/config?appId=${APP_ID}`);
  } finally {
    Client.setDefaultServer('');
  }
});

test('on/off/once/removeAllListeners behave like an EventEmitter', () => {
  const client = new Client();
  const seen = [];
  const a = (p) => seen.push(['a', p]);
  const b = (p) => seen.push(['b', p]);
  client.on('X', a);
  client.on('X', b);
  client.once('X', (p) => seen.push(['once', p]));
  client.emit('X', 1);
  client.emit('X', 2);
  client.off('X', a);
  client.emit('X', 3);
  assert.deepEqual(seen, [
    ['a', 1],
    ['b', 1],
    ['once', 1],
    ['a', 2],
    ['b', 2],
    ['b', 3],
  ]);
  client.on('Y', a);
  client.removeAllListeners();
  assert.equal(client.emit('X', 4), false);
  assert.equal(client.emit('Y', 4), false);
});

test('a listener that throws does not stop the others', () => {
  const client = new Client();
  const seen = [];
  const origError = console.error;
  console.error = () => {};
  try {
    client.on('X', () => {
      throw new Error('app bug');
    });
    client.on('X', (p) => seen.push(p));
    client.emit('X', 'ok');
  } finally {
    console.error = origError;
  }
  assert.deepEqual(seen, ['ok']);
});
