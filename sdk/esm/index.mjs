// ES module entry for Node and bundlers: import { Client, EVENTS, ERROR_CODES } from 'minirtc-miniapp-sdk'.
// Outside the `miniprogram` directory on purpose: mini programs load the CommonJS bundle.
import sdk from '../dist/miniapp-rtc.min.js';

export const { Client, EVENTS, ERROR_CODES, VERSION } = sdk;
export default sdk;
