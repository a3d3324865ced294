// Property test of the client's room state (issue 12): random interleavings of API calls, server
// replies, notifications, timeouts and socket drops against a model of the server's rules for one
// user's publication and subscriptions. After the dust settles:
//   1. every fact the client holds as known equals the server's (a 'published' URL is the one the
//      server holds, 'none' means the server has none, a held subscription is the server's);
//   2. after one more drop and resume the client's publication and subscriptions equal the
//      server's exactly;
//   3. the client is never stuck: unpublish then publish gives the URL the server holds.
// Seeded PRNG; a failure prints the seed. Re-run one case: PBT_SEED=<seed> node --test <this file>.
// PBT_RUNS sets the number of runs (default 300).

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './lib/sdk.mjs';
import { FakeWx, APP_ID, SERVER, NO_REPLY, flush } from './lib/fake_wx.mjs';

const TIMEOUT = 100;
const KEYS = ['bob-0', 'carol-0', 'bob-1'];
const RUNS = Number(process.env.PBT_RUNS) || 300;
const STEPS = 40;

/** mulberry32: a small seeded PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

const split = (key) => ({ uid: key.slice(0, -2), screen: key.endsWith('-1') });

/**
 * MiniRTC's rules for one session, as docs/protocol.md states them. Requests are executed when
 * they arrive; replies and notifications wait in the socket's outbox (in order) until the test
 * delivers them, and are lost with the socket when it drops.
 */
class ModelServer {
  constructor() {
    this.published = false;
    this.pubUrl = '';
    this.n = 0;
    this.visible = true;
    /** @type {Map<string, string>} key → play URL */
    this.subs = new Map();
    /** @type {Set<string>} remote streams live in the room */
    this.streams = new Set(['bob-0']);
    this.wx = new FakeWx();
    const h = this.wx.handlers;
    const queued = (fn) => (p, s, msg) => {
      const out = fn(p, s);
      this.send(s, out && out.error ? { jsonrpc: '2.0', id: msg.id, error: out.error } : { jsonrpc: '2.0', id: msg.id, result: out });
      if (out && out.burst) this.burst(s);
      return NO_REPLY;
    };
    h.join = () => ({ sessionToken: 'sess-1', pingInterval: 10000, resumeWindow: 1e9, after: (s) => this.burst(s) });
    h.resume = queued(() => ({
      sessionToken: 'sess-1',
      pingInterval: 10000,
      resumeWindow: 1e9,
      publications: this.published ? [{ screen: false, url: this.pubUrl }] : [],
      subscriptions: [...this.subs].map(([k, url]) => ({ userId: split(k).uid, screen: split(k).screen, url })),
      burst: true,
    }));
    h.ping = queued(() => ({ time: 0 }));
    h.leave = queued(() => ({}));
    h.publish = queued(() => {
      if (this.published) return { error: { code: 100005, message: 'already published' } };
      if (!this.visible) return { error: { code: 300006, message: 'invisible users cannot publish' } };
      this.published = true;
      this.pubUrl = `rtmp://rtc.test/live/me?n=${++this.n}`;
      return { url: this.pubUrl };
    });
    h.unpublish = queued(() => {
      if (!this.published) return { error: { code: 100006, message: 'not published' } };
      this.published = false;
      return {};
    });
    h.muteLocal = queued(() => (this.published ? {} : { error: { code: 100006, message: 'not published' } }));
    h.subscribe = queued((p) => {
      const key = `${p.userId}-${p.screen ? 1 : 0}`;
      if (!this.streams.has(key)) return { error: { code: 200001, message: 'no such stream' } };
      if (!this.subs.has(key)) this.subs.set(key, `rtmp://rtc.test/live/${key}?n=${++this.n}`);
      return { url: this.subs.get(key) };
    });
    h.unsubscribe = queued((p) => {
      const key = `${p.userId}-${p.screen ? 1 : 0}`;
      return this.subs.delete(key) ? {} : { error: { code: 300002, message: 'not subscribed' } };
    });
    h.setUserVisibility = queued((p, s) => {
      if (!p.visible && this.published) {
        this.send(s, note('streamFailed', { uid: 'me', screen: false, reason: 'invisible users cannot publish' }));
        this.published = false;
      }
      this.visible = p.visible;
      return {};
    });
  }

  get socket() {
    return this.wx.socket;
  }

  send(s, msg) {
    (s.outbox || (s.outbox = [])).push(msg);
  }

  burst(s) {
    this.send(s, note('peerOnline', { uid: 'bob' }));
    this.send(s, note('peerOnline', { uid: 'carol' }));
    for (const key of this.streams) {
      this.send(s, note('streamAdded', { ...split(key), streamPublishState: { audio: true, video: true } }));
    }
  }

  /** Delivers up to n waiting messages of the current socket. */
  deliver(n) {
    const s = this.socket;
    const box = s.outbox || [];
    for (let i = 0; i < n && box.length > 0; i++) s.receive(box.shift());
  }

  get quiet() {
    const s = this.socket;
    return !s.outbox || s.outbox.length === 0;
  }

  // server-side events
  remoteAdd(key) {
    if (this.streams.has(key)) return;
    this.streams.add(key);
    this.send(this.socket, note('streamAdded', { ...split(key), streamPublishState: { audio: true, video: true } }));
  }
  remoteRemove(key) {
    if (!this.streams.delete(key)) return;
    this.subs.delete(key); // unpublish ends every subscription to the stream
    this.send(this.socket, note('streamRemoved', split(key)));
  }
  forbid() {
    if (!this.published) return;
    this.published = false;
    this.send(this.socket, note('streamFailed', { uid: 'me', screen: false, reason: 'publishing forbidden' }));
  }
  noMedia() {
    if (this.published) this.send(this.socket, note('streamFailed', { uid: 'me', screen: false, reason: 'no media' }));
  }
  drop() {
    const s = this.socket;
    s.outbox = [];
    s.drop(1006, 'network');
  }
}

function note(method, params) {
  return { jsonrpc: '2.0', method, params };
}

async function settle(server, client, pending) {
  for (let i = 0; i < 200; i++) {
    server.deliver(1000);
    await flush(30);
    if (server.quiet && pending.size === 0 && client.state === 'connected') {
      mock.timers.tick(1); // a resume's end-of-burst ping
      await flush(30);
      if (server.quiet && pending.size === 0) return;
    }
    mock.timers.tick(TIMEOUT / 2);
    await flush(30);
  }
  throw new Error(`did not settle: state ${client.state}, ${pending.size} calls pending`);
}

/** Runs the server (delivers, lets time pass) until `promise` settles; returns its outcome. */
async function drive(server, promise) {
  let done = false;
  const out = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  out.then(() => (done = true));
  for (let i = 0; i < 200 && !done; i++) {
    server.deliver(1000);
    await flush(30);
    if (!done) {
      mock.timers.tick(TIMEOUT / 2);
      await flush(30);
    }
  }
  if (!done) throw new Error('call never settled');
  return out;
}

/** Rule 1: what the client holds as known is what the server holds. */
function checkKnown(server, client, when) {
  const room = client._room;
  if (room.pub.state === 'published') {
    assert.ok(server.published, `${when}: client thinks published, server has none`);
    assert.equal(room.pub.url, server.pubUrl, `${when}: publication URL`);
  } else if (room.pub.state === 'none') {
    assert.ok(!server.published, `${when}: client thinks not published, server publishes`);
  }
  for (const key of KEYS) {
    const sub = room.subs.get(key);
    if (!sub) assert.ok(!server.subs.has(key), `${when}: server holds ${key}, client does not know`);
    else if (sub.state === 'subscribed') assert.equal(sub.url, server.subs.get(key), `${when}: subscription ${key}`);
  }
  assert.deepEqual([...room.streams.keys()].sort(), [...server.streams].sort(), `${when}: streams`);
}

async function runOnce(seed) {
  const rng = prng(seed);
  const server = new ModelServer();
  const client = new Client({ server: SERVER, wx: server.wx, signalingTimeout: TIMEOUT });
  const pending = new Set();
  const call = (name, fn) => {
    const p = fn().catch(() => {});
    pending.add(p);
    p.finally(() => pending.delete(p));
  };
  const log = [];
  try {
    await client.init(APP_ID);
    await client.join('token', 'room', 'me');
    await flush();
    for (let step = 0; step < STEPS; step++) {
      const r = rng.next();
      if (r < 0.35) {
        const key = rng.pick(KEYS);
        const { uid, screen } = split(key);
        const op = rng.pick(['publish', 'unpublish', 'muteLocal', 'subscribe', 'unsubscribe', 'hide', 'show']);
        log.push(`${op}${op.endsWith('subscribe') ? ` ${key}` : ''}`);
        if (op === 'publish') call(op, () => client.publish());
        else if (op === 'unpublish') call(op, () => client.unpublish());
        else if (op === 'muteLocal') call(op, () => client.muteLocal({ audio: true }));
        else if (op === 'subscribe') call(op, () => client.subscribe(uid, { screen }));
        else if (op === 'unsubscribe') call(op, () => client.unsubscribe(uid, { screen }));
        else call(op, () => client.setUserVisibility(op === 'show'));
      } else if (r < 0.6) {
        const n = 1 + rng.int(3);
        log.push(`deliver ${n}`);
        server.deliver(n);
      } else if (r < 0.75) {
        const ms = rng.pick([1, TIMEOUT / 2, TIMEOUT + 1]);
        log.push(`tick ${ms}`);
        mock.timers.tick(ms);
      } else if (r < 0.93) {
        const key = rng.pick(KEYS);
        const ev = rng.pick(['add', 'remove', 'forbid', 'noMedia']);
        log.push(`server ${ev}${ev === 'add' || ev === 'remove' ? ` ${key}` : ''}`);
        if (ev === 'add') server.remoteAdd(key);
        else if (ev === 'remove') server.remoteRemove(key);
        else if (ev === 'forbid') server.forbid();
        else server.noMedia();
      } else {
        log.push('drop');
        server.drop();
      }
      await flush(20);
    }
    log.push('-- settle');
    await settle(server, client, pending);
    checkKnown(server, client, 'settled');

    log.push('-- drop and resume');
    server.drop();
    await flush(20);
    await settle(server, client, pending);
    checkKnown(server, client, 'resumed');
    const room = client._room;
    assert.notEqual(room.pub.state, 'unknown', 'resumed: publication still unknown');
    assert.deepEqual(
      [...room.subs].map(([k, s]) => [k, s.state, s.url]).sort(),
      [...server.subs].map(([k, url]) => [k, 'subscribed', url]).sort(),
      'resumed: subscriptions',
    );

    log.push('-- unpublish, show, publish');
    await drive(server, client.unpublish());
    const shown = await drive(server, client.setUserVisibility(true));
    assert.ok(!shown.error, `setUserVisibility: ${JSON.stringify(shown.error)}`);
    const { value: url, error } = await drive(server, client.publish());
    assert.ok(!error, `publish after unpublish: ${JSON.stringify(error)}`);
    assert.equal(url, server.pubUrl);
    assert.ok(server.published);
  } catch (err) {
    err.message = `seed ${seed}: ${err.message}\n  steps: ${log.join(', ')}`;
    throw err;
  } finally {
    await drive(server, client.destroy());
  }
}

test(`client state equals the server model after random interleavings (${RUNS} runs)`, async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const base = process.env.PBT_SEED ? Number(process.env.PBT_SEED) : 0x5eed;
    const runs = process.env.PBT_SEED ? 1 : RUNS;
    for (let i = 0; i < runs; i++) {
      const seed = (base + i * 7919) >>> 0;
      try {
        await runOnce(seed);
      } catch (err) {
        console.error(`state property failed; reproduce with PBT_SEED=${seed}`);
        throw err;
      }
    }
  } finally {
    mock.timers.reset();
  }
});
