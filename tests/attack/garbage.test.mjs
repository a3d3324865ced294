// Garbage and oversized frames on every protocol: random bytes and impossible values on the RTMP
// port, malformed and oversized HTTP requests, signalling frames that are not JSON-RPC or are over
// the 64 KiB limit, WebSocket-FLV players that send big messages. Each is refused as docs/operations.md (Limits) and docs/protocol.md (§4.1, §4.5)
// say — the offending connection closed or answered with an error, counted in
// minirtc_rejected_total — and nothing else is touched: the canary call stays healthy and RSS
// and descriptors return to baseline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { attackFixture, expectBaseline, metric, SLOW, deadline } from './lib/harness.mjs';
import { RawRtmp, amf0, encodeMessage } from './lib/rtmp_raw.mjs';
import { exchange, wsFrame, wsUpgradeRequest, awaitUpgrade, dribble } from './lib/dribble.mjs';
import { openSignal } from './lib/signal_raw.mjs';
import { signedUrl } from '../e2e/lib/media.mjs';

const HANDSHAKE_S = 3;
const fx = attackFixture({
  appId: 'attackjunk0123456789abcd',
  appKey: 'attack-garbage-key',
  config: `[media]\nhandshake_timeout_s = ${HANDSHAKE_S}\n`,
});
const skip = fx.skip;
const rejected = (reason) => metric(fx.target, 'minirtc_rejected_total', `reason="${reason}"`);

/** Opens an RTMP connection, completes the handshake, sends `bytes`, resolves ms until the server closed it. */
async function rtmpAfterHandshake(bytes, { connect = false } = {}) {
  const c = await RawRtmp.open(fx.target.rtmp);
  await c.handshake();
  if (connect) await c.connect({ tcUrl: `rtmp://${fx.target.rtmp}/live` });
  const t0 = Date.now();
  c.write(bytes);
  await Promise.race([c.closed, deadline((HANDSHAKE_S + 5) * 1000 * SLOW)]);
  const ms = Date.now() - t0;
  c.destroy();
  return { closed: c.closedAt !== undefined, ms };
}

test('RTMP: garbage and impossible values close only the offending connection', { skip }, async () => {
  const before = await rejected('rtmp_protocol');
  // not RTMP at all: answered by a close, at once
  for (const first of [0, 6, 0x16, 0x47, 255]) {
    const res = await exchange(fx.target.rtmp, Buffer.concat([Buffer.from([first]), randomBytes(3000)]), { timeoutMs: 5000 * SLOW });
    assert.ok(res.closedByServer && res.ms < 3000 * SLOW, `version byte ${first}: closed after ${res.ms} ms`);
    assert.ok(res.data.length === 0 || res.data[0] !== 3, `version byte ${first}: no handshake answer`);
  }
  const status = Buffer.from([2, 0, 0, 0, 0, 0, 4]);
  const cases = [
    ['chunk size 0', encodeMessage({ csid: 2, type: 1, payload: Buffer.from([0, 0, 0, 0]) })],
    ['chunk size over 16 MiB', encodeMessage({ csid: 2, type: 1, payload: Buffer.from([0x7f, 0xff, 0xff, 0xff]) })],
    ['AMF0 of random bytes', encodeMessage({ type: 20, payload: Buffer.concat([Buffer.from([2, 0, 7]), Buffer.from('connect'), randomBytes(200)]) })],
    ['AMF0 nested 100 deep', encodeMessage({ type: 20, payload: Buffer.concat([amf0('connect', 1), Buffer.alloc(100, 3), Buffer.alloc(0)]) })],
    ['AMF0 string longer than its message', encodeMessage({ type: 20, payload: Buffer.concat([Buffer.from([2, 0xff, 0xff]), Buffer.from('connect')]) })],
    ['an unknown message type', encodeMessage({ type: 99, payload: randomBytes(64) })],
    ['media before connect', encodeMessage({ csid: 6, type: 9, streamId: 1, payload: randomBytes(500) })],
    ['a control message too short', encodeMessage({ csid: 2, type: 5, payload: status.subarray(0, 2) })],
    ['65 chunk streams', Buffer.concat(Array.from({ length: 65 }, (_, i) => encodeMessage({ csid: 3 + i, type: 20, payload: randomBytes(4000) }).subarray(0, 100)))],
    ['random chunks', randomBytes(20000)],
  ];
  for (const [name, bytes] of cases) {
    const { closed, ms } = await rtmpAfterHandshake(bytes);
    assert.ok(closed, `${name}: connection closed`);
    assert.ok(ms <= HANDSHAKE_S * 1000 + 2500 * SLOW, `${name}: closed after ${ms} ms`);
  }
  // and after a successful connect: garbage still closes it
  for (const [name, bytes] of cases.slice(0, 5)) {
    const { closed } = await rtmpAfterHandshake(bytes, { connect: true });
    assert.ok(closed, `after connect, ${name}: connection closed`);
  }
  const after = await rejected('rtmp_protocol');
  assert.ok(after - before >= 5, `protocol errors counted (${after - before})`);
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('HTTP: malformed and oversized requests get 400/413/431 with a JSON reason and a close', { skip }, async () => {
  const host = fx.target.http;
  const before = await rejected('http_bad_request');
  const cases = [
    ['a bad request line', 'GARBAGE\r\n\r\n', 400],
    ['a bad method token', 'G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    ['HTTP/9.9', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', 400],
    ['a bare LF line ending', 'GET /healthz HTTP/1.1\nHost: x\n\n', 400],
    ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n', 400],
    ['a control character in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x01b\r\n\r\n', 400],
    ['headers over header_limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`, 431],
    ['many headers over header_limit', `GET /healthz HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(1500)}\r\n`, 431],
    ['a target over header_limit', `GET /v1/config?appId=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    ['a body over body_limit', `POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n${'{'.repeat(70000)}`, 413],
    ['a declared body over body_limit', 'POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n', 413],
    ['a chunked body over body_limit', `POST /v1/report HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'ffff\r\n'}${'a'.repeat(65535)}\r\nffff\r\n${'a'.repeat(65535)}\r\n0\r\n\r\n`, 413],
    ['a bad Content-Length', 'POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400],
    ['a bad chunk size', 'POST /v1/report HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n', 400],
  ];
  for (const [name, text, status] of cases) {
    const res = await exchange(host, Buffer.from(text, 'latin1'), { timeoutMs: 10000 * SLOW });
    assert.equal(res.status, status, `${name}: ${res.data.toString('latin1').slice(0, 200)}`);
    assert.match(JSON.parse(res.body).error, /\S/, `${name}: a JSON reason`);
    assert.ok(res.closedByServer, `${name}: connection closed`);
  }
  // two Content-Lengths that differ: closed (Beast's multiple_content_length is not among the
  // errors the server answers with 400; it closes without an answer)
  const twoLengths = await exchange(host, Buffer.from('POST /v1/report HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'), { timeoutMs: 10000 * SLOW });
  assert.ok(twoLengths.closedByServer && (twoLengths.status === null || twoLengths.status === 400), `two Content-Lengths: ${twoLengths.status}`);
  // binary junk: no HTTP answer needed, but the connection must end
  const junk = await exchange(host, randomBytes(5000), { timeoutMs: 10000 * SLOW });
  assert.ok(junk.closedByServer, 'binary junk: closed');
  assert.ok(junk.status === null || junk.status === 400, `binary junk: ${junk.status}`);
  // a good request on a new connection still works
  const ok = await exchange(host, Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  assert.equal(ok.status, 200);
  const after = await rejected('http_bad_request');
  assert.ok(after - before >= cases.length, `refusals counted (${after - before})`);
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('signalling: frames that are not JSON-RPC get an error and the session survives; frames over 64 KiB close it', { skip }, async () => {
  const s = await openSignal(fx.target.wsUrl);
  const nextError = async (send) => {
    const n = s.messages.length;
    send();
    await s.waitMessage((m) => s.messages.indexOf(m) >= n, { timeoutMs: 5000 * SLOW, what: 'an answer' });
    return s.messages[n];
  };
  const cases = [
    ['not JSON', 'hello', -32700],
    ['truncated JSON', '{"jsonrpc":"2.0","id":1,"method":"ping"', -32700],
    ['an empty frame', '', -32700],
    ['a batch (array)', '[{"jsonrpc":"2.0","id":1,"method":"ping"}]', -32600],
    ['a number', '42', -32600],
    ['no method', '{"jsonrpc":"2.0","id":1}', -32600],
    ['method not a string', '{"jsonrpc":"2.0","id":1,"method":7}', -32600],
    ['id an object', '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}', -32600],
    ['params an array', '{"jsonrpc":"2.0","id":1,"method":"join","params":[1,2]}', null],
    ['an unknown method', '{"jsonrpc":"2.0","id":1,"method":"rm -rf"}', -32601],
    ['nested 40 deep', `{"jsonrpc":"2.0","id":1,"method":"ping","params":${'{"a":'.repeat(40)}1${'}'.repeat(40)}}`, null],
  ];
  for (const [name, frame, code] of cases) {
    const reply = await nextError(() => s.send(frame, { binary: false }));
    assert.ok(reply.error, `${name}: an error (${JSON.stringify(reply)})`);
    if (code !== null) assert.equal(reply.error.code, code, `${name}: ${JSON.stringify(reply)}`);
  }
  const bin = await nextError(() => s.send(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}'), { binary: true }));
  assert.equal(bin.error?.code, -32600, `binary frame: ${JSON.stringify(bin)}`);
  // a large but legal frame is handled
  const big = await s.call('ping', { pad: 'x'.repeat(60 * 1024) });
  assert.ok(big.result, 'a 60 KiB frame is within the limit');
  assert.ok(!s.isClosed(), 'the session survived every bad frame');

  // over the limit: one frame, or fragments that add up to more
  const before = await rejected('signal_frame_too_big');
  // a text frame that is not UTF-8 breaks the WebSocket protocol itself: closed with 1007
  const bad = await openSignal(fx.target.wsUrl);
  bad.ws._socket.write(wsFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
  assert.equal((await Promise.race([bad.closed, deadline(10000 * SLOW).then(() => ({ code: 'open' }))])).code, 1007, 'invalid UTF-8: 1007');
  for (const [name, frames] of [
    ['one 70 KiB frame', [wsFrame('x'.repeat(70 * 1024))]],
    ['a 1 MiB frame', [wsFrame(Buffer.alloc(1 << 20, 0x20))]],
    ['fragments of 40 KiB + 40 KiB', [wsFrame('x'.repeat(40 * 1024), { fin: false }), wsFrame('y'.repeat(40 * 1024), { opcode: 0 })]],
  ]) {
    const d = await dribble(fx.target.http, { prefix: wsUpgradeRequest(fx.target.http, '/v1/signal'), afterPrefix: awaitUpgrade(), trickle: Buffer.alloc(0) });
    // A client still sending when the server closes gets a reset, and a reset discards what its
    // kernel had received but the client had not read yet: the close frame too, at times (seen
    // with the 1 MiB frame). Then the reset is the server's answer; the counter below still says
    // why it closed. A client writing into the reset gets EPIPE instead of ECONNRESET (seen in CI
    // with the 1 MiB frame: only the 101 answer had arrived).
    let reset = false;
    d.socket.on('error', (e) => { if (e.code === 'ECONNRESET' || e.code === 'EPIPE') reset = true; });
    for (const f of frames) d.socket.write(f);
    const lived = await Promise.race([d.closed, deadline(10000 * SLOW).then(() => null)]);
    d.stop();
    assert.ok(lived !== null, `${name}: closed`);
    const tail = d.received();
    // the close frame the server sent: 1009 (message too big)
    const idx = tail.lastIndexOf(Buffer.from([0x88]));
    const closeFrame = idx >= 0 && idx + 4 <= tail.length && tail.readUInt16BE(idx + 2) === 1009;
    assert.ok(closeFrame || reset, `${name}: close code 1009 or a reset (${tail.subarray(Math.max(idx, 0)).toString('hex').slice(0, 40)})`);
  }
  const after = await rejected('signal_frame_too_big');
  assert.equal(after - before, 3, 'oversized frames counted');
  s.close();
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});

test('WebSocket-FLV: a player that sends big messages is closed before the server buffers them', { skip }, async () => {
  const url = await signedUrl(fx.target.bin, { action: 'play', ...fx.app, room: fx.canary.room, user: 'alice', viewer: 'mallory', format: 'flv',
    httpBase: fx.target.httpUrl });
  const path = url.slice(fx.target.httpUrl.length);
  const open = () => dribble(fx.target.http, { prefix: wsUpgradeRequest(fx.target.http, path), afterPrefix: awaitUpgrade(), trickle: Buffer.alloc(0) });
  // a player that says something small now and then keeps playing
  const polite = await open();
  polite.socket.write(wsFrame('hello', { opcode: 1 }));
  polite.socket.write(wsFrame(Buffer.alloc(0), { opcode: 9 })); // ping
  // players that send 15 MiB messages (all but the last bytes): with a valid play URL each
  // made the server hold 15 MiB until it had the whole message (10 of them: +150 MB)
  const big = wsFrame(Buffer.alloc(15 << 20, 0x41), { opcode: 2 });
  const attackers = [];
  let peak = 0;
  for (let i = 0; i < 8; i++) {
    const d = await open();
    d.socket.write(big.subarray(0, big.length - 10));
    attackers.push(d);
    peak = Math.max(peak, fx.target.rss());
  }
  const lived = await Promise.all(attackers.map((d) => Promise.race([d.closed, deadline(15000 * SLOW).then(() => null)])));
  peak = Math.max(peak, fx.target.rss());
  attackers.forEach((d) => d.stop());
  assert.ok(lived.every((ms) => ms !== null), `every attacker closed (${lived.join(', ')})`);
  assert.ok(peak < fx.base.rss + 32 * 1048576, `RSS during the attack ${(peak / 1048576).toFixed(1)} MB (baseline ${(fx.base.rss / 1048576).toFixed(1)} MB)`);
  const before = polite.received().length;
  await deadline(1000);
  assert.ok(!polite.socket.destroyed && polite.received().length > before, 'the polite player still plays');
  polite.stop();
  await fx.canary.assertHealthy();
  await expectBaseline(fx.target, fx.base);
});
