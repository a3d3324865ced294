// The SDK under test: the sources by default, the built bundle with SDK_UNDER_TEST=dist
// (check:sdk runs the whole suite both ways, so the shipped file is what passes).

import { after } from 'node:test';
import { createRequire } from 'node:module';
import { FakeWx, APP_ID, SERVER } from './fake_wx.mjs';

const require = createRequire(import.meta.url);

export const underTest = process.env.SDK_UNDER_TEST === 'dist' ? 'dist' : 'src';

/** @type {{Client: any, EVENTS: Record<string, string>, ERROR_CODES: Record<string, number>, VERSION: string}} */
export const sdk =
  underTest === 'dist'
    ? require('../../../sdk/dist/miniapp-rtc.min.js')
    : await import('../../../sdk/src/index.js');

export const { Client, EVENTS, ERROR_CODES } = sdk;

const live = new Set();
// Joined clients keep a heartbeat timer; destroy them all so the test process can end.
after(async () => {
  for (const client of live) await client.destroy().catch(() => {});
});

/**
 * A Client (on the FakeWx given in options.wx) that is destroyed when the test file ends.
 * @param {object} options
 */
export function newClient(options) {
  const client = new Client(options);
  live.add(client);
  return client;
}

/**
 * A client on a fresh FakeWx, initialised (and joined unless join: false).
 * @param {object} [o]
 * @param {object} [o.wx] a FakeWx, or options for a new one
 * @param {object} [o.client] extra Client options
 * @param {boolean} [o.join]
 */
export async function setup(o = {}) {
  const wx = o.wx instanceof FakeWx ? o.wx : new FakeWx(o.wx);
  const client = newClient(Object.assign({ server: SERVER, wx, signalingTimeout: 200 }, o.client || {}));
  await client.init(APP_ID);
  if (o.join !== false) await client.join('token-1', 'room', 'me');
  return { wx, client };
}

/** Records every SDK event a client emits, in order. */
export function record(client) {
  const events = [];
  for (const name of Object.values(EVENTS)) client.on(name, (payload) => events.push([name, payload]));
  return events;
}

/**
 * Asserts that a promise rejects with the given SDK error code and returns the error.
 * @param {Promise<unknown>} promise
 * @param {number} code
 */
export async function rejectsWith(promise, code) {
  try {
    await promise;
  } catch (err) {
    if (!err || err.code !== code || typeof err.reason !== 'string') {
      throw new Error(`expected rejection with code ${code}, got ${JSON.stringify(err)}`);
    }
    return err;
  }
  throw new Error(`expected rejection with code ${code}, but it resolved`);
}
