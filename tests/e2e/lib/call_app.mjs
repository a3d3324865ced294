// The app of one SDK phone in the cluster e2e tests, as a mini program would run it: it pushes
// what it publishes (ffmpeg to the push URL), plays what others publish (HTTP-FLV), and follows
// UPDATE_URL (a new push URL restarts its encoder, a new play URL its player). Shared state: the
// `players` list (each {viewer, uid, url, player, startedAt}, newest last) and the `pushers` map
// (userId → pusher) that the test inspects and stops.
import { EVENTS } from './sdk_phone.mjs';
import { pushTestStream, playHttpFlv } from './media.mjs';

/** Wires `phone` (user `userId`) to push and play into `players` and `pushers`. */
export function runApp(phone, userId, { players, pushers }) {
  const play = (uid, url) => {
    const prev = players.filter((p) => p.viewer === userId && p.uid === uid).pop();
    if (prev && prev.url === url) return;
    if (prev) prev.player.abort();
    players.push({ viewer: userId, uid, url, player: playHttpFlv(url), startedAt: Date.now() });
  };
  phone.client.on(EVENTS.STREAM_ADDED, async ({ uid, screen }) => {
    if (screen) return;
    const url = await phone.client.subscribe(uid, { screen: false }).catch(() => null);
    if (typeof url === 'string') play(uid, url);
  });
  phone.client.on(EVENTS.UPDATE_URL, ({ uid, url }) => {
    if (uid === userId) {
      const old = pushers.get(userId);
      if (old) old.stop();
      pushers.set(userId, pushTestStream(url, { seconds: 300 }));
    } else {
      play(uid, url);
    }
  });
}
