// A raw signalling client for attack tests: one WebSocket to /v1/signal (the `ws` package)
// that sends whatever it is given — JSON-RPC requests, text that is not JSON, binary frames,
// frames over the limit — and records every reply and the close. The SDK (tests/e2e/lib
// sdk_phone.mjs) is what well-behaved users are; this is what an attacker types.
import WebSocket from 'ws';

/**
 * Opens a signalling socket; resolves once open.
 * @returns {Promise<{ws: WebSocket, messages: object[], raw: string[], closed: Promise<{code: number, reason: string}>,
 *   isClosed: () => boolean, send: (data: string|Buffer, opts?: object) => void,
 *   call: (method: string, params?: object, opts?: {timeoutMs?: number}) => Promise<object>,
 *   close: () => void}>}
 */
export async function openSignal(wsUrl, { maxPayload = 16 * 1024 * 1024 } = {}) {
  const ws = new WebSocket(wsUrl, { maxPayload });
  const messages = [];
  const raw = [];
  const waiters = new Set();
  let closeInfo = null;
  let nextId = 1;
  ws.on('message', (data) => {
    const text = data.toString();
    raw.push(text);
    try {
      messages.push(JSON.parse(text));
    } catch {
      messages.push({ unparsable: text });
    }
    for (const w of [...waiters]) w();
  });
  ws.on('error', () => {});
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => {
    closeInfo = { code, reason: reason.toString(), at: Date.now() };
    for (const w of [...waiters]) w();
    resolve(closeInfo);
  }));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const c = {
    ws,
    messages,
    raw,
    closed,
    isClosed: () => closeInfo !== null,
    closeInfo: () => closeInfo,
    send: (data, opts) => ws.send(data, opts),
    /** The first message matching pred (waits for it); rejects on close or timeout. */
    waitMessage(pred, { timeoutMs = 10000, what = 'message' } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (m) { done(); resolve(m); } else if (closeInfo) { done(); reject(new Error(`closed (${closeInfo.code} ${closeInfo.reason}) before ${what}`)); }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    /** A JSON-RPC request; resolves the reply object ({result} or {error}). */
    call(method, params = {}, { timeoutMs = 10000 } = {}) {
      const id = `q${nextId++}`;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      return c.waitMessage((m) => m.id === id, { timeoutMs, what: `reply to ${method}` });
    },
    close: () => ws.terminate(),
  };
  return c;
}
