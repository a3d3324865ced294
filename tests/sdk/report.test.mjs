// report*: batched POST /v1/report (docs/protocol.md §5), failure codes at once, never throwing.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { newClient, setup } from './lib/sdk.mjs';
import { FakeWx, APP_ID, SERVER, REPORT_URL, flush, until } from './lib/fake_wx.mjs';

const ROOM = 'room'; // setup()'s join
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const posts = (wx) => wx.requests.filter((r) => r.method === 'POST');

test('reports outside a session are dropped, nothing is sent', async () => {
  const wx = new FakeWx();
  const client = newClient({ server: SERVER, wx, reportInterval: 10 });
  client.reportPusherStateChange(1008, 'started');
  await client.init(APP_ID);
  client.reportPlayerStateChange('bob', -2301, 'gave up');
  await sleep(30);
  assert.equal(wx.requests.length, 0);
});

test('one batch per interval: all state reports, the latest net status per stream', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 60 } });
  await client.publish();
  wx.socket.notify('peerOnline', { uid: 'bob' });
  await client.subscribe('bob', {});
  client.reportPusherStateChange(1001, 'connected');
  client.reportPusherNetStatusChange({ videoBitrate: 100, netQualityLevel: 2 });
  client.reportPusherStateChange(1008, 'encoder started');
  client.reportPusherNetStatusChange({ videoBitrate: 480, netQualityLevel: 1 });
  client.reportPlayerStateChange('bob', 2004, 'playing');
  client.reportPlayerNetStatusChange('bob', { videoFPS: 15 });
  client.reportPlayerNetStatusChange('bob', { videoFPS: 20 });
  await sleep(20);
  assert.equal(posts(wx).length, 0, 'held for the interval');
  await until(() => posts(wx).length === 1, 'first batch');
  const req = posts(wx)[0];
  assert.equal(req.url, REPORT_URL);
  assert.equal(req.header['content-type'], 'application/json');
  const body = JSON.parse(req.data);
  assert.equal(body.sessionToken, 'sess-1');
  // The session's room, so that a cluster node that does not hold the session can forward it.
  assert.equal(body.appId, APP_ID);
  assert.equal(body.roomId, ROOM);
  const strip = (r) => {
    assert.equal(typeof r.time, 'number');
    const { time, ...rest } = r;
    return rest;
  };
  assert.deepEqual(body.reports.map(strip), [
    { type: 'pusherState', code: 1001, message: 'connected' },
    { type: 'pusherState', code: 1008, message: 'encoder started' },
    { type: 'pusherNet', info: { videoBitrate: 480, netQualityLevel: 1 } },
    { type: 'playerState', uid: 'bob', screen: false, code: 2004, message: 'playing' },
    { type: 'playerNet', uid: 'bob', screen: false, info: { videoFPS: 20 } },
  ]);
});

test('a steady flood sends at most one request per interval', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 50 } });
  const start = Date.now();
  while (Date.now() - start < 230) {
    client.reportPusherNetStatusChange({ videoBitrate: Date.now() % 1000 });
    client.reportPusherStateChange(1005, 'resolution');
    await sleep(5);
  }
  await sleep(60);
  const sent = posts(wx).map((r) => r.sentAt);
  assert.ok(sent.length >= 2, `${sent.length} requests`);
  for (let i = 1; i < sent.length; i++) {
    assert.ok(sent[i] - sent[i - 1] >= 45, `requests ${sent[i] - sent[i - 1]} ms apart, interval 50 ms`);
  }
});

test('-1307 (pusher gave up) goes out at once with what was queued', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 10000 } });
  client.reportPusherStateChange(1102, 'reconnecting');
  client.reportPusherStateChange(-1307, 'reconnects exhausted');
  await flush();
  assert.equal(posts(wx).length, 1);
  const { reports } = JSON.parse(posts(wx)[0].data);
  assert.deepEqual(
    reports.map((r) => r.code),
    [1102, -1307],
  );
});

test('-2301 (player gave up) goes out at once; screen is taken from the subscription', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 10000 } });
  wx.socket.notify('streamAdded', { uid: 'bob', screen: true, streamPublishState: { audio: true, video: true } });
  await client.subscribe('bob', { screen: true });
  client.reportPlayerStateChange('bob', -2301, 'gave up');
  await flush();
  assert.equal(posts(wx).length, 1);
  const { reports } = JSON.parse(posts(wx)[0].data);
  assert.equal(reports.length, 1);
  assert.equal(reports[0].type, 'playerState');
  assert.equal(reports[0].uid, 'bob');
  assert.equal(reports[0].screen, true);
  assert.equal(reports[0].code, -2301);
  client.reportPlayerStateChange('bob', -2301, 'again', false);
  await flush();
  assert.equal(JSON.parse(posts(wx)[1].data).reports[0].screen, false, 'explicit screen wins');
});

test('a batch holds at most 50 reports; the rest follow in the next interval', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 30 } });
  for (let i = 0; i < 120; i++) client.reportPusherStateChange(1000 + i, `m${i}`);
  await until(() => posts(wx).length === 3, 'three batches', 1000);
  const sizes = posts(wx).map((r) => JSON.parse(r.data).reports.length);
  assert.deepEqual(sizes, [50, 50, 20]);
  assert.ok(posts(wx).every((r) => r.data.length < 64 * 1024));
});

test('net info is reduced to bounded primitive fields', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 10 } });
  const info = { videoBitrate: 1, note: 'x'.repeat(1000), nested: { a: 1 }, fn() {}, nan: NaN, ok: true };
  for (let i = 0; i < 100; i++) info[`k${i}`] = i;
  client.reportPusherNetStatusChange(info);
  await until(() => posts(wx).length === 1, 'batch');
  const sent = JSON.parse(posts(wx)[0].data).reports[0].info;
  assert.equal(sent.videoBitrate, 1);
  assert.equal(sent.note.length, 256);
  assert.equal(sent.ok, true);
  assert.ok(!('nested' in sent) && !('fn' in sent) && !('nan' in sent));
  assert.ok(Object.keys(sent).length <= 40);
});

test('report methods never throw, whatever they get and whatever the network does', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 5 } });
  const unhandled = [];
  const onUnhandled = (r) => unhandled.push(r);
  process.on('unhandledRejection', onUnhandled);
  const origError = console.error;
  console.error = () => {};
  try {
    wx.onRequest = (o) => {
      if (o.method === 'POST') throw new Error('request exploded');
      return undefined;
    };
    const circular = { a: 1 };
    circular.self = circular;
    const calls = [
      () => client.reportPusherStateChange(),
      () => client.reportPusherStateChange('abc', { toString: null }),
      () => client.reportPusherStateChange(-1307, Symbol('s')),
      () => client.reportPusherNetStatusChange(null),
      () => client.reportPusherNetStatusChange(circular),
      () => client.reportPlayerStateChange(undefined, 2004),
      () => client.reportPlayerStateChange('bob', -2301, 'x'),
      () => client.reportPlayerNetStatusChange('bob', 'not an object'),
      () => client.reportPlayerNetStatusChange({}, {}),
    ];
    for (const call of calls) assert.doesNotThrow(call);
    await sleep(30);
    wx.onRequest = (o) => (o.method === 'POST' ? { fail: 'timeout' } : undefined);
    client.reportPusherStateChange(-1307, 'x');
    wx.onRequest = (o) => (o.method === 'POST' ? { statusCode: 404, data: { error: 'unknown session' } } : undefined);
    client.reportPusherStateChange(-1307, 'y');
    await sleep(30);
    assert.deepEqual(unhandled, []);
  } finally {
    console.error = origError;
    process.off('unhandledRejection', onUnhandled);
  }
});

test('reports made while reconnecting are sent after the resume', async () => {
  const wx = new FakeWx();
  wx.handlers.resume = () => ({ sessionToken: 'sess-2', pingInterval: 10000, resumeWindow: 2000, publications: [], subscriptions: [] });
  const { client } = await setup({ wx, client: { reportInterval: 20 } });
  wx.refuseSockets = true;
  wx.socket.drop();
  client.reportPusherStateChange(1102, 'reconnecting');
  await sleep(40);
  assert.equal(posts(wx).length, 0);
  wx.refuseSockets = false;
  await until(() => posts(wx).length === 1, 'batch after resume', 1000);
  const body = JSON.parse(posts(wx)[0].data);
  assert.equal(body.sessionToken, 'sess-2');
  assert.equal(body.appId, APP_ID);
  assert.equal(body.roomId, ROOM);
  assert.equal(body.reports[0].code, 1102);
});

test('leave drops what is queued', async () => {
  const { wx, client } = await setup({ client: { reportInterval: 30 } });
  client.reportPusherStateChange(1008, 'x');
  await client.leave();
  await sleep(60);
  assert.equal(posts(wx).length, 0);
});

test('the default interval is 5 s', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_700_000_000_000 });
  try {
    const wx = new FakeWx();
    const client = newClient({ server: SERVER, wx });
    await client.init(APP_ID);
    const joining = client.join('t', 'room', 'me');
    for (let i = 0; i < 50 && client.state !== 'connected'; i++) await flush();
    assert.equal(await joining, 'me');
    client.reportPusherStateChange(1008, 'first');
    mock.timers.tick(4999);
    await flush();
    assert.equal(posts(wx).length, 0, 'the first batch collects for one interval after join');
    mock.timers.tick(1);
    await flush();
    assert.equal(posts(wx).length, 1);
    assert.equal(JSON.parse(posts(wx)[0].data).reports[0].time, 1_700_000_000_000);
    mock.timers.tick(1000);
    client.reportPusherStateChange(1005, 'second');
    mock.timers.tick(3999);
    await flush();
    assert.equal(posts(wx).length, 1);
    mock.timers.tick(1);
    await flush();
    assert.equal(posts(wx).length, 2);
    assert.equal(JSON.parse(posts(wx)[1].data).reports[0].time, 1_700_000_006_000);
    await client.destroy();
  } finally {
    mock.timers.reset();
  }
});
