// MiniRTC AccessToken (format "001") for Node.js application servers; standard library only.
//   node token.mjs --app-id A --app-key K --room R --user U [--expire 86400|0] [--publish] [--subscribe]
import { createHmac, randomInt } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const Privilege = { PublishStream: 0, PublishAudioStream: 1, PublishVideoStream: 2, PublishDataStream: 3, SubscribeStream: 4 };

const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const bytes = (b) => Buffer.concat([u16(b.length), b]);

// privileges: { [Privilege]: expireAt }, 0 = never; PublishStream also grants 1-3.
export function encodeToken({ appId, roomId, userId, nonce, issuedAt, expireAt = 0, privileges }, appKey) {
  if (!/^[A-Za-z0-9]{24}$/.test(appId)) throw new Error('appId must be 24 characters [A-Za-z0-9]');
  if (!appKey || !roomId || !userId) throw new Error('appKey, roomId and userId are required');
  const privs = new Map(Object.entries(privileges).map(([k, v]) => [Number(k), v]));
  if (privs.has(0)) for (const k of [1, 2, 3]) privs.set(k, privs.get(0));
  const keys = [...privs.keys()].sort((a, b) => a - b);
  const msg = Buffer.concat([u32(nonce), u32(issuedAt), u32(expireAt),
    bytes(Buffer.from(roomId, 'utf8')), bytes(Buffer.from(userId, 'utf8')), u16(keys.length),
    ...keys.flatMap((k) => [u16(k), u32(privs.get(k))])]);
  const signature = createHmac('sha256', Buffer.from(appKey, 'utf8')).update(msg).digest();
  return '001' + appId + Buffer.concat([bytes(msg), bytes(signature)]).toString('base64');
}

// expire: lifetime in seconds from issuedAt (0 = never); privileges end with the token.
export function makeToken({ appId, appKey, roomId, userId, expire = 86400, publish = false, subscribe = false,
  nonce = randomInt(2 ** 32), issuedAt = Math.floor(Date.now() / 1000) }) {
  const expireAt = expire === 0 ? 0 : issuedAt + expire;
  const privileges = {};
  if (publish || !subscribe) privileges[Privilege.PublishStream] = expireAt;
  if (subscribe || !publish) privileges[Privilege.SubscribeStream] = expireAt;
  return encodeToken({ appId, roomId, userId, nonce, issuedAt, expireAt, privileges }, appKey);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const str = { type: 'string' }, flag = { type: 'boolean' };
  const { values: v } = parseArgs({ options: { 'app-id': str, 'app-key': str, room: str, user: str, expire: str,
    nonce: str, 'issued-at': str, publish: flag, subscribe: flag } });
  const num = (s) => (s === undefined ? undefined : Number(s));
  console.log(makeToken({ appId: v['app-id'], appKey: v['app-key'], roomId: v.room, userId: v.user,
    expire: num(v.expire), nonce: num(v.nonce), issuedAt: num(v['issued-at']), publish: v.publish, subscribe: v.subscribe }));
}
