"""Who may see and edit which enterprises of the registry.

Managers and supervisors see the registry of their units' subtrees and
officers that of their groups' units; supervisors create and edit entries.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from workflows.organisation.models import Unit
from workflows.organisation.permissions import scope_of

from .models import Enterprise, ImportBatch


def can_view(user, enterprise: Enterprise) -> bool:
    scope = scope_of(user)
    path = enterprise.responsible_unit.path
    return scope.oversees(path) or any(path.startswith(p) for p in scope.group_units)


def can_edit(user, enterprise: Enterprise) -> bool:
    return scope_of(user).supervises(enterprise.responsible_unit.path)


def can_register_in(user, unit: Unit) -> bool:
    """Register enterprises under ``unit`` (or import a list into it): its
    supervisors, while the unit is open (a closed unit's work went to its
    successor)."""
    return unit.is_active and scope_of(user).supervises(unit.path)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def enterprises_visible_to(user) -> QuerySet[Enterprise]:
    scope = scope_of(user)
    paths = scope.overseen + scope.group_units
    return Enterprise.objects.filter(scope.subtree_q("responsible_unit__path", paths))


# --- registry import ------------------------------------------------------------------
def units_to_register_in(user) -> QuerySet[Unit]:
    """The units whose registry ``user`` may add to: active, not grassroots,
    inside the subtrees the user supervises."""
    scope = scope_of(user)
    return Unit.objects.filter(scope.subtree_q("path", scope.supervised), is_active=True,
                               kind__is_grassroots=False).order_by("path")


def can_import(user) -> bool:
    """Importing a list is a supervisor's work."""
    return bool(scope_of(user).supervised)


def can_import_into(user, unit: Unit) -> bool:
    return unit.is_active and not unit.kind.is_grassroots and can_register_in(user, unit)


def import_batches_visible_to(user):
    """A user's own imports, while they still supervise the unit."""
    scope = scope_of(user)
    if not scope.supervised:
        return ImportBatch.objects.none()
    return ImportBatch.objects.filter(scope.subtree_q("unit__path", scope.supervised), created_by_id=user.pk)


def can_work_import(user, batch) -> bool:
    """Map, check and commit a batch: who uploaded it, while supervising its unit."""
    return batch.created_by_id == getattr(user, "pk", None) and scope_of(user).supervises(batch.unit.path)
