// The original quick start's own meeting page (tests/miniprogram/seed/, only the server address
// changed) on MiniRTC: the real `minirtc` binary (MINIRTC_BIN), the built SDK copied into the
// project's lib/ as the quick start says, the page's components under miniprogram-simulate with
// the SDK's wx calls on a Node stand-in, ffmpeg pushing to the URL publish() returned, ffprobe
// playing the URL subscribe() returned.
'use strict';

const path = require('node:path');
const fs = require('node:fs');

process.env.MINIPROGRAM_PROJECT = path.resolve(__dirname, 'seed');
const test = require('node:test');
const assert = require('node:assert/strict');
const { load, mount, root } = require('./lib/env.js');
require('./lib/page.js'); // Page() under miniprogram-simulate

const repo = path.resolve(__dirname, '../..');
// 步骤 4: the SDK file goes to the project's lib/
fs.mkdirSync(path.join(root, 'lib'), { recursive: true });
fs.copyFileSync(path.join(repo, 'sdk/dist/miniapp-rtc.min.js'), path.join(root, 'lib/miniapp-rtc.min.js'));

const exparser = require('miniprogram-exparser');

/**
 * The custom components rendered in a page (the quick start gives its v-player no id or class to
 * select it by): their instances, in tree order.
 */
function componentsIn(page) {
  const found = [];
  const walk = (node) => {
    if (node instanceof exparser.Component) found.push(exparser.Element.getMethodCaller(node));
    (node.childNodes || []).forEach(walk);
  };
  walk(page._exparserNode.shadowRoot);
  return found;
}

/** The page's v-player instances (the components with the v-player's properties). */
function vPlayers(page) {
  return componentsIn(page).filter((c) => c.data && 'uid' in c.data && 'url' in c.data && 'screen' in c.data);
}

const bin = process.env.MINIRTC_BIN;
const skip = bin && fs.existsSync(bin) ? false : 'MINIRTC_BIN not set or missing: build the server and set MINIRTC_BIN';

test('the quick start meeting page: join, publish, STREAM_ADDED → subscribe → v-player, reports, STREAM_REMOVED', { skip, timeout: 120000 }, async () => {
  const { startServer } = await import('../e2e/lib/server.mjs');
  const { createWx } = await import('../e2e/lib/wx_standin.mjs');
  const { pushTestStream, probe, waitFor } = await import('../e2e/lib/media.mjs');
  const { SLOW } = await import('../e2e/lib/sdk_phone.mjs');
  const { makeToken } = await import('../../examples/token/token.mjs');

  const appId = 'seedtest0123456789abcdef';
  const appKey = 'seed-test-key';
  const server = await startServer({ apps: [`${appId}:${appKey}`] });
  const wxNet = createWx();
  Object.assign(global.wx, { request: wxNet.request, connectSocket: wxNet.connectSocket });
  const pageId = load('pages/meeting/meeting');
  const pages = [];
  let pusher = null;
  try {
    // The values the quick start leaves to the developer (步骤 1) and the server address.
    global.SERVER = server.httpUrl;
    global.APPID = appId;
    global.ROOMID = `seed-${process.pid}`;
    const open = async (userId) => {
      const page = mount(pageId);
      pages.push(page);
      page.instance.onReady();
      page.instance._handleClientEvents();
      global.USERID = userId;
      global.TOKEN = makeToken({ appId, appKey, roomId: global.ROOMID, userId, publish: true, subscribe: true });
      page.instance.join();
      await waitFor(() => page.instance.client.state === 'connected', { timeoutMs: 10000 * SLOW, what: `${userId} joined` });
      page.instance.publish();
      await waitFor(() => page.data.publishUrl, { timeoutMs: 10000 * SLOW, what: `${userId} published` });
      return page;
    };
    const alice = await open('alice');
    const bob = await open('bob');
    assert.match(alice.data.publishUrl, /^rtmp:\/\/127\.0\.0\.1:\d+\//);

    // ffmpeg as alice's <live-pusher>, on the URL publish() returned
    pusher = pushTestStream(alice.data.publishUrl, { seconds: 120, size: '320x240', fps: 15, bitrate: '200k' });
    // bob: STREAM_ADDED → subscribe → a v-player with the play URL
    await waitFor(() => bob.data.remoteStreams.length === 1, { timeoutMs: 20000 * SLOW, what: 'bob subscribed to alice' });
    const stream = bob.data.remoteStreams[0];
    assert.deepEqual({ uid: stream.uid, screen: stream.screen, id: stream.id }, { uid: 'alice', screen: false, id: 'alice-0' });
    assert.equal(vPlayers(bob).length, 1, 'one v-player rendered');
    const player = vPlayers(bob)[0];
    assert.equal(player.data.url, stream.url);
    assert.equal(player.data.uid, 'alice');

    // ffprobe as bob's <live-player>, on the URL subscribe() returned
    const probed = await probe(stream.url, { timeoutSec: 15 * SLOW });
    const kinds = probed.streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort();
    assert.deepEqual(kinds, ['audio:aac', 'video:h264']);

    // the live-player's events go through v-player to the page's playerStateChange → report
    const livePlayer = player.selectComponent('#v-player-alice-0');
    assert.ok(livePlayer, 'live-player inside v-player');
    livePlayer.fire('statechange', { code: 2004, message: 'playing' });
    await waitFor(
      () =>
        wxNet.requests.some(
          (r) => r.method === 'POST' && r.status === 200 && /"type":"playerState","uid":"alice".*"code":2004/.test(r.body || ''),
        ),
      { timeoutMs: 15000 * SLOW, what: 'the player report accepted by the server' },
    );
    assert.equal(player.data.state, 'ok');

    // alice's pusher stops: bob gets STREAM_REMOVED and the page drops the player
    await pusher.stop();
    await waitFor(() => bob.data.remoteStreams.length === 0, { timeoutMs: 30000 * SLOW, what: 'STREAM_REMOVED on bob' });
    assert.equal(vPlayers(bob).length, 0);
  } finally {
    if (pusher) await pusher.stop();
    for (const page of pages) if (page.instance.client) await page.instance.client.destroy().catch(() => {});
    await server.stop();
  }
});
