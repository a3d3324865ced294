// Identifier rules of docs/protocol.md §1, checked before anything goes on the wire.

const APP_ID = /^[a-zA-Z0-9]{24}$/;
const ROOM_OR_USER_ID = /^[a-zA-Z0-9@_.-]{1,128}$/;

/**
 * @param {unknown} value
 * @returns {value is string}
 */
export function isAppId(value) {
  return typeof value === 'string' && APP_ID.test(value);
}

/**
 * Room ids, user ids and business ids share one rule.
 * @param {unknown} value
 * @returns {value is string}
 */
export function isRoomOrUserId(value) {
  return typeof value === 'string' && ROOM_OR_USER_ID.test(value);
}

/**
 * Key of a stream in the SDK's tables, the same shape the seed uses for its player ids.
 * @param {string} uid
 * @param {boolean} screen
 * @returns {string}
 */
export function streamKey(uid, screen) {
  return `${uid}-${screen ? 1 : 0}`;
}
