// The demo's path without an app server: the embedded default app, a token from
// GET /v1/dev/token (as pages/index fetches it through wx.request), then join with the built SDK.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, binaryPath } from './lib/server.mjs';
import { Phone, EVENTS } from './lib/sdk_phone.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server (build/release/minirtc) and set MINIRTC_BIN';

let server;
const phones = [];

before(async () => {
  if (skip) return;
  server = await startServer();
});

after(async () => {
  for (const p of phones) await p.destroy();
  if (server) await server.stop();
});

/** wx.request GET, as the index page makes it. */
function devToken(phone, roomId, userId) {
  return new Promise((resolve, reject) => {
    phone.wx.request({
      url: `${server.httpUrl}/v1/dev/token?roomId=${roomId}&userId=${userId}`,
      method: 'GET',
      dataType: 'json',
      success: (res) => (res.statusCode === 200 ? resolve(res.data) : reject(new Error(`HTTP ${res.statusCode}`))),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
}

test('development token for the embedded app; its AppId is the token\'s; two users meet', { skip }, async () => {
  assert.ok(server.devApp, 'the server printed its development app');
  const alice = new Phone(server.httpUrl);
  const bob = new Phone(server.httpUrl);
  phones.push(alice, bob);
  const a = await devToken(alice, 'devroom', 'alice');
  assert.equal(a.appId, server.devApp.appId);
  assert.equal(a.token.slice(3, 27), a.appId, 'the token carries the AppId (pages/index reads it from there)');
  await alice.join(a.appId, a.token, 'devroom', 'alice');
  const b = await devToken(bob, 'devroom', 'bob');
  await bob.join(b.appId, b.token, 'devroom', 'bob');
  assert.deepEqual(await bob.waitEvent(EVENTS.PEER_ONLINE), { uid: 'alice' });
  assert.match(await alice.client.publish(), /^rtmp:\/\//);
});
