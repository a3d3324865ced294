// Issue 12 against the real server: the SDK's publication follows what the server does to it
// (setUserVisibility(false) and an administrator's forbid-publish end it; publish() afterwards
// asks the server and gets a working URL), a publish whose reply came too late and a subscribe
// that reached the server after the stream was removed (frames held in the wx stand-in, as a
// slow network would) leave the client and the server agreeing, and a normal close by the
// server (code 1000, here the server's session timeout) ends the session without DISCONNECT.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binaryPath } from './lib/server.mjs';
import { Phone, SLOW } from './lib/sdk_phone.mjs';
import { pushTestStream, waitFor, sleep } from './lib/media.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const skip = binaryPath() ? false : 'MINIRTC_BIN not set or missing';
const APP_ID = 'sdkstate0123456789abcdef';
const APP_KEY = 'sdk-state-key';
const ADMIN_KEY = 'sdk-state-admin';
let server = null;
let configDir = null;
const phones = [];
let seq = 0;

before(async () => {
  if (skip) return;
  configDir = mkdtempSync(join(tmpdir(), 'minirtc-sdk-state-'));
  const config = join(configDir, 'minirtc.toml');
  // a short session timeout for the normal-close test; pings every 10 s keep the others alive
  writeFileSync(config, `[room]\nping_interval_ms = 1000\nsession_timeout_ms = 4000\nresume_window_ms = 1000\n`);
  server = await startServer({ apps: [`${APP_ID}:${APP_KEY}`], extraArgs: ['--admin-key', ADMIN_KEY, '--config', config] });
});
after(async () => {
  for (const p of phones) await p.destroy();
  if (server) await server.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

async function joined(roomId, userId, options) {
  const phone = new Phone(server.httpUrl, options);
  phones.push(phone);
  await phone.join(APP_ID, makeToken({ appId: APP_ID, appKey: APP_KEY, roomId, userId, publish: true, subscribe: true }), roomId, userId);
  return phone;
}

const admin = (path, body) =>
  fetch(`${server.httpUrl}/v1/admin/apps/${APP_ID}/rooms/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  }).then((r) => r.json());

test('turning invisible ends the publication; visible again, publish() gets a new URL from the server', { skip }, async () => {
  const room = `state-${process.pid}-${++seq}`;
  const alice = await joined(room, 'alice');
  const first = await alice.client.publish();
  await alice.client.setUserVisibility(false);
  await alice.waitEvent('STREAM_FAILED', (e) => e.uid === 'alice' && e.reason === 'invisible users cannot publish');
  await alice.client.setUserVisibility(true);
  const second = await alice.client.publish();
  assert.match(second, /^rtmp:\/\//);
  assert.notEqual(second, first);
});

test('forbid-publish ends the publication: the retry (unpublish → publish) works once allowed again, and media flows', { skip, timeout: 90000 }, async () => {
  const room = `state-${process.pid}-${++seq}`;
  const alice = await joined(room, 'alice');
  const bob = await joined(room, 'bob');
  await alice.client.publish();
  await admin(`${room}/users/alice/forbid-publish`, { forbidden: true });
  await alice.waitEvent('STREAM_FAILED', (e) => e.uid === 'alice' && e.reason === 'publishing forbidden');
  await admin(`${room}/users/alice/forbid-publish`, { forbidden: false });
  // the demo's retry: unpublish (the server has none: 100006) then publish
  await assert.rejects(alice.client.unpublish(), (e) => e.code === 100006);
  const url = await alice.client.publish();
  const pusher = pushTestStream(url, { seconds: 30, size: '320x240', fps: 15, bitrate: '200k' });
  try {
    await bob.waitEvent('STREAM_ADDED', (e) => e.uid === 'alice', 20000 * SLOW);
    assert.match(await bob.client.subscribe('alice'), /^rtmp:\/\//);
  } finally {
    await pusher.stop();
  }
});

test('the server closing the socket normally (1000, session timeout) ends the session without DISCONNECT', { skip, timeout: 60000 }, async () => {
  const room = `state-${process.pid}-${++seq}`;
  const carol = await joined(room, 'carol', { resume: false, signalingTimeout: 30000 });
  // stop the SDK's heartbeat so that the server's session timeout fires
  const socket = carol.wx.sockets[0];
  const send = socket.send.bind(socket);
  socket.send = (opts) => (/"method":"ping"/.test(opts.data) ? undefined : send(opts));
  await waitFor(() => socket.closed, { timeoutMs: 20000 * SLOW, what: 'the server closes the socket' });
  assert.equal(socket.closed.code, 1000, `close code ${socket.closed.code} ${socket.closed.reason}`);
  await waitFor(() => carol.client.state === 'disconnected', { timeoutMs: 5000 * SLOW, what: 'session ended' });
  await sleep(200);
  assert.deepEqual(carol.named('DISCONNECT'), []);
});

/** The server's view of one user (admin API). */
async function userOnServer(room, userId) {
  const details = await admin(room);
  return (details.members || []).find((u) => u.userId === userId);
}

test('a publish whose reply arrives too late (the server did publish): the next publish gets a working URL', { skip, timeout: 60000 }, async () => {
  const room = `state-${process.pid}-${++seq}`;
  const alice = await joined(room, 'alice', { signalingTimeout: 1000 * SLOW });
  // a slow downlink: the reply to the first publish comes 2 s late (after the SDK's timeout)
  const socket = alice.wx.sockets[0];
  const fire = socket._fire.bind(socket);
  let held = false;
  socket._fire = (kind, payload) => {
    const first = socket.requests('publish')[0];
    if (kind === 'message' && !held && first && typeof payload.data === 'string' && JSON.parse(payload.data).id === first.id) {
      held = true;
      setTimeout(() => fire(kind, payload), 2000 * SLOW);
      return;
    }
    fire(kind, payload);
  };
  await assert.rejects(alice.client.publish(), (e) => e.code === 300009);
  assert.equal((await userOnServer(room, 'alice')).publications.length, 1, 'the server did publish');
  const url = await alice.client.publish();
  assert.match(url, /^rtmp:\/\//);
  const bob = await joined(room, 'bob');
  const pusher = pushTestStream(url, { seconds: 30, size: '320x240', fps: 15, bitrate: '200k' });
  try {
    await bob.waitEvent('STREAM_ADDED', (e) => e.uid === 'alice', 20000 * SLOW);
  } finally {
    await pusher.stop();
  }
  await alice.client.unpublish();
  assert.equal((await userOnServer(room, 'alice')).publications.length, 0);
});

test('a subscribe that reaches the server after the stream was removed (slow uplink) is undone', { skip, timeout: 60000 }, async () => {
  const room = `state-${process.pid}-${++seq}`;
  const alice = await joined(room, 'alice');
  const bob = await joined(room, 'bob');
  const pusher = pushTestStream(await alice.client.publish(), { seconds: 30, size: '320x240', fps: 15, bitrate: '200k' });
  let release = null;
  try {
    await bob.waitEvent('STREAM_ADDED', (e) => e.uid === 'alice', 20000 * SLOW);
    // bob's subscribe waits in a slow uplink until alice's media has stopped and bob was told
    const socket = bob.wx.sockets[0];
    const send = socket.send.bind(socket);
    socket.send = (opts) => {
      if (/"method":"subscribe"/.test(opts.data) && !release) {
        release = () => send(opts);
        return;
      }
      send(opts);
    };
    const subscribing = bob.client.subscribe('alice');
    await waitFor(() => release, { what: 'subscribe held' });
    await pusher.stop();
    await bob.waitEvent('STREAM_REMOVED', (e) => e.uid === 'alice', 20000 * SLOW);
    release();
    // the server subscribes (alice's publication stays while her media is away), the SDK undoes it
    await assert.rejects(subscribing, (e) => e.code === 200001);
    await waitFor(async () => (await userOnServer(room, 'bob')).subscriptions.length === 0, {
      timeoutMs: 5000 * SLOW,
      what: 'the server dropped the subscription',
    });
  } finally {
    await pusher.stop();
  }
});
