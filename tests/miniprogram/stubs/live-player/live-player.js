// Stand-in for WeChat's built-in <live-player> (see live-pusher.js).
Component({
  properties: {
    src: { type: null, value: undefined },
    mode: { type: null, value: undefined },
    autoplay: { type: null, value: undefined },
    objectFit: { type: null, value: undefined },
    minCache: { type: null, value: undefined },
    maxCache: { type: null, value: undefined },
    backgroundMute: { type: null, value: undefined },
  },
  methods: {
    fire(name, detail) {
      this.triggerEvent(name, detail);
    },
  },
});
