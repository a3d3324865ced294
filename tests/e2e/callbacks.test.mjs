// Server callbacks end to end: the real binary, a receiver on loopback that verifies every
// callback with its own implementation of shared/spec/webhooks.md, and a whole call — two users
// join, one publishes with ffmpeg, mutes its video, the other is kicked, the publisher leaves,
// the room ends. Checked: every signature, the order per room, the payloads, the metrics and the
// admin list; the callback key and the event filter of an app.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, binaryPath } from './lib/server.mjs';
import { pushTestStream, waitFor } from './lib/media.mjs';
import { startReceiver } from './lib/callback_receiver.mjs';
import {
  writeCallbackConfig, User, callbackMetrics, adminCallbacks, assertRoomOrder, ADMIN_KEY, SLOW,
} from './lib/callback_harness.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const APP = { id: 'callbacktest0123456789ab', key: 'callback-app-key' };
const FILTERED = { id: 'callbackfilter0123456789', key: 'filtered-app-key', callbackKey: 'a separate callback key' };

let server, receiver, filtered;
before(async () => {
  if (skip) return;
  receiver = await startReceiver({ secret: APP.key });
  filtered = await startReceiver({ secret: FILTERED.callbackKey });
  const config = writeCallbackConfig({
    apps: [{ ...APP, urls: [receiver.url] },
      { ...FILTERED, urls: [filtered.url], events: ['UserJoined', 'UserLeft'] }],
  });
  server = await startServer({ extraArgs: ['--config', config] });
});
after(async () => {
  await server?.stop();
  await receiver?.close();
  await filtered?.close();
});

const ofRoom = (r, room) => r.events().filter((e) => e.data.roomId === room);

test('a whole call: signed callbacks in order with their payloads', { skip }, async () => {
  const room = `call-${process.pid}`;
  const alice = await User.join(server, APP, room, 'alice');
  const bob = await User.join(server, APP, room, 'bob');
  const { url } = await alice.ok('publish', {});
  const pusher = pushTestStream(url, { seconds: 60 });
  try {
    await waitFor(() => ofRoom(receiver, room).some((e) => e.EventType === 'StreamStarted'),
      { timeoutMs: 20000 * SLOW, what: 'StreamStarted' });
    await alice.ok('muteLocal', { video: true });
    await waitFor(() => ofRoom(receiver, room).some((e) => e.EventType === 'MuteChanged'),
      { timeoutMs: 10000 * SLOW, what: 'MuteChanged' });
    const kick = await fetch(`${server.httpUrl}/v1/admin/apps/${APP.id}/rooms/${room}/users/bob/kick`,
      { method: 'POST', headers: { authorization: `Bearer ${ADMIN_KEY}` }, body: '{"reason":"test kick"}' });
    assert.equal(kick.status, 200);
    await alice.ok('leave', {});
  } finally {
    await pusher.stop();
    alice.close(); bob.close();
  }
  await waitFor(() => ofRoom(receiver, room).some((e) => e.EventType === 'RoomEnded'),
    { timeoutMs: 15000 * SLOW, what: 'RoomEnded' });

  assert.deepEqual(receiver.rejected, [], 'every callback verifies');
  const events = ofRoom(receiver, room);
  assertRoomOrder(assert, events);
  assert.equal(new Set(events.map((e) => e.EventId)).size, events.length, 'unique EventIds');
  for (const e of events) {
    assert.equal(e.AppId, APP.id);
    assert.ok(Math.abs(Date.parse(e.EventTime) - Date.now()) < 120000, 'EventTime is now-ish');
  }
  const types = events.map((e) => e.EventType);
  assert.equal(types[0], 'RoomCreated');
  assert.equal(types.at(-1), 'RoomEnded');
  const one = (type, pred = () => true) => {
    const found = events.filter((e) => e.EventType === type && pred(e.data));
    assert.equal(found.length, 1, `one ${type}: ${JSON.stringify(found.map((e) => e.data))}`);
    return found[0].data;
  };
  one('UserJoined', (d) => d.userId === 'alice');
  one('UserJoined', (d) => d.userId === 'bob');
  const started = one('StreamStarted');
  assert.deepEqual([started.userId, started.stream, started.audio, started.video], ['alice', 'main', true, true]);
  const muted = one('MuteChanged');
  assert.deepEqual([muted.userId, muted.audioMuted, muted.videoMuted], ['alice', false, true]);
  assert.equal(one('UserLeft', (d) => d.userId === 'bob').reason, 'kicked');
  assert.equal(one('UserLeft', (d) => d.userId === 'alice').reason, 'left');
  assert.equal(one('StreamStopped').userId, 'alice');
  // Causal order inside the room.
  const at = (type, pred = () => true) => events.findIndex((e) => e.EventType === type && pred(e.data));
  assert.ok(at('UserJoined', (d) => d.userId === 'alice') < at('StreamStarted'));
  assert.ok(at('StreamStarted') < at('MuteChanged'));
  assert.ok(at('StreamStopped') < at('UserLeft', (d) => d.userId === 'alice'));

  const m = await callbackMetrics(server);
  assert.ok(m.delivered >= events.length, `delivered ${m.delivered}`);
  assert.equal(m.queued, 0);
  const admin = await adminCallbacks(server);
  const mine = admin.recent.filter((r) => r.roomId === room);
  assert.equal(mine.length, events.length);
  for (const r of mine) {
    assert.equal(r.outcome, 'delivered');
    assert.equal(r.status, 200);
    assert.equal(r.url, receiver.url);
  }
});

test('an app with its own callback key and an event filter gets only those events', { skip }, async () => {
  const room = `filtered-${process.pid}`;
  const u = await User.join(server, FILTERED, room, 'carol');
  await u.ok('leave', {});
  u.close();
  await waitFor(() => filtered.events().length >= 2, { timeoutMs: 10000 * SLOW, what: 'filtered events' });
  await new Promise((r) => setTimeout(r, 1500 * SLOW));  // RoomCreated/RoomEnded would have come by now
  assert.deepEqual(filtered.rejected, [], 'signed with callback_key, not the AppKey');
  assert.deepEqual(filtered.events().map((e) => e.EventType), ['UserJoined', 'UserLeft']);
  assert.equal(receiver.events().filter((e) => e.AppId === FILTERED.id).length, 0);
});
