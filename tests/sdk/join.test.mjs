// join/leave/destroy, the requests on the wire, failures of each step, timeouts, callback and
// Promise forms.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { newClient, ERROR_CODES as E, setup, rejectsWith, sdk } from './lib/sdk.mjs';
import { FakeWx, APP_ID, SERVER, SIGNAL_URL, NO_REPLY, flush, until } from './lib/fake_wx.mjs';

async function initialized(wxOptions, clientOptions = {}) {
  const wx = new FakeWx(wxOptions);
  const client = newClient(Object.assign({ server: SERVER, wx, signalingTimeout: 200 }, clientOptions));
  await client.init(APP_ID);
  return { wx, client };
}

test('join: config, one socket, join request with every field, result userId', async () => {
  const { wx, client } = await initialized();
  await client.setBusinessId('biz.1');
  await client.setUserVisibility(false);
  const uid = await client.join('the-token', 'room-1', 'alice');
  assert.equal(uid, 'alice');
  assert.equal(client.state, 'connected');
  assert.equal(client.userId, 'alice');
  assert.equal(client.roomId, 'room-1');
  assert.equal(wx.requests.length, 1);
  assert.equal(wx.requests[0].method, 'GET');
  assert.equal(wx.requests[0].url, `${SERVER}/v1/config?appId=${APP_ID}`);
  assert.equal(wx.sockets.length, 1);
  assert.equal(wx.socket.url, SIGNAL_URL);
  const [join] = wx.socket.sent;
  assert.equal(join.jsonrpc, '2.0');
  assert.equal(join.method, 'join');
  assert.ok(typeof join.id === 'number' || typeof join.id === 'string');
  assert.equal(join.params.appId, APP_ID);
  assert.equal(join.params.token, 'the-token');
  assert.equal(join.params.roomId, 'room-1');
  assert.equal(join.params.userId, 'alice');
  assert.equal(join.params.visible, false);
  assert.equal(join.params.businessId, 'biz.1');
  assert.equal(join.params.sdk.name, 'minirtc-miniapp');
  assert.equal(typeof join.params.sdk.version, 'string');
});

test('join: callbacks get the same value as the promise', async () => {
  const { client } = await initialized();
  let got;
  const value = await new Promise((resolve) => {
    const p = client.join('t', 'room', 'bob', (v) => {
      got = v;
      resolve(p);
    });
  });
  assert.equal(got, 'bob');
  assert.equal(value, 'bob');
});

test('join: onFailure gets the error and the rejection counts as handled', async () => {
  const { client } = await initialized({ onRequest: () => ({ statusCode: 404, data: { error: 'unknown appId' } }) });
  const unhandled = [];
  const onUnhandled = (r) => unhandled.push(r);
  process.on('unhandledRejection', onUnhandled);
  try {
    const err = await new Promise((resolve) => client.join('t', 'room', 'bob', undefined, resolve));
    assert.equal(err.code, E.GET_CONFIG_ERROR);
    assert.match(err.reason, /404.*unknown appId/);
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('every async method has the callback form', async () => {
  const { wx, client } = await setup();
  wx.socket.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
  const cb = (fn) => new Promise((resolve, reject) => fn(resolve, reject));
  assert.match(await cb((ok, ko) => client.publish(ok, ko)), /^rtmp:/);
  assert.equal(await cb((ok, ko) => client.muteLocal({ audio: true }, ok, ko)), undefined);
  assert.match(await cb((ok, ko) => client.subscribe('bob', { screen: false }, ok, ko)), /^rtmp:/);
  assert.equal(await cb((ok, ko) => client.muteRemote('bob', { video: true }, ok, ko)), undefined);
  assert.equal(await cb((ok, ko) => client.unsubscribe('bob', {}, ok, ko)), undefined);
  assert.equal(await cb((ok, ko) => client.unpublish(ok, ko)), undefined);
  assert.equal(await cb((ok, ko) => client.setUserVisibility(true, ok, ko)), undefined);
  // wrong state through onFailure
  const err = await new Promise((resolve) => client.unpublish(undefined, resolve));
  assert.equal(err.code, E.NOT_PUBLISHED);
  assert.equal(await cb((ok, ko) => client.leave(ok, ko)), undefined);
  assert.equal(await cb((ok, ko) => client.destroy(ok, ko)), undefined);
  const c2 = newClient({ server: SERVER, wx });
  assert.equal(await cb((ok, ko) => c2.init(APP_ID, ok, ko)), undefined);
  assert.equal(await cb((ok, ko) => c2.setBusinessId('b', ok, ko)), 0);
  // subscribe also takes callbacks in place of the options
  await c2.join('t', 'room', 'me2');
  wx.socket.notify('peerOnline', { uid: 'bob' });
  assert.match(await cb((ok, ko) => c2.subscribe('bob', ok, ko)), /^rtmp:/);
});

test('requests carry the parameters of docs/protocol.md §4.2', async () => {
  const { wx, client } = await setup();
  const s = wx.socket;
  s.notify('peerOnline', { uid: 'bob' });
  s.notify('streamAdded', { uid: 'bob', screen: true, streamPublishState: { audio: false, video: true } });
  await client.publish();
  await client.muteLocal({ video: true });
  await client.muteLocal({ audio: false, video: false });
  await client.subscribe('bob', { screen: true, audio: false });
  await client.subscribe('bob', { format: 'flv' });
  await client.muteRemote('bob', { audio: true, screen: true });
  await client.unsubscribe('bob', { screen: true });
  await client.unpublish();
  await client.setUserVisibility(false);
  await client.leave();
  const sent = s.sent.map((m) => [m.method, m.params]);
  assert.deepEqual(sent.slice(1), [
    ['publish', { screen: false }],
    ['muteLocal', { video: true, screen: false }],
    ['muteLocal', { audio: false, video: false, screen: false }],
    ['subscribe', { userId: 'bob', screen: true, audio: false, video: true }],
    ['subscribe', { userId: 'bob', screen: false, audio: true, video: true, format: 'flv' }],
    ['muteRemote', { userId: 'bob', screen: true, audio: true }],
    ['unsubscribe', { userId: 'bob', screen: true }],
    ['unpublish', { screen: false }],
    ['setUserVisibility', { visible: false }],
    ['leave', {}],
  ]);
  const ids = s.sent.map((m) => m.id);
  assert.equal(new Set(ids).size, ids.length, 'request ids are unique');
});

test('the playFormat option asks for FLV play URLs', async () => {
  const { wx, client } = await setup({ client: { playFormat: 'flv' } });
  wx.socket.notify('peerOnline', { uid: 'bob' });
  await client.subscribe('bob');
  assert.equal(wx.socket.requests('subscribe')[0].params.format, 'flv');
});

test('config failures: GET_CONFIG_ERROR (200002)', async () => {
  for (const answer of [
    { fail: 'net::ERR_CONNECTION_REFUSED' },
    { statusCode: 404, data: { error: 'unknown appId' } },
    { statusCode: 200, data: 'not json' },
    { statusCode: 500, data: '' },
  ]) {
    const { wx, client } = await initialized({ onRequest: () => answer });
    await rejectsWith(client.join('t', 'room', 'me'), E.GET_CONFIG_ERROR);
    assert.equal(client.state, 'initialized');
    assert.equal(wx.sockets.length, 0);
  }
});

test('config request that never answers: GET_CONFIG_ERROR after requestTimeout', async () => {
  const { client } = await initialized({ onRequest: () => NO_REPLY }, { requestTimeout: 50 });
  const err = await rejectsWith(client.join('t', 'room', 'me'), E.GET_CONFIG_ERROR);
  assert.match(err.reason, /50 ms/);
});

test('no server address: GET_CONFIG_ERROR without a request', async () => {
  const wx = new FakeWx();
  const client = newClient({ wx });
  await client.init(APP_ID);
  await rejectsWith(client.join('t', 'room', 'me'), E.GET_CONFIG_ERROR);
  assert.equal(wx.requests.length, 0);
});

test('config without signalUrls: NO_WEBSOCLET_URL (200003)', async () => {
  for (const signalUrls of [[], undefined, [''], [42]]) {
    const { wx, client } = await initialized({
      onRequest: () => ({ statusCode: 200, data: { appId: APP_ID, signalUrls, reportUrl: '' } }),
    });
    await rejectsWith(client.join('t', 'room', 'me'), E.NO_WEBSOCLET_URL);
    assert.equal(wx.sockets.length, 0);
  }
});

test('config given as a JSON string is parsed', async () => {
  const { client } = await initialized({
    onRequest: (o) =>
      o.method === 'GET' ? { statusCode: 200, data: JSON.stringify({ signalUrls: [SIGNAL_URL], reportUrl: '' }) } : undefined,
  });
  assert.equal(await client.join('t', 'room', 'me'), 'me');
});

test('socket that fails to open: WEBSOCKET_FAILED (500001); next signal URL is tried first', async () => {
  const { wx, client } = await initialized();
  wx.refuseSockets = true;
  await rejectsWith(client.join('t', 'room', 'me'), E.WEBSOCKET_FAILED);
  assert.equal(client.state, 'initialized');

  const two = await initialized({
    onRequest: (o) =>
      o.method === 'GET'
        ? { statusCode: 200, data: { signalUrls: ['wss://down.test/v1/signal', SIGNAL_URL], reportUrl: '' } }
        : undefined,
  });
  const origConnect = two.wx.connectSocket.bind(two.wx);
  two.wx.connectSocket = (o) => {
    const task = origConnect(o);
    if (o.url.startsWith('wss://down.test')) {
      task.state = 'failing';
      queueMicrotask(() => task.drop(1006, 'refused'));
    }
    return task;
  };
  assert.equal(await two.client.join('t', 'room', 'me'), 'me');
  assert.deepEqual(two.wx.sockets.map((s) => s.url), ['wss://down.test/v1/signal', SIGNAL_URL]);
});

test('socket that never opens: WEBSOCKET_FAILED after the signalling timeout', async () => {
  const { wx, client } = await initialized({ autoOpen: false });
  const err = await rejectsWith(client.join('t', 'room', 'me'), E.WEBSOCKET_FAILED);
  assert.match(err.reason, /200 ms/);
  assert.equal(wx.socket.closedBy.code, 1000, 'the half-open socket is closed');
});

test('wx.connectSocket fail callback: WEBSOCKET_FAILED', async () => {
  const { wx, client } = await initialized();
  wx.connectSocket = (o) => {
    o.fail({ errMsg: 'connectSocket:fail exceed max task count' });
    return { onOpen() {}, onMessage() {}, onClose() {}, onError() {}, send() {}, close() {} };
  };
  const err = await rejectsWith(client.join('t', 'room', 'me'), E.WEBSOCKET_FAILED);
  assert.match(err.reason, /max task count/);
});

test('socket closed while the join reply is awaited: WEBSOCKET_FAILED', async () => {
  const { wx, client } = await initialized({ handlers: { join: (p, s) => (queueMicrotask(() => s.drop(1011, 'bye')), NO_REPLY) } });
  await rejectsWith(client.join('t', 'room', 'me'), E.WEBSOCKET_FAILED);
  assert.equal(client.state, 'initialized');
});

test('server refusal keeps its code and message: JOIN_ROOM_ERROR (300008)', async () => {
  const { wx, client } = await initialized({
    handlers: { join: () => ({ error: { code: 300008, message: 'token expired' } }) },
  });
  const err = await rejectsWith(client.join('t', 'room', 'me'), E.JOIN_ROOM_ERROR);
  assert.equal(err.reason, 'token expired');
  assert.equal(client.state, 'initialized');
  assert.equal(wx.socket.closedBy.code, 1000, 'the socket is closed after a refused join');
});

test('JSON-RPC framing errors become the method failure code', async () => {
  const { wx, client } = await initialized({
    handlers: { join: () => ({ error: { code: -32602, message: 'invalid params' } }) },
  });
  const err = await rejectsWith(client.join('t', 'room', 'me'), E.JOIN_ROOM_ERROR);
  assert.match(err.reason, /invalid params/);
  wx.handlers.join = new FakeWx().handlers.join;
  await client.join('t', 'room', 'me');
  wx.handlers.publish = () => ({ error: { code: -32029, message: 'rate limited' } });
  await rejectsWith(client.publish(), E.PUBLISH_ERROR);
  wx.handlers.publish = () => ({ error: { code: 300006, message: 'no publish privilege' } });
  assert.equal((await rejectsWith(client.publish(), E.PUBLISH_ERROR)).reason, 'no publish privilege');
  wx.socket.notify('peerOnline', { uid: 'bob' });
  wx.handlers.subscribe = () => ({ error: { code: 200001, message: 'no such stream' } });
  await rejectsWith(client.subscribe('bob', {}), E.STREAM_ID_NOT_FOUND);
  wx.handlers.subscribe = () => ({ error: { message: 'no code' } });
  await rejectsWith(client.subscribe('bob', {}), E.SUBSCRIBE_FAILED);
  wx.handlers.unsubscribe = () => ({ error: { code: 300002, message: 'not subscribed' } });
  await rejectsWith(client.unsubscribe('bob', {}), E.UNSUBSCRIBE_FAILED);
  wx.handlers.muteRemote = () => ({ error: { code: 'x' } });
  await rejectsWith(client.muteRemote('bob', { audio: true }), E.MUTE_REMOTE_ERROR);
  await client.publish().catch(() => {});
  wx.handlers.publish = new FakeWx().handlers.publish;
  await client.publish();
  wx.handlers.muteLocal = () => ({ error: { code: -32600, message: 'invalid request' } });
  await rejectsWith(client.muteLocal({ audio: true }), E.MUTE_LOCAL_ERRO);
  wx.handlers.unpublish = () => ({ error: { code: -1, message: '?' } });
  await rejectsWith(client.unpublish(), E.UNPUBLISH_ERRO);
  wx.handlers.leave = () => ({ error: { code: -1, message: '?' } });
  await rejectsWith(client.leave(), E.LEAVE_ERROR);
  assert.equal(client.state, 'initialized', 'a failed leave still leaves locally');
});

test('join with no reply: SIGNALING_TIMEOUT (300009) after the injected timeout', async () => {
  const { wx, client } = await initialized({ handlers: { join: () => NO_REPLY } }, { signalingTimeout: 30 });
  const started = Date.now();
  await rejectsWith(client.join('t', 'room', 'me'), E.SIGNALING_TIMEOUT);
  assert.ok(Date.now() - started >= 25);
  assert.equal(client.state, 'initialized');
  assert.equal(wx.socket.state, 'closed');
});

test('every request times out with SIGNALING_TIMEOUT', async () => {
  const { wx, client } = await setup({ client: { signalingTimeout: 30 } });
  wx.socket.notify('peerOnline', { uid: 'bob' });
  for (const m of ['publish', 'subscribe', 'setUserVisibility', 'muteRemote', 'unsubscribe']) wx.handlers[m] = () => NO_REPLY;
  await rejectsWith(client.publish(), E.SIGNALING_TIMEOUT);
  await rejectsWith(client.subscribe('bob', {}), E.SIGNALING_TIMEOUT);
  await rejectsWith(client.unsubscribe('bob', {}), E.SIGNALING_TIMEOUT);
  await rejectsWith(client.muteRemote('bob', { audio: true }), E.SIGNALING_TIMEOUT);
  await rejectsWith(client.setUserVisibility(false), E.SIGNALING_TIMEOUT);
  // a late reply after the timeout is ignored; the publication's state is unknown, so unpublish
  // asks the server instead of refusing locally
  const late = wx.socket.requests('publish')[0];
  wx.socket.receive({ jsonrpc: '2.0', id: late.id, result: { url: 'rtmp://late' } });
  await client.unpublish();
  assert.equal(wx.socket.requests('unpublish').length, 1);
});

test('the default signalling timeout is 3 s', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const wx = new FakeWx({ handlers: { join: () => NO_REPLY } });
    const client = newClient({ server: SERVER, wx });
    await client.init(APP_ID);
    let settled = null;
    client.join('t', 'room', 'me').then(
      () => (settled = 'resolved'),
      (e) => (settled = e.code),
    );
    for (let i = 0; i < 50 && !(wx.socket && wx.socket.sent.length); i++) await flush();
    assert.equal(wx.socket.requests('join').length, 1);
    mock.timers.tick(2999);
    await flush();
    assert.equal(settled, null);
    mock.timers.tick(1);
    await flush();
    assert.equal(settled, E.SIGNALING_TIMEOUT);
  } finally {
    mock.timers.reset();
  }
});

test('leave closes the socket with 1000; remote events stop', async () => {
  const { wx, client } = await setup();
  const seen = [];
  client.on('PEER_ONLINE', (e) => seen.push(e));
  const socket = wx.socket;
  await client.leave();
  assert.equal(socket.requests('leave').length, 1);
  assert.deepEqual(socket.closedBy, { code: 1000, reason: 'leave' });
  assert.equal(wx.openSockets.length, 0);
  socket.state = 'open'; // a frame still in flight
  socket.notify('peerOnline', { uid: 'late' });
  assert.deepEqual(seen, []);
});

test('leave while joining cancels the join', async () => {
  const { wx, client } = await initialized({ handlers: { join: () => NO_REPLY } });
  const joining = client.join('t', 'room', 'me');
  await until(() => wx.socket && wx.socket.sent.length === 1, 'join frame');
  await client.leave();
  assert.equal(client.state, 'initialized');
  await assert.rejects(joining, (e) => typeof e.code === 'number');
  assert.equal(wx.openSockets.length, 0);
});

test('leave while the config is fetched: the join stops before opening a socket', async () => {
  let answer;
  const { wx, client } = await initialized({ onRequest: (o) => ((answer = o), NO_REPLY) });
  const joining = client.join('t', 'room', 'me');
  await client.leave();
  answer.success({ statusCode: 200, data: { signalUrls: [SIGNAL_URL], reportUrl: '' } });
  await rejectsWith(joining, E.JOIN_ROOM_ERROR);
  assert.equal(wx.sockets.length, 0);
  assert.equal(client.state, 'initialized');
});

test('destroy leaves, closes the socket, drops listeners; init works again', async () => {
  const { wx, client } = await setup();
  client.on('PEER_ONLINE', () => {});
  await client.destroy();
  assert.equal(wx.socket.requests('leave').length, 1);
  assert.equal(wx.socket.closedBy.code, 1000);
  assert.equal(client.state, 'destroyed');
  assert.equal(client.listenerCount('PEER_ONLINE'), 0);
  await rejectsWith(client.publish(), E.NOT_IN_ROOM);
  await client.init(APP_ID);
  await client.join('t', 'room', 'me');
  assert.equal(client.state, 'connected');
});

test('destroy resolves even when leave gets no reply', async () => {
  const { wx, client } = await setup({ client: { signalingTimeout: 20 } });
  wx.handlers.leave = () => NO_REPLY;
  await client.destroy();
  assert.equal(client.state, 'destroyed');
  assert.equal(wx.openSockets.length, 0);
});

test('two clients hold two sockets; each only one', async () => {
  const wx = new FakeWx();
  const a = newClient({ server: SERVER, wx });
  const b = newClient({ server: SERVER, wx });
  await a.init(APP_ID);
  await b.init(APP_ID);
  await a.join('t', 'room', 'a');
  await b.join('t', 'room', 'b');
  await a.leave();
  await a.join('t', 'room', 'a');
  assert.equal(wx.openSockets.length, 2);
  await a.destroy();
  await b.destroy();
  assert.equal(wx.openSockets.length, 0);
});

test('the global wx is used when no wx option is given', async () => {
  const wx = new FakeWx();
  globalThis.wx = wx;
  try {
    const client = newClient({ server: SERVER });
    await client.init(APP_ID);
    await client.join('t', 'room', 'me');
    assert.equal(wx.sockets.length, 1);
    await client.leave();
  } finally {
    delete globalThis.wx;
  }
});

test('VERSION is a string', () => {
  assert.equal(typeof sdk.VERSION, 'string');
});
