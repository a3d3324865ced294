// The token generators of examples/token (Node, Python) against the spec's test vectors
// (/work/shared/spec/access-token.md), and against `minirtc token` when MINIRTC_BIN names it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { encodeToken, makeToken } from '../../examples/token/token.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const mjs = join(root, 'examples', 'token', 'token.mjs');
const py = join(root, 'examples', 'token', 'token.py');

const APP_ID = '123456781234567812345678';
const APP_KEY = 'app key';
const V1 = '001123456781234567812345678QwBOYbwAAPFTZYBCVWUIAG5ldyByb29tCwBuZXcgdXNlciBpZAUAAACAQlVlAQCAQlVlAgCAQlVlAwCAQlVlBAAAAAAAIAAwaMlNx7wuFAZeU+ryTk9I6c1zYzH/444biG5fCw3VZA==';
const V2 = '001123456781234567812345678IgABAAAAAPFTZQAAAAAFAHJvb20xBQB1c2VyMQEABAAAAAAAIAA4sghRQ3p3XZjw15stt5pA+hvRT3LTDASCNzX1qpR0/g==';

// V1 grants publish until expireAt but subscribe forever, so it needs the explicit privilege map.
const V1_FIELDS = { appId: APP_ID, roomId: 'new room', userId: 'new user id', nonce: 12345678,
  issuedAt: 1700000000, expireAt: 1700086400, privileges: { 0: 1700086400, 4: 0 } };
// V2 is exactly what the command-line shape makes.
const V2_ARGS = ['--app-id', APP_ID, '--app-key', APP_KEY, '--room', 'room1', '--user', 'user1',
  '--expire', '0', '--subscribe', '--nonce', '1', '--issued-at', '1700000000'];

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' });

// Calls a function of token.py by path (the module name `token` is taken by Python's stdlib).
function python(call) {
  const code = `import importlib.util, sys
spec = importlib.util.spec_from_file_location("minirtc_token", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
print(${call})`;
  return run('python3', ['-c', code, py]).trim();
}

test('Node example reproduces V1 and V2', () => {
  assert.equal(encodeToken(V1_FIELDS, APP_KEY), V1);
  assert.equal(makeToken({ appId: APP_ID, appKey: APP_KEY, roomId: 'room1', userId: 'user1', expire: 0,
    subscribe: true, nonce: 1, issuedAt: 1700000000 }), V2);
  assert.equal(run('node', [mjs, ...V2_ARGS]), V2 + '\n');
});

test('Python example reproduces V1 and V2', () => {
  assert.equal(python(`m.encode_token("${APP_ID}", "${APP_KEY}", "new room", "new user id", 12345678,
    1700000000, 1700086400, {0: 1700086400, 4: 0})`), V1);
  assert.equal(python(`m.make_token("${APP_ID}", "${APP_KEY}", "room1", "user1", expire=0,
    subscribe=True, nonce=1, issued_at=1700000000)`), V2);
  assert.equal(run('python3', [py, ...V2_ARGS]), V2 + '\n');
});

const PARAMETER_SETS = [
  V2_ARGS,
  ['--app-id', 'abcdefABCDEF012345678901', '--app-key', 'secret', '--room', 'r1', '--user', 'alice',
    '--nonce', '4294967295', '--issued-at', '1700000000'],
  ['--app-id', APP_ID, '--app-key', 'k\u00e9y \u4e2d', '--room', '*', '--user', 'bob@example.com',
    '--expire', '3600', '--publish', '--nonce', '0', '--issued-at', '1'],
  ['--app-id', APP_ID, '--app-key', APP_KEY, '--room', 'room.with-all_chars@1', '--user', 'u',
    '--expire', '60', '--publish', '--subscribe', '--nonce', '77', '--issued-at', '1800000000'],
];

test('Node and Python examples agree on every parameter set', () => {
  for (const args of PARAMETER_SETS) assert.equal(run('node', [mjs, ...args]), run('python3', [py, ...args]));
});

test('minirtc token equals both examples', (t) => {
  const bin = process.env.MINIRTC_BIN;
  if (!bin || !existsSync(bin)) {
    t.skip('MINIRTC_BIN is unset or missing');
    return;
  }
  for (const args of PARAMETER_SETS) {
    const expected = run('node', [mjs, ...args]);
    assert.equal(run(bin, ['token', ...args]), expected, args.join(' '));
    assert.equal(run('python3', [py, ...args]), expected, args.join(' '));
  }
  assert.equal(run(bin, ['token', ...V2_ARGS]), V2 + '\n');
});
