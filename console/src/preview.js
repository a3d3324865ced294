// Live preview of a stream: WebSocket-FLV through mpegts.js (loaded on first use, so the page's
// bundle stays small) from a play URL the admin API issues for the console (POST
// /v1/admin/play-url), resolved against this page's address.
import { api, wsUrl } from './api.js';

export async function startPreview(video, streamKey) {
  const { default: mpegts } = await import('mpegts.js');
  if (!mpegts.getFeatureList().mseLivePlayback) throw new Error('this browser cannot play FLV (no MSE)');
  const { path } = await api('v1/admin/play-url', { method: 'POST', body: { stream: streamKey } });
  const player = mpegts.createPlayer({ type: 'flv', isLive: true, hasAudio: true, hasVideo: true, url: wsUrl(path) }, {
    enableWorker: false, liveBufferLatencyChasing: true, lazyLoad: false,
  });
  player.attachMediaElement(video);
  player.load();
  video.muted = true;
  await Promise.resolve(player.play()).catch(() => {});
  return () => { player.pause(); player.unload(); player.detachMediaElement(); player.destroy(); };
}
