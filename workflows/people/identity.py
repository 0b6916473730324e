"""The citizen ID (CCCD, 12 digits) is never stored: only its keyed hash
(HMAC-SHA256 under ``settings.PEOPLE_ID_KEY``, a secret from the
environment), to find the same person twice, and its last four digits, to
show. Without the key a stolen database does not give the numbers back by
hashing the 10¹² candidates."""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

_DIGITS = re.compile(r"\d{12}")


@dataclass(frozen=True)
class CitizenId:
    hash: str
    last4: str


def _key() -> bytes:
    key = getattr(settings, "PEOPLE_ID_KEY", "")
    if not key:
        raise ImproperlyConfigured("PEOPLE_ID_KEY is not set: citizen IDs cannot be hashed.")
    return key.encode()


def normalise(raw: str) -> str:
    """The 12 digits of a citizen ID as typed (spaces, dots and dashes are
    ignored); ValidationError otherwise."""
    digits = re.sub(r"[\s.\-]", "", raw or "")
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(_("A citizen ID (CCCD) has 12 digits."), code="citizen_id")
    return digits


def citizen_id(raw: str) -> CitizenId:
    digits = normalise(raw)
    return CitizenId(hash=hmac.new(_key(), digits.encode(), hashlib.sha256).hexdigest(), last4=digits[-4:])


def citizen_id_or_none(raw: str) -> CitizenId | None:
    return citizen_id(raw) if (raw or "").strip() else None
