// The meeting page's retry after STREAM_FAILED with the real SDK (the built bundle) on a scripted
// server that keeps MiniRTC's publish rules: when the server ended the publication (publishing
// forbidden, privilege expired, the user turned invisible) the page's unpublish → publish gets a
// new push URL. Issue 12: the SDK kept the ended publication, so publish() failed locally with
// 100005 and the page never recovered.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { load, mount } = require('./lib/env.js');
const { provideSdk, settle } = require('./lib/page.js');

const sdk = require(path.resolve(__dirname, '../../sdk/dist/miniapp-rtc.min.js'));
provideSdk(sdk);
const pageId = load('pages/meeting/meeting');

test('own STREAM_FAILED after the server ended the publication: the page publishes again and gets a new URL', async () => {
  const { FakeWx, SERVER, APP_ID, until } = await import('../sdk/lib/fake_wx.mjs');
  const fake = new FakeWx();
  const server = { published: false, n: 0 };
  fake.handlers.publish = () => {
    if (server.published) return { error: { code: 100005, message: 'already published' } };
    server.published = true;
    return { url: `rtmp://rtc.test/live/me?n=${++server.n}` };
  };
  fake.handlers.unpublish = () => {
    if (!server.published) return { error: { code: 100006, message: 'not published' } };
    server.published = false;
    return {};
  };
  Object.assign(wx, {
    request: fake.request.bind(fake),
    connectSocket: fake.connectSocket.bind(fake),
    onNetworkStatusChange: () => {},
    offNetworkStatusChange: () => {},
  });
  const page = mount(pageId);
  try {
    await page.instance.onLoad({ server: encodeURIComponent(SERVER), appId: APP_ID, roomId: 'room', userId: 'me', token: 't' });
    await until(() => page.data.pushUrl === 'rtmp://rtc.test/live/me?n=1', 'first publish');

    // an administrator forbids publishing, then allows it again: the server ended the publication
    server.published = false;
    fake.socket.notify('streamFailed', { uid: 'me', screen: false, reason: 'publishing forbidden' });
    await until(() => page.data.pushUrl === 'rtmp://rtc.test/live/me?n=2', 'the page published again', 3000);
    assert.equal(server.published, true);
    await settle();
    assert.equal(page.data.status, '');
  } finally {
    await page.instance.onUnload();
  }
});
