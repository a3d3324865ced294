// <v-player>: wraps <live-player mode="RTC"> for one remote stream. state shows 'init' until
// playback starts (2004), 'error' when playing gave up (-2301). Events go up to the page with the
// stream's uid (and screen), which forwards them to client.reportPlayer*.

const PLAY_STARTED = 2004; // playing
const PLAY_GAVE_UP = -2301; // reconnects exhausted, play stopped

/** '1', 1 and true mean the screen stream. */
function isScreen(value) {
  return value === 1 || value === '1' || value === true;
}

Component({
  properties: {
    // play URL from client.subscribe() (or UPDATE_URL)
    url: { type: String, value: '' },
    // the stream's publisher
    uid: { type: String, value: '' },
    // '0' camera stream, '1' screen stream
    screen: { type: String, optionalTypes: [Number, Boolean], value: '0' },
    // init: starting, ok: playing, error: failed
    state: { type: String, value: 'init' },
  },

  data: {
    playerId: 'v-player--0',
  },

  observers: {
    'uid, screen'(uid, screen) {
      this.setData({ playerId: `v-player-${uid}-${isScreen(screen) ? 1 : 0}` });
    },
    url(url) {
      if (url && this.data.state !== 'init') this.setData({ state: 'init' });
    },
  },

  lifetimes: {
    ready() {
      if (!this.livePlayerContext && typeof wx !== 'undefined' && wx.createLivePlayerContext) {
        this.livePlayerContext = wx.createLivePlayerContext(this.data.playerId, this);
      }
    },
    detached() {
      if (this.livePlayerContext) this.livePlayerContext.stop();
    },
  },

  methods: {
    bindstatechange(e) {
      this.triggerEvent('playerstatechange', { uid: this.data.uid, screen: isScreen(this.data.screen), e });
      const code = e && e.detail ? e.detail.code : undefined;
      if (code === PLAY_STARTED) {
        if (this.data.state === 'init') this.setData({ state: 'ok' });
      } else if (code === PLAY_GAVE_UP) {
        this.setData({ state: 'error' });
      }
    },

    bindnetstatus(e) {
      this.triggerEvent('playernetstatuschange', { uid: this.data.uid, screen: isScreen(this.data.screen), e });
    },
  },
});
