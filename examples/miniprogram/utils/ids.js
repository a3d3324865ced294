// Identifier rules of MiniRTC (docs/protocol.md §1) and the AppId inside an AccessToken.

const ROOM_OR_USER_ID = /^[a-zA-Z0-9@_.-]{1,128}$/;
const APP_ID = /^[a-zA-Z0-9]{24}$/;

/** @param {string} id */
function isRoomOrUserId(id) {
  return typeof id === 'string' && ROOM_OR_USER_ID.test(id);
}

/** @param {string} id */
function isAppId(id) {
  return typeof id === 'string' && APP_ID.test(id);
}

/**
 * A token of format "001" carries its AppId in characters 3-26.
 * @param {string} token
 * @returns {string} the AppId, or '' when the token has none
 */
function appIdFromToken(token) {
  const m = /^001([a-zA-Z0-9]{24})/.exec(typeof token === 'string' ? token.trim() : '');
  return m ? m[1] : '';
}

module.exports = { isRoomOrUserId, isAppId, appIdFromToken };
