// The admin API and the live feed, reached with relative URLs only (the console is served at
// <base>/console/, the API at <base>/v1/...), so it works behind a proxy and over TLS as served.
// The admin key lives in this tab's sessionStorage and travels only in the Authorization header
// (HTTP) or the feed's first message (WebSocket): never in a URL.
const KEY = 'minirtc.adminKey';

export const apiUrl = (path) => new URL(`../${path}`, location.href).href;
export const wsUrl = (path) => {
  const u = new URL(`../${path}`, location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
};

export const getKey = () => sessionStorage.getItem(KEY);
export const setKey = (k) => sessionStorage.setItem(KEY, k);
export const clearKey = () => sessionStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

/** fetch of an admin route: JSON in and out; throws ApiError with the server's reason. */
export async function api(path, { method = 'GET', body, key = getKey() } = {}) {
  const headers = {};
  if (key != null) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(apiUrl(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  let data = null;
  try { data = await res.json(); } catch { /* empty body */ }
  if (!res.ok) throw new ApiError(res.status, data?.error || res.statusText);
  return data;
}

/**
 * The live feed (/v1/admin/feed): signs in with the key, reconnects after a drop (1 s, 2 s, …
 * 10 s), calls onMessage(msg) for every message and onState('connecting'|'live'|'offline'|
 * 'refused'). watch(appId, roomId) selects the room whose changes come too.
 */
export function openFeed({ onMessage, onState }) {
  let ws = null; let closed = false; let delay = 1000; let watching = null; let timer = null;
  const send = (m) => { if (ws?.readyState === 1) ws.send(JSON.stringify(m)); };
  const connect = () => {
    onState('connecting');
    ws = new WebSocket(wsUrl('v1/admin/feed'));
    ws.onopen = () => {
      ws.send(JSON.stringify({ type: 'auth', key: getKey() }));
      if (watching) send({ type: 'watch', ...watching });
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.type === 'hello') { delay = 1000; onState('live'); }
      onMessage(msg);
    };
    ws.onclose = (e) => {
      if (closed) return;
      if (e.code === 4401) { onState('refused'); return; }
      onState('offline');
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  };
  connect();
  return {
    watch(appId, roomId) { watching = roomId ? { appId, roomId } : null; send({ type: 'watch', appId: appId || '', roomId: roomId || '' }); },
    close() { closed = true; clearTimeout(timer); ws?.close(); },
  };
}
