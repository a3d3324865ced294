// The demo's faults of issue 12 (item 5), each with the page under miniprogram-simulate and a fake
// SDK client whose calls the test settles when it wants: a tile for a stream removed while its
// subscribe was in flight, more than 8 players through UPDATE_URL, hang-up tapped twice, a publish
// failure after a good join, a stale stored AppId, v-pusher's pushererror, and the minimum base
// library the demo needs.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { load, mount } = require('./lib/env.js');
const { provideSdk, settle } = require('./lib/page.js');
const { FakeClient, sdk } = require('./lib/fake_sdk.js');

const { EVENTS } = sdk;
provideSdk(sdk);
const meetingId = load('pages/meeting/meeting');
const indexId = load('pages/index/index');
const demo = path.resolve(__dirname, '../../examples/miniprogram');

const QUERY = { server: 'http://127.0.0.1:8080', appId: '0123456789abcdef01234567', roomId: 'r', userId: 'me', token: 't' };

function fakeWx() {
  const rec = { navigatedBack: 0, modals: [] };
  wx.onNetworkStatusChange = () => {};
  wx.offNetworkStatusChange = () => {};
  wx.showModal = (o) => rec.modals.push(o);
  wx.navigateBack = () => rec.navigatedBack++;
  return rec;
}

async function openMeeting() {
  const rec = fakeWx();
  const page = mount(meetingId);
  await page.instance.onLoad(Object.assign({}, QUERY));
  await settle();
  return { page, rec, client: FakeClient.last };
}

/** A promise the test settles. */
function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const added = (client, uid) => client.emit(EVENTS.STREAM_ADDED, { uid, screen: false, streamPublishState: { audio: true, video: true } });

test('a stream removed while its subscribe is in flight leaves no tile', async () => {
  const { page, client } = await openMeeting();
  const pending = deferred();
  client.subscribe = (uid, options) => {
    client.calls.push(['subscribe', uid, options]);
    return pending.promise;
  };
  added(client, 'bob');
  await settle();
  client.emit(EVENTS.STREAM_REMOVED, { uid: 'bob', screen: false });
  await settle();
  pending.resolve('rtmp://play/bob');
  await settle();
  assert.deepEqual(page.data.remoteStreams, []);
});

test('UPDATE_URL for a stream without a tile adds none while 8 subscribes are in flight', async () => {
  const { page, client } = await openMeeting();
  const pending = [];
  client.subscribe = (uid) => {
    const d = deferred();
    pending.push([uid, d]);
    return d.promise;
  };
  for (let i = 1; i <= 8; i++) added(client, `u${i}`);
  await settle();
  assert.equal(pending.length, 8);
  client.emit(EVENTS.UPDATE_URL, { uid: 'zed', screen: false, url: 'rtmp://play/zed' });
  await settle();
  for (const [uid, d] of pending) d.resolve(`rtmp://play/${uid}`);
  await settle();
  assert.ok(page.data.remoteStreams.length <= 8, `${page.data.remoteStreams.length} players`);
  assert.equal(page.dom.querySelectorAll('v-player').length, page.data.remoteStreams.length);
});

test('hang-up tapped twice destroys once and navigates back once', async () => {
  const { page, rec, client } = await openMeeting();
  const destroying = deferred();
  client.destroy = () => {
    client.calls.push(['destroy']);
    return destroying.promise;
  };
  page.querySelector('#hangup').dispatchEvent('tap');
  page.querySelector('#hangup').dispatchEvent('tap');
  destroying.resolve();
  await settle();
  assert.equal(rec.navigatedBack, 1);
  assert.equal(client.callsOf('destroy').length, 1);
});

/** The meeting page whose first publish fails after a good join (timers mocked by the caller). */
async function openWithFailingPublish() {
  const rec = fakeWx();
  const page = mount(meetingId);
  const loading = page.instance.onLoad(Object.assign({}, QUERY));
  const client = FakeClient.last;
  client.failures.publish = { code: 300006, reason: 'no publish privilege' };
  await loading;
  await settle();
  return { page, rec, client };
}

test('a publish failure after a good join says so and is retried', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { page, rec, client } = await openWithFailingPublish();
  assert.equal(client.state, 'connected');
  assert.doesNotMatch(page.data.status, /进房失败/);
  assert.match(page.data.status, /推流失败/);
  assert.equal(page.data.pushUrl, '');
  delete client.failures.publish;
  t.mock.timers.tick(10000);
  await settle();
  assert.equal(client.callsOf('publish').length, 2, 'publish tried again');
  assert.match(page.data.pushUrl, /^rtmp:\/\/push\//);
  assert.equal(page.data.status, '');
  assert.equal(rec.navigatedBack, 0);
  await page.instance.onUnload();
});

test('publish retries stop at the limit and when the page unloads', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { page, client } = await openWithFailingPublish();
  for (let i = 0; i < 10; i++) {
    t.mock.timers.tick(10000);
    await settle();
  }
  assert.equal(client.callsOf('publish').length, 4, 'the first publish and three tries');
  await page.instance.onUnload();
  t.mock.timers.tick(60000);
  await settle();
  assert.equal(client.callsOf('publish').length, 4);
});

test('a pasted token\'s AppId replaces a stale stored AppId', () => {
  const storage = { 'minirtc-demo-form': { server: 'https://rtc.example.com', appId: 'OLDAPPID0123456789abcdef', roomId: 'r', userId: 'u' } };
  const navigations = [];
  wx.getStorageSync = (k) => storage[k] || '';
  wx.setStorageSync = (k, v) => (storage[k] = v);
  wx.navigateTo = (o) => navigations.push(o.url);
  const page = mount(indexId);
  page.instance.onLoad({});
  const appId = 'NEWAPPID0123456789abcdef';
  page.instance.onInput({ currentTarget: { dataset: { field: 'token' } }, detail: { value: `001${appId}QwBOYbwAAPFTZYBCVWUIAG5ldyByb29t==` } });
  assert.equal(page.data.appId, appId);
  page.instance.join();
  assert.equal(navigations.length, 1);
  assert.match(navigations[0], new RegExp(`appId=${appId}&`));
});

test('v-pusher\'s pushererror reaches the page: camera or mic denied is shown', async () => {
  const { page } = await openMeeting();
  const pusher = page.querySelector('#volc-pusher');
  assert.ok(pusher, 'v-pusher rendered');
  pusher.querySelector('#pusher').instance.fire('error', { errCode: 10001, errMsg: 'camera denied' });
  await settle();
  assert.match(page.data.status, /摄像头/);
  pusher.querySelector('#pusher').instance.fire('error', { errCode: 10002, errMsg: 'mic denied' });
  await settle();
  assert.match(page.data.status, /麦克风/);
});

/** Base library versions that brought what the demo and the SDK use (WeChat's documentation). */
const NEEDS = [
  { what: 'wx.request timeout option (SDK)', version: '2.10.0', used: () => true },
  { what: 'Component observers', version: '2.6.1', used: (src) => /\bobservers\s*:/.test(src) },
  { what: 'Component lifetimes', version: '2.2.3', used: (src) => /\blifetimes\s*:/.test(src) },
  { what: 'wx.offNetworkStatusChange', version: '2.9.3', used: (src) => /wx\.offNetworkStatusChange\(/.test(src) },
  { what: 'live-pusher / live-player, SocketTask', version: '1.7.0', used: () => true },
];

const cmp = (a, b) => {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
};

test('the minimum base library is stated in the README and project config, and covers what the demo uses', () => {
  const readme = fs.readFileSync(path.join(demo, 'README.md'), 'utf8');
  const config = JSON.parse(fs.readFileSync(path.join(demo, 'project.config.json'), 'utf8'));
  const m = /(?:最低基础库版本|minimum base library)[^0-9]*(\d+\.\d+\.\d+)/i.exec(readme);
  assert.ok(m && m[1], 'README states the minimum base library');
  const stated = m[1];
  assert.equal(config.libVersion, stated, 'project.config.json libVersion is the stated minimum');
  const sources = [];
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js') && !p.includes(`${path.sep}lib${path.sep}`)) sources.push(fs.readFileSync(p, 'utf8'));
    }
  };
  walk(demo);
  const src = sources.join('\n');
  for (const need of NEEDS) {
    if (need.used(src)) assert.ok(cmp(stated, need.version) >= 0, `${need.what} needs ${need.version}, stated ${stated}`);
  }
});
