"""Every write of the second factor: setting up an authenticator app (TOTP),
recovery codes, turning it off, and checking a code at sign-in.

A code is checked against one device of the kind it looks like (six digits:
the app; otherwise a recovery code), under django-otp's throttling: each
wrong code doubles the wait before the next one is even looked at. A wrong
code's failure count is committed before the refusal is raised (raising
inside the transaction would roll it back and lift the throttling).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from workflows.core.errors import InvalidInput
from workflows.organisation.models import ChangeAction, Profile
from workflows.organisation.permissions import require_administer_person
from workflows.organisation.services import change_record

from .permissions import require_may_change_second_factor, second_factor_required
from .selectors import has_second_factor

#: How many recovery codes a person gets at a time.
RECOVERY_CODES = 10
_APP_NAME = "app"
_RECOVERY_NAME = "recovery"


def _normalised(code: str) -> str:
    return re.sub(r"[\s-]+", "", code or "").lower()


def recovery_code_shown(token: str) -> str:
    """``abcdefgh`` as ``abcd-efgh`` (typed back with or without the dash)."""
    return f"{token[:4]}-{token[4:]}"


def _lock_account(user) -> None:
    """Serialise the second-factor writes of one person."""
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()


def _throttled(device: Device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    until = (info or {}).get("locked_until")
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 1
    return _("Too many wrong codes. Wait %(seconds)d seconds and try again.") % {"seconds": seconds}


# --- signing in -------------------------------------------------------------------
def second_factor_verify(*, user, code: str) -> Device:
    """The device that accepts ``code`` for ``user`` (a code from the app, or
    a recovery code, which is spent). Refuses a wrong code, or any code while
    the throttling makes the person wait (``InvalidInput`` on ``code``)."""
    code = _normalised(code)
    with transaction.atomic():
        kind = TOTPDevice if (len(code) == 6 and code.isdigit()) else StaticDevice
        devices = list(kind.objects.devices_for_user(user, confirmed=True).select_for_update().order_by("pk"))
        refusal = _("That code is not right. Enter the 6-digit code your app shows now, or one of your "
                    "recovery codes.")
        accepted = None
        for device in devices:
            if (waiting := _throttled(device)) is not None:
                refusal = waiting
                break
            if device.verify_token(code):
                accepted = device
                break
    if accepted is None:
        raise InvalidInput(fields={"code": [refusal]})
    return accepted


# --- setting up the app ------------------------------------------------------------
@transaction.atomic
def totp_enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed app device the person is setting up: the one started
    before (a reload shows the same key), or a new one with a fresh key.
    A person who already has a second factor must have passed it in this
    session (to move to a new phone)."""
    require_may_change_second_factor(user, has_device=has_second_factor(user))
    _lock_account(user)
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_APP_NAME, confirmed=False)
    return device


@dataclass(frozen=True)
class Enrolled:
    device: TOTPDevice
    recovery_codes: list[str]  # as shown, once


def totp_enrolment_confirm(*, user, code: str) -> Enrolled:
    """Confirm the app being set up with a code it shows: it becomes the
    person's app (replacing an earlier one), and ten new recovery codes
    replace any earlier ones."""
    code = _normalised(code)
    with transaction.atomic():
        require_may_change_second_factor(user, has_device=has_second_factor(user))
        _lock_account(user)
        device = (TOTPDevice.objects.devices_for_user(user, confirmed=False).select_for_update()
                  .order_by("-pk").first())
        if device is None:
            refusal = _("The set-up has expired. Open the set-up page again and scan the new code.")
        elif (waiting := _throttled(device)) is not None:
            refusal = waiting
        elif not device.verify_token(code):
            refusal = _("That code is not right. Check that your phone's clock is right and enter the 6-digit "
                        "code the app shows now.")
        else:
            refusal = None
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _recovery_codes_replace(user)
    if refusal is not None:
        raise InvalidInput(fields={"code": [refusal]})
    return Enrolled(device=device, recovery_codes=codes)


# --- recovery codes and turning off -------------------------------------------------
def _recovery_codes_replace(user) -> list[str]:
    device = StaticDevice.objects.filter(user=user, name=_RECOVERY_NAME).order_by("pk").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=_RECOVERY_NAME, confirmed=True)
    StaticDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.token_set.all().delete()
    tokens = set()
    while len(tokens) < RECOVERY_CODES:
        tokens.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=token) for token in sorted(tokens))
    return [recovery_code_shown(token) for token in sorted(tokens)]


@transaction.atomic
def recovery_codes_regenerate(*, user) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working. Only for a
    person with an app, in a session that passed the second factor."""
    require_may_change_second_factor(user, has_device=has_second_factor(user))
    _lock_account(user)
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        raise InvalidInput(_("Set up an authenticator app first."))
    return _recovery_codes_replace(user)


@transaction.atomic
def second_factor_turn_off(*, user) -> None:
    """Remove the app and the recovery codes. Refused when one of the
    person's roles requires the second factor."""
    require_may_change_second_factor(user, has_device=has_second_factor(user))
    if second_factor_required(user):
        raise InvalidInput(_("Your role requires the second factor: it cannot be turned off."))
    _lock_account(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def second_factor_reset(*, person_id: int, actor) -> int:
    """A person lost their phone: an administrator of their unit removes
    their app and recovery codes, so that they enrol again at their next
    sign-in (required roles) or may. Returns how many devices went. The
    organisation history says who did it."""
    person = get_user_model()._default_manager.select_for_update().get(pk=person_id)
    require_administer_person(actor, person)
    if actor is not None and actor.pk == person.pk:
        raise InvalidInput(_("Turn your own second factor off on your account security page."))
    removed = 0
    for kind in (TOTPDevice, StaticDevice):
        devices = kind.objects.filter(user=person)
        removed += devices.count()
        devices.delete()
    if removed:
        profile = Profile.objects.filter(user=person).select_related("unit").first()
        change_record(actor=actor, action=ChangeAction.PERSON_CHANGED, unit=profile.unit if profile else None,
                      person=person,
                      summary=_("Second factor of %(name)s removed (a lost phone): they enrol again") % {
                          "name": person.get_full_name() or person.get_username()},
                      before={"second_factor": True}, after={"second_factor": False})
    return removed
