// A simulated phone for the SDK end-to-end tests: the BUILT SDK (sdk/dist/miniapp-rtc.min.js)
// with its own `wx` stand-in, every SDK event recorded.
import { createRequire } from 'node:module';
import { before, after } from 'node:test';
import { startServer, binaryPath } from './server.mjs';
import { makeToken } from '../../../examples/token/token.mjs';
import { createWx } from './wx_standin.mjs';
import { waitFor } from './media.mjs';

const require = createRequire(import.meta.url);
/** The shipped bundle, loaded the way a mini program's require() loads it. */
export const sdk = require('../../../sdk/dist/miniapp-rtc.min.js');
export const { Client, EVENTS, ERROR_CODES } = sdk;

/** Under the sanitizers the server is several times slower. */
export const SLOW = process.env.MINIRTC_SANITIZED ? 3 : 1;

export class Phone {
  /**
   * @param {string} server base URL, e.g. server.httpUrl
   * @param {object} [clientOptions]
   */
  constructor(server, clientOptions = {}) {
    this.server = server;
    this.wx = createWx();
    this.clientOptions = clientOptions;
    this.events = [];
    this.client = this.newClient();
  }

  /** A new Client on this phone (after destroy), listeners recording into this.events. */
  newClient() {
    const client = new Client({ server: this.server, wx: this.wx, signalingTimeout: 3000 * SLOW, ...this.clientOptions });
    for (const name of Object.values(EVENTS)) client.on(name, (payload) => this.events.push({ name, payload }));
    this.client = client;
    return client;
  }

  /** init + join; resolves with the userId. */
  async join(appId, token, roomId, userId) {
    await this.client.init(appId);
    return this.client.join(token, roomId, userId);
  }

  /** Payloads of one event, in order. */
  named(name) {
    return this.events.filter((e) => e.name === name).map((e) => e.payload);
  }

  /** Waits for an event whose payload matches `pred`; returns the payload. */
  async waitEvent(name, pred = () => true, timeoutMs = 10000 * SLOW) {
    await waitFor(() => this.named(name).some((p) => pred(p || {})), { timeoutMs, what: `${name} event` });
    return this.named(name).find((p) => pred(p || {}));
  }

  /** Sockets of this phone that are still connecting or open. */
  openSockets() {
    return this.wx.openSockets();
  }

  async destroy() {
    await this.client.destroy().catch(() => {});
  }
}

/**
 * One real server per SDK end-to-end test file: registers the file's before/after hooks and
 * returns what its tests use. `name` keeps AppIds (24 characters) and rooms distinct per file.
 */
export function sdkTestServer(name) {
  const appId = `${name}test0123456789abcdefghijklmnop`.slice(0, 24);
  const appKey = `${name}-test-key`;
  let seq = 0;
  const fx = {
    appId,
    appKey,
    server: null,
    phones: [],
    skip: binaryPath() ? false : 'MINIRTC_BIN not set or missing: build the server (build/release/minirtc) and set MINIRTC_BIN',
    newRoom: () => `${name}-${process.pid}-${++seq}`,
    token: (roomId, userId, opts = {}) =>
      makeToken({ appId, appKey, roomId, userId, publish: true, subscribe: true, ...opts }),
    phone: () => {
      const p = new Phone(fx.server.httpUrl);
      fx.phones.push(p);
      return p;
    },
  };
  before(async () => {
    if (!fx.skip) fx.server = await startServer({ apps: [`${appId}:${appKey}`] });
  });
  after(async () => {
    for (const p of fx.phones) await p.destroy();
    if (fx.server) await fx.server.stop();
  });
  return fx;
}
