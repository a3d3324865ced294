// The built SDK against the real server when the network or the server goes away: a dropped
// socket is resumed inside the server's window (others notice nothing, the app gets no
// DISCONNECT); a restarted server does not know the session, so the app gets DISCONNECT and
// recovers the way the original SDK advises (destroy, new Client, join, publish).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, binaryPath } from './lib/server.mjs';
import { pushTestStream, probe, sleep, waitFor } from './lib/media.mjs';
import { Phone, EVENTS, SLOW } from './lib/sdk_phone.mjs';
import { makeToken } from '../../examples/token/token.mjs';

const BIN = binaryPath();
const skip = BIN ? false : 'MINIRTC_BIN not set or missing: build the server (build/release/minirtc) and set MINIRTC_BIN';
const APP_ID = 'sdkresumetest0123456789a';
const APP_KEY = 'sdk-resume-test-key';

let seq = 0;
const newRoom = () => `sdk-resume-${process.pid}-${++seq}`;
const token = (roomId, userId) => makeToken({ appId: APP_ID, appKey: APP_KEY, roomId, userId, publish: true, subscribe: true });
const phones = [];
const servers = [];
let configDir;

function config(resumeWindowMs) {
  const file = join(configDir, `resume-${resumeWindowMs}.toml`);
  writeFileSync(file, `[room]\nresume_window_ms = ${resumeWindowMs}\n`);
  return file;
}

before(() => {
  if (skip) return;
  configDir = mkdtempSync(join(tmpdir(), 'minirtc-sdk-e2e-'));
});

after(async () => {
  for (const p of phones) await p.destroy();
  for (const s of servers) await s.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

async function server(extraArgs = []) {
  const s = await startServer({ apps: [`${APP_ID}:${APP_KEY}`], extraArgs });
  servers.push(s);
  return s;
}

function phone(s) {
  const p = new Phone(s.httpUrl);
  phones.push(p);
  return p;
}

test('a dropped socket is resumed: no DISCONNECT, others see nothing, the call goes on', { skip }, async () => {
  const s = await server(['--config', config(20000)]);
  const room = newRoom();
  const alice = phone(s);
  const bob = phone(s);
  await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
  await bob.join(APP_ID, token(room, 'bob'), room, 'bob');
  const pushUrl = await alice.client.publish();
  const pusher = pushTestStream(pushUrl, { size: '320x240', seconds: 60 });
  try {
    await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
    const playUrl = await bob.client.subscribe('alice', {});
    await alice.waitEvent(EVENTS.PEER_ONLINE, (p) => p.uid === 'bob');
    const aliceEventsBefore = alice.events.length;
    const bobEventsBefore = bob.events.length;

    // the network drops alice's signalling socket (no close frame)
    alice.wx.sockets[0].drop();
    await waitFor(() => alice.client.state === 'reconnecting' || alice.wx.sockets.length > 1, { what: 'resume started' });
    await waitFor(() => alice.client.state === 'connected' && alice.wx.sockets.length === 2, {
      timeoutMs: 10000 * SLOW,
      what: 'resumed',
    });
    const resumeFrames = alice.wx.sockets[1].requests('resume');
    assert.equal(resumeFrames.length, 1);
    assert.equal(typeof resumeFrames[0].params.sessionToken, 'string');
    assert.equal(alice.wx.sockets[1].requests('join').length, 0, 'resumed, not joined again');
    await sleep(500 * SLOW);
    assert.deepEqual(alice.events.slice(aliceEventsBefore), [], 'the app notices nothing (the URLs did not change)');
    assert.deepEqual(bob.events.slice(bobEventsBefore), [], 'nor do the others');
    assert.equal(alice.openSockets().length, 1, 'still one socket');

    // the session works on the new socket
    await alice.client.muteLocal({ audio: true });
    await bob.waitEvent(EVENTS.MUTE_AUDIO, (p) => p.uid === 'alice');
    await alice.client.muteLocal({ audio: false });
    await bob.waitEvent(EVENTS.UNMUTE_AUDIO, (p) => p.uid === 'alice');
    const info = await probe(playUrl);
    assert.ok(info.streams.some((x) => x.codec_type === 'video'), 'media never stopped');

    // a subscriber's socket too
    bob.wx.sockets[0].drop();
    await waitFor(() => bob.client.state === 'connected' && bob.wx.sockets.length === 2, {
      timeoutMs: 10000 * SLOW,
      what: 'bob resumed',
    });
    assert.deepEqual(bob.named(EVENTS.DISCONNECT), []);
    await alice.client.leave();
    await bob.waitEvent(EVENTS.PEER_LEAVE, (p) => p.uid === 'alice');
  } finally {
    await pusher.stop();
  }
});

test('server gone for longer than the resume window: DISCONNECT', { skip }, async () => {
  const s = await server(['--config', config(1500)]);
  const room = newRoom();
  const alice = phone(s);
  await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
  await s.stop();
  const disconnect = await alice.waitEvent(EVENTS.DISCONNECT, () => true, 15000 * SLOW);
  // The close code is the server's (a shutting-down server may say 1000 or 1001); the app is told
  // in any case, since its session is gone.
  assert.equal(typeof disconnect.code, 'number');
  assert.equal(typeof disconnect.reason, 'string');
  assert.equal(alice.client.state, 'disconnected');
  assert.ok(alice.wx.sockets.length >= 2, 'it tried to resume first');
  assert.equal(alice.openSockets().length, 0);
});

test('server restarted on the same address: resume refused → DISCONNECT → the app rejoins', { skip }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'minirtc-sdk-restart-'));
  const first = await server(['--config', config(20000)]);
  const room = newRoom();
  const alice = phone(first);
  const bob = phone(first);
  await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
  await bob.join(APP_ID, token(room, 'bob'), room, 'bob');
  await alice.client.publish();

  await first.stop();
  const second = await restartOn(first.http, first.rtmp, dataDir);
  try {
    const disconnect = await alice.waitEvent(EVENTS.DISCONNECT, () => true, 25000 * SLOW);
    assert.equal(typeof disconnect.code, 'number');
    await bob.waitEvent(EVENTS.DISCONNECT, () => true, 25000 * SLOW);
    assert.deepEqual(alice.named(EVENTS.CLIENT_BANNED), []);

    // recovery as the original SDK documents it: destroy, new Client, listeners, join, publish
    for (const p of [alice, bob]) {
      await p.client.destroy();
      p.newClient();
    }
    await alice.join(APP_ID, token(room, 'alice'), room, 'alice');
    await bob.join(APP_ID, token(room, 'bob'), room, 'bob');
    const pusher = pushTestStream(await alice.client.publish(), { size: '160x120', fps: 10, seconds: 30 });
    try {
      await bob.waitEvent(EVENTS.STREAM_ADDED, (p) => p.uid === 'alice');
      const info = await probe(await bob.client.subscribe('alice', {}));
      assert.ok(info.streams.some((x) => x.codec_type === 'video'));
    } finally {
      await pusher.stop();
    }
  } finally {
    await second.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

/**
 * Starts the server again on the ports of the one just stopped (what a restart looks like to
 * clients): same arguments as lib/server.mjs uses, fixed ports.
 */
async function restartOn(http, rtmp, dataDir) {
  const args = ['serve', '--http-listen', http, '--rtmp-listen', rtmp, '--data-dir', dataDir, '--log-level', 'info',
    '--app', `${APP_ID}:${APP_KEY}`, '--config', config(20000)];
  for (let attempt = 0; ; attempt++) {
    const proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    const exited = new Promise((resolve) => proc.on('exit', (code) => resolve(code)));
    const ok = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 15000 * SLOW);
      proc.stdout.on('data', (d) => {
        stdout += d;
        if (/listening http=/.test(stdout)) { clearTimeout(timer); resolve(true); }
      });
      proc.on('exit', () => { clearTimeout(timer); resolve(false); });
    });
    if (ok) {
      return {
        logs: () => stderr,
        async stop() {
          if (proc.exitCode === null) proc.kill('SIGTERM');
          const killer = setTimeout(() => proc.kill('SIGKILL'), 10000);
          await exited;
          clearTimeout(killer);
        },
      };
    }
    // the port may still be held for a moment by the old process
    if (attempt >= 20) throw new Error(`server did not restart on ${http}: ${stderr}`);
    await sleep(250);
  }
}
