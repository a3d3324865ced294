// A raw RTMP client for attack tests: it does exactly what it is told, byte for byte, so a test
// can send what no real client would (dribbled handshakes, odd chunk sizes, partial messages,
// garbage) and read the server's answers (onStatus codes, the connection's end).
// Minimal on purpose: the simple handshake, AMF0 commands, a chunk writer and a chunk reader.
// Media peers that behave (ffmpeg, rtmpdump) are what tests/e2e/lib/media.mjs drives.
import net from 'node:net';
import { randomBytes } from 'node:crypto';

// ---- AMF0 -----------------------------------------------------------------------------------

/** AMF0 encoding of JS values: number, boolean, string, null/undefined (null), plain object. */
export function amf0(...values) {
  const parts = [];
  const str = (s) => {
    const b = Buffer.from(s, 'utf8');
    const h = Buffer.alloc(2);
    h.writeUInt16BE(b.length);
    return [h, b];
  };
  const enc = (v) => {
    if (typeof v === 'number') {
      const b = Buffer.alloc(9);
      b[0] = 0;
      b.writeDoubleBE(v, 1);
      parts.push(b);
    } else if (typeof v === 'boolean') {
      parts.push(Buffer.from([1, v ? 1 : 0]));
    } else if (typeof v === 'string') {
      parts.push(Buffer.from([2]), ...str(v));
    } else if (v === null || v === undefined) {
      parts.push(Buffer.from([5]));
    } else if (typeof v === 'object') {
      parts.push(Buffer.from([3]));
      for (const [k, x] of Object.entries(v)) {
        parts.push(...str(k));
        enc(x);
      }
      parts.push(Buffer.from([0, 0, 9]));
    } else {
      throw new Error(`cannot encode ${typeof v} in AMF0`);
    }
  };
  for (const v of values) enc(v);
  return Buffer.concat(parts);
}

/** Decodes a sequence of AMF0 values (the types a server sends). */
export function decodeAmf0(buf) {
  let i = 0;
  const str = (long = false) => {
    const n = long ? buf.readUInt32BE(i) : buf.readUInt16BE(i);
    i += long ? 4 : 2;
    const s = buf.toString('utf8', i, i + n);
    i += n;
    return s;
  };
  const props = (obj) => {
    for (;;) {
      const key = str();
      if (key === '' && buf[i] === 9) {
        i++;
        return obj;
      }
      obj[key] = val();
    }
  };
  const val = () => {
    const t = buf[i++];
    switch (t) {
      case 0: { const v = buf.readDoubleBE(i); i += 8; return v; }
      case 1: return buf[i++] !== 0;
      case 2: return str();
      case 3: return props({});
      case 5: case 6: return null;
      case 8: i += 4; return props({});
      case 10: { const n = buf.readUInt32BE(i); i += 4; return Array.from({ length: n }, val); }
      case 12: return str(true);
      default: throw new Error(`AMF0 type ${t} at ${i - 1}`);
    }
  };
  const out = [];
  while (i < buf.length) out.push(val());
  return out;
}

// ---- the client -----------------------------------------------------------------------------

export class RawRtmp {
  /** Connects to "host:port"; resolves once the TCP connection is up. */
  static open(address) {
    const [host, port] = splitAddress(address);
    const c = new RawRtmp(net.connect({ host, port }));
    return new Promise((resolve, reject) => {
      c.socket.once('connect', () => resolve(c));
      c.socket.once('error', reject);
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.in = Buffer.alloc(0);
    this.received = 0;
    this.messages = []; // {csid, type, streamId, timestamp, payload, command?}
    this.outChunkSize = 128;
    this.inChunkSize = 128;
    this.inStreams = new Map();
    this.handshaken = false;
    this.txid = 1;
    this.waiters = new Set();
    this.error = null;
    this.closed = new Promise((resolve) => socket.on('close', () => {
      this.closedAt = Date.now();
      this.notify();
      resolve();
    }));
    socket.on('error', (e) => { this.error = e; });
    socket.on('data', (d) => {
      this.received += d.length;
      this.in = Buffer.concat([this.in, d]);
      if (this.handshaken) this.parseChunks();
      this.notify();
    });
  }

  get isClosed() {
    return this.closedAt !== undefined;
  }

  notify() {
    for (const w of [...this.waiters]) w();
  }

  /** Waits until cond() is true (re-checked on every byte and on close); throws after timeoutMs. */
  until(cond, { timeoutMs = 10000, what = 'condition' } = {}) {
    return new Promise((resolve, reject) => {
      const check = () => {
        let v;
        try {
          v = cond();
        } catch (e) {
          done();
          return reject(e);
        }
        if (v) {
          done();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}; closed=${this.isClosed}, received ${this.received} bytes, ` +
          `commands ${JSON.stringify(this.commands().map((c) => [c.name, c.args.at(-1)?.code]))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  write(buf) {
    if (!this.socket.destroyed) this.socket.write(buf);
  }

  /** The simple handshake: C0+C1, wait S0+S1+S2, C2 (the echo of S1). */
  async handshake({ timeoutMs = 10000 } = {}) {
    const c1 = Buffer.concat([Buffer.alloc(8), randomBytes(1528)]);
    this.write(Buffer.concat([Buffer.from([3]), c1]));
    await this.until(() => this.in.length >= 1 + 1536 * 2, { timeoutMs, what: 'S0+S1+S2' });
    if (this.in[0] !== 3) throw new Error(`S0 version ${this.in[0]}`);
    const s1 = this.in.subarray(1, 1537);
    this.write(Buffer.from(s1));
    this.in = this.in.subarray(1 + 1536 * 2);
    this.handshaken = true;
    this.parseChunks();
  }

  /** One message as chunks of the current outgoing chunk size (fmt 0, then fmt 3). */
  encodeMessage({ csid = 3, type, streamId = 0, timestamp = 0, payload, chunkSize = this.outChunkSize }) {
    const parts = [];
    const basic = (fmt) => {
      if (csid < 64) return Buffer.from([(fmt << 6) | csid]);
      if (csid < 320) return Buffer.from([fmt << 6, csid - 64]);
      const b = Buffer.alloc(3);
      b[0] = (fmt << 6) | 1;
      b.writeUInt16LE(csid - 64, 1);
      return b;
    };
    const h = Buffer.alloc(11);
    h.writeUIntBE(Math.min(timestamp, 0xffffff), 0, 3);
    h.writeUIntBE(payload.length, 3, 3);
    h[6] = type;
    h.writeUInt32LE(streamId, 7);
    parts.push(basic(0), h);
    for (let off = 0; off < payload.length || off === 0; off += chunkSize) {
      if (off) parts.push(basic(3));
      parts.push(payload.subarray(off, off + chunkSize));
      if (payload.length === 0) break;
    }
    return Buffer.concat(parts);
  }

  sendMessage(msg) {
    this.write(this.encodeMessage(msg));
  }

  /** Set Chunk Size (protocol control 1) and use it for what we send from now on. */
  setChunkSize(n) {
    const p = Buffer.alloc(4);
    p.writeUInt32BE(n);
    this.sendMessage({ csid: 2, type: 1, payload: p });
    this.outChunkSize = n;
  }

  /** An AMF0 command (type 20); returns its transaction id. */
  command(name, args = [], { streamId = 0, csid = 3 } = {}) {
    const txid = this.txid++;
    this.sendMessage({ csid, type: 20, streamId, payload: amf0(name, txid, ...args) });
    return txid;
  }

  /** Commands received so far: {name, txid, args}. */
  commands() {
    return this.messages.filter((m) => m.command).map((m) => m.command);
  }

  /** onStatus codes received so far. */
  statusCodes() {
    return this.commands().filter((c) => c.name === 'onStatus').map((c) => c.args.at(-1)?.code);
  }

  /** Waits for the _result/_error of a transaction; resolves the command. */
  async reply(txid, opts = {}) {
    return this.until(() => this.commands().find((c) => (c.name === '_result' || c.name === '_error') && c.txid === txid),
      { what: `reply to transaction ${txid}`, ...opts });
  }

  /** connect(app) with a tcUrl; resolves the reply. */
  async connect({ app = 'live', tcUrl, ...more } = {}) {
    const txid = this.command('connect', [{ app, type: 'nonprivate', flashVer: 'FMLE/3.0', tcUrl, ...more }]);
    return this.reply(txid);
  }

  /** createStream; resolves the new stream id. */
  async createStream() {
    const reply = await this.reply(this.command('createStream', [null]));
    if (reply.name !== '_result') throw new Error(`createStream refused: ${JSON.stringify(reply.args)}`);
    return reply.args[1];
  }

  /** publish(name) on a stream; resolves the first onStatus code (or null when closed first). */
  async publish(streamId, name, opts = {}) {
    const before = this.statusCodes().length;
    this.command('publish', [null, name, 'live'], { streamId, csid: 8 });
    await this.until(() => this.statusCodes().length > before || this.isClosed, { what: 'publish status', ...opts });
    return this.statusCodes()[before] ?? null;
  }

  /** play(name) on a stream; resolves the first onStatus code that is not Play.Reset (or null). */
  async play(streamId, name, opts = {}) {
    const before = this.statusCodes().length;
    this.command('play', [null, name, -2000], { streamId, csid: 8 });
    const code = () => this.statusCodes().slice(before).find((c) => c !== 'NetStream.Play.Reset');
    await this.until(() => code() || this.isClosed, { what: 'play status', ...opts });
    return code() ?? null;
  }

  /** Parses whole messages out of this.in (the server's chunk stream). */
  parseChunks() {
    for (;;) {
      const buf = this.in;
      if (buf.length < 1) return;
      const fmt = buf[0] >> 6;
      let csid = buf[0] & 0x3f;
      let i = 1;
      if (csid === 0) {
        if (buf.length < 2) return;
        csid = buf[1] + 64;
        i = 2;
      } else if (csid === 1) {
        if (buf.length < 3) return;
        csid = buf.readUInt16LE(1) + 64;
        i = 3;
      }
      const hlen = [11, 7, 3, 0][fmt];
      if (buf.length < i + hlen) return;
      const prev = this.inStreams.get(csid) || { timestamp: 0, delta: 0, length: 0, type: 0, streamId: 0, parts: [], have: 0, ext: false };
      const st = { ...prev };
      let tsField = null;
      if (fmt <= 2) tsField = buf.readUIntBE(i, 3);
      if (fmt <= 1) {
        st.length = buf.readUIntBE(i + 3, 3);
        st.type = buf[i + 6];
      }
      if (fmt === 0) st.streamId = buf.readUInt32LE(i + 7);
      i += hlen;
      const ext = tsField === 0xffffff || (fmt === 3 && prev.ext);
      if (ext) {
        if (buf.length < i + 4) return;
        if (tsField === 0xffffff) tsField = buf.readUInt32BE(i);
        i += 4;
      }
      st.ext = fmt === 3 ? prev.ext : tsField === 0xffffff || ext;
      const starting = st.have === 0;
      if (starting) {
        if (fmt === 0) st.timestamp = tsField;
        else if (fmt === 1 || fmt === 2) {
          st.delta = tsField;
          st.timestamp = prev.timestamp + tsField;
        } else st.timestamp = prev.timestamp + prev.delta;
      }
      const take = Math.min(this.inChunkSize, st.length - st.have);
      if (buf.length < i + take) return;
      st.parts = starting ? [] : [...prev.parts];
      st.parts.push(buf.subarray(i, i + take));
      st.have += take;
      this.in = buf.subarray(i + take);
      if (st.have >= st.length) {
        const payload = Buffer.concat(st.parts);
        st.parts = [];
        st.have = 0;
        this.onMessage({ csid, type: st.type, streamId: st.streamId, timestamp: st.timestamp, payload });
      }
      this.inStreams.set(csid, st);
    }
  }

  onMessage(m) {
    if (m.type === 1 && m.payload.length >= 4) this.inChunkSize = m.payload.readUInt32BE(0) & 0x7fffffff;
    if (m.type === 20) {
      try {
        const [name, txid, ...args] = decodeAmf0(m.payload);
        m.command = { name, txid, args };
      } catch (e) {
        m.command = { name: '?', txid: 0, args: [], error: e.message };
      }
    }
    this.messages.push(m);
  }

  /** Media messages (audio 8 / video 9) received. */
  media() {
    return this.messages.filter((m) => m.type === 8 || m.type === 9);
  }

  destroy() {
    this.socket.destroy();
  }
}

/** "host:port" or "rtmp://host:port/..." → [host, port]. */
export function splitAddress(address) {
  const hostPort = address.replace(/^rtmp:\/\//, '').split('/')[0];
  const idx = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, idx), Number(hostPort.slice(idx + 1))];
}

/** Splits an rtmp:// URL into what a client sends: tcUrl (…/live) and the stream name (key?query). */
export function rtmpParts(url) {
  const m = url.match(/^(rtmp:\/\/[^/]+\/([^/?]+))\/(.+)$/);
  if (!m) throw new Error(`not an rtmp URL: ${url}`);
  return { tcUrl: m[1], app: m[2], name: m[3] };
}

/**
 * connect + createStream + publish or play of a whole rtmp:// URL; resolves
 * {client, code}: the first status code (null when the server closed without one).
 */
export async function rtmpAttempt(url, action, { timeoutMs = 10000 } = {}) {
  const { tcUrl, app, name } = rtmpParts(url);
  const client = await RawRtmp.open(url);
  try {
    await client.handshake({ timeoutMs });
    await client.connect({ app, tcUrl });
    const sid = await client.createStream();
    const code = action === 'publish' ? await client.publish(sid, name, { timeoutMs }) : await client.play(sid, name, { timeoutMs });
    return { client, code };
  } catch (e) {
    if (client.isClosed) return { client, code: null, error: e };
    client.destroy();
    throw e;
  }
}
