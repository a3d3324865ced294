// Batches the components' state and net status reports to POST /v1/report (docs/protocol.md §5):
// at most one request per interval, failure codes at once, never throws. Each batch names the
// session's room (appId, roomId): in a cluster, a node that does not hold the session forwards the
// batch to the node that does, so reportUrl may be any node's.

import { logError } from './emitter.js';

/** Pusher/player state codes that mean "gave up": sent at once, the server marks the stream failed. */
export const URGENT_CODES = Object.freeze([-1307, -2301]);

/** Reports per request; keeps a batch well under the server's 64 KiB limit. */
export const MAX_BATCH = 50;
/** Reports waiting at most; the oldest go first when a flood outruns the interval. */
export const MAX_QUEUE = 200;
const MAX_INFO_FIELDS = 40;
const MAX_STRING = 256;

/**
 * @typedef {object} Report
 * @property {'pusherState' | 'pusherNet' | 'playerState' | 'playerNet'} type
 * @property {number} time unix ms
 * @property {string} [uid]
 * @property {boolean} [screen]
 * @property {number} [code]
 * @property {string} [message]
 * @property {Record<string, number | string | boolean>} [info]
 */

/**
 * Copies the primitive fields of a bindnetstatus `detail.info`, bounded in count and length.
 * @param {unknown} info
 * @returns {Record<string, number | string | boolean> | null}
 */
export function sanitizeInfo(info) {
  if (!info || typeof info !== 'object') return null;
  /** @type {Record<string, number | string | boolean>} */
  const out = {};
  let n = 0;
  for (const key of Object.keys(info)) {
    if (n >= MAX_INFO_FIELDS) break;
    const value = /** @type {any} */ (info)[key];
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) continue;
      out[key] = value;
    } else if (typeof value === 'boolean') {
      out[key] = value;
    } else if (typeof value === 'string') {
      out[key] = value.slice(0, MAX_STRING);
    } else {
      continue;
    }
    n++;
  }
  return out;
}

/**
 * @param {unknown} message
 * @returns {string}
 */
export function sanitizeMessage(message) {
  if (message === undefined || message === null) return '';
  return String(message).slice(0, MAX_STRING);
}

export class Reporter {
  /**
   * @param {object} deps
   * @param {(url: string, body: string) => Promise<unknown>} deps.post sends one batch
   * @param {number} deps.interval minimum ms between two ordinary sends
   */
  constructor(deps) {
    this._post = deps.post;
    this._interval = deps.interval;
    /** @type {Report[]} */
    this._queue = [];
    this._url = '';
    this._sessionToken = '';
    /** @type {{appId: string, roomId: string} | null} */
    this._room = null;
    this._active = false;
    /** @type {any} */
    this._timer = null;
    this._lastSent = -Infinity;
  }

  /**
   * Starts (or, after a resume, retargets) reporting for a session.
   * @param {string} url reportUrl from the join/resume result (the config's when it names none)
   * @param {string} sessionToken
   * @param {{appId: string, roomId: string}} [room] the session's room, named in every batch
   */
  start(url, sessionToken, room) {
    this._url = typeof url === 'string' ? url : '';
    this._sessionToken = sessionToken;
    this._room = room && room.appId && room.roomId ? { appId: room.appId, roomId: room.roomId } : null;
    this._active = Boolean(this._url && sessionToken);
    // The first batch of a session collects the burst of states a starting pusher/player makes.
    if (this._lastSent === -Infinity) this._lastSent = Date.now();
    if (this._active && this._queue.length > 0) this._schedule(false);
  }

  /** Keeps the queue while the session is being resumed; nothing is sent meanwhile. */
  pause() {
    this._active = false;
    this._clearTimer();
  }

  /** Ends reporting for the session; queued reports are dropped (the session token is gone). */
  stop() {
    this._active = false;
    this._url = '';
    this._sessionToken = '';
    this._room = null;
    this._queue = [];
    this._lastSent = -Infinity;
    this._clearTimer();
  }

  /** @returns {number} reports waiting */
  get pending() {
    return this._queue.length;
  }

  /**
   * Queues one report. A net report replaces a queued one of the same stream: only the latest
   * net status matters. Reports made outside a session are dropped.
   * @param {Report} report
   */
  add(report) {
    try {
      if (!this._sessionToken) return;
      if (report.type === 'pusherNet' || report.type === 'playerNet') {
        const i = this._queue.findIndex(
          (r) => r.type === report.type && r.uid === report.uid && r.screen === report.screen,
        );
        if (i >= 0) this._queue.splice(i, 1);
      }
      this._queue.push(report);
      if (this._queue.length > MAX_QUEUE) this._queue.splice(0, this._queue.length - MAX_QUEUE);
      const urgent = report.code !== undefined && URGENT_CODES.indexOf(report.code) >= 0;
      if (this._active) this._schedule(urgent);
    } catch (err) {
      logError('report', err);
    }
  }

  /**
   * @param {boolean} urgent
   */
  _schedule(urgent) {
    if (urgent) {
      this._clearTimer();
      this._flush();
      return;
    }
    if (this._timer !== null) return;
    const wait = Math.max(0, this._lastSent + this._interval - Date.now());
    this._timer = setTimeout(() => {
      this._timer = null;
      this._flush();
    }, wait);
  }

  _clearTimer() {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
  }

  _flush() {
    if (!this._active || this._queue.length === 0) return;
    const reports = this._queue.splice(0, MAX_BATCH);
    this._lastSent = Date.now();
    const body = JSON.stringify(
      this._room
        ? { sessionToken: this._sessionToken, appId: this._room.appId, roomId: this._room.roomId, reports }
        : { sessionToken: this._sessionToken, reports },
    );
    try {
      Promise.resolve(this._post(this._url, body)).catch(() => {
        // Reports are best effort: a lost batch is not retried.
      });
    } catch (err) {
      logError('report send', err);
    }
    if (this._queue.length > 0) this._schedule(false);
  }
}
