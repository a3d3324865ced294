// Where the call is set up: server address, room, user and token (pasted, or fetched from a
// development server's GET /v1/dev/token). The AppId is entered, or taken from the token.

const { isRoomOrUserId, isAppId, appIdFromToken } = require('../../utils/ids.js');

const STORAGE_KEY = 'minirtc-demo-form';
const FIELDS = ['server', 'appId', 'roomId', 'userId', 'token'];

/** @param {string} url */
function normalizeServer(url) {
  return (url || '').trim().replace(/\/+$/, '');
}

Page({
  data: {
    server: 'http://192.168.1.10:8080',
    appId: '',
    roomId: 'demo',
    userId: '',
    token: '',
    busy: false,
    message: '',
  },

  onLoad() {
    let saved = null;
    try {
      saved = wx.getStorageSync(STORAGE_KEY);
    } catch (_) {
      saved = null;
    }
    const data = {};
    if (saved && typeof saved === 'object') {
      for (const f of FIELDS) if (typeof saved[f] === 'string') data[f] = saved[f];
    }
    if (!data.userId && !this.data.userId) data.userId = `user${Math.floor(Math.random() * 9000 + 1000)}`;
    this.setData(data);
  },

  onInput(e) {
    const field = e.currentTarget.dataset.field;
    if (FIELDS.indexOf(field) < 0) return;
    const value = typeof e.detail.value === 'string' ? e.detail.value.trim() : '';
    const update = { [field]: value, message: '' };
    // A pasted token names its AppId, which wins over one typed or stored before.
    if (field === 'token') {
      const appId = appIdFromToken(value);
      if (appId) update.appId = appId;
    }
    this.setData(update);
  },

  /** GET {server}/v1/dev/token?appId=&roomId=&userId= → {"token": "..."} (development servers only). */
  fetchToken() {
    const server = normalizeServer(this.data.server);
    const { appId, roomId, userId } = this.data;
    if (!server) return this.setData({ message: '请填写服务器地址' });
    if (!isRoomOrUserId(roomId) || !isRoomOrUserId(userId)) {
      return this.setData({ message: '房间号和用户名只能用 1-128 个字符 a-z A-Z 0-9 @ _ . -' });
    }
    let query = `roomId=${encodeURIComponent(roomId)}&userId=${encodeURIComponent(userId)}`;
    if (appId) query = `appId=${encodeURIComponent(appId)}&${query}`;
    this.setData({ busy: true, message: '' });
    return new Promise((resolve) => {
      wx.request({
        url: `${server}/v1/dev/token?${query}`,
        method: 'GET',
        dataType: 'json',
        success: (res) => {
          const data = res && res.data && typeof res.data === 'object' ? res.data : {};
          if (res.statusCode === 200 && typeof data.token === 'string' && data.token) {
            const fetchedAppId = (typeof data.appId === 'string' && data.appId) || appIdFromToken(data.token) || appId;
            this.setData({ token: data.token, appId: fetchedAppId, message: '已获取开发 Token' });
          } else {
            const why = typeof data.error === 'string' ? data.error : `HTTP ${res.statusCode}`;
            this.setData({ message: `获取 Token 失败：${why}` });
          }
        },
        fail: (err) => {
          this.setData({ message: `获取 Token 失败：${(err && err.errMsg) || '网络错误'}` });
        },
        complete: () => {
          this.setData({ busy: false });
          resolve();
        },
      });
    });
  },

  join() {
    const server = normalizeServer(this.data.server);
    const { roomId, userId, token } = this.data;
    const appId = appIdFromToken(token) || this.data.appId;
    if (!/^(https?):\/\//.test(server)) return this.setData({ message: '服务器地址以 http:// 或 https:// 开头' });
    if (!isAppId(appId)) return this.setData({ message: 'AppId 是 24 个字母或数字' });
    if (!isRoomOrUserId(roomId) || !isRoomOrUserId(userId)) {
      return this.setData({ message: '房间号和用户名只能用 1-128 个字符 a-z A-Z 0-9 @ _ . -' });
    }
    if (!token) return this.setData({ message: '请填写或获取 Token' });
    try {
      wx.setStorageSync(STORAGE_KEY, { server, appId, roomId, userId, token });
    } catch (_) {
      // storage is a convenience only
    }
    const q = { server, appId, roomId, userId, token };
    const query = Object.keys(q)
      .map((k) => `${k}=${encodeURIComponent(q[k])}`)
      .join('&');
    return wx.navigateTo({ url: `/pages/meeting/meeting?${query}` });
  },
});
