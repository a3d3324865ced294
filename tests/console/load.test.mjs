// The console loads within a second on loopback with 100 live rooms: from navigation to the
// overview listing all 100 (signed in already, the key in the tab's session storage). The best of
// three loads counts: the test machine runs many suites at once, and one slow load there says
// more about the machine than about the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { consoleServer, launchBrowser, skip, SLOW, ADMIN_KEY } from './lib/console_fixture.mjs';

const ROOMS = 100;
let fx; let browser;

before(async () => {
  if (skip) return;
  fx = await consoleServer('load');
  for (let i = 0; i < ROOMS; i += 10) {
    await Promise.all(Array.from({ length: 10 }, (_, j) => fx.phone(`load-${i + j}`, `user-${i + j}`)));
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await fx?.close();
});

test(`the overview with ${ROOMS} rooms loads in ≤ 1 s`, { skip }, async (t) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  await context.addInitScript(([key, n]) => {
    sessionStorage.setItem('minirtc.adminKey', key);
    new MutationObserver((_, obs) => {
      if ((document.querySelector('#rooms tbody')?.children.length ?? 0) >= n) {
        window.__listedAt = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  }, [ADMIN_KEY, ROOMS]);
  const page = await context.newPage();
  const times = [];
  try {
    for (let i = 0; i < 3; i++) {
      await page.goto(`${fx.server.httpUrl}/console/`);
      await page.waitForFunction(() => window.__listedAt !== undefined, null, { timeout: 20000 * SLOW });
      times.push(await page.evaluate(() => window.__listedAt));
    }
  } finally {
    await context.close();
  }
  const best = Math.min(...times);
  t.diagnostic(`loads: ${times.map(Math.round).join(', ')} ms`);
  assert.ok(best <= 1000 * SLOW, `best of ${times.map(Math.round).join(', ')} ms`);
});
