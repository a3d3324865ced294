// Media URLs signed in the test itself, from docs/protocol.md §2.2, so a test can make every
// variant an attacker could (expired but well signed, another key, a field changed after
// signing, a second `a`, …). `signedUrl` of tests/e2e/lib/media.mjs (the real binary) stays the
// source of good URLs; attack tests check this signer against it first.
import { createHmac, randomBytes } from 'node:crypto';

/** The 32-hex signature of a media URL's fields (docs/protocol.md §2.2). */
export function urlSignature(appKey, { action, appId, roomId, userId, kind = 'main', viewer = '', expiry, nonce }) {
  const data = ['minirtc-url-v1', action, appId, roomId, userId, kind, viewer, String(expiry), nonce].join('\n');
  return createHmac('sha256', Buffer.from(appKey, 'utf8')).update(data).digest().subarray(0, 16).toString('hex');
}

/**
 * A signed media URL. base: "rtmp://host:port" or "http://host:port"; action 'pub' or 'play'.
 * Any field may be overridden after signing through `tamper` (query fields by name).
 */
export function mediaUrl({ base, appId, appKey, roomId, userId, kind = 'main', action, viewer = '',
  expiry = Math.floor(Date.now() / 1000) + 3600, nonce = randomBytes(8).toString('hex'), tamper = {} }) {
  const s = urlSignature(appKey, { action, appId, roomId, userId, kind, viewer, expiry, nonce });
  const fields = { a: action, ...(action === 'play' ? { v: viewer } : {}), e: String(expiry), n: nonce, s, ...tamper };
  const query = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join('&');
  const key = `${appId}~${roomId}~${userId}~${kind}`;
  const path = base.startsWith('rtmp') ? `/live/${key}` : `/live/${key}.flv`;
  return { url: `${base}${path}?${query}`, nonce, key, query };
}
