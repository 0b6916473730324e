"""Signatures as the Standard Webhooks specification (standardwebhooks.com)
writes them, so that a receiver may verify them with its libraries or in a
few lines: the secret is ``whsec_`` + base64 of the key; the signed text is
``{webhook-id}.{webhook-timestamp}.{body}``; the header
``webhook-signature`` is ``v1,`` + base64 of its HMAC-SHA256."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
#: A receiver should refuse a timestamp further than this from its clock (seconds).
TOLERANCE = 5 * 60


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def verify(secret: str, headers, body: bytes, *, now: int) -> bool:
    """What a receiver does (our tests are receivers): the signature of one
    of the header's space-separated ``v1,…`` values matches, and the
    timestamp is within ``TOLERANCE`` of ``now``."""
    message_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not message_id or not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE:
        return False
    expected = sign(secret, message_id, int(timestamp), body)
    return any(hmac.compare_digest(expected, given) for given in headers.get("webhook-signature", "").split())
