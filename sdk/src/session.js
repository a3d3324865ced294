// The session and its connection: config over wx.request, the signalling socket, join, the
// heartbeat, and resuming the session on a new socket when one drops (docs/protocol.md §3, §4).
//
// Contract: one Session object per join() attempt; once ended it stays ended, so a late result
// of an old session can be told from the current one by identity (client._session !== session).
// It knows nothing of publications or subscriptions: it hands notifications and the resume reply
// to its owner (hooks) and reports how it ended. What the server thinks lives in room_state.js,
// the API in client.js.

import { SignalConnection, errMsg } from './connection.js';
import { logError } from './emitter.js';
import { ERROR_CODES, fromServerError, isRtcError, rtcError } from './errors.js';

/** Close code this side uses when it gives up on a socket that stopped answering. */
const CLOSE_UNRESPONSIVE = 4000;

/** Redirects a join follows (cluster nodes naming the room's node) before it gives up. */
const MAX_REDIRECTS = 3;

/**
 * The node a join reply sends this client to (docs/protocol.md §4.4), or null.
 * @param {import('./connection.js').RpcReply} reply
 * @returns {{url: string, reportUrl: string} | null}
 */
export function redirectOf(reply) {
  const data = reply && reply.error && typeof reply.error === 'object' ? reply.error.data : null;
  if (!data || typeof data !== 'object' || typeof data.redirect !== 'string') return null;
  if (!/^wss?:\/\//.test(data.redirect)) return null;
  return { url: data.redirect, reportUrl: typeof data.reportUrl === 'string' ? data.reportUrl : '' };
}

/**
 * @param {unknown} value
 * @param {number} fallback
 * @returns {number}
 */
export function positiveOr(value, fallback) {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * wx.request as a promise, with a timeout of its own in case the runtime ignores `timeout`.
 * While it runs, `cancels` holds a function that ends it (rejects, timer cleared).
 * @param {import('./connection.js').WxLike} wxApi
 * @param {{url: string, method: string, data?: string}} opts
 * @param {number} timeout ms
 * @param {Set<() => void>} cancels
 * @returns {Promise<{statusCode: number, data: any}>}
 */
export function request(wxApi, opts, timeout, cancels) {
  return new Promise((resolve, reject) => {
    let done = false;
    /** @param {() => void} fn */
    const once = (fn) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cancels.delete(cancel);
      fn();
    };
    const cancel = () => once(() => reject(new Error('cancelled')));
    const timer = setTimeout(() => once(() => reject(new Error(`no answer within ${timeout} ms`))), timeout);
    cancels.add(cancel);
    try {
      wxApi.request({
        url: opts.url,
        method: opts.method,
        data: opts.data,
        header: opts.data !== undefined ? { 'content-type': 'application/json' } : {},
        dataType: 'json',
        timeout,
        success: (/** @type {any} */ res) => once(() => resolve({ statusCode: res && res.statusCode, data: res && res.data })),
        fail: (/** @type {any} */ err) => once(() => reject(err)),
      });
    } catch (err) {
      once(() => reject(err));
    }
  });
}

/**
 * GET /v1/config (docs/protocol.md §3).
 * @param {import('./connection.js').WxLike} wxApi
 * @param {string} server
 * @param {string} appId
 * @param {number} timeout
 * @param {Set<() => void>} cancels
 * @returns {Promise<{signalUrls: string[], reportUrl: string}>}
 */
async function fetchConfig(wxApi, server, appId, timeout, cancels) {
  const url = `${server}/v1/config?appId=${encodeURIComponent(appId)}`;
  let res;
  try {
    res = await request(wxApi, { url, method: 'GET' }, timeout, cancels);
  } catch (err) {
    throw rtcError(ERROR_CODES.GET_CONFIG_ERROR, `config request failed: ${errMsg(err)}`);
  }
  let data = res.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch (_) {
      data = null;
    }
  }
  if (res.statusCode !== 200 || !data || typeof data !== 'object') {
    const why = data && typeof data === 'object' && typeof data.error === 'string' ? `: ${data.error}` : '';
    throw rtcError(ERROR_CODES.GET_CONFIG_ERROR, `config request answered ${res.statusCode}${why}`);
  }
  const signalUrls = Array.isArray(data.signalUrls)
    ? data.signalUrls.filter((/** @type {unknown} */ u) => typeof u === 'string' && u.length > 0)
    : [];
  if (signalUrls.length === 0) throw rtcError(ERROR_CODES.NO_WEBSOCKET_URL, 'the config lists no signalling URL');
  return { signalUrls, reportUrl: typeof data.reportUrl === 'string' ? data.reportUrl : '' };
}

/**
 * Opens a socket to the first signalling URL that answers. While one opens, `cancels` holds a
 * function that closes it.
 * @param {import('./connection.js').WxLike} wxApi
 * @param {string[]} urls
 * @param {number} timeoutMs per URL
 * @param {Set<() => void>} cancels
 * @returns {Promise<SignalConnection>}
 */
async function connect(wxApi, urls, timeoutMs, cancels) {
  let lastError = rtcError(ERROR_CODES.WEBSOCKET_FAILED, 'no signalling URL');
  for (const url of urls) {
    const conn = new SignalConnection(wxApi, url);
    const cancel = () => conn.close();
    cancels.add(cancel);
    try {
      await conn.open(timeoutMs);
      cancels.delete(cancel);
      return conn;
    } catch (err) {
      cancels.delete(cancel);
      lastError = isRtcError(err) ? err : rtcError(ERROR_CODES.WEBSOCKET_FAILED, errMsg(err));
    }
  }
  throw lastError;
}

/**
 * @typedef {object} SessionHooks
 * @property {(method: string, params: any) => void} notification a server notification
 * @property {(reason: string) => void} socketError the socket reported an error while joined
 * @property {() => void} reconnecting the socket dropped; the session is being resumed
 * @property {() => void} resuming a resume request is about to be sent on a new socket
 * @property {(result: any) => Promise<void>} resumed the server gave the session back: called
 *   synchronously as the reply arrives (the session is connected by then); the promise it
 *   returns covers the work after (it may call rpc())
 * @property {(code: number, reason: string) => void} lost the session ended without leave():
 *   `code` is the close code of the socket that dropped
 */

/**
 * @typedef {object} SessionOptions
 * @property {number} signalingTimeout
 * @property {number} requestTimeout
 * @property {boolean} resume
 */

export class Session {
  /**
   * @param {import('./connection.js').WxLike} wxApi
   * @param {SessionOptions} opts
   * @param {SessionHooks} hooks
   */
  constructor(wxApi, opts, hooks) {
    this._wx = wxApi;
    this._opts = opts;
    this._hooks = hooks;
    /** @type {'connecting' | 'connected' | 'reconnecting' | 'ended'} */
    this.state = 'connecting';
    /** @type {SignalConnection | null} */
    this._conn = null;
    this.sessionToken = '';
    this.userId = '';
    this.roomId = '';
    this.reportUrl = '';
    this.pingInterval = 10000;
    this.resumeWindow = 0;
    /** @type {string[]} */
    this._signalUrls = [];
    /** @type {any} */
    this._pingTimer = null;
    /** @type {{resolve: () => void, reject: (e: any) => void}[]} */
    this._resumeWaiters = [];
    this._leaving = false;
    /** Ends what is under way outside a request: the config request, an opening socket, a back-off. */
    /** @type {Set<() => void>} */
    this._cancels = new Set();
  }

  /**
   * Config, socket, join request. Rejects with the SDK error; the session is then ended.
   * @param {string} server
   * @param {Record<string, unknown>} params the join request's params
   * @returns {Promise<void>}
   */
  async join(server, params) {
    try {
      const config = await fetchConfig(this._wx, server, String(params.appId), this._opts.requestTimeout, this._cancels);
      this._live();
      let signalUrls = config.signalUrls;
      let reportUrl = config.reportUrl;
      let reply;
      for (let hops = 0; ; hops++) {
        const conn = await connect(this._wx, signalUrls, this._opts.signalingTimeout, this._cancels);
        if (this.state === 'ended') {
          conn.close();
          this._live();
        }
        this._attach(conn);
        try {
          reply = await conn.call('join', params, this._opts.signalingTimeout);
        } catch (err) {
          this._live();
          if (isRtcError(err) && err.code === ERROR_CODES.WEBSOCKET_NOT_CONNECTED) {
            throw rtcError(ERROR_CODES.WEBSOCKET_FAILED, `join: ${err.reason}`);
          }
          throw err;
        }
        this._live();
        const redirect = redirectOf(reply);
        if (!redirect || hops >= MAX_REDIRECTS) break;
        // A cluster node that does not hold the room names the one that does (docs/protocol.md
        // §4.4): join there, without telling the app. Resumes go there first too.
        this._conn = null;
        conn.close(1000, 'redirected');
        signalUrls = [redirect.url].concat(config.signalUrls.filter((u) => u !== redirect.url));
        if (redirect.reportUrl) reportUrl = redirect.reportUrl;
      }
      if (reply.error) throw fromServerError(reply.error, ERROR_CODES.JOIN_ROOM_ERROR);
      const result = reply.result || {};
      if (typeof result.sessionToken !== 'string' || !result.sessionToken) {
        throw rtcError(ERROR_CODES.JOIN_ROOM_ERROR, 'join: the server sent no sessionToken');
      }
      this.sessionToken = result.sessionToken;
      this.roomId = String(params.roomId);
      this.userId = String(params.userId);
      this.pingInterval = positiveOr(result.pingInterval, 10000);
      this.resumeWindow = positiveOr(result.resumeWindow, 0);
      this._signalUrls = signalUrls;
      this.reportUrl = reportUrl;
      this.state = 'connected';
      this._startHeartbeat();
    } catch (err) {
      const cancelled = this.state === 'ended';
      this.end();
      // leave()/destroy() during join: whatever was under way failed because of it
      if (cancelled) this._live();
      throw err;
    }
  }

  /** Throws when the session ended meanwhile (leave/destroy during join). */
  _live() {
    if (this.state === 'ended') throw rtcError(ERROR_CODES.JOIN_ROOM_ERROR, 'join cancelled by leave()');
  }

  /**
   * Sends a request. While the session is being resumed the request waits for it (within the
   * same timeout). Rejects with the server's error (failCode when it carries no SDK code),
   * SIGNALING_TIMEOUT, WEBSOCKET_NOT_CONNECTED, or NOT_IN_ROOM once the session ended.
   * @param {string} method
   * @param {object} params
   * @param {number} failCode
   * @param {(reply: import('./connection.js').RpcReply | null) => void} [onReply] called
   *   synchronously with the reply, in order with the notifications (null: no reply will come)
   * @returns {Promise<any>} the result object
   */
  async rpc(method, params, failCode, onReply) {
    const timeout = this._opts.signalingTimeout;
    const started = Date.now();
    if (this.state === 'reconnecting') await this._whenResumed(timeout);
    const conn = this._conn;
    if (!conn || (this.state !== 'connected' && !this._leaving)) {
      throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${method}: not in a room`);
    }
    const remaining = Math.max(1, timeout - (Date.now() - started));
    const reply = await conn.call(method, params, remaining, onReply);
    if (reply.error) throw fromServerError(reply.error, failCode);
    return reply.result && typeof reply.result === 'object' ? reply.result : {};
  }

  /**
   * Sends leave and ends the session whatever the answer.
   * @returns {Promise<void>}
   */
  async leave() {
    this._leaving = true;
    this._stopHeartbeat();
    try {
      await this.rpc('leave', {}, ERROR_CODES.LEAVE_ERROR);
    } finally {
      this.end();
    }
  }

  /** Ends the session locally: socket closed (1000), timers stopped, waiting requests failed. */
  end() {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this._stopHeartbeat();
    const conn = this._conn;
    this._conn = null;
    if (conn) conn.close(1000, 'leave');
    for (const cancel of Array.from(this._cancels)) cancel();
    this._cancels.clear();
    for (const w of this._resumeWaiters.splice(0)) w.reject(rtcError(ERROR_CODES.WEBSOCKET_NOT_CONNECTED, 'the session ended'));
  }

  /**
   * @param {number} timeout
   * @returns {Promise<void>}
   */
  _whenResumed(timeout) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this._resumeWaiters.indexOf(waiter);
        if (i >= 0) this._resumeWaiters.splice(i, 1);
        reject(rtcError(ERROR_CODES.SIGNALING_TIMEOUT, `reconnecting: not back within ${timeout} ms`));
      }, timeout);
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        /** @param {any} e */
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this._resumeWaiters.push(waiter);
    });
  }

  /**
   * Makes `conn` the session's socket and routes its events while it stays so.
   * @param {SignalConnection} conn
   */
  _attach(conn) {
    this._conn = conn;
    conn.onNotification = (method, params) => {
      if (this._conn !== conn) return;
      try {
        this._hooks.notification(method, params);
      } catch (err) {
        logError(`notification ${method}`, err);
      }
    };
    conn.onClosed = (ev) => {
      if (this._conn === conn) this._onSocketLost(ev.code, ev.reason || 'signalling socket closed');
    };
    conn.onSocketError = (reason) => {
      if (this._conn === conn && this.state === 'connected') this._hooks.socketError(reason);
    };
  }

  _startHeartbeat() {
    this._stopHeartbeat();
    const conn = this._conn;
    if (!conn) return;
    this._pingTimer = setTimeout(() => {
      this._pingTimer = null;
      if (this._conn !== conn || this.state !== 'connected') return;
      conn.call('ping', {}, this._opts.signalingTimeout).then(
        () => {
          if (this._conn === conn && this.state === 'connected') this._startHeartbeat();
        },
        (err) => {
          if (this._conn !== conn || this.state !== 'connected') return;
          // No answer in time: the socket is dead even if it has not noticed yet.
          conn.close(CLOSE_UNRESPONSIVE, 'heartbeat timeout');
          this._onSocketLost(1006, `heartbeat: ${err && err.reason ? err.reason : 'failed'}`);
        },
      );
    }, this.pingInterval);
  }

  _stopHeartbeat() {
    if (this._pingTimer !== null) {
      clearTimeout(this._pingTimer);
      this._pingTimer = null;
    }
  }

  /**
   * The socket of a joined (or joining) session ended without leave().
   * @param {number} code
   * @param {string} reason
   */
  _onSocketLost(code, reason) {
    if (this._leaving || this.state === 'ended') return;
    if (this.state === 'connecting') {
      // join() is waiting for its reply and fails by itself (WEBSOCKET_FAILED).
      this._conn = null;
      return;
    }
    if (this.state !== 'connected') return;
    if (this._opts.resume && this.resumeWindow > 0) {
      this._resume(code, reason).catch((err) => logError('resume', err));
    } else {
      this._lost(code, reason);
    }
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  _lost(code, reason) {
    this.end();
    this._hooks.lost(code, reason);
  }

  /**
   * Gets the session back on a new socket within the server's resume window. Lost when that fails.
   * @param {number} code close code of the lost socket
   * @param {string} reason
   */
  async _resume(code, reason) {
    this._stopHeartbeat();
    this._conn = null;
    this.state = 'reconnecting';
    this._hooks.reconnecting();
    const deadline = Date.now() + this.resumeWindow;
    let delay = 100;
    while (this.state === 'reconnecting' && Date.now() < deadline) {
      const timeout = Math.max(1, Math.min(this._opts.signalingTimeout, deadline - Date.now()));
      /** @type {SignalConnection | null} */
      let conn = null;
      try {
        conn = await connect(this._wx, this._signalUrls, timeout, this._cancels);
        if (this.state !== 'reconnecting') {
          conn.close();
          return;
        }
        this._attach(conn);
        this._hooks.resuming();
        /** @type {Promise<void> | null} */
        let settled = null;
        // Applied as the reply arrives, before any message after it (docs/protocol.md §4.2).
        const onReply = (/** @type {import('./connection.js').RpcReply | null} */ r) => {
          if (!r || !r.result || this.state !== 'reconnecting' || this._conn !== conn) return;
          const result = r.result;
          if (typeof result.sessionToken === 'string' && result.sessionToken) this.sessionToken = result.sessionToken;
          this.pingInterval = positiveOr(result.pingInterval, this.pingInterval);
          if (typeof result.resumeWindow === 'number') this.resumeWindow = Math.max(0, result.resumeWindow);
          this.state = 'connected';
          settled = this._hooks.resumed(result);
          for (const w of this._resumeWaiters.splice(0)) w.resolve();
        };
        const reply = await conn.call('resume', { sessionToken: this.sessionToken }, timeout, onReply);
        if (settled) {
          await settled;
          if (this._conn === conn && this.state === 'connected') this._startHeartbeat();
          return;
        }
        if (this.state !== 'reconnecting') return;
        if (reply.error) {
          // The server no longer has the session: no point trying again.
          const why = typeof reply.error.message === 'string' ? reply.error.message : 'refused';
          this._lost(code, `${reason}; resume refused: ${why}`);
          return;
        }
      } catch (err) {
        if (this.state !== 'reconnecting') return;
        if (conn) conn.close();
        this._conn = null;
      }
      const wait = Math.min(delay, Math.max(0, deadline - Date.now()));
      delay = Math.min(delay * 2, 2000);
      if (wait > 0) await this._sleep(wait);
    }
    if (this.state === 'reconnecting') this._lost(code, reason);
  }

  /**
   * A back-off pause that end() cuts short.
   * @param {number} ms
   * @returns {Promise<void>}
   */
  _sleep(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this._cancels.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this._cancels.add(done);
    });
  }

  /**
   * The server sends its peerOnline/streamAdded burst before it reads the next request, so the
   * reply to a ping marks the end of the burst. A ping without a reply is sent again while the
   * socket stays.
   * @returns {Promise<boolean>} whether the end of the burst was seen on the current socket
   */
  async afterBurst() {
    const conn = this._conn;
    while (conn && this._conn === conn && this.state === 'connected') {
      try {
        await conn.call('ping', {}, this._opts.signalingTimeout);
        return this._conn === conn;
      } catch (_) {
        // no reply in time: ask again
      }
    }
    return false;
  }
}
