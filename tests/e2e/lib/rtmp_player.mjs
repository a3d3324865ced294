// A minimal RTMP player for tests that need many of them (one ffmpeg per player would not fit on
// a small machine): simple handshake, connect + createStream + play on a signed URL, then a chunk
// stream parser that reassembles messages (chunk sizes, header compression, extended
// timestamps) and records what a player cares about: media messages, user control events,
// onStatus codes, and how the connection ended (clean end of stream, or reset).
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

const HANDSHAKE = 1536;

/** AMF0 encoding of the few values the commands need. */
function amfString(s) { const b = Buffer.alloc(3 + Buffer.byteLength(s)); b[0] = 2; b.writeUInt16BE(Buffer.byteLength(s), 1); b.write(s, 3); return b; }
function amfNumber(n) { const b = Buffer.alloc(9); b[0] = 0; b.writeDoubleBE(n, 1); return b; }
const amfNull = () => Buffer.from([5]);
function amfObject(o) {
  const parts = [Buffer.from([3])];
  for (const [k, v] of Object.entries(o)) {
    const key = Buffer.alloc(2 + Buffer.byteLength(k)); key.writeUInt16BE(Buffer.byteLength(k), 0); key.write(k, 2);
    parts.push(key, typeof v === 'number' ? amfNumber(v) : amfString(v));
  }
  parts.push(Buffer.from([0, 0, 9]));
  return Buffer.concat(parts);
}

/** One message as chunks of 128 bytes (the client never changes its chunk size). */
function chunks(csid, type, streamId, payload) {
  const head = Buffer.alloc(12);
  head[0] = csid; // fmt 0
  head.writeUIntBE(0, 1, 3);
  head.writeUIntBE(payload.length, 4, 3);
  head[7] = type;
  head.writeUInt32LE(streamId, 8);
  const out = [head];
  for (let off = 0; off < payload.length; off += 128) {
    if (off > 0) out.push(Buffer.from([0xc0 | csid]));
    out.push(payload.subarray(off, off + 128));
  }
  return Buffer.concat(out);
}

/**
 * Plays `url` (rtmp://host:port/live/key?query). Returns a player object:
 * {media, statuses: [code], events: [user control type], ended: Promise<{how}>, close()}.
 * `how` is 'end' (the server closed after everything it sent) or 'error: ...'.
 */
export function playRtmp(url) {
  const u = new URL(url);
  const name = u.pathname.slice('/live/'.length) + u.search;
  const socket = connect(Number(u.port), u.hostname);
  const player = { media: 0, statuses: [], events: [], bytes: 0 };
  let buf = Buffer.alloc(0);
  let stage = 'handshake';
  let chunkSize = 128;
  const streams = new Map(); // csid → {fmt state, pending payload}
  player.ended = new Promise((resolve) => {
    socket.on('end', () => resolve({ how: 'end' }));
    socket.on('error', (e) => resolve({ how: `error: ${e.code || e.message}` }));
    socket.on('close', () => resolve({ how: 'closed without end' }));
  });
  player.close = () => socket.destroy();
  player.pause = () => socket.pause();
  player.resume = () => socket.resume();

  const onMessage = (type, payload) => {
    if (type === 1) chunkSize = payload.readUInt32BE(0) & 0x7fffffff;
    else if (type === 4) player.events.push(payload.readUInt16BE(0));
    else if (type === 8 || type === 9) player.media += 1;
    else if (type === 20) {
      const m = payload.toString('latin1').match(/code\x02..(NetStream\.[A-Za-z.]+)/s);
      if (m) player.statuses.push(m[1]);
    }
  };

  const parseChunks = () => {
    for (;;) {
      if (buf.length < 1) return;
      const fmt = buf[0] >> 6;
      let csid = buf[0] & 0x3f;
      let off = 1;
      if (csid === 0) { if (buf.length < 2) return; csid = 64 + buf[1]; off = 2; }
      else if (csid === 1) { if (buf.length < 3) return; csid = 64 + buf[1] + buf[2] * 256; off = 3; }
      const st = streams.get(csid) ?? { ts: 0, length: 0, type: 0, streamId: 0, pending: [], got: 0, extended: false };
      const headerSize = [11, 7, 3, 0][fmt];
      if (buf.length < off + headerSize) return;
      let ts = st.ts; let length = st.length; let type = st.type; let streamId = st.streamId;
      let extended = st.extended;
      if (fmt <= 2) { ts = buf.readUIntBE(off, 3); extended = ts === 0xffffff; }
      if (fmt <= 1) { length = buf.readUIntBE(off + 3, 3); type = buf[off + 6]; }
      if (fmt === 0) streamId = buf.readUInt32LE(off + 7);
      off += headerSize;
      if (extended) { if (buf.length < off + 4) return; off += 4; }
      const want = Math.min(chunkSize, length - st.got);
      if (buf.length < off + want) return;
      Object.assign(st, { ts, length, type, streamId, extended });
      st.pending.push(buf.subarray(off, off + want));
      st.got += want;
      buf = buf.subarray(off + want);
      streams.set(csid, st);
      if (st.got === length) {
        const payload = Buffer.concat(st.pending);
        st.pending = []; st.got = 0;
        onMessage(type, payload);
      }
    }
  };

  socket.on('connect', () => {
    const c1 = randomBytes(HANDSHAKE);
    c1.fill(0, 0, 8); // time 0, zero field 0: the simple handshake
    socket.write(Buffer.concat([Buffer.from([3]), c1]));
  });
  socket.on('data', (d) => {
    player.bytes += d.length;
    buf = Buffer.concat([buf, d]);
    if (stage === 'handshake') {
      if (buf.length < 1 + 2 * HANDSHAKE) return;
      const s1 = buf.subarray(1, 1 + HANDSHAKE);
      buf = buf.subarray(1 + 2 * HANDSHAKE);
      stage = 'chunks';
      const tcUrl = `rtmp://${u.host}/live`;
      socket.write(Buffer.concat([
        s1, // C2 echoes S1
        chunks(3, 20, 0, Buffer.concat([amfString('connect'), amfNumber(1), amfObject({ app: 'live', tcUrl })])),
        chunks(3, 20, 0, Buffer.concat([amfString('createStream'), amfNumber(2), amfNull()])),
        chunks(8, 20, 1, Buffer.concat([amfString('play'), amfNumber(0), amfNull(), amfString(name)])),
      ]));
    }
    parseChunks();
  });
  return player;
}
