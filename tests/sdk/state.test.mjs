// The bugs of issue 12 where the client's publications and subscriptions drifted from the
// server's: each test drives a fake server that keeps the same rules as MiniRTC's room service
// (publish twice → 100005, unpublish without a publication → 100006, unsubscribe without a
// subscription → 300002) and checks that the client asks the server when it cannot know.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES as E, EVENTS, setup, record, rejectsWith } from './lib/sdk.mjs';
import { FakeWx, NO_REPLY, flush, until } from './lib/fake_wx.mjs';

/** A FakeWx whose server keeps this user's publication and subscriptions like MiniRTC does. */
function statefulWx() {
  const wx = new FakeWx();
  const server = { published: false, n: 0, subs: new Set(), silent: new Set() };
  wx.server = server;
  const reply = (method, fn) => (p, s) => {
    const out = fn(p, s);
    return server.silent.has(method) ? NO_REPLY : out;
  };
  wx.handlers.publish = reply('publish', () => {
    if (server.published) return { error: { code: 100005, message: 'already published' } };
    server.published = true;
    return { url: `rtmp://rtc.test/live/me?n=${++server.n}` };
  });
  wx.handlers.unpublish = reply('unpublish', () => {
    if (!server.published) return { error: { code: 100006, message: 'not published' } };
    server.published = false;
    return {};
  });
  wx.handlers.muteLocal = reply('muteLocal', () =>
    server.published ? {} : { error: { code: 100006, message: 'not published' } },
  );
  wx.handlers.subscribe = reply('subscribe', (p) => {
    server.subs.add(`${p.userId}-${p.screen ? 1 : 0}`);
    return { url: `rtmp://rtc.test/live/${p.userId}?a=play` };
  });
  wx.handlers.unsubscribe = reply('unsubscribe', (p) => {
    if (!server.subs.delete(`${p.userId}-${p.screen ? 1 : 0}`)) return { error: { code: 300002, message: 'not subscribed' } };
    return {};
  });
  wx.handlers.setUserVisibility = reply('setUserVisibility', (p, s) => {
    if (!p.visible && server.published) {
      server.published = false;
      s.notify('streamFailed', { uid: 'me', screen: false, reason: 'invisible users cannot publish' });
    }
    return {};
  });
  return wx;
}

test('bug 1: publish whose reply is lost: the next publish gets a working URL, unpublish asks the server', async () => {
  const { wx, client } = await setup({ wx: statefulWx(), client: { signalingTimeout: 40 } });
  wx.server.silent.add('publish');
  await rejectsWith(client.publish(), E.SIGNALING_TIMEOUT);
  assert.equal(wx.server.published, true, 'the server did publish');
  wx.server.silent.clear();

  // the next publish gets a URL: the server's stale publication is replaced
  const url = await client.publish();
  assert.match(url, /^rtmp:\/\/rtc\.test\/live\/me\?n=2$/);
  assert.equal(wx.server.published, true);

  // and the state is known again: a second publish is refused locally
  await rejectsWith(client.publish(), E.ALREADY_PUBLISHED);

  wx.server.silent.add('unpublish');
  await rejectsWith(client.unpublish(), E.SIGNALING_TIMEOUT);
  wx.server.silent.clear();
  // unknown again: muteLocal and unpublish go to the server, which has no publication
  await rejectsWith(client.muteLocal({ audio: true }), E.NOT_PUBLISHED);
  assert.equal(wx.socket.requests('muteLocal').length, 1, 'muteLocal asked the server');
  // now known: refused locally, no new request
  await rejectsWith(client.unpublish(), E.NOT_PUBLISHED);
  assert.equal(wx.socket.requests('unpublish').length, 2);
  assert.match(await client.publish(), /n=3$/);
});

test('bug 1: an unpublish whose reply is lost after the server did unpublish: muteLocal asks the server', async () => {
  const { wx, client } = await setup({ wx: statefulWx(), client: { signalingTimeout: 40 } });
  await client.publish();
  wx.server.silent.add('unpublish');
  await rejectsWith(client.unpublish(), E.SIGNALING_TIMEOUT);
  wx.server.silent.clear();
  await rejectsWith(client.unpublish(), E.NOT_PUBLISHED);
  assert.equal(wx.socket.requests('unpublish').length, 2, 'the second unpublish went to the server');
  assert.match(await client.publish(), /n=2$/);
});

test('bug 2: after the server ends the publication (streamFailed), publish asks the server and gets a URL', async () => {
  const { wx, client } = await setup({ wx: statefulWx() });
  const events = record(client);
  await client.publish();
  // publishing forbidden by an administrator: the server ends the publication and tells us
  wx.server.published = false;
  wx.socket.notify('streamFailed', { uid: 'me', screen: false, reason: 'publishing forbidden' });
  assert.deepEqual(events.at(-1), [EVENTS.STREAM_FAILED, { uid: 'me', screen: false, reason: 'publishing forbidden' }]);
  // the demo's retry: unpublish (the server says 100006) then publish
  await rejectsWith(client.unpublish(), E.NOT_PUBLISHED);
  assert.match(await client.publish(), /n=2$/);
  assert.equal(wx.socket.requests('publish').length, 2);
});

test('bug 2: "no media" keeps the publication on the server: publish replaces it with a fresh URL', async () => {
  const { wx, client } = await setup({ wx: statefulWx() });
  await client.publish();
  wx.socket.notify('streamFailed', { uid: 'me', screen: false, reason: 'no media' });
  // the server still publishes: publish → 100005 → unpublish → publish
  assert.match(await client.publish(), /n=2$/);
  assert.deepEqual(
    wx.socket.sent.slice(2).map((m) => m.method),
    ['publish', 'unpublish', 'publish'],
  );
});

test('bug 2: setUserVisibility(false) ends the publication; publish after turning visible asks the server', async () => {
  const { wx, client } = await setup({ wx: statefulWx() });
  await client.publish();
  await client.setUserVisibility(false);
  await rejectsWith(client.muteLocal({ video: true }), E.NOT_PUBLISHED);
  assert.equal(wx.socket.requests('muteLocal').length, 0, 'known from the reply: refused locally');
  await client.setUserVisibility(true);
  assert.match(await client.publish(), /n=2$/);
});

test('bug 3: a subscribe reply that comes after STREAM_REMOVED does not bring the subscription back', async () => {
  const { wx, client } = await setup({ wx: statefulWx() });
  const s = wx.socket;
  s.notify('peerOnline', { uid: 'bob' });
  s.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
  wx.server.silent.add('subscribe');
  const pending = client.subscribe('bob');
  await flush();
  const req = s.requests('subscribe')[0];
  wx.server.silent.clear();
  s.notify('streamRemoved', { uid: 'bob', screen: false });
  s.receive({ jsonrpc: '2.0', id: req.id, result: { url: 'rtmp://rtc.test/live/bob?a=play' } });
  await rejectsWith(pending, E.STREAM_ID_NOT_FOUND);
  assert.equal(wx.server.subs.size, 0, 'and the server holds none either');
  assert.deepEqual(s.requests('unsubscribe').map((m) => m.params), [{ userId: 'bob', screen: false }]);
});

test('bug 3: an unsubscribe whose reply is lost causes no STREAM_REMOVED/STREAM_ADDED after a resume', async () => {
  const wx = statefulWx();
  wx.handlers.join = () => ({
    sessionToken: 'sess-1',
    pingInterval: 10000,
    sessionTimeout: 30000,
    resumeWindow: 2000,
    after: (s) => {
      s.notify('peerOnline', { uid: 'bob' });
      s.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
    },
  });
  wx.handlers.resume = () => ({
    sessionToken: 'sess-1',
    resumeWindow: 2000,
    publications: [],
    subscriptions: [...wx.server.subs].map((k) => ({ userId: k.slice(0, -2), screen: k.endsWith('-1'), url: 'rtmp://x' })),
    after: (s) => {
      s.notify('peerOnline', { uid: 'bob' });
      s.notify('streamAdded', { uid: 'bob', screen: false, streamPublishState: { audio: true, video: true } });
    },
  });
  const { client } = await setup({ wx, client: { signalingTimeout: 40 } });
  await flush();
  await client.subscribe('bob');
  wx.server.silent.add('unsubscribe');
  await rejectsWith(client.unsubscribe('bob'), E.SIGNALING_TIMEOUT);
  wx.server.silent.clear();
  const events = record(client);
  wx.socket.drop(1006);
  await until(() => client.state === 'connected' && wx.socket.requests('ping').length > 0, 'resumed');
  await flush(50);
  assert.deepEqual(events, [], 'the app gave the stream up: no event about it');
});

test('bug 3: the server still holding an unsubscribed stream after a resume gets the unsubscribe again', async () => {
  const wx = statefulWx();
  wx.handlers.join = () => ({ sessionToken: 'sess-1', resumeWindow: 2000, after: (s) => s.notify('peerOnline', { uid: 'bob' }) });
  wx.handlers.resume = () => ({
    sessionToken: 'sess-1',
    resumeWindow: 2000,
    publications: [],
    subscriptions: [...wx.server.subs].map((k) => ({ userId: k.slice(0, -2), screen: false, url: 'rtmp://x' })),
  });
  const { client } = await setup({ wx, client: { signalingTimeout: 40 } });
  await flush();
  await client.subscribe('bob');
  wx.server.silent.add('unsubscribe');
  await rejectsWith(client.unsubscribe('bob'), E.SIGNALING_TIMEOUT);
  // the server never got it: the lost request left the subscription there
  wx.server.subs.add('bob-0');
  wx.server.silent.clear();
  wx.socket.drop(1006);
  await until(() => wx.server.subs.size === 0, 'unsubscribe sent again after resume');
});

test('bug 4: a server close with code 1000 ends the session without DISCONNECT', async () => {
  const { wx, client } = await setup({ client: { resume: false } });
  const events = record(client);
  wx.socket.drop(1000, 'session timeout');
  await flush();
  assert.equal(client.state, 'disconnected');
  assert.deepEqual(events, []);
});

test('bug 4: DISCONNECT carries the WebSocket close code of the drop', async () => {
  const { wx, client } = await setup({ client: { resume: false } });
  const events = record(client);
  wx.socket.drop(1001, 'server shutting down');
  await flush();
  assert.deepEqual(events, [[EVENTS.DISCONNECT, { code: 1001, reason: 'server shutting down' }]]);
});

test('bug 4: a failed resume after a server close with 1000 ends the session without DISCONNECT', async () => {
  const wx = new FakeWx();
  wx.handlers.join = () => ({ sessionToken: 'sess-1', resumeWindow: 500 });
  const { client } = await setup({ wx });
  const events = record(client);
  wx.socket.drop(1000, 'session timeout');
  await until(() => client.state === 'disconnected', 'resume refused');
  assert.deepEqual(events, []);
});
