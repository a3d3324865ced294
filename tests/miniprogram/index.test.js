// The index page: form, development token fetch (GET /v1/dev/token), AppId from the token,
// navigation to the meeting page.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { load, mount } = require('./lib/env.js');
const { settle } = require('./lib/page.js');

const pageId = load('pages/index/index');
const APP_ID = '0123456789abcdef01234567';
const TOKEN = `001${APP_ID}QwBOYbwAAPFTZYBCVWUIAG5ldyByb29t==`;

function fakeWx({ storage = {}, answer } = {}) {
  const rec = { requests: [], navigations: [], storage };
  wx.getStorageSync = (k) => rec.storage[k] || '';
  wx.setStorageSync = (k, v) => (rec.storage[k] = v);
  wx.navigateTo = (o) => rec.navigations.push(o.url);
  wx.request = (o) => {
    rec.requests.push(o);
    const res = typeof answer === 'function' ? answer(o) : answer;
    setImmediate(() => {
      if (res && res.fail) o.fail && o.fail({ errMsg: res.fail });
      else o.success && o.success(res);
      o.complete && o.complete();
    });
  };
  return rec;
}

function open(opts) {
  const rec = fakeWx(opts);
  const page = mount(pageId);
  page.instance.onLoad({});
  return { page, rec };
}

function type(page, field, value) {
  page.instance.onInput({ currentTarget: { dataset: { field } }, detail: { value } });
}

test('starts with a room and a generated user id; restores the last form', () => {
  const { page } = open();
  assert.equal(page.data.roomId, 'demo');
  assert.match(page.data.userId, /^user\d{4}$/);
  const again = open({ storage: { 'minirtc-demo-form': { server: 'https://rtc.example.com', roomId: 'r9', userId: 'zoe' } } });
  assert.equal(again.page.data.server, 'https://rtc.example.com');
  assert.equal(again.page.data.roomId, 'r9');
  assert.equal(again.page.data.userId, 'zoe');
});

test('a pasted token fills in its AppId', () => {
  const { page } = open();
  type(page, 'token', `  ${TOKEN} `);
  assert.equal(page.data.token, TOKEN);
  assert.equal(page.data.appId, APP_ID);
});

test('fetches a development token; the AppId comes with it', async () => {
  const { page, rec } = open({ answer: { statusCode: 200, data: { token: TOKEN } } });
  type(page, 'server', 'http://10.0.0.2:8080/');
  type(page, 'roomId', 'room 1'.replace(' ', '_'));
  type(page, 'userId', 'al@ice');
  await page.instance.fetchToken();
  await settle();
  assert.equal(rec.requests.length, 1);
  assert.equal(rec.requests[0].url, 'http://10.0.0.2:8080/v1/dev/token?roomId=room_1&userId=al%40ice');
  assert.equal(rec.requests[0].method, 'GET');
  assert.equal(page.data.token, TOKEN);
  assert.equal(page.data.appId, APP_ID);
  assert.equal(page.data.busy, false);

  type(page, 'appId', APP_ID);
  await page.instance.fetchToken();
  assert.equal(rec.requests[1].url, `http://10.0.0.2:8080/v1/dev/token?appId=${APP_ID}&roomId=room_1&userId=al%40ice`);
});

test('token fetch errors are shown', async () => {
  const { page } = open({ answer: { statusCode: 404, data: { error: 'development tokens are off' } } });
  await page.instance.fetchToken();
  await settle();
  assert.match(page.data.message, /development tokens are off/);
  const other = open({ answer: { fail: 'request:fail timeout' } });
  await other.page.instance.fetchToken();
  await settle();
  assert.match(other.page.data.message, /timeout/);
});

test('join checks the form, saves it and opens the meeting page with every field', () => {
  const { page, rec } = open();
  type(page, 'server', 'http://10.0.0.2:8080');
  type(page, 'roomId', 'bad room');
  type(page, 'token', TOKEN);
  page.instance.join();
  assert.equal(rec.navigations.length, 0);
  assert.match(page.data.message, /房间号/);
  type(page, 'roomId', 'room1');
  type(page, 'userId', 'bob');
  page.instance.join();
  assert.equal(rec.navigations.length, 1);
  const url = rec.navigations[0];
  assert.ok(url.startsWith('/pages/meeting/meeting?'));
  const q = Object.fromEntries(url.split('?')[1].split('&').map((kv) => kv.split('=').map(decodeURIComponent)));
  assert.deepEqual(q, { server: 'http://10.0.0.2:8080', appId: APP_ID, roomId: 'room1', userId: 'bob', token: TOKEN });
  assert.equal(rec.storage['minirtc-demo-form'].token, TOKEN);
});

test('join without a token or with a bad server says so', () => {
  const { page, rec } = open();
  type(page, 'server', 'http://10.0.0.2:8080');
  type(page, 'appId', APP_ID);
  page.instance.join();
  assert.match(page.data.message, /Token/);
  type(page, 'token', TOKEN);
  type(page, 'server', '10.0.0.2:8080');
  page.instance.join();
  assert.match(page.data.message, /http/);
  assert.equal(rec.navigations.length, 0);
});
