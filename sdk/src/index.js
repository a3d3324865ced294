// MiniRTC mini program SDK: the public API of the original cloud SDK (shared spec
// miniapp-sdk.md) on MiniRTC's wire protocol (docs/protocol.md).
//
//   const { Client, EVENTS, ERROR_CODES } = require('../../lib/miniapp-rtc.min.js');
//   const client = new Client({ server: 'https://rtc.example.com' });

export { Client, SDK_VERSION as VERSION } from './client.js';
export { EVENTS } from './events.js';
export { ERROR_CODES } from './errors.js';
