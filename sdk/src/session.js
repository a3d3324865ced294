// The session and its connection: config over wx.request, the signalling socket, join, the
// heartbeat, and resuming the session on a new socket when one drops (docs/protocol.md §3, §4),
// following a cluster node's redirect to the room's node and going on with the other nodes when
// the room's node died (§4.4).
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

/** Redirects a join or a resume attempt follows (cluster nodes naming the room's node) before it gives up. */
const MAX_REDIRECTS = 3;

/** Longest wait for a socket to open while resuming: a node that died silently costs little. */
const RESUME_CONNECT_TIMEOUT = 2000;

/** Longest pause between two resume attempts: back soon after the room's new node is reachable. */
const RESUME_MAX_BACKOFF = 1000;

/**
 * The node a join or resume reply sends this client to (docs/protocol.md §4.4), or null.
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
 * GET /v1/config (docs/protocol.md §3) from the first of `servers` that answers with a usable
 * config; the others are asked in order when one fails.
 * @param {import('./connection.js').WxLike} wxApi
 * @param {string[]} servers base URLs
 * @param {string} appId
 * @param {number} timeout per server
 * @param {Set<() => void>} cancels
 * @param {() => boolean} wanted false once the answer is of no use (the session ended): no
 *   further server is asked
 * @returns {Promise<{signalUrls: string[], reportUrl: string}>}
 */
async function fetchConfig(wxApi, servers, appId, timeout, cancels, wanted) {
  /** @type {import('./errors.js').RtcError[]} */
  const errors = [];
  for (const server of servers) {
    if (errors.length > 0 && !wanted()) break;
    try {
      return await fetchConfigFrom(wxApi, server, appId, timeout, cancels);
    } catch (err) {
      errors.push(isRtcError(err) ? err : rtcError(ERROR_CODES.GET_CONFIG_ERROR, errMsg(err)));
    }
  }
  if (errors.length === 1) throw errors[0];
  const last = errors[errors.length - 1];
  const why = errors.map((e, i) => `${servers[i]}: ${e.reason}`).join('; ');
  throw rtcError(last ? last.code : ERROR_CODES.GET_CONFIG_ERROR, why || 'no server address');
}

/**
 * GET /v1/config from one server.
 * @param {import('./connection.js').WxLike} wxApi
 * @param {string} server
 * @param {string} appId
 * @param {number} timeout
 * @param {Set<() => void>} cancels
 * @returns {Promise<{signalUrls: string[], reportUrl: string}>}
 */
async function fetchConfigFrom(wxApi, server, appId, timeout, cancels) {
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
 * @param {(url: string, opened: boolean) => void} tried told of each URL tried, and whether it opened
 * @returns {Promise<SignalConnection>}
 */
async function connect(wxApi, urls, timeoutMs, cancels, tried) {
  let lastError = rtcError(ERROR_CODES.WEBSOCKET_FAILED, 'no signalling URL');
  for (const url of urls) {
    const conn = new SignalConnection(wxApi, url);
    const cancel = () => conn.close();
    cancels.add(cancel);
    try {
      await conn.open(timeoutMs);
      cancels.delete(cancel);
      tried(url, true);
      return conn;
    } catch (err) {
      cancels.delete(cancel);
      tried(url, false);
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
    this.appId = '';
    this.userId = '';
    this.roomId = '';
    this.reportUrl = '';
    this.pingInterval = 10000;
    this.resumeWindow = 0;
    /** Base URLs config is asked from (the `server` option). */
    /** @type {string[]} */
    this._servers = [];
    /** Signalling URLs in the order they are tried: the room's node first once known. */
    /** @type {string[]} */
    this._signalUrls = [];
    /** URLs that failed to open during the current resume, the latest failure last. */
    /** @type {string[]} */
    this._failedUrls = [];
    /** Sockets that failed to open, ever. */
    this._openFailures = 0;
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
   * @param {string[]} servers base URLs config is asked from, in order
   * @param {Record<string, unknown>} params the join request's params
   * @returns {Promise<void>}
   */
  async join(servers, params) {
    try {
      this._servers = servers;
      this.appId = String(params.appId);
      const live = () => this.state !== 'ended';
      const config = await fetchConfig(this._wx, servers, this.appId, this._opts.requestTimeout, this._cancels, live);
      this._live();
      this._signalUrls = config.signalUrls;
      this.reportUrl = config.reportUrl;
      let sent;
      try {
        sent = await this._send('join', params, {
          deadline: Infinity,
          connectTimeout: this._opts.signalingTimeout,
          wanted: live,
        });
      } catch (err) {
        this._live();
        if (isRtcError(err) && err.code === ERROR_CODES.WEBSOCKET_NOT_CONNECTED) {
          throw rtcError(ERROR_CODES.WEBSOCKET_FAILED, `join: ${err.reason}`);
        }
        throw err;
      }
      this._live(); // _send gives null only to an ended session
      const reply = /** @type {{reply: import('./connection.js').RpcReply}} */ (sent).reply;
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
      this._takeReportUrl(result);
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

  /**
   * Opens a socket to the first signalling URL that answers, makes it the session's socket and
   * sends `method` on it. A cluster node that does not hold the room names the one that does
   * (docs/protocol.md §4.4): that socket is closed, the named URL goes first (for later resumes
   * too), reports go to the named reportUrl, and the request is sent again there, at most
   * MAX_REDIRECTS times. The app hears nothing of it.
   * @param {'join' | 'resume'} method
   * @param {object} params
   * @param {object} o
   * @param {number} o.deadline ms since the epoch no wait may pass (Infinity: none)
   * @param {number} o.connectTimeout longest wait for one socket to open
   * @param {() => boolean} o.wanted false once the session no longer waits for this request
   * @param {() => void} [o.beforeSend] called on each socket before the request goes out
   * @param {(reply: import('./connection.js').RpcReply | null, conn: SignalConnection) => void} [o.onReply]
   *   the request's onReply (SignalConnection.call), with the socket it came on
   * @returns {Promise<{conn: SignalConnection, reply: import('./connection.js').RpcReply} | null>}
   *   the last reply, still a redirect when the hops ran out; null when the session stopped
   *   waiting before a socket was attached. Rejects when no socket opens or no reply comes.
   */
  async _send(method, params, o) {
    const left = () => Math.max(1, o.deadline - Date.now());
    const tried = (/** @type {string} */ url, /** @type {boolean} */ opened) => this._tried(url, opened);
    const onReply = o.onReply;
    for (let hops = 0; ; hops++) {
      const urls = this._signalUrls.slice();
      const conn = await connect(this._wx, urls, Math.min(o.connectTimeout, left()), this._cancels, tried);
      if (!o.wanted()) {
        conn.close();
        return null;
      }
      this._attach(conn);
      if (o.beforeSend) o.beforeSend();
      const timeout = Math.min(this._opts.signalingTimeout, left());
      const reply = await conn.call(method, params, timeout, onReply && ((r) => onReply(r, conn)));
      const redirect = redirectOf(reply);
      if (!redirect || hops >= MAX_REDIRECTS || !o.wanted()) return { conn, reply };
      this._conn = null;
      conn.close(1000, 'redirected');
      this._signalUrls = [redirect.url].concat(this._signalUrls.filter((u) => u !== redirect.url));
      if (redirect.reportUrl) this.reportUrl = redirect.reportUrl;
    }
  }

  /**
   * Keeps the order of the signalling URLs: one that failed to open goes last, so the next
   * attempt starts elsewhere (a dead node stays listed, and may be named by redirects, until its
   * registry record expires).
   * @param {string} url
   * @param {boolean} opened
   */
  _tried(url, opened) {
    this._failedUrls = this._failedUrls.filter((u) => u !== url);
    if (opened) return;
    this._openFailures++;
    this._failedUrls.push(url);
    this._signalUrls = this._signalUrls.filter((u) => u !== url).concat(url);
  }

  /**
   * The node that holds the session names its report URL in the join and resume results
   * (docs/protocol.md §4.2): reports go there, also after a node took the session over without a
   * redirect. Older servers send none: the config's (or a redirect's) stays.
   * @param {any} result
   */
  _takeReportUrl(result) {
    if (typeof result.reportUrl === 'string' && /^https?:\/\//.test(result.reportUrl)) this.reportUrl = result.reportUrl;
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
   * Gets the session back on a new socket within the server's resume window, following a cluster
   * node's redirect to the room's node (docs/protocol.md §4.4). Between attempts: config asked
   * again after a socket failed to open (the live nodes' URLs), then a back-off of 0.1 s doubling
   * up to RESUME_MAX_BACKOFF. Lost when the window ends or the server refuses the session.
   * @param {number} code close code of the lost socket
   * @param {string} reason
   */
  async _resume(code, reason) {
    this._stopHeartbeat();
    this._conn = null;
    this.state = 'reconnecting';
    this._hooks.reconnecting();
    const deadline = Date.now() + this.resumeWindow;
    this._failedUrls = [];
    let delay = 100;
    while (this.state === 'reconnecting' && Date.now() < deadline) {
      const failuresBefore = this._openFailures;
      try {
        if (await this._resumeAttempt(deadline, code, reason)) return;
      } catch (err) {
        // no socket, no reply in time, or the socket ended: try again
      }
      if (this.state !== 'reconnecting') return;
      const attached = /** @type {SignalConnection | null} */ (this._conn);
      this._conn = null;
      if (attached) attached.close();
      const paused = Date.now();
      if (this._openFailures > failuresBefore) await this._refreshSignalUrls(deadline);
      const wait = Math.min(delay - (Date.now() - paused), deadline - Date.now());
      delay = Math.min(delay * 2, RESUME_MAX_BACKOFF);
      if (wait > 0 && this.state === 'reconnecting') await this._sleep(wait);
    }
    if (this.state === 'reconnecting') this._lost(code, reason);
  }

  /**
   * One resume attempt: a socket, `resume` on it, redirects followed.
   * @param {number} deadline
   * @param {number} code close code of the lost socket
   * @param {string} reason
   * @returns {Promise<boolean>} true when the resume is over (resumed, refused, or the session
   *   ended meanwhile); false or a rejection when another attempt may succeed
   */
  async _resumeAttempt(deadline, code, reason) {
    /** @type {Promise<void> | null} */
    let settled = null;
    // Applied as the reply arrives, before any message after it (docs/protocol.md §4.2).
    const onReply = (/** @type {import('./connection.js').RpcReply | null} */ r, /** @type {SignalConnection} */ conn) => {
      if (!r || !r.result || this.state !== 'reconnecting' || this._conn !== conn) return;
      const result = r.result;
      if (typeof result.sessionToken === 'string' && result.sessionToken) this.sessionToken = result.sessionToken;
      this.pingInterval = positiveOr(result.pingInterval, this.pingInterval);
      if (typeof result.resumeWindow === 'number') this.resumeWindow = Math.max(0, result.resumeWindow);
      this._takeReportUrl(result);
      this.state = 'connected';
      settled = this._hooks.resumed(result);
      for (const w of this._resumeWaiters.splice(0)) w.resolve();
    };
    // The session's own ids let a node that does not hold it find its record (cluster mode).
    const params = { sessionToken: this.sessionToken, appId: this.appId, roomId: this.roomId, userId: this.userId };
    const sent = await this._send('resume', params, {
      deadline,
      connectTimeout: Math.min(this._opts.signalingTimeout, RESUME_CONNECT_TIMEOUT),
      wanted: () => this.state === 'reconnecting',
      beforeSend: () => this._hooks.resuming(),
      onReply,
    });
    if (settled) {
      await settled;
      if (sent && this._conn === sent.conn && this.state === 'connected') this._startHeartbeat();
      return true;
    }
    if (!sent || this.state !== 'reconnecting') return true;
    const error = sent.reply.error;
    if (!error) return false;
    if (redirectOf(sent.reply)) return false; // redirected more than MAX_REDIRECTS times
    // The server no longer has the session: no point trying again.
    const why = typeof error.message === 'string' ? error.message : 'refused';
    this._lost(code, `${reason}; resume refused: ${why}`);
    return true;
  }

  /**
   * Asks config again for the live nodes' signalling URLs, those that failed during this resume
   * last. A failing config request keeps the list as it is.
   * @param {number} deadline
   * @returns {Promise<void>}
   */
  async _refreshSignalUrls(deadline) {
    const timeout = Math.max(1, Math.min(this._opts.requestTimeout, RESUME_CONNECT_TIMEOUT, deadline - Date.now()));
    const wanted = () => this.state === 'reconnecting';
    let fresh;
    try {
      fresh = (await fetchConfig(this._wx, this._servers, this.appId, timeout, this._cancels, wanted)).signalUrls;
    } catch (_) {
      return;
    }
    if (!wanted()) return;
    const failed = this._failedUrls;
    this._signalUrls = fresh.filter((u) => !failed.includes(u)).concat(failed.filter((u) => fresh.includes(u)));
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
