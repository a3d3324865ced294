// The development app's key file, <data-dir>/dev-app.toml (issue 10, item 5), against the real
// binary: written atomically with mode 0600 and no temporary file left, a failed write is an
// error at once (not a server running on keys the next start cannot read), a symbolic link at the
// path is refused (never followed), a file others may read is used with a warning, and a damaged
// or unreadable file is a clear error that leaves the file as it was (no silent new keys).
// The development admin key (no admin key configured, same embedded default): kept in the same
// file the same way, added to a file from before it existed, never made when an admin key is
// configured or apps are (production: no admin key, admin API off).
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

/** Status of GET /v1/admin/apps with `key` (null: no Authorization header). */
async function adminStatus(server, key) {
  const res = await fetch(`${server.httpUrl}/v1/admin/apps`, key == null ? {} : { headers: { Authorization: `Bearer ${key}` } });
  await res.arrayBuffer();
  return res.status;
}

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
    // The development admin key: printed with the console's URL, kept in the same file.
    assert.ok(first.devConsole, `a console line on stdout: ${first.stdout()}`);
    assert.match(first.devConsole.adminKey, /^[0-9a-f]{48}$/);
    assert.equal(first.devConsole.url, `${first.httpUrl}/console/`);
    assert.match(first.stdout(), /adminKey=\S+ \(kept in .*dev-app\.toml\)\n/);
    assert.ok(text.includes(`admin_key = "${first.devConsole.adminKey}"`), text);
    assert.ok(!first.logs().includes(first.devConsole.adminKey), 'the admin key is not in the log');
    assert.match(first.logs(), /warn.*development admin key \(in .*dev-app\.toml\)/);
    const second = await startServer({ dataDir: d.data });
    try {
      assert.equal(await adminStatus(second, second.devConsole.adminKey), 200);
      assert.equal(await adminStatus(second, 'not-the-key'), 401);
      assert.equal(await adminStatus(second, null), 401);
    } finally { await second.stop(); }
    assert.deepEqual(second.devApp, first.devApp);
    assert.equal(second.devConsole.adminKey, first.devConsole.adminKey, 'a restart keeps the admin key');
    assert.equal(readFileSync(d.file, 'utf8'), text, 'a restart does not rewrite the file');
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

test('a key file from before the admin key gets one added: its text kept, mode 0600, no temporary left', { skip }, async () => {
  const d = freshDir();
  try {
    writeFileSync(d.file, VALID.trimEnd(), { mode: 0o644 });  // no final newline, others may read
    const s = await startServer({ dataDir: d.data });
    try {
      assert.deepEqual(s.devApp, { appId: 'abcdefghij0123456789abcd', appKey: '0123456789abcdef0123456789abcdef' });
      assert.ok(s.devConsole, s.stdout());
      assert.equal(await adminStatus(s, s.devConsole.adminKey), 200);
    } finally { await s.stop(); }
    const text = readFileSync(d.file, 'utf8');
    assert.ok(text.startsWith(`${VALID}# The development admin key`), text);
    assert.ok(text.endsWith(`admin_key = "${s.devConsole.adminKey}"\n`), text);
    assert.equal(statSync(d.file).mode & 0o777, 0o600, 'rewritten with mode 0600');
    assert.deepEqual(readdirSync(d.data).filter((f) => f.startsWith('dev-app') || f.includes('tmp')), ['dev-app.toml']);
    const again = await startServer({ dataDir: d.data });
    await again.stop();
    assert.equal(again.devConsole.adminKey, s.devConsole.adminKey);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('an admin key configured (flag or file) is the only one: none made, a kept one unused', { skip }, async () => {
  const d = freshDir();
  try {
    const flagged = await startServer({ dataDir: d.data, extraArgs: ['--admin-key', 'configured-admin-key'] });
    try {
      assert.ok(flagged.devApp, 'still the embedded default');
      assert.equal(flagged.devConsole, null, flagged.stdout());
      assert.equal(await adminStatus(flagged, 'configured-admin-key'), 200);
    } finally { await flagged.stop(); }
    assert.doesNotMatch(readFileSync(d.file, 'utf8'), /admin_key/, 'no development admin key made');

    // A file that has one (an earlier start without a key): the configured key wins, the file's
    // key opens nothing.
    const plain = await startServer({ dataDir: d.data });
    await plain.stop();
    const kept = plain.devConsole.adminKey;
    const config = join(d.root, 'minirtc.toml');
    writeFileSync(config, '[server]\nadmin_key = "from-the-config-file"\n');
    const filed = await startServer({ dataDir: d.data, extraArgs: ['--config', config] });
    try {
      assert.equal(filed.devConsole, null);
      assert.equal(await adminStatus(filed, 'from-the-config-file'), 200);
      assert.equal(await adminStatus(filed, kept), 401);
    } finally { await filed.stop(); }
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('production (apps configured, no admin key): no admin key, admin API off, no key file', { skip }, async () => {
  const d = freshDir();
  try {
    const s = await startServer({ dataDir: d.data, apps: ['prodapp0123456789abcdefg:prod-key'] });
    try {
      assert.equal(s.devApp, null);
      assert.equal(s.devConsole, null);
      assert.doesNotMatch(s.stdout(), /console:/);
      assert.equal(await adminStatus(s, null), 404);
      assert.equal(await adminStatus(s, 'anything'), 404);
    } finally { await s.stop(); }
    assert.equal(existsSync(d.file), false);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('url and token read the key file and never add an admin key to it', { skip }, async () => {
  const d = freshDir();
  try {
    writeFileSync(d.file, VALID, { mode: 0o600 });
    const u = await run(BIN, ['url', 'play', '--data-dir', d.data, '--app-id', 'abcdefghij0123456789abcd',
      '--room', 'r', '--user', 'u', '--viewer', 'v']);
    assert.equal(u.code, 0, u.stderr);
    const t = await run(BIN, ['token', '--data-dir', d.data, '--app-id', 'abcdefghij0123456789abcd', '--room', 'r', '--user', 'u']);
    assert.equal(t.code, 0, t.stderr);
    assert.equal(readFileSync(d.file, 'utf8'), VALID);
  } finally { rmSync(d.root, { recursive: true, force: true }); }
});

test('a damaged admin_key, or a file whose end is inside a table, is an error and the file stays', { skip }, async () => {
  const cases = [
    [`${VALID}admin_key = ""\n`, /dev-app\.toml is damaged \(admin_key is not a non-empty string\)/],
    [`${VALID}admin_key = 42\n`, /dev-app\.toml is damaged \(admin_key is not a non-empty string\)/],
    [`${VALID}[notes]\ntext = "mine"\n`, /cannot add the development admin key to .*dev-app\.toml: the file does not end at its top level/],
  ];
  for (const [content, why] of cases) {
    const d = freshDir();
    try {
      writeFileSync(d.file, content, { mode: 0o600 });
      const r = await serveRefused(d.data);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, why, JSON.stringify(content));
      assert.equal(readFileSync(d.file, 'utf8'), content, 'the file is not replaced');
      assert.deepEqual(readdirSync(d.data).filter((f) => f.startsWith('.') || f.includes('tmp')), []);
    } finally { rmSync(d.root, { recursive: true, force: true }); }
  }
});
