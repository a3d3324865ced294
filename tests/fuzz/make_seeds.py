#!/usr/bin/env python3
"""Writes the seed corpora of the targets whose inputs are text or framing that a person can
state: real query strings and requests as the SDK and the URL signer produce them, real config
files, real signalling frames in client WebSocket frames. Run from the repository root; the
output is committed under tests/fuzz/corpus/ (re-running it rewrites the same files).

The signed URLs below are `minirtc url publish|play` output for app 123456781234567812345678
with key 0123456789abcdef0123456789abcdef; the JSON-RPC frames are the SDK's (docs/protocol.md §4).
"""
import os
import re
import struct

ROOT = 'tests/fuzz/corpus'
APP = '123456781234567812345678'
PUB = f'/live/{APP}~r1~alice~main?a=pub&e=1796187219&n=89b6b7cafe7c83be&s=a3a9d78d0979634f193fd243b3ed887f'
FLV = (f'/live/{APP}~r1~alice~main.flv?a=play&v=bob&e=1796187219&n=a017b7f79f9916b1'
       '&s=d1ec68b726ed8b12d7178aa285787c18')
PLAY_SCREEN = (f'/live/{APP}~room.2~a%40b~screen?a=play&v=v_1&e=1796187219&n=08ffeb50eaccaae4'
               '&s=329b40c4c6f3fb176b822d7adff89668')


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# http_query: request targets, split then parsed as a query.
write('http_query', 'publish_url', PUB)
write('http_query', 'flv_play_url', FLV)
write('http_query', 'play_screen_escaped', PLAY_SCREEN)
write('http_query', 'config', f'/v1/config?appId={APP}')
write('http_query', 'dev_token', f'/v1/dev/token?appId={APP}&roomId=r1&userId=alice')
write('http_query', 'plus_and_empty', '/v1/dev/token?roomId=a+b&userId=%E4%BD%A0&flag&=x&&')

# http_request: [read size byte] then one connection's bytes.
H = 'Host: 127.0.0.1:8080\r\n'
REPORT = ('{"sessionToken":"0123456789abcdef0123456789abcdef0123456789abcdef","reports":'
          '[{"uid":"alice","screen":false,"kind":"pusher","state":{"code":1002,"message":"ok"}}]}')
requests = {
    'config': f'GET /v1/config?appId={APP} HTTP/1.1\r\n{H}Accept: */*\r\n\r\n',
    'flv_play': f'GET {FLV} HTTP/1.1\r\n{H}User-Agent: ffmpeg\r\nConnection: keep-alive\r\n\r\n',
    'signal_upgrade': (f'GET /v1/signal HTTP/1.1\r\n{H}Upgrade: websocket\r\nConnection: Upgrade\r\n'
                       'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
    'report': (f'POST /v1/report HTTP/1.1\r\n{H}Content-Type: application/json\r\n'
               f'Content-Length: {len(REPORT)}\r\n\r\n{REPORT}'),
    'admin_chunked': (f'POST /v1/admin/apps/{APP}/rooms/r1/users/bob/kick HTTP/1.1\r\n{H}'
                      'Authorization: Bearer secret\r\nTransfer-Encoding: chunked\r\n\r\n'
                      '11\r\n{"reason":"spam"}\r\n0\r\n\r\n'),
    'pipelined': (f'OPTIONS /v1/report HTTP/1.1\r\n{H}Origin: https://servicewechat.com\r\n'
                  'Access-Control-Request-Method: POST\r\n\r\n'
                  f'GET /healthz HTTP/1.1\r\n{H}\r\nGET /metrics HTTP/1.0\r\n\r\n'),
}
for i, (name, text) in enumerate(requests.items()):
    write('http_request', name, bytes([i * 37 % 256]) + text.encode())


# signal_websocket: [read size byte] then client frames (masked, as clients must send them).
def frame(payload, opcode=1, fin=True, mask=b'\x12\x34\x56\x78'):
    payload = payload.encode() if isinstance(payload, str) else payload
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack('>H', n)
    else:
        head += bytes([0x80 | 127]) + struct.pack('>Q', n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def rpc(i, method, params='{}'):
    return f'{{"jsonrpc":"2.0","id":{i},"method":"{method}","params":{params}}}'


JOIN = rpc(1, 'join', f'{{"appId":"{APP}","token":"ok","roomId":"r1","userId":"alice",'
                      '"sdk":{"name":"minirtc-sdk","version":"0.1.0"}}')
write('signal_websocket', 'join_publish_leave', b'\x10' + frame(JOIN) + frame(rpc(2, 'publish'))
      + frame(rpc(3, 'muteLocal', '{"audio":true,"video":false}')) + frame(rpc(4, 'leave'))
      + frame(struct.pack('>H', 1000), opcode=8))
write('signal_websocket', 'fragmented_ping', b'\x03' + frame(JOIN[:20], fin=False)
      + frame(b'hi', opcode=9) + frame(JOIN[20:], opcode=0) + frame(rpc(2, 'subscribe',
      '{"userId":"bob","format":"flv"}')))
write('signal_websocket', 'binary_and_garbage', b'\x00' + frame(b'\x00\x01\x02', opcode=2)
      + frame('not json') + frame('[1]') + frame(rpc(9, 'nope')))
write('signal_websocket', 'resume', b'\x40' + frame(rpc(1, 'resume', '{"sessionToken":"t1"}'))
      + frame(b'', opcode=10))

# config_parse: real config files (docs/operations.md) and near misses.
write('config_parse', 'full', f'''# minirtc.toml
[server]
http_listen = "0.0.0.0:8080"
rtmp_listen = "0.0.0.0:1935"
public_url = "https://rtc.example.com"
public_rtmp_url = "rtmp://rtc.example.com:1935"
data_dir = "/var/lib/minirtc"
log_level = "info"
admin_key = "change-me-admin-key"

[media]
merge_window_ms = 25
send_batching = "sendmsg"
gop_cache = true
gop_max_packets = 1500
gop_max_bytes = 8388608
gop_max_duration_ms = 10000
viewer_max_delay_ms = 800
viewer_max_bytes = 2097152
viewer_max_packets = 2048
viewer_kernel_unsent_bytes = 65536
publisher_idle_timeout_s = 10
url_ttl_s = 86400
handshake_timeout_s = 10
max_rtmp_connections = 20000
play_flv_by_default = false

[http]
header_limit = 8192
body_limit = 65536
read_timeout_s = 15
keep_alive_timeout_s = 60

[room]
ping_interval_ms = 10000
session_timeout_ms = 30000
resume_window_ms = 20000
publish_no_media_timeout_ms = 10000
empty_room_delay_ms = 30000
max_visible_users = 8
max_invisible_users = 10000
max_subscribed_streams = 8
max_requests_per_second = 50

[[apps]]
id = "{APP}"
key = "0123456789abcdef0123456789abcdef"

[[apps]]
id = "abcdefghijklmnopqrstuvwx"
key = "another key"
''')
write('config_parse', 'small', '[room]\nresume_window_ms = 1500\nsession_timeout_ms = 3000\n')
write('config_parse', 'errors', '''[server]
http_listen = 8080
typo = 1
[media]
gop_max_packets = -1
send_batching = "epoll"
[[apps]]
id = "short"
key = ""
[extra]
''')
write('config_parse', 'syntax', '[server\nhttp_listen = "unterminated\n')

# console_feed_auth: a console feed's first message as the browser sends it (console/src/api.js:
# JSON.stringify({type: 'auth', key})), the watch that may follow it, and near misses. The
# target's admin key is fuzz-admin-key-0123456789.
FEED_KEY = 'fuzz-admin-key-0123456789'
write('console_feed_auth', 'auth', f'{{"type":"auth","key":"{FEED_KEY}"}}')
write('console_feed_auth', 'auth_wrong_key', '{"type":"auth","key":"fuzz-admin-key-012345678"}')
write('console_feed_auth', 'auth_escaped', '{"key":"fuzz\\u002dadmin-key-0123456789","type":"a\\u0075th"}')
write('console_feed_auth', 'watch', '{"type":"watch","appId":"123456781234567812345678","roomId":"r1"}')
write('console_feed_auth', 'auth_extra_fields', f'{{"type":"auth","key":"{FEED_KEY}","x":[1,2.5e3,null,true,{{"y":"z"}}]}}')
write('console_feed_auth', 'not_json', 'auth ' + FEED_KEY)


# rtmp_play_client: an origin's whole answer to rtmp::PlayClient, as server/rtmp_session.cpp sends
# it: S0S1S2 (a complex S1 with its digest, Scheme1 as the client asks; the target re-signs S2 for
# its run's C1), then after connect WindowAckSize, SetPeerBandwidth, SetChunkSize 60000 and the
# connect _result (transaction 1); createStream's _result (transaction 2, stream 1); after play
# StreamBegin, onStatus Play.Reset and Play.Start, |RtmpSampleAccess; then the stream: onMetaData,
# the AAC and AVC sequence headers and a few frames, in the header forms a ChunkEncoder uses
# (fmt 0, then 1, 2 and 3 on the same chunk stream). A second seed ends in a refusal
# (onStatus error NetStream.Play.StreamNotFound) and a third answers simple (S1 without a digest)
# with a 128-byte chunk size, so media messages span chunks. Deterministic (fixed PRNG).
import hashlib
import hmac
import random
import json

FMS_KEY = (b'Genuine Adobe Flash Media Server 001' + bytes([
    0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
    0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae]))


def s0s1s2(rng, complex_s1=True):
    s1 = bytearray(rng.getrandbits(8) for _ in range(1536))
    s1[0:4] = b'\0\0\0\0'
    if complex_s1:
        s1[4:8] = struct.pack('>I', 0x04050001)  # the server's version field
        off = 772 + 4 + sum(s1[772:776]) % 728   # Scheme1: the key block first
        s1[off:off + 32] = hmac.new(FMS_KEY[:36], bytes(s1[:off] + s1[off + 32:]), hashlib.sha256).digest()
    else:
        s1[4:8] = b'\0\0\0\0'
    s2 = bytes(rng.getrandbits(8) for _ in range(1536))
    return b'\x03' + bytes(s1) + s2


def amf(v):
    if v is None:
        return b'\x05'
    if isinstance(v, bool):
        return b'\x01' + (b'\x01' if v else b'\x00')
    if isinstance(v, (int, float)):
        return b'\x00' + struct.pack('>d', float(v))
    if isinstance(v, str):
        return b'\x02' + struct.pack('>H', len(v.encode())) + v.encode()
    if isinstance(v, dict):
        return b'\x03' + b''.join(struct.pack('>H', len(k)) + k.encode() + amf(x) for k, x in v.items()) + b'\0\0\x09'
    if isinstance(v, tuple) and v[0] == 'ecma':
        return (b'\x08' + struct.pack('>I', len(v[1])) +
                b''.join(struct.pack('>H', len(k)) + k.encode() + amf(x) for k, x in v[1].items()) + b'\0\0\x09')
    raise TypeError(v)


def chunks(csid, mtype, ts, stream, payload, chunk_size, fmt=0, delta=0):
    """One message: its first chunk with a fmt 0/1/2/3 header, continuations as fmt 3."""
    if fmt == 0:
        head = bytes([csid]) + ts.to_bytes(3, 'big') + len(payload).to_bytes(3, 'big') + bytes([mtype]) + struct.pack('<I', stream)
    elif fmt == 1:
        head = bytes([0x40 | csid]) + delta.to_bytes(3, 'big') + len(payload).to_bytes(3, 'big') + bytes([mtype])
    elif fmt == 2:
        head = bytes([0x80 | csid]) + delta.to_bytes(3, 'big')
    else:
        head = bytes([0xc0 | csid])
    out = bytearray(head)
    for i in range(0, max(len(payload), 1), chunk_size):
        if i:
            out.append(0xc0 | csid)
        out += payload[i:i + chunk_size]
    return bytes(out)


def command(name, txid, obj, *args):
    return amf(name) + amf(txid) + amf(obj) + b''.join(amf(a) for a in args)


def on_status(level, code, description):
    return command('onStatus', 0, None, {'level': level, 'code': code, 'description': description})


def origin_answer(rng, complex_s1=True, chunk_size=60000, refuse=False):
    out = bytearray(s0s1s2(rng, complex_s1))
    # After the client's connect (chunk size 128 until SetChunkSize arrives).
    out += chunks(2, 5, 0, 0, struct.pack('>I', 2500000), 128)           # WindowAckSize
    out += chunks(2, 6, 0, 0, struct.pack('>IB', 2500000, 2), 128)       # SetPeerBandwidth, dynamic
    out += chunks(2, 1, 0, 0, struct.pack('>I', chunk_size), 128)        # SetChunkSize
    out += chunks(3, 20, 0, 0, command('_result', 1, {'fmsVer': 'FMS/3,0,1,123', 'capabilities': 31, 'mode': 1},
                                       {'level': 'status', 'code': 'NetConnection.Connect.Success',
                                        'description': 'Connection succeeded.', 'objectEncoding': 0}), chunk_size)
    out += chunks(3, 20, 0, 0, command('_result', 2, None, 1), chunk_size)  # createStream: stream 1
    if refuse:
        out += chunks(6, 20, 0, 1, on_status('error', 'NetStream.Play.StreamNotFound', 'bad signature'), chunk_size)
        return bytes(out)
    out += chunks(2, 4, 0, 0, struct.pack('>HI', 0, 1), chunk_size)      # StreamBegin 1
    out += chunks(6, 20, 0, 1, on_status('status', 'NetStream.Play.Reset', 'Playing and resetting'), chunk_size)
    out += chunks(6, 20, 0, 1, on_status('status', 'NetStream.Play.Start', 'Started playing'), chunk_size)
    out += chunks(6, 18, 0, 1, amf('|RtmpSampleAccess') + amf(True) + amf(True), chunk_size)
    out += chunks(6, 18, 0, 1, amf('onMetaData') + amf(('ecma', {
        'width': 640, 'height': 360, 'framerate': 25, 'videocodecid': 7, 'audiocodecid': 10,
        'audiosamplerate': 44100, 'stereo': True})), chunk_size)
    out += chunks(4, 8, 0, 1, bytes([0xaf, 0x00, 0x12, 0x10]), chunk_size)  # AAC sequence header
    avc_config = bytes([0x01, 0x42, 0xc0, 0x1e, 0xff, 0xe1, 0x00, 0x0a, 0x67, 0x42, 0xc0, 0x1e, 0xda, 0x02,
                        0x80, 0xbf, 0xe5, 0x84, 0x01, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80])
    out += chunks(5, 9, 0, 1, bytes([0x17, 0x00, 0, 0, 0]) + avc_config, chunk_size)  # AVC sequence header
    key = bytes([0x17, 0x01, 0, 0, 0]) + struct.pack('>I', 600) + bytes([0x65]) + bytes(rng.getrandbits(8) for _ in range(599))
    out += chunks(5, 9, 40, 1, key, chunk_size)                               # key frame, fmt 0
    inter = bytes([0x27, 0x01, 0, 0, 0]) + struct.pack('>I', 200) + bytes([0x41]) + bytes(rng.getrandbits(8) for _ in range(199))
    out += chunks(5, 9, 0, 1, inter, chunk_size, fmt=1, delta=40)             # new length: fmt 1
    out += chunks(5, 9, 0, 1, inter, chunk_size, fmt=2, delta=40)             # same length: fmt 2
    out += chunks(5, 9, 0, 1, inter, chunk_size, fmt=3)                       # same delta: fmt 3
    out += chunks(4, 8, 23, 1, bytes([0xaf, 0x01]) + bytes(rng.getrandbits(8) for _ in range(180)), chunk_size)
    out += chunks(2, 4, 0, 0, struct.pack('>HI', 6, 123456), chunk_size)    # PingRequest
    return bytes(out)


write('rtmp_play_client', 'origin_play', b'\x10' + origin_answer(random.Random(1)))
write('rtmp_play_client', 'origin_refuses', b'\x03' + origin_answer(random.Random(2), refuse=True))
write('rtmp_play_client', 'simple_small_chunks', b'\xc8' + origin_answer(random.Random(3), complex_s1=False, chunk_size=128))


# cluster_broadcast and cluster_records: what nodes write to Redis (docs/cluster.md), byte for
# byte as the encoders of src/cluster/ write it (JSON objects of Boost.JSON's serializer: fields in
# the encoder's order, no spaces, doubles as 6.15E1), and signed envelopes
# "v1.FROM.SENT.SIG.BODY" (cluster/signing.hpp) under the targets' fixed secret, sent at their
# fixed clock. Plus near misses, each refused for one reason.
CLUSTER_SECRET = b'fuzz-cluster-secret-0123456789'
CLUSTER_NOW_MS = 1796187219000


def node_signed(sender, body, sent_ms=CLUSTER_NOW_MS, secret=CLUSTER_SECRET):
    msg = f'minirtc-node-v1\n{sender}\n{sent_ms}\n'.encode() + body.encode()
    sig = hmac.new(secret, msg, hashlib.sha256).hexdigest()
    return f'v1.{sender}.{sent_ms}.{sig}.{body}'


# Every broadcast carries its message id (32 lower-case hex characters) after its type.
MSG_ID = '5f0c2e9ab7d14c38a6e1f2b3c4d5e6f7'
REVOKE = f'{{"type":"revoke","id":"{MSG_ID}","nonce":"89b6b7cafe7c83be","keepUntil":1796187219}}'
MUTE = (f'{{"type":"viewerMute","id":"{MSG_ID}","stream":"{APP}~r1~alice~main","viewer":"bob",'
        '"audio":true,"video":false}')
# a forwarded /v1/report: the body as a client posted it (REPORT above, with the room named)
FORWARDED = json.dumps({'type': 'report', 'id': MSG_ID, 'to': 'n2',
                        'body': REPORT[:-1] + f',"appId":"{APP}","roomId":"r1"}}'},
                       separators=(',', ':'))
MUTE_SCREEN = (f'{{"type":"viewerMute","id":"0123456789abcdef0123456789abcdef",'
               f'"stream":"{APP}~room.2~a@b~screen","viewer":"v_1","audio":false,"video":true}}')
# cluster_broadcast: each input is tried as an envelope and as a body (the target signs it).
write('cluster_broadcast', 'revoke', REVOKE)
write('cluster_broadcast', 'viewer_mute', MUTE)
write('cluster_broadcast', 'viewer_mute_screen', MUTE_SCREEN)
write('cluster_broadcast', 'signed_revoke', node_signed('node-1', REVOKE))
write('cluster_broadcast', 'signed_viewer_mute', node_signed('n2', MUTE, CLUSTER_NOW_MS - 1200))
write('cluster_broadcast', 'signed_other_secret', node_signed('n2', MUTE, secret=b'another secret'))
write('cluster_broadcast', 'signed_too_old', node_signed('n2', REVOKE, CLUSTER_NOW_MS - 3600000))
write('cluster_broadcast', 'report', FORWARDED)
write('cluster_broadcast', 'signed_report', node_signed('n1', FORWARDED))
write('cluster_broadcast', 'report_bad_to', FORWARDED.replace('"to":"n2"', '"to":"n 2"'))
write('cluster_broadcast', 'unknown_type', '{"type":"mute","nonce":"89b6b7cafe7c83be","keepUntil":1}')
write('cluster_broadcast', 'extra_field', REVOKE[:-1] + ',"x":1}')
write('cluster_broadcast', 'nonce_upper_case', REVOKE.replace('89b6b7cafe7c83be', '89B6B7CAFE7C83BE'))
write('cluster_broadcast', 'stream_not_a_key', MUTE.replace('~main', '~audio'))
write('cluster_broadcast', 'no_id', REVOKE.replace(f'"id":"{MSG_ID}",', ''))
write('cluster_broadcast', 'id_upper_case', MUTE.replace(MSG_ID, MSG_ID.upper()))
write('cluster_broadcast', 'id_short', FORWARDED.replace(MSG_ID, MSG_ID[:31]))

# cluster_records: [selector byte mod 5] then the stored text (see fuzz_cluster_records.cpp).
SESSION = (f'{{"appId":"{APP}","roomId":"r1","userId":"alice","sessionToken":"0123456789abcdef",'
           '"node":"n2","visible":true,"businessId":"b-1","grant":{"join":true,"publish":true,'
           '"subscribe":false,"publishExpiresAt":1796187219000,"subscribeExpiresAt":0,'
           '"tokenExpiresAt":0},"publications":[{"kind":"main","muteAudio":false,"muteVideo":true}],'
           '"subscriptions":[{"userId":"bob","kind":"screen","format":"flv","muteAudio":true,'
           '"muteVideo":false}],"updatedAt":1796187219000}')
SESSION_VIEWER = (f'{{"appId":"{APP}","roomId":"room.2","userId":"a@b","sessionToken":"t",'
                  '"node":"node-1","visible":false,"businessId":"","grant":{"join":true,'
                  '"publish":false,"subscribe":true,"publishExpiresAt":0,"subscribeExpiresAt":0,'
                  '"tokenExpiresAt":1796190819000},"publications":[],"subscriptions":['
                  '{"userId":"alice","kind":"main","format":"rtmp","muteAudio":false,"muteVideo":false},'
                  '{"userId":"alice","kind":"screen","format":"flv","muteAudio":false,"muteVideo":false}'
                  '],"updatedAt":1796187219000}')
NODE = ('{"id":"n2","publicUrl":"https://rtc.example.com","pathPrefix":"/n2",'
        '"rtmpUrl":"rtmp://rtc.example.com:1936","relayAddress":"10.0.0.2:1936","rooms":3,'
        '"sessions":40,"viewers":120,"egressMbps":6.15E1,"cpuPercent":3.725E1,'
        '"startedAt":1796180000000,"updatedAt":1796187219000}')
NODE_IDLE = ('{"id":"node-1","publicUrl":"http://127.0.0.1:8080","pathPrefix":"",'
             '"rtmpUrl":"rtmp://127.0.0.1:1935","relayAddress":"127.0.0.1:1935","rooms":0,'
             '"sessions":0,"viewers":0,"egressMbps":0E0,"cpuPercent":1E-1,'
             '"startedAt":1796187210000,"updatedAt":1796187219000}')


def node_at_bound():
    def rec(n_pub, n_relay, updated):
        return ('{"id":"n2","publicUrl":"http://' + '\\u0001' * n_pub + '","pathPrefix":"",'
                '"rtmpUrl":"rtmp://x","relayAddress":"' + '\\u0001' * n_relay + '","rooms":0,'
                '"sessions":0,"viewers":0,"egressMbps":1,"cpuPercent":1,"startedAt":0,'
                f'"updatedAt":{updated}}}')
    spare = 4096 - len(rec(0, 0, 1))
    text = rec(spare // 6 - 500, 500, 10 ** (spare % 6))
    assert len(text) == 4096
    return text


NODE_AT_BOUND = node_at_bound()
ENTRY = ('{"createdMs":1796180000000,"users":3,"visibleUsers":2,"invisibleUsers":1,'
         '"publications":2,"liveStreams":1,"subscribedStreams":1,"subscriptions":2}')
records = {
    'session': (0, SESSION),
    'session_viewer': (0, SESSION_VIEWER),
    'session_twice_subscribed': (0, SESSION_VIEWER.replace('"kind":"screen","format":"flv"',
                                                           '"kind":"main","format":"flv"')),
    'session_no_token': (0, SESSION.replace('"0123456789abcdef"', '""')),
    'node': (1, NODE),
    'node_idle': (1, NODE_IDLE),
    'node_ftp_url': (1, NODE.replace('https://', 'ftp://')),
    'node_negative_load': (1, NODE.replace('3.725E1', '-1')),
    # Load figures of full precision (read back to 3 decimals), and the record that broke the
    # round trip at the size bound before URLs had to be visible ASCII: 4096 bytes, publicUrl and
    # relayAddress of \u0001 (six bytes each way), loads written 1 (re-encoded 1E0).
    'node_full_precision': (1, NODE.replace('6.15E1', '1.2345678901234567E8')
                            .replace('3.725E1', '6.103515625E-5')),
    'node_at_bound': (1, NODE_AT_BOUND),
    'pin': (2, 'v1 n2 1796180000000'),
    'pins_conflict': (2, 'v1 n2 1796180000000\nv1 node-1 1796180000500'),
    'pins_same_time': (2, 'v1 n2 1796180000000\nv1 n1 1796180000000'),
    'pin_bad_since': (2, 'v1 n2 17961800000x0'),
    'room_entry': (3, f'{APP}/r1\n{ENTRY}'),
    'room_entry_empty': (3, f'{APP}/room.2\n' + re.sub(r':\d+', ':0', ENTRY)),
    'room_field_bad': (3, f'{APP}/r/1\n{ENTRY[:-1]}'),
    'signed_node': (4, node_signed('n2', NODE)),
    'signed_session': (4, node_signed('n2', SESSION, CLUSTER_NOW_MS - 30000)),
    'signed_body_changed': (4, node_signed('node-1', NODE_IDLE)[:-1] + 'x'),
}
for name, (selector, text) in records.items():
    write('cluster_records', name, bytes([selector]) + text.encode())
