"""Who must sign in with a second factor, and who may change theirs.

``TWO_FACTOR_REQUIRED_ROLES`` names the roles ("administrator",
"supervisor", "manager", "officer") whose holders must use it; a person
holding any of them anywhere must. Superusers follow the same rule: being a
superuser is not a role, a role they hold is.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

from workflows.organisation.permissions import ROLE_NAMES as _ROLE_NAMES, roles_held

#: The role names the setting may list.
ROLE_NAMES = tuple(_ROLE_NAMES.values())


def required_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", ()))


def second_factor_required(user) -> bool:
    """Must ``user`` sign in with a second factor? (No query when no role
    requires it.)"""
    if user is None or not user.is_authenticated:
        return False
    required = required_roles()
    return bool(required) and bool(required & roles_held(user))


def is_verified(user) -> bool:
    """Did this session pass the second factor? (django-otp's middleware
    puts ``is_verified`` on the request's user.)"""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def may_change_second_factor(user, *, has_device: bool) -> bool:
    """Set up, replace or turn off the second factor, or make new recovery
    codes: a person without one, or in a session that passed it — not a
    session that signed in before the second factor existed."""
    return bool(user and user.is_authenticated and user.is_active) and (not has_device or is_verified(user))


def require_may_change_second_factor(user, *, has_device: bool) -> None:
    if not may_change_second_factor(user, has_device=has_device):
        raise PermissionDenied


def may_turn_off_second_factor(user) -> bool:
    return not second_factor_required(user)
