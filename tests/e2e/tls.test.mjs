// TLS on the HTTP port (--tls-cert/--tls-key): HTTPS config, WSS signalling, HTTPS-FLV playback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, binaryPath } from './lib/server.mjs';
import { pushTestStream, probe, signedUrl, waitFor } from './lib/media.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const SLOW = process.env.MINIRTC_SANITIZED ? 3 : 1;
const APP_ID = 'tlstest0123456789abcdefg';
const APP_KEY = 'tls-test-key';

function getJson(url) {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(body) }));
    }).on('error', reject);
  });
}

test('HTTPS config, WSS signalling and HTTPS-FLV playback on the TLS port', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minirtc-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const server = await startServer({ apps: [`${APP_ID}:${APP_KEY}`], extraArgs: ['--tls-cert', cert, '--tls-key', key] });
  try {
    const base = `https://${server.http}`;
    const config = await getJson(`${base}/v1/config?appId=${APP_ID}`);
    assert.equal(config.status, 200);
    assert.deepEqual(config.body.signalUrls, [`wss://${server.http}/v1/signal`]);
    assert.equal(config.body.reportUrl, `${base}/v1/report`);

    // Plain HTTP on the TLS port gets no answer from the API.
    await assert.rejects(fetch(`http://${server.http}/v1/config?appId=${APP_ID}`));

    // WSS signalling: join and publish.
    const ws = new WebSocket(config.body.signalUrls[0], { rejectUnauthorized: false });
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    const replies = [];
    ws.on('message', (d) => replies.push(JSON.parse(String(d))));
    const token = makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: 'r', userId: 'u', publish: true, subscribe: true });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'join', params: { appId: APP_ID, token, roomId: 'r', userId: 'u' } }));
    await waitFor(() => replies.some((r) => r.id === 1), { what: 'join reply' });
    assert.ok(replies.find((r) => r.id === 1).result, JSON.stringify(replies));
    ws.close();

    // HTTPS-FLV playback of an RTMP-published stream.
    const pushUrl = await signedUrl(BIN, { action: 'publish', appId: APP_ID, appKey: APP_KEY, room: 'r', user: 'pub', httpBase: base, rtmpBase: server.rtmpUrl });
    const pusher = pushTestStream(pushUrl);
    try {
      await waitFor(() => server.logs().includes('live'), { timeoutMs: 15000 * SLOW, what: 'live' });
      const flv = await signedUrl(BIN, { action: 'play', appId: APP_ID, appKey: APP_KEY, room: 'r', user: 'pub', viewer: 'v', format: 'flv', httpBase: base, rtmpBase: server.rtmpUrl });
      assert.match(flv, /^https:\/\//);
      const info = await probe(flv);
      assert.ok(info.streams.some((s) => s.codec_type === 'video' && s.width === 640));
    } finally { await pusher.stop(); }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
