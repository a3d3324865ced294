// Labels in English and Chinese, picked by the browser's language (navigator.languages): the
// first zh* wins, anything else is English. t(key, vars) fills {name} placeholders.
const en = {
  skip: 'Skip to content',
  title: 'MiniRTC console',
  overview: 'Overview', tokens: 'Dev tokens', signOut: 'Sign out', signIn: 'Sign in',
  adminKey: 'Admin key', keyHint: 'Kept in this tab only (session storage); sent as a Bearer header.',
  wrongKey: 'Wrong admin key: refused by the server.',
  noAdmin: 'The admin API is off: this server has no admin key.',
  noAdminHow: 'Start the server with --admin-key KEY, or set admin_key = "KEY" in the [server] section of its configuration file (SIGHUP applies it), then reload this page.',
  devWarn: 'Development default: the development app {app} hands out tokens to anyone (/v1/dev/token). Do not expose this server.',
  connecting: 'connecting…', live: 'live', offline: 'offline, retrying…',
  nodes: 'Nodes', node: 'Node', apps: 'Apps', rooms: 'Rooms', liveRooms: 'Live rooms',
  connections: 'Connections', streams: 'Streams', cpu: 'CPU %', users: 'Users', totals: 'Traffic (Mbit/s)',
  inMbps: 'in', outMbps: 'out', app: 'App', room: 'Room', development: 'development',
  created: 'Created', filter: 'Filter rooms', none: 'Nothing here yet.',
  user: 'User', state: 'State', visible: 'Visible', invisible: 'invisible', yes: 'yes', no: 'no',
  joinedAt: 'Joined at', pusher: 'Pusher', players: 'Players', net: 'Network', actions: 'Actions',
  kick: 'Kick', forbid: 'Forbid publishing', allow: 'Allow publishing', dismiss: 'Dismiss room',
  muteAll: 'Mute for everyone', unmuteAll: 'Unmute for everyone', preview: 'Preview', stopPreview: 'Stop preview',
  codec: 'Codec', resolution: 'Resolution', fps: 'fps', kbps: 'kbit/s', gop: 'GOP', viewers: 'Viewers',
  subscribers: 'Subscribers', bitrate: 'Bitrate (kbit/s)', stream: 'Stream', muted: 'muted',
  noRoom: 'This room does not exist (any more).', back: 'All rooms',
  confirmKick: 'Kick {user} from room {room}? The user gets CLIENT_BANNED.',
  confirmForbid: 'Forbid {user} to publish in room {room}?',
  confirmAllow: 'Allow {user} to publish again in room {room}?',
  confirmMute: 'Mute the stream of {user} for everyone?',
  confirmUnmute: 'Unmute the stream of {user} for everyone?',
  confirmDismiss: 'Dismiss room {room}? Everyone is removed.',
  cancel: 'Cancel', confirm: 'Confirm', done: 'Done: {what}', failed: 'Failed: {what}: {why}',
  tokenTitle: 'Development token', tokenHelp: 'A token for testing: the signed-in admin holds the app keys. Your app server issues real tokens (examples/token/).',
  roomId: 'Room ID', userId: 'User ID', publish: 'Publish', subscribe: 'Subscribe', lifetime: 'Lifetime (seconds)',
  generate: 'Generate', token: 'Token', snippet: 'Snippet', copy: 'Copy', copied: 'Copied',
  recordings: 'Recordings', usage: 'Usage',
  notYet: 'Not on this server yet: this page shows them once the server has {what}.',
};
const zh = {
  skip: '跳到正文',
  title: 'MiniRTC 控制台',
  overview: '概览', tokens: '开发 Token', signOut: '退出', signIn: '登录',
  adminKey: '管理密钥', keyHint: '只保存在本标签页（sessionStorage），以 Bearer 头发送。',
  wrongKey: '管理密钥错误：服务器拒绝。',
  noAdmin: '管理 API 未开启：服务器没有配置管理密钥。',
  noAdminHow: '用 --admin-key KEY 启动服务器，或在配置文件的 [server] 中设置 admin_key = "KEY"（SIGHUP 生效），然后刷新本页。',
  devWarn: '开发默认配置：开发应用 {app} 会向任何人发放 Token（/v1/dev/token）。请勿对外暴露此服务器。',
  connecting: '连接中…', live: '实时', offline: '已断开，重试中…',
  nodes: '节点', node: '节点', apps: '应用', rooms: '房间', liveRooms: '活跃房间',
  connections: '连接数', streams: '流', cpu: 'CPU %', users: '用户', totals: '流量（Mbit/s）',
  inMbps: '入', outMbps: '出', app: '应用', room: '房间', development: '开发',
  created: '创建时间', filter: '筛选房间', none: '暂无内容。',
  user: '用户', state: '状态', visible: '可见', invisible: '隐身', yes: '是', no: '否',
  joinedAt: '加入时间', pusher: '推流', players: '拉流', net: '网络', actions: '操作',
  kick: '踢出', forbid: '禁止推流', allow: '允许推流', dismiss: '解散房间',
  muteAll: '全员静音', unmuteAll: '取消全员静音', preview: '预览', stopPreview: '停止预览',
  codec: '编码', resolution: '分辨率', fps: '帧率', kbps: 'kbit/s', gop: 'GOP', viewers: '观看数',
  subscribers: '订阅者', bitrate: '码率（kbit/s）', stream: '流', muted: '已静音',
  noRoom: '该房间不存在（或已结束）。', back: '全部房间',
  confirmKick: '将 {user} 踢出房间 {room}？该用户会收到 CLIENT_BANNED。',
  confirmForbid: '禁止 {user} 在房间 {room} 推流？',
  confirmAllow: '允许 {user} 在房间 {room} 重新推流？',
  confirmMute: '对所有人静音 {user} 的流？',
  confirmUnmute: '对所有人取消静音 {user} 的流？',
  confirmDismiss: '解散房间 {room}？所有人都会被移出。',
  cancel: '取消', confirm: '确认', done: '完成：{what}', failed: '失败：{what}：{why}',
  tokenTitle: '开发 Token', tokenHelp: '用于测试的 Token：已登录的管理员持有应用密钥。正式 Token 由你的业务服务器签发（examples/token/）。',
  roomId: '房间 ID', userId: '用户 ID', publish: '推流', subscribe: '订阅', lifetime: '有效期（秒）',
  generate: '生成', token: 'Token', snippet: '代码片段', copy: '复制', copied: '已复制',
  recordings: '录制', usage: '用量',
  notYet: '本服务器尚未提供：服务器支持{what}后此页会显示。',
};

const langs = (typeof navigator !== 'undefined' && (navigator.languages?.length ? navigator.languages : [navigator.language])) || [];
export const lang = langs.some((l) => /^zh\b/i.test(l || '')) ? 'zh' : 'en';
const dict = lang === 'zh' ? zh : en;

export function t(key, vars = {}) {
  const s = dict[key] ?? en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}
