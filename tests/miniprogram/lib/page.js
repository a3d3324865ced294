// Pages under miniprogram-simulate: Page(options) becomes a custom component whose methods are
// the page's functions (lifecycle ones included, called by the test), so the page's real WXML
// renders with its real v-pusher/v-player components.
'use strict';

const Module = require('node:module');
const path = require('node:path');
const { root } = require('./env.js');

global.Page = (options) => {
  const methods = {};
  const data = {};
  for (const key of Object.keys(options)) {
    if (typeof options[key] === 'function') methods[key] = options[key];
    else if (key === 'data') Object.assign(data, JSON.parse(JSON.stringify(options.data)));
  }
  global.Component({ data, methods });
};

/**
 * Makes `require('<project>/lib/miniapp-rtc.min.js')` from the demo's pages return `exports`.
 * @param {object} exports
 */
function provideSdk(exports) {
  const file = path.join(root, 'lib', 'miniapp-rtc.min.js');
  const m = new Module(file);
  m.filename = file;
  m.loaded = true;
  m.exports = exports;
  require.cache[file] = m;
}

/** Lets promise chains and setData settle. */
async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

module.exports = { provideSdk, settle };
