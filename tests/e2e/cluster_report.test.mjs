// Reports in a cluster (docs/cluster.md "Reports"): two real nodes on one real Redis. A user
// joined on the room's node posts its report to the other node; that node forwards it (202) as a
// signed message addressed to the room's node, which applies it as if it had been posted there:
// the member's quality in the admin view changes, the reporter gets `streamFailed`, and a wrong
// session token is refused there. A forged (unsigned) or oversized forward published straight to
// the channel is refused and logged; a report naming a room no node holds gets 404 with the reason.
// A real forward captured off the channel and published again is dropped as a replay (its id was
// seen), and a burst of reports from one client gets 429 beyond the forwarding node's limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { useCluster, getJson, metric as sample } from './lib/cluster_harness.mjs';
import { SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';
import { waitFor } from './lib/media.mjs';

const appId = 'clusterrep0123456789abcd';
const appKey = 'cluster-report-key';
const adminKey = 'cluster-report-admin';

const fx = useCluster({ ids: ['n1', 'n2'], prefix: 'cluster-report', app: `${appId}:${appKey}`, adminKey, waitForNodes: true,
  toml: '[cluster]\nsecret = "a-cluster-secret-for-report-tests"\nnode_ttl_ms = 5000\npin_ttl_ms = 10000\n' });
const { skip, nodes, cleanup } = fx;
const sockets = [];
cleanup.push(() => { for (const ws of sockets) ws.terminate(); });

const auth = { authorization: `Bearer ${adminKey}` };
async function postReport(node, body) {
  const res = await fetch(`${node.base}/v1/report`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
/** A counter of `node`'s /metrics (the sample whose labels include `label`); 0 when absent. */
const metric = (node, name, label = '') => sample(node, name, { label, missing: 0 });
/** The member's pusher state in the room's admin view on `node` (null: none yet). */
async function pusherState(node, roomId, userId) {
  const r = await getJson(`${node.base}/v1/admin/apps/${appId}/rooms/${roomId}`, auth);
  if (r.status !== 200) return null;
  const m = r.body.members.find((x) => x.userId === userId);
  return m && m.quality.pusher.length > 0 ? m.quality.pusher[0].state : null;
}

/** A JSON-RPC join kept open: {ws, reply, notes} (notes: every notification received). */
function openJoin(url, roomId, userId) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    sockets.push(ws);
    const notes = [];
    const timer = setTimeout(() => reject(new Error(`no join reply from ${url}`)), 10000 * SLOW);
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'join', params: {
      appId, roomId, userId, token: makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true }) } })));
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m));
      if (msg.method) notes.push(msg);
      if (msg.id !== 1) return;
      clearTimeout(timer);
      resolve({ ws, reply: msg, notes });
    });
    ws.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** PUBLISH over a raw RESP connection (redis-cli's arguments cannot be this long). */
function publish(port, channel, message) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const bulk = (x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`;
    s.on('connect', () => s.write(`*3\r\n${bulk('PUBLISH')}${bulk(channel)}${bulk(message)}`));
    s.on('data', (d) => { s.end(); resolve(String(d).trim()); });
    s.on('error', reject);
  });
}

/** SUBSCRIBE over a raw RESP connection: {messages (payloads, in order), ready, close()}. */
function subscribe(port, channel) {
  const s = connect(port, '127.0.0.1');
  const messages = [];
  let buf = Buffer.alloc(0);
  let onReady;
  const ready = new Promise((r) => { onReady = r; });
  /** One RESP array of bulk strings and integers from the front of `buf`, or null: incomplete. */
  const parse = () => {
    let i = 0;
    const line = () => {
      const e = buf.indexOf('\r\n', i);
      if (e < 0) return null;
      const l = buf.subarray(i, e).toString();
      i = e + 2;
      return l;
    };
    const head = line();
    if (head === null) return null;
    const items = [];
    for (let k = 0, n = Number(head.slice(1)); k < n; ++k) {
      const h = line();
      if (h === null) return null;
      if (h[0] !== '$') { items.push(h.slice(1)); continue; }
      const len = Number(h.slice(1));
      if (buf.length < i + len + 2) return null;
      items.push(buf.subarray(i, i + len).toString());
      i += len + 2;
    }
    return { items, used: i };
  };
  s.on('connect', () => s.write(`*2\r\n$9\r\nSUBSCRIBE\r\n$${Buffer.byteLength(channel)}\r\n${channel}\r\n`));
  s.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (let p = parse(); p; p = parse()) {
      buf = buf.subarray(p.used);
      if (p.items[0] === 'subscribe') onReady();
      if (p.items[0] === 'message') messages.push(p.items[2]);
    }
  });
  return { messages, ready, close: () => s.destroy() };
}

/** alice joined in a new room on the node that holds it: {joined, sessionToken, owner, other}. */
async function joinRoom(roomId) {
  let joined = await openJoin(`ws://${nodes[0].http}/n1/v1/signal`, roomId, 'alice');
  if (joined.reply.error) joined = await openJoin(joined.reply.error.data.redirect, roomId, 'alice');
  assert.ok(joined.reply.result, JSON.stringify(joined.reply));
  const { sessionToken, reportUrl } = joined.reply.result;
  const owner = nodes.find((n) => reportUrl === `${n.base}/v1/report`);
  const other = nodes.find((n) => n !== owner);
  await waitFor(async () => {
    const r = await getJson(`${other.base}/v1/admin/apps/${appId}/rooms`, auth);
    return r.body.rooms.some((x) => x.roomId === roomId && x.node === owner.id);
  }, { timeoutMs: 10000 * SLOW, what: 'the room in the other node\'s directory' });
  return { joined, sessionToken, owner, other };
}

test('a report posted to a node that does not hold the session reaches the room\'s node', { skip }, async () => {
  const roomId = `rep-${process.pid}`;
  // Join where the room is pinned (by load: follow the redirect when there is one).
  let joined = await openJoin(`ws://${nodes[0].http}/n1/v1/signal`, roomId, 'alice');
  if (joined.reply.error) {
    const redirect = joined.reply.error.data.redirect;
    joined = await openJoin(redirect, roomId, 'alice');
  }
  assert.ok(joined.reply.result, JSON.stringify(joined.reply));
  const { sessionToken, reportUrl } = joined.reply.result;
  const owner = nodes.find((n) => reportUrl === `${n.base}/v1/report`);
  assert.ok(owner, reportUrl);
  const other = nodes.find((n) => n !== owner);
  // The other node learns who holds the room from the directory (read every second).
  await waitFor(async () => {
    const r = await getJson(`${other.base}/v1/admin/apps/${appId}/rooms`, auth);
    return r.body.rooms.some((x) => x.roomId === roomId && x.node === owner.id);
  }, { timeoutMs: 10000 * SLOW, what: 'the room in the other node\'s directory' });

  // An SDK from before clusters names no room: refused as on one node.
  const old = await postReport(other, { sessionToken, reports: [{ type: 'pusherState', code: 1001, message: 'x', time: Date.now() }] });
  assert.equal(old.status, 404);
  assert.deepEqual(old.body, { error: 'unknown session' });

  const forwardedBefore = await metric(other, 'minirtc_cluster_reports_forwarded_total');
  const appliedBefore = await metric(owner, 'minirtc_cluster_reports_applied_total');
  const sent = await postReport(other, { sessionToken, appId, roomId, reports: [
    { type: 'pusherState', code: -1307, message: 'reconnects exhausted', time: Date.now() }] });
  assert.equal(sent.status, 202);
  assert.deepEqual(sent.body, { forwarded: owner.id });
  await waitFor(async () => (await pusherState(owner, roomId, 'alice'))?.code === -1307,
    { timeoutMs: 5000 * SLOW, what: 'the forwarded state on the room\'s node' });
  assert.equal((await pusherState(owner, roomId, 'alice')).message, 'reconnects exhausted');
  await waitFor(async () => joined.notes.some((n) => n.method === 'streamFailed'),
    { timeoutMs: 5000 * SLOW, what: 'streamFailed to the reporter' });
  assert.equal(await metric(other, 'minirtc_cluster_reports_forwarded_total'), forwardedBefore + 1);
  assert.equal(await metric(owner, 'minirtc_cluster_reports_applied_total'), appliedBefore + 1);

  // A wrong session token is forwarded too (the node that gets it cannot tell) and refused by the
  // room's node, which checks it as for a report posted there.
  const refused = () => metric(owner, 'minirtc_rejected_total', 'reason="cluster_report_refused"');
  const refusedBefore = await refused();
  const wrong = await postReport(other, { sessionToken: 'not-the-token', appId, roomId, reports: [
    { type: 'pusherState', code: 1001, message: 'wrong token', time: Date.now() }] });
  assert.equal(wrong.status, 202);
  await waitFor(async () => /report forwarded by node n\d not applied: 404/.test(owner.logs()),
    { timeoutMs: 5000 * SLOW, what: 'the refusal logged on the room\'s node' });
  assert.equal((await pusherState(owner, roomId, 'alice')).code, -1307);
  assert.equal(await metric(owner, 'minirtc_cluster_reports_applied_total'), appliedBefore + 1);
  assert.equal(await refused(), refusedBefore + 1);

  // A room no live node holds: 404 with the reason, nothing forwarded.
  const none = await postReport(other, { sessionToken, appId, roomId: 'nobody-holds-this', reports: [] });
  assert.equal(none.status, 404);
  assert.equal(none.body.error, `unknown session: no live node holds room ${appId}/nobody-holds-this`);
  assert.equal(await metric(other, 'minirtc_cluster_reports_forwarded_total'), forwardedBefore + 2);

  // Forged: a forward with a made-up signature, and one over the channel's size limit, published
  // straight to Redis. Both are refused (logged) and change nothing.
  const forgedBody = JSON.stringify({ type: 'report', to: owner.id, body: JSON.stringify({ sessionToken, appId, roomId,
    reports: [{ type: 'pusherState', code: 1234, message: 'forged', time: Date.now() }] }) });
  await publish(fx.redis.port, 'minirtc:broadcast', `v1.${other.id}.${Date.now()}.${'ab'.repeat(32)}.${forgedBody}`);
  await waitFor(async () => /broadcast refused: node message: signature invalid/.test(owner.logs()),
    { timeoutMs: 5000 * SLOW, what: 'the forged forward refused' });
  const huge = JSON.stringify({ type: 'report', to: owner.id, body: 'x'.repeat(300 * 1024) });
  await publish(fx.redis.port, 'minirtc:broadcast', `v1.${other.id}.${Date.now()}.${'ab'.repeat(32)}.${huge}`);
  await waitFor(async () => /broadcast refused: node message too long/.test(owner.logs()),
    { timeoutMs: 5000 * SLOW, what: 'the oversized forward refused' });
  assert.equal((await pusherState(owner, roomId, 'alice')).code, -1307);
  assert.equal(await metric(owner, 'minirtc_cluster_reports_applied_total'), appliedBefore + 1);

  // And a real forward after them still goes through.
  const again = await postReport(other, { sessionToken, appId, roomId, reports: [
    { type: 'pusherState', code: 1008, message: 'encoder started', time: Date.now() }] });
  assert.equal(again.status, 202);
  await waitFor(async () => (await pusherState(owner, roomId, 'alice'))?.code === 1008,
    { timeoutMs: 5000 * SLOW, what: 'the second forwarded state' });
});

test('a forward captured off the channel and published again is dropped; a burst from one client gets 429 beyond the limit', { skip }, async () => {
  const roomId = `rep2-${process.pid}`;
  const { sessionToken, owner, other } = await joinRoom(roomId);
  const sub = subscribe(fx.redis.port, 'minirtc:broadcast');
  sockets.push({ terminate: sub.close });
  await sub.ready;

  const applied = () => metric(owner, 'minirtc_cluster_reports_applied_total');
  const replays = () => metric(owner, 'minirtc_cluster_broadcast_replays_total');
  const appliedBefore = await applied();
  const replaysBefore = await replays();
  const sent = await postReport(other, { sessionToken, appId, roomId, reports: [
    { type: 'pusherState', code: 2001, message: 'captured', time: Date.now() }] });
  assert.equal(sent.status, 202);
  await waitFor(() => sub.messages.some((m) => m.includes('"type":"report"') && m.includes('captured')),
    { timeoutMs: 5000 * SLOW, what: 'the forward on the channel' });
  await waitFor(async () => (await applied()) === appliedBefore + 1,
    { timeoutMs: 5000 * SLOW, what: 'the forward applied once' });
  const captured = sub.messages.find((m) => m.includes('captured'));
  assert.match(captured, /^v1\.n\d\.\d+\.[0-9a-f]{64}\.\{"type":"report","id":"[0-9a-f]{32}",/);
  // The same signed bytes again, well within the clock skew: dropped, counted, logged.
  assert.equal(await publish(fx.redis.port, 'minirtc:broadcast', captured), ':3');  // 2 nodes + us
  await waitFor(async () => (await replays()) === replaysBefore + 1,
    { timeoutMs: 5000 * SLOW, what: 'the replay counted' });
  assert.match(owner.logs(), /broadcast from n\d dropped: message [0-9a-f]{32} seen already \(a replay\)/);
  assert.equal(await applied(), appliedBefore + 1);

  // A burst from one address: the first ones forwarded (the client's burst, 20, plus 5 a second
  // while it lasts), the rest refused with 429 and Retry-After; only the forwarded ones reach the
  // room's node.
  const forwarded = () => metric(other, 'minirtc_cluster_reports_forwarded_total');
  const limited = () => metric(other, 'minirtc_rejected_total', 'reason="report_forward_client_limit"');
  const [forwardedBefore, limitedBefore] = [await forwarded(), await limited()];
  // The earlier forwards of this client have refilled by now (5 a second, at most 20 kept).
  await new Promise((r) => setTimeout(r, 4000));
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${other.base}/v1/report`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sessionToken, appId, roomId, reports: [{ type: 'pusherState', code: 2002, message: 'burst', time: Date.now() }] }),
  })));
  const seconds = (Date.now() - started) / 1000;
  const ok = answers.filter((a) => a.status === 202).length;
  const refused = answers.filter((a) => a.status === 429);
  assert.equal(ok + refused.length, 40, answers.map((a) => a.status).join(','));
  assert.ok(ok >= 20 && ok <= 20 + Math.ceil(seconds * 5), `${ok} forwarded in ${seconds} s`);
  assert.ok(refused.length > 0);
  const body = await refused[0].json();
  assert.match(body.error, /^too many reports for sessions on other nodes from this address: retry after \d+ s$/);
  assert.ok(Number(refused[0].headers.get('retry-after')) >= 1);
  assert.equal(await forwarded(), forwardedBefore + ok);
  assert.equal(await limited(), limitedBefore + refused.length);
  await waitFor(async () => (await applied()) === appliedBefore + 1 + ok,
    { timeoutMs: 10000 * SLOW, what: 'every forwarded report of the burst applied' });
});
