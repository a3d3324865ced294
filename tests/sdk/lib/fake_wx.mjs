// A fake `wx` for the SDK unit tests: wx.request answered from a table, wx.connectSocket giving
// FakeSocketTasks that the test drives (open, receive, close, error) and that answer JSON-RPC
// requests through per-method handlers, like a scripted MiniRTC server.

export const APP_ID = '0123456789abcdef01234567';
export const SERVER = 'https://rtc.test';
export const SIGNAL_URL = 'wss://rtc.test/v1/signal';
export const REPORT_URL = 'https://rtc.test/v1/report';

/** A handler result that makes the fake server never answer. */
export const NO_REPLY = Symbol('no reply');

/** Lets queued microtasks and the callbacks they schedule run. */
export async function flush(rounds = 10) {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** Waits until `predicate()` holds, polling on real timers. */
export async function until(predicate, what = 'condition', timeoutMs = 2000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export class FakeSocketTask {
  /**
   * @param {FakeWx} wx
   * @param {string} url
   */
  constructor(wx, url) {
    this.wx = wx;
    this.url = url;
    /** When wx.connectSocket made it (ms since the epoch). */
    this.createdAt = Date.now();
    /** Frames the client sent, parsed. */
    this.sent = [];
    this.state = 'connecting';
    /** How the client closed it, if it did. */
    this.closedBy = null;
    this._on = { open: [], message: [], close: [], error: [] };
  }

  onOpen(cb) {
    this._on.open.push(cb);
  }
  onMessage(cb) {
    this._on.message.push(cb);
  }
  onClose(cb) {
    this._on.close.push(cb);
  }
  onError(cb) {
    this._on.error.push(cb);
  }

  send({ data, fail }) {
    if (this.state !== 'open') {
      if (fail) fail({ errMsg: 'sendSocketMessage:fail socket not open' });
      return;
    }
    const msg = JSON.parse(data);
    this.sent.push(msg);
    this.wx._dispatch(this, msg);
  }

  close({ code = 1000, reason = '' } = {}) {
    if (this.state === 'closed') return;
    this.closedBy = { code, reason };
    this.state = 'closed';
    // wx reports the close to the task's own onClose as well.
    queueMicrotask(() => this._fire('close', { code, reason }));
  }

  // --- driven by the test ---

  open() {
    if (this.state !== 'connecting') return;
    this.state = 'open';
    this._fire('open', {});
  }

  /** Delivers one server frame (object → JSON text). */
  receive(obj) {
    if (this.state !== 'open') return;
    this._fire('message', { data: typeof obj === 'string' ? obj : JSON.stringify(obj) });
  }

  notify(method, params) {
    this.receive({ jsonrpc: '2.0', method, params });
  }

  /** The server (or the network) ends the socket. */
  drop(code = 1006, reason = 'abnormal closure') {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this._fire('close', { code, reason });
  }

  error(errMsg = 'socket error') {
    this._fire('error', { errMsg });
  }

  /** Requests the client sent with this method name. */
  requests(method) {
    return this.sent.filter((m) => m.method === method);
  }

  _fire(kind, payload) {
    for (const cb of this._on[kind].slice()) cb(payload);
  }
}

export class FakeWx {
  /**
   * @param {object} [opts]
   * @param {Record<string, Function>} [opts.handlers] method → (params, socket) => result | {error} | NO_REPLY
   * @param {boolean} [opts.autoOpen] open sockets on the next microtask (default true)
   * @param {Function} [opts.onRequest] (opts) => {statusCode, data} | {fail: errMsg} | undefined (then default)
   */
  constructor(opts = {}) {
    this.autoOpen = opts.autoOpen !== false;
    /** @type {FakeSocketTask[]} */
    this.sockets = [];
    /** wx.request calls, as given. */
    this.requests = [];
    this.sessionCounter = 0;
    this.config = { appId: APP_ID, signalUrls: [SIGNAL_URL], reportUrl: REPORT_URL };
    this.onRequest = opts.onRequest || null;
    /** Refuse new sockets (a network that is down). */
    this.refuseSockets = false;
    this.handlers = Object.assign(
      {
        join: (p) => ({
          sessionToken: `sess-${++this.sessionCounter}`,
          roomId: p.roomId,
          userId: p.userId,
          pingInterval: 10000,
          sessionTimeout: 30000,
          resumeWindow: 20000,
        }),
        leave: () => ({}),
        publish: (p, s) => ({ url: `rtmp://rtc.test/live/${APP_ID}~room~me~main?a=pub&n=${this.sockets.indexOf(s)}` }),
        unpublish: () => ({}),
        subscribe: (p) => ({ url: `rtmp://rtc.test/live/${APP_ID}~room~${p.userId}~${p.screen ? 'screen' : 'main'}?a=play` }),
        unsubscribe: () => ({}),
        muteLocal: () => ({}),
        muteRemote: () => ({}),
        setUserVisibility: () => ({}),
        ping: () => ({ time: Date.now() }),
        resume: () => ({ error: { code: 300008, message: 'unknown session' } }),
      },
      opts.handlers || {},
    );
  }

  /** The most recent socket. */
  get socket() {
    return this.sockets[this.sockets.length - 1];
  }

  /** Report POSTs, bodies parsed. */
  get reports() {
    return this.requests.filter((r) => r.method === 'POST').map((r) => JSON.parse(r.data));
  }

  request(opts) {
    opts.sentAt = Date.now();
    this.requests.push(opts);
    let answer = this.onRequest ? this.onRequest(opts) : undefined;
    if (answer === undefined) {
      if (opts.method === 'GET' && opts.url.startsWith(`${SERVER}/v1/config?appId=`)) {
        answer = { statusCode: 200, data: this.config };
      } else if (opts.method === 'POST' && opts.url === REPORT_URL) {
        answer = { statusCode: 200, data: { accepted: JSON.parse(opts.data).reports.length } };
      } else {
        answer = { statusCode: 404, data: { error: 'not found' } };
      }
    }
    if (answer === NO_REPLY) return {};
    queueMicrotask(() => {
      if (answer.fail) opts.fail && opts.fail({ errMsg: `request:fail ${answer.fail}` });
      else opts.success && opts.success(answer);
    });
    return {};
  }

  connectSocket(opts) {
    const task = new FakeSocketTask(this, opts.url);
    this.sockets.push(task);
    if (this.refuseSockets) {
      queueMicrotask(() => {
        task.error('connect refused');
        task.drop(1006, 'connect refused');
      });
    } else if (this.autoOpen) {
      queueMicrotask(() => task.open());
    }
    return task;
  }

  /** Sockets the client has not closed and the server has not dropped. */
  get openSockets() {
    return this.sockets.filter((s) => s.state !== 'closed');
  }

  _dispatch(socket, msg) {
    const handler = this.handlers[msg.method];
    if (!handler) {
      queueMicrotask(() =>
        socket.receive({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'unknown method' } }),
      );
      return;
    }
    const out = handler(msg.params, socket, msg);
    if (out === NO_REPLY) return;
    queueMicrotask(() => {
      if (out && out.error) socket.receive({ jsonrpc: '2.0', id: msg.id, error: out.error });
      else socket.receive({ jsonrpc: '2.0', id: msg.id, result: out });
      if (out && out.after) out.after(socket);
    });
  }
}
