"""A MiniRTC callback receiver in Python (standard library only): verifies each callback's
signature (shared/spec/webhooks.md), answers 200, and prints one JSON line per new event.
    python3 receiver.py PORT CALLBACK_KEY
Delivery is at least once: the same EventId may arrive again (after a lost answer or a restart),
so de-duplicate on it. Events of one room arrive in order."""
import hashlib, hmac, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, SECRET = int(sys.argv[1]), sys.argv[2]
FIELDS = ("EventType", "EventData", "EventTime", "EventId", "AppId", "Version", "Nonce")
seen = set()  # EventIds already handled (keep it in your database in real life)


def sign(ev):
    parts = sorted([ev[k].encode() for k in FIELDS] + [SECRET.encode()])  # byte order
    return hashlib.sha256(b"".join(parts)).hexdigest()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            ev = json.loads(body)
            ok = hmac.compare_digest(sign(ev), ev["Signature"])
        except (ValueError, KeyError, TypeError, AttributeError):
            ok = False
        if not ok:
            return self.answer(401, b"bad signature")
        if ev["EventId"] not in seen:
            seen.add(ev["EventId"])
            print(json.dumps({"type": ev["EventType"], "id": ev["EventId"],
                              "data": json.loads(ev["EventData"])}), flush=True)
        self.answer(200, b"ok")  # 200 = delivered; anything else is retried

    def answer(self, status, text):
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
print(f"listening on {PORT}", file=sys.stderr, flush=True)
server.serve_forever()
