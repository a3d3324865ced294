// The call: publish the camera, play every remote stream (up to 8 in a grid), mute with
// muteLocal, recover after a network loss or a return from the background.
//
// The seed's flow done right: the push URL goes to the same field the page renders (pushUrl),
// remote streams are kept in one array keyed `${uid}-${screen ? 1 : 0}`, every event has one
// handler.

const { Client, EVENTS } = require('../../lib/miniapp-rtc.min.js');

const MAX_PLAYERS = 8;
/** Retries after STREAM_FAILED per stream before the page gives up on it. */
const MAX_RETRIES = 3;
const PUSH_STARTED = 1008;
const PLAY_STARTED = 2004;
/** ms before the n-th new try of a publish that failed after a good join: n × this. */
const PUBLISH_RETRY_MS = 2000;
/** live-pusher binderror codes. */
const CAMERA_DENIED = 10001;
const MIC_DENIED = 10002;

/**
 * @param {string} uid
 * @param {boolean} screen
 */
function streamId(uid, screen) {
  return `${uid}-${screen ? 1 : 0}`;
}

/** @param {{code?: number, reason?: string}} err */
function describe(err) {
  return err && typeof err.code === 'number' ? `${err.code} ${err.reason || ''}` : String(err);
}

/** @param {string | undefined} value */
function decode(value) {
  try {
    return decodeURIComponent(value || '');
  } catch (_) {
    return value || '';
  }
}

Page({
  data: {
    roomId: '',
    userId: '',
    pushUrl: '',
    /** @type {{id: string, uid: string, screen: boolean, url: string, videoOff: boolean}[]} */
    remoteStreams: [],
    micOn: true,
    cameraOn: true,
    beauty: 0,
    status: '',
  },

  onLoad(query) {
    const q = query || {};
    this.params = {
      server: decode(q.server),
      appId: decode(q.appId),
      roomId: decode(q.roomId),
      userId: decode(q.userId),
      token: decode(q.token),
    };
    this.client = null;
    this.starting = false;
    this.closing = false;
    /** Remote streams announced while all 8 players were taken. */
    this.waiting = [];
    /** Subscriptions under way, counted against the 8 players. */
    this.subscribing = {};
    this.retries = {};
    this.publishTimer = null;
    this.setData({ roomId: this.params.roomId, userId: this.params.userId });
    this.networkListener = (res) => this.onNetworkStatusChange(res);
    if (wx.onNetworkStatusChange) wx.onNetworkStatusChange(this.networkListener);
    return this.start();
  },

  onShow() {
    // Back from the background. The SDK resumes a dropped socket by itself ('reconnecting');
    // when the session is gone for good, join again.
    if (this.needsRejoin()) return this.restart();
    return undefined;
  },

  onUnload() {
    this.closing = true;
    this.stopPublishRetry();
    if (wx.offNetworkStatusChange && this.networkListener) wx.offNetworkStatusChange(this.networkListener);
    const client = this.client;
    this.client = null;
    if (client) return client.destroy().catch(() => {});
    return undefined;
  },

  needsRejoin() {
    const client = this.client;
    if (!client || this.starting || this.closing) return false;
    return client.state !== 'connected' && client.state !== 'reconnecting';
  },

  onNetworkStatusChange(res) {
    if (!res || !res.isConnected) {
      this.setData({ status: '网络已断开，等待恢复…' });
      return undefined;
    }
    if (this.data.status === '网络已断开，等待恢复…') this.setData({ status: '' });
    if (this.needsRejoin()) return this.restart();
    return undefined;
  },

  // -------------------------------------------------------------------------------------------
  // Session

  /** new Client → listeners → init → join → publish; mute state carried over from before. */
  async start() {
    if (this.closing) return;
    this.starting = true;
    const { server, appId, roomId, userId, token } = this.params;
    const client = new Client({ server });
    this.client = client;
    this.waiting = [];
    this.subscribing = {};
    this.retries = {};
    this.stopPublishRetry();
    this.bindClientEvents(client);
    this.setData({ status: '进房中…', pushUrl: '', remoteStreams: [] });
    try {
      await client.init(appId);
      await client.join(token, roomId, userId);
    } catch (err) {
      if (client === this.client) {
        this.setData({ status: `进房失败：${describe(err)}` });
        this.starting = false;
      }
      return;
    }
    if (client !== this.client) return;
    this.starting = false;
    await this.publish(client, 0);
  },

  /**
   * Publishes (the join went well): the URL goes to v-pusher; a failure is shown as one and
   * tried again a few times, later each time.
   * @param {object} client
   * @param {number} tries publish failures so far
   */
  async publish(client, tries) {
    try {
      const url = await client.publish();
      if (client !== this.client) return;
      const { micOn, cameraOn } = this.data;
      if (!micOn || !cameraOn) await client.muteLocal({ audio: !micOn, video: !cameraOn });
      if (client !== this.client) return;
      this.setData({ pushUrl: url, status: '' });
    } catch (err) {
      if (client !== this.client || this.closing) return;
      const next = tries + 1;
      const more = next <= MAX_RETRIES;
      this.setData({ status: `推流失败：${describe(err)}${more ? '，稍后重试' : ''}` });
      if (!more) return;
      this.publishTimer = setTimeout(() => {
        this.publishTimer = null;
        if (client === this.client && !this.closing) this.publish(client, next);
      }, PUBLISH_RETRY_MS * next);
    }
  },

  stopPublishRetry() {
    if (this.publishTimer) clearTimeout(this.publishTimer);
    this.publishTimer = null;
  },

  /** Recovery as the original SDK advises: destroy, new Client, listeners, join, publish/subscribe. */
  async restart() {
    const old = this.client;
    this.client = null;
    this.starting = true;
    if (old) await old.destroy().catch(() => {});
    this.starting = false;
    return this.start();
  },

  bindClientEvents(client) {
    client.removeAllListeners();
    const mine = (fn) => (payload) => {
      if (client === this.client) fn(payload);
    };
    client.on(EVENTS.STREAM_ADDED, mine(({ uid, screen }) => this.subscribe(client, uid, screen)));
    client.on(EVENTS.STREAM_REMOVED, mine(({ uid, screen }) => this.removeStream(client, uid, screen)));
    client.on(EVENTS.UPDATE_URL, mine(({ uid, screen, url }) => this.updateUrl(uid, screen, url)));
    client.on(EVENTS.STREAM_FAILED, mine((e) => this.streamFailed(client, e)));
    client.on(EVENTS.MUTE_VIDEO, mine(({ uid, screen }) => this.markVideo(uid, screen, true)));
    client.on(EVENTS.UNMUTE_VIDEO, mine(({ uid, screen }) => this.markVideo(uid, screen, false)));
    client.on(EVENTS.CLIENT_BANNED, mine(() => this.banned()));
    client.on(EVENTS.DISCONNECT, mine(() => this.restart()));
  },

  // -------------------------------------------------------------------------------------------
  // Remote streams

  /** Players shown plus subscriptions under way: at most MAX_PLAYERS. */
  busy() {
    return this.data.remoteStreams.length + Object.keys(this.subscribing).length;
  },

  subscribe(client, uid, screen) {
    const id = streamId(uid, screen);
    if (this.data.remoteStreams.some((s) => s.id === id) || this.subscribing[id]) return Promise.resolve();
    if (this.busy() >= MAX_PLAYERS) {
      if (!this.waiting.some((w) => w.id === id)) this.waiting.push({ id, uid, screen });
      return Promise.resolve();
    }
    // removeStream takes the mark away: a result that comes after the stream left is dropped
    const mark = {};
    this.subscribing[id] = mark;
    const current = () => {
      const mine = this.subscribing[id] === mark;
      if (mine) delete this.subscribing[id];
      return mine && client === this.client;
    };
    return client.subscribe(uid, { screen }).then(
      (url) => {
        if (current()) {
          this.upsertStream({ id, uid, screen, url });
        } else if (client === this.client && !this.subscribing[id] && !this.data.remoteStreams.some((s) => s.id === id)) {
          // nobody shows it: the server need not send it
          client.unsubscribe(uid, { screen }).catch(() => {});
        }
      },
      (err) => {
        if (!current()) return;
        this.setData({ status: `订阅 ${uid} 失败：${describe(err)}` });
        this.fillFreeSlot(client);
      },
    );
  },

  upsertStream({ id, uid, screen, url }) {
    const streams = this.data.remoteStreams;
    const index = streams.findIndex((s) => s.id === id);
    if (index >= 0) {
      this.setData({ [`remoteStreams[${index}].url`]: url });
    } else {
      this.setData({ remoteStreams: streams.concat([{ id, uid, screen, url, videoOff: false }]) });
    }
  },

  removeStream(client, uid, screen) {
    const id = streamId(uid, screen);
    delete this.subscribing[id];
    this.waiting = this.waiting.filter((w) => w.id !== id);
    delete this.retries[id];
    const streams = this.data.remoteStreams;
    if (streams.some((s) => s.id === id)) {
      this.setData({ remoteStreams: streams.filter((s) => s.id !== id) });
    }
    this.fillFreeSlot(client);
  },

  fillFreeSlot(client) {
    if (this.busy() < MAX_PLAYERS && this.waiting.length > 0) {
      const next = this.waiting.shift();
      this.subscribe(client, next.uid, next.screen);
    }
  },

  updateUrl(uid, screen, url) {
    if (uid === this.params.userId && !screen) {
      this.setData({ pushUrl: url });
      return;
    }
    const id = streamId(uid, screen);
    const exists = this.data.remoteStreams.some((s) => s.id === id);
    // a subscribe under way brings its own URL; a new tile only where one is free
    if (exists || (!this.subscribing[id] && this.busy() < MAX_PLAYERS)) this.upsertStream({ id, uid, screen, url });
  },

  markVideo(uid, screen, videoOff) {
    const index = this.data.remoteStreams.findIndex((s) => s.id === streamId(uid, screen));
    if (index >= 0) this.setData({ [`remoteStreams[${index}].videoOff`]: videoOff });
  },

  /** Publishing or playing failed on the server's side: get a fresh URL, a few times at most. */
  streamFailed(client, { uid, screen, reason }) {
    const id = streamId(uid, screen);
    const tries = (this.retries[id] || 0) + 1;
    this.retries[id] = tries;
    if (tries > MAX_RETRIES) {
      this.setData({ status: `${uid === this.params.userId ? '推流' : `播放 ${uid} `}失败：${reason}` });
      return Promise.resolve();
    }
    if (uid === this.params.userId && !screen) {
      return client
        .unpublish()
        .catch(() => {})
        .then(() => client.publish())
        .then((url) => {
          if (client === this.client) this.setData({ pushUrl: url });
        })
        .catch((err) => {
          if (client === this.client) this.setData({ status: `重新推流失败：${describe(err)}` });
        });
    }
    return client
      .unsubscribe(uid, { screen })
      .catch(() => {})
      .then(() => client.subscribe(uid, { screen }))
      .then((url) => {
        if (client === this.client) this.upsertStream({ id, uid, screen, url });
      })
      .catch(() => {
        if (client === this.client) this.removeStream(client, uid, screen);
      });
  },

  banned() {
    const client = this.client;
    this.client = null;
    this.closing = true;
    this.stopPublishRetry();
    if (client) client.destroy().catch(() => {});
    this.setData({ pushUrl: '', remoteStreams: [], status: '已在别处进入房间' });
    wx.showModal({
      title: '已离开房间',
      content: '同一用户在别处进入了房间，或被移出房间。',
      showCancel: false,
      complete: () => wx.navigateBack(),
    });
  },

  // -------------------------------------------------------------------------------------------
  // Controls

  /** Mic off = the server stops forwarding our audio (muteLocal); the pusher keeps running. */
  toggleMic() {
    const client = this.client;
    if (!client || client.state !== 'connected' || !this.data.pushUrl) return Promise.resolve();
    const micOn = !this.data.micOn;
    return client
      .muteLocal({ audio: !micOn })
      .then(() => this.setData({ micOn }))
      .catch((err) => this.setData({ status: `操作失败：${describe(err)}` }));
  },

  /**
   * Camera off = muteLocal({video: true}), not enable-camera="false": turning the camera off on
   * the pusher makes remote audio lag by seconds (the original SDK's FAQ).
   */
  toggleCamera() {
    const client = this.client;
    if (!client || client.state !== 'connected' || !this.data.pushUrl) return Promise.resolve();
    const cameraOn = !this.data.cameraOn;
    return client
      .muteLocal({ video: !cameraOn })
      .then(() => this.setData({ cameraOn }))
      .catch((err) => this.setData({ status: `操作失败：${describe(err)}` }));
  },

  switchCamera() {
    const pusher = this.selectComponent('#volc-pusher');
    if (pusher) pusher.switchCamera();
  },

  async hangUp() {
    if (this.closing) return; // tapped again while leaving
    this.closing = true;
    this.stopPublishRetry();
    const client = this.client;
    this.client = null;
    if (client) await client.destroy().catch(() => {});
    wx.navigateBack();
  },

  // -------------------------------------------------------------------------------------------
  // Component events → SDK reports

  pusherStateChange(e) {
    const detail = (e && e.detail && e.detail.detail) || {};
    if (detail.code === PUSH_STARTED) delete this.retries[streamId(this.params.userId, false)];
    if (this.client) this.client.reportPusherStateChange(detail.code, detail.message);
  },

  /** v-pusher's pushererror (live-pusher binderror): camera or microphone denied. */
  pusherError(e) {
    const detail = (e && e.detail && e.detail.detail) || {};
    if (detail.errCode === CAMERA_DENIED) this.setData({ status: '无法使用摄像头：请在设置中允许小程序使用摄像头' });
    else if (detail.errCode === MIC_DENIED) this.setData({ status: '无法使用麦克风：请在设置中允许小程序使用麦克风' });
    else this.setData({ status: `推流组件出错：${detail.errMsg || detail.errCode || ''}` });
  },

  pusherNetStatusChange(e) {
    const info = e && e.detail && e.detail.detail && e.detail.detail.info;
    if (this.client && info) this.client.reportPusherNetStatusChange(info);
  },

  playerStateChange(e) {
    const { uid, screen, e: event } = (e && e.detail) || {};
    const detail = (event && event.detail) || {};
    if (detail.code === PLAY_STARTED) delete this.retries[streamId(uid, screen)];
    if (this.client) this.client.reportPlayerStateChange(uid, detail.code, detail.message, screen);
  },

  playerNetStatusChange(e) {
    const { uid, screen, e: event } = (e && e.detail) || {};
    const info = event && event.detail && event.detail.info;
    if (this.client && info) this.client.reportPlayerNetStatusChange(uid, info, screen);
  },
});
