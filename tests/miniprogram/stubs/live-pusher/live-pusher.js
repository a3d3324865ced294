// Stand-in for WeChat's built-in <live-pusher>: keeps every attribute as a property (untyped, so
// tests see exactly what the template passes) and lets the test fire its events.
Component({
  properties: {
    url: { type: null, value: undefined },
    mode: { type: null, value: undefined },
    autopush: { type: null, value: undefined },
    maxBitrate: { type: null, value: undefined },
    minBitrate: { type: null, value: undefined },
    beauty: { type: null, value: undefined },
    enableCamera: { type: null, value: undefined },
    enableMic: { type: null, value: undefined },
    backgroundMute: { type: null, value: undefined },
    aspect: { type: null, value: undefined },
  },
  methods: {
    fire(name, detail) {
      this.triggerEvent(name, detail);
    },
  },
});
