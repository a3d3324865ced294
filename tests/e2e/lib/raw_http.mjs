// Raw HTTP/1.1 over a TCP socket, for requests fetch() cannot send as written (two headers of the
// same name, unknown methods, HEAD on keep-alive) and answers it would hide.
import { connect } from 'node:net';

/**
 * Sends `requests` (each {method, path, headers: [[name, value], ...], body?}) on one connection,
 * pipelined, and reads until the server closes or `count` answers arrived.
 * Resolves [{status, headers: {lower-case name: value}, body}] in order.
 */
export function rawRequests(hostPort, requests, { timeoutMs = 10000 } = {}) {
  const [host, port] = [hostPort.slice(0, hostPort.lastIndexOf(':')), Number(hostPort.slice(hostPort.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    let buf = Buffer.alloc(0);
    const answers = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no complete answer in ${timeoutMs} ms: ${buf}`)); }, timeoutMs);
    const finish = () => { clearTimeout(timer); socket.destroy(); resolve(answers); };
    const parse = () => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const m = lines[0].match(/^HTTP\/1\.[01] (\d{3}) /);
        if (!m) { clearTimeout(timer); socket.destroy(); return reject(new Error(`not a status line: ${JSON.stringify(lines[0])}`)); }
        const status = Number(m[1]);
        const headers = {};
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
        }
        const forHead = requests[answers.length]?.method === 'HEAD';
        const length = forHead ? 0 : Number(headers['content-length'] ?? 0);
        if (buf.length < end + 4 + length) return;
        answers.push({ status, headers, body: buf.subarray(end + 4, end + 4 + length).toString() });
        buf = buf.subarray(end + 4 + length);
        if (answers.length === requests.length) return finish();
      }
    };
    socket.on('data', (d) => { buf = Buffer.concat([buf, d]); parse(); });
    socket.on('end', finish);
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('connect', () => {
      let out = '';
      for (const r of requests) {
        const body = r.body ?? '';
        out += `${r.method} ${r.path} HTTP/1.1\r\nHost: ${hostPort}\r\n`;
        for (const [k, v] of r.headers ?? []) out += `${k}: ${v}\r\n`;
        if (body || ['POST', 'PUT', 'PATCH'].includes(r.method)) out += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
        out += `\r\n${body}`;
      }
      socket.write(out);
    });
  });
}

/** One request on its own connection. */
export async function rawRequest(hostPort, request, options) {
  const [answer] = await rawRequests(hostPort, [request], options);
  if (!answer) throw new Error('connection closed without an answer');
  return answer;
}
