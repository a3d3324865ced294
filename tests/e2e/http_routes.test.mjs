// HTTP methods on the HTTP port (issue 10, item 8), against the real binary over raw sockets: a
// method a route does not serve gets 405 with `Allow` (no route answers 200 to anything), HEAD
// gets the GET head without a body. Two Authorization headers and bad revoke nonces:
// tests/attack/lifecycle.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, binaryPath } from './lib/server.mjs';
import { rawRequest, rawRequests } from './lib/raw_http.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const APP_ID = 'routestest0123456789abcd';
const ADMIN_KEY = 'admin-secret-routes';
const admin = [['Authorization', `Bearer ${ADMIN_KEY}`]];

let server;
before(async () => {
  if (skip) return;
  server = await startServer({ apps: [`${APP_ID}:routes-key`], extraArgs: ['--admin-key', ADMIN_KEY] });
});
after(async () => { if (server) await server.stop(); });

test('/healthz: GET and HEAD answer, any other method is 405 with Allow: GET, HEAD', { skip }, async () => {
  assert.equal((await rawRequest(server.http, { method: 'GET', path: '/healthz' })).status, 200);
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'BREW', 'PROPFIND']) {
    const r = await rawRequest(server.http, { method, path: '/healthz' });
    assert.equal(r.status, 405, `${method} /healthz`);
    assert.equal(r.headers.allow, 'GET, HEAD', `${method} /healthz`);
    assert.match(JSON.parse(r.body).error, new RegExp(`${method} not allowed`));
  }
});

test('HEAD answers the GET head with no body, so the connection stays usable', { skip }, async () => {
  const [head, get] = await rawRequests(server.http, [
    { method: 'HEAD', path: '/healthz' },
    { method: 'GET', path: '/healthz' },
  ]);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], get.headers['content-length']);
  assert.equal(get.status, 200, 'the next answer parses: HEAD sent no body');
  assert.deepEqual(JSON.parse(get.body), { ok: true });
});

test('every route refuses the methods it does not serve with 405 and its Allow', { skip }, async () => {
  const cases = [
    ['POST', '/metrics', 'GET, HEAD', []],
    ['POST', '/v1/config?appId=x', 'GET', []],
    ['GET', '/v1/report', 'POST', []],
    ['POST', '/v1/dev/token', 'GET', []],
    ['DELETE', `/live/${APP_ID}_r_u_main.flv`, 'GET', []],
    ['POST', '/v1/admin/apps', 'GET', admin],
    ['DELETE', '/v1/admin/streams', 'GET', admin],
    ['GET', '/v1/admin/urls/0123456789abcdef/revoke', 'POST', admin],
    ['GET', `/v1/admin/apps/${APP_ID}/rooms/r/users/u/kick`, 'POST', admin],
    ['PUT', `/v1/admin/apps/${APP_ID}/rooms/r`, 'GET', admin],
  ];
  for (const [method, path, allow, headers] of cases) {
    const r = await rawRequest(server.http, { method, path, headers });
    assert.equal(r.status, 405, `${method} ${path}: ${r.body}`);
    assert.equal(r.headers.allow, allow, `${method} ${path}`);
  }
  assert.equal((await rawRequest(server.http, { method: 'GET', path: '/nothing-here' })).status, 404);
  const pre = await rawRequest(server.http, { method: 'OPTIONS', path: '/v1/report' });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers['access-control-allow-methods'], 'POST, OPTIONS');
});
