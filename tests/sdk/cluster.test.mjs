// The SDK in a cluster (docs/protocol.md §4.4, docs/cluster.md): joins redirected to the room's
// node, and resuming a session across nodes: the room's node dies, the other nodes redirect the
// resume to it until its registry record expires, then one of them takes the session over. The
// fake cluster below plays the nodes: which node a join or resume is served by is the test's
// routing function, sockets to a dead node are refused. `server` given as a list of base URLs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, setup, record, newClient, rejectsWith, ERROR_CODES as E } from './lib/sdk.mjs';
import { APP_ID, SERVER, FakeWx, NO_REPLY, until } from './lib/fake_wx.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const signalUrl = (node) => `wss://rtc.test/${node}/v1/signal`;
const reportUrl = (node) => `https://rtc.test/${node}/v1/report`;
/** @param {string} url a signalling URL of signalUrl() */
const nodeOf = (url) => url.split('/')[3];

const PEERS = ['bob', 'carol'];
const STREAMS = PEERS.map((uid) => ({ uid, screen: false, streamPublishState: { audio: true, video: true } }));

/**
 * A FakeWx playing three nodes n1..n3 behind SERVER, listed by config in that order.
 * `c.joinRoute(node)` says which node serves a join that reached `node` (n1 by default: the
 * session is on n1 at first); `c.route(node, params)` which node serves a resume (a node id, or
 * {error} for a refusal); sockets to the nodes in `c.down` are refused.
 */
function clusterWx() {
  const wx = new FakeWx();
  const c = {
    wx,
    down: new Set(),
    /** @type {(node: string) => string} */
    joinRoute: (node) => node,
    /** @type {(node: string, params: any) => string | {error: object}} */
    route: (node) => node,
    /** Resumes the nodes received: {node, params, at}. */
    resumes: [],
    /** URLs the new node signs. */
    pubUrl: 'rtmp://rtc.test/live/me?node=n1',
    subUrls: { bob: 'rtmp://rtc.test/live/bob?node=n1', carol: 'rtmp://rtc.test/live/carol?node=n1' },
  };
  wx.config = { appId: APP_ID, signalUrls: ['n1', 'n2', 'n3'].map(signalUrl), reportUrl: reportUrl('n1') };
  const burst = (s) => {
    for (const uid of PEERS) s.notify('peerOnline', { uid });
    for (const st of STREAMS) s.notify('streamAdded', st);
  };
  const session = () => ({ sessionToken: 'sess-1', pingInterval: 10000, sessionTimeout: 30000, resumeWindow: c.resumeWindow || 3000 });
  const redirect = (to, what) => ({
    error: {
      code: 300008,
      message: `the room is served by node ${to}: ${what} there`,
      data: { redirect: signalUrl(to), reportUrl: reportUrl(to), node: to },
    },
  });
  wx.handlers.join = (p, s) => {
    const to = c.joinRoute(nodeOf(s.url));
    return to === nodeOf(s.url) ? Object.assign(session(), { after: burst }) : redirect(to, 'join');
  };
  wx.handlers.publish = () => ({ url: c.pubUrl });
  wx.handlers.subscribe = (p) => ({ url: c.subUrls[p.userId] });
  wx.handlers.resume = (p, s) => {
    const node = nodeOf(s.url);
    c.resumes.push({ node, params: p, at: Date.now() });
    const to = c.route(node, p);
    if (typeof to === 'object') return to;
    if (to !== node) return redirect(to, 'resume');
    return Object.assign(session(), {
      publications: [{ screen: false, url: c.pubUrl }],
      subscriptions: PEERS.map((userId) => ({ userId, screen: false, url: c.subUrls[userId] })),
      after: burst,
    });
  };
  const connectSocket = wx.connectSocket.bind(wx);
  wx.connectSocket = (o) => {
    const task = connectSocket(o);
    if (c.down.has(nodeOf(o.url))) {
      task.state = 'refused'; // never opens
      queueMicrotask(() => {
        task.error('connect refused');
        task.drop(1006, 'connect refused');
      });
    }
    return task;
  };
  return c;
}

/** Config GETs the client made so far. */
const configRequests = (wx) => wx.requests.filter((r) => r.method === 'GET');

/** Joined on n1, published, subscribed to bob and carol; events recorded from then on. */
async function inCall(c, clientOptions = {}) {
  const { client } = await setup({ wx: c.wx, client: clientOptions });
  await until(() => client._room.streams.size === STREAMS.length, 'join burst');
  assert.equal(nodeOf(c.wx.socket.url), 'n1');
  await client.publish();
  await client.subscribe('bob', {});
  await client.subscribe('carol', {});
  return { client, events: record(client) };
}

test('a join redirected to the room node: joined there, reports go there, resumes start there', async () => {
  const c = clusterWx();
  c.joinRoute = () => 'n3';
  const { client } = await setup({ wx: c.wx });
  assert.equal(client.state, 'connected');
  assert.deepEqual(c.wx.sockets.map((s) => [nodeOf(s.url), s.state, s.requests('join').length]), [
    ['n1', 'closed', 1],
    ['n3', 'open', 1],
  ]);
  client.reportPusherStateChange(-1307, 'push failed');
  await until(() => c.wx.requests.some((r) => r.method === 'POST'), 'report sent');
  assert.equal(c.wx.requests.find((r) => r.method === 'POST').url, reportUrl('n3'));
  c.wx.socket.drop();
  await until(() => client.state === 'connected', 'resumed');
  assert.deepEqual(c.resumes.map((r) => r.node), ['n3']);
});

test('a join redirected more than 3 times fails with JOIN_ROOM_ERROR and the message', async () => {
  const c = clusterWx();
  c.joinRoute = (node) => (node === 'n2' ? 'n3' : 'n2');
  const { client } = await setup({ wx: c.wx, join: false });
  const err = await rejectsWith(client.join('t', 'room', 'me'), E.JOIN_ROOM_ERROR);
  assert.match(err.reason, /served by node/);
  assert.deepEqual(c.wx.sockets.map((s) => nodeOf(s.url)), ['n1', 'n2', 'n3', 'n2']);
  assert.equal(c.wx.openSockets.length, 0);
  assert.equal(client.state, 'initialized');
});

test('a node that takes the session over without a redirect names its report URL in the resume result: reports go there', async () => {
  const c = clusterWx();
  const { client } = await inCall(c);
  c.down.add('n1');
  c.route = (node) => node; // n2 takes the session over itself
  const resume = c.wx.handlers.resume;
  c.wx.handlers.resume = (p, s) => Object.assign(resume(p, s), { reportUrl: reportUrl(nodeOf(s.url)) });
  c.wx.socket.drop(1006, 'abnormal closure');
  await until(() => client.state === 'connected', 'resumed');
  assert.deepEqual(c.resumes.map((r) => r.node), ['n2']);
  const posts = () => c.wx.requests.filter((r) => r.method === 'POST');
  client.reportPusherStateChange(-1307, 'push failed'); // urgent: sent at once
  await until(() => posts().length === 1, 'report sent');
  assert.equal(posts()[0].url, reportUrl('n2'));
});

test('a reportUrl in the join result wins over the config\'s; one that is not http(s) is ignored', async () => {
  for (const [named, expected] of [[reportUrl('n2'), reportUrl('n2')], ['javascript:alert(1)', reportUrl('n1')]]) {
    const c = clusterWx();
    const join = c.wx.handlers.join;
    c.wx.handlers.join = (p, s) => Object.assign(join(p, s), { reportUrl: named });
    const { client } = await inCall(c);
    client.reportPusherStateChange(-1307, 'push failed');
    const posts = () => c.wx.requests.filter((r) => r.method === 'POST');
    await until(() => posts().length === 1, 'report sent');
    assert.equal(posts()[0].url, expected);
    client.destroy();
  }
});

test('resume sends the session ids with its token', async () => {
  const c = clusterWx();
  const { client } = await inCall(c);
  c.wx.socket.drop(1006, 'network lost');
  await until(() => client.state === 'connected', 'resumed');
  assert.deepEqual(c.resumes.map((r) => r.params), [{ sessionToken: 'sess-1', appId: APP_ID, roomId: 'room', userId: 'me' }]);
});

test('node loss: redirected once, resumed on the new node with its URLs; reports go there; no DISCONNECT', async () => {
  const c = clusterWx();
  const { client, events } = await inCall(c);
  c.down.add('n1');
  // n2 is the least loaded now; the room's new node is n3, which signs new URLs
  c.route = (node) => 'n3';
  c.pubUrl = 'rtmp://rtc.test/live/me?node=n3';
  c.subUrls = { bob: 'rtmp://rtc.test/live/bob?node=n3', carol: 'rtmp://rtc.test/live/carol?node=n3' };
  c.wx.socket.drop(1006, 'abnormal closure');
  await until(() => client.state === 'connected', 'resumed');
  await sleep(30);
  assert.deepEqual(c.resumes.map((r) => r.node), ['n2', 'n3']);
  assert.deepEqual(c.wx.openSockets.map((s) => nodeOf(s.url)), ['n3'], 'one socket, to the new node');
  assert.deepEqual(events, [
    ['UPDATE_URL', { uid: 'me', screen: false, url: c.pubUrl }],
    ['UPDATE_URL', { uid: 'bob', screen: false, url: c.subUrls.bob }],
    ['UPDATE_URL', { uid: 'carol', screen: false, url: c.subUrls.carol }],
  ]);
  const posts = () => c.wx.requests.filter((r) => r.method === 'POST');
  client.reportPusherStateChange(-1307, 'push failed'); // urgent: sent at once
  await until(() => posts().length === 1, 'report sent');
  assert.equal(posts()[0].url, reportUrl('n3'));
  // later resumes go to the room's node first
  c.wx.socket.drop(1006, 'again');
  await until(() => client.state === 'connected' && c.resumes.length === 3, 'resumed again');
  assert.equal(c.resumes[2].node, 'n3');
  assert.equal(events.filter(([e]) => e === 'DISCONNECT').length, 0);
});

test("the dead node's record still listed: the resume is redirected to it until it expires, then taken over", async () => {
  const c = clusterWx();
  c.resumeWindow = 5000;
  const { client, events } = await inCall(c);
  c.down.add('n1');
  let expired = false;
  c.route = (node) => (expired ? node : 'n1'); // after expiry the node reached takes the session over
  const configsBefore = configRequests(c.wx).length;
  c.wx.socket.drop(1006, 'abnormal closure');
  // attempts after about 0, 0.1, 0.3, 0.7, 1.5 s: expiry comes while the back-off is at its cap
  await sleep(1550);
  assert.equal(client.state, 'reconnecting');
  const expiredAt = Date.now();
  expired = true;
  await until(() => client.state === 'connected', 'resumed', 3000);
  const back = Date.now() - expiredAt;
  assert.ok(back < 1300, `back ${back} ms after the dead node's record expired`);
  // each attempt after the first starts away from the dead node
  const attempts = [];
  for (const s of c.wx.sockets.slice(1)) {
    // sockets of one attempt follow each other at once; attempts are a back-off apart
    const last = attempts[attempts.length - 1];
    if (!last || s.createdAt - last.at > 50) attempts.push({ start: s.createdAt, nodes: [] });
    attempts[attempts.length - 1].nodes.push(nodeOf(s.url));
    attempts[attempts.length - 1].at = s.createdAt;
  }
  const seen = JSON.stringify(attempts.map((a) => a.nodes));
  assert.ok(attempts.length >= 5, `attempts: ${seen}`);
  assert.equal(attempts[0].nodes[0], 'n1', 'the first attempt tries the room node it knew');
  for (const a of attempts.slice(1)) assert.notEqual(a.nodes[0], 'n1', `attempts: ${seen}`);
  for (const a of attempts) assert.ok(a.nodes.filter((n) => n !== 'n1').length <= 4, `at most 3 redirects per attempt: ${seen}`);
  for (let i = 1; i < attempts.length; i++) {
    const gap = attempts[i].start - attempts[i - 1].start;
    assert.ok(gap < 1250, `attempts ${gap} ms apart: the back-off is at most 1 s while resuming`);
  }
  // config asked again after the failed connects, once per failed attempt
  const configs = configRequests(c.wx).length - configsBefore;
  assert.equal(configs, attempts.length - 1, `${configs} config requests, attempts: ${seen}`);
  assert.deepEqual(events, []);
});

test('a socket that fails to open goes last: the next attempt starts with the next URL', async () => {
  const c = clusterWx();
  const { client } = await inCall(c);
  c.down.add('n1');
  // n2 does not answer the first resume (lost reply): the attempt fails after n1 was refused
  let n2Replies = 0;
  const resume = c.wx.handlers.resume;
  c.wx.handlers.resume = (p, s) => (nodeOf(s.url) === 'n2' && n2Replies++ === 0 ? NO_REPLY : resume(p, s));
  c.route = (node) => node;
  // config unreachable: the order is this side's alone
  c.wx.onRequest = (o) => (o.method === 'GET' ? { fail: 'network down' } : undefined);
  const configsBefore = configRequests(c.wx).length;
  c.wx.socket.drop();
  await until(() => client.state === 'connected', 'resumed');
  assert.deepEqual(c.wx.sockets.slice(1).map((s) => nodeOf(s.url)), ['n1', 'n2', 'n2']);
  assert.equal(configRequests(c.wx).length, configsBefore + 1, 'config asked after the failed connect');
});

test('config re-fetched after a failed connect; a failing config request keeps the list', async () => {
  const c = clusterWx();
  const { client } = await inCall(c);
  const before = configRequests(c.wx).length;
  c.down = new Set(['n1', 'n2', 'n3']);
  c.wx.onRequest = (o) => (o.method === 'GET' ? { fail: 'network down' } : undefined);
  c.wx.socket.drop();
  await until(() => configRequests(c.wx).length >= before + 2, 'config asked twice');
  assert.equal(client.state, 'reconnecting');
  // the network is back, config still fails: the old list is used
  c.down.clear();
  await until(() => client.state === 'connected', 'resumed');
  assert.equal(c.resumes.length, 1);

  // config answering with a new list: the next attempt uses it
  const d = clusterWx();
  const second = await inCall(d);
  d.down.add('n1');
  d.wx.config = { appId: APP_ID, signalUrls: [signalUrl('n4'), signalUrl('n1')], reportUrl: reportUrl('n4') };
  d.wx.handlers.resume = ((inner) => (p, s) => (nodeOf(s.url) === 'n2' ? NO_REPLY : inner(p, s)))(d.wx.handlers.resume);
  d.wx.socket.drop();
  await until(() => second.client.state === 'connected', 'resumed on n4');
  assert.deepEqual(d.resumes.map((r) => r.node), ['n4']);
  assert.deepEqual(
    d.wx.sockets.slice(1).map((s) => nodeOf(s.url)),
    ['n1', 'n2', 'n4'],
    'n1 refused, n2 silent, then the fresh list without the dead node first',
  );
});

test('a resume refused without a redirect ends the session with DISCONNECT, also after a redirect', async () => {
  const c = clusterWx();
  const { client, events } = await inCall(c);
  c.down.add('n1');
  c.route = (node) => (node === 'n3' ? { error: { code: 300008, message: 'unknown or expired session' } } : 'n3');
  c.wx.socket.drop(1006, 'abnormal closure');
  await until(() => client.state === 'disconnected', 'disconnected');
  assert.deepEqual(c.resumes.map((r) => r.node), ['n2', 'n3']);
  assert.equal(events.length, 1);
  assert.equal(events[0][0], 'DISCONNECT');
  assert.equal(events[0][1].code, 1006);
  assert.match(events[0][1].reason, /abnormal closure.*unknown or expired session/);
  const count = c.wx.sockets.length;
  await sleep(150);
  assert.equal(c.wx.sockets.length, count, 'no more attempts');
  assert.equal(c.wx.openSockets.length, 0);
});

test('redirected in a loop: each attempt stops after 3 redirects, attempts go on until the window ends', async () => {
  const c = clusterWx();
  c.resumeWindow = 700;
  const { client, events } = await inCall(c);
  c.down.add('n1');
  c.route = (node) => (node === 'n2' ? 'n3' : 'n2');
  const dropped = Date.now();
  c.wx.socket.drop(1006, 'abnormal closure');
  await until(() => client.state === 'disconnected', 'disconnected', 3000);
  const took = Date.now() - dropped;
  assert.ok(took >= 650 && took < 1500, `lost after ${took} ms, window 700 ms`);
  assert.deepEqual(events.map(([e]) => e), ['DISCONNECT']);
  // the first attempt: n2, then 3 redirects (n3, n2, n3); the next one comes after a back-off
  const r = c.resumes;
  assert.ok(r.length >= 8, `${r.length} resumes`);
  assert.deepEqual(r.slice(0, 5).map((x) => x.node), ['n2', 'n3', 'n2', 'n3', 'n2']);
  for (let i = 1; i < 4; i++) assert.ok(r[i].at - r[i - 1].at < 50, 'redirects follow at once');
  assert.ok(r[4].at - r[3].at >= 90, `the second attempt ${r[4].at - r[3].at} ms after the first`);
});

test('a node that never answers the connect costs at most 2 s per attempt while resuming', async () => {
  const c = clusterWx();
  const { client } = await inCall(c, { signalingTimeout: 5000 });
  // n1 is black-holed: its sockets never open nor fail
  const connectSocket = c.wx.connectSocket;
  c.wx.connectSocket = (o) => {
    const task = connectSocket(o);
    if (nodeOf(o.url) === 'n1') task.state = 'black-holed';
    return task;
  };
  c.route = () => 'n2';
  c.wx.socket.drop();
  await until(() => client.state === 'connected', 'resumed', 4000);
  const [n1, n2] = c.wx.sockets.slice(1);
  assert.equal(nodeOf(n1.url), 'n1');
  assert.equal(nodeOf(n2.url), 'n2');
  const waited = n2.createdAt - n1.createdAt;
  assert.ok(waited >= 1900 && waited < 2600, `gave up on the silent node after ${waited} ms`);
  assert.equal(n1.closedBy.code, 1000, 'the half-open socket is closed');
});

test('server as a list: config from the first that answers', async () => {
  const wx = new FakeWx({ onRequest: (o) => (o.url.startsWith('https://down.test/') ? { fail: 'refused' } : undefined) });
  const client = newClient({ server: ['https://down.test/', ` ${SERVER}`], wx, signalingTimeout: 200 });
  await client.init(APP_ID);
  assert.equal(await client.join('t', 'room', 'me'), 'me');
  assert.deepEqual(
    wx.requests.map((r) => r.url),
    [`https://down.test/v1/config?appId=${APP_ID}`, `${SERVER}/v1/config?appId=${APP_ID}`],
  );

  // none answers: GET_CONFIG_ERROR naming each
  const none = new FakeWx({ onRequest: () => ({ fail: 'refused' }) });
  const lonely = newClient({ server: ['https://a.test', 'https://b.test'], wx: none });
  await lonely.init(APP_ID);
  const err = await rejectsWith(lonely.join('t', 'room', 'me'), E.GET_CONFIG_ERROR);
  assert.match(err.reason, /https:\/\/a\.test: .*refused.*; https:\/\/b\.test: .*refused/);

  // the first answers: the second is not asked
  const first = new FakeWx();
  const quick = newClient({ server: [SERVER, 'https://b.test'], wx: first });
  await quick.init(APP_ID);
  await quick.join('t', 'room', 'me');
  assert.equal(first.requests.length, 1);
});

test('server as a list: a resume re-fetches config from the list when the first server fails', async () => {
  const c = clusterWx();
  c.wx.onRequest = (o) => (o.url.startsWith('https://down.test/') ? { fail: 'refused' } : undefined);
  const { client } = await setup({ wx: c.wx, client: { server: ['https://down.test', SERVER] } });
  await until(() => client._room.streams.size === STREAMS.length, 'join burst');
  c.down = new Set(['n1', 'n2', 'n3']);
  c.route = () => 'n2';
  c.wx.onRequest = (o) => {
    if (o.url.startsWith('https://down.test/')) return { fail: 'refused' };
    // n1 has left the registry
    if (o.method === 'GET') return { statusCode: 200, data: { appId: APP_ID, signalUrls: [signalUrl('n2')], reportUrl: reportUrl('n2') } };
    return undefined;
  };
  const before = c.wx.requests.length;
  const asked = () => c.wx.requests.slice(before).filter((r) => r.method === 'GET').map((r) => r.url.split('/v1/')[0]);
  c.wx.socket.drop();
  await until(() => asked().length >= 2, 'config asked again');
  assert.deepEqual(asked().slice(0, 2), ['https://down.test', SERVER]);
  c.down.delete('n2');
  await until(() => client.state === 'connected', 'resumed');
  assert.equal(nodeOf(c.wx.socket.url), 'n2');
});

test('setDefaultServer takes a list; getDefaultServer gives it back normalized', async () => {
  try {
    Client.setDefaultServer(['https://down.test/', '', SERVER, 42]);
    assert.deepEqual(Client.getDefaultServer(), ['https://down.test', SERVER]);
    const wx = new FakeWx({ onRequest: (o) => (o.url.startsWith('https://down.test/') ? { fail: 'refused' } : undefined) });
    const client = newClient({ wx, signalingTimeout: 200 });
    await client.init(APP_ID);
    assert.equal(await client.join('t', 'room', 'me'), 'me');
    assert.equal(wx.requests.length, 2);
    Client.setDefaultServer([`${SERVER}/`]);
    assert.equal(Client.getDefaultServer(), SERVER);
    Client.setDefaultServer(`${SERVER}//`);
    assert.equal(Client.getDefaultServer(), SERVER);
    Client.setDefaultServer([]);
    assert.equal(Client.getDefaultServer(), '');
  } finally {
    Client.setDefaultServer('');
  }
});
