#!/usr/bin/env python3
"""MiniRTC AccessToken (format "001") for Python application servers; standard library only.

python3 token.py --app-id A --app-key K --room R --user U [--expire 86400|0] [--publish] [--subscribe]
"""
import argparse, base64, hashlib, hmac, re, secrets, struct, time

PUBLISH_STREAM, PUBLISH_AUDIO, PUBLISH_VIDEO, PUBLISH_DATA, SUBSCRIBE_STREAM = range(5)


def _bytes(b):
    return struct.pack("<H", len(b)) + b


def encode_token(app_id, app_key, room_id, user_id, nonce, issued_at, expire_at, privileges):
    """privileges: {privilege: expire_at}, 0 = never; PUBLISH_STREAM also grants 1-3."""
    if not re.fullmatch(r"[A-Za-z0-9]{24}", app_id):
        raise ValueError("app_id must be 24 characters [A-Za-z0-9]")
    privs = dict(privileges)
    if PUBLISH_STREAM in privs:
        privs.update({k: privs[PUBLISH_STREAM] for k in (PUBLISH_AUDIO, PUBLISH_VIDEO, PUBLISH_DATA)})
    msg = struct.pack("<III", nonce, issued_at, expire_at) + _bytes(room_id.encode()) + _bytes(user_id.encode())
    msg += struct.pack("<H", len(privs)) + b"".join(struct.pack("<HI", k, privs[k]) for k in sorted(privs))
    signature = hmac.new(app_key.encode(), msg, hashlib.sha256).digest()
    return "001" + app_id + base64.b64encode(_bytes(msg) + _bytes(signature)).decode()


def make_token(app_id, app_key, room_id, user_id, expire=86400, publish=False, subscribe=False, nonce=None, issued_at=None):
    """expire: lifetime in seconds from issued_at (0 = never); privileges end with the token."""
    nonce = secrets.randbits(32) if nonce is None else nonce
    issued_at = int(time.time()) if issued_at is None else issued_at
    expire_at = 0 if expire == 0 else issued_at + expire
    privileges = {}
    if publish or not subscribe:
        privileges[PUBLISH_STREAM] = expire_at
    if subscribe or not publish:
        privileges[SUBSCRIBE_STREAM] = expire_at
    return encode_token(app_id, app_key, room_id, user_id, nonce, issued_at, expire_at, privileges)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Make a MiniRTC AccessToken")
    for name in ("--app-id", "--app-key", "--room", "--user"):
        p.add_argument(name, required=True)
    for name, default in (("--expire", 86400), ("--nonce", None), ("--issued-at", None)):
        p.add_argument(name, type=int, default=default)
    p.add_argument("--publish", action="store_true")
    p.add_argument("--subscribe", action="store_true")
    a = p.parse_args()
    print(make_token(a.app_id, a.app_key, a.room, a.user, a.expire, a.publish, a.subscribe, a.nonce, a.issued_at))
