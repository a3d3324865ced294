// The built file as a mini program loads it: one script, run with module/exports/wx and the
// timer functions only (no Node globals, no require), ES2017.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { gzipSync } from 'node:zlib';
import { FakeWx, APP_ID, SERVER } from './lib/fake_wx.mjs';

const source = readFileSync(new URL('../../sdk/dist/miniapp-rtc.min.js', import.meta.url), 'utf8');

function loadLikeAMiniProgram(wx) {
  const module = { exports: {} };
  const sandbox = { module, exports: module.exports, wx, setTimeout, clearTimeout, console, Date, JSON, Promise };
  vm.createContext(sandbox);
  // The mini program runtime wraps each file in a function of (module, exports, require, ...).
  vm.runInContext(`(function (module, exports) {\n${source}\n})(module, exports);`, sandbox, {
    filename: 'miniapp-rtc.min.js',
  });
  return module.exports;
}

test('the bundle exports through module.exports in a bare sandbox', () => {
  const sdk = loadLikeAMiniProgram(new FakeWx());
  assert.equal(typeof sdk.Client, 'function');
  assert.equal(sdk.ERROR_CODES.NO_WEBSOCLET_URL, 200003);
  assert.equal(sdk.EVENTS.STREAM_ADDED, 'STREAM_ADDED');
  assert.match(sdk.VERSION, /^\d+\.\d+\.\d+/);
});

test('the bundle joins and publishes through the sandbox global wx', async () => {
  const wx = new FakeWx();
  const sdk = loadLikeAMiniProgram(wx);
  const client = new sdk.Client({ server: SERVER });
  await client.init(APP_ID);
  await client.join('t', 'room', 'me');
  assert.equal(client.state, 'connected');
  assert.match(await client.publish(), /^rtmp:/);
  await client.destroy();
  assert.equal(wx.openSockets.length, 0);
});

test('the bundle is one self-contained script: no require, no Node globals', () => {
  assert.ok(!/\brequire\(/.test(source), 'no require()');
  assert.ok(!/\bprocess\.|\bBuffer\b|\bglobalThis\b/.test(source), 'no Node-only globals');
  assert.ok(source.startsWith('/*! MiniRTC mini program SDK '));
});

test('the bundle uses no syntax newer than ES2017', () => {
  // Strip string literals first so that text inside messages does not count.
  const code = source.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
  assert.ok(!/\?\.[^\d]/.test(code), 'no optional chaining (ES2020)');
  assert.ok(!/\?\?/.test(code), 'no nullish coalescing (ES2020)');
  assert.ok(!/[{,]\s*\.\.\.[A-Za-z_$]/.test(code.replace(/\(\.\.\./g, '(')), 'no object spread (ES2018)');
  assert.ok(!/\bcatch\s*\{/.test(code), 'no optional catch binding (ES2019)');
  assert.ok(!/#[A-Za-z_$][\w$]*\s*[=;(]/.test(code), 'no private fields (ES2022)');
  assert.ok(!/\bstatic\s*\{/.test(code), 'no static blocks (ES2022)');
});

test('the bundle is at most 30 KB minified and 10 KB gzipped (issue 12 figures)', () => {
  const bytes = Buffer.byteLength(source);
  const gzipped = gzipSync(source, { level: 9 }).length;
  assert.ok(bytes <= 30 * 1024, `minified ${bytes} bytes`);
  assert.ok(gzipped <= 10 * 1024, `gzipped ${gzipped} bytes`);
});
