// Type declarations of the MiniRTC mini program SDK (dist/miniapp-rtc.min.js).
// The API is the original cloud RTC mini program SDK's; see sdk/README.md.

export type ClientState =
  | 'idle'
  | 'initialized'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'disconnected'
  | 'destroyed';

/** Every failing call settles with one of these. */
export interface RtcError {
  code: number;
  reason: string;
}

export type OnSuccess<T> = (value: T) => void;
export type OnFailure = (error: RtcError) => void;

/** The part of the global `wx` the SDK uses. */
export interface WxLike {
  request(options: object): unknown;
  connectSocket(options: object): unknown;
}

export interface ClientOptions {
  /**
   * Base URL of the MiniRTC server, e.g. 'https://rtc.example.com', or several (the nodes of a
   * cluster): config is asked from the first that answers, in order, at join and again while a
   * session is resumed after a node was lost. Default: Client.setDefaultServer().
   */
  server?: string | string[];
  /** The wx API to use; default the global `wx`. */
  wx?: WxLike;
  /** ms to wait for a signalling reply; default 3000 (SIGNALING_TIMEOUT after). */
  signalingTimeout?: number;
  /** ms to wait for the config request; default 5000. */
  requestTimeout?: number;
  /** ms between two report batches; default 5000. */
  reportInterval?: number;
  /** Resume the session by itself when the socket drops; default true. */
  resume?: boolean;
  /** Play URL format asked for on subscribe; default the server's (RTMP). */
  playFormat?: 'rtmp' | 'flv';
}

export interface SubscribeOptions {
  audio?: boolean;
  video?: boolean;
  screen?: boolean;
  format?: 'rtmp' | 'flv';
}

export interface MuteOptions {
  /** true = disabled */
  audio?: boolean;
  /** true = disabled */
  video?: boolean;
}

export interface MuteRemoteOptions extends MuteOptions {
  screen?: boolean;
}

export interface StreamInfo {
  uid: string;
  screen: boolean;
}

export interface StreamAddedEvent extends StreamInfo {
  streamPublishState: { audio: boolean; video: boolean };
}

export interface UpdateUrlEvent extends StreamInfo {
  url: string;
}

export interface StreamFailedEvent extends StreamInfo {
  reason: string;
}

export interface PeerEvent {
  uid: string;
}

export interface ClientBannedEvent {
  reason: string;
}

/** The signalling socket of a joined session closed for good (no resume) with a code other than 1000. */
export interface DisconnectEvent {
  /** The WebSocket close code (e.g. 1006 abnormal closure, 1001 server going away). */
  code: number;
  reason: string;
}

/** The signalling socket reported an error; `code` is WEBSOCKET_FAILED (500001). */
export interface SocketErrorEvent {
  code: 500001;
  reason: string;
}

export interface EventPayloads {
  STREAM_ADDED: StreamAddedEvent;
  STREAM_REMOVED: StreamInfo;
  UPDATE_URL: UpdateUrlEvent;
  STREAM_FAILED: StreamFailedEvent;
  MUTE_AUDIO: StreamInfo;
  UNMUTE_AUDIO: StreamInfo;
  MUTE_VIDEO: StreamInfo;
  UNMUTE_VIDEO: StreamInfo;
  CLIENT_BANNED: ClientBannedEvent;
  PEER_ONLINE: PeerEvent;
  PEER_LEAVE: PeerEvent;
  ERROR: SocketErrorEvent;
  DISCONNECT: DisconnectEvent;
}

export type EventName = keyof EventPayloads;

export declare const EVENTS: Readonly<{ [K in EventName]: K }>;

export declare const ERROR_CODES: Readonly<{
  INVALID_PARAMS: 100001;
  NOT_IN_ROOM: 100002;
  ALREADY_IN_ROOM: 100003;
  CONNECTING: 100004;
  ALREADY_PUBLISHED: 100005;
  NOT_PUBLISHED: 100006;
  UID_NOT_FOUND: 100007;
  HAS_INITED: 100008;
  STREAM_ID_NOT_FOUND: 200001;
  GET_CONFIG_ERROR: 200002;
  NO_WEBSOCKET_URL: 200003;
  /** The original's spelling. */
  NO_WEBSOCLET_URL: 200003;
  SUBSCRIBE_FAILED: 300001;
  UNSUBSCRIBE_FAILED: 300002;
  MUTE_LOCAL_ERROR: 300003;
  /** The original's spelling. */
  MUTE_LOCAL_ERRO: 300003;
  MUTE_REMOTE_ERROR: 300004;
  LEAVE_ERROR: 300005;
  PUBLISH_ERROR: 300006;
  UNPUBLISH_ERROR: 300007;
  /** The original's spelling. */
  UNPUBLISH_ERRO: 300007;
  JOIN_ROOM_ERROR: 300008;
  SIGNALING_TIMEOUT: 300009;
  WEBSOCKET_NOT_CONNECTED: 300010;
  WEBSOCKET_FAILED: 500001;
}>;

export declare const VERSION: string;

/**
 * Live-pusher / live-player `bindnetstatus` `detail.info`: any object; its number, string and
 * boolean fields are sent (at most 40).
 */
export type NetStatusInfo = object;

/** Which of a user's streams a player report is about: the v-player's `screen` property ('0'/'1') works as is. */
export type ScreenFlag = boolean | 0 | 1 | '0' | '1';

export declare class Client {
  /** Server used by clients created without `server`: one base URL or several; '' or [] clears it. */
  static setDefaultServer(url: string | string[]): void;
  /** The default server normalized (no trailing slash): '' when none, one URL, or a list when several. */
  static getDefaultServer(): string | string[];

  constructor(options?: ClientOptions);

  /**
   * 'connected' while in a room; 'reconnecting' while a dropped socket is being resumed;
   * 'disconnected' after the session ended without leave() (DISCONNECT, CLIENT_BANNED, or the
   * server closing the socket normally with 1000).
   */
  readonly state: ClientState;
  /** The user id while in a room, '' otherwise. */
  readonly userId: string;
  /** The room id while in a room, '' otherwise. */
  readonly roomId: string;

  init(appId: string, onSuccess?: OnSuccess<void>, onFailure?: OnFailure): Promise<void>;
  destroy(onSuccess?: OnSuccess<void>, onFailure?: OnFailure): Promise<void>;
  setBusinessId(id: string, onSuccess?: OnSuccess<number>, onFailure?: OnFailure): Promise<number>;

  /** Resolves with userId. */
  join(
    token: string,
    roomId: string,
    userId: string,
    onSuccess?: OnSuccess<string>,
    onFailure?: OnFailure,
  ): Promise<string>;
  leave(onSuccess?: OnSuccess<void>, onFailure?: OnFailure): Promise<void>;

  /** Resolves with the RTMP push URL for `<live-pusher url>`. */
  publish(onSuccess?: OnSuccess<string>, onFailure?: OnFailure): Promise<string>;
  unpublish(onSuccess?: OnSuccess<void>, onFailure?: OnFailure): Promise<void>;
  /**
   * Resolves with the play URL for `<live-player src>`. Fails with STREAM_ID_NOT_FOUND when the
   * stream was removed (STREAM_REMOVED) before the reply came.
   */
  subscribe(
    userId: string,
    options?: SubscribeOptions,
    onSuccess?: OnSuccess<string>,
    onFailure?: OnFailure,
  ): Promise<string>;
  /** Options left out: the callbacks move left by one. */
  subscribe(userId: string, onSuccess: OnSuccess<string>, onFailure?: OnFailure): Promise<string>;
  unsubscribe(
    userId: string,
    options?: { screen?: boolean },
    onSuccess?: OnSuccess<void>,
    onFailure?: OnFailure,
  ): Promise<void>;
  /** Options left out: the callbacks move left by one. */
  unsubscribe(userId: string, onSuccess: OnSuccess<void>, onFailure?: OnFailure): Promise<void>;
  muteLocal(options: MuteOptions, onSuccess?: OnSuccess<void>, onFailure?: OnFailure): Promise<void>;
  muteRemote(
    userId: string,
    options: MuteRemoteOptions,
    onSuccess?: OnSuccess<void>,
    onFailure?: OnFailure,
  ): Promise<void>;
  setUserVisibility(enable: boolean, onSuccess?: OnSuccess<void>, onFailure?: OnFailure): Promise<void>;

  on<K extends EventName>(event: K, listener: (payload: EventPayloads[K]) => void): this;
  on(event: string, listener: (payload?: any) => void): this;
  once<K extends EventName>(event: K, listener: (payload: EventPayloads[K]) => void): this;
  once(event: string, listener: (payload?: any) => void): this;
  off(event: string, listener?: (payload?: any) => void): this;
  removeAllListeners(event?: string): this;
  listenerCount(event: string): number;
  emit(event: string, payload?: unknown): boolean;

  /** Forward `<live-pusher bindstatechange>` detail.code / detail.message. Never throws. */
  reportPusherStateChange(code: number, message?: string): void;
  /** Forward `<live-pusher bindnetstatus>` detail.info. Never throws. */
  reportPusherNetStatusChange(info: NetStatusInfo): void;
  /** Forward `<live-player bindstatechange>`. Never throws. */
  reportPlayerStateChange(uid: string, code: number, message?: string, screen?: ScreenFlag): void;
  /** Forward `<live-player bindnetstatus>` detail.info. Never throws. */
  reportPlayerNetStatusChange(uid: string, info: NetStatusInfo, screen?: ScreenFlag): void;
}
