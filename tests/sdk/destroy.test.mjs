// destroy() leaves nothing behind: no timer (heartbeat, request and resume timeouts, report
// batches, back-off), no open socket, no listener, whatever the client was doing.

import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { setup } from './lib/sdk.mjs';
import { FakeWx, NO_REPLY, flush, until } from './lib/fake_wx.mjs';

/** Timers created and not yet fired or cleared, tracked through the globals the SDK calls. */
const live = new Map();
const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
beforeEach(() => {
  live.clear();
  globalThis.setTimeout = (fn, ms, ...args) => {
    const handle = real.setTimeout(() => {
      live.delete(handle);
      fn(...args);
    }, ms);
    live.set(handle, new Error('created here').stack);
    return handle;
  };
  globalThis.clearTimeout = (handle) => {
    live.delete(handle);
    real.clearTimeout(handle);
  };
});
afterEach(() => {
  globalThis.setTimeout = real.setTimeout;
  globalThis.clearTimeout = real.clearTimeout;
});

const EVENT_NAMES = ['STREAM_ADDED', 'STREAM_REMOVED', 'UPDATE_URL', 'DISCONNECT', 'ERROR', 'PEER_ONLINE'];

async function destroyAndCheck(wx, client) {
  for (const name of EVENT_NAMES) client.on(name, () => {});
  await client.destroy();
  await flush(20);
  assert.equal(client.state, 'destroyed');
  for (const name of EVENT_NAMES) assert.equal(client.listenerCount(name), 0, `listener of ${name} left`);
  assert.equal(wx.openSockets.length, 0, 'a socket left open');
  assert.deepEqual([...live.values()], [], 'timers left after destroy');
}

test('destroy in a room with a publication, a subscription and queued reports', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 60000 } });
  wx.socket.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
  await client.publish();
  await client.subscribe('bob');
  client.reportPusherStateChange(1008, 'started');
  client.reportPlayerNetStatusChange('bob', { videoFPS: 15 });
  await destroyAndCheck(wx, client);
});

test('destroy with a request waiting for its reply, and a leave that gets none', async () => {
  const { wx, client } = await setup({ client: { signalingTimeout: 300 } });
  wx.handlers.publish = () => NO_REPLY;
  wx.handlers.leave = () => NO_REPLY;
  const pending = client.publish().catch((e) => e);
  await flush();
  await destroyAndCheck(wx, client); // destroy waits out the leave's timeout, then ends everything
  assert.ok([300009, 300010].includes((await pending).code));
});

test('destroy while the session is being resumed (back-off timers pending)', async () => {
  const wx = new FakeWx();
  wx.handlers.join = () => ({ sessionToken: 's', resumeWindow: 60000 });
  const { client } = await setup({ wx, client: { signalingTimeout: 50 } });
  wx.refuseSockets = true;
  wx.socket.drop(1006);
  await until(() => wx.sockets.length >= 3, 'resume attempts');
  assert.equal(client.state, 'reconnecting');
  await destroyAndCheck(wx, client);
});

test('destroy while join waits for the config and for the socket', async () => {
  const wx = new FakeWx({ onRequest: () => NO_REPLY });
  const { client } = await setup({ wx, join: false, client: { requestTimeout: 60000 } });
  const joining = client.join('t', 'room', 'me').catch((e) => e);
  await flush();
  await destroyAndCheck(wx, client);
  assert.equal((await joining).code, 300008);

  const wx2 = new FakeWx({ autoOpen: false });
  const second = await setup({ wx: wx2, join: false, client: { signalingTimeout: 60000 } });
  const joining2 = second.client.join('t', 'room', 'me').catch((e) => e);
  await flush();
  assert.equal(wx2.sockets.length, 1);
  await destroyAndCheck(wx2, second.client);
  await joining2;
});
