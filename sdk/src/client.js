// The Client of the original mini program SDK, speaking MiniRTC's protocol (docs/protocol.md):
// config over wx.request, JSON-RPC signalling over one wx SocketTask, batched reports.

import { SignalConnection, errMsg } from './connection.js';
import { Emitter, logError } from './emitter.js';
import { ERROR_CODES, fromServerError, isRtcError, rtcError } from './errors.js';
import { EVENTS, MUTE_NOTIFICATIONS } from './events.js';
import { isAppId, isRoomOrUserId, streamKey } from './ids.js';
import { Reporter, sanitizeInfo, sanitizeMessage } from './reporter.js';

/** Replaced by the build with sdk/package.json's version. */
export const SDK_VERSION = typeof __SDK_VERSION__ === 'string' ? __SDK_VERSION__ : '0.0.0-dev';
export const SDK_NAME = 'minirtc-miniapp';

/** The server announces at most this many peers on join (docs/protocol.md §4.2). */
const MAX_ANNOUNCED_PEERS = 20;
/** Close code this side uses when it gives up on a socket that stopped answering. */
const CLOSE_UNRESPONSIVE = 4000;

/**
 * @typedef {'idle' | 'initialized' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'destroyed'} ClientState
 *
 * idle: new, init() not called. initialized: ready to join. connecting: join() in progress.
 * connected: in a room. reconnecting: the socket dropped and the SDK is resuming the session.
 * disconnected: the session ended without leave() (DISCONNECT or CLIENT_BANNED); join() again.
 * destroyed: after destroy(); init() starts over.
 */

/**
 * @typedef {object} ClientOptions
 * @property {string} [server] base URL of the MiniRTC server, e.g. 'https://rtc.example.com'
 * @property {import('./connection.js').WxLike} [wx] the wx API to use (default: the global wx)
 * @property {number} [signalingTimeout] ms to wait for a signalling reply (default 3000)
 * @property {number} [requestTimeout] ms to wait for the config request (default 5000)
 * @property {number} [reportInterval] ms between two report batches (default 5000)
 * @property {boolean} [resume] resume the session when the socket drops (default true)
 * @property {'rtmp' | 'flv'} [playFormat] play URL format asked for on subscribe (default: the server's)
 */

/**
 * @typedef {object} SubscribeOptions
 * @property {boolean} [audio] receive audio (default true)
 * @property {boolean} [video] receive video (default true)
 * @property {boolean} [screen] the screen stream instead of the camera stream (default false)
 * @property {'rtmp' | 'flv'} [format] play URL format (ours)
 */

/**
 * @typedef {object} Session
 * @property {string} sessionToken
 * @property {string} roomId
 * @property {string} userId
 * @property {number} pingInterval
 * @property {number} sessionTimeout
 * @property {number} resumeWindow
 * @property {string[]} signalUrls
 * @property {string} reportUrl
 */

/** @typedef {{uid: string, screen: boolean, audio: boolean, video: boolean}} RemoteStream */

let defaultServer = '';

/**
 * @param {unknown} url
 * @returns {string}
 */
function normalizeServer(url) {
  return typeof url === 'string' ? url.trim().replace(/\/+$/, '') : '';
}

/**
 * @param {unknown} value
 * @param {number} fallback
 * @returns {number}
 */
function positiveOr(value, fallback) {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * Settles the onSuccess/onFailure callbacks from a promise and returns it. When the caller passed
 * onFailure the rejection counts as handled, so callback-style code causes no unhandled rejection.
 * @template T
 * @param {Promise<T>} promise
 * @param {unknown} onSuccess
 * @param {unknown} onFailure
 * @returns {Promise<T>}
 */
function settle(promise, onSuccess, onFailure) {
  promise.then(
    (value) => {
      if (typeof onSuccess === 'function') {
        try {
          onSuccess(value);
        } catch (err) {
          logError('onSuccess threw', err);
        }
      }
    },
    (err) => {
      if (typeof onFailure === 'function') {
        try {
          onFailure(err);
        } catch (e) {
          logError('onFailure threw', e);
        }
      }
    },
  );
  return promise;
}

/**
 * @param {number} code
 * @param {string} reason
 * @returns {Promise<never>}
 */
/**
 * `method(userId, options?, onSuccess?, onFailure?)` may be called without options: then the
 * callbacks shift left by one.
 * @param {unknown} options
 * @param {any} onSuccess
 * @param {any} onFailure
 * @returns {[Record<string, any>, any, any]}
 */
function optionsAndCallbacks(options, onSuccess, onFailure) {
  if (typeof options === 'function') return [{}, options, onSuccess];
  return [options && typeof options === 'object' ? /** @type {any} */ (options) : {}, onSuccess, onFailure];
}

function fail(code, reason) {
  return Promise.reject(rtcError(code, reason));
}

/**
 * @param {number} ms
 * @returns {Promise<void>}
 */
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class Client extends Emitter {
  /**
   * Server used by clients created without `server`.
   * @param {string} url
   */
  static setDefaultServer(url) {
    defaultServer = normalizeServer(url);
  }

  /** @returns {string} */
  static getDefaultServer() {
    return defaultServer;
  }

  /**
   * @param {ClientOptions} [options]
   */
  constructor(options) {
    super();
    const opts = options && typeof options === 'object' ? options : {};
    this._server = normalizeServer(opts.server);
    this._wxOverride = opts.wx || null;
    this._opts = {
      signalingTimeout: positiveOr(opts.signalingTimeout, 3000),
      requestTimeout: positiveOr(opts.requestTimeout, 5000),
      reportInterval: positiveOr(opts.reportInterval, 5000),
      resume: opts.resume !== false,
      playFormat: opts.playFormat === 'rtmp' || opts.playFormat === 'flv' ? opts.playFormat : '',
    };
    /** @type {ClientState} */
    this._state = 'idle';
    this._appId = '';
    this._businessId = '';
    this._visible = true;
    /** Bumped whenever the room session ends, so late async results of an old one are ignored. */
    this._epoch = 0;
    this._reporter = new Reporter({
      post: (url, body) => this._post(url, body),
      interval: this._opts.reportInterval,
    });
    this._resetRoom();
  }

  /** @returns {ClientState} 'connected' while in a room */
  get state() {
    return this._state;
  }

  /** @returns {string} the user id while in a room, '' otherwise (ours) */
  get userId() {
    return this._session ? this._session.userId : '';
  }

  /** @returns {string} the room id while in a room, '' otherwise (ours) */
  get roomId() {
    return this._session ? this._session.roomId : '';
  }

  _resetRoom() {
    /** @type {SignalConnection | null} */
    this._conn = null;
    /** @type {Session | null} */
    this._session = null;
    /** @type {Set<string>} */
    this._peers = new Set();
    /** @type {Map<string, RemoteStream>} */
    this._streams = new Map();
    /** @type {Map<string, {uid: string, screen: boolean, url: string}>} */
    this._subs = new Map();
    /** @type {{url: string} | null} */
    this._pub = null;
    this._publishing = false;
    this._leaving = false;
    /** @type {any} */
    this._pingTimer = null;
    /** Peers and streams announced after a resume, while the SDK compares them with what it knew. */
    /** @type {{peers: Set<string>, streams: Map<string, RemoteStream>} | null} */
    this._resync = null;
    /** @type {{resolve: () => void, reject: (e: any) => void}[]} */
    this._resumeWaiters = [];
  }

  /** @returns {import('./connection.js').WxLike | null} */
  _wx() {
    if (this._wxOverride) return this._wxOverride;
    // The mini program runtime provides wx as a global of every module; Node tests set globalThis.wx.
    return typeof wx !== 'undefined' && wx ? /** @type {any} */ (wx) : null;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * First call. Fails with HAS_INITED when called twice.
   * @param {string} appId the 24-character AppId
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  init(appId, onSuccess, onFailure) {
    let p;
    if (this._state !== 'idle' && this._state !== 'destroyed') {
      p = fail(ERROR_CODES.HAS_INITED, 'init() was already called');
    } else if (!isAppId(appId)) {
      p = fail(ERROR_CODES.INVALID_PARAMS, 'appId must be 24 characters [a-zA-Z0-9]');
    } else {
      this._appId = appId;
      this._state = 'initialized';
      p = Promise.resolve();
    }
    return settle(p, onSuccess, onFailure);
  }

  /**
   * Leaves the room if in one and releases everything, listeners included.
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  destroy(onSuccess, onFailure) {
    const run = async () => {
      if (this._state === 'connected') {
        try {
          await this._leave();
        } catch (_) {
          // destroy always succeeds; the server ends a silent session by itself
        }
      } else {
        this._teardown();
      }
      this._reporter.stop();
      this.removeAllListeners();
      this._appId = '';
      this._businessId = '';
      this._visible = true;
      this._state = 'destroyed';
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Business id sent with join. Only before join.
   * @param {string} id
   * @param {(v: number) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<number>} 0
   */
  setBusinessId(id, onSuccess, onFailure) {
    let p;
    if (this._state === 'connecting') p = fail(ERROR_CODES.CONNECTING, 'setBusinessId: join in progress');
    else if (this._state === 'connected' || this._state === 'reconnecting')
      p = fail(ERROR_CODES.ALREADY_IN_ROOM, 'setBusinessId: only before join');
    else if (!isRoomOrUserId(id))
      p = fail(ERROR_CODES.INVALID_PARAMS, 'businessId must be 1-128 characters [a-zA-Z0-9@_.-]');
    else {
      this._businessId = id;
      p = Promise.resolve(0);
    }
    return settle(p, onSuccess, onFailure);
  }

  // ---------------------------------------------------------------------------------------------
  // Room

  /**
   * Fetches the config, opens the signalling socket and enters the room.
   * @param {string} token AccessToken
   * @param {string} roomId
   * @param {string} userId
   * @param {(userId: string) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<string>} userId
   */
  join(token, roomId, userId, onSuccess, onFailure) {
    return settle(this._join(token, roomId, userId), onSuccess, onFailure);
  }

  /**
   * @param {string} token
   * @param {string} roomId
   * @param {string} userId
   * @returns {Promise<string>}
   */
  async _join(token, roomId, userId) {
    const state = this._state;
    if (state === 'idle' || state === 'destroyed') {
      throw rtcError(ERROR_CODES.INVALID_PARAMS, 'join: call init(appId) first');
    }
    if (state === 'connecting') throw rtcError(ERROR_CODES.CONNECTING, 'join: a join is in progress');
    if (state === 'connected' || state === 'reconnecting') {
      throw rtcError(ERROR_CODES.ALREADY_IN_ROOM, 'join: already in a room');
    }
    if (typeof token !== 'string' || token.length === 0) {
      throw rtcError(ERROR_CODES.INVALID_PARAMS, 'join: token must be a non-empty string');
    }
    if (!isRoomOrUserId(roomId)) {
      throw rtcError(ERROR_CODES.INVALID_PARAMS, 'join: roomId must be 1-128 characters [a-zA-Z0-9@_.-]');
    }
    if (!isRoomOrUserId(userId)) {
      throw rtcError(ERROR_CODES.INVALID_PARAMS, 'join: userId must be 1-128 characters [a-zA-Z0-9@_.-]');
    }
    const wxApi = this._wx();
    if (!wxApi || typeof wxApi.request !== 'function' || typeof wxApi.connectSocket !== 'function') {
      throw rtcError(ERROR_CODES.INVALID_PARAMS, 'join: no wx.request / wx.connectSocket available');
    }
    const server = this._server || defaultServer;
    if (!server) {
      throw rtcError(
        ERROR_CODES.GET_CONFIG_ERROR,
        'join: no server address; pass new Client({ server }) or call Client.setDefaultServer(url)',
      );
    }

    this._teardown();
    this._state = 'connecting';
    const epoch = this._epoch;
    /** @type {SignalConnection | null} */
    let conn = null;
    try {
      const config = await this._fetchConfig(wxApi, server);
      this._checkEpoch(epoch);
      conn = await this._connect(wxApi, config.signalUrls, this._opts.signalingTimeout);
      if (epoch !== this._epoch) {
        conn.close();
        this._checkEpoch(epoch);
      }
      this._attach(conn);
      /** @type {Record<string, unknown>} */
      const params = {
        appId: this._appId,
        token,
        roomId,
        userId,
        visible: this._visible,
        sdk: { name: SDK_NAME, version: SDK_VERSION },
      };
      if (this._businessId) params.businessId = this._businessId;
      let reply;
      try {
        reply = await conn.call('join', params, this._opts.signalingTimeout);
      } catch (err) {
        this._checkEpoch(epoch);
        if (isRtcError(err) && err.code === ERROR_CODES.WEBSOCKET_NOT_CONNECTED) {
          throw rtcError(ERROR_CODES.WEBSOCKET_FAILED, `join: ${err.reason}`);
        }
        throw err;
      }
      this._checkEpoch(epoch);
      if (reply.error) throw fromServerError(reply.error, ERROR_CODES.JOIN_ROOM_ERROR);
      const result = reply.result || {};
      if (typeof result.sessionToken !== 'string' || !result.sessionToken) {
        throw rtcError(ERROR_CODES.JOIN_ROOM_ERROR, 'join: the server sent no sessionToken');
      }
      this._session = {
        sessionToken: result.sessionToken,
        roomId,
        userId,
        pingInterval: positiveOr(result.pingInterval, 10000),
        sessionTimeout: positiveOr(result.sessionTimeout, 30000),
        resumeWindow: typeof result.resumeWindow === 'number' && result.resumeWindow > 0 ? result.resumeWindow : 0,
        signalUrls: config.signalUrls,
        reportUrl: config.reportUrl,
      };
      this._state = 'connected';
      this._reporter.start(config.reportUrl, result.sessionToken);
      this._startHeartbeat();
      return userId;
    } catch (err) {
      if (epoch === this._epoch) {
        this._teardown();
        this._state = 'initialized';
      } else if (conn && this._conn !== conn) {
        conn.close();
      }
      throw err;
    }
  }

  /**
   * Throws when the session this async step belongs to has ended meanwhile (leave/destroy).
   * @param {number} epoch
   */
  _checkEpoch(epoch) {
    if (epoch !== this._epoch) throw rtcError(ERROR_CODES.JOIN_ROOM_ERROR, 'join cancelled by leave()');
  }

  /**
   * GET /v1/config (docs/protocol.md §3).
   * @param {import('./connection.js').WxLike} wxApi
   * @param {string} server
   * @returns {Promise<{signalUrls: string[], reportUrl: string}>}
   */
  async _fetchConfig(wxApi, server) {
    const url = `${server}/v1/config?appId=${encodeURIComponent(this._appId)}`;
    let res;
    try {
      res = await this._request(wxApi, { url, method: 'GET' });
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
    if (signalUrls.length === 0) {
      throw rtcError(ERROR_CODES.NO_WEBSOCKET_URL, 'the config lists no signalling URL');
    }
    return { signalUrls, reportUrl: typeof data.reportUrl === 'string' ? data.reportUrl : '' };
  }

  /**
   * wx.request as a promise, with a timeout of its own in case the runtime ignores `timeout`.
   * @param {import('./connection.js').WxLike} wxApi
   * @param {{url: string, method: string, data?: string}} opts
   * @returns {Promise<{statusCode: number, data: any}>}
   */
  _request(wxApi, opts) {
    const timeout = this._opts.requestTimeout;
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        reject(new Error(`no answer within ${timeout} ms`));
      }, timeout);
      try {
        wxApi.request({
          url: opts.url,
          method: opts.method,
          data: opts.data,
          header: opts.data !== undefined ? { 'content-type': 'application/json' } : {},
          dataType: 'json',
          timeout,
          success: (/** @type {any} */ res) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve({ statusCode: res && res.statusCode, data: res && res.data });
          },
          fail: (/** @type {any} */ err) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            reject(err);
          },
        });
      } catch (err) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
  }

  /**
   * POSTs one report batch.
   * @param {string} url
   * @param {string} body
   * @returns {Promise<unknown>}
   */
  _post(url, body) {
    const wxApi = this._wx();
    if (!wxApi) return Promise.resolve();
    return this._request(wxApi, { url, method: 'POST', data: body });
  }

  /**
   * Opens a socket to the first signalling URL that answers.
   * @param {import('./connection.js').WxLike} wxApi
   * @param {string[]} urls
   * @param {number} timeoutMs per URL
   * @returns {Promise<SignalConnection>}
   */
  async _connect(wxApi, urls, timeoutMs) {
    let lastError = rtcError(ERROR_CODES.WEBSOCKET_FAILED, 'no signalling URL');
    for (const url of urls) {
      const conn = new SignalConnection(wxApi, url);
      try {
        await conn.open(timeoutMs);
        return conn;
      } catch (err) {
        lastError = isRtcError(err) ? err : rtcError(ERROR_CODES.WEBSOCKET_FAILED, errMsg(err));
      }
    }
    throw lastError;
  }

  /**
   * Makes `conn` the client's socket and routes its events here while it stays so.
   * @param {SignalConnection} conn
   */
  _attach(conn) {
    this._conn = conn;
    conn.onNotification = (method, params) => {
      if (this._conn !== conn) return;
      try {
        this._onNotification(method, params);
      } catch (err) {
        logError(`notification ${method}`, err);
      }
    };
    conn.onClosed = (ev) => {
      if (this._conn === conn) this._onSocketLost(ev.code, ev.reason || 'signalling socket closed');
    };
    conn.onSocketError = (reason) => {
      if (this._conn === conn && this._state === 'connected') {
        this.emit(EVENTS.ERROR, { code: ERROR_CODES.WEBSOCKET_FAILED, reason });
      }
    };
  }

  /**
   * Ends the room session locally: socket closed, timers stopped, tables cleared. Callers set
   * the state afterwards.
   */
  _teardown() {
    this._epoch++;
    this._stopHeartbeat();
    const conn = this._conn;
    const waiters = this._resumeWaiters;
    this._reporter.stop();
    this._resetRoom();
    if (conn) conn.close(1000, 'leave');
    for (const w of waiters) w.reject(rtcError(ERROR_CODES.WEBSOCKET_NOT_CONNECTED, 'the session ended'));
  }

  /**
   * Leaves the room; remote users get PEER_LEAVE. Closes the socket.
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  leave(onSuccess, onFailure) {
    let p;
    if (this._state === 'connected') {
      p = this._leave();
    } else if (this._state === 'connecting' || this._state === 'reconnecting') {
      // Nothing to tell a server we are not talking to; a half-open join or a session being
      // resumed ends here (the server drops a silent session after its resume window).
      this._teardown();
      this._state = 'initialized';
      p = Promise.resolve();
    } else {
      p = fail(ERROR_CODES.NOT_IN_ROOM, 'leave: not in a room');
    }
    return settle(p, onSuccess, onFailure);
  }

  /** @returns {Promise<void>} */
  async _leave() {
    this._leaving = true;
    this._stopHeartbeat();
    let error = null;
    try {
      await this._rpc('leave', {}, ERROR_CODES.LEAVE_ERROR);
    } catch (err) {
      error = err;
    }
    this._teardown();
    this._state = 'initialized';
    if (error) throw error;
  }

  // ---------------------------------------------------------------------------------------------
  // Requests

  /**
   * Sends a request in the current session. While the session is being resumed the request
   * waits for it (within the same timeout).
   * @param {string} method
   * @param {object} params
   * @param {number} failCode code for server refusals that carry no SDK code
   * @returns {Promise<any>} the result object
   */
  async _rpc(method, params, failCode) {
    const timeout = this._opts.signalingTimeout;
    const started = Date.now();
    if (this._state === 'reconnecting') await this._whenResumed(timeout);
    const conn = this._conn;
    if (!conn || (this._state !== 'connected' && !this._leaving)) {
      throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${method}: not in a room`);
    }
    const remaining = Math.max(1, timeout - (Date.now() - started));
    const reply = await conn.call(method, params, remaining);
    if (reply.error) throw fromServerError(reply.error, failCode);
    return reply.result && typeof reply.result === 'object' ? reply.result : {};
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
   * @param {string} method
   * @returns {Promise<never> | null} NOT_IN_ROOM unless in a room
   */
  _needRoom(method) {
    if (this._state === 'connected' || this._state === 'reconnecting') return null;
    return fail(ERROR_CODES.NOT_IN_ROOM, `${method}: not in a room`);
  }

  /**
   * Publishes the camera stream.
   * @param {(url: string) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<string>} the RTMP push URL for `<live-pusher url>`
   */
  publish(onSuccess, onFailure) {
    const run = async () => {
      const wrong = this._needRoom('publish');
      if (wrong) return wrong;
      if (this._pub || this._publishing) throw rtcError(ERROR_CODES.ALREADY_PUBLISHED, 'publish: already published');
      const epoch = this._epoch;
      this._publishing = true;
      try {
        const result = await this._rpc('publish', { screen: false }, ERROR_CODES.PUBLISH_ERROR);
        if (typeof result.url !== 'string' || !result.url) {
          throw rtcError(ERROR_CODES.PUBLISH_ERROR, 'publish: the server sent no url');
        }
        if (epoch === this._epoch) this._pub = { url: result.url };
        return /** @type {string} */ (result.url);
      } finally {
        if (epoch === this._epoch) this._publishing = false;
      }
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Stops publishing; remote subscribers get STREAM_REMOVED.
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  unpublish(onSuccess, onFailure) {
    const run = async () => {
      const wrong = this._needRoom('unpublish');
      if (wrong) return wrong;
      if (!this._pub) throw rtcError(ERROR_CODES.NOT_PUBLISHED, 'unpublish: not published');
      const epoch = this._epoch;
      await this._rpc('unpublish', { screen: false }, ERROR_CODES.UNPUBLISH_ERROR);
      if (epoch === this._epoch) this._pub = null;
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Subscribes to a remote stream.
   * @param {string} userId
   * @param {SubscribeOptions} [options]
   * @param {(url: string) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<string>} the play URL for `<live-player src>`
   */
  subscribe(userId, options, onSuccess, onFailure) {
    let opts;
    [opts, onSuccess, onFailure] = optionsAndCallbacks(options, onSuccess, onFailure);
    const run = async () => {
      if (!isRoomOrUserId(userId)) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'subscribe: bad userId');
      const wrong = this._needRoom('subscribe');
      if (wrong) return wrong;
      if (!this._knowsUser(userId)) {
        throw rtcError(ERROR_CODES.UID_NOT_FOUND, `subscribe: user ${userId} is not in the room`);
      }
      const screen = Boolean(opts.screen);
      /** @type {Record<string, unknown>} */
      const params = { userId, screen, audio: opts.audio !== false, video: opts.video !== false };
      const format = opts.format === 'rtmp' || opts.format === 'flv' ? opts.format : this._opts.playFormat;
      if (format) params.format = format;
      const epoch = this._epoch;
      const result = await this._rpc('subscribe', params, ERROR_CODES.SUBSCRIBE_FAILED);
      if (typeof result.url !== 'string' || !result.url) {
        throw rtcError(ERROR_CODES.SUBSCRIBE_FAILED, 'subscribe: the server sent no url');
      }
      if (epoch === this._epoch) this._subs.set(streamKey(userId, screen), { uid: userId, screen, url: result.url });
      return /** @type {string} */ (result.url);
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * @param {string} userId
   * @param {{screen?: boolean}} [options]
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  unsubscribe(userId, options, onSuccess, onFailure) {
    let opts;
    [opts, onSuccess, onFailure] = optionsAndCallbacks(options, onSuccess, onFailure);
    const run = async () => {
      if (!isRoomOrUserId(userId)) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'unsubscribe: bad userId');
      const wrong = this._needRoom('unsubscribe');
      if (wrong) return wrong;
      const screen = Boolean(opts.screen);
      const epoch = this._epoch;
      await this._rpc('unsubscribe', { userId, screen }, ERROR_CODES.UNSUBSCRIBE_FAILED);
      if (epoch === this._epoch) this._subs.delete(streamKey(userId, screen));
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Tells the server to stop (true) or resume (false) forwarding this user's audio/video; the
   * pusher keeps sending.
   * @param {{audio?: boolean, video?: boolean}} options
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  muteLocal(options, onSuccess, onFailure) {
    const run = async () => {
      const params = muteParams(options);
      if (!params) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'muteLocal: give audio and/or video as booleans');
      const wrong = this._needRoom('muteLocal');
      if (wrong) return wrong;
      if (!this._pub) throw rtcError(ERROR_CODES.NOT_PUBLISHED, 'muteLocal: not published');
      await this._rpc('muteLocal', Object.assign(params, { screen: false }), ERROR_CODES.MUTE_LOCAL_ERROR);
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Stops (true) or resumes (false) receiving a remote track; the subscription stays.
   * @param {string} userId
   * @param {{audio?: boolean, video?: boolean, screen?: boolean}} options
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  muteRemote(userId, options, onSuccess, onFailure) {
    const run = async () => {
      if (!isRoomOrUserId(userId)) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'muteRemote: bad userId');
      const params = muteParams(options);
      if (!params) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'muteRemote: give audio and/or video as booleans');
      const wrong = this._needRoom('muteRemote');
      if (wrong) return wrong;
      const screen = Boolean(options && options.screen);
      await this._rpc('muteRemote', Object.assign({ userId, screen }, params), ERROR_CODES.MUTE_REMOTE_ERROR);
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Visible users are announced to others; invisible ones may only subscribe. Before or after join.
   * @param {boolean} enable
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  setUserVisibility(enable, onSuccess, onFailure) {
    const run = async () => {
      if (typeof enable !== 'boolean') throw rtcError(ERROR_CODES.INVALID_PARAMS, 'setUserVisibility: enable must be a boolean');
      if (this._state === 'connecting') throw rtcError(ERROR_CODES.CONNECTING, 'setUserVisibility: join in progress');
      if (this._state === 'connected' || this._state === 'reconnecting') {
        const epoch = this._epoch;
        await this._rpc('setUserVisibility', { visible: enable }, ERROR_CODES.INVALID_PARAMS);
        if (epoch !== this._epoch) return;
      }
      this._visible = enable;
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * @param {string} uid
   * @returns {boolean}
   */
  _knowsUser(uid) {
    if (this._peers.has(uid)) return true;
    for (const s of this._streams.values()) if (s.uid === uid) return true;
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Reports: never throw

  /**
   * Forwards `<live-pusher bindstatechange>`.
   * @param {number} code
   * @param {string} [message]
   */
  reportPusherStateChange(code, message) {
    try {
      const c = Number(code);
      if (!Number.isFinite(c)) return;
      this._reporter.add({ type: 'pusherState', code: c, message: sanitizeMessage(message), time: Date.now() });
    } catch (err) {
      logError('reportPusherStateChange', err);
    }
  }

  /**
   * Forwards `<live-pusher bindnetstatus>` `detail.info`.
   * @param {object} info
   */
  reportPusherNetStatusChange(info) {
    try {
      const clean = sanitizeInfo(info);
      if (!clean) return;
      this._reporter.add({ type: 'pusherNet', info: clean, time: Date.now() });
    } catch (err) {
      logError('reportPusherNetStatusChange', err);
    }
  }

  /**
   * Forwards `<live-player bindstatechange>`.
   * @param {string} uid the stream's publisher
   * @param {number} code
   * @param {string} [message]
   * @param {boolean} [screen] which of the user's streams (ours; default: the one subscribed)
   */
  reportPlayerStateChange(uid, code, message, screen) {
    try {
      const c = Number(code);
      if (typeof uid !== 'string' || !uid || !Number.isFinite(c)) return;
      this._reporter.add({
        type: 'playerState',
        uid,
        screen: this._screenOf(uid, screen),
        code: c,
        message: sanitizeMessage(message),
        time: Date.now(),
      });
    } catch (err) {
      logError('reportPlayerStateChange', err);
    }
  }

  /**
   * Forwards `<live-player bindnetstatus>` `detail.info`.
   * @param {string} uid
   * @param {object} info
   * @param {boolean} [screen] (ours)
   */
  reportPlayerNetStatusChange(uid, info, screen) {
    try {
      const clean = sanitizeInfo(info);
      if (typeof uid !== 'string' || !uid || !clean) return;
      this._reporter.add({ type: 'playerNet', uid, screen: this._screenOf(uid, screen), info: clean, time: Date.now() });
    } catch (err) {
      logError('reportPlayerNetStatusChange', err);
    }
  }

  /**
   * The seed's player reports carry only the uid: take the screen stream when that is the only
   * one subscribed from this user.
   * @param {string} uid
   * @param {unknown} screen
   * @returns {boolean}
   */
  _screenOf(uid, screen) {
    if (typeof screen === 'boolean') return screen;
    if (screen === 1 || screen === '1') return true;
    if (screen === 0 || screen === '0') return false;
    return !this._subs.has(streamKey(uid, false)) && this._subs.has(streamKey(uid, true));
  }

  // ---------------------------------------------------------------------------------------------
  // Notifications

  /**
   * @param {string} method
   * @param {any} p
   */
  _onNotification(method, p) {
    const uid = typeof p.uid === 'string' ? p.uid : '';
    const screen = Boolean(p.screen);
    const key = streamKey(uid, screen);
    switch (method) {
      case 'peerOnline': {
        if (!uid) return;
        if (this._resync) {
          this._resync.peers.add(uid);
          if (this._peers.has(uid)) return;
        }
        this._peers.add(uid);
        this.emit(EVENTS.PEER_ONLINE, { uid });
        return;
      }
      case 'peerLeave': {
        if (!uid) return;
        this._peers.delete(uid);
        if (this._resync) this._resync.peers.delete(uid);
        this.emit(EVENTS.PEER_LEAVE, { uid });
        return;
      }
      case 'streamAdded': {
        if (!uid) return;
        const state = p.streamPublishState && typeof p.streamPublishState === 'object' ? p.streamPublishState : {};
        /** @type {RemoteStream} */
        const stream = { uid, screen, audio: state.audio !== false, video: state.video !== false };
        const known = this._streams.get(key);
        this._streams.set(key, stream);
        if (this._resync) {
          this._resync.streams.set(key, stream);
          if (known) {
            // Re-announced after a resume: tell only what changed while the socket was down.
            this._emitMuteChanges(known, stream);
            return;
          }
        }
        this.emit(EVENTS.STREAM_ADDED, {
          uid,
          screen,
          streamPublishState: { audio: stream.audio, video: stream.video },
        });
        return;
      }
      case 'streamRemoved': {
        if (!uid) return;
        this._streams.delete(key);
        this._subs.delete(key);
        if (this._resync) this._resync.streams.delete(key);
        this.emit(EVENTS.STREAM_REMOVED, { uid, screen });
        return;
      }
      case 'updateUrl': {
        if (!uid || typeof p.url !== 'string') return;
        if (this._session && uid === this._session.userId && !screen) {
          if (this._pub) this._pub.url = p.url;
        } else {
          const sub = this._subs.get(key);
          if (sub) sub.url = p.url;
        }
        this.emit(EVENTS.UPDATE_URL, { uid, screen, url: p.url });
        return;
      }
      case 'streamFailed': {
        if (!uid) return;
        this.emit(EVENTS.STREAM_FAILED, { uid, screen, reason: typeof p.reason === 'string' ? p.reason : '' });
        return;
      }
      case 'clientBanned': {
        const reason = typeof p.reason === 'string' ? p.reason : '';
        this._teardown();
        this._state = 'disconnected';
        this.emit(EVENTS.CLIENT_BANNED, { reason });
        return;
      }
      default: {
        const event = /** @type {Record<string, string>} */ (MUTE_NOTIFICATIONS)[method];
        if (!event || !uid) return;
        const stream = this._streams.get(key);
        if (stream) {
          if (method === 'muteAudio') stream.audio = false;
          else if (method === 'unmuteAudio') stream.audio = true;
          else if (method === 'muteVideo') stream.video = false;
          else stream.video = true;
        }
        this.emit(event, { uid, screen });
      }
    }
  }

  /**
   * @param {RemoteStream} before
   * @param {RemoteStream} after
   */
  _emitMuteChanges(before, after) {
    const payload = { uid: after.uid, screen: after.screen };
    if (before.audio !== after.audio) this.emit(after.audio ? EVENTS.UNMUTE_AUDIO : EVENTS.MUTE_AUDIO, payload);
    if (before.video !== after.video) this.emit(after.video ? EVENTS.UNMUTE_VIDEO : EVENTS.MUTE_VIDEO, payload);
  }

  // ---------------------------------------------------------------------------------------------
  // Liveness and resume (docs/protocol.md §4.4)

  _startHeartbeat() {
    this._stopHeartbeat();
    const conn = this._conn;
    const session = this._session;
    if (!conn || !session) return;
    const tick = () => {
      this._pingTimer = setTimeout(() => {
        this._pingTimer = null;
        if (this._conn !== conn || this._state !== 'connected') return;
        conn.call('ping', {}, this._opts.signalingTimeout).then(
          () => {
            if (this._conn === conn && this._state === 'connected') tick();
          },
          (err) => {
            if (this._conn !== conn || this._state !== 'connected') return;
            // No answer in time: the socket is dead even if it has not noticed yet.
            conn.close(CLOSE_UNRESPONSIVE, 'heartbeat timeout');
            this._onSocketLost(1006, `heartbeat: ${err && err.reason ? err.reason : 'failed'}`);
          },
        );
      }, session.pingInterval);
    };
    tick();
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
    if (this._leaving) return;
    if (this._state === 'connecting') {
      // join() is waiting for its reply and fails by itself (WEBSOCKET_FAILED).
      this._conn = null;
      return;
    }
    if (this._state !== 'connected') return;
    const session = this._session;
    if (this._opts.resume && session && session.resumeWindow > 0) {
      this._resume(session, code, reason).catch((err) => logError('resume', err));
    } else {
      this._disconnect(code, reason);
    }
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  _disconnect(code, reason) {
    this._teardown();
    this._state = 'disconnected';
    this.emit(EVENTS.DISCONNECT, { code, reason });
  }

  /**
   * Gets the session back on a new socket within the server's resume window; the app sees
   * nothing but UPDATE_URL for URLs that changed. DISCONNECT when that fails.
   * @param {Session} session
   * @param {number} code close code of the lost socket
   * @param {string} reason
   */
  async _resume(session, code, reason) {
    const epoch = this._epoch;
    this._stopHeartbeat();
    this._conn = null;
    this._state = 'reconnecting';
    this._reporter.pause();
    const deadline = Date.now() + session.resumeWindow;
    const wxApi = this._wx();
    let delay = 100;
    while (wxApi && epoch === this._epoch && Date.now() < deadline) {
      const remaining = deadline - Date.now();
      const timeout = Math.max(1, Math.min(this._opts.signalingTimeout, remaining));
      /** @type {SignalConnection | null} */
      let conn = null;
      try {
        conn = await this._connect(wxApi, session.signalUrls, timeout);
        if (epoch !== this._epoch) {
          conn.close();
          return;
        }
        this._attach(conn);
        this._resync = { peers: new Set(), streams: new Map() };
        const reply = await conn.call('resume', { sessionToken: session.sessionToken }, timeout);
        if (epoch !== this._epoch) return;
        if (reply.error) {
          // The server no longer has the session: no point trying again.
          const why = reply.error && typeof reply.error.message === 'string' ? reply.error.message : 'refused';
          this._disconnect(code, `${reason}; resume refused: ${why}`);
          return;
        }
        await this._resumed(conn, session, reply.result || {});
        return;
      } catch (err) {
        if (epoch !== this._epoch) return;
        if (conn) conn.close();
        this._conn = null;
        this._resync = null;
      }
      const wait = Math.min(delay, Math.max(0, deadline - Date.now()));
      delay = Math.min(delay * 2, 2000);
      if (wait > 0) await sleep(wait);
    }
    if (epoch === this._epoch) this._disconnect(code, reason);
  }

  /**
   * The server gave the session back: adopt the new socket, announce changed URLs, then
   * reconcile the peers and streams it re-announces with the ones known before the drop.
   * @param {SignalConnection} conn
   * @param {Session} session
   * @param {any} result
   */
  async _resumed(conn, session, result) {
    if (typeof result.sessionToken === 'string' && result.sessionToken) session.sessionToken = result.sessionToken;
    if (typeof result.pingInterval === 'number' && result.pingInterval > 0) session.pingInterval = result.pingInterval;
    if (typeof result.resumeWindow === 'number') session.resumeWindow = Math.max(0, result.resumeWindow);
    this._state = 'connected';
    const self = session.userId;

    const publications = Array.isArray(result.publications) ? result.publications : [];
    const main = publications.find((/** @type {any} */ x) => x && !x.screen && typeof x.url === 'string');
    if (main && (!this._pub || this._pub.url !== main.url)) {
      this._pub = { url: main.url };
      this.emit(EVENTS.UPDATE_URL, { uid: self, screen: false, url: main.url });
    } else if (!main && this._pub) {
      this._pub = null;
      this.emit(EVENTS.STREAM_FAILED, { uid: self, screen: false, reason: 'publication lost while reconnecting' });
    }

    const subscriptions = Array.isArray(result.subscriptions) ? result.subscriptions : [];
    const serverSubs = new Set();
    for (const s of subscriptions) {
      if (!s || typeof s.userId !== 'string' || typeof s.url !== 'string') continue;
      const screen = Boolean(s.screen);
      const key = streamKey(s.userId, screen);
      serverSubs.add(key);
      const mine = this._subs.get(key);
      if (!mine || mine.url !== s.url) {
        this._subs.set(key, { uid: s.userId, screen, url: s.url });
        this.emit(EVENTS.UPDATE_URL, { uid: s.userId, screen, url: s.url });
      }
    }

    this._reporter.start(session.reportUrl, session.sessionToken);
    for (const w of this._resumeWaiters.splice(0)) w.resolve();

    // The server sends its peerOnline/streamAdded burst before it reads the next request, so
    // the reply to this ping marks the end of the burst.
    try {
      await conn.call('ping', {}, this._opts.signalingTimeout);
    } catch (_) {
      // reconcile with what arrived; a dead socket is noticed by the heartbeat
    }
    if (this._conn !== conn || !this._resync) return;
    const resync = this._resync;
    this._resync = null;
    for (const [key, stream] of Array.from(this._streams)) {
      if (resync.streams.has(key)) continue;
      this._streams.delete(key);
      this._subs.delete(key);
      this.emit(EVENTS.STREAM_REMOVED, { uid: stream.uid, screen: stream.screen });
    }
    for (const [key, sub] of Array.from(this._subs)) {
      if (serverSubs.has(key)) continue;
      // The server lost this subscription although the stream is live: let the app subscribe anew.
      this._subs.delete(key);
      const stream = this._streams.get(key);
      this.emit(EVENTS.STREAM_REMOVED, { uid: sub.uid, screen: sub.screen });
      if (stream) {
        this.emit(EVENTS.STREAM_ADDED, {
          uid: stream.uid,
          screen: stream.screen,
          streamPublishState: { audio: stream.audio, video: stream.video },
        });
      }
    }
    if (resync.peers.size < MAX_ANNOUNCED_PEERS) {
      for (const uid of Array.from(this._peers)) {
        if (resync.peers.has(uid)) continue;
        this._peers.delete(uid);
        this.emit(EVENTS.PEER_LEAVE, { uid });
      }
    }
    if (this._conn === conn && this._state === 'connected') this._startHeartbeat();
  }
}

/**
 * @param {unknown} options
 * @returns {{audio?: boolean, video?: boolean} | null}
 */
function muteParams(options) {
  if (!options || typeof options !== 'object') return null;
  const o = /** @type {{audio?: unknown, video?: unknown}} */ (options);
  /** @type {{audio?: boolean, video?: boolean}} */
  const params = {};
  if (o.audio !== undefined) {
    if (typeof o.audio !== 'boolean') return null;
    params.audio = o.audio;
  }
  if (o.video !== undefined) {
    if (typeof o.video !== 'boolean') return null;
    params.video = o.video;
  }
  return params.audio === undefined && params.video === undefined ? null : params;
}
