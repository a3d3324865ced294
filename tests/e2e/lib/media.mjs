// Real media peers for end-to-end tests: ffmpeg as the pusher, ffprobe/ffmpeg/rtmpdump as
// players, `minirtc url` for signed URLs, and a small FLV reader for HTTP-FLV / WebSocket-FLV.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Signed URL from the real binary: `minirtc url publish|play ...`. */
export async function signedUrl(bin, { action, appId, appKey, room, user, viewer, format, ttl, screen, httpBase, rtmpBase }) {
  const args = ['url', action, '--app', `${appId}:${appKey}`, '--app-id', appId, '--room', room, '--user', user];
  if (viewer) args.push('--viewer', viewer);
  if (format) args.push('--format', format);
  if (ttl !== undefined) args.push('--ttl', String(ttl));
  if (screen) args.push('--screen');
  if (httpBase) args.push('--http-base', httpBase);
  if (rtmpBase) args.push('--rtmp-base', rtmpBase);
  const { stdout } = await execFileP(bin, args);
  return stdout.trim();
}

/**
 * Pushes a generated H.264 + AAC test stream like <live-pusher> does (zerolatency, 2 s GOP).
 * Returns {proc, exited: Promise<{code, stderr}>, stop()}.
 */
export function pushTestStream(url, { seconds = 30, size = '640x360', fps = 25, bitrate = '500k', realtime = true } = {}) {
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
  if (realtime) args.push('-re');
  args.push(
    '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline',
    '-pix_fmt', 'yuv420p', '-g', String(fps * 2), '-b:v', bitrate,
    '-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '2',
    '-f', 'flv', url);
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { proc, exited, stop: () => { if (proc.exitCode === null) proc.kill('SIGKILL'); return exited; } };
}

/** ffprobe → {streams: [{codec_type, codec_name, width, height, sample_rate, channels}]}. */
export async function probe(url, { timeoutSec = 15 } = {}) {
  const { stdout } = await execFileP('ffprobe', [
    '-hide_banner', '-loglevel', 'error', '-rw_timeout', String(timeoutSec * 1e6),
    '-show_entries', 'stream=codec_type,codec_name,width,height,sample_rate,channels,profile',
    '-of', 'json', url,
  ], { timeout: (timeoutSec + 5) * 1000 });
  return JSON.parse(stdout);
}

/** ffmpeg decodes `seconds` of the stream to null; resolves {code, stderr}. */
export function decode(url, seconds) {
  return new Promise((resolve) => {
    const proc = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-rw_timeout', '15000000',
      '-i', url, '-t', String(seconds), '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** Runs a command to completion: {code, stdout, stderr}. */
export function run(cmd, args, { timeoutMs = 30000 } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = Buffer.alloc(0); let stderr = '';
    proc.stdout.on('data', (d) => { stdout = Buffer.concat([stdout, d]); });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

/**
 * Incremental FLV parser: feed() bytes, get tags {type, timestamp, keyframe, sequenceHeader, size}.
 * Throws on a malformed stream so a test sees broken framing at once.
 */
export class FlvReader {
  constructor() { this.buf = Buffer.alloc(0); this.headerSeen = false; this.tags = []; this.bytes = 0; }
  feed(chunk) {
    this.bytes += chunk.length;
    this.buf = Buffer.concat([this.buf, chunk]);
    if (!this.headerSeen) {
      if (this.buf.length < 13) return;
      if (this.buf.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV stream');
      const offset = this.buf.readUInt32BE(5);
      if (this.buf.length < offset + 4) return;
      this.buf = this.buf.subarray(offset + 4);
      this.headerSeen = true;
    }
    while (this.buf.length >= 11) {
      const type = this.buf[0];
      const size = this.buf.readUIntBE(1, 3);
      if (this.buf.length < 11 + size + 4) break;
      const timestamp = (this.buf.readUIntBE(4, 3) | (this.buf[7] << 24)) >>> 0;
      const body = this.buf.subarray(11, 11 + size);
      const prev = this.buf.readUInt32BE(11 + size);
      if (prev !== size + 11) throw new Error(`bad PreviousTagSize ${prev} for tag of ${size}`);
      if (![8, 9, 18].includes(type)) throw new Error(`bad tag type ${type}`);
      const tag = { type, timestamp, size, keyframe: false, sequenceHeader: false, receivedAt: Date.now() };
      if (type === 9 && size >= 2) { tag.keyframe = (body[0] >> 4) === 1; tag.sequenceHeader = body[1] === 0; }
      if (type === 8 && size >= 2) { tag.sequenceHeader = (body[0] >> 4) === 10 && body[1] === 0; }
      this.tags.push(tag);
      this.buf = this.buf.subarray(11 + size + 4);
    }
  }
  get videoFrames() { return this.tags.filter((t) => t.type === 9 && !t.sequenceHeader); }
  get audioFrames() { return this.tags.filter((t) => t.type === 8 && !t.sequenceHeader); }
}

/** Plays HTTP-FLV with fetch: {reader, done: Promise, abort()}. */
export function playHttpFlv(url) {
  const reader = new FlvReader();
  const controller = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { signal: controller.signal });
    reader.status = res.status;
    reader.headers = res.headers;
    if (res.status !== 200) { reader.body = await res.text(); return; }
    for await (const chunk of res.body) reader.feed(Buffer.from(chunk));
  })().catch((e) => { if (e.name !== 'AbortError') reader.error = e; });
  return { reader, done, abort: () => controller.abort() };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until `cond()` is true, polling; throws after `timeoutMs`. */
export async function waitFor(cond, { timeoutMs = 10000, stepMs = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(stepMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}
