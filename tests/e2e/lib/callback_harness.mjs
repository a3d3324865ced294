// Shared pieces of the callback tests: a config file with apps that have callback URLs, a minimal
// JSON-RPC signalling user, and the server's callback counters from /metrics.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import WebSocket from 'ws';
import { makeToken } from '../../../examples/token/token.mjs';
import { waitFor } from './media.mjs';

export const SLOW = process.env.MINIRTC_SANITIZED ? 3 : 1;
export const ADMIN_KEY = 'callbacks-admin';

/**
 * Writes a TOML config; `apps`: [{id, key, urls, callbackKey?, events?}], `callbacks`: keys of
 * [callbacks] (fast retries by default so tests take seconds), `room`: keys of [room].
 */
export function writeCallbackConfig({ apps, callbacks = {}, room = {}, file } = {}) {
  const path = file ?? join(mkdtempSync(join(tmpdir(), 'minirtc-cb-')), 'minirtc.toml');
  const toml = (o) => Object.entries(o).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join('\n');
  let text = `[server]\nadmin_key = "${ADMIN_KEY}"\n\n`;
  text += `[room]\n${toml({ empty_room_delay_ms: 500, ...room })}\n\n`;
  text += `[callbacks]\n${toml({ retry_first_delay_ms: 200, retry_max_delay_ms: 1000, timeout_ms: 2000 * SLOW, ...callbacks })}\n\n`;
  for (const a of apps) {
    text += `[[apps]]\n${toml({ id: a.id, key: a.key, callback_urls: a.urls ?? [] })}\n`;
    if (a.callbackKey) text += `callback_key = ${JSON.stringify(a.callbackKey)}\n`;
    if (a.events) text += `callback_events = ${JSON.stringify(a.events)}\n`;
    text += '\n';
  }
  writeFileSync(path, text);
  return path;
}

/** One signalling user: join, call, leave. */
export class User {
  static async join(server, app, roomId, userId) {
    const u = new User(new WebSocket(server.wsUrl));
    await new Promise((resolve, reject) => { u.ws.once('open', resolve); u.ws.once('error', reject); });
    const token = makeToken({ appId: app.id, appKey: app.key, roomId, userId, publish: true, subscribe: true });
    await u.ok('join', { appId: app.id, token, roomId, userId });
    return u;
  }
  constructor(ws) {
    this.ws = ws; this.nextId = 1; this.pending = new Map();
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      const done = this.pending.get(msg.id);
      if (done) { this.pending.delete(msg.id); done(msg); }
    });
  }
  ok(method, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no reply`)), 5000 * SLOW);
      this.pending.set(id, (msg) => {
        clearTimeout(timer);
        if (msg.error) reject(new Error(`${method}: ${JSON.stringify(msg.error)}`)); else resolve(msg.result);
      });
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }
  close() { this.ws.close(); }
}

/** minirtc_callbacks_* values from /metrics: {queued, delivered, failed, retried, dropped: {reason: n}}. */
export async function callbackMetrics(server) {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const value = (name) => Number((text.match(new RegExp(`^${name} (\\S+)$`, 'm')) ?? [])[1] ?? NaN);
  const dropped = {};
  for (const m of text.matchAll(/^minirtc_callbacks_dropped_total\{reason="([^"]+)"\} (\S+)$/gm)) dropped[m[1]] = Number(m[2]);
  return {
    queued: value('minirtc_callbacks_queued'),
    inFlight: value('minirtc_callbacks_in_flight'),
    delivered: value('minirtc_callbacks_delivered_total'),
    failed: value('minirtc_callbacks_failed_total'),
    retried: value('minirtc_callbacks_retried_total'),
    dropped,
  };
}

export async function adminCallbacks(server) {
  const res = await fetch(`${server.httpUrl}/v1/admin/callbacks`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  if (res.status !== 200) throw new Error(`admin callbacks: ${res.status}`);
  return res.json();
}

export async function waitMetrics(server, pred, what, timeoutMs = 20000 * SLOW) {
  let last;
  await waitFor(async () => pred(last = await callbackMetrics(server)), { timeoutMs, stepMs: 100, what: `${what} (last ${JSON.stringify(last)})` });
  return last;
}

/** Checks the order rule: per room (and room incarnation), seq strictly increases in arrival order. */
export function assertRoomOrder(assert, events) {
  const last = new Map();
  for (const e of events) {
    const key = `${e.AppId}/${e.data.roomId}/${e.data.roomCreatedMs}`;
    const prev = last.get(key) ?? 0;
    assert.ok(e.data.seq > prev, `room ${key}: ${e.EventType} seq ${e.data.seq} after ${prev}`);
    last.set(key, e.data.seq);
  }
}

/** A loopback port nobody listens on (connections refused). */
export async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
