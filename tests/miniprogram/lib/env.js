// A DOM for miniprogram-simulate (it renders custom components into a DOM, as under jest's jsdom
// environment) and a fake `wx` with the live-pusher/live-player contexts the components use.
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { JSDOM } = require('jsdom');

const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', {
  pretendToBeVisual: true,
  url: 'http://localhost/',
});
const { window } = dom;
global.window = window;
for (const key of Object.getOwnPropertyNames(window)) {
  if (key in global) continue;
  try {
    global[key] = window[key];
  } catch (_) {
    // read-only in Node
  }
}
global.document = window.document;
// Node has Event/CustomEvent of its own; the DOM needs jsdom's (j-component's dispatchEvent).
global.Event = window.Event;
global.CustomEvent = window.CustomEvent;

/** Contexts made by wx.createLivePusherContext / createLivePlayerContext, with the calls on them. */
const contexts = [];

function makeContext(kind, args) {
  const ctx = { kind, args, calls: [] };
  for (const m of ['start', 'stop', 'pause', 'resume', 'switchCamera', 'play', 'mute', 'snapshot']) {
    ctx[m] = (...a) => ctx.calls.push([m, ...a]);
  }
  contexts.push(ctx);
  return ctx;
}

global.wx = {
  createLivePusherContext: (...args) => makeContext('pusher', args),
  createLivePlayerContext: (...args) => makeContext('player', args),
};

const simulate = require('miniprogram-simulate');

// WeChat's own WXML compiler (miniprogram-compiler) compiles one project root at a time, so a
// project (the demo by default, MINIPROGRAM_PROJECT for another) is copied to a temp dir with the
// stubs of the built-in components inside it.
const source = process.env.MINIPROGRAM_PROJECT || path.resolve(__dirname, '../../../examples/miniprogram');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'minirtc-miniprogram-'));
const root = path.join(tmp, 'project');
fs.cpSync(source, root, { recursive: true });
fs.cpSync(path.resolve(__dirname, '../stubs'), path.join(root, '__stubs__'), { recursive: true });
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

/** Mini program absolute path (from the project root) of a stub component. */
function stub(name) {
  return `/__stubs__/${name}/${name}`;
}

/**
 * Loads a component (or a page shimmed into one) of the project with the built-in live-pusher and
 * live-player replaced by the stubs, at every level of the tree.
 * @param {string} rel path from the project root without extension, e.g. 'components/v-pusher/v-pusher'
 * @param {string} [tagName]
 */
function load(rel, tagName) {
  return simulate.load(path.join(root, rel), tagName || path.basename(rel), {
    rootPath: root,
    usingComponents: { 'live-pusher': stub('live-pusher'), 'live-player': stub('live-player') },
  });
}

/** Renders and attaches a component; returns its wrapper. */
function mount(id, props) {
  const comp = simulate.render(id, props);
  comp.attach(document.createElement('parent-wrapper'));
  return comp;
}

module.exports = { simulate, root, contexts, window, load, mount };
