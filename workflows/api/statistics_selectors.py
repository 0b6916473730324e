"""What the API's statistics writes read, through the statistics permission
module: a unit or a programme the caller may plan — as the planning pages
decide (``statistics.views``: a unit the caller oversees and supervises; a
programme of a unit the caller supervises) — or None (answer 404)."""
from __future__ import annotations

from workflows.organisation.models import Unit
from workflows.organisation.selectors import units_overseen_by
from workflows.statistics import permissions as statistics_permissions
from workflows.statistics.models import Programme

from .people_selectors import programme_for


def unit_to_plan(user, pk) -> Unit | None:
    """An upper-level unit whose programmes and targets ``user`` sets (the
    unit picker of the planning pages, then ``can_plan``)."""
    if not str(pk).isdigit():
        return None
    unit = units_overseen_by(user).filter(pk=int(pk)).first()
    if unit is None or not statistics_permissions.can_plan(user, unit):
        return None
    return unit


def programme_to_plan(user, pk) -> Programme | None:
    """A programme ``user`` may change: one they read whose unit they supervise."""
    programme = programme_for(user, pk)
    if programme is None or not statistics_permissions.can_plan(user, programme.unit):
        return None
    return programme


def programme_locked(pk: int) -> Programme:
    """The programme's row, locked until the end of the transaction: its
    version is compared under the lock the service takes again."""
    return Programme.objects.select_for_update(of=("self",)).get(pk=pk)
