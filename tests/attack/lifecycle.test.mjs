// Small doors of the HTTP port (issue 10, item 8), attacked with the canary call running: two
// Authorization headers (a proxy checking one and the server using another would let a request
// through on someone else's credential) are refused with 400 on every route; the admin revoke call
// takes only nonces of the form signed URLs carry (400 otherwise, nothing revoked); methods a route
// does not serve get 405 with Allow, however many. The canary stays healthy and RSS and
// descriptors return to baseline after each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackFixture, expectBaseline, metric } from './lib/harness.mjs';
import { rawRequest, rawRequests } from '../e2e/lib/raw_http.mjs';

const APP = { appId: 'attacklife0123456789abcd', appKey: 'attack-lifecycle-key' };
const ADMIN_KEY = 'attack-lifecycle-admin-0123';
const fx = attackFixture({ ...APP, extraArgs: ['--admin-key', ADMIN_KEY] });
const skip = fx.skip;
const admin = ['Authorization', `Bearer ${ADMIN_KEY}`];

async function canaryUnharmed() {
  await fx.canary.assertHealthy();
  const r = await rawRequest(fx.target.http, { method: 'GET', path: '/v1/admin/streams', headers: [admin] });
  const mine = JSON.parse(r.body).streams.find((s) => s.roomId === fx.canary.room && s.userId === 'alice');
  assert.ok(mine && mine.publishing, 'the canary stream is still published');
}

test('two Authorization headers: 400 on every route, whichever comes first; one still works', { skip }, async () => {
  const before = await metric(fx.target, 'minirtc_rejected_total', 'reason="http_duplicate_authorization"');
  const paths = ['/v1/admin/apps', '/v1/admin/streams', `/v1/admin/apps/${APP.appId}/rooms`, '/healthz', '/metrics',
    `/v1/config?appId=${APP.appId}`, `/live/${APP.appId}~${fx.canary.room}~alice~main.flv`];
  const pairs = [[admin, ['Authorization', 'Bearer wrong']], [['Authorization', 'Bearer wrong'], admin], [admin, admin],
    [admin, ['authorization', '']], [['AUTHORIZATION', 'Basic eDp5'], admin]];
  let refused = 0;
  for (let round = 0; round < 10; ++round) {
    for (const path of paths) {
      for (const headers of pairs) {
        const r = await rawRequest(fx.target.http, { method: 'GET', path, headers });
        assert.equal(r.status, 400, `${path} ${JSON.stringify(headers)}: ${r.body}`);
        assert.match(JSON.parse(r.body).error, /more than one Authorization header/);
        assert.equal(r.headers.connection, 'close');
        refused += 1;
      }
    }
  }
  const after = await metric(fx.target, 'minirtc_rejected_total', 'reason="http_duplicate_authorization"');
  assert.equal(after - before, refused, 'every refusal counted');
  assert.equal((await rawRequest(fx.target.http, { method: 'GET', path: '/v1/admin/apps', headers: [admin] })).status, 200);
  await canaryUnharmed();
  await expectBaseline(fx.target, fx.base);
});

test('admin revoke: only 16 lower-case hex characters are a nonce; anything else is 400 and revokes nothing', { skip }, async () => {
  const bad = ['x', '0123456789ABCDEF', '0123456789abcdef0', '0123456789abcde', '%2e%2e', '..', 'zzzzzzzzzzzzzzzz',
    '0123456789abcde%20', '0123456789abcdeF', '%200123456789abcde', 'a'.repeat(6000), '0x0123456789abcd'];
  const before = await metric(fx.target, 'minirtc_rejected_total', 'reason="admin_bad_nonce"');
  for (let round = 0; round < 20; ++round) {
    for (const nonce of bad) {
      const r = await rawRequest(fx.target.http, { method: 'POST', path: `/v1/admin/urls/${nonce}/revoke`, headers: [admin] });
      assert.equal(r.status, 400, `${nonce.slice(0, 40)}: ${r.body}`);
      assert.match(JSON.parse(r.body).error, /nonce must be 16 lower-case hex characters/);
    }
  }
  const after = await metric(fx.target, 'minirtc_rejected_total', 'reason="admin_bad_nonce"');
  assert.equal(after - before, 20 * bad.length);
  const ok = await rawRequest(fx.target.http, { method: 'POST', path: '/v1/admin/urls/00000000deadbeef/revoke', headers: [admin] });
  assert.equal(ok.status, 200, ok.body);
  // Without the admin key, the same requests are 401 before anything is parsed.
  const anon = await rawRequest(fx.target.http, { method: 'POST', path: '/v1/admin/urls/x/revoke' });
  assert.equal(anon.status, 401);
  await canaryUnharmed();
  await expectBaseline(fx.target, fx.base);
});

test('methods a route does not serve: 405 with Allow, a flood of them on keep-alive connections', { skip }, async () => {
  const routes = [['/healthz', 'GET, HEAD'], ['/metrics', 'GET, HEAD'], [`/v1/config?appId=${APP.appId}`, 'GET'],
    ['/v1/report', 'POST'], ['/v1/dev/token', 'GET'], [`/live/${APP.appId}~${fx.canary.room}~alice~main.flv`, 'GET'],
    ['/v1/admin/apps', 'GET'], ['/v1/admin/urls/0123456789abcdef/revoke', 'POST']];
  const methods = ['BREW', 'PROPFIND', 'TRACE', 'DELETE', 'PUT', 'PATCH', 'LINK', 'M-SEARCH'];
  for (let round = 0; round < 10; ++round) {
    for (const [path, allow] of routes) {
      const requests = methods.filter((m) => !allow.split(', ').includes(m)).map((method) => ({ method, path, headers: [admin] }));
      const answers = await rawRequests(fx.target.http, requests);
      assert.equal(answers.length, requests.length, `${path}: every pipelined request answered`);
      for (const [i, a] of answers.entries()) {
        assert.equal(a.status, 405, `${requests[i].method} ${path}: ${a.body}`);
        assert.equal(a.headers.allow, allow, `${requests[i].method} ${path}`);
      }
    }
  }
  await canaryUnharmed();
  await expectBaseline(fx.target, fx.base);
});
