// The Client of the original mini program SDK (shared spec miniapp-sdk.md): the API surface.
// It checks arguments and states, sends requests through the session (session.js: config,
// socket, join, heartbeat, resume) and records what the server answered in the room state
// (room_state.js, the one owner of publications and subscriptions). A refusal made here without
// asking the server only ever rests on a state the server itself reported.

import { logError, Emitter } from './emitter.js';
import { ERROR_CODES, isRtcError, rtcError } from './errors.js';
import { EVENTS } from './events.js';
import { isAppId, isRoomOrUserId } from './ids.js';
import { Reporter, sanitizeInfo, sanitizeMessage } from './reporter.js';
import { RoomState } from './room_state.js';
import { Session, positiveOr, request } from './session.js';

/** Replaced by the build with sdk/package.json's version. */
export const SDK_VERSION = typeof __SDK_VERSION__ === 'string' ? __SDK_VERSION__ : '0.0.0-dev';
export const SDK_NAME = 'minirtc-miniapp';

/** The WebSocket close code of a normal close: no DISCONNECT for it (shared spec). */
const CLOSE_NORMAL = 1000;

/**
 * @typedef {'idle' | 'initialized' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'destroyed'} ClientState
 *
 * idle: new, init() not called. initialized: ready to join. connecting: join() in progress.
 * connected: in a room. reconnecting: the socket dropped and the SDK is resuming the session.
 * disconnected: the session ended without leave() (DISCONNECT, CLIENT_BANNED, or a normal
 * close by the server); join() again.
 * destroyed: after destroy(); init() starts over.
 */

/**
 * @typedef {object} ClientOptions
 * @property {string | string[]} [server] base URL of the MiniRTC server, e.g.
 *   'https://rtc.example.com', or several (the nodes of a cluster, docs/cluster.md): config is
 *   asked from the first that answers, in order, at join and again while resuming after a node
 *   is lost
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

/** @type {string[]} */
let defaultServers = [];

/**
 * The `server` option as a list of base URLs: trimmed, without a trailing slash; empty entries,
 * repeats and anything but strings left out.
 * @param {unknown} value one base URL or a list of them
 * @returns {string[]}
 */
function normalizeServers(value) {
  /** @type {string[]} */
  const out = [];
  for (const v of Array.isArray(value) ? value : [value]) {
    const url = typeof v === 'string' ? v.trim().replace(/\/+$/, '') : '';
    if (url && !out.includes(url)) out.push(url);
  }
  return out;
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

/**
 * @param {number} code
 * @param {string} reason
 * @returns {Promise<never>}
 */
function fail(code, reason) {
  return Promise.reject(rtcError(code, reason));
}

/**
 * @param {unknown} err
 * @param {number} code
 * @returns {boolean}
 */
function isCode(err, code) {
  return isRtcError(err) && err.code === code;
}

/**
 * @param {import('./connection.js').RpcReply | null} reply
 * @returns {number} the error code of an error reply, 0 otherwise
 */
function replyCode(reply) {
  return reply && reply.error ? Number(reply.error.code) : 0;
}

/**
 * @param {import('./connection.js').RpcReply | null} reply
 * @returns {string} the url of a result reply, '' otherwise
 */
function replyUrl(reply) {
  const result = reply && reply.result;
  return result && typeof result.url === 'string' ? result.url : '';
}

export class Client extends Emitter {
  /**
   * Server used by clients created without `server`: one base URL or a list of them (tried in
   * order for config); '' or [] clears it.
   * @param {string | string[]} url
   */
  static setDefaultServer(url) {
    defaultServers = normalizeServers(url);
  }

  /** @returns {string | string[]} the default server, normalized: '' when none, a list when several */
  static getDefaultServer() {
    return defaultServers.length > 1 ? defaultServers.slice() : defaultServers[0] || '';
  }

  /**
   * @param {ClientOptions} [options]
   */
  constructor(options) {
    super();
    const opts = options && typeof options === 'object' ? options : {};
    this._servers = normalizeServers(opts.server);
    this._wxOverride = opts.wx || null;
    this._opts = {
      signalingTimeout: positiveOr(opts.signalingTimeout, 3000),
      requestTimeout: positiveOr(opts.requestTimeout, 5000),
      reportInterval: positiveOr(opts.reportInterval, 5000),
      resume: opts.resume !== false,
      playFormat: opts.playFormat === 'rtmp' || opts.playFormat === 'flv' ? opts.playFormat : '',
    };
    /** @type {'idle' | 'initialized' | 'disconnected' | 'destroyed'} state when no session runs */
    this._base = 'idle';
    this._appId = '';
    this._businessId = '';
    this._visible = true;
    /** @type {Session | null} */
    this._session = null;
    this._publishing = false;
    this._room = new RoomState((event, payload) => this.emit(event, payload));
    /** Report requests under way, ended by destroy(). */
    /** @type {Set<() => void>} */
    this._posts = new Set();
    this._reporter = new Reporter({
      post: (url, body) => {
        const wxApi = this._wx();
        return wxApi ? request(wxApi, { url, method: 'POST', data: body }, this._opts.requestTimeout, this._posts) : Promise.resolve();
      },
      interval: this._opts.reportInterval,
    });
  }

  /** @returns {ClientState} 'connected' while in a room */
  get state() {
    const s = this._session;
    return s && s.state !== 'ended' ? s.state : this._base;
  }

  /** @returns {string} the user id while in a room, '' otherwise (ours) */
  get userId() {
    return this._inRoom() ? /** @type {Session} */ (this._session).userId : '';
  }

  /** @returns {string} the room id while in a room, '' otherwise (ours) */
  get roomId() {
    return this._inRoom() ? /** @type {Session} */ (this._session).roomId : '';
  }

  /** @returns {boolean} connected or reconnecting */
  _inRoom() {
    const state = this.state;
    return state === 'connected' || state === 'reconnecting';
  }

  /** @returns {import('./connection.js').WxLike | null} */
  _wx() {
    if (this._wxOverride) return this._wxOverride;
    // The mini program runtime provides wx as a global of every module; Node tests set globalThis.wx.
    return typeof wx !== 'undefined' && wx ? /** @type {any} */ (wx) : null;
  }

  /**
   * Ends the current session locally (no request) and forgets the room.
   * @param {'initialized' | 'disconnected'} base the state afterwards
   */
  _endSession(base) {
    const session = this._session;
    this._session = null;
    this._publishing = false;
    if (session) session.end();
    this._reporter.stop();
    this._room.reset('');
    this._base = base;
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
    if (this.state !== 'idle' && this.state !== 'destroyed') {
      p = fail(ERROR_CODES.HAS_INITED, 'init() was already called');
    } else if (!isAppId(appId)) {
      p = fail(ERROR_CODES.INVALID_PARAMS, 'appId must be 24 characters [a-zA-Z0-9]');
    } else {
      this._appId = appId;
      this._base = 'initialized';
      p = Promise.resolve();
    }
    return settle(p, onSuccess, onFailure);
  }

  /**
   * Leaves the room if in one and releases everything, listeners and timers included.
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  destroy(onSuccess, onFailure) {
    const run = async () => {
      if (this.state === 'connected') {
        try {
          await this._leave();
        } catch (_) {
          // destroy always succeeds; the server ends a silent session by itself
        }
      }
      this._endSession('initialized');
      for (const cancel of Array.from(this._posts)) cancel();
      this.removeAllListeners();
      this._appId = '';
      this._businessId = '';
      this._visible = true;
      this._base = 'destroyed';
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
    if (this.state === 'connecting') p = fail(ERROR_CODES.CONNECTING, 'setBusinessId: join in progress');
    else if (this._inRoom()) p = fail(ERROR_CODES.ALREADY_IN_ROOM, 'setBusinessId: only before join');
    else if (!isRoomOrUserId(id)) p = fail(ERROR_CODES.INVALID_PARAMS, 'businessId must be 1-128 characters [a-zA-Z0-9@_.-]');
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
    const state = this.state;
    if (state === 'idle' || state === 'destroyed') throw rtcError(ERROR_CODES.INVALID_PARAMS, 'join: call init(appId) first');
    if (state === 'connecting') throw rtcError(ERROR_CODES.CONNECTING, 'join: a join is in progress');
    if (this._inRoom()) throw rtcError(ERROR_CODES.ALREADY_IN_ROOM, 'join: already in a room');
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
    const servers = this._servers.length > 0 ? this._servers : defaultServers;
    if (servers.length === 0) {
      throw rtcError(
        ERROR_CODES.GET_CONFIG_ERROR,
        'join: no server address; pass new Client({ server }) or call Client.setDefaultServer(url)',
      );
    }

    this._endSession('initialized');
    this._room.reset(userId);
    const session = new Session(wxApi, this._opts, this._hooks());
    this._session = session;
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
    try {
      await session.join(servers, params);
    } catch (err) {
      if (this._session === session) this._endSession('initialized');
      throw err;
    }
    if (this._session !== session) throw rtcError(ERROR_CODES.JOIN_ROOM_ERROR, 'join cancelled by leave()');
    this._reporter.start(session.reportUrl, session.sessionToken, { appId: session.appId, roomId: session.roomId });
    return userId;
  }

  /**
   * The session's hooks, bound to the session they are made for.
   * @returns {import('./session.js').SessionHooks}
   */
  _hooks() {
    /** @type {Session | null} */
    let mine = null;
    const current = () => {
      if (mine === null) mine = this._session;
      return mine !== null && this._session === mine;
    };
    return {
      notification: (method, params) => {
        if (!current()) return;
        if (this._room.notify(method, params) === 'banned') {
          this._endSession('disconnected');
          this.emit(EVENTS.CLIENT_BANNED, { reason: typeof params.reason === 'string' ? params.reason : '' });
        }
      },
      socketError: (reason) => {
        if (current()) this.emit(EVENTS.ERROR, { code: ERROR_CODES.WEBSOCKET_FAILED, reason });
      },
      reconnecting: () => {
        if (current()) this._reporter.pause();
      },
      resuming: () => {
        if (current()) this._room.beginResync();
      },
      resumed: (result) => (current() ? this._resumed(/** @type {Session} */ (this._session), result) : Promise.resolve()),
      lost: (code, reason) => {
        if (!current()) return;
        this._endSession('disconnected');
        // A normal close (1000) is the server ending the session on purpose, not a failure.
        if (code !== CLOSE_NORMAL) this.emit(EVENTS.DISCONNECT, { code, reason });
      },
    };
  }

  /**
   * The server gave the session back: its lists of publications and subscriptions replace the
   * client's; then what disappeared during the drop is told once the burst of announcements is over.
   * @param {Session} session
   * @param {any} result
   * @returns {Promise<void>} settles when the burst after the resume has been reconciled
   */
  _resumed(session, result) {
    const unwanted = this._room.resumeReply(
      Array.isArray(result.publications) ? result.publications : [],
      Array.isArray(result.subscriptions) ? result.subscriptions : [],
    );
    this._reporter.start(session.reportUrl, session.sessionToken, { appId: session.appId, roomId: session.roomId });
    return (async () => {
      for (const { uid, screen } of unwanted) this._unsubscribeRpc(session, uid, screen).catch(() => {});
      const complete = await session.afterBurst();
      if (this._session === session) this._room.endResync(complete);
    })();
  }

  /**
   * Leaves the room; remote users get PEER_LEAVE. Closes the socket.
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  leave(onSuccess, onFailure) {
    let p;
    const state = this.state;
    if (state === 'connected') {
      p = this._leave();
    } else if (state === 'connecting' || state === 'reconnecting') {
      // Nothing to tell a server we are not talking to; a half-open join or a session being
      // resumed ends here (the server drops a silent session after its resume window).
      this._endSession('initialized');
      p = Promise.resolve();
    } else {
      p = fail(ERROR_CODES.NOT_IN_ROOM, 'leave: not in a room');
    }
    return settle(p, onSuccess, onFailure);
  }

  /** @returns {Promise<void>} */
  async _leave() {
    const session = /** @type {Session} */ (this._session);
    try {
      await session.leave();
    } finally {
      if (this._session === session) this._endSession('initialized');
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Requests. What a reply says is applied to the room state by the reply hook given to rpc(),
  // synchronously and in order with the notifications; the promises only report to the app.

  /**
   * A reply hook that applies while `session` is the current one.
   * @param {Session} session
   * @param {(reply: import('./connection.js').RpcReply | null) => void} fn
   * @returns {(reply: import('./connection.js').RpcReply | null) => void}
   */
  _apply(session, fn) {
    return (reply) => {
      if (this._session === session) fn(reply);
    };
  }

  /**
   * The session of a joined room, or NOT_IN_ROOM.
   * @param {string} method
   * @returns {Session}
   */
  _needRoom(method) {
    if (!this._inRoom()) throw rtcError(ERROR_CODES.NOT_IN_ROOM, `${method}: not in a room`);
    return /** @type {Session} */ (this._session);
  }

  /**
   * Publishes the camera stream. When the state is unknown (a lost reply, STREAM_FAILED) the
   * server decides: a publication it still holds is replaced by a new one.
   * @param {(url: string) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<string>} the RTMP push URL for `<live-pusher url>`
   */
  publish(onSuccess, onFailure) {
    const run = async () => {
      const session = this._needRoom('publish');
      const room = this._room;
      if (this._publishing) throw rtcError(ERROR_CODES.ALREADY_PUBLISHED, 'publish: a publish is in progress');
      if (room.pub.state === 'published') {
        if (room.pub.delivered) throw rtcError(ERROR_CODES.ALREADY_PUBLISHED, 'publish: already published');
        // Restored by a resume after this publish's reply was lost: hand the URL over now.
        room.pub.delivered = true;
        return room.pub.url;
      }
      this._publishing = true;
      try {
        return await this._publishRpc(session);
      } finally {
        if (this._session === session) this._publishing = false;
      }
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * @param {Session} session
   * @returns {Promise<string>}
   */
  async _publishRpc(session) {
    const room = this._room;
    const apply = this._apply(session, (reply) => {
      const url = replyUrl(reply);
      if (url) room.publishReply(url);
      // 100005: the server holds a publication whose URL this side does not know
      else if (!reply || replyCode(reply) === ERROR_CODES.ALREADY_PUBLISHED) room.pubUnknown();
    });
    const ask = async () => {
      const result = await session.rpc('publish', { screen: false }, ERROR_CODES.PUBLISH_ERROR, apply);
      if (typeof result.url !== 'string' || !result.url) throw rtcError(ERROR_CODES.PUBLISH_ERROR, 'publish: the server sent no url');
      return /** @type {string} */ (result.url);
    };
    try {
      return await ask();
    } catch (err) {
      if (this._session !== session || !isCode(err, ERROR_CODES.ALREADY_PUBLISHED)) throw err;
      // The server holds a publication this side cannot use: its URL was lost with a reply, or
      // it failed (STREAM_FAILED) and the app publishes again. End it and publish anew.
      await this._unpublishRpc(session).catch((e) => {
        if (!isCode(e, ERROR_CODES.NOT_PUBLISHED)) throw e;
      });
      return ask();
    }
  }

  /**
   * @param {Session} session
   * @returns {Promise<void>}
   */
  async _unpublishRpc(session) {
    const room = this._room;
    const apply = this._apply(session, (reply) => {
      if (!reply) room.pubUnknown();
      else if (reply.result || replyCode(reply) === ERROR_CODES.NOT_PUBLISHED) room.notPublished();
    });
    await session.rpc('unpublish', { screen: false }, ERROR_CODES.UNPUBLISH_ERROR, apply);
  }

  /**
   * Stops publishing; remote subscribers get STREAM_REMOVED.
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  unpublish(onSuccess, onFailure) {
    const run = async () => {
      const session = this._needRoom('unpublish');
      if (this._room.pub.state === 'none') throw rtcError(ERROR_CODES.NOT_PUBLISHED, 'unpublish: not published');
      await this._unpublishRpc(session);
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Subscribes to a remote stream. When the stream is removed before the reply comes, the
   * subscription is undone and the call fails with STREAM_ID_NOT_FOUND.
   * @param {string} userId
   * @param {SubscribeOptions | ((url: string) => void)} [options]
   * @param {any} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<string>} the play URL for `<live-player src>`
   */
  subscribe(userId, options, onSuccess, onFailure) {
    let opts;
    [opts, onSuccess, onFailure] = optionsAndCallbacks(options, onSuccess, onFailure);
    const run = async () => {
      if (!isRoomOrUserId(userId)) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'subscribe: bad userId');
      const session = this._needRoom('subscribe');
      const room = this._room;
      if (!room.knowsUser(userId)) throw rtcError(ERROR_CODES.UID_NOT_FOUND, `subscribe: user ${userId} is not in the room`);
      const screen = Boolean(opts.screen);
      /** @type {Record<string, unknown>} */
      const params = { userId, screen, audio: opts.audio !== false, video: opts.video !== false };
      const format = opts.format === 'rtmp' || opts.format === 'flv' ? opts.format : this._opts.playFormat;
      if (format) params.format = format;
      const removals = room.removalCount(userId, screen);
      let overtaken = false;
      const apply = this._apply(session, (reply) => {
        const url = replyUrl(reply);
        if (!reply) room.subUnknown(userId, screen, true);
        else if (replyCode(reply) === ERROR_CODES.STREAM_ID_NOT_FOUND) room.notSubscribed(userId, screen);
        else if (!url) return;
        else if (room.removalCount(userId, screen) !== removals && !room.hasStream(userId, screen)) {
          // STREAM_REMOVED came first (a publisher whose media stopped keeps its publication, so
          // the server could still subscribe): the app has dropped the stream, so the server must too.
          overtaken = true;
          room.subUnknown(userId, screen, false);
        } else room.subscribeReply(userId, screen, url);
      });
      const result = await session.rpc('subscribe', params, ERROR_CODES.SUBSCRIBE_FAILED, apply);
      if (this._session !== session) throw rtcError(ERROR_CODES.SUBSCRIBE_FAILED, 'subscribe: left the room meanwhile');
      if (overtaken) {
        await this._unsubscribeRpc(session, userId, screen).catch(() => {});
        throw rtcError(ERROR_CODES.STREAM_ID_NOT_FOUND, `subscribe: the stream of ${userId} was removed meanwhile`);
      }
      if (typeof result.url !== 'string' || !result.url) {
        throw rtcError(ERROR_CODES.SUBSCRIBE_FAILED, 'subscribe: the server sent no url');
      }
      return /** @type {string} */ (result.url);
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * @param {Session} session
   * @param {string} userId
   * @param {boolean} screen
   * @returns {Promise<void>}
   */
  async _unsubscribeRpc(session, userId, screen) {
    const room = this._room;
    const apply = this._apply(session, (reply) => {
      if (!reply) room.subUnknown(userId, screen, false);
      else if (reply.result || replyCode(reply) === ERROR_CODES.UNSUBSCRIBE_FAILED) room.notSubscribed(userId, screen);
    });
    await session.rpc('unsubscribe', { userId, screen }, ERROR_CODES.UNSUBSCRIBE_FAILED, apply);
  }

  /**
   * @param {string} userId
   * @param {{screen?: boolean} | ((v: void) => void)} [options]
   * @param {any} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  unsubscribe(userId, options, onSuccess, onFailure) {
    let opts;
    [opts, onSuccess, onFailure] = optionsAndCallbacks(options, onSuccess, onFailure);
    const run = async () => {
      if (!isRoomOrUserId(userId)) throw rtcError(ERROR_CODES.INVALID_PARAMS, 'unsubscribe: bad userId');
      const session = this._needRoom('unsubscribe');
      await this._unsubscribeRpc(session, userId, Boolean(opts.screen));
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
      const session = this._needRoom('muteLocal');
      if (this._room.pub.state === 'none') throw rtcError(ERROR_CODES.NOT_PUBLISHED, 'muteLocal: not published');
      const room = this._room;
      const apply = this._apply(session, (reply) => {
        if (replyCode(reply) === ERROR_CODES.NOT_PUBLISHED) room.notPublished();
      });
      await session.rpc('muteLocal', Object.assign(params, { screen: false }), ERROR_CODES.MUTE_LOCAL_ERROR, apply);
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
      const session = this._needRoom('muteRemote');
      const screen = Boolean(options && options.screen);
      await session.rpc('muteRemote', Object.assign({ userId, screen }, params), ERROR_CODES.MUTE_REMOTE_ERROR);
    };
    return settle(run(), onSuccess, onFailure);
  }

  /**
   * Visible users are announced to others; invisible ones may only subscribe, and turning
   * invisible ends this user's publication. Before or after join.
   * @param {boolean} enable
   * @param {(v: void) => void} [onSuccess]
   * @param {(e: import('./errors.js').RtcError) => void} [onFailure]
   * @returns {Promise<void>}
   */
  setUserVisibility(enable, onSuccess, onFailure) {
    const run = async () => {
      if (typeof enable !== 'boolean') throw rtcError(ERROR_CODES.INVALID_PARAMS, 'setUserVisibility: enable must be a boolean');
      if (this.state === 'connecting') throw rtcError(ERROR_CODES.CONNECTING, 'setUserVisibility: join in progress');
      if (this._inRoom()) {
        const session = /** @type {Session} */ (this._session);
        const room = this._room;
        const apply = this._apply(session, (reply) => {
          // turning invisible ends the publication (docs/protocol.md §4.5)
          if (reply && reply.result && !enable) room.notPublished();
        });
        await session.rpc('setUserVisibility', { visible: enable }, ERROR_CODES.INVALID_PARAMS, apply);
        if (this._session !== session) return;
      }
      this._visible = enable;
    };
    return settle(run(), onSuccess, onFailure);
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
    return this._room.onlyScreenSubscribed(uid);
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
