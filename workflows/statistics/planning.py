"""The contexts of the planning pages (read by ``views``): programmes and
their targets, the targets screen, member counts, estimates, member
movements. Each is one frozen dataclass; the queries do not grow with the
number of programmes, targets or child units."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from workflows.enterprises.models import OwnershipSector
from workflows.organisation.models import Unit
from workflows.organisation.selectors import UnitPicker

from . import permissions, targets as targets_of
from .engine import NO_FILTERS, Filters
from .indicators import TargetValue
from .models import Estimate, MemberCensus, MemberMovement, Metric, Milestone, Programme, Target, TargetSource
from .selectors import units_allocated_to

RECENT = 50


def number(n: int) -> str:
    """6500 → "6.500" (Vietnamese thousands dots)."""
    return f"{n:,}".replace(",", ".")


def filters_label(filters: Filters) -> str:
    """The filters of a target in words ("" when it counts every enterprise)."""
    parts = []
    if filters.sector:
        parts.append(str(OwnershipSector(filters.sector).label))
    if filters.min_workforce:
        parts.append(_("%(n)s workers and more") % {"n": number(filters.min_workforce)})
    if filters.social_insurance_only:
        parts.append(_("paying social insurance"))
    if filters.industrial_zone:
        parts.append(filters.industrial_zone)
    return " · ".join(parts)


def due_label(programme: Programme, milestones, due_on: dt.date) -> str:
    if due_on == programme.end:
        return _("End of the programme (%(day)s)") % {"day": f"{due_on:%d/%m/%Y}"}
    label = next((m.label for m in milestones if m.on == due_on), "")
    return f"{label} ({due_on:%d/%m/%Y})"


@dataclass(frozen=True)
class Balance:
    """The sum of a unit's allocations against what it received."""
    received: TargetValue | None
    allocated: TargetValue | None
    over: bool  # more is allocated than was received
    difference: str  # allocated − received, signed ("+1.200", "−300", a range "+1.000 … +1.500"); "" if unknown

    @classmethod
    def of(cls, received: TargetValue | None, allocations) -> Balance:
        allocated = None
        for value in allocations:
            if value is not None:
                allocated = targets_of._add(allocated, value)
        if received is None or allocated is None:
            return cls(received, allocated, False, "")
        low = allocated.low - received.low
        high = (allocated.high or allocated.low) - (received.high or received.low)
        over = allocated.low > (received.high or received.low)
        signed = [("+" if d > 0 else "−" if d < 0 else "") + number(abs(d)) for d in (low, high)]
        return cls(received, allocated, over, signed[0] if low == high else f"{signed[0]} … {signed[1]}")


def targets_url(unit: Unit, programme: Programme, due_on: dt.date | None = None, metric: str = "",
                filters: Filters = NO_FILTERS) -> str:
    query = {"unit": unit.pk, "programme": programme.pk}
    if metric:
        query["metric"] = metric
    if due_on:
        query["due_on"] = f"{due_on:%d/%m/%Y}"
    if filters.sector:
        query["sector"] = filters.sector
    if filters.min_workforce:
        query["min_workforce"] = filters.min_workforce
    if filters.social_insurance_only:
        query["social_insurance_only"] = "1"
    if filters.industrial_zone:
        query["industrial_zone"] = filters.industrial_zone
    return f"{reverse('statistics:targets')}?{urlencode(query)}"


# --- programmes ----------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgrammesPage:
    """The programmes that apply to a unit: its own and its ancestors'."""
    unit: Unit
    picker: UnitPicker
    programmes: tuple[Programme, ...]  # with .milestones prefetched (``milestone_list``)
    editable: frozenset[int]  # the programmes the user may edit
    can_plan: bool


def _with_milestones(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    return programmes.prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("on"),
                                                to_attr="milestone_list"))


def programmes_page(user, unit: Unit, picker: UnitPicker) -> ProgrammesPage:
    programmes = tuple(_with_milestones(targets_of.programmes_for(unit)))
    return ProgrammesPage(
        unit=unit, picker=picker, programmes=programmes,
        editable=frozenset(p.pk for p in programmes if permissions.can_plan(user, p.unit)),
        can_plan=permissions.can_plan(user, unit))


@dataclass(frozen=True)
class TargetGroup:
    """The targets of one indicator, due date and filters in a programme:
    what the unit received and what it allocated to each child unit."""
    metric: str
    metric_label: str
    due_on: dt.date
    due_label: str
    filters_label: str
    lines: tuple[tuple[Unit, TargetValue], ...]  # child unit, its allocation
    balance: Balance
    url: str  # the targets page for this group ("" when the user may not set targets)


@dataclass(frozen=True)
class ProgrammePage:
    programme: Programme
    milestones: tuple[Milestone, ...]
    unit: Unit  # whose targets are summed up
    picker: UnitPicker  # among the user's units the programme covers
    groups: tuple[TargetGroup, ...]
    can_plan: bool  # may set the unit's targets
    can_edit: bool  # may edit the programme
    targets_url: str


def programme_page(user, programme: Programme, unit: Unit, picker: UnitPicker) -> ProgrammePage:
    milestones = tuple(programme.milestones.order_by("on"))
    can_plan = permissions.can_plan(user, unit)
    received: dict[tuple, TargetValue] = {}
    lines: dict[tuple, list[tuple[Unit, TargetValue]]] = {}
    for target in (Target.objects.filter(programme=programme, unit__path__startswith=unit.path,
                                         unit__depth__lte=unit.depth + 1)
                   .select_related("unit").order_by("unit__path", "pk")):
        key = (target.due_on, target.metric, Filters.of(target))
        value = TargetValue(target.value, target.value_max)
        if target.unit_id == unit.pk:
            if target.source == TargetSource.RECEIVED or key not in received:
                received[key] = value
            lines.setdefault(key, [])
        elif target.source == TargetSource.ALLOCATED:
            lines.setdefault(key, []).append((target.unit, value))
    order = list(Metric.values)
    groups = []
    for key in sorted(lines, key=lambda k: (k[0], order.index(k[1]), filters_label(k[2]))):
        due_on, metric, filters = key
        groups.append(TargetGroup(
            metric=metric, metric_label=str(Metric(metric).label), due_on=due_on,
            due_label=due_label(programme, milestones, due_on), filters_label=filters_label(filters),
            lines=tuple(lines[key]), balance=Balance.of(received.get(key), [v for _u, v in lines[key]]),
            url=targets_url(unit, programme, due_on, metric, filters) if can_plan else ""))
    return ProgrammePage(
        programme=programme, milestones=milestones, unit=unit, picker=picker, groups=tuple(groups),
        can_plan=can_plan, can_edit=permissions.can_plan(user, programme.unit),
        targets_url=targets_url(unit, programme) if can_plan else "")


# --- the targets screen ----------------------------------------------------------------------
@dataclass(frozen=True)
class TargetsChoice:
    """Which targets the screen shows or saves."""
    programme: Programme | None
    due_on: dt.date | None
    metric: str
    filters: Filters


@dataclass(frozen=True)
class TargetsPage:
    """The target a unit received in a programme and its split over the
    child units, with the sum against the received target."""
    unit: Unit
    picker: UnitPicker | None  # among the units the user may plan (None: no page, the API)
    programmes: tuple[Programme, ...]
    programme: Programme | None
    due_dates: tuple[tuple[dt.date, str], ...]  # the programme's end and its milestones
    due_on: dt.date | None
    metric: str
    metric_label: str
    filters: Filters
    filters_label: str
    children: tuple[Unit, ...]
    received: TargetValue | None
    allocated: tuple[tuple[Unit, TargetValue | None], ...]
    balance: Balance
    can_plan: bool = True


def targets_programmes(unit: Unit) -> list[Programme]:
    return list(targets_of.programmes_for(unit))


def targets_page(user, unit: Unit, picker: UnitPicker | None, programmes: list[Programme], children: list[Unit],
                 choice: TargetsChoice) -> TargetsPage:
    programme = choice.programme
    milestones = tuple(programme.milestones.order_by("on")) if programme else ()
    due_on = choice.due_on if choice.due_on in {m.on for m in milestones} else (programme.end if programme else None)
    received, allocated = None, {}
    if programme is not None:
        filters = choice.filters
        found = Target.objects.filter(
            programme=programme, unit__in=[unit, *children], due_on=due_on, metric=choice.metric,
            sector=filters.sector, min_workforce=filters.min_workforce,
            social_insurance_only=filters.social_insurance_only, industrial_zone=filters.industrial_zone)
        values = {(t.unit_id, t.source): TargetValue(t.value, t.value_max) for t in found}
        received = values.get((unit.pk, TargetSource.RECEIVED)) or values.get((unit.pk, TargetSource.ALLOCATED))
        allocated = {child.pk: values.get((child.pk, TargetSource.ALLOCATED)) for child in children}
    lines = tuple((child, allocated.get(child.pk)) for child in children)
    return TargetsPage(
        unit=unit, picker=picker, programmes=tuple(programmes),
        programme=programme,
        due_dates=(((programme.end, due_label(programme, milestones, programme.end)),
                    *((m.on, due_label(programme, milestones, m.on)) for m in milestones)) if programme else ()),
        due_on=due_on, metric=choice.metric, metric_label=str(Metric(choice.metric).label),
        filters=choice.filters, filters_label=filters_label(choice.filters), children=tuple(children),
        received=received, allocated=lines, balance=Balance.of(received, [v for _c, v in lines]))


def targets_children(unit: Unit) -> list[Unit]:
    return units_allocated_to(unit)


# --- member counts, estimates, movements -------------------------------------------------------
@dataclass(frozen=True)
class EntriesPage:
    """A page that records figures of a unit the user plans, chosen with the
    unit picker (among the units they may record for: never a list of all
    of them), with the latest entered in the chosen unit's subtree."""
    unit: Unit
    picker: UnitPicker
    recent: tuple
    can_plan: bool = True


def member_counts_page(unit: Unit, picker: UnitPicker) -> EntriesPage:
    recent = (MemberCensus.objects.filter(targets_of.in_subtree(unit)).select_related("unit", "entered_by")
              .order_by("-as_of", "-entered_at")[:RECENT])
    return EntriesPage(unit=unit, picker=picker, recent=tuple(recent))


def estimates_page(unit: Unit, picker: UnitPicker) -> EntriesPage:
    recent = (Estimate.objects.filter(targets_of.in_subtree(unit)).select_related("unit", "entered_by")
              .order_by("-year", "-entered_at")[:RECENT])
    return EntriesPage(unit=unit, picker=picker, recent=tuple(recent))


def movements_page(unit: Unit, picker: UnitPicker) -> EntriesPage:
    recent = (MemberMovement.objects.filter(targets_of.in_subtree(unit)).select_related("unit", "entered_by")
              .order_by("-on", "-entered_at")[:RECENT])
    return EntriesPage(unit=unit, picker=picker, recent=tuple(recent))


def programme_get(pk: int) -> Programme:
    """A programme with its unit (none: 404)."""
    programme = Programme.objects.select_related("unit").filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def milestones_of(programme: Programme) -> list:
    return list(programme.milestones.order_by("on"))
