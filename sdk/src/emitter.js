// A small EventEmitter: the mini program runtime has none, and the SDK takes no dependencies.

/** @typedef {(payload?: any) => void} Listener */

export class Emitter {
  constructor() {
    /** @type {Map<string, Listener[]>} */
    this._listeners = new Map();
  }

  /**
   * Adds a listener.
   * @param {string} event
   * @param {Listener} fn
   * @returns {this}
   */
  on(event, fn) {
    if (typeof fn !== 'function') return this;
    const list = this._listeners.get(event);
    if (list) list.push(fn);
    else this._listeners.set(event, [fn]);
    return this;
  }

  /**
   * Adds a listener that is removed after its first call.
   * @param {string} event
   * @param {Listener} fn
   * @returns {this}
   */
  once(event, fn) {
    if (typeof fn !== 'function') return this;
    /** @type {Listener & {listener?: Listener}} */
    const wrapper = (payload) => {
      this.off(event, wrapper);
      fn.call(this, payload);
    };
    wrapper.listener = fn;
    return this.on(event, wrapper);
  }

  /**
   * Removes one listener, or every listener of `event` when `fn` is omitted.
   * @param {string} event
   * @param {Listener} [fn]
   * @returns {this}
   */
  off(event, fn) {
    const list = this._listeners.get(event);
    if (!list) return this;
    if (fn === undefined) {
      this._listeners.delete(event);
      return this;
    }
    const index = list.findIndex(
      (l) => l === fn || /** @type {{listener?: Listener}} */ (l).listener === fn,
    );
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this._listeners.delete(event);
    return this;
  }

  /**
   * Removes every listener, or every listener of one event.
   * @param {string} [event]
   * @returns {this}
   */
  removeAllListeners(event) {
    if (event === undefined) this._listeners.clear();
    else this._listeners.delete(event);
    return this;
  }

  /**
   * Number of listeners of `event`.
   * @param {string} event
   * @returns {number}
   */
  listenerCount(event) {
    const list = this._listeners.get(event);
    return list ? list.length : 0;
  }

  /**
   * Calls the listeners of `event` in order. A listener that throws is logged and does not stop
   * the others or the SDK.
   * @param {string} event
   * @param {any} [payload]
   * @returns {boolean} whether any listener was called
   */
  emit(event, payload) {
    const list = this._listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const fn of list.slice()) {
      try {
        fn.call(this, payload);
      } catch (err) {
        logError(`listener of ${event} threw`, err);
      }
    }
    return true;
  }
}

/**
 * @param {string} what
 * @param {unknown} err
 */
export function logError(what, err) {
  if (typeof console !== 'undefined' && console.error) console.error(`[miniapp-rtc] ${what}:`, err);
}
