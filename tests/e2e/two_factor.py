"""Codes of an authenticator app, for the browser tests: the enrolment page
shows the key as text (``<code data-totp-secret>``); the test computes the
code the phone would show."""
from __future__ import annotations

import base64
import time

from django_otp.oath import TOTP


def code_for_secret(base32: str, *, steps_ahead: int = 0) -> str:
    """The 6-digit code an app holding the key ``base32`` shows now.

    A code is accepted once: to sign in again within the same 30 seconds,
    pass ``steps_ahead=1`` (the next code, which the server's one-step
    tolerance accepts)."""
    key = "".join(base32.split()).upper()
    key_bytes = base64.b32decode(key + "=" * (-len(key) % 8))
    totp = TOTP(key_bytes)
    totp.time = time.time() + steps_ahead * totp.step
    return f"{totp.token():06d}"
