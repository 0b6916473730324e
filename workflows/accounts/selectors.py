"""What the sign-in and account-security pages read."""
from __future__ import annotations

import datetime as dt
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.contrib.auth import get_user_model
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .permissions import is_verified, may_change_second_factor, may_turn_off_second_factor, second_factor_required


def has_second_factor(user) -> bool:
    """Has ``user`` a confirmed device (an app or recovery codes)?"""
    return user_has_device(user, confirmed=True)


def user_signing_in(user_id: int):
    """The active account half-way through signing in (password given, code
    awaited), or None."""
    return get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()


def _secret(device: TOTPDevice) -> str:
    """The key as the apps take it typed in: base32, without padding."""
    return b32encode(device.bin_key).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Enrolment:
    """The enrolment page: the QR code (an SVG data URI: nothing is fetched
    from elsewhere) and the same key as text, for typing it in."""

    qr_data_uri: str
    secret: str
    replaces: bool  # a confirmed app exists already (moving to a new phone)
    required: bool  # the person's role requires the second factor

    @property
    def secret_groups(self) -> str:
        return " ".join(self.secret[i:i + 4] for i in range(0, len(self.secret), 4))


def enrolment_for(device: TOTPDevice, *, user) -> Enrolment:
    qr = segno.make(device.config_url, error="m")
    return Enrolment(qr_data_uri=qr.svg_data_uri(scale=5, border=4, dark="#000", light="#fff"),
                     secret=_secret(device),
                     replaces=TOTPDevice.objects.devices_for_user(user, confirmed=True).exists(),
                     required=second_factor_required(user))


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@dataclass(frozen=True)
class SecurityPage:
    """The account-security page: what is set up and what the user may do."""

    has_app: bool  # an authenticator app is set up
    app_since: dt.datetime | None
    app_last_used: dt.datetime | None
    recovery_codes_left: int
    required: bool
    verified: bool
    may_change: bool
    may_turn_off: bool


def security_page(user) -> SecurityPage:
    app = TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("-pk").first()
    codes_left = recovery_codes_left(user)
    has_device = app is not None or has_second_factor(user)
    return SecurityPage(
        has_app=app is not None, app_since=app.created_at if app else None,
        app_last_used=app.last_used_at if app else None,
        recovery_codes_left=codes_left, required=second_factor_required(user),
        verified=is_verified(user), may_change=may_change_second_factor(user, has_device=has_device),
        may_turn_off=has_device and may_turn_off_second_factor(user))

