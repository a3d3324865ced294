// v-pusher and v-player: properties reach <live-pusher>/<live-player>, state follows the
// components' codes (1008/-1307, 2004/-2301), events go up to the page in the seed's shape.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { simulate, contexts, load, mount } = require('./lib/env.js');

const pusherId = load('components/v-pusher/v-pusher');
const playerId = load('components/v-player/v-player');

function infoText(comp) {
  return comp.querySelector('.info').dom.textContent.trim();
}

test('v-pusher passes its properties to live-pusher in RTC mode', async () => {
  const comp = mount(pusherId, { url: 'rtmp://h/live/k?a=pub', beauty: 5, enableCamera: true, enableMic: false });
  const lp = comp.querySelector('#pusher');
  assert.ok(lp, 'live-pusher rendered');
  const p = lp.instance.data;
  assert.equal(p.url, 'rtmp://h/live/k?a=pub');
  assert.equal(p.mode, 'RTC');
  assert.equal(p.autopush, true);
  assert.equal(p.minBitrate, 200);
  assert.equal(p.maxBitrate, 500);
  assert.equal(p.beauty, 5);
  assert.equal(p.enableCamera, true);
  assert.equal(p.enableMic, false);
  assert.equal(p.aspect, '3:4');

  comp.setData({ enableCamera: false, enableMic: true, beauty: 0, url: 'rtmp://h/live/k?a=pub&n=2' });
  await simulate.sleep(0);
  assert.equal(lp.instance.data.enableCamera, false);
  assert.equal(lp.instance.data.enableMic, true);
  assert.equal(lp.instance.data.beauty, 0);
  assert.equal(lp.instance.data.url, 'rtmp://h/live/k?a=pub&n=2');
});

test('v-pusher defaults: camera and mic on, beauty 0, state init', () => {
  const comp = mount(pusherId, { url: 'rtmp://x' });
  assert.deepEqual(
    { enableCamera: comp.data.enableCamera, enableMic: comp.data.enableMic, beauty: comp.data.beauty, state: comp.data.state },
    { enableCamera: true, enableMic: true, beauty: 0, state: 'init' },
  );
  assert.equal(infoText(comp), '相机启动中');
});

test('v-pusher state: init → ok on 1008, → error on -1307; other codes change nothing', () => {
  const comp = mount(pusherId, { url: 'rtmp://x' });
  const lp = comp.querySelector('#pusher');
  lp.instance.fire('statechange', { code: 1001, message: 'connected' });
  assert.equal(comp.data.state, 'init');
  lp.instance.fire('statechange', { code: 1008, message: 'encoder started' });
  assert.equal(comp.data.state, 'ok');
  assert.equal(infoText(comp), '');
  lp.instance.fire('statechange', { code: 1102, message: 'reconnecting' });
  assert.equal(comp.data.state, 'ok');
  lp.instance.fire('statechange', { code: -1307, message: 'gave up' });
  assert.equal(comp.data.state, 'error');
  assert.equal(infoText(comp), '相机启动失败');
  lp.instance.fire('statechange', { code: 1008, message: 'encoder started' });
  assert.equal(comp.data.state, 'error', '1008 lifts only init');
});

test('v-pusher: a new URL starts over from init', async () => {
  const comp = mount(pusherId, { url: 'rtmp://x' });
  comp.querySelector('#pusher').instance.fire('statechange', { code: -1307 });
  assert.equal(comp.data.state, 'error');
  comp.setData({ url: 'rtmp://y' });
  await simulate.sleep(0);
  assert.equal(comp.data.state, 'init');
});

test('v-pusher: camera or mic denied (binderror 10001/10002) shows the error state', () => {
  const comp = mount(pusherId, { url: 'rtmp://x' });
  comp.querySelector('#pusher').instance.fire('error', { errCode: 10001, errMsg: 'camera denied' });
  assert.equal(comp.data.state, 'error');
});

test('v-pusher forwards statechange and netstatus to the page in the seed shape', () => {
  const comp = mount(pusherId, { url: 'rtmp://x' });
  const seen = [];
  comp.addEventListener('pusherstatechange', (e) => seen.push(['state', e.detail.detail.code, e.detail.detail.message]));
  comp.addEventListener('pushernetstatuschange', (e) => seen.push(['net', e.detail.detail.info.videoBitrate]));
  const lp = comp.querySelector('#pusher');
  lp.instance.fire('statechange', { code: 1008, message: 'started' });
  lp.instance.fire('netstatus', { info: { videoBitrate: 480 } });
  assert.deepEqual(seen, [
    ['state', 1008, 'started'],
    ['net', 480],
  ]);
});

test('v-pusher makes its live-pusher context on ready, switches camera, stops on detach', () => {
  const before = contexts.length;
  const comp = mount(pusherId, { url: 'rtmp://x' });
  comp.triggerLifeTime('ready');
  const ctx = contexts.slice(before).find((c) => c.kind === 'pusher');
  assert.ok(ctx, 'wx.createLivePusherContext called');
  comp.instance.switchCamera();
  comp.detach();
  assert.deepEqual(ctx.calls.map((c) => c[0]), ['switchCamera', 'stop']);
});

test('v-player passes url as src, RTC mode, small cache, id from uid and screen', () => {
  const comp = mount(playerId, { url: 'rtmp://h/live/k?a=play', uid: 'bob', screen: 1 });
  const lp = comp.querySelector('#v-player-bob-1');
  assert.ok(lp, 'live-player with id v-player-bob-1');
  const p = lp.instance.data;
  assert.equal(p.src, 'rtmp://h/live/k?a=play');
  assert.equal(p.mode, 'RTC');
  assert.equal(p.autoplay, true);
  assert.equal(p.objectFit, 'fillCrop');
  assert.equal(p.minCache, 0.2);
  assert.equal(p.maxCache, 0.8);
  assert.equal(p.backgroundMute, true);

  const camera = mount(playerId, { url: 'http://h/live/k.flv', uid: 'carol', screen: '0' });
  assert.ok(camera.querySelector('#v-player-carol-0'));
  assert.equal(camera.data.state, 'init');
  assert.equal(infoText(camera), '播放器启动中');
});

test('v-player state: init → ok on 2004, → error on -2301', async () => {
  const comp = mount(playerId, { url: 'rtmp://x', uid: 'bob', screen: 0 });
  const lp = comp.querySelector('#v-player-bob-0');
  lp.instance.fire('statechange', { code: 2001 });
  lp.instance.fire('statechange', { code: 2103 });
  assert.equal(comp.data.state, 'init');
  lp.instance.fire('statechange', { code: 2004, message: 'playing' });
  assert.equal(comp.data.state, 'ok');
  assert.equal(infoText(comp), '');
  lp.instance.fire('statechange', { code: -2301, message: 'gave up' });
  assert.equal(comp.data.state, 'error');
  assert.equal(infoText(comp), '播放器启动失败');
  comp.setData({ url: 'rtmp://new' });
  await simulate.sleep(0);
  assert.equal(comp.data.state, 'init', 'a new URL starts over');
});

test('v-player forwards events with uid and screen in the seed shape', () => {
  const comp = mount(playerId, { url: 'rtmp://x', uid: 'bob', screen: '1' });
  const seen = [];
  comp.addEventListener('playerstatechange', (e) => seen.push(['state', e.detail.uid, e.detail.screen, e.detail.e.detail.code]));
  comp.addEventListener('playernetstatuschange', (e) => seen.push(['net', e.detail.uid, e.detail.screen, e.detail.e.detail.info.videoFPS]));
  const lp = comp.querySelector('#v-player-bob-1');
  lp.instance.fire('statechange', { code: 2004 });
  lp.instance.fire('netstatus', { info: { videoFPS: 15 } });
  assert.deepEqual(seen, [
    ['state', 'bob', true, 2004],
    ['net', 'bob', true, 15],
  ]);
});

test('v-player makes its live-player context with its id and stops it on detach', () => {
  const before = contexts.length;
  const comp = mount(playerId, { url: 'rtmp://x', uid: 'dave', screen: 0 });
  comp.triggerLifeTime('ready');
  const ctx = contexts.slice(before).find((c) => c.kind === 'player');
  assert.ok(ctx);
  assert.equal(ctx.args[0], 'v-player-dave-0');
  comp.detach();
  assert.deepEqual(ctx.calls.map((c) => c[0]), ['stop']);
});
