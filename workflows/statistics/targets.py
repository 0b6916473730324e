"""Which programmes and targets a unit's figures are read against.

A row's targets (``engine.BranchFigures.targets``) map a ``TargetKey`` (the
programme, the date the target falls due, the indicator, the filters) to
``UnitTargets``: what the row's unit received — the target it recorded as
received from above, or else what its parent allocated to it — and its own
allocation, the sum of what it allocated to its child units (which may be
more than it received).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from workflows.organisation.models import Unit

from .engine import Dashboard, Filters
from .indicators import TargetValue
from .models import Programme, Target, TargetSource


@dataclass(frozen=True)
class TargetKey:
    programme_id: int
    due_on: dt.date
    metric: str
    filters: Filters


@dataclass(frozen=True)
class UnitTargets:
    received: TargetValue | None = None
    allocation: TargetValue | None = None  # the sum of the unit's allocations to its child units


def programmes_for(unit: Unit, *, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[Programme]:
    """The programmes that apply to ``unit``: its own and its ancestors'
    (a confederation's congress term covers every province), optionally
    those overlapping the days from ``start`` to ``end``."""
    prefixes = [unit.path[:i] for i in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    programmes = Programme.objects.filter(unit__path__in=prefixes)
    if start:
        programmes = programmes.filter(end__gte=start)
    if end:
        programmes = programmes.filter(start__lte=end)
    return programmes.select_related("unit").order_by("start", "end", "name")


def _add(a: TargetValue | None, b: TargetValue) -> TargetValue:
    if a is None:
        return b
    high = None if a.high is None and b.high is None else (a.high or a.low) + (b.high or b.low)
    return TargetValue(a.low + b.low, high)


def attach(board: Dashboard, programmes) -> None:
    """Fill each row's (and the total's) ``targets`` for ``programmes`` (one query)."""
    ids = [p.pk for p in programmes]
    if not ids:
        return
    unit = board.unit
    rows = {row.unit.path: row for row in [*board.rows, board.total] if not row.own}
    rows[unit.path] = board.total
    received: dict[tuple[str, TargetKey], dict[str, TargetValue]] = {}
    allocation: dict[tuple[str, TargetKey], TargetValue] = {}
    for target in (Target.objects.filter(programme_id__in=ids, unit__path__startswith=unit.path,
                                         unit__depth__lte=unit.depth + 2)
                   .select_related("unit").order_by("pk")):
        key = TargetKey(target.programme_id, target.due_on, target.metric, Filters.of(target))
        value = TargetValue(target.value, target.value_max)
        path = target.unit.path
        if path in rows:
            received.setdefault((path, key), {})[target.source] = value
        parent = path[:-Unit.steplen]
        if target.source == TargetSource.ALLOCATED and parent in rows:
            allocation[(parent, key)] = _add(allocation.get((parent, key)), value)
    for (path, key), values in received.items():
        chosen = values.get(TargetSource.RECEIVED) or values.get(TargetSource.ALLOCATED)
        rows[path].targets[key] = UnitTargets(chosen, allocation.pop((path, key), None))
    for (path, key), value in allocation.items():
        rows[path].targets[key] = UnitTargets(None, value)


def keys_of(board: Dashboard, programme: Programme) -> list[TargetKey]:
    """The target keys of a programme present on a board, in a stable order."""
    found = {key for row in [*board.rows, board.total] for key in row.targets if key.programme_id == programme.pk}
    return sorted(found, key=lambda k: (k.due_on, k.metric, k.filters.sector, k.filters.min_workforce,
                                        k.filters.social_insurance_only, k.filters.industrial_zone))


def in_subtree(unit: Unit) -> Q:
    return Q(unit__path__startswith=unit.path)
