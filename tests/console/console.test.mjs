// The web console end to end: a real server, a stream pushed by ffmpeg into a room with two SDK
// users, the console in headless chromium: sign-in (a wrong key refused), the room and its users,
// the stream's details, a playing preview, a live chart, kick → CLIENT_BANNED. Screenshots of the
// overview and the room page go to build/console-test/.
import { test, before, after } from 'node:test';
import { startServer } from '../e2e/lib/server.mjs';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pushTestStream, waitFor } from '../e2e/lib/media.mjs';
import { EVENTS } from '../e2e/lib/sdk_phone.mjs';
import { consoleServer, launchBrowser, signIn, skip, SLOW, ADMIN_KEY, artifacts } from './lib/console_fixture.mjs';

const ROOM = 'demo-room';
let fx; let browser; let alice; let bob; let pusher; let page;

before(async () => {
  if (skip) return;
  fx = await consoleServer('ui');
  alice = await fx.phone(ROOM, 'alice');
  bob = await fx.phone(ROOM, 'bob');
  pusher = pushTestStream(await alice.client.publish(), { size: '640x360', seconds: 300 });
  await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice', 20000 * SLOW);
  await bob.client.subscribe('alice', {});
  alice.client.reportPusherStateChange(1002, 'connected');
  alice.client.reportPusherNetStatusChange({ videoBitrate: 480, videoFPS: 25, netSpeed: 560 });
  bob.client.reportPlayerStateChange('alice', 2004, 'playing');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await pusher?.stop();
  await fx?.close();
});

test('a wrong admin key is refused, on the page and on the feed', { skip }, async () => {
  const { context, page: p } = await signIn(browser, fx.server.httpUrl, 'not-the-key');
  try {
    await p.waitForFunction(() => document.querySelector('#signin-error')?.textContent.length > 0);
    assert.match(await p.textContent('#signin-error'), /wrong admin key/i);
    assert.equal(await p.evaluate(() => sessionStorage.getItem('minirtc.adminKey')), null);
    // The feed itself refuses a wrong key (4401) whatever the page does.
    const code = await p.evaluate(() => new Promise((resolve) => {
      const ws = new WebSocket(new URL('../v1/admin/feed', location.href).href.replace(/^http/, 'ws'));
      ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', key: 'not-the-key' }));
      ws.onclose = (e) => resolve(e.code);
    }));
    assert.equal(code, 4401);
  } finally {
    await context.close();
  }
});

test('signed in: the overview lists the room with both users', { skip }, async () => {
  ({ page } = await signIn(browser, fx.server.httpUrl, ADMIN_KEY));
  const row = page.locator(`#rooms tr[data-key="${fx.appId}/${ROOM}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /2 \(2\/0\)/);  // users (visible/invisible)
  assert.equal(await page.evaluate(() => sessionStorage.getItem('minirtc.adminKey')), ADMIN_KEY);
  assert.ok(!(await page.url()).includes(ADMIN_KEY), 'the key is never in a URL');
  await page.waitForFunction(() => Number(document.querySelector('[data-chart]')?.dataset.points) > 1);
  await page.screenshot({ path: join(artifacts, 'overview.png') });
});

test('the room page: users, stream details, a live bitrate chart, a playing preview', { skip }, async () => {
  await page.click(`#rooms tr[data-key="${fx.appId}/${ROOM}"] a`);
  for (const user of ['alice', 'bob']) await page.locator(`#users tr[data-key="${user}"]`).waitFor();
  // The SDK sends its reports in batches (every 5 s): the row shows them when they arrive.
  await page.waitForFunction(() => /1002 connected/.test(document.querySelector('#users tr[data-key="alice"]')?.textContent || ''));
  const aliceRow = await page.textContent('#users tr[data-key="alice"]');
  assert.match(aliceRow, /1002 connected/, 'the pusher state alice reported');
  assert.match(aliceRow, /netSpeed=560/, 'the net status alice reported');
  await page.waitForFunction(() => /alice: 2004 playing/.test(document.querySelector('#users tr[data-key="bob"]')?.textContent || ''));
  const key = `${fx.appId}~${ROOM}~alice~main`;
  const stream = page.locator(`#streams tr[data-key="${key}"]`);
  await page.waitForFunction((k) => /640x360/.test(document.querySelector(`#streams tr[data-key="${k}"]`)?.textContent || ''), key);
  const text = await stream.textContent();
  assert.match(text, /H\.264/);
  assert.match(text, /AAC/);
  assert.match(text, /bob/, 'bob subscribes to alice');
  const panel = `section.panel[data-stream="${key}"]`;
  await page.waitForFunction((sel) => Number(document.querySelector(`${sel} [data-chart=bitrate]`)?.dataset.points) >= 3, panel);

  await page.click(`${panel} .preview-btn`);
  const video = `${panel} video`;
  await page.waitForFunction((sel) => document.querySelector(sel).currentTime > 0.5, video, { timeout: 30000 * SLOW });
  const t0 = await page.evaluate((sel) => document.querySelector(sel).currentTime, video);
  await page.waitForFunction(([sel, t]) => document.querySelector(sel).currentTime > t + 1, [video, t0], { timeout: 30000 * SLOW });
  const frame = await page.evaluate((sel) => {
    const v = document.querySelector(sel);
    const c = document.createElement('canvas');
    c.width = 64; c.height = 36;
    const g = c.getContext('2d');
    g.drawImage(v, 0, 0, c.width, c.height);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let min = 255; let max = 0; let sum = 0;
    for (let i = 0; i < d.length; i += 4) { const y = (d[i] + d[i + 1] + d[i + 2]) / 3; min = Math.min(min, y); max = Math.max(max, y); sum += y; }
    return { w: v.videoWidth, h: v.videoHeight, min, max, mean: sum / (d.length / 4) };
  }, video);
  assert.deepEqual([frame.w, frame.h], [640, 360]);
  assert.ok(frame.max - frame.min > 50, `a frame with content (testsrc's colour bars), got ${JSON.stringify(frame)}`);
  await page.screenshot({ path: join(artifacts, 'room.png'), fullPage: true });
});

test('kick: confirmed in a dialog, the user leaves the page and the SDK user gets CLIENT_BANNED', { skip }, async () => {
  await page.click('#users tr[data-key="bob"] button[data-act=kick]');
  await page.locator('#confirm[open]').waitFor();
  assert.match(await page.textContent('#confirm-text'), /bob/);
  await page.click('#confirm-ok');
  await bob.waitEvent(EVENTS.CLIENT_BANNED);
  await page.locator('#users tr[data-key="bob"]').waitFor({ state: 'detached' });
  assert.match(await page.textContent('#toast'), /Done/);
  assert.ok(await page.locator('#users tr[data-key="alice"]').isVisible());
});

test('mute for everyone: confirmed, the hub mutes the stream, the button turns to unmute', { skip }, async () => {
  const key = `${fx.appId}~${ROOM}~alice~main`;
  await page.click(`#streams tr[data-key="${key}"] button[data-act=mute]`);
  await page.click('#confirm-ok');
  await page.locator(`#streams tr[data-key="${key}"] button[data-act=unmute]`).waitFor();
  const res = await fetch(`${fx.server.httpUrl}/v1/admin/streams`, { headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  const s = (await res.json()).streams.find((x) => x.stream === key);
  assert.ok(s.muteAudio && s.muteVideo, JSON.stringify(s));
});

test('keyboard and phone width: the room page is usable at 390 px and reachable by Tab', { skip }, async () => {
  await page.setViewportSize({ width: 390, height: 800 });
  await page.waitForTimeout(500); // the charts follow their boxes (ResizeObserver)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no page-wide horizontal scroll at phone width (${overflow} px)`);
  await page.keyboard.press('Tab');
  const focusables = [];
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    focusables.push(await page.evaluate(() => document.activeElement?.textContent?.trim() || document.activeElement?.tagName));
  }
  assert.ok(focusables.some((f) => /Kick/.test(f)), `Tab reaches the room's buttons: ${focusables.join(' | ')}`);
  await page.setViewportSize({ width: 1280, height: 720 });
});

test('Chinese labels for a Chinese browser', { skip }, async () => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  try {
    const p = await context.newPage();
    await p.goto(`${fx.server.httpUrl}/console/`);
    await p.locator('#signin').waitFor();
    assert.equal(await p.textContent('label[for=key]'), '管理密钥');
    assert.equal(await p.getAttribute('html', 'lang'), 'zh-CN');
  } finally {
    await context.close();
  }
});

test('without an admin key (apps configured: production) the console says how to set one', { skip }, async () => {
  const bare = await startServer({ apps: ['noadminapp0123456789abcd:no-admin-key'] });
  const context = await browser.newContext();
  try {
    const p = await context.newPage();
    await p.goto(`${bare.httpUrl}/`);  // the redirect to console/
    await p.locator('#no-admin').waitFor();
    assert.match(await p.textContent('#no-admin'), /--admin-key/);
    assert.equal(await p.locator('#key').count(), 0);
  } finally {
    await context.close();
    await bare.stop();
  }
});

test('the development token generator: the token it gives joins the room', { skip }, async () => {
  await page.goto(`${fx.server.httpUrl}/console/#/tokens`);
  await page.locator('#token-form').waitFor();
  await page.fill('#tk-room', 'token-room');
  await page.fill('#tk-user', 'carol');
  await page.click('#token-form button[type=submit]');
  await page.locator('#tk-out:not([hidden])').waitFor();
  const token = await page.inputValue('#tk-token');
  assert.match(await page.textContent('#tk-snippet'), /client\.join\('001/);
  const { Phone } = await import('../e2e/lib/sdk_phone.mjs');
  const carol = new Phone(fx.server.httpUrl);
  try {
    await carol.join(fx.appId, token, 'token-room', 'carol');
    const url = await carol.client.publish();
    assert.match(url, /^rtmp:/, 'the token carries the publish privilege');
  } finally {
    await carol.destroy();
  }
});
