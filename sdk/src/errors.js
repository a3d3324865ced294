// Error codes of the original mini program SDK, numbers kept exactly, and the error object
// every failing call settles with.

/**
 * @typedef {object} RtcError
 * @property {number} code   one of ERROR_CODES
 * @property {string} reason human-readable cause (for server refusals: the server's message)
 */

/** Canonical names. */
const CODES = {
  INVALID_PARAMS: 100001,
  NOT_IN_ROOM: 100002,
  ALREADY_IN_ROOM: 100003,
  CONNECTING: 100004,
  ALREADY_PUBLISHED: 100005,
  NOT_PUBLISHED: 100006,
  UID_NOT_FOUND: 100007,
  HAS_INITED: 100008,
  STREAM_ID_NOT_FOUND: 200001,
  GET_CONFIG_ERROR: 200002,
  NO_WEBSOCKET_URL: 200003,
  SUBSCRIBE_FAILED: 300001,
  UNSUBSCRIBE_FAILED: 300002,
  MUTE_LOCAL_ERROR: 300003,
  MUTE_REMOTE_ERROR: 300004,
  LEAVE_ERROR: 300005,
  PUBLISH_ERROR: 300006,
  UNPUBLISH_ERROR: 300007,
  JOIN_ROOM_ERROR: 300008,
  SIGNALING_TIMEOUT: 300009,
  WEBSOCKET_NOT_CONNECTED: 300010,
  WEBSOCKET_FAILED: 500001,
};

/**
 * The original's own spellings, kept so that code written against it keeps working.
 * NO_WEBSOCLET_URL is the name its documentation uses; the other two appear in places.
 */
const ALIASES = {
  NO_WEBSOCLET_URL: CODES.NO_WEBSOCKET_URL,
  MUTE_LOCAL_ERRO: CODES.MUTE_LOCAL_ERROR,
  UNPUBLISH_ERRO: CODES.UNPUBLISH_ERROR,
};

/** @type {Readonly<Record<string, number>>} */
export const ERROR_CODES = Object.freeze(Object.assign({}, CODES, ALIASES));

/**
 * Builds the error object that promises reject with and onFailure callbacks receive.
 * @param {number} code
 * @param {string} reason
 * @returns {RtcError}
 */
export function rtcError(code, reason) {
  return { code, reason };
}

/** Codes a server may answer with that the SDK passes through unchanged. */
const KNOWN_CODES = new Set(Object.values(CODES));

/**
 * Maps an error from the signalling server onto an SDK error. SDK codes pass through; JSON-RPC
 * framing codes (-32xxx) and anything unknown become the method's own failure code.
 * @param {{code?: unknown, message?: unknown}} serverError
 * @param {number} fallbackCode
 * @returns {RtcError}
 */
export function fromServerError(serverError, fallbackCode) {
  const code = serverError && typeof serverError.code === 'number' ? serverError.code : NaN;
  const message =
    serverError && typeof serverError.message === 'string' ? serverError.message : 'request failed';
  if (KNOWN_CODES.has(code)) return rtcError(code, message);
  return rtcError(fallbackCode, Number.isNaN(code) ? message : `${message} (${code})`);
}

/**
 * True when `value` looks like an error this SDK produced.
 * @param {unknown} value
 * @returns {value is RtcError}
 */
export function isRtcError(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (/** @type {any} */ (value).code) === 'number' &&
    typeof (/** @type {any} */ (value).reason) === 'string'
  );
}
