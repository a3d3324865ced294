// A mini program page written against sdk/index.d.ts (the package's types): `tsc --noEmit`
// must accept it, and each `@ts-expect-error` line must be an error (run by
// tests/sdk/types.test.mjs). It is compiled, never run.

import {
  Client,
  EVENTS,
  ERROR_CODES,
  VERSION,
  ClientState,
  DisconnectEvent,
  RtcError,
  StreamAddedEvent,
} from '../../sdk';

declare const wx: { request(o: object): unknown; connectSocket(o: object): unknown };

const version: string = VERSION;
Client.setDefaultServer('https://rtc.example.com');
Client.setDefaultServer(['https://n1.rtc.example.com', 'https://n2.rtc.example.com']);
const defaultServer: string | string[] = Client.getDefaultServer();
const cluster = new Client({ server: ['https://n1.rtc.example.com', 'https://n2.rtc.example.com'], wx });
const client = new Client({ server: 'https://rtc.example.com', wx, signalingTimeout: 3000, playFormat: 'flv' });

async function meeting(token: string): Promise<void> {
  await client.init('0123456789abcdef01234567');
  const uid: string = await client.join(token, 'room', 'me');
  const pushUrl: string = await client.publish();
  client.on(EVENTS.STREAM_ADDED, (e: StreamAddedEvent) => {
    const { uid, screen } = e;
    const audio: boolean = e.streamPublishState.audio;
    client.subscribe(uid, { screen }).then((url: string) => url.length + Number(audio));
  });
  client.on(EVENTS.STREAM_REMOVED, ({ uid, screen }) => `${uid}-${screen ? 1 : 0}`);
  client.on(EVENTS.UPDATE_URL, ({ uid, url }) => (uid === 'me' ? url : ''));
  client.on(EVENTS.STREAM_FAILED, (e) => e.reason.toUpperCase());
  client.on(EVENTS.PEER_ONLINE, (e) => e.uid);
  client.on(EVENTS.CLIENT_BANNED, (e) => e.reason);
  client.on(EVENTS.DISCONNECT, (e: DisconnectEvent) => {
    // the WebSocket close code, not an SDK error code
    const closeCode: number = e.code;
    return closeCode === 1006;
  });
  client.on(EVENTS.ERROR, (e) => e.code === ERROR_CODES.WEBSOCKET_FAILED);
  client.on('MUTE_VIDEO', (e) => e.screen);

  // callbacks in place of options
  client.subscribe('bob', (url) => url.trim(), (err) => err.code);
  client.unsubscribe('bob', () => undefined, (err: RtcError) => err.reason);
  client.subscribe('bob', { audio: false }, (url) => url, (err) => err.code);
  await client.unsubscribe('bob', { screen: true });
  await client.muteLocal({ video: true });
  await client.muteRemote('bob', { audio: true, screen: false });
  await client.setUserVisibility(false);
  const zero: number = await client.setBusinessId('biz');
  client.publish((url) => url, (err) => err.code === ERROR_CODES.ALREADY_PUBLISHED);

  // reports as the seed's components deliver them
  client.reportPusherStateChange(1008, 'started');
  client.reportPusherNetStatusChange({ videoBitrate: 480, netQualityLevel: 1 });
  client.reportPlayerStateChange('bob', 2004, 'playing', '0');
  client.reportPlayerNetStatusChange('bob', { videoFPS: 15 }, true);

  const state: ClientState = client.state;
  if (state !== 'connected') await client.leave();
  await client.destroy();
  void [uid, pushUrl, zero, version];
}

function wrongUses(): void {
  // @ts-expect-error the payload of STREAM_ADDED has no url
  client.on(EVENTS.STREAM_ADDED, (e) => e.url);
  // @ts-expect-error subscribe needs a user id
  client.subscribe();
  // @ts-expect-error options of unsubscribe take only screen
  client.unsubscribe('bob', { audio: true });
  // @ts-expect-error muteLocal takes options
  client.muteLocal();
  // @ts-expect-error ERROR_CODES are read-only
  ERROR_CODES.NOT_IN_ROOM = 1;
  // @ts-expect-error the state is read-only
  client.state = 'connected';
  // @ts-expect-error server URLs are strings
  new Client({ server: [1, 2] });
  // @ts-expect-error the default server may be a list
  const one: string = Client.getDefaultServer();
  void one;
}

void meeting;
void wrongUses;
void [defaultServer, cluster];
