"""Every write of targets and member movements."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workflows.campaigns import figures
from workflows.core import clock
from workflows.enterprises.models import WORKFORCE_FLOORS
from workflows.organisation.models import Unit

from . import permissions
from .models import MemberMovement, Metric, MovementKind, Target, TargetHorizon, TargetSource

_MAX_TARGET = 10_000_000


def _check_target(metric: str, horizon: str, year: int, value: int, min_workforce: int | None) -> None:
    if metric not in Metric.values or horizon not in TargetHorizon.values:
        raise ValidationError(_("Choose a metric and a horizon from the list."))
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    if not isinstance(value, int) or not 0 <= value <= _MAX_TARGET:
        raise ValidationError({"value": _("A target is a whole number from 0 to 10.000.000.")})
    if metric == Metric.COVERAGE:
        if value > 100:
            raise ValidationError({"value": _("A coverage target is a percentage, at most 100.")})
        if min_workforce not in WORKFORCE_FLOORS:
            raise ValidationError({"min_workforce": _("Choose the minimum workforce from the list.")})


@transaction.atomic
def target_set_received(*, unit_id: int, year: int, metric: str, value: int, actor,
                        horizon: str = TargetHorizon.YEAR, min_workforce: int | None = None) -> Target:
    """Record the target ``unit`` received from the level above (its supervisors)."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    _check_target(metric, horizon, year, value, min_workforce)
    target, _created = Target.objects.update_or_create(
        unit=unit, year=year, horizon=horizon, metric=metric, source=TargetSource.RECEIVED,
        defaults={"value": value, "min_workforce": min_workforce if metric == Metric.COVERAGE else None})
    return target


@transaction.atomic
def targets_set(*, unit_id: int, year: int, metric: str, received: int | None, allocations: dict[int, int], actor,
                horizon: str = TargetHorizon.YEAR, min_workforce: int | None = None) -> list[Target]:
    """The targets screen's save, all or nothing: the target ``unit`` received
    (unless ``received`` is None) and its split over the child units. A
    refused split leaves the received target as it was."""
    common = {"year": year, "metric": metric, "horizon": horizon, "actor": actor, "min_workforce": min_workforce}
    if received is not None:
        target_set_received(unit_id=unit_id, value=received, **common)
    return targets_allocate(unit_id=unit_id, allocations=allocations, **common)


@transaction.atomic
def targets_allocate(*, unit_id: int, year: int, metric: str, allocations: dict[int, int], actor,
                     horizon: str = TargetHorizon.YEAR, min_workforce: int | None = None) -> list[Target]:
    """Split ``unit``'s target over its child units: ``allocations`` maps a
    child unit id to its value. Allocating more than received is allowed (the
    screen shows it). All or nothing."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    children = {child.pk: child for child in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)}
    unknown = set(allocations) - set(children)
    if unknown:
        raise ValidationError(_("Allocate only to the unit's own child units."))
    for value in allocations.values():
        _check_target(metric, horizon, year, value, min_workforce)
    saved = []
    for child_id in sorted(allocations):
        target, _created = Target.objects.update_or_create(
            unit=children[child_id], year=year, horizon=horizon, metric=metric, source=TargetSource.ALLOCATED,
            defaults={"value": allocations[child_id],
                      "min_workforce": min_workforce if metric == Metric.COVERAGE else None})
        saved.append(target)
    return saved


@transaction.atomic
def movement_record(*, unit_id: int, month: dt.date, kind: str, members: int, actor, note: str = "") -> MemberMovement:
    """Enter members recruited in existing grassroots unions, or lost, for a
    month (supervisors of the unit or above). The summary moves with it."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    if kind not in MovementKind.values:
        raise ValidationError({"kind": _("Choose recruited or lost.")})
    if not isinstance(members, int) or not 0 < members <= 1_000_000:
        raise ValidationError({"members": _("Give a number of members from 1 to 1.000.000.")})
    month = month.replace(day=1)
    if month > clock.today():
        raise ValidationError({"month": _("A month in the future cannot be reported yet.")})
    movement = MemberMovement.objects.create(unit=unit, month=month, kind=kind, members=members,
                                             note=note.strip()[:500], entered_by=actor, entered_at=clock.now())
    figures.members_moved(unit_id=unit.pk, month=month,
                          recruited=members if kind == MovementKind.RECRUITED else 0,
                          lost=members if kind == MovementKind.LOST else 0)
    return movement
