// A MiniRTC callback receiver in Node (no dependencies): verifies each callback's signature
// (shared/spec/webhooks.md), answers 200, and prints one JSON line per new event.
//   node receiver.mjs PORT CALLBACK_KEY
// Delivery is at least once: the same EventId may arrive again (after a lost answer or a restart),
// so de-duplicate on it. Events of one room arrive in order.
import { createServer } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';

const [port = '8090', secret = process.env.CALLBACK_KEY] = process.argv.slice(2);
const FIELDS = ['EventType', 'EventData', 'EventTime', 'EventId', 'AppId', 'Version', 'Nonce'];
const seen = new Set();  // EventIds already handled (keep it in your database in real life)

function sign(ev) {
  const parts = FIELDS.map((k) => Buffer.from(String(ev[k]))).concat(Buffer.from(secret));
  return createHash('sha256').update(Buffer.concat(parts.sort(Buffer.compare))).digest('hex');
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let ev;
    try { ev = JSON.parse(Buffer.concat(chunks)); } catch { ev = null; }
    const ok = ev && typeof ev.Signature === 'string' && ev.Signature.length === 64 &&
      timingSafeEqual(Buffer.from(sign(ev)), Buffer.from(ev.Signature));
    if (!ok) { res.writeHead(401).end('bad signature'); return; }
    if (!seen.has(ev.EventId)) {
      seen.add(ev.EventId);
      console.log(JSON.stringify({ type: ev.EventType, id: ev.EventId, data: JSON.parse(ev.EventData) }));
    }
    res.writeHead(200).end('ok');  // 200 = delivered; anything else is retried
  });
}).listen(Number(port), '127.0.0.1', () => console.error(`listening on ${port}`));
