"""Which administration pages a user may open (page-level decisions; the
object rules are ``organisation.permissions``'s, which the services check).

- the home: anyone who administers (``can_administer``: an administrator of
  a unit, or staff who keep reference data in Django admin);
- units, people, reference data and the organisation import: the
  administrators of a unit (and the technical superuser);
- working groups: administrators and supervisors (a supervisor manages the
  working groups of the units they supervise).
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied

from workflows.organisation.permissions import can_administer, scope_of


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_open_home(user) -> bool:
    return can_administer(user)


def can_administer_units(user) -> bool:
    """Open the units and people pages: administers at least one unit."""
    return _signed_in(user) and (user.is_superuser or bool(scope_of(user).administered))


def can_manage_some_groups(user) -> bool:
    """Open the working groups pages: administers or supervises a unit."""
    if not _signed_in(user):
        return False
    scope = scope_of(user)
    return user.is_superuser or bool(scope.administered or scope.supervised)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
