// Event names of the original SDK and the signalling notifications (docs/protocol.md §4.3) they
// come from.

/**
 * Event names. The value of each constant is its own name, so `client.on('STREAM_ADDED', fn)`
 * works as well as `client.on(EVENTS.STREAM_ADDED, fn)`.
 */
export const EVENTS = Object.freeze({
  STREAM_ADDED: 'STREAM_ADDED',
  STREAM_REMOVED: 'STREAM_REMOVED',
  UPDATE_URL: 'UPDATE_URL',
  STREAM_FAILED: 'STREAM_FAILED',
  MUTE_AUDIO: 'MUTE_AUDIO',
  UNMUTE_AUDIO: 'UNMUTE_AUDIO',
  MUTE_VIDEO: 'MUTE_VIDEO',
  UNMUTE_VIDEO: 'UNMUTE_VIDEO',
  CLIENT_BANNED: 'CLIENT_BANNED',
  PEER_ONLINE: 'PEER_ONLINE',
  PEER_LEAVE: 'PEER_LEAVE',
  ERROR: 'ERROR',
  DISCONNECT: 'DISCONNECT',
});

/** Notification method → event for the notifications whose payload is `{uid, screen}`. */
export const MUTE_NOTIFICATIONS = Object.freeze({
  muteAudio: EVENTS.MUTE_AUDIO,
  unmuteAudio: EVENTS.UNMUTE_AUDIO,
  muteVideo: EVENTS.MUTE_VIDEO,
  unmuteVideo: EVENTS.UNMUTE_VIDEO,
});
