// The quick start's meeting.js (shared/seed/000_d2099c2d46a314fc.txt, 步骤 4–5), its snippets in
// one Page. Changed: the server address (new Client({ server: SERVER })). See ../../README.md.
const VolcMiniappSdk = require('../../lib/miniapp-rtc.min.js');
// seed: the snippets also call the module VolcEngineRTCMiniappSDK
const VolcEngineRTCMiniappSDK = require('../../lib/miniapp-rtc.min.js');

Page({
    data: {
        remoteStreams: [],
    }, // seed: '，'
    onReady() {
        this.client = new VolcMiniappSdk.Client({ server: SERVER }); // MiniRTC: the server address
        this.client.init(APPID) // APPID 的获取方式详见【步骤1】。
    },
    join() {
        this.client.join(TOKEN, ROOMID, USERID) // Token 的获取方式详见【步骤1】
    },
    publish() {
        this.client.publish().then(url => {
            this.setData({
                publishUrl: url
            })
        })
    },
     pusherStateChange(e) {
        const target = e.detail;
        this.client.reportPusherStateChange(
          target.detail.code,
          target.detail.message,
        );
      },

      pusherNetStatusChange(e) {
        const info = e?.detail?.detail?.info;
        this.client.reportPusherNetStatusChange(info);
      },
    subscribe(uid, screen) {
        this.client.subscribe(uid, { screen }).then(url => {
            this.setData({
                remoteStreams: [...this.data.remoteStreams, // seed: printed as {...this.data.remoteStreams, {...}}
                {
                    uid,
                    screen,
                    url,
                    id: `${uid}-${screen ? 1 : 0}`
                }]
            })
        })
    }, // seed: '，'
    _handleClientEvents() {
        if (this.client) {
            this.client.removeAllListeners();
        }
        this.client.on(VolcEngineRTCMiniappSDK.EVENTS.STREAM_ADDED, (e) => {
            const { uid, screen } = e;
            this.subscribe(uid, screen)
        })
        // seed: left to the developer; written in the snippets' style
        this.client.on(VolcEngineRTCMiniappSDK.EVENTS.STREAM_REMOVED, (e) => {
            const { uid, screen } = e;
            this.setData({
                remoteStreams: this.data.remoteStreams.filter(s => s.id !== `${uid}-${screen ? 1 : 0}`)
            })
        })
    },

  playerStateChange(e) {
    const uid = e?.detail?.uid;
    this.client.reportPlayerStateChange(
      uid,
      e?.detail?.e?.detail?.code,
      e?.detail?.e?.detail?.message,
    );
  },
});
