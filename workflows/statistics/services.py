"""Every write of targets and member movements."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workflows.campaigns import figures, services as campaign_services
from workflows.core import clock
from workflows.enterprises.models import WORKFORCE_FLOORS, OwnershipSector
from workflows.organisation.models import Unit

from . import permissions
from .engine import NO_FILTERS, Filters
from .models import (
    Estimate,
    EstimateKind,
    MemberCensus,
    MemberMovement,
    Metric,
    Milestone,
    MovementKind,
    Programme,
    ProgrammeBasis,
    Target,
    TargetSource,
)

_MAX_TARGET = 10_000_000


# --- programmes -------------------------------------------------------------------------
def _check_programme(name: str, basis_kind: str, start: dt.date, end: dt.date) -> None:
    if not name.strip():
        raise ValidationError({"name": _("Give the programme a name.")})
    if basis_kind not in ProgrammeBasis.values:
        raise ValidationError({"basis_kind": _("Choose the kind of basis from the list.")})
    if end < start:
        raise ValidationError({"end": _("A programme ends on or after its start.")})
    if not (dt.date(2000, 1, 1) <= start and end <= dt.date(2100, 12, 31)):
        raise ValidationError({"start": _("Give dates between 2000 and 2100.")})


@transaction.atomic
def programme_create(*, unit_id: int, name: str, basis_kind: str, start: dt.date, end: dt.date, actor,
                     basis: str = "", milestones: list[tuple[dt.date, str]] = ()) -> Programme:
    """A programme of ``unit`` (its supervisors): a congress term, a
    resolution's programme, the year's plan, with optional milestones."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    _check_programme(name, basis_kind, start, end)
    programme = Programme.objects.create(unit=unit, name=name.strip()[:200], basis_kind=basis_kind,
                                         basis=basis.strip()[:300], start=start, end=end, created_by=actor,
                                         created_at=clock.now())
    for on, label in milestones:
        milestone_add(programme_id=programme.pk, on=on, label=label, actor=actor)
    return programme


@transaction.atomic
def programme_update(*, programme_id: int, name: str, basis_kind: str, basis: str, start: dt.date, end: dt.date,
                     actor, milestones: list[tuple[dt.date, str]] = ()) -> Programme:
    """Change a programme's name, basis and dates, and add ``milestones``
    (date, label): all or nothing."""
    programme = Programme.objects.select_for_update().get(pk=programme_id)
    permissions.require(permissions.can_plan(actor, programme.unit))
    _check_programme(name, basis_kind, start, end)
    outside = programme.targets.exclude(due_on__range=(start, end)).exclude(due_on=programme.end)
    if outside.exists() or programme.milestones.exclude(on__range=(start, end)).exists():
        raise ValidationError({"end": _("Targets or milestones fall due outside these dates: change them first.")})
    if end != programme.end:
        key = ("unit_id", "metric", "source", "sector", "min_workforce", "social_insurance_only", "industrial_zone")
        moving = set(programme.targets.filter(due_on=programme.end).values_list(*key))
        if moving & set(programme.targets.filter(due_on=end).values_list(*key)):
            raise ValidationError({"end": _(
                "Some targets are already due on the new end (a milestone's): the targets due on the old end "
                "cannot move there. Change those targets first.")})
    programme.targets.filter(due_on=programme.end).update(due_on=end)
    programme.name, programme.basis_kind, programme.basis = name.strip()[:200], basis_kind, basis.strip()[:300]
    programme.start, programme.end = start, end
    programme.save()
    for on, label in milestones:
        milestone_add(programme_id=programme.pk, on=on, label=label, actor=actor)
    return programme


@transaction.atomic
def milestone_add(*, programme_id: int, on: dt.date, label: str, actor) -> Milestone:
    programme = Programme.objects.select_for_update().get(pk=programme_id)
    permissions.require(permissions.can_plan(actor, programme.unit))
    if not programme.start <= on <= programme.end:
        raise ValidationError({"on": _("A milestone falls between the programme's start and end.")})
    if not label.strip():
        raise ValidationError({"label": _("Give the milestone a label.")})
    if programme.milestones.filter(on=on).exists():
        raise ValidationError({"on": _("The programme already has a milestone on this day.")})
    return Milestone.objects.create(programme=programme, on=on, label=label.strip()[:120])


# --- targets --------------------------------------------------------------------------
def _check_target(metric: str, value: int, value_max: int | None, filters: Filters) -> None:
    if metric not in Metric.values:
        raise ValidationError(_("Choose an indicator from the list."))
    for number in (value, value_max):
        if number is not None and (not isinstance(number, int) or not 0 <= number <= _MAX_TARGET):
            raise ValidationError({"value": _("A target is a whole number from 0 to 10.000.000.")})
    if value_max is not None and value_max < value:
        raise ValidationError({"value": _("A range's upper bound is at least its lower bound.")})
    if metric == Metric.COVERAGE:
        if max(value, value_max or 0) > 100:
            raise ValidationError({"value": _("A coverage target is a percentage, at most 100.")})
        if filters.min_workforce not in WORKFORCE_FLOORS or not filters.min_workforce:
            raise ValidationError({"min_workforce": _("Choose the minimum workforce from the list.")})
    if filters.min_workforce and filters.min_workforce not in WORKFORCE_FLOORS:
        raise ValidationError({"min_workforce": _("Choose the minimum workforce from the list.")})
    if filters.sector and filters.sector not in OwnershipSector.values:
        raise ValidationError({"sector": _("Choose the ownership sector from the list.")})


def _due_on(programme: Programme, due_on: dt.date | None) -> dt.date:
    if due_on is None or due_on == programme.end:
        return programme.end
    if not programme.milestones.filter(on=due_on).exists():
        raise ValidationError({"due_on": _("A target falls due at the programme's end or on one of its milestones.")})
    return due_on


def _target_save(programme: Programme, unit: Unit, source: str, metric: str, due_on: dt.date, filters: Filters,
                 value: int, value_max: int | None) -> Target:
    target, _created = Target.objects.update_or_create(
        programme=programme, unit=unit, due_on=due_on, metric=metric, source=source, sector=filters.sector,
        min_workforce=filters.min_workforce, social_insurance_only=filters.social_insurance_only,
        industrial_zone=filters.industrial_zone,
        defaults={"value": value, "value_max": value_max if value_max != value else None})
    return target


def _programme_for(programme_id: int, unit: Unit) -> Programme:
    programme = Programme.objects.select_related("unit").get(pk=programme_id)
    if not unit.path.startswith(programme.unit.path):
        raise ValidationError(_("This programme does not cover the unit."))
    return programme


Amount = int | tuple[int, int | None]


def _amount(amount: Amount) -> tuple[int, int | None]:
    return amount if isinstance(amount, tuple) else (amount, None)


@transaction.atomic
def target_set_received(*, programme_id: int, unit_id: int, metric: str, value: int, actor,
                        value_max: int | None = None, filters: Filters = NO_FILTERS,
                        due_on: dt.date | None = None) -> Target:
    """Record the target ``unit`` received from the level above in a
    programme (its supervisors): a value, or a range with ``value_max``."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    programme = _programme_for(programme_id, unit)
    _check_target(metric, value, value_max, filters)
    return _target_save(programme, unit, TargetSource.RECEIVED, metric, _due_on(programme, due_on), filters,
                        value, value_max)


@transaction.atomic
def targets_set(*, programme_id: int, unit_id: int, metric: str, received: Amount | None,
                allocations: dict[int, Amount], actor, filters: Filters = NO_FILTERS,
                due_on: dt.date | None = None) -> list[Target]:
    """The targets screen's save, all or nothing: the target ``unit`` received
    (unless ``received`` is None) and its split over the child units. A
    refused split leaves the received target as it was."""
    common = {"programme_id": programme_id, "unit_id": unit_id, "metric": metric, "actor": actor,
              "filters": filters, "due_on": due_on}
    if received is not None:
        low, high = _amount(received)
        target_set_received(value=low, value_max=high, **common)
    return targets_allocate(allocations=allocations, **common)


@transaction.atomic
def targets_allocate(*, programme_id: int, unit_id: int, metric: str, allocations: dict[int, Amount], actor,
                     filters: Filters = NO_FILTERS, due_on: dt.date | None = None) -> list[Target]:
    """Split ``unit``'s target over its child units: ``allocations`` maps a
    child unit id to its value (or a (low, high) range). Allocating more than
    received is allowed (the pages show both). All or nothing."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    programme = _programme_for(programme_id, unit)
    children = {child.pk: child for child in Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1)}
    if set(allocations) - set(children):
        raise ValidationError(_("Allocate only to the unit's own child units."))
    for amount in allocations.values():
        _check_target(metric, *_amount(amount), filters)
    due = _due_on(programme, due_on)
    return [_target_save(programme, children[child_id], TargetSource.ALLOCATED, metric, due, filters,
                         *_amount(allocations[child_id]))
            for child_id in sorted(allocations)]


# --- member counts and estimates -----------------------------------------------------------
@transaction.atomic
def member_count_record(*, unit_id: int, as_of: dt.date, members: int, source: str, actor) -> MemberCensus:
    """A count of the members of a unit (a grassroots union, or an upper
    unit's whole subtree) on a day, with its source; a second count for the
    same day replaces the first."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    if not isinstance(members, int) or not 0 <= members <= _MAX_TARGET:
        raise ValidationError({"members": _("Give a number of members from 0 to 10.000.000.")})
    if as_of > clock.today():
        raise ValidationError({"as_of": _("A count cannot be dated in the future.")})
    if not source.strip():
        raise ValidationError({"source": _("Say where the count comes from.")})
    census, _created = MemberCensus.objects.update_or_create(
        unit=unit, as_of=as_of, defaults={"members": members, "source": source.strip()[:200], "entered_by": actor,
                                          "entered_at": clock.now()})
    return census


@transaction.atomic
def estimate_record(*, unit_id: int, kind: str, year: int, value: int, source: str, actor,
                    as_of: dt.date | None = None) -> Estimate:
    """A unit's estimate for a year (the workforce increase it expects), dated and sourced."""
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    if kind not in EstimateKind.values:
        raise ValidationError({"kind": _("Choose the estimate from the list.")})
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": _("Give a year between 2000 and 2100.")})
    if not isinstance(value, int) or not 0 <= value <= _MAX_TARGET:
        raise ValidationError({"value": _("An estimate is a whole number from 0 to 10.000.000.")})
    if not source.strip():
        raise ValidationError({"source": _("Say where the estimate comes from.")})
    estimate, _created = Estimate.objects.update_or_create(
        unit=unit, kind=kind, year=year, defaults={"value": value, "source": source.strip()[:200],
                                                   "as_of": as_of or clock.today(), "entered_by": actor,
                                                   "entered_at": clock.now()})
    return estimate


@transaction.atomic
def movement_record(*, unit_id: int, kind: str, members: int, actor, on: dt.date | None = None,
                    month: dt.date | None = None, note: str = "") -> MemberMovement:
    """Enter members recruited in existing grassroots unions, or lost, on a
    day (``on``; or, with ``month`` alone, on its first day), by supervisors
    of the unit or above. The summary moves with it."""
    if on is None and month is None:
        raise ValidationError({"on": _("Give the day the members joined or left.")})
    on = on or month.replace(day=1)
    unit = Unit.objects.get(pk=unit_id)
    permissions.require(permissions.can_plan(actor, unit))
    if kind not in MovementKind.values:
        raise ValidationError({"kind": _("Choose recruited or lost.")})
    if not isinstance(members, int) or not 0 < members <= 1_000_000:
        raise ValidationError({"members": _("Give a number of members from 1 to 1.000.000.")})
    if on > clock.today():
        raise ValidationError({"on": _("A day in the future cannot be reported yet.")})
    month = on.replace(day=1)
    movement = MemberMovement.objects.create(unit=unit, month=month, on=on, kind=kind, members=members,
                                             note=note.strip()[:500], entered_by=actor, entered_at=clock.now())
    figures.members_moved(unit_id=unit.pk, month=month,
                          recruited=members if kind == MovementKind.RECRUITED else 0,
                          lost=members if kind == MovementKind.LOST else 0)
    return movement


@transaction.atomic
def follow_up_failed(*, campaign_id: int, actor, reason: str, on: dt.date, members_lost: int = 0,
                     note: str = "") -> None:
    """A new grassroots union failed in its first year (supervisors of its
    upper-level unit): the follow-up records the reason
    (``campaigns.services.follow_up_fail``), and the members lost are
    entered as a movement of the union on that day. All or nothing; the
    recognised figures of its period do not change."""
    follow_up = campaign_services.follow_up_fail(campaign_id=campaign_id, actor=actor, reason=reason, on=on,
                                                 members_lost=members_lost, note=note)
    if members_lost:
        movement_record(unit_id=follow_up.unit_id, kind=MovementKind.LOST, members=members_lost, actor=actor,
                        on=on, note=_("Grassroots union failed: %(reason)s") % {
                            "reason": follow_up.get_failure_reason_display()})
