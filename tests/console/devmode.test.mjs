// The console from `make run`: the server started as that target starts it (`minirtc serve` with
// no configuration, in a fresh directory, so its data is ./data) prints the console's URL and a
// development admin key, keeps the key in data/dev-app.toml, and the console signs in with the key
// read from that file: overview with the development app and its banner, the admin API open to
// that key only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../e2e/lib/server.mjs';
import { launchBrowser, skip } from './lib/console_fixture.mjs';

let cwd; let server; let browser;

before(async () => {
  if (skip) return;
  cwd = mkdtempSync(join(tmpdir(), 'minirtc-makerun-'));
  server = await startServer({ cwd });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

test('make run: the printed console URL, the key from data/dev-app.toml, signed in', { skip }, async () => {
  assert.ok(server.devApp, server.stdout());
  assert.ok(server.devConsole, `a console line: ${server.stdout()}`);
  assert.equal(server.devConsole.url, `${server.httpUrl}/console/`);
  assert.match(server.stdout(), /adminKey=\S+ \(kept in data\/dev-app\.toml\)/);
  const file = join(cwd, 'data', 'dev-app.toml');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const key = readFileSync(file, 'utf8').match(/^admin_key = "([^"]+)"$/m)?.[1];
  assert.equal(key, server.devConsole.adminKey, 'the file holds the printed key');

  const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: 'en-US' });
  try {
    const page = await context.newPage();
    await page.goto(server.devConsole.url);
    await page.locator('#signin').waitFor();
    assert.match(await page.textContent('#signin'), /data\/dev-app\.toml/, 'the sign-in page says where the key is');
    await page.fill('#key', 'not-the-key');
    await page.click('#signin button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#signin-error')?.textContent.length > 0);
    assert.match(await page.textContent('#signin-error'), /wrong admin key/i);

    await page.fill('#key', key);
    await page.click('#signin button[type=submit]');
    const app = page.locator(`#apps tr[data-key="${server.devApp.appId}"]`);
    await app.waitFor();
    assert.match(await app.textContent(), /development/);
    assert.match(await page.textContent('#banner'), new RegExp(`development app ${server.devApp.appId}`));
    await page.locator('#live[data-state=live]').waitFor();
  } finally {
    await context.close();
  }
});
