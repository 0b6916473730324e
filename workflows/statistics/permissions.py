"""Who may read and set the figures of a unit.

Managers and supervisors read the dashboards and reports of their units'
subtrees; supervisors set the targets their unit received, split them over
its child units, and enter member movements in their subtree.
"""
from django.core.exceptions import PermissionDenied

from workflows.organisation.models import Unit
from workflows.organisation.permissions import scope_of


def can_read(user, unit: Unit) -> bool:
    return scope_of(user).oversees(unit.path)


def can_plan(user, unit: Unit) -> bool:
    return scope_of(user).supervises(unit.path)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
