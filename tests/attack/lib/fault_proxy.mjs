// A small TCP fault proxy for the attack suite: clients connect to `port`, every connection is
// relayed to targetHost:targetPort, and faults are applied per direction ("up" = client → server,
// "down" = server → client):
//   delayMs    every chunk is held this long before it is forwarded
//   jitterMs   plus a random 0..jitterMs; the byte order is kept (TCP), so a late chunk holds
//              back the ones behind it, as on a real jittery link
//   bytesPerSec forward at most this rate (0 = unlimited); what cannot be sent waits here
//   stalled    forward nothing until set back to false (bytes queue up)
// Bytes waiting in the proxy are bounded (HIGH_WATER per direction per connection): beyond that
// the proxy stops reading from the sender, so TCP back-pressure reaches it exactly as a slow or
// stalled link would. resetAll() cuts every connection with a TCP RST on both sides;
// halfCloseAll() sends FIN one way and keeps the other way flowing.
// Loopback only: it listens on 127.0.0.1 and is meant to point at a test server.
import net from 'node:net';

const HIGH_WATER = 256 * 1024;
const CLEAN = { delayMs: 0, jitterMs: 0, bytesPerSec: 0, stalled: false };

/**
 * @param {{targetHost?: string, targetPort: number, listenHost?: string}} options
 * @returns {Promise<{port: number, host: string, address: string,
 *   set: (settings: {delayMs?: number, jitterMs?: number, bytesPerSec?: number, stalled?: boolean},
 *         direction?: 'up'|'down'|'both') => void,
 *   resetAll: () => number, halfCloseAll: (towards?: 'server'|'client') => number,
 *   connections: () => number, stats: () => {accepted: number, up: number, down: number},
 *   close: () => Promise<void>}>}
 */
export async function startFaultProxy({ targetHost = '127.0.0.1', targetPort, listenHost = '127.0.0.1' }) {
  if (!targetPort) throw new Error('targetPort is required');
  const settings = { up: { ...CLEAN }, down: { ...CLEAN } };
  const conns = new Set();
  const totals = { accepted: 0, up: 0, down: 0 };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    totals.accepted++;
    const upstream = net.connect({ host: targetHost, port: targetPort, allowHalfOpen: true, noDelay: true });
    const conn = { client, upstream, pipes: [] };
    conn.pipes.push(new Pipe(client, upstream, settings, 'up', totals));
    conn.pipes.push(new Pipe(upstream, client, settings, 'down', totals));
    conns.add(conn);
    const kill = () => {
      for (const p of conn.pipes) p.dispose();
      client.destroy();
      upstream.destroy();
      conns.delete(conn);
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, resolve);
  });
  const { port } = server.address();

  return {
    port,
    host: listenHost,
    address: `${listenHost}:${port}`,
    /** Changes the faults of one direction or both; unspecified fields keep their value. */
    set(next, direction = 'both') {
      for (const d of direction === 'both' ? ['up', 'down'] : [direction]) {
        if (!settings[d]) throw new Error(`direction must be up, down or both, not ${direction}`);
        Object.assign(settings[d], next);
      }
      for (const c of conns) for (const p of c.pipes) p.kick();
    },
    /** Back to a clean link (queued bytes flow out). */
    clear() {
      Object.assign(settings.up, CLEAN);
      Object.assign(settings.down, CLEAN);
      for (const c of conns) for (const p of c.pipes) p.kick();
    },
    /** Cuts every open connection with a TCP RST to both the client and the server. */
    resetAll() {
      const n = conns.size;
      for (const c of [...conns]) {
        for (const p of c.pipes) p.dispose();
        for (const s of [c.client, c.upstream]) {
          if (!s.destroyed) {
            try {
              s.resetAndDestroy();
            } catch {
              s.destroy();
            }
          }
        }
        conns.delete(c);
      }
      return n;
    },
    /**
     * Sends FIN to one side of every connection (towards 'server': the server reads EOF as if the
     * client shut down its sending side; 'client': the other way) and keeps the other direction
     * flowing.
     */
    halfCloseAll(towards = 'server') {
      for (const c of conns) (towards === 'server' ? c.upstream : c.client).end();
      return conns.size;
    },
    connections: () => conns.size,
    stats: () => ({ ...totals }),
    async close() {
      for (const c of [...conns]) {
        for (const p of c.pipes) p.dispose();
        c.client.destroy();
        c.upstream.destroy();
      }
      conns.clear();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** One direction of one connection: a queue of timed chunks released under the current faults. */
class Pipe {
  constructor(from, to, settings, direction, totals) {
    this.from = from;
    this.to = to;
    this.settings = settings;
    this.direction = direction;
    this.totals = totals;
    /** @type {{buf: Buffer, at: number}[]} */
    this.queue = [];
    this.queued = 0;
    this.lastAt = 0;
    this.nextSendAt = 0;
    this.timer = null;
    this.ended = false; // the sender sent FIN: forward it once the queue is empty
    this.waitingDrain = false;
    this.disposed = false;
    from.on('data', (buf) => this.onData(buf));
    from.on('end', () => {
      this.ended = true;
      this.kick();
    });
    to.on('drain', () => {
      this.waitingDrain = false;
      this.kick();
    });
  }

  get cfg() {
    return this.settings[this.direction];
  }

  onData(buf) {
    const { delayMs, jitterMs } = this.cfg;
    const at = Math.max(Date.now() + delayMs + Math.random() * jitterMs, this.lastAt);
    this.lastAt = at;
    this.queue.push({ buf, at });
    this.queued += buf.length;
    if (this.queued > HIGH_WATER) this.from.pause();
    this.kick();
  }

  kick() {
    if (this.disposed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.pump();
  }

  pump() {
    if (this.disposed || this.to.destroyed) return;
    const cfg = this.cfg;
    while (this.queue.length && !cfg.stalled && !this.waitingDrain) {
      const now = Date.now();
      const head = this.queue[0];
      let wait = head.at - now;
      if (cfg.bytesPerSec > 0) wait = Math.max(wait, this.nextSendAt - now);
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, Math.ceil(wait));
        return;
      }
      let piece = head.buf;
      if (cfg.bytesPerSec > 0) {
        // at most 50 ms worth per write, so the rate is smooth rather than bursty
        const max = Math.max(1, Math.floor(cfg.bytesPerSec / 20));
        if (piece.length > max) {
          head.buf = piece.subarray(max);
          piece = piece.subarray(0, max);
        } else {
          this.queue.shift();
        }
        this.nextSendAt = Math.max(now, this.nextSendAt) + (piece.length * 1000) / cfg.bytesPerSec;
      } else {
        this.queue.shift();
      }
      this.queued -= piece.length;
      this.totals[this.direction] += piece.length;
      if (!this.to.write(piece)) this.waitingDrain = true;
      if (this.queued <= HIGH_WATER / 2 && this.from.isPaused()) this.from.resume();
    }
    if (!this.queue.length && this.ended && !this.to.writableEnded) this.to.end();
  }

  dispose() {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.queued = 0;
  }
}
