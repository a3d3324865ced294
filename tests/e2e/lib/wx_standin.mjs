// A `wx` stand-in for running the mini program SDK in Node against a real server:
// wx.request on Node's fetch, wx.connectSocket on the npm package `ws`, with the callback
// shapes of the mini program runtime (success/fail/complete; SocketTask onOpen/onMessage/
// onClose/onError/send/close). Tests can also cut a socket the way a lost network does.
import WebSocket from 'ws';

/**
 * @param {unknown} err
 * @returns {string}
 */
function message(err) {
  return err instanceof Error ? err.message : String(err);
}

/** Calls a wx callback if given; a throwing callback must not break the stand-in. */
function call(fn, arg) {
  if (typeof fn !== 'function') return;
  try {
    fn(arg);
  } catch (err) {
    console.error('[wx stand-in] callback threw:', err);
  }
}

export class SocketTaskStandin {
  /**
   * @param {string} url
   * @param {{header?: object, protocols?: string[]}} [options]
   */
  constructor(url, options = {}) {
    this.url = url;
    /** @type {{open: Function[], message: Function[], close: Function[], error: Function[]}} */
    this._listeners = { open: [], message: [], close: [], error: [] };
    /** Text frames the SDK sent, parsed when they are JSON. */
    this.sent = [];
    this.closed = null;
    this.ws = new WebSocket(url, options.protocols || [], { headers: options.header || {} });
    this.ws.on('open', () => this._fire('open', { header: {} }));
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const buf = Buffer.isBuffer(data) ? data : Buffer.concat(data);
        this._fire('message', { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) });
      } else {
        this._fire('message', { data: data.toString('utf8') });
      }
    });
    this.ws.on('error', (err) => this._fire('error', { errMsg: message(err) }));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString('utf8') };
      this._fire('close', this.closed);
    });
  }

  onOpen(cb) {
    this._listeners.open.push(cb);
  }

  onMessage(cb) {
    this._listeners.message.push(cb);
  }

  onClose(cb) {
    this._listeners.close.push(cb);
  }

  onError(cb) {
    this._listeners.error.push(cb);
  }

  /** @param {{data: string | ArrayBuffer, success?: Function, fail?: Function, complete?: Function}} opts */
  send(opts) {
    if (this.ws.readyState !== WebSocket.OPEN) {
      call(opts.fail, { errMsg: 'sendSocketMessage:fail WebSocket is not connected' });
      call(opts.complete, {});
      return;
    }
    if (typeof opts.data === 'string') {
      try {
        this.sent.push(JSON.parse(opts.data));
      } catch (_) {
        this.sent.push(opts.data);
      }
    }
    this.ws.send(opts.data, (err) => {
      if (err) call(opts.fail, { errMsg: `sendSocketMessage:fail ${message(err)}` });
      else call(opts.success, { errMsg: 'sendSocketMessage:ok' });
      call(opts.complete, {});
    });
  }

  /** @param {{code?: number, reason?: string, success?: Function, fail?: Function, complete?: Function}} [opts] */
  close(opts = {}) {
    try {
      if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
      else this.ws.close(opts.code === undefined ? 1000 : opts.code, opts.reason || '');
      call(opts.success, { errMsg: 'closeSocket:ok' });
    } catch (err) {
      call(opts.fail, { errMsg: `closeSocket:fail ${message(err)}` });
    }
    call(opts.complete, {});
  }

  // --- for tests ---

  /** The network goes away: the TCP connection is cut without a close frame (client sees 1006). */
  drop() {
    this.ws.terminate();
  }

  /** True while the socket is connecting or open. */
  get alive() {
    return this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN;
  }

  /** JSON-RPC requests the SDK sent with this method. */
  requests(method) {
    return this.sent.filter((m) => m && m.method === method);
  }

  _fire(kind, payload) {
    for (const cb of this._listeners[kind].slice()) call(cb, payload);
  }
}

/**
 * Builds a fresh `wx` object. Each has its own list of sockets and requests, so one object per
 * simulated phone tells which sockets that phone holds.
 * @returns {{request: Function, connectSocket: Function, sockets: SocketTaskStandin[],
 *   requests: object[], openSockets: () => SocketTaskStandin[]}}
 */
export function createWx() {
  /** @type {SocketTaskStandin[]} */
  const sockets = [];
  const requests = [];
  return {
    sockets,
    requests,
    openSockets: () => sockets.filter((s) => s.alive),

    request(opts) {
      const method = (opts.method || 'GET').toUpperCase();
      let url = opts.url;
      let body;
      if (opts.data !== undefined && opts.data !== null) {
        if (method === 'GET') {
          // wx.request puts a GET's data object into the query string.
          if (typeof opts.data === 'object') {
            const q = new URLSearchParams(opts.data).toString();
            if (q) url += (url.includes('?') ? '&' : '?') + q;
          }
        } else {
          body = typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data);
        }
      }
      const record = { url, method, header: opts.header || {}, body };
      requests.push(record);
      const controller = new AbortController();
      const timer = opts.timeout ? setTimeout(() => controller.abort(), opts.timeout) : null;
      fetch(url, { method, headers: opts.header || {}, body, signal: controller.signal })
        .then(async (res) => {
          const text = await res.text();
          let data = text;
          if ((opts.dataType || 'json') === 'json') {
            try {
              data = JSON.parse(text);
            } catch (_) {
              data = text;
            }
          }
          record.status = res.status;
          call(opts.success, { statusCode: res.status, data, header: Object.fromEntries(res.headers), errMsg: 'request:ok' });
        })
        .catch((err) => {
          record.error = message(err);
          call(opts.fail, { errMsg: `request:fail ${err.name === 'AbortError' ? 'timeout' : message(err)}` });
        })
        .finally(() => {
          if (timer) clearTimeout(timer);
          call(opts.complete, {});
        });
      return { abort: () => controller.abort() };
    },

    connectSocket(opts) {
      const task = new SocketTaskStandin(opts.url, { header: opts.header, protocols: opts.protocols });
      sockets.push(task);
      call(opts.success, { errMsg: 'connectSocket:ok' });
      return task;
    },
  };
}
