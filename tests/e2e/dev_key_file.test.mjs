// The development app's key file, <data-dir>/dev-app.toml (issue 10, item 5), against the real
// binary: written atomically with mode 0600 and no temporary file left, a failed write is an
// error at once (not a server running on keys the next start cannot read), a symbolic link at the
// path is refused (never followed), a file others may read is used with a warning, and a damaged
// or unreadable file is a clear error that leaves the file as it was (no silent new keys).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, statSync, symlinkSync, existsSync,
  chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binaryPath } from './lib/server.mjs';
import { run } from './lib/media.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server first';
const SERVE = ['serve', '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0'];

function freshDir() {
  const root = mkdtempSync(join(tmpdir(), 'minirtc-keyfile-'));
  const data = join(root, 'data');
  mkdirSync(data);
  return { root, data, file: join(data, 'dev-app.toml') };
}

/** `serve` that must refuse to start: {code, stderr}. A server that starts instead is killed. */
async function serveRefused(data, { shell } = {}) {
  const args = [...SERVE, '--data-dir', data];
  const r = shell ? await run('sh', ['-c', shell, BIN, ...args], { timeoutMs: 8000 })
    : await run(BIN, args, { timeoutMs: 8000 });
  assert.notEqual(r.signal, 'SIGKILL', `the server started instead of refusing: ${r.stdout}`);
  return r;
}

const VALID = '# dev\nid = "abcdefghij0123456789abcd"\nkey = "0123456789abcdef0123456789abcdef"\n';

test('created with mode 0600, whole, no temporary file left; a restart keeps the keys', { skip }, async () => {
  const d = freshDir();
  try {
    const first = await startServer({ dataDir: d.data });
    await first.stop();
    // the key file and no temporary beside it (the data dir also holds the databases and the
    // recordings directory, which are not this test's business)
    assert.deepEqual(readdirSync(d.data).filter((f) => f.startsWith('dev-app') || f.includes('tmp')), ['dev-app.toml']);
    assert.equal(statSync(d.file).mode & 0o777, 0o600);
    const text = readFileSync(d.file, 'utf8');
    assert.ok(text.includes(`id = "${first.devApp.appId}"`) && text.includes(`key = "${first.devApp.appKey}"`), text);
    const second = await startServer({ dataDir: d.data });
    await second.stop();
    assert.deepEqual(second.devApp, first.devApp);
    assert.doesNotMatch(second.logs(), /readable|mode/);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('a write that fails (file size limit: EFBIG) stops the start with the reason, leaves nothing behind', { skip }, async () => {
  const d = freshDir();
  try {
    // SIGXFSZ ignored, so the write returns EFBIG as on a full disk instead of killing the process.
    const r = await serveRefused(d.data, { shell: 'trap "" XFSZ; ulimit -f 0; exec "$0" "$@"' });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot write .*dev-app\.toml: File too large/);
    assert.deepEqual(readdirSync(d.data), [], 'no key file and no temporary file');
    // The next start (disk fixed) creates the file and keeps it.
    const s = await startServer({ dataDir: d.data });
    await s.stop();
    const again = await startServer({ dataDir: d.data });
    await again.stop();
    assert.deepEqual(again.devApp, s.devApp);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('a dangling symbolic link at the path is refused, not followed', { skip }, async () => {
  const d = freshDir();
  try {
    const elsewhere = join(d.root, 'elsewhere');
    mkdirSync(elsewhere);
    const target = join(elsewhere, 'planted.toml');
    symlinkSync(target, d.file);
    const r = await serveRefused(d.data);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /dev-app\.toml is a symbolic link: refusing to follow it/);
    assert.equal(existsSync(target), false, 'nothing written through the link');
    // `minirtc url` reads the same file the same way.
    const u = await run(BIN, ['url', 'play', '--data-dir', d.data, '--app-id', 'abcdefghij0123456789abcd',
      '--room', 'r', '--user', 'u', '--viewer', 'v']);
    assert.equal(u.code, 1);
    assert.match(u.stderr, /symbolic link/);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('a symbolic link to a valid key file is refused too', { skip }, async () => {
  const d = freshDir();
  try {
    const target = join(d.root, 'real.toml');
    writeFileSync(target, VALID, { mode: 0o600 });
    symlinkSync(target, d.file);
    const r = await serveRefused(d.data);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /symbolic link/);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('a key file others may read (0644) is used, with a warning', { skip }, async () => {
  const d = freshDir();
  try {
    writeFileSync(d.file, VALID);
    chmodSync(d.file, 0o644);
    const s = await startServer({ dataDir: d.data });
    await s.stop();
    assert.deepEqual(s.devApp, { appId: 'abcdefghij0123456789abcd', appKey: '0123456789abcdef0123456789abcdef' });
    assert.match(s.logs(), /warn.*dev-app\.toml has mode 644: others on this machine can read the development app's key \(chmod 600/);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('a damaged key file is a clear error and is left as it was', { skip }, async () => {
  for (const content of [VALID.slice(0, 40), VALID.slice(0, VALID.indexOf('key')), '', 'id = "short"\nkey = "k"\n']) {
    const d = freshDir();
    try {
      writeFileSync(d.file, content, { mode: 0o600 });
      const r = await serveRefused(d.data);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /dev-app\.toml is damaged \(.+\): it holds the development app's keys; repair it, or delete it/,
        JSON.stringify(content));
      assert.equal(readFileSync(d.file, 'utf8'), content, 'the file is not replaced');
    } finally { rmSync(d.root, { recursive: true, force: true }); }
  }
});

test('something that is not a regular file at the path is a clear error', { skip }, async () => {
  const d = freshDir();
  try {
    mkdirSync(d.file);
    const r = await serveRefused(d.data);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /dev-app\.toml is not a regular file/);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});
