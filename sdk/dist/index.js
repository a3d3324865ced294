// Entry of the package (`main`, and index.js of the `miniprogram` directory that WeChat DevTools'
// "build npm" copies to miniprogram_npm/minirtc-miniapp-sdk/): require('minirtc-miniapp-sdk').
module.exports = require('./miniapp-rtc.min.js');
