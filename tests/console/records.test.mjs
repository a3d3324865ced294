// The console's recordings and usage pages against the real routes: a server whose app records
// every stream (record = "all"), ffmpeg pushing to a URL made by `minirtc url publish`, and two SDK
// users in a call. The recordings page lists the recording (room, user, duration, size as the
// admin API gives them) and its download link answers 200 video/mp4 with the MP4; Stop and
// Delete work; the usage page shows the app's sessions and minutes as /v1/admin/apps/{app}/usage
// counts them. Screenshots go to build/console-test/ (docs/img/console-recordings.png and
// console-usage.png are copies of them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binaryPath } from '../e2e/lib/server.mjs';
import { pushTestStream, signedUrl, sleep, waitFor } from '../e2e/lib/media.mjs';
import { Phone } from '../e2e/lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';
import { launchBrowser, signIn, skip, SLOW, ADMIN_KEY, artifacts } from './lib/console_fixture.mjs';

const APP_ID = 'recordsconsole0123456789';
const APP_KEY = 'records-console-key';
const PUSH_SECONDS = 4;
let dir; let server; let browser; let page;
const pushers = [];

async function admin(path, init = {}) {
  const res = await fetch(`${server.httpUrl}/v1/admin/${path}`, { ...init, headers: { Authorization: `Bearer ${ADMIN_KEY}` } });
  return { status: res.status, body: await res.json() };
}
const recordings = async () => (await admin('recordings')).body.recordings;
const publishUrl = (room, user) => signedUrl(binaryPath(), { action: 'publish', appId: APP_ID, appKey: APP_KEY, room, user, rtmpBase: server.rtmpUrl });

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'minirtc-console-rec-'));
  const config = join(dir, 'minirtc.toml');
  writeFileSync(config, `[server]\nadmin_key = "${ADMIN_KEY}"\n\n[[apps]]\nid = "${APP_ID}"\nkey = "${APP_KEY}"\nrecord = "all"\n`);
  server = await startServer({ dataDir: dir, extraArgs: ['--config', config] });

  // The recorded stream: ffmpeg for PUSH_SECONDS; meanwhile a call of two SDK users (no media):
  // two sessions of about three seconds in call-room.
  const push = pushTestStream(await publishUrl('rec-room', 'obs'), { size: '320x240', seconds: PUSH_SECONDS });
  pushers.push(push);
  const token = (user) => makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: 'call-room', userId: user, publish: true, subscribe: true });
  const alice = new Phone(server.httpUrl);
  const bob = new Phone(server.httpUrl);
  try {
    await alice.join(APP_ID, token('alice'), 'call-room', 'alice');
    await bob.join(APP_ID, token('bob'), 'call-room', 'bob');
    await sleep(3000);
    await bob.client.leave();
    await alice.client.leave();
  } finally {
    await alice.destroy();
    await bob.destroy();
  }
  const { code, stderr } = await push.exited;
  assert.equal(code, 0, stderr);
  browser = await launchBrowser();
  ({ page } = await signIn(browser, server.httpUrl, ADMIN_KEY));
  await page.locator('#apps tbody tr').first().waitFor();
});

after(async () => {
  await browser?.close();
  for (const p of pushers) await p.stop();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The console's formats (console/src/main.js), applied to what the admin API says.
const sizeText = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const durationText = (ms) => { const s = Math.round(ms / 1000); return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`; };

test('recordings: the pushed stream listed with room, user, duration, size; its download link gives the MP4', { skip, timeout: 90000 * SLOW }, async () => {
  await page.click('#nav a[data-page=recordings]');
  // The recording ends when the stream closes: the publisher's reconnect window after ffmpeg left.
  let rec;
  await waitFor(async () => {
    rec = (await recordings()).find((r) => r.roomId === 'rec-room' && r.userId === 'obs');
    return rec?.state === 'finished';
  }, { timeoutMs: 45000 * SLOW, stepMs: 500, what: 'the recording finished' });
  assert.ok(Math.abs(rec.durationMs - PUSH_SECONDS * 1000) <= 1500, `recorded ${rec.durationMs} ms of a ${PUSH_SECONDS} s push`);
  const row = page.locator(`#recordings tr[data-key="${rec.id}"]`);
  await page.waitForFunction((id) => /finished/.test(document.querySelector(`#recordings tr[data-key="${id}"]`)?.textContent || ''), rec.id, { timeout: 15000 * SLOW });
  const cells = await row.locator('td').allTextContents();
  assert.match(cells[0], /^rec-room/);
  assert.match(cells[0], new RegExp(APP_ID));
  assert.equal(cells[1], 'obs');
  assert.equal(cells[2], 'finished');
  assert.equal(cells[4], durationText(rec.durationMs));
  assert.equal(cells[5], sizeText(rec.sizeBytes));

  await row.locator('button[data-act=link]').click();
  const link = row.locator('a.download');
  await link.waitFor();
  const href = await link.evaluate((a) => a.href);
  assert.ok(href.startsWith(`${server.httpUrl}/v1/recordings/${rec.id}.mp4?`), href);
  assert.match(await row.textContent(), /valid until/);
  await page.screenshot({ path: join(artifacts, 'recordings.png') });
  // The link as anyone gets it: no admin key.
  const res = await fetch(href);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'video/mp4');
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, rec.sizeBytes, 'the whole MP4, the size the page shows');
  assert.equal(body.toString('latin1', 4, 8), 'ftyp');
  // Tampered, it is refused: the page hands out the signed link, not a way around it.
  assert.equal((await fetch(href.replace(/s=[^&]+/, 's=00'))).status, 403);
});

test('recordings: Stop ends a running recording, Delete removes a finished one', { skip, timeout: 90000 * SLOW }, async () => {
  const push = pushTestStream(await publishUrl('stop-room', 'cam'), { size: '320x240', seconds: 120 });
  pushers.push(push);
  let running;
  await waitFor(async () => {
    running = (await recordings()).find((r) => r.roomId === 'stop-room' && r.state === 'recording' && r.sizeBytes > 0);
    return Boolean(running);
  }, { timeoutMs: 20000 * SLOW, stepMs: 250, what: 'a running recording' });
  const row = page.locator(`#recordings tr[data-key="${running.id}"]`);
  await row.locator('button[data-act=stop]').click();  // listed again within 5 s
  assert.match(await page.textContent('#confirm-text'), /cam.*stop-room/);
  await page.click('#confirm-ok');
  await waitFor(async () => (await admin(`recordings/${running.id}`)).body.state === 'finished',
    { timeoutMs: 20000 * SLOW, stepMs: 250, what: 'stopped recording finished' });
  await row.locator('button[data-act=delete]').waitFor({ timeout: 15000 * SLOW });
  await push.stop();
  // Its media-only session closes after the reconnect window: wait, so the usage figures of the
  // next test hold still.
  await waitFor(async () => (await admin(`apps/${APP_ID}/usage/sessions?limit=1000`)).body.sessions.some((x) => x.roomId === 'stop-room'),
    { timeoutMs: 30000 * SLOW, stepMs: 500, what: 'the stop-room session written' });

  await row.locator('button[data-act=delete]').click();
  await page.click('#confirm-ok');
  await row.waitFor({ state: 'detached' });
  assert.equal((await admin(`recordings/${running.id}`)).status, 404);
});

test('usage: the app\'s sessions and minutes, by room and session, as the usage API counts them', { skip, timeout: 60000 * SLOW }, async () => {
  // Every session is closed: the calls left, the pushes' media-only sessions ended with their
  // streams (the tests above waited for them).
  const to = Date.now();
  const from = to - 24 * 3600 * 1000;
  const api = (await admin(`apps/${APP_ID}/usage?from=${from}&to=${to}&by=room`)).body;
  const callRoom = api.rooms.find((r) => r.roomId === 'call-room');
  const recRoom = api.rooms.find((r) => r.roomId === 'rec-room');
  assert.equal(callRoom?.sessions, 2, JSON.stringify(api));
  assert.equal(recRoom?.sessions, 1, JSON.stringify(api));

  await page.click('#nav a[data-page=usage]');
  assert.equal(await page.inputValue('#us-app'), APP_ID, 'the app list comes from the feed');
  await page.click('#usage-form button[type=submit]');
  await page.waitForFunction(() => document.querySelectorAll('#us-rooms tbody tr').length >= 2);
  const total = (await admin(`apps/${APP_ID}/usage?from=${from}&to=${Date.now()}`)).body;
  assert.ok(total.sessions >= 3, JSON.stringify(total));
  assert.equal(await page.textContent('#us-totals [data-k=sessions] dd'), String(total.sessions));
  assert.equal(await page.textContent('#us-totals [data-k=participantMinutes] dd'), total.participantMinutes.toFixed(2));
  assert.equal(await page.textContent('#us-totals [data-k=publishedMinutes] dd'), total.publishedMinutes.toFixed(2));

  const roomCells = async (room) => page.locator(`#us-rooms tr[data-key="${room}"] td`).allTextContents();
  const call = await roomCells('call-room');
  assert.deepEqual(call.slice(0, 3), ['call-room', '2', callRoom.participantMinutes.toFixed(2)]);
  // Two users for about three seconds each: about 0.1 participant minutes.
  assert.ok(callRoom.participantMinutes > 0.07 && callRoom.participantMinutes < 0.3, JSON.stringify(callRoom));
  const rec = await roomCells('rec-room');
  assert.deepEqual(rec.slice(0, 4), ['rec-room', '1', recRoom.participantMinutes.toFixed(2), recRoom.publishedMinutes.toFixed(2)]);
  assert.ok(recRoom.publishedMinutes * 60 >= PUSH_SECONDS - 0.5, JSON.stringify(recRoom));

  // Per day: one point per day of the range (the form's default: the last 24 hours, so two days
  // unless it began at midnight), labelled with the three kinds of minutes.
  await page.waitForFunction(() => Number(document.querySelector('#us-days')?.dataset.points) >= 1);
  const points = Number(await page.getAttribute('#us-days', 'data-points'));
  assert.ok(points >= 1 && points <= 2, `points ${points}`);
  const label = await page.getAttribute('#us-days', 'aria-label');
  assert.match(label, /Participant minutes|participant/i, label);

  const sessions = await page.locator('#us-sessions tbody tr').allTextContents();
  for (const who of [/call-room\s*alice/, /call-room\s*bob/, /rec-room\s*obs \(media only\)/])
    assert.ok(sessions.some((s) => who.test(s)), `${who} in ${JSON.stringify(sessions)}`);
  // The last toast (Done: Delete) gone from the picture.
  await page.waitForFunction(() => getComputedStyle(document.querySelector('#toast')).opacity === '0', null, { timeout: 10000 });
  await page.screenshot({ path: join(artifacts, 'usage.png'), fullPage: true });
});
