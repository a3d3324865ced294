// <v-pusher>: wraps <live-pusher mode="RTC"> for a MiniRTC call. Properties as in the original
// SDK's quick start; state shows 'init' until the encoder starts (1008), 'error' when pushing
// gave up (-1307) or the camera/mic was denied. Every statechange/netstatus event goes up to the
// page, which forwards it to client.reportPusher*.

const PUSH_STARTED = 1008; // encoder started
const PUSH_GAVE_UP = -1307; // reconnects exhausted, push stopped
const PERMISSION_DENIED = [10001, 10002]; // binderror: camera / mic denied

Component({
  properties: {
    // rtmp:// URL from client.publish() (or UPDATE_URL)
    url: { type: String, value: '' },
    enableCamera: { type: Boolean, value: true },
    enableMic: { type: Boolean, value: true },
    // 0 = off, 1-9 = beauty level
    beauty: { type: Number, value: 0 },
    // init: starting, ok: pushing, error: failed
    state: { type: String, value: 'init' },
  },

  observers: {
    // A new URL (publish again, UPDATE_URL) starts the pusher anew.
    url(url) {
      if (url && this.data.state !== 'init') this.setData({ state: 'init' });
    },
  },

  lifetimes: {
    ready() {
      if (!this.livePusherContext && typeof wx !== 'undefined' && wx.createLivePusherContext) {
        this.livePusherContext = wx.createLivePusherContext(this);
      }
    },
    detached() {
      this.stop();
    },
  },

  methods: {
    stop() {
      if (this.livePusherContext) this.livePusherContext.stop();
    },

    switchCamera() {
      if (this.livePusherContext) this.livePusherContext.switchCamera();
    },

    bindstatechange(e) {
      this.triggerEvent('pusherstatechange', e);
      const code = e && e.detail ? e.detail.code : undefined;
      if (code === PUSH_GAVE_UP) {
        this.setData({ state: 'error' });
      } else if (code === PUSH_STARTED && this.data.state === 'init') {
        this.setData({ state: 'ok' });
      }
    },

    bindnetstatus(e) {
      this.triggerEvent('pushernetstatuschange', e);
    },

    binderror(e) {
      const code = e && e.detail ? e.detail.errCode : undefined;
      if (PERMISSION_DENIED.indexOf(code) >= 0) this.setData({ state: 'error' });
      this.triggerEvent('pushererror', e);
    },
  },
});
