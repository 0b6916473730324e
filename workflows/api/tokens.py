"""Creating, using and revoking personal access tokens."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from workflows.core import clock

from .models import AccessToken, TokenScope

PREFIX = "cdcs_"
#: How long a token may live, at most.
MAX_DAYS = 366
#: "Last used" is written at most this often per token (a busy client does not write on every call).
LAST_USE_EVERY = dt.timedelta(minutes=1)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_create(*, user, name: str, scope: str, days: int) -> tuple[AccessToken, str]:
    """A new token of ``user``; returns it and its key, which is shown once
    and never again (only its hash is kept)."""
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name (what it is for).")
    if scope not in TokenScope.values:
        errors["scope"] = _("Choose read only or read and write.")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        errors["days"] = _("A token lives between 1 and %(max)d days.") % {"max": MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    key = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken.objects.create(user=user, name=name[:100], prefix=key[:12], key_hash=_digest(key),
                                       scope=scope, expires_at=clock.now() + dt.timedelta(days=days))
    return token, key


@transaction.atomic
def token_revoke(*, user, token_id: int) -> AccessToken:
    token = AccessToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise AccessToken.DoesNotExist
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_for_key(key: str) -> AccessToken | None:
    """The active token of this key (its user active), noting its use; None otherwise."""
    if not key.startswith(PREFIX):
        return None
    token = AccessToken.objects.select_related("user").filter(key_hash=_digest(key)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USE_EVERY:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(user=user)
