// The package as its users get it: WeChat DevTools' "build npm" copies the directory named by the
// `miniprogram` field to miniprogram_npm/<name>/ and require('<name>') loads its index.js; Node
// loads it with require() and with an ES module named import; the README's links resolve.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { FakeWx, APP_ID, SERVER } from './lib/fake_wx.mjs';

const sdkDir = fileURLToPath(new URL('../../sdk/', import.meta.url));
const pkg = JSON.parse(readFileSync(join(sdkDir, 'package.json'), 'utf8'));

/**
 * A small model of the mini program module system: every file is a function of
 * (module, exports, require); require takes paths relative to the requiring file, and a bare
 * package name means miniprogram_npm/<name>/index.js.
 */
function miniProgramRequire(appDir, wx) {
  const cache = new Map();
  const sandbox = vm.createContext({ wx, setTimeout, clearTimeout, console, Date, JSON, Promise });
  const load = (file) => {
    if (cache.has(file)) return cache.get(file).exports;
    const module = { exports: {} };
    cache.set(file, module);
    const fn = vm.runInContext(`(function (module, exports, require) {\n${readFileSync(file, 'utf8')}\n})`, sandbox, { filename: file });
    fn(module, module.exports, (spec) => {
      let target = spec.startsWith('.') ? resolve(dirname(file), spec) : join(appDir, 'miniprogram_npm', spec, 'index.js');
      if (!target.endsWith('.js')) target += '.js';
      assert.ok(existsSync(target), `require('${spec}') from ${file}: ${target} does not exist`);
      return load(target);
    });
    return module.exports;
  };
  return load;
}

test('after "build npm", require(name) in a page loads the SDK and it joins', async () => {
  const app = mkdtempSync(join(tmpdir(), 'mp-build-npm-'));
  try {
    // what DevTools does: miniprogram_npm/<name>/ gets the content of the `miniprogram` directory
    assert.equal(typeof pkg.miniprogram, 'string');
    cpSync(join(sdkDir, pkg.miniprogram), join(app, 'miniprogram_npm', pkg.name), { recursive: true });
    assert.ok(existsSync(join(app, 'miniprogram_npm', pkg.name, 'index.js')), 'the miniprogram directory holds index.js');
    mkdirSync(join(app, 'pages', 'meeting'), { recursive: true });
    const page = join(app, 'pages', 'meeting', 'meeting.js');
    writeFileSync(page, `module.exports = require('${pkg.name}');`);
    const wx = new FakeWx();
    const sdk = miniProgramRequire(app, wx)(page);
    assert.equal(typeof sdk.Client, 'function');
    const client = new sdk.Client({ server: SERVER });
    await client.init(APP_ID);
    await client.join('t', 'room', 'me');
    assert.equal(client.state, 'connected');
    await client.destroy();
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
});

test('Node: require() and an ES module named import of the package both work', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sdk-node-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(sdkDir, join(dir, 'node_modules', pkg.name), 'dir');
    const esm = execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import { Client, EVENTS, ERROR_CODES, VERSION } from '${pkg.name}'; console.log(typeof Client, EVENTS.STREAM_ADDED, ERROR_CODES.NOT_IN_ROOM, VERSION)`],
      { cwd: dir, encoding: 'utf8' },
    );
    assert.equal(esm.trim(), `function STREAM_ADDED 100002 ${pkg.version}`);
    const cjs = execFileSync(process.execPath, ['-e', `const { Client } = require('${pkg.name}'); console.log(typeof Client)`], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(cjs.trim(), 'function');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('package.json: license, entry files listed in `files`, types', () => {
  assert.equal(typeof pkg.license, 'string');
  assert.ok(pkg.license.length > 0);
  for (const file of [pkg.main, pkg.types, join(pkg.miniprogram, 'index.js'), 'esm/index.mjs']) {
    assert.ok(existsSync(join(sdkDir, file)), `${file} exists`);
    assert.ok(pkg.files.some((f) => file === f || file.startsWith(`${f}/`)), `${file} is in files`);
  }
  // the miniprogram directory holds nothing a mini program cannot load
  for (const f of readdirSync(join(sdkDir, pkg.miniprogram))) assert.match(f, /\.js$/);
});

test('sdk/README.md: the require line both ways, links that resolve inside the repository', () => {
  const readme = readFileSync(join(sdkDir, 'README.md'), 'utf8');
  assert.ok(readme.includes(`require('${pkg.name}')`), 'build npm require line');
  assert.ok(readme.includes("require('../../lib/miniapp-rtc.min.js')"), 'copy into lib/ require line');
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((l) => !/^[a-z]+:/.test(l) && !l.startsWith('#'));
  assert.ok(links.length > 0);
  for (const link of links) {
    const target = resolve(sdkDir, link.split('#')[0]);
    assert.ok(existsSync(target), `link ${link} resolves (${target})`);
  }
});
