// Raw TCP clients for attack tests: slow ones that send a prefix at once and then the rest one
// byte at a time (slow loris) and record when the server closed them; exchange() sends bytes as
// they are and collects the answer; WebSocket frames built by hand (oversized, fragmented).
import net from 'node:net';
import { randomBytes } from 'node:crypto';

/**
 * Connects to host:port, writes `prefix`, then one byte of `trickle` every `everyMs` (repeating
 * it while the connection lives). Resolves, once connected, {socket, openedAt, closed:
 * Promise<ms the connection lived>, received(): Buffer, stop()}.
 */
export function dribble(address, { prefix = Buffer.alloc(0), trickle = Buffer.from('x'), everyMs = 200, afterPrefix } = {}) {
  const idx = address.lastIndexOf(':');
  const socket = net.connect({ host: address.slice(0, idx), port: Number(address.slice(idx + 1)) });
  let received = Buffer.alloc(0);
  let timer = null;
  let i = 0;
  socket.on('data', (d) => { received = Buffer.concat([received, d]); });
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', async () => {
      const openedAt = Date.now();
      const closed = new Promise((r) => socket.on('close', () => {
        clearInterval(timer);
        r(Date.now() - openedAt);
      }));
      if (prefix.length) socket.write(prefix);
      if (afterPrefix) {
        // a failure here (no upgrade answer, refused) rejects the dribble instead of escaping
        // from the socket's event handler as an uncaught error
        try {
          await afterPrefix({ socket, received: () => received });
        } catch (e) {
          socket.destroy();
          reject(e);
          return;
        }
      }
      if (trickle.length) {
        timer = setInterval(() => {
          if (socket.destroyed) return clearInterval(timer);
          socket.write(trickle.subarray(i % trickle.length, (i % trickle.length) + 1));
          i++;
        }, everyMs);
      }
      resolve({ socket, openedAt, closed, received: () => received, stop: () => { clearInterval(timer); socket.destroy(); } });
    });
  });
}

/** A client-to-server WebSocket frame (masked, as clients must send), whole. */
export function wsFrame(payload, { opcode = 1, fin = true } = {}) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const mask = randomBytes(4);
  let head;
  if (data.length < 126) {
    head = Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]);
  } else if (data.length < 65536) {
    head = Buffer.alloc(4);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(data.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const body = Buffer.from(data);
  for (let k = 0; k < body.length; k++) body[k] ^= mask[k % 4];
  return Buffer.concat([head, mask, body]);
}

/** The HTTP request that upgrades `path` to a WebSocket. */
export function wsUpgradeRequest(host, path) {
  return Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
}

/** For dribble's afterPrefix: waits until the server's upgrade answer (101) arrived. */
export function awaitUpgrade({ timeoutMs = 10000 } = {}) {
  return async ({ received }) => {
    const end = Date.now() + timeoutMs;
    while (!received().includes('\r\n\r\n')) {
      if (Date.now() > end) throw new Error('no upgrade answer');
      await new Promise((r) => setTimeout(r, 20));
    }
    const head = received().toString('latin1').split('\r\n')[0];
    if (!head.includes(' 101 ')) throw new Error(`upgrade refused: ${head}`);
  };
}

/**
 * Sends `bytes` on a new connection and collects what comes back until the server closes it
 * (or timeoutMs). Resolves {data: Buffer, status: number|null (an HTTP status line's code),
 * closedByServer: boolean, ms}.
 */
export function exchange(address, bytes, { timeoutMs = 10000 } = {}) {
  const idx = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = net.connect({ host: address.slice(0, idx), port: Number(address.slice(idx + 1)) });
    let data = Buffer.alloc(0);
    let closedByServer = false;
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (d) => { data = Buffer.concat([data, d]); });
    socket.on('end', () => { closedByServer = true; });
    socket.on('error', (e) => { if (e.code === 'ECONNRESET') closedByServer = true; });
    socket.on('close', () => {
      clearTimeout(timer);
      const m = data.toString('latin1').match(/^HTTP\/1\.[01] (\d{3})/);
      resolve({ data, status: m ? Number(m[1]) : null, closedByServer, ms: Date.now() - t0,
        body: data.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n') });
    });
  });
}
