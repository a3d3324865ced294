// How the server serves the console's files: redirects, content types, caching, security headers,
// and nothing but the embedded files (path traversal in every spelling, encoded slashes, long
// paths: 404, and the server keeps serving). The bundle stays within its size budget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startServer, binaryPath } from '../e2e/lib/server.mjs';
import { rawRequests } from '../e2e/lib/raw_http.mjs';
import { root } from './lib/console_fixture.mjs';

const skip = binaryPath() ? false : 'MINIRTC_BIN not set or missing';
const dist = join(root, 'console', 'dist');
let server;

before(async () => { if (!skip) server = await startServer({ extraArgs: ['--admin-key', 'k'] }); });
after(async () => { await server?.stop(); });

const get = (path, extra = []) => rawRequests(server.http, [{ method: 'GET', path, headers: [['Host', 'x'], ['Connection', 'close'], ...extra] }]).then((a) => a[0]);

test('/ and /console redirect to console/ with a relative Location', { skip }, async () => {
  for (const path of ['/', '/console']) {
    const r = await get(path);
    assert.equal(r.status, 302, path);
    assert.equal(r.headers.location, 'console/');
  }
});

test('index.html and every asset: content type, caching, security headers, bytes as built', { skip }, async () => {
  const index = await get('/console/');
  assert.equal(index.status, 200);
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.match(index.headers['content-security-policy'], /frame-ancestors 'none'/);
  assert.equal(index.body, readFileSync(join(dist, 'index.html'), 'utf8'));
  const refs = [...index.body.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(refs.length >= 2, 'index.html links its script and style relatively');
  for (const name of readdirSync(join(dist, 'assets'))) {
    const r = await get(`/console/assets/${name}`);
    assert.equal(r.status, 200, name);
    assert.equal(r.headers['content-type'], name.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(Number(r.headers['content-length']), statSync(join(dist, 'assets', name)).size);
  }
});

test('no path outside the embedded files: traversal, encodings, long paths are 404', { skip }, async () => {
  const attacks = [
    '/console/../metrics', '/console/..%2fmetrics', '/console/%2e%2e/metrics', '/console/%2e%2e%2fmetrics',
    '/console/assets/../index.html', '/console/assets%2findex.html', '/console//index.html', '/console/./index.html',
    '/console/..\\..\\etc\\passwd', '/console/%00index.html', '/console/index.html%00', '/console/index.html/',
    '/console/assets/', '/console/assets/..', '/console/../../../../etc/passwd', '/console/%252e%252e/metrics',
    `/console/${'a'.repeat(300)}`, `/console/assets/${'../'.repeat(80)}etc/passwd`,
  ];
  for (const path of attacks) {
    const r = await get(path);
    assert.ok(r.status === 404 || r.status === 400, `${path} → ${r.status}`);
    assert.doesNotMatch(r.body, /minirtc_|root:/, path);
  }
  const long = await get(`/console/${'b'.repeat(20000)}`);
  assert.ok([404, 414, 431, 400].includes(long.status), `a 20 KB path → ${long.status}`);
  assert.equal((await get('/console/')).status, 200, 'still serving');
});

test('HEAD and other methods on console paths', { skip }, async () => {
  const [head] = await rawRequests(server.http, [{ method: 'HEAD', path: '/console/', headers: [['Host', 'x'], ['Connection', 'close']] }]);
  assert.equal(head.status, 200);
  const post = await rawRequests(server.http, [{ method: 'POST', path: '/console/', headers: [['Host', 'x'], ['Connection', 'close'], ['Content-Length', '0']] }]);
  assert.equal(post[0].status, 405);
  assert.equal(post[0].headers.allow, 'GET, HEAD');
});

test('the bundle stays within 150 KB gzipped (every file the console can load)', async () => {
  let total = 0;
  const walk = (d) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else total += gzipSync(readFileSync(p), { level: 9 }).length; } };
  walk(dist);
  assert.ok(total <= 150 * 1024, `console/dist is ${total} bytes gzipped`);
});
