// A callback receiver for end-to-end tests: a real HTTP server on loopback (port 0) that checks
// every callback against its own implementation of shared/spec/webhooks.md (eight string fields,
// Version, Nonce, EventTime, and the signature: SHA-256 over the sorted strings, byte order) and
// records what it accepted. `behave` decides each answer: 'ok' (200), 'status:500', 'hang' (never
// answers), 'huge' (a 200 with a 100 MB body, streamed), or a function (req, ev) → one of those.
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createHash } from 'node:crypto';

const FIELDS = ['EventType', 'EventData', 'EventTime', 'EventId', 'AppId', 'Version', 'Nonce'];

/** The spec's signature, written from the spec (not from the server's code). */
export function specSignature(ev, secret) {
  const parts = FIELDS.map((k) => Buffer.from(ev[k], 'utf8')).concat([Buffer.from(secret, 'utf8')]);
  parts.sort(Buffer.compare);  // byte order
  return createHash('sha256').update(Buffer.concat(parts)).digest('hex');
}

/** Throws unless `body` is a well-formed, correctly signed callback. Returns the parsed envelope. */
export function verifyCallback(body, secret) {
  const ev = JSON.parse(body);
  const keys = Object.keys(ev).sort();
  if (JSON.stringify(keys) !== JSON.stringify([...FIELDS, 'Signature'].sort()))
    throw new Error(`fields: ${keys}`);
  for (const k of keys) if (typeof ev[k] !== 'string') throw new Error(`${k} is not a string`);
  if (ev.Version !== '2020-12-01') throw new Error(`Version ${ev.Version}`);
  if (!/^[A-Za-z0-9]{4}$/.test(ev.Nonce)) throw new Error(`Nonce ${ev.Nonce}`);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(ev.EventTime)) throw new Error(`EventTime ${ev.EventTime}`);
  if (!ev.EventId) throw new Error('empty EventId');
  if (ev.Signature !== specSignature(ev, secret)) throw new Error(`bad signature on ${ev.EventType}`);
  return { ...ev, data: JSON.parse(ev.EventData) };
}

/** `tls`: {key, cert} (PEM) for an https receiver. */
export async function startReceiver({ secret, behave = 'ok', port = 0, tls = null } = {}) {
  const received = [];   // every verified request, in arrival order (duplicates included)
  const rejected = [];   // requests that failed verification
  let requests = 0;
  const sockets = new Set();
  const handler = (req, res) => {
    requests += 1;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let ev = null;
      try {
        if (req.method !== 'POST') throw new Error(`method ${req.method}`);
        if (!String(req.headers['content-type']).startsWith('application/json')) throw new Error('content-type');
        ev = verifyCallback(body, r.secret);
      } catch (e) {
        rejected.push({ error: String(e.message), body });
      }
      const how = typeof r.behave === 'function' ? r.behave(req, ev) : r.behave;
      if (how === 'hang') return;  // the server's timeout must end it
      if (how === 'huge') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(100 * 1024 * 1024) });
        const chunk = Buffer.alloc(1024 * 1024, 'x');
        let sent = 0;
        const pump = () => {
          while (sent < 100 && !res.destroyed) {
            sent += 1;
            if (!res.write(chunk)) return res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => { r.hugeBytesSent = sent; });
        return pump();
      }
      const status = how.startsWith('status:') ? Number(how.slice(7)) : 200;
      if (ev && status === 200) received.push(ev);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : 'no');
    });
  };
  const server = tls ? createTlsServer(tls, handler) : createServer(handler);
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const r = {
    secret,
    behave,
    received,
    rejected,
    hugeBytesSent: 0,
    get requests() { return requests; },
    get openSockets() { return sockets.size; },
    port: server.address().port,
    get url() { return `${tls ? 'https' : 'http'}://127.0.0.1:${this.port}/hooks/rtc?src=minirtc`; },
    /** Accepted events (first delivery of each EventId), optionally of one type. */
    events(type) {
      const seen = new Set();
      return received.filter((e) => (!type || e.EventType === type) && !seen.has(e.EventId) && seen.add(e.EventId));
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return r;
}
