// Many lightweight FLV viewers of one stream for lifecycle tests: HTTP-FLV over a raw socket
// with the chunked body decoded by hand (to see the terminating zero-length chunk, which fetch()
// hides), and WebSocket-FLV through `ws` (to see the close frame's code). RTMP players:
// tests/attack/lib/rtmp_raw.mjs; signed URLs without a process each: tests/attack/lib/media_urls.mjs.
import { connect } from 'node:net';
import WebSocket from 'ws';

/**
 * HTTP-FLV over a raw socket. Returns {bytes, status, terminated, trailing, ended: Promise<{how}>,
 * close()}: `terminated` once the zero-length chunk arrived, `trailing` counts bytes after it.
 */
export function playHttpFlvRaw(hostPort, path) {
  const i = hostPort.lastIndexOf(':');
  const socket = connect(Number(hostPort.slice(i + 1)), hostPort.slice(0, i));
  const v = { bytes: 0, status: 0, terminated: false, trailing: 0, broken: null };
  let buf = Buffer.alloc(0);
  let stage = 'head';
  let left = 0; // bytes of the current chunk's data (plus its CRLF) still to come
  v.ended = new Promise((resolve) => {
    socket.on('end', () => resolve({ how: 'end' }));
    socket.on('error', (e) => resolve({ how: `error: ${e.code || e.message}` }));
    socket.on('close', () => resolve({ how: 'closed without end' }));
  });
  v.close = () => socket.destroy();
  v.pause = () => socket.pause();
  v.resume = () => socket.resume();
  socket.on('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostPort}\r\n\r\n`));
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (stage === 'head') {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        v.status = Number(buf.toString('latin1', 0, end).split(' ')[1]);
        buf = buf.subarray(end + 4);
        stage = 'size';
      } else if (stage === 'size') {
        const end = buf.indexOf('\r\n');
        if (end < 0) return;
        const size = parseInt(buf.toString('latin1', 0, end), 16);
        if (Number.isNaN(size)) { v.broken = `bad chunk size line ${JSON.stringify(buf.toString('latin1', 0, end))}`; return; }
        buf = buf.subarray(end + 2);
        if (size === 0) { stage = 'last'; continue; }
        left = size + 2;
        stage = 'data';
      } else if (stage === 'data') {
        if (buf.length === 0) return;
        const take = Math.min(left, buf.length);
        v.bytes += Math.min(take, Math.max(0, left - 2));
        left -= take;
        buf = buf.subarray(take);
        if (left === 0) stage = 'size';
      } else if (stage === 'last') {
        if (buf.length < 2) return;
        if (buf.toString('latin1', 0, 2) === '\r\n') v.terminated = true;
        else v.broken = 'trailer after the last chunk';
        buf = buf.subarray(2);
        stage = 'after';
      } else {
        v.trailing += buf.length;
        buf = Buffer.alloc(0);
        return;
      }
    }
  });
  return v;
}

/** WebSocket-FLV through `ws`: {messages, bytes, ended: Promise<{how, code, reason}>, close()}. */
export function playWsFlv(url) {
  const ws = new WebSocket(url);
  const v = { messages: 0, bytes: 0 };
  v.ended = new Promise((resolve) => {
    ws.on('close', (code, reason) => resolve({ how: 'close', code, reason: reason.toString() }));
    ws.on('error', () => {}); // 'close' follows
  });
  ws.on('message', (data) => { v.messages += 1; v.bytes += data.length; });
  v.close = () => ws.terminate();
  v.pause = () => ws.pause();
  v.resume = () => ws.resume();
  return v;
}
