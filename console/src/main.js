// The console: sign-in, overview, room page, development tokens (and recordings/usage where the
// server has them). Plain DOM, no framework: pages are built once and their tables updated in
// place (keyed rows, changed cells only), so focus and the preview survive the live feed.
import './style.css';
import { t, lang } from './i18n.js';
import { api, ApiError, getKey, setKey, clearKey, openFeed } from './api.js';
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

// ---- Recordings and usage: shown when the server has the routes

function listPage(kind, path) {
  main.innerHTML = `<section class="card"><h1>${esc(t(kind))}</h1><div id="list">${esc(t('connecting'))}</div></section>`;
  api(path).then((data) => {
    const rows = Object.values(data || {}).find(Array.isArray) || [];
    const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].slice(0, 8);
    $('#list').innerHTML = rows.length ? `<div class="scroll"><table><thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${cols.map((c) => `<td>${esc(typeof r[c] === 'object' ? JSON.stringify(r[c]) : r[c])}</td>`).join('')}</tr>`).join('')}</tbody></table></div>` : esc(t('none'));
  }).catch((e) => {
    $('#list').textContent = e.status === 404 || e.status === 405 ? t('notYet', { what: t(kind) }) : e.message;
  });
  return {};
}

// ---- Router

function route() {
  if (!getKey() || !state.feed) return;
  state.page?.leave?.();
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (parts[0] === 'room' && parts[1] && parts[2]) { markNav(''); state.page = roomPage(parts[1], parts[2]); }
  else if (parts[0] === 'tokens') { markNav('tokens'); state.page = tokensPage(); }
  else if (parts[0] === 'recordings') { markNav('recordings'); state.page = listPage('recordings', 'v1/admin/recordings'); }
  else if (parts[0] === 'usage') { markNav('usage'); state.page = listPage('usage', 'v1/admin/usage'); }
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
