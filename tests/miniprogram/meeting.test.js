// The meeting page with a fake SDK client: the seed's flow (publish, subscribe on STREAM_ADDED,
// players added and removed), UPDATE_URL, STREAM_FAILED, CLIENT_BANNED, mute buttons through
// muteLocal, reports forwarded, recovery after DISCONNECT / network loss / background.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, mount, contexts } = require('./lib/env.js');
const { provideSdk, settle } = require('./lib/page.js');
const { FakeClient, sdk } = require('./lib/fake_sdk.js');

const { EVENTS } = sdk;
provideSdk(sdk);
const pageId = load('pages/meeting/meeting');

const QUERY = {
  server: encodeURIComponent('http://192.168.1.10:8080'),
  appId: '0123456789abcdef01234567',
  roomId: 'room.1',
  userId: 'me',
  token: encodeURIComponent('001token+/='),
};

/** wx calls the page makes, and the network listener it registers. */
function fakeWx() {
  const rec = { modals: [], navigatedBack: 0, networkListeners: [] };
  wx.onNetworkStatusChange = (fn) => rec.networkListeners.push(fn);
  wx.offNetworkStatusChange = (fn) => (rec.networkListeners = rec.networkListeners.filter((f) => f !== fn));
  wx.showModal = (o) => {
    rec.modals.push(o);
    if (o.complete) o.complete({ confirm: true });
  };
  wx.navigateBack = () => rec.navigatedBack++;
  return rec;
}

async function openPage() {
  const rec = fakeWx();
  const page = mount(pageId);
  await page.instance.onLoad(Object.assign({}, QUERY));
  page.instance.onShow();
  await settle();
  return { page, rec, client: FakeClient.last };
}

/** The rendered v-player of each remote stream, checked against the page's data. */
function players(page) {
  const rendered = page.dom.querySelectorAll('v-player').length;
  assert.equal(rendered, page.data.remoteStreams.length, 'one v-player per remote stream');
  return page.data.remoteStreams.map((s) => {
    const p = page.querySelector(`#player-${s.id}`);
    assert.ok(p, `v-player for ${s.id}`);
    return { uid: p.data.uid, url: p.data.url, screen: p.data.screen };
  });
}

const streamAdded = (client, uid, screen = false) =>
  client.emit(EVENTS.STREAM_ADDED, { uid, screen, streamPublishState: { audio: true, video: true } });

test('onLoad: new Client({server}), init, join, publish; the push URL reaches v-pusher', async () => {
  const { page, client } = await openPage();
  assert.deepEqual(client.options, { server: 'http://192.168.1.10:8080' });
  assert.deepEqual(client.calls.slice(0, 3), [
    ['init', '0123456789abcdef01234567'],
    ['join', '001token+/=', 'room.1', 'me'],
    ['publish'],
  ]);
  assert.equal(page.data.pushUrl, 'rtmp://push/1');
  const pusher = page.querySelector('#volc-pusher');
  assert.ok(pusher, 'v-pusher rendered once the URL is known');
  assert.equal(pusher.data.url, 'rtmp://push/1');
  assert.equal(pusher.data.enableMic, true);
  assert.equal(pusher.data.enableCamera, true);
  assert.equal(page.data.status, '');
});

test('STREAM_ADDED subscribes and adds a player; STREAM_REMOVED removes it', async () => {
  const { page, client } = await openPage();
  streamAdded(client, 'bob');
  streamAdded(client, 'carol', true);
  await settle();
  assert.deepEqual(client.callsOf('subscribe'), [
    ['bob', { screen: false }],
    ['carol', { screen: true }],
  ]);
  assert.deepEqual(
    page.data.remoteStreams.map((s) => [s.id, s.uid, s.screen, s.url]),
    [
      ['bob-0', 'bob', false, 'rtmp://play/bob-0?n=1'],
      ['carol-1', 'carol', true, 'rtmp://play/carol-1?n=2'],
    ],
  );
  const rendered = players(page);
  assert.equal(rendered.length, 2);
  assert.deepEqual(
    rendered.map((p) => [p.uid, p.url, String(p.screen)]),
    [
      ['bob', 'rtmp://play/bob-0?n=1', '0'],
      ['carol', 'rtmp://play/carol-1?n=2', '1'],
    ],
  );
  // the same stream announced again adds nothing
  streamAdded(client, 'bob');
  await settle();
  assert.equal(client.callsOf('subscribe').length, 2);

  client.emit(EVENTS.STREAM_REMOVED, { uid: 'bob', screen: false });
  await settle();
  assert.deepEqual(page.data.remoteStreams.map((s) => s.id), ['carol-1']);
  assert.equal(players(page).length, 1);
});

test('at most 8 players; a waiting stream takes a freed place', async () => {
  const { page, client } = await openPage();
  for (let i = 1; i <= 10; i++) streamAdded(client, `u${i}`);
  await settle();
  assert.equal(page.data.remoteStreams.length, 8);
  assert.equal(players(page).length, 8);
  assert.equal(client.callsOf('subscribe').length, 8);
  client.emit(EVENTS.STREAM_REMOVED, { uid: 'u3', screen: false });
  await settle();
  assert.equal(page.data.remoteStreams.length, 8);
  assert.ok(page.data.remoteStreams.some((s) => s.uid === 'u9'));
  assert.ok(!page.data.remoteStreams.some((s) => s.uid === 'u3'));
  // a waiting stream that goes away is forgotten
  client.emit(EVENTS.STREAM_REMOVED, { uid: 'u10', screen: false });
  client.emit(EVENTS.STREAM_REMOVED, { uid: 'u1', screen: false });
  await settle();
  assert.equal(page.data.remoteStreams.length, 7);
  assert.equal(client.callsOf('subscribe').length, 9);
});

test('UPDATE_URL: own uid → new push URL; remote → that player gets the new URL', async () => {
  const { page, client } = await openPage();
  streamAdded(client, 'bob');
  await settle();
  client.emit(EVENTS.UPDATE_URL, { uid: 'me', screen: false, url: 'rtmp://push/moved' });
  client.emit(EVENTS.UPDATE_URL, { uid: 'bob', screen: false, url: 'rtmp://play/bob-moved' });
  await settle();
  assert.equal(page.data.pushUrl, 'rtmp://push/moved');
  assert.equal(page.querySelector('#volc-pusher').data.url, 'rtmp://push/moved');
  assert.equal(page.data.remoteStreams.length, 1);
  assert.equal(players(page)[0].url, 'rtmp://play/bob-moved');
});

test('STREAM_FAILED: remote → subscribe again; own → publish again; then give up after 3', async () => {
  const { page, client } = await openPage();
  streamAdded(client, 'bob');
  await settle();
  client.emit(EVENTS.STREAM_FAILED, { uid: 'bob', screen: false, reason: 'no media' });
  await settle();
  assert.deepEqual(client.callsOf('unsubscribe'), [['bob', { screen: false }]]);
  assert.equal(page.data.remoteStreams[0].url, 'rtmp://play/bob-0?n=2');

  client.emit(EVENTS.STREAM_FAILED, { uid: 'me', screen: false, reason: 'ingest lost' });
  await settle();
  assert.equal(client.callsOf('unpublish').length, 1);
  assert.equal(page.data.pushUrl, 'rtmp://push/2');

  for (let i = 0; i < 3; i++) client.emit(EVENTS.STREAM_FAILED, { uid: 'me', screen: false, reason: 'ingest lost' });
  await settle();
  assert.equal(client.callsOf('publish').length, 4, 'the first publish and three tries');
  assert.match(page.data.status, /推流失败/);
});

test('MUTE_VIDEO / UNMUTE_VIDEO mark the player', async () => {
  const { page, client } = await openPage();
  streamAdded(client, 'bob');
  await settle();
  client.emit(EVENTS.MUTE_VIDEO, { uid: 'bob', screen: false });
  await settle();
  assert.equal(page.data.remoteStreams[0].videoOff, true);
  client.emit(EVENTS.UNMUTE_VIDEO, { uid: 'bob', screen: false });
  await settle();
  assert.equal(page.data.remoteStreams[0].videoOff, false);
});

test('mic and camera buttons use muteLocal, not enable-mic/enable-camera', async () => {
  const { page, client } = await openPage();
  page.querySelector('#mic').dispatchEvent('tap');
  await settle();
  assert.deepEqual(client.callsOf('muteLocal'), [[{ audio: true }]]);
  assert.equal(page.data.micOn, false);
  page.querySelector('#camera').dispatchEvent('tap');
  await settle();
  page.querySelector('#mic').dispatchEvent('tap');
  await settle();
  assert.deepEqual(client.callsOf('muteLocal'), [[{ audio: true }], [{ video: true }], [{ audio: false }]]);
  assert.equal(page.data.micOn, true);
  assert.equal(page.data.cameraOn, false);
  const pusher = page.querySelector('#volc-pusher');
  assert.equal(pusher.data.enableMic, true, 'the pusher keeps its mic');
  assert.equal(pusher.data.enableCamera, true, 'the pusher keeps its camera');
});

test('switch camera goes to the live-pusher context', async () => {
  const { page } = await openPage();
  const before = contexts.length;
  page.querySelector('#volc-pusher').triggerLifeTime('ready');
  page.querySelector('#switch').dispatchEvent('tap');
  await settle();
  const ctx = contexts.slice(before).find((c) => c.kind === 'pusher');
  assert.ok(ctx);
  assert.deepEqual(ctx.calls, [['switchCamera']]);
});

test('component events are forwarded to the four report methods', async () => {
  const { page, client } = await openPage();
  streamAdded(client, 'bob', true);
  await settle();
  const livePusher = page.querySelector('#volc-pusher').querySelector('#pusher');
  livePusher.instance.fire('statechange', { code: 1008, message: 'encoder started' });
  livePusher.instance.fire('netstatus', { info: { videoBitrate: 480 } });
  const livePlayer = page.querySelector('#player-bob-1').querySelector('#v-player-bob-1');
  livePlayer.instance.fire('statechange', { code: -2301, message: 'gave up' });
  livePlayer.instance.fire('netstatus', { info: { videoFPS: 15 } });
  const reports = client.calls.filter((c) => c[0].startsWith('report'));
  assert.deepEqual(reports, [
    ['reportPusherStateChange', 1008, 'encoder started'],
    ['reportPusherNetStatusChange', { videoBitrate: 480 }],
    ['reportPlayerStateChange', 'bob', -2301, 'gave up', true],
    ['reportPlayerNetStatusChange', 'bob', { videoFPS: 15 }, true],
  ]);
});

test('DISCONNECT: destroy, new client, join and publish again, mute state kept', async () => {
  const { page, client } = await openPage();
  streamAdded(client, 'bob');
  await page.instance.toggleMic();
  await settle();
  client.state = 'disconnected';
  client.emit(EVENTS.DISCONNECT, { code: 1006, reason: 'gone' });
  await settle();
  assert.ok(client.callsOf('destroy').length === 1, 'old client destroyed');
  const next = FakeClient.last;
  assert.notEqual(next, client);
  assert.deepEqual(next.calls.map((c) => c[0]).slice(0, 4), ['init', 'join', 'publish', 'muteLocal']);
  assert.deepEqual(next.callsOf('muteLocal'), [[{ audio: true, video: false }]]);
  assert.equal(page.data.pushUrl, 'rtmp://push/1');
  assert.deepEqual(page.data.remoteStreams, [], 'players come back with the new STREAM_ADDED');
  streamAdded(next, 'bob');
  await settle();
  assert.equal(players(page).length, 1);
  // events of the old client are ignored
  streamAdded(client, 'zed');
  await settle();
  assert.equal(page.data.remoteStreams.length, 1);
});

test('onShow rejoins only when the session is gone', async () => {
  const { page, client } = await openPage();
  const count = FakeClient.instances.length;
  client.state = 'reconnecting';
  await page.instance.onShow();
  client.state = 'connected';
  await page.instance.onShow();
  assert.equal(FakeClient.instances.length, count, 'no rejoin while connected or resuming');
  client.state = 'disconnected';
  await page.instance.onShow();
  await settle();
  assert.equal(FakeClient.instances.length, count + 1);
  assert.equal(FakeClient.last.state, 'connected');
});

test('network loss and return: status shown, rejoin when the session did not survive', async () => {
  const { page, rec, client } = await openPage();
  assert.equal(rec.networkListeners.length, 1);
  const count = FakeClient.instances.length;
  rec.networkListeners[0]({ isConnected: false, networkType: 'none' });
  await settle();
  assert.match(page.data.status, /网络已断开/);
  client.state = 'reconnecting';
  rec.networkListeners[0]({ isConnected: true, networkType: 'wifi' });
  await settle();
  assert.equal(page.data.status, '');
  assert.equal(FakeClient.instances.length, count, 'the SDK is resuming by itself');
  client.state = 'disconnected';
  rec.networkListeners[0]({ isConnected: true, networkType: '4g' });
  await settle();
  assert.equal(FakeClient.instances.length, count + 1);
});

test('a failed join shows the error; onShow tries again', async () => {
  const rec = fakeWx();
  const page = mount(pageId);
  const origJoin = FakeClient.prototype.join;
  FakeClient.prototype.join = function join() {
    this.calls.push(['join']);
    return Promise.reject({ code: 300008, reason: 'token expired' });
  };
  try {
    await page.instance.onLoad(Object.assign({}, QUERY));
    await settle();
    assert.match(page.data.status, /300008 token expired/);
    assert.equal(page.data.pushUrl, '');
  } finally {
    FakeClient.prototype.join = origJoin;
  }
  const count = FakeClient.instances.length;
  await page.instance.onShow();
  await settle();
  assert.equal(FakeClient.instances.length, count + 1);
  assert.equal(page.data.pushUrl, 'rtmp://push/1');
  assert.equal(rec.modals.length, 0);
});

test('CLIENT_BANNED: modal, client destroyed, back to the previous page, no rejoin', async () => {
  const { page, rec, client } = await openPage();
  const count = FakeClient.instances.length;
  client.emit(EVENTS.CLIENT_BANNED, { reason: 'same user joined elsewhere' });
  await settle();
  assert.equal(rec.modals.length, 1);
  assert.equal(rec.navigatedBack, 1);
  assert.equal(client.callsOf('destroy').length, 1);
  assert.equal(page.data.pushUrl, '');
  await page.instance.onShow();
  rec.networkListeners.forEach((fn) => fn({ isConnected: true }));
  await settle();
  assert.equal(FakeClient.instances.length, count);
});

test('hang up destroys the client and goes back; unload releases the network listener', async () => {
  const { page, rec, client } = await openPage();
  page.querySelector('#hangup').dispatchEvent('tap');
  await settle();
  assert.equal(client.callsOf('destroy').length, 1);
  assert.equal(rec.navigatedBack, 1);
  await page.instance.onUnload();
  assert.equal(client.callsOf('destroy').length, 1, 'destroyed once');
  assert.equal(rec.networkListeners.length, 0);
});

test('leaving the page without hang-up destroys the client', async () => {
  const { page, client } = await openPage();
  await page.instance.onUnload();
  assert.equal(client.callsOf('destroy').length, 1);
});
