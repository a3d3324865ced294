// One signalling WebSocket (a wx SocketTask) speaking JSON-RPC 2.0 (docs/protocol.md §4):
// requests with a reply timeout, notifications, and the socket's end.

import { ERROR_CODES, rtcError } from './errors.js';

/**
 * The part of a wx SocketTask the SDK uses.
 * @typedef {object} SocketTaskLike
 * @property {(cb: () => void) => void} onOpen
 * @property {(cb: (msg: {data: string | ArrayBuffer}) => void) => void} onMessage
 * @property {(cb: (ev: {code?: number, reason?: string}) => void) => void} onClose
 * @property {(cb: (err: {errMsg?: string}) => void) => void} onError
 * @property {(opts: {data: string, success?: Function, fail?: Function}) => void} send
 * @property {(opts: {code?: number, reason?: string}) => void} close
 */

/**
 * The part of the global `wx` the SDK uses: wx.request and wx.connectSocket, nothing else.
 * @typedef {object} WxLike
 * @property {(opts: object) => any} request
 * @property {(opts: object) => SocketTaskLike} connectSocket
 */

/**
 * A server reply: exactly one of result and error is set.
 * @typedef {{result?: any, error?: {code?: unknown, message?: unknown, data?: any}}} RpcReply
 */

/**
 * @param {unknown} err
 * @returns {string}
 */
export function errMsg(err) {
  if (err && typeof err === 'object' && typeof (/** @type {any} */ (err).errMsg) === 'string') {
    return /** @type {any} */ (err).errMsg;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

export class SignalConnection {
  /**
   * @param {WxLike} wxApi
   * @param {string} url
   */
  constructor(wxApi, url) {
    this.url = url;
    this._wx = wxApi;
    /** @type {SocketTaskLike | null} */
    this._task = null;
    this._nextId = 1;
    /** @type {Map<number, {resolve: (r: RpcReply) => void, reject: (e: any) => void, timer: any, tell: (r: RpcReply | null) => void}>} */
    this._pending = new Map();
    this._open = false;
    this._closed = false;
    /** @type {(() => void) | null} */
    this._failOpen = null;
    /** @type {((method: string, params: any) => void) | null} */
    this.onNotification = null;
    /** Called once when the socket ends without close() from this side. */
    /** @type {((ev: {code: number, reason: string}) => void) | null} */
    this.onClosed = null;
    /** @type {((reason: string) => void) | null} */
    this.onSocketError = null;
  }

  /** @returns {boolean} open and not closed */
  get isOpen() {
    return this._open && !this._closed;
  }

  /**
   * Opens the socket; fails with WEBSOCKET_FAILED when it errors, closes or does not open in time.
   * @param {number} timeoutMs
   * @returns {Promise<void>}
   */
  open(timeoutMs) {
    return new Promise((resolve, reject) => {
      let settled = false;
      /** @param {string} reason */
      const fail = (reason) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this._shutdown(1000, 'open failed');
        reject(rtcError(ERROR_CODES.WEBSOCKET_FAILED, `${this.url}: ${reason}`));
      };
      const timer = setTimeout(() => fail(`not open within ${timeoutMs} ms`), timeoutMs);
      // close() before the socket opened ends the wait too
      this._failOpen = () => fail('closed before open');
      let task;
      try {
        task = this._wx.connectSocket({ url: this.url, fail: (/** @type {any} */ e) => fail(errMsg(e)) });
      } catch (e) {
        fail(errMsg(e));
        return;
      }
      if (!task || typeof task.onOpen !== 'function') {
        fail('wx.connectSocket returned no SocketTask');
        return;
      }
      this._task = task;
      if (settled) {
        // connectSocket's fail callback ran synchronously, before the task was known.
        try {
          task.close({ code: 1000, reason: 'open failed' });
        } catch (_) {
          // nothing to close
        }
        return;
      }
      task.onOpen(() => {
        if (settled) return;
        settled = true;
        this._failOpen = null;
        clearTimeout(timer);
        this._open = true;
        resolve();
      });
      task.onMessage((msg) => this._onMessage(msg && msg.data));
      task.onError((err) => {
        if (!settled) fail(errMsg(err));
        else if (!this._closed && this.onSocketError) this.onSocketError(errMsg(err));
      });
      task.onClose((ev) => {
        const code = ev && typeof ev.code === 'number' ? ev.code : 1006;
        const reason = ev && typeof ev.reason === 'string' ? ev.reason : '';
        if (!settled) {
          fail(`closed before open (${code}${reason ? ` ${reason}` : ''})`);
          return;
        }
        if (this._closed) return;
        this._shutdown(code, reason);
        if (this.onClosed) this.onClosed({ code, reason });
      });
    });
  }

  /**
   * Sends a request and waits for the server's reply, which may be an error reply. Rejects with
   * SIGNALING_TIMEOUT when no reply comes in time, WEBSOCKET_NOT_CONNECTED when the socket is
   * not open or ends first.
   * `onReply` is called synchronously when the reply arrives, before any later message is
   * handled, so what the reply says is applied in the order the server sent it; it gets null
   * when no reply will come (timeout, socket ended, send failed).
   * @param {string} method
   * @param {object} params
   * @param {number} timeoutMs
   * @param {(reply: RpcReply | null) => void} [onReply]
   * @returns {Promise<RpcReply>}
   */
  call(method, params, timeoutMs, onReply) {
    const tell = onReply || (() => {});
    return new Promise((resolve, reject) => {
      if (!this.isOpen || !this._task) {
        tell(null);
        reject(rtcError(ERROR_CODES.WEBSOCKET_NOT_CONNECTED, `${method}: signalling socket not open`));
        return;
      }
      const id = this._nextId++;
      const timer = setTimeout(() => {
        if (!this._pending.delete(id)) return;
        tell(null);
        reject(rtcError(ERROR_CODES.SIGNALING_TIMEOUT, `${method}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this._pending.set(id, { resolve, reject, timer, tell });
      const data = JSON.stringify({ jsonrpc: '2.0', id, method, params });
      /** @param {unknown} err */
      const sendFailed = (err) => {
        const entry = this._pending.get(id);
        if (!entry) return;
        this._pending.delete(id);
        clearTimeout(entry.timer);
        tell(null);
        reject(rtcError(ERROR_CODES.WEBSOCKET_NOT_CONNECTED, `${method}: send failed: ${errMsg(err)}`));
      };
      try {
        this._task.send({ data, fail: sendFailed });
      } catch (e) {
        sendFailed(e);
      }
    });
  }

  /**
   * Closes the socket from this side; onClosed is not called. Pending requests fail with
   * WEBSOCKET_NOT_CONNECTED.
   * @param {number} [code] 1000 or 3000-4999 (what wx allows)
   * @param {string} [reason]
   */
  close(code = 1000, reason = '') {
    this._shutdown(code, reason);
  }

  /**
   * @param {number} code
   * @param {string} reason
   */
  _shutdown(code, reason) {
    if (this._closed) return;
    this._closed = true;
    if (this._failOpen) this._failOpen();
    const pending = Array.from(this._pending.values());
    this._pending.clear();
    for (const entry of pending) {
      clearTimeout(entry.timer);
      entry.tell(null);
      entry.reject(rtcError(ERROR_CODES.WEBSOCKET_NOT_CONNECTED, 'signalling socket closed before the reply'));
    }
    const task = this._task;
    if (task) {
      try {
        task.close({ code, reason });
      } catch (_) {
        // already closed
      }
    }
  }

  /** @param {unknown} data */
  _onMessage(data) {
    if (this._closed || typeof data !== 'string') return; // the server sends text frames only
    let msg;
    try {
      msg = JSON.parse(data);
    } catch (_) {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (msg.id !== undefined && msg.id !== null && (('result' in msg) || ('error' in msg))) {
      const entry = this._pending.get(msg.id);
      if (!entry) return; // late reply after a timeout
      this._pending.delete(msg.id);
      clearTimeout(entry.timer);
      /** @type {RpcReply} */
      const reply = msg.error ? { error: msg.error } : { result: msg.result };
      entry.tell(reply);
      entry.resolve(reply);
      return;
    }
    if (typeof msg.method === 'string' && (msg.id === undefined || msg.id === null)) {
      const params = msg.params && typeof msg.params === 'object' ? msg.params : {};
      if (this.onNotification) this.onNotification(msg.method, params);
    }
  }
}
