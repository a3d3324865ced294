// The web console's end-to-end fixture: a real server with an admin key, SDK phones, ffmpeg, and
// Debian's chromium driven headless by playwright-core.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, binaryPath } from '../../e2e/lib/server.mjs';
import { Phone, SLOW } from '../../e2e/lib/sdk_phone.mjs';
import { makeToken } from '../../../examples/token/token.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Test artifacts (screenshots): build/console-test/, never committed. */
export const artifacts = join(root, 'build', 'console-test');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const skip = !binaryPath() ? 'MINIRTC_BIN not set or missing'
  : !existsSync(CHROMIUM) ? `no chromium at ${CHROMIUM} (apt-get install chromium)` : false;
export { SLOW };

export const ADMIN_KEY = 'console-test-admin-key-0123456789';

/** A server with one app and the admin key; phone(), token(), close(). */
export async function consoleServer(name, { adminKey = ADMIN_KEY } = {}) {
  const appId = `${name}console0123456789abcdefgh`.slice(0, 24);
  const appKey = `${name}-console-key`;
  const server = await startServer({ apps: [`${appId}:${appKey}`], extraArgs: adminKey ? ['--admin-key', adminKey] : [] });
  const phones = [];
  return {
    server, appId, appKey,
    token: (roomId, userId) => makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true }),
    async phone(roomId, userId) {
      const p = new Phone(server.httpUrl);
      phones.push(p);
      await p.join(appId, makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true }), roomId, userId);
      return p;
    },
    async close() {
      for (const p of phones) await p.destroy();
      await server.stop();
    },
  };
}

/** Headless chromium with autoplay allowed (the preview is muted anyway). */
export async function launchBrowser() {
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--autoplay-policy=no-user-gesture-required', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** Opens the console in a fresh page and signs in with `key`. */
export async function signIn(browser, httpUrl, key, { viewport = { width: 1280, height: 720 }, locale = 'en-US' } = {}) {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  page.setDefaultTimeout(20000 * SLOW);
  await page.goto(`${httpUrl}/console/`);
  await page.fill('#key', key);
  await page.click('#signin button[type=submit]');
  return { context, page };
}
