// A fake SDK client for the page tests: records calls, resolves with plausible values, and lets
// the test emit SDK events. EVENTS and ERROR_CODES are the real ones from the built SDK.
'use strict';

const path = require('node:path');
const real = require(path.resolve(__dirname, '../../../sdk/dist/miniapp-rtc.min.js'));

class FakeClient {
  constructor(options) {
    this.options = options;
    this.state = 'idle';
    this.calls = [];
    this.listeners = {};
    this.failures = {};
    this.pushCount = 0;
    FakeClient.instances.push(this);
  }

  static get last() {
    return FakeClient.instances[FakeClient.instances.length - 1];
  }

  _call(name, args, value) {
    this.calls.push([name, ...args]);
    if (this.failures[name]) return Promise.reject(this.failures[name]);
    return Promise.resolve(value);
  }

  callsOf(name) {
    return this.calls.filter((c) => c[0] === name).map((c) => c.slice(1));
  }

  on(event, fn) {
    (this.listeners[event] = this.listeners[event] || []).push(fn);
    return this;
  }

  off(event, fn) {
    this.listeners[event] = (this.listeners[event] || []).filter((f) => f !== fn);
    return this;
  }

  removeAllListeners() {
    this.listeners = {};
    return this;
  }

  emit(event, payload) {
    for (const fn of (this.listeners[event] || []).slice()) fn(payload);
  }

  init(appId) {
    this.state = 'initialized';
    return this._call('init', [appId]);
  }

  join(token, roomId, userId) {
    const p = this._call('join', [token, roomId, userId], userId);
    return p.then((v) => {
      this.state = 'connected';
      return v;
    });
  }

  publish() {
    this.pushCount++;
    return this._call('publish', [], `rtmp://push/${this.pushCount}`);
  }

  unpublish() {
    return this._call('unpublish', []);
  }

  subscribe(uid, options) {
    const n = this.callsOf('subscribe').length + 1;
    return this._call('subscribe', [uid, options], `rtmp://play/${uid}-${options && options.screen ? 1 : 0}?n=${n}`);
  }

  unsubscribe(uid, options) {
    return this._call('unsubscribe', [uid, options]);
  }

  muteLocal(options) {
    return this._call('muteLocal', [options]);
  }

  leave() {
    this.state = 'initialized';
    return this._call('leave', []);
  }

  destroy() {
    this.state = 'destroyed';
    this.listeners = {};
    return this._call('destroy', []);
  }

  reportPusherStateChange(...args) {
    this.calls.push(['reportPusherStateChange', ...args]);
  }

  reportPusherNetStatusChange(...args) {
    this.calls.push(['reportPusherNetStatusChange', ...args]);
  }

  reportPlayerStateChange(...args) {
    this.calls.push(['reportPlayerStateChange', ...args]);
  }

  reportPlayerNetStatusChange(...args) {
    this.calls.push(['reportPlayerNetStatusChange', ...args]);
  }
}
FakeClient.instances = [];

module.exports = { FakeClient, sdk: { Client: FakeClient, EVENTS: real.EVENTS, ERROR_CODES: real.ERROR_CODES } };
