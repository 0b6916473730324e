"""A real HTTP receiver of webhooks on 127.0.0.1, in a thread of the test.

It records every request (headers and body), answers each with the next
status of ``plan`` (then 200), and checks signatures as the Standard
Webhooks specification says — written here from the specification, not
with the application's own signing code, so that a mistake there fails.
``hold`` makes it wait (a sender in the middle of a delivery) until
released."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def key(self) -> str:
        return self.headers["idempotency-key"]

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    def signed_with(self, secret: str, *, tolerance: int = 300) -> bool:
        message_id, timestamp = self.headers["webhook-id"], self.headers["webhook-timestamp"]
        if abs(time.time() - int(timestamp)) > tolerance:
            return False
        key = base64.b64decode(secret.split("_", 1)[1])
        digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + self.body, hashlib.sha256).digest()
        return f"v1,{base64.b64encode(digest).decode()}" in self.headers["webhook-signature"].split()


@dataclass
class Receiver:
    plan: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    hold: bool = False
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/cdcs"

    def keys(self) -> list[str]:
        return [r.key for r in self.received]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.received.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            receiver.arrived.set()
            if receiver.hold:
                receiver.release.wait(60)
            status = receiver.plan.pop(0) if receiver.plan else 200
            with contextlib.suppress(OSError):  # the sender died meanwhile: nobody reads the answer
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    return Handler


def start(receiver: Receiver) -> Receiver:
    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop(receiver: Receiver) -> None:
    receiver.release.set()
    receiver.server.shutdown()
    receiver.server.server_close()
