// SIGHUP (issue 10, item 6): the server reads its configuration file again and applies apps and
// limits without dropping anyone; what needs a restart is logged and kept; an invalid file is
// refused with the reason and the running configuration kept. Before, SIGHUP killed the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startServer, binaryPath } from './lib/server.mjs';
import { pushTestStream, sleep, waitFor } from './lib/media.mjs';
import { rawRequest } from './lib/raw_http.mjs';
import { playHttpFlvRaw } from './lib/viewers.mjs';
import { mediaUrl } from '../attack/lib/media_urls.mjs';
import { SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const A = { id: 'reloadapp0123456789abcde', key: 'reload-key-a' };
const B = { id: 'reloadappb123456789abcde', key: 'reload-key-b' };

function config({ apps, headerLimit = 8192, mergeWindow = 25, extra = '' }) {
  return `[server]\nadmin_key = "admin"\n[http]\nheader_limit = ${headerLimit}\n` +
    `[media]\nmerge_window_ms = ${mergeWindow}\n${extra}` +
    apps.map((a) => `[[apps]]\nid = "${a.id}"\nkey = "${a.key}"\n`).join('');
}

test('SIGHUP reloads apps and limits without dropping anyone; a bad file is refused and the old one kept',
  { skip, timeout: 120000 * SLOW }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minirtc-reload-'));
    const file = join(dir, 'minirtc.toml');
    writeFileSync(file, config({ apps: [A] }));
    const server = await startServer({ extraArgs: ['--config', file] });
    const ids = { appId: A.id, appKey: A.key, roomId: 'r', userId: 'pub' };
    const pusher = pushTestStream(mediaUrl({ ...ids, base: server.rtmpUrl, action: 'pub' }).url,
      { seconds: 120, size: '320x180', bitrate: '200k' });
    const flv = new URL(mediaUrl({ ...ids, base: server.httpUrl, action: 'play', viewer: 'v' }).url);
    const viewer = playHttpFlvRaw(server.http, flv.pathname + flv.search);
    const ws = new WebSocket(server.wsUrl);
    let wsClosed = null;
    ws.on('close', (code) => { wsClosed = code; });
    const hup = async (marker) => {
      const before = server.logs().length;
      server.proc.kill('SIGHUP');
      await waitFor(() => server.logs().slice(before).includes(marker), { timeoutMs: 10000 * SLOW, what: marker });
      return server.logs().slice(before);
    };
    const configStatus = async (app) => (await rawRequest(server.http, { method: 'GET', path: `/v1/config?appId=${app.id}` })).status;
    const bigHeaders = { method: 'GET', path: '/healthz', headers: [['X-Pad', 'x'.repeat(6000)]] };
    try {
      await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
      const join = await new Promise((resolve) => {
        ws.once('message', (d) => resolve(JSON.parse(String(d))));
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'join', params: { appId: A.id, roomId: 'r2', userId: 'u',
          token: makeToken({ appId: A.id, appKey: A.key, roomId: 'r2', userId: 'u', publish: true, subscribe: true }) } }));
      });
      assert.ok(join.result, JSON.stringify(join));
      await waitFor(() => viewer.bytes > 1000, { timeoutMs: 20000 * SLOW, what: 'the viewer receiving media' });
      assert.equal(await configStatus(B), 404);
      assert.equal((await rawRequest(server.http, bigHeaders)).status, 200);

      // New app, lower header limit (live), new merge window (needs a restart).
      writeFileSync(file, config({ apps: [A, B], headerLimit: 4096, mergeWindow: 5 }));
      const log = await hup('SIGHUP: configuration reloaded');
      assert.equal(server.proc.exitCode, null, 'the server is still running');
      assert.match(log, /SIGHUP: apps: added reloadappb123456789abcde/);
      assert.match(log, /SIGHUP: http\.header_limit: 8192 -> 4096/);
      assert.match(log, /SIGHUP: media\.merge_window_ms: 25 -> 5 \(needs a restart; 25 kept\)/);
      assert.equal(await configStatus(B), 200, 'the new app is served');
      assert.equal((await rawRequest(server.http, bigHeaders)).status, 431, 'the new header limit holds');
      const seen = viewer.bytes;
      await waitFor(() => viewer.bytes > seen + 1000, { timeoutMs: 10000 * SLOW, what: 'media after the reload' });
      assert.equal(wsClosed, null, 'the signalling session stays');

      // An invalid file: refused with the reason, the running configuration kept.
      writeFileSync(file, `${config({ apps: [A] })}[server]\n`);
      const bad = await hup('configuration not reloaded');
      assert.match(bad, /SIGHUP: configuration not reloaded, the running one is kept: .*minirtc\.toml/);
      assert.equal(server.proc.exitCode, null);
      assert.equal(await configStatus(B), 200, 'B is still served');
      writeFileSync(file, config({ apps: [A, B], headerLimit: 4096, mergeWindow: 5, extra: 'no_such_key = 1\n' }));
      assert.match(await hup('configuration not reloaded'), /unknown key 'media\.no_such_key'/);

      // B removed: refused from now on; A's viewer and session are untouched.
      writeFileSync(file, config({ apps: [A] }));
      assert.match(await hup('SIGHUP: configuration reloaded'), /apps: removed reloadappb123456789abcde/);
      assert.equal(await configStatus(B), 404);
      const seen2 = viewer.bytes;
      await waitFor(() => viewer.bytes > seen2 + 1000, { timeoutMs: 10000 * SLOW, what: 'media after the second reload' });
      assert.equal(wsClosed, null);
      await sleep(100);
      assert.equal(await server.stop('SIGTERM'), 0);
      assert.ok(viewer.terminated, 'the viewer got the end of the stream at shutdown');
    } finally {
      ws.terminate();
      viewer.close();
      await pusher.stop();
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
