"""Who may open the webhook pages: the administrators of a unit (and the
technical superuser); each subscription only for the administrators of
its unit or of a unit above it (``selectors.subscriptions_for``; the
services check ``organisation.permissions.require_administer_unit`` again)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from workflows.organisation.permissions import scope_of


def can_open(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active
                and (user.is_superuser or scope_of(user).administered))


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
