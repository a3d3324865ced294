// The console: sign-in, overview, room page, development tokens, recordings, usage. Plain DOM,
// no framework: pages are built once and their tables updated in place (keyed rows, changed
// cells only), so focus and the preview survive the live feed.
import './style.css';
import { t, lang } from './i18n.js';
import { api, apiUrl, ApiError, getKey, setKey, clearKey, openFeed } from './api.js';
import { LiveChart } from './charts.js';

const $ = (sel, root = document) => root.querySelector(sel);
const main = $('#main');
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const time = (ms) => (ms ? new Date(ms).toLocaleTimeString(lang === 'zh' ? 'zh-CN' : 'en-GB') : '—');
const num = (v, d = 0) => (v == null ? '—' : Number(v).toFixed(d));

const state = { overview: null, totals: [], room: null, roomHistory: {}, nodes: null, feed: null, page: null };

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
document.title = t('title');
$('.skip').textContent = t('skip');

// ---- Toasts and confirmations

let toastTimer = null;
function toast(text, bad = false) {
  const el = $('#toast');
  el.textContent = text;
  el.className = `toast show${bad ? ' bad' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, 6000);
}

function confirmAction(text) {
  const dlg = $('#confirm');
  $('#confirm-text').textContent = text;
  $('#confirm-cancel').textContent = t('cancel');
  $('#confirm-ok').textContent = t('confirm');
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'ok'), { once: true });
    dlg.returnValue = 'cancel';
    dlg.showModal();
    $('#confirm-cancel').focus();
  });
}

/** Asks, runs the admin call, reports the result. */
async function act(question, what, call) {
  if (!(await confirmAction(question))) return;
  try {
    await call();
    toast(t('done', { what }));
  } catch (e) {
    toast(t('failed', { what, why: e.message }), true);
  }
}

// ---- Keyed table rows: a row per key, a cell's content replaced only when it changed

function updateRows(tbody, rows) {
  const seen = new Set();
  let prev = null;
  for (const { key, cells } of rows) {
    seen.add(key);
    let tr = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.key = key;
      for (let i = 0; i < cells.length; i++) tr.appendChild(document.createElement('td'));
    }
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (tr !== want) tbody.insertBefore(tr, want);
    cells.forEach((c, i) => {
      const td = tr.children[i];
      const html = typeof c === 'string' ? esc(c) : c.html;
      if (td.dataset.html !== html) { td.innerHTML = html; td.dataset.html = html; }
      if (c.label) td.dataset.label = c.label;
    });
    prev = tr;
  }
  for (const tr of [...tbody.children]) if (!seen.has(tr.dataset.key)) tr.remove();
  const empty = tbody.closest('table')?.nextElementSibling;
  if (empty?.classList.contains('empty')) empty.hidden = rows.length > 0;
}

const table = (id, heads) => `<div class="scroll"><table id="${id}"><thead><tr>${heads.map((h) => `<th scope="col">${esc(t(h))}</th>`).join('')}</tr></thead><tbody></tbody></table><p class="empty">${esc(t('none'))}</p></div>`;

// ---- Navigation

const pages = { overview: '#/', tokens: '#/tokens', recordings: '#/recordings', usage: '#/usage' };
function renderNav(signedIn) {
  const nav = $('#nav');
  if (!signedIn) { nav.innerHTML = ''; return; }
  nav.innerHTML = Object.entries(pages).map(([k, href]) => `<a href="${href}" data-page="${k}">${esc(t(k))}</a>`).join('')
    + `<button type="button" id="signout">${esc(t('signOut'))}</button>`;
  $('#signout').onclick = () => { clearKey(); state.feed?.close(); state.feed = null; location.hash = '#/'; boot(); };
}

function markNav(page) {
  for (const a of document.querySelectorAll('#nav a')) a.setAttribute('aria-current', a.dataset.page === page ? 'page' : 'false');
}

// ---- Sign-in

async function showSignIn(error = '') {
  renderNav(false);
  $('#live').textContent = '';
  state.page = null;
  let disabled = false;
  try { await api('v1/admin/apps', { key: null }); } catch (e) { disabled = e instanceof ApiError && e.status === 404; }
  if (disabled) {
    main.innerHTML = `<section class="card narrow" id="no-admin"><h1>${esc(t('title'))}</h1><p class="warn">${esc(t('noAdmin'))}</p><p>${esc(t('noAdminHow'))}</p><pre>minirtc serve --admin-key "$(openssl rand -hex 24)"</pre></section>`;
    return;
  }
  main.innerHTML = `<section class="card narrow"><h1>${esc(t('title'))}</h1>
    <form id="signin"><label for="key">${esc(t('adminKey'))}</label>
    <input id="key" type="password" autocomplete="current-password" required>
    <p class="hint">${esc(t('keyHint'))}</p>
    <p class="hint">${esc(t('devKeyHint'))}</p>
    <p id="signin-error" class="error" role="alert">${esc(error)}</p>
    <button type="submit" class="primary">${esc(t('signIn'))}</button></form></section>`;
  $('#key').focus();
  $('#signin').onsubmit = async (e) => {
    e.preventDefault();
    const key = $('#key').value;
    try {
      await api('v1/admin/apps', { key });
      setKey(key);
      boot();
    } catch (err) {
      $('#signin-error').textContent = err.status === 401 ? t('wrongKey') : err.message;
    }
  };
}

// ---- Feed

function startFeed() {
  state.feed = openFeed({
    onState: (s) => {
      if (s === 'refused') { clearKey(); state.feed = null; showSignIn(t('wrongKey')); return; }
      const el = $('#live');
      el.textContent = t(s);
      el.dataset.state = s;
    },
    onMessage: (m) => {
      if (m.type === 'overview') { state.overview = m; renderBanner(); state.page?.overview?.(); }
      else if (m.type === 'history' && m.totals) { state.totals = m.totals; state.page?.totals?.(); }
      else if (m.type === 'history' && m.streams) { state.roomHistory = m.streams; state.page?.history?.(); }
      else if (m.type === 'room') { state.room = m; state.page?.room?.(); }
      else if (m.type === 'sample') {
        state.totals.push([m.t, m.in, m.out]);
        if (state.totals.length > 300) state.totals.shift();
        state.page?.sample?.(m);
      }
    },
  });
}

function renderBanner() {
  const dev = state.overview?.apps.find((a) => a.development);
  $('#banner').innerHTML = dev ? `<p class="banner" role="note">${esc(t('devWarn', { app: dev.appId }))}</p>` : '';
}

// ---- Overview

function overviewPage() {
  main.innerHTML = `<h1 class="sr-only">${esc(t('overview'))}</h1>
  <div class="grid">
    <section class="card"><h2>${esc(t('nodes'))}</h2>${table('nodes', ['node', 'connections', 'streams', 'rooms', 'users', 'cpu', 'inMbps', 'outMbps'])}</section>
    <section class="card"><h2>${esc(t('apps'))}</h2>${table('apps', ['app', 'rooms', 'users'])}</section>
  </div>
  <section class="card"><h2>${esc(t('totals'))}</h2><div id="totals-chart"></div></section>
  <section class="card"><h2>${esc(t('liveRooms'))}</h2>
    <label class="filter"><span>${esc(t('filter'))}</span> <input id="room-filter" type="search"></label>
    ${table('rooms', ['app', 'room', 'users', 'streams', 'subscribers', 'created'])}</section>`;
  const chart = new LiveChart($('#totals-chart'), { name: t('totals'), labels: [t('inMbps'), t('outMbps')] });
  chart.set(state.totals);
  let filter = '';
  let last = null;
  const render = () => {
    const o = state.overview;
    if (!o) return;
    const tail = state.totals[state.totals.length - 1] || [0, 0, 0];
    // Cluster mode: /v1/admin/nodes records (id, rooms, sessions, viewers, egressMbps, cpuPercent).
    const nodes = state.nodes?.length ? state.nodes.map((n, i) => ({
      key: String(n.id ?? i),
      cells: [`${n.id ?? i}${n.self ? ' ★' : ''}`, num(n.sessions), num(n.viewers), num(n.rooms), '—', num(n.cpuPercent), '—', num(n.egressMbps, 2)],
    })) : [{ key: 'self', cells: [location.host, num(o.node.connections), num(o.node.streams), num(o.node.rooms), num(o.node.users), '—', num(tail[1], 2), num(tail[2], 2)] }];
    updateRows($('#nodes tbody'), nodes);
    updateRows($('#apps tbody'), o.apps.map((a) => ({
      key: a.appId,
      cells: [{ html: `${esc(a.appId)}${a.development ? ` <span class="tag">${esc(t('development'))}</span>` : ''}` }, String(a.rooms.length), String(a.rooms.reduce((s, r) => s + r.users, 0))],
    })));
    if (o === last) return;
    last = o;
    const rows = [];
    for (const a of o.apps) for (const r of a.rooms) {
      if (filter && !`${a.appId} ${r.roomId}`.toLowerCase().includes(filter)) continue;
      rows.push({
        key: `${a.appId}/${r.roomId}`,
        cells: [a.appId, { html: `<a href="#/room/${encodeURIComponent(a.appId)}/${encodeURIComponent(r.roomId)}">${esc(r.roomId)}</a>` },
          `${r.users} (${r.visibleUsers}/${r.invisibleUsers})`, `${r.liveStreams}/${r.publications}`, String(r.subscriptions), time(r.createdMs)],
      });
    }
    updateRows($('#rooms tbody'), rows);
  };
  $('#room-filter').oninput = (e) => { filter = e.target.value.trim().toLowerCase(); last = null; render(); };
  render();
  return {
    overview: render,
    totals: () => chart.set(state.totals),
    sample: (m) => { chart.push([m.t, m.in, m.out]); render(); },
    leave: () => chart.destroy(),
  };
}

// ---- Room

function roomPage(appId, roomId) {
  state.room = null;
  state.roomHistory = {};
  main.innerHTML = `<p><a href="#/">← ${esc(t('back'))}</a></p>
  <div class="title"><h1>${esc(t('room'))} <span id="room-id">${esc(roomId)}</span> <small>${esc(appId)}</small></h1>
  <button type="button" id="dismiss" class="danger">${esc(t('dismiss'))}</button></div>
  <p id="room-missing" class="warn" hidden>${esc(t('noRoom'))}</p>
  <section class="card"><h2>${esc(t('users'))}</h2>${table('users', ['user', 'state', 'visible', 'joinedAt', 'pusher', 'players', 'net', 'actions'])}</section>
  <section class="card"><h2>${esc(t('streams'))}</h2>${table('streams', ['stream', 'codec', 'resolution', 'fps', 'kbps', 'gop', 'viewers', 'subscribers', 'actions'])}</section>
  <div id="panels"></div>`;
  const base = `v1/admin/apps/${encodeURIComponent(appId)}/rooms/${encodeURIComponent(roomId)}`;
  $('#dismiss').onclick = () => act(t('confirmDismiss', { room: roomId }), t('dismiss'), () => api(`${base}/dismiss`, { method: 'POST', body: { reason: 'dismissed from the console' } }));
  state.feed.watch(appId, roomId);

  const panels = new Map(); // stream key → {el, charts, stopPreview}
  const panelFor = (s) => {
    let p = panels.get(s.stream);
    if (p) return p;
    const el = document.createElement('section');
    el.className = 'card panel';
    el.dataset.stream = s.stream;
    el.innerHTML = `<h2>${esc(s.userId)}${s.screen ? ' (screen)' : ''}</h2>
      <div class="charts"><div data-k="kbps"></div><div data-k="fps"></div><div data-k="viewers"></div></div>
      <div class="preview"><button type="button" class="preview-btn">${esc(t('preview'))}</button><video muted playsinline hidden></video></div>`;
    $('#panels').appendChild(el);
    const charts = {
      kbps: new LiveChart($('[data-k=kbps]', el), { name: 'bitrate', labels: [t('bitrate')], height: 140 }),
      fps: new LiveChart($('[data-k=fps]', el), { name: 'fps', labels: [t('fps')], height: 140 }),
      viewers: new LiveChart($('[data-k=viewers]', el), { name: 'viewers', labels: [t('viewers')], height: 140 }),
    };
    p = { el, charts, stop: null };
    const btn = $('.preview-btn', el);
    const video = $('video', el);
    btn.onclick = async () => {
      if (p.stop) { p.stop(); p.stop = null; video.hidden = true; btn.textContent = t('preview'); return; }
      try {
        const { startPreview } = await import('./preview.js');
        video.hidden = false;
        p.stop = await startPreview(video, s.stream);
        btn.textContent = t('stopPreview');
      } catch (e) { video.hidden = true; toast(t('failed', { what: t('preview'), why: e.message }), true); }
    };
    panels.set(s.stream, p);
    fillHistory(s.stream, p);
    return p;
  };
  const fillHistory = (key, p) => {
    const h = state.roomHistory[key] || [];
    p.charts.kbps.set(h.map((x) => [x[0], x[1]]));
    p.charts.fps.set(h.map((x) => [x[0], x[2]]));
    p.charts.viewers.set(h.map((x) => [x[0], x[3]]));
  };
  const dropPanel = (key) => {
    const p = panels.get(key);
    p.stop?.();
    for (const c of Object.values(p.charts)) c.destroy();
    p.el.remove();
    panels.delete(key);
  };

  const render = () => {
    const m = state.room;
    if (!m || m.appId !== appId || m.roomId !== roomId) return;
    const room = m.room;
    $('#room-missing').hidden = !!room;
    $('#dismiss').disabled = !room;
    const members = room?.members || [];
    const forbidden = new Set(room?.publishForbidden || []);
    const stateText = (q) => (q?.state ? `${q.state.code}${q.state.message ? ` ${q.state.message}` : ''}` : '—');
    const netText = (q) => (q?.net && typeof q.net === 'object' ? Object.entries(q.net).slice(0, 4).map(([k, v]) => `${k}=${v}`).join(' ') : '—');
    updateRows($('#users tbody'), members.map((u) => {
      const pusher = u.quality?.pusher?.[0];
      const players = (u.quality?.players || []).map((q) => `${q.uid}${q.screen ? '/screen' : ''}: ${stateText(q)}`).join('; ') || '—';
      const isForbidden = forbidden.has(u.userId);
      return {
        key: u.userId,
        cells: [u.userId, u.state, u.visible ? t('yes') : t('invisible'), time(u.joinedMs), stateText(pusher), players, netText(pusher || u.quality?.players?.[0]),
          { html: `<button type="button" data-act="kick" data-user="${esc(u.userId)}" class="danger">${esc(t('kick'))}</button> <button type="button" data-act="${isForbidden ? 'allow' : 'forbid'}" data-user="${esc(u.userId)}">${esc(t(isForbidden ? 'allow' : 'forbid'))}</button>` }],
      };
    }));
    const subs = (uid, screen) => members.filter((u) => u.subscriptions.some((s) => s.userId === uid && s.screen === screen)).map((u) => u.userId);
    const streams = m.streams || [];
    updateRows($('#streams tbody'), streams.map((s) => {
      const muted = s.muteAudio && s.muteVideo;
      return {
        key: s.stream,
        cells: [`${s.userId}${s.screen ? ' (screen)' : ''}${s.publishing ? '' : ' …'}`,
          [s.videoCodec, s.audioCodec].filter(Boolean).join(' / ') || '—',
          s.width ? `${s.width}x${s.height}` : '—', String(s.fps), String(s.videoKbps + s.audioKbps),
          s.gopMs ? `${(s.gopMs / 1000).toFixed(1)} s` : '—', String(s.viewers), subs(s.userId, s.screen).join(', ') || '—',
          { html: `<button type="button" data-act="${muted ? 'unmute' : 'mute'}" data-user="${esc(s.userId)}" data-screen="${s.screen}">${esc(t(muted ? 'unmuteAll' : 'muteAll'))}</button>` }],
      };
    }));
    const keys = new Set(streams.map((s) => s.stream));
    for (const s of streams) panelFor(s);
    for (const k of [...panels.keys()]) if (!keys.has(k)) dropPanel(k);
  };

  main.onclick = (e) => {
    const b = e.target.closest('button[data-act]');
    if (!b) return;
    const user = b.dataset.user;
    const u = `${base}/users/${encodeURIComponent(user)}`;
    const vars = { user, room: roomId };
    const calls = {
      kick: [t('confirmKick', vars), t('kick'), () => api(`${u}/kick`, { method: 'POST', body: { reason: 'kicked from the console' } })],
      forbid: [t('confirmForbid', vars), t('forbid'), () => api(`${u}/forbid-publish`, { method: 'POST', body: { forbidden: true } })],
      allow: [t('confirmAllow', vars), t('allow'), () => api(`${u}/forbid-publish`, { method: 'POST', body: { forbidden: false } })],
      mute: [t('confirmMute', vars), t('muteAll'), () => api(`${u}/mute`, { method: 'POST', body: { audio: true, video: true, screen: b.dataset.screen === 'true' } })],
      unmute: [t('confirmUnmute', vars), t('unmuteAll'), () => api(`${u}/mute`, { method: 'POST', body: { audio: false, video: false, screen: b.dataset.screen === 'true' } })],
    };
    const c = calls[b.dataset.act];
    if (c) act(...c);
  };

  return {
    room: render,
    history: () => { for (const [k, p] of panels) fillHistory(k, p); },
    sample: (m) => {
      for (const [k, v] of Object.entries(m.streams || {})) {
        const p = panels.get(k);
        if (!p) continue;
        p.charts.kbps.push([m.t, v[0]]);
        p.charts.fps.push([m.t, v[1]]);
        p.charts.viewers.push([m.t, v[2]]);
      }
    },
    leave: () => { main.onclick = null; for (const k of [...panels.keys()]) dropPanel(k); state.feed?.watch('', ''); },
  };
}

// ---- Development tokens

function tokensPage() {
  const apps = state.overview?.apps || [];
  main.innerHTML = `<section class="card narrow"><h1>${esc(t('tokenTitle'))}</h1><p class="hint">${esc(t('tokenHelp'))}</p>
  <form id="token-form" class="form">
    <label>${esc(t('app'))}<select id="tk-app">${apps.map((a) => `<option>${esc(a.appId)}</option>`).join('')}</select></label>
    <label>${esc(t('roomId'))}<input id="tk-room" required pattern="[a-zA-Z0-9@_.\\-]{1,128}" value="r1"></label>
    <label>${esc(t('userId'))}<input id="tk-user" required pattern="[a-zA-Z0-9@_.\\-]{1,128}" value="alice"></label>
    <label class="check"><input id="tk-pub" type="checkbox" checked> ${esc(t('publish'))}</label>
    <label class="check"><input id="tk-sub" type="checkbox" checked> ${esc(t('subscribe'))}</label>
    <label>${esc(t('lifetime'))}<input id="tk-life" type="number" min="60" max="604800" value="3600"></label>
    <button type="submit" class="primary">${esc(t('generate'))}</button>
  </form>
  <div id="tk-out" hidden><h2>${esc(t('token'))}</h2><textarea id="tk-token" readonly rows="3"></textarea>
  <h2>${esc(t('snippet'))}</h2><pre id="tk-snippet"></pre><button type="button" id="tk-copy">${esc(t('copy'))}</button></div></section>`;
  $('#token-form').onsubmit = async (e) => {
    e.preventDefault();
    const body = { appId: $('#tk-app').value, roomId: $('#tk-room').value, userId: $('#tk-user').value, publish: $('#tk-pub').checked, subscribe: $('#tk-sub').checked, expireSeconds: Number($('#tk-life').value) };
    try {
      const r = await api('v1/admin/token', { method: 'POST', body });
      $('#tk-out').hidden = false;
      $('#tk-token').value = r.token;
      const server = new URL('..', location.href).href.replace(/\/$/, '');
      $('#tk-snippet').textContent = `const { Client } = require('./lib/miniapp-rtc.min.js');\nconst client = new Client({ server: '${server}' });\nawait client.init('${r.appId}');\nawait client.join('${r.token}', '${body.roomId}', '${body.userId}');\n// token expires ${new Date(r.expireAt * 1000).toISOString()}`;
    } catch (err) { toast(t('failed', { what: t('generate'), why: err.message }), true); }
  };
  $('#tk-copy').onclick = async () => { await navigator.clipboard?.writeText($('#tk-snippet').textContent).catch(() => {}); toast(t('copied')); };
  return {
    overview: () => { // the app list arrives with the feed's first overview
      const sel = $('#tk-app');
      if (sel && !sel.options.length) sel.innerHTML = (state.overview?.apps || []).map((a) => `<option>${esc(a.appId)}</option>`).join('');
    },
  };
}

// ---- Recordings (/v1/admin/recordings): listed every 5 s while the page is open

const bytes = (n) => (n == null ? '—' : n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);
const duration = (ms) => {
  if (ms == null) return '—';
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const dateTime = (ms) => (ms ? new Date(ms).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') : '—');

/**
 * The download URL the server minted is absolute, built on its public URL; the console follows
 * its own rule instead (relative to where it is served), so the link works behind a proxy too.
 */
const relativeDownload = (url) => {
  const at = url.indexOf('v1/recordings/');
  return at < 0 ? url : apiUrl(url.slice(at));
};

function recordingsPage() {
  main.innerHTML = `<section class="card"><h1>${esc(t('recordings'))}</h1>
    <p class="hint">${esc(t('recordingsHelp'))}</p>
    <p id="rec-error" class="error" role="alert"></p>
    ${table('recordings', ['room', 'user', 'state', 'startedAt', 'duration', 'size', 'actions'])}</section>`;
  const links = new Map(); // recording id → {url, expiresAt}: minted links stay until they expire
  let list = [];
  const render = () => {
    const now = Date.now() / 1000;
    updateRows($('#recordings tbody'), [...list].reverse().map((r) => {
      const link = links.get(r.id);
      const live = r.state === 'recording';
      let actions = '';
      if (link && link.expiresAt > now) {
        actions = `<a class="download" href="${esc(link.url)}" download="${esc(r.id)}.mp4">${esc(t('downloadMp4'))}</a> <span class="hint">${esc(t('linkUntil', { time: time(link.expiresAt * 1000) }))}</span> `;
      } else if (r.file?.endsWith('.mp4')) {
        actions = `<button type="button" data-act="link" data-id="${esc(r.id)}">${esc(t('download'))}</button> `;
      }
      if (live) actions += `<button type="button" data-act="stop" data-id="${esc(r.id)}">${esc(t('stop'))}</button>`;
      else if (r.state !== 'finishing') actions += `<button type="button" data-act="delete" data-id="${esc(r.id)}" class="danger">${esc(t('delete'))}</button>`;
      const stateText = `${t(`rec_${r.state}`)}${r.recovered ? ` (${t('recovered')})` : ''}${r.error ? `: ${r.error}` : ''}`;
      return {
        key: r.id,
        cells: [{ html: `${esc(r.roomId)} <small class="hint">${esc(r.appId)}</small>` }, `${r.userId}${r.stream?.endsWith('~screen') ? ' (screen)' : ''}`,
          stateText, dateTime(r.startedAt), duration(r.durationMs), bytes(r.sizeBytes), { html: actions }],
      };
    }));
  };
  const load = async () => {
    try {
      list = (await api('v1/admin/recordings')).recordings || [];
      $('#rec-error').textContent = '';
      render();
    } catch (e) { $('#rec-error').textContent = e.message; }
  };
  main.onclick = async (e) => {
    const b = e.target.closest('button[data-act]');
    if (!b) return;
    const id = b.dataset.id;
    const r = list.find((x) => x.id === id);
    const path = `v1/admin/recordings/${encodeURIComponent(id)}`;
    if (b.dataset.act === 'link') {
      try {
        const { url, expiresAt } = await api(`${path}/url`, { method: 'POST', body: {} });
        links.set(id, { url: relativeDownload(url), expiresAt });
        render();
        main.querySelector(`tr[data-key="${CSS.escape(id)}"] a.download`)?.focus();
      } catch (err) { toast(t('failed', { what: t('download'), why: err.message }), true); }
    } else if (b.dataset.act === 'stop') {
      await act(t('confirmStopRec', { user: r?.userId, room: r?.roomId }), t('stop'), () => api(`${path}/stop`, { method: 'POST', body: {} }));
      load();
    } else if (b.dataset.act === 'delete') {
      await act(t('confirmDeleteRec', { user: r?.userId, room: r?.roomId }), t('delete'), () => api(path, { method: 'DELETE' }));
      links.delete(id);
      load();
    }
  };
  load();
  const timer = setInterval(load, 5000);
  return { leave: () => { clearInterval(timer); main.onclick = null; } };
}

// ---- Usage (/v1/admin/apps/{appId}/usage): the call records of one app over a time range

/** datetime-local value of a time (the browser's zone) and back. */
const localInput = (ms) => { const d = new Date(ms); d.setMinutes(d.getMinutes() - d.getTimezoneOffset()); return d.toISOString().slice(0, 16); };
const fromInput = (v) => (v ? new Date(v).getTime() : NaN);

function usagePage() {
  const apps = () => (state.overview?.apps || []).map((a) => a.appId);
  main.innerHTML = `<section class="card"><h1>${esc(t('usage'))}</h1><p class="hint">${esc(t('usageHelp'))}</p>
  <form id="usage-form" class="form inline">
    <label>${esc(t('app'))}<input id="us-app" list="us-apps" required autocomplete="off"></label><datalist id="us-apps"></datalist>
    <label>${esc(t('from'))}<input id="us-from" type="datetime-local" required></label>
    <label>${esc(t('to'))}<input id="us-to" type="datetime-local"></label>
    <button type="submit" class="primary">${esc(t('show'))}</button>
  </form>
  <p id="us-error" class="error" role="alert"></p>
  <dl id="us-totals" class="stats" hidden></dl></section>
  <section class="card"><h2>${esc(t('perDay'))}</h2><div id="us-days"></div></section>
  <section class="card"><h2>${esc(t('byRoom'))}</h2>${table('us-rooms', ['room', 'sessions', 'participantMinutes', 'publishedMinutes', 'subscribedMinutes', 'publishedBytes', 'subscribedBytes'])}</section>
  <section class="card"><h2>${esc(t('sessionList'))}</h2>${table('us-sessions', ['room', 'user', 'visible', 'joinedAt', 'leftAt', 'leaveReason'])}
  <button type="button" id="us-more" hidden>${esc(t('more'))}</button></section>`;
  $('#us-from').value = localInput(Date.now() - 24 * 3600 * 1000);
  const fillApps = () => {
    $('#us-apps').innerHTML = apps().map((a) => `<option value="${esc(a)}">`).join('');
    if (!$('#us-app').value && apps().length) { $('#us-app').value = apps()[0]; show(); }
  };
  let sessions = [];
  let next = null;
  let query = '';
  let days = null;  // the per-day chart, made on the first show()
  /** Local midnights from the day of `from` to the day of `to`, at most 62 days (the latest). */
  const dayStarts = (from, to) => {
    const d = new Date(from);
    d.setHours(0, 0, 0, 0);
    const out = [];
    for (; d.getTime() < to; d.setDate(d.getDate() + 1)) out.push(d.getTime());
    return out.slice(-62);
  };
  /** One usage query per day of the range (the API sums a range): minutes per day, charted. */
  const showDays = async (base, from, to) => {
    const starts = dayStarts(from, to);
    const figures = await Promise.all(starts.map((s, i) => {
      const end = Math.min(i + 1 < starts.length ? starts[i + 1] : to, to);
      return api(`${base}?from=${Math.max(s, from)}&to=${end}`);
    }));
    days ??= new LiveChart($('#us-days'), { name: t('perDay'), labels: [t('participantMinutes'), t('publishedMinutes'), t('subscribedMinutes')] });
    days.set(figures.map((f, i) => [starts[i], f.participantMinutes, f.publishedMinutes, f.subscribedMinutes]));
  };
  const minutes = (v) => num(v, 2);
  const renderSessions = () => {
    updateRows($('#us-sessions tbody'), sessions.map((x, i) => ({
      key: String(i),
      cells: [x.roomId, `${x.userId}${x.mediaOnly ? ` (${t('mediaOnly')})` : ''}`, x.visible ? t('yes') : t('invisible'), dateTime(x.joinMs), dateTime(x.leaveMs), x.leaveReason],
    })));
    $('#us-more').hidden = !next;
  };
  const loadSessions = async (base, cursor) => {
    const page = await api(`${base}/sessions?${query}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    sessions = cursor ? sessions.concat(page.sessions) : page.sessions;
    next = page.next;
    renderSessions();
  };
  async function show() {
    const app = $('#us-app').value.trim();
    const from = fromInput($('#us-from').value);
    const to = $('#us-to').value ? fromInput($('#us-to').value) : Date.now();
    if (!app || !Number.isFinite(from) || !Number.isFinite(to)) return;
    query = `from=${Math.round(from)}&to=${Math.round(to)}`;
    const base = `v1/admin/apps/${encodeURIComponent(app)}/usage`;
    try {
      const [total, rooms] = await Promise.all([api(`${base}?${query}`), api(`${base}?${query}&by=room`)]);
      $('#us-error').textContent = '';
      const stats = [['sessions', String(total.sessions)], ['participantMinutes', minutes(total.participantMinutes)],
        ['publishedMinutes', minutes(total.publishedMinutes)], ['subscribedMinutes', minutes(total.subscribedMinutes)],
        ['publishedBytes', bytes(total.publishedBytes)], ['subscribedBytes', bytes(total.subscribedBytes)]];
      const dl = $('#us-totals');
      dl.hidden = false;
      dl.innerHTML = stats.map(([k, v]) => `<div data-k="${k}"><dt>${esc(t(k))}</dt><dd>${esc(v)}</dd></div>`).join('');
      updateRows($('#us-rooms tbody'), rooms.rooms.map((r) => ({
        key: r.roomId,
        cells: [r.roomId, String(r.sessions), minutes(r.participantMinutes), minutes(r.publishedMinutes), minutes(r.subscribedMinutes), bytes(r.publishedBytes), bytes(r.subscribedBytes)],
      })));
      await Promise.all([loadSessions(base, null), showDays(base, from, to)]);
    } catch (e) { $('#us-error').textContent = e.message; }
  }
  $('#usage-form').onsubmit = (e) => { e.preventDefault(); show(); };
  $('#us-more').onclick = () => loadSessions(`v1/admin/apps/${encodeURIComponent($('#us-app').value.trim())}/usage`, next).catch((e) => { $('#us-error').textContent = e.message; });
  fillApps();
  return { overview: fillApps };
}

// ---- Router

function route() {
  if (!getKey() || !state.feed) return;
  state.page?.leave?.();
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'room' && parts[1] && parts[2]) { markNav(''); state.page = roomPage(parts[1], parts[2]); }
  else if (parts[0] === 'tokens') { markNav('tokens'); state.page = tokensPage(); }
  else if (parts[0] === 'recordings') { markNav('recordings'); state.page = recordingsPage(); }
  else if (parts[0] === 'usage') { markNav('usage'); state.page = usagePage(); }
  else { markNav('overview'); state.page = overviewPage(); }
  main.focus({ preventScroll: true });
}

function boot() {
  if (!getKey()) { showSignIn(); return; }
  renderNav(true);
  if (!state.feed) startFeed();
  api('v1/admin/nodes').then((r) => { state.nodes = r?.nodes || null; state.page?.overview?.(); }).catch(() => {});
  route();
}

window.addEventListener('hashchange', route);
boot();
