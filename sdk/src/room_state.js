// What the server thinks of this session's room: the peers and remote streams it announced, this
// user's publication and subscriptions. The one owner of that state.
//
// Contract: only server replies (the *Reply methods, called by the API surface with the reply it
// got) and server notifications (notify()) change it. A request whose reply never came (timeout,
// socket lost) has an unknown outcome: the entry becomes 'unknown', and the next call about it
// goes to the server (which answers with the truth: 100005, 100006, 300002 ...) or a resume
// (the server's own list of publications and subscriptions, reconcile()) settles it. Nothing is
// ever refused locally on a guess: a local refusal (100005, 100006) happens only when the state
// is known from the server.

import { EVENTS, MUTE_NOTIFICATIONS } from './events.js';
import { streamKey } from './ids.js';

/** The server announces at most this many peers on join (docs/protocol.md §4.2). */
const MAX_ANNOUNCED_PEERS = 20;

/**
 * @typedef {'none' | 'published' | 'unknown'} PubState
 * @typedef {{uid: string, screen: boolean, audio: boolean, video: boolean}} RemoteStream
 * @typedef {object} Subscription
 * @property {string} uid
 * @property {boolean} screen
 * @property {'subscribed' | 'unknown'} state
 * @property {string} url the play URL ('' when never known)
 * @property {boolean} wanted whether the app's last call about it was subscribe (true) or unsubscribe
 */

export class RoomState {
  /**
   * @param {(event: string, payload?: any) => void} emit
   */
  constructor(emit) {
    this._emit = emit;
    this.reset('');
  }

  /**
   * Forgets everything (a new session or none).
   * @param {string} self this session's userId
   */
  reset(self) {
    this.self = self;
    /** @type {Set<string>} */
    this.peers = new Set();
    /** @type {Map<string, RemoteStream>} */
    this.streams = new Map();
    /** @type {{state: PubState, url: string, delivered: boolean}} */
    this.pub = { state: 'none', url: '', delivered: false };
    /** @type {Map<string, Subscription>} */
    this.subs = new Map();
    /** streamRemoved count per stream key, to spot a subscribe reply that a removal overtook. */
    /** @type {Map<string, number>} */
    this.removals = new Map();
    /** Peers and streams announced after a resume, compared with those known before it. */
    /** @type {{peers: Set<string>, streams: Map<string, RemoteStream>} | null} */
    this.resync = null;
    /** Subscriptions a resume found gone, told to the app when the burst after it is over. */
    /** @type {Subscription[]} */
    this._lostSubs = [];
  }

  /**
   * @param {string} uid
   * @returns {boolean} announced as a peer or as a publisher
   */
  knowsUser(uid) {
    if (this.peers.has(uid)) return true;
    for (const s of this.streams.values()) if (s.uid === uid) return true;
    return false;
  }

  /**
   * @param {string} uid
   * @param {boolean} screen
   * @returns {boolean} the stream is live (announced and not removed since)
   */
  hasStream(uid, screen) {
    return this.streams.has(streamKey(uid, screen));
  }

  /**
   * @param {string} uid
   * @param {boolean} screen
   * @returns {number}
   */
  removalCount(uid, screen) {
    return this.removals.get(streamKey(uid, screen)) || 0;
  }

  // ---------------------------------------------------------------------------------------------
  // Publication

  /** @param {string} url the server published and answered with this push URL */
  publishReply(url) {
    this.pub = { state: 'published', url, delivered: true };
  }

  /** The server says there is no publication (an unpublish reply, or 100006). */
  notPublished() {
    this.pub = { state: 'none', url: '', delivered: false };
  }

  /** A publish or unpublish got no reply: the server may or may not have done it. */
  pubUnknown() {
    this.pub = { state: 'unknown', url: this.pub.url, delivered: false };
  }

  // ---------------------------------------------------------------------------------------------
  // Subscriptions

  /**
   * @param {string} uid
   * @param {boolean} screen
   * @param {string} url
   */
  subscribeReply(uid, screen, url) {
    this.subs.set(streamKey(uid, screen), { uid, screen, state: 'subscribed', url, wanted: true });
  }

  /**
   * The server says this user holds no such subscription (an unsubscribe reply, or 300002).
   * @param {string} uid
   * @param {boolean} screen
   */
  notSubscribed(uid, screen) {
    this.subs.delete(streamKey(uid, screen));
  }

  /**
   * A subscribe (wanted) or unsubscribe (!wanted) got no reply.
   * @param {string} uid
   * @param {boolean} screen
   * @param {boolean} wanted
   */
  subUnknown(uid, screen, wanted) {
    const key = streamKey(uid, screen);
    const old = this.subs.get(key);
    this.subs.set(key, { uid, screen, state: 'unknown', url: old ? old.url : '', wanted });
  }

  /**
   * Whether a player report for `uid` is about its screen stream, when the app did not say.
   * @param {string} uid
   * @returns {boolean}
   */
  onlyScreenSubscribed(uid) {
    return !this.subs.has(streamKey(uid, false)) && this.subs.has(streamKey(uid, true));
  }

  // ---------------------------------------------------------------------------------------------
  // Notifications (docs/protocol.md §4.3)

  /**
   * Applies one server notification and emits the app's event for it.
   * @param {string} method
   * @param {any} p
   * @returns {'banned' | undefined} 'banned' when the session ended (clientBanned)
   */
  notify(method, p) {
    const uid = typeof p.uid === 'string' ? p.uid : '';
    const screen = Boolean(p.screen);
    const key = streamKey(uid, screen);
    const emit = this._emit;
    switch (method) {
      case 'peerOnline': {
        if (!uid) return undefined;
        if (this.resync) {
          this.resync.peers.add(uid);
          if (this.peers.has(uid)) return undefined;
        }
        this.peers.add(uid);
        emit(EVENTS.PEER_ONLINE, { uid });
        return undefined;
      }
      case 'peerLeave': {
        if (!uid) return undefined;
        this.peers.delete(uid);
        if (this.resync) this.resync.peers.delete(uid);
        emit(EVENTS.PEER_LEAVE, { uid });
        return undefined;
      }
      case 'streamAdded': {
        if (!uid) return undefined;
        const state = p.streamPublishState && typeof p.streamPublishState === 'object' ? p.streamPublishState : {};
        /** @type {RemoteStream} */
        const stream = { uid, screen, audio: state.audio !== false, video: state.video !== false };
        const known = this.streams.get(key);
        this.streams.set(key, stream);
        if (this.resync) {
          this.resync.streams.set(key, stream);
          if (known) {
            // Re-announced after a resume: tell only what changed while the socket was down.
            this._emitMuteChanges(known, stream);
            return undefined;
          }
        }
        emit(EVENTS.STREAM_ADDED, { uid, screen, streamPublishState: { audio: stream.audio, video: stream.video } });
        return undefined;
      }
      case 'streamRemoved': {
        if (!uid) return undefined;
        this._streamGone(key);
        if (this.resync) this.resync.streams.delete(key);
        emit(EVENTS.STREAM_REMOVED, { uid, screen });
        return undefined;
      }
      case 'updateUrl': {
        if (!uid || typeof p.url !== 'string') return undefined;
        if (uid === this.self && !screen) {
          if (this.pub.state !== 'none') this.pub.url = p.url;
        } else {
          const sub = this.subs.get(key);
          if (sub) sub.url = p.url;
        }
        emit(EVENTS.UPDATE_URL, { uid, screen, url: p.url });
        return undefined;
      }
      case 'streamFailed': {
        if (!uid) return undefined;
        // Some failures end the publication or subscription on the server, some do not: the next
        // call asks the server instead of trusting a guess.
        if (uid === this.self && !screen) {
          if (this.pub.state !== 'none') this.pubUnknown();
        } else {
          const sub = this.subs.get(key);
          if (sub) sub.state = 'unknown';
        }
        emit(EVENTS.STREAM_FAILED, { uid, screen, reason: typeof p.reason === 'string' ? p.reason : '' });
        return undefined;
      }
      case 'clientBanned':
        return 'banned';
      default: {
        const event = /** @type {Record<string, string>} */ (MUTE_NOTIFICATIONS)[method];
        if (!event || !uid) return undefined;
        const stream = this.streams.get(key);
        if (stream) {
          if (method === 'muteAudio') stream.audio = false;
          else if (method === 'unmuteAudio') stream.audio = true;
          else if (method === 'muteVideo') stream.video = false;
          else stream.video = true;
        }
        emit(event, { uid, screen });
        return undefined;
      }
    }
  }

  /**
   * A remote stream is no longer live. Its subscription, if any, becomes unknown: an unpublish
   * ends it on the server, a publisher whose media stopped keeps it (docs/protocol.md §4.5).
   * @param {string} key
   */
  _streamGone(key) {
    this.streams.delete(key);
    this.removals.set(key, (this.removals.get(key) || 0) + 1);
    const sub = this.subs.get(key);
    if (sub) sub.state = 'unknown';
  }

  /**
   * @param {RemoteStream} before
   * @param {RemoteStream} after
   */
  _emitMuteChanges(before, after) {
    const payload = { uid: after.uid, screen: after.screen };
    if (before.audio !== after.audio) this._emit(after.audio ? EVENTS.UNMUTE_AUDIO : EVENTS.MUTE_AUDIO, payload);
    if (before.video !== after.video) this._emit(after.video ? EVENTS.UNMUTE_VIDEO : EVENTS.MUTE_VIDEO, payload);
  }

  // ---------------------------------------------------------------------------------------------
  // Resume (docs/protocol.md §4.4)

  /** A resume request is about to go out: collect the burst of announcements that follows it. */
  beginResync() {
    this.resync = { peers: new Set(), streams: new Map() };
  }

  /**
   * The server gave the session back with its own lists: they replace the publication and
   * subscriptions. The app hears UPDATE_URL for URLs it holds that changed, STREAM_FAILED for a
   * publication it held that is gone.
   * @param {any[]} publications `[{screen, url}]`
   * @param {any[]} subscriptions `[{userId, screen, url}]`
   * @returns {{uid: string, screen: boolean}[]} subscriptions the app gave up (unsubscribe without
   *   a reply) that the server still holds: the caller unsubscribes them
   */
  resumeReply(publications, subscriptions) {
    const emit = this._emit;
    const main = publications.find((x) => x && !x.screen && typeof x.url === 'string' && x.url);
    const pub = this.pub;
    if (main) {
      const held = pub.state === 'published' && pub.delivered;
      if (held && pub.url !== main.url) emit(EVENTS.UPDATE_URL, { uid: this.self, screen: false, url: main.url });
      // A publication the app never got the URL of (publish timed out) waits for publish() to hand it over.
      this.pub = { state: 'published', url: main.url, delivered: held };
    } else {
      if (pub.state === 'published' && pub.delivered) {
        emit(EVENTS.STREAM_FAILED, { uid: this.self, screen: false, reason: 'publication lost while reconnecting' });
      }
      this.notPublished();
    }

    /** @type {{uid: string, screen: boolean}[]} */
    const unwanted = [];
    /** @type {Set<string>} */
    const listed = new Set();
    for (const s of subscriptions) {
      if (!s || typeof s.userId !== 'string' || typeof s.url !== 'string') continue;
      const screen = Boolean(s.screen);
      const key = streamKey(s.userId, screen);
      listed.add(key);
      const mine = this.subs.get(key);
      if (mine && !mine.wanted) {
        unwanted.push({ uid: s.userId, screen });
        continue;
      }
      const held = Boolean(mine && mine.state === 'subscribed');
      if (held && mine && mine.url !== s.url) emit(EVENTS.UPDATE_URL, { uid: s.userId, screen, url: s.url });
      this.subs.set(key, { uid: s.userId, screen, state: 'subscribed', url: s.url, wanted: true });
    }
    this._lostSubs = [];
    for (const [key, sub] of Array.from(this.subs)) {
      if (listed.has(key)) continue;
      this.subs.delete(key);
      // The server lost a subscription the app plays: after the burst, STREAM_REMOVED then
      // STREAM_ADDED (if the stream is live) lets it subscribe anew.
      if (sub.state === 'subscribed') this._lostSubs.push(sub);
    }
    return unwanted;
  }

  /**
   * The burst after resume is over: tell the app what disappeared while the socket was down.
   * @param {boolean} complete whether the end of the burst was seen; when not, nothing is
   *   concluded from what did not arrive
   */
  endResync(complete) {
    const resync = this.resync;
    this.resync = null;
    const lost = this._lostSubs;
    this._lostSubs = [];
    if (!resync || !complete) return;
    const emit = this._emit;
    for (const [key, stream] of Array.from(this.streams)) {
      if (resync.streams.has(key)) continue;
      this._streamGone(key);
      emit(EVENTS.STREAM_REMOVED, { uid: stream.uid, screen: stream.screen });
    }
    for (const sub of lost) {
      const key = streamKey(sub.uid, sub.screen);
      const stream = this.streams.get(key);
      if (!stream || this.subs.has(key)) continue;
      emit(EVENTS.STREAM_REMOVED, { uid: sub.uid, screen: sub.screen });
      emit(EVENTS.STREAM_ADDED, {
        uid: stream.uid,
        screen: stream.screen,
        streamPublishState: { audio: stream.audio, video: stream.video },
      });
    }
    if (resync.peers.size < MAX_ANNOUNCED_PEERS) {
      for (const uid of Array.from(this.peers)) {
        if (resync.peers.has(uid)) continue;
        this.peers.delete(uid);
        emit(EVENTS.PEER_LEAVE, { uid });
      }
    }
  }
}
