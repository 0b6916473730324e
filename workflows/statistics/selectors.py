"""The pages' contexts over the figures of ``engine`` (re-exported here for
their readers): the overview, the targets screen, member movements."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from workflows.campaigns import flows
from workflows.campaigns.flows import Stage
from workflows.organisation.models import Unit

from . import permissions, targets as targets_of
from .engine import (  # noqa: F401 (re-exported)
    NO_FILTERS,
    STAGES,
    BranchFigures,
    Dashboard,
    Filters,
    dashboard_as_of,
    dashboard_for,
    figures_for,
    percent_cut,
    percentile,
)
from .models import MemberMovement, Metric, Programme, ProgrammeBasis, Target, TargetSource
from .periods import Period


# =====================================================================================
# Page contexts (read by the views)
# =====================================================================================
@dataclass(frozen=True)
class TargetChoice:
    """Which targets a page shows or saves."""
    year: int
    horizon: str
    metric: str
    min_workforce: int  # the workforce floor of a coverage target


def units_allocated_to(unit: Unit) -> list[Unit]:
    """The child units a unit splits its targets over (grassroots unions left out)."""
    return list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1, is_active=True,
                                    kind__is_grassroots=False).order_by("path"))


@dataclass(frozen=True)
class TargetsPage:
    """The target a unit received and its split over the child units, with
    the sum against the received target."""
    unit: Unit
    units: tuple[Unit, ...]  # the units the user may plan, for the unit picker
    year: int
    horizon: str
    metric: str
    metric_label: str
    received: int | None
    allocated: tuple[tuple[Unit, int | None], ...]
    allocated_total: int
    over: bool  # more is allocated than was received
    difference: int  # allocated − received


def targets_page(user, unit: Unit, units, children: list[Unit], choice: TargetChoice) -> TargetsPage:
    existing = {(t.unit_id, t.source): t.value for t in Target.objects.filter(
        unit__in=[unit, *children], year=choice.year, horizon=choice.horizon, metric=choice.metric)}
    received = existing.get((unit.pk, TargetSource.RECEIVED))
    allocated = tuple((child, existing.get((child.pk, TargetSource.ALLOCATED))) for child in children)
    total = sum(value or 0 for _child, value in allocated)
    return TargetsPage(
        unit=unit, units=tuple(u for u in units if permissions.can_plan(user, u)),
        year=choice.year, horizon=choice.horizon, metric=choice.metric, metric_label=str(Metric(choice.metric).label),
        received=received, allocated=allocated, allocated_total=total,
        over=received is not None and total > received, difference=total - (received or 0))


def movements_recent(unit: Unit) -> QuerySet[MemberMovement]:
    """The movements entered last in the unit's subtree."""
    return (MemberMovement.objects.filter(unit__path__startswith=unit.path).select_related("unit", "entered_by")
            .order_by("-month", "-entered_at")[:50])


#: The periods a dashboard or a report covers, by the name the query gives them.
SPANS = ("year", "h1", "h2")


def period_of(span: str, year: int) -> Period:
    return Period.half(year, 1) if span == "h1" else Period.half(year, 2) if span == "h2" else Period.year(year)


def dashboard(unit: Unit, span: str, year: int, *, as_of: dt.date | None, today: dt.date) -> Dashboard:
    """The figures now, or as they stood at the end of the past day ``as_of``."""
    period = period_of(span, year)
    return dashboard_as_of(unit, period, day=as_of) if as_of else dashboard_for(unit, period, today=today)


@dataclass(frozen=True)
class TargetRow:
    """A row of the overview's targets table: the year's targets (received
    for the total, allocated for a child) against what was achieved."""
    figures: BranchFigures
    is_total: bool
    members: int | None
    members_done: int
    members_pct: Decimal | None
    unions: int | None
    unions_done: int
    unions_pct: Decimal | None
    coverage: int | None
    coverage_floor: int
    coverage_done: Decimal
    bar: int  # the share of the members' target achieved, for the bar (at most 100)


def year_plan(unit: Unit, period: Period) -> Programme | None:
    """The year's plan the overview compares with: the nearest unit's
    programme of that kind that covers the period's end."""
    plans = [p for p in targets_of.programmes_for(unit, start=period.end, end=period.end)
             if p.basis_kind == ProgrammeBasis.YEAR_PLAN]
    return max(plans, key=lambda p: (len(p.unit.path), p.start), default=None)


def target_rows(board: Dashboard, programme: Programme | None = None) -> list[TargetRow]:
    programme = programme or year_plan(board.unit, board.period)
    if programme is not None:
        targets_of.attach(board, [programme])
    return [_target_row(figures, figures is board.total, programme) for figures in [*board.rows, board.total]]


def _target_row(figures: BranchFigures, is_total: bool, programme: Programme | None) -> TargetRow:
    def received(metric: str):
        if programme is None:
            return None, NO_FILTERS
        for key, value in figures.targets.items():
            if key.programme_id == programme.pk and key.metric == metric and key.due_on == programme.end:
                return (value.received.low if value.received else None), key.filters
        return None, NO_FILTERS

    members, _f = received(Metric.NEW_MEMBERS)
    unions, _f = received(Metric.NEW_UNIONS)
    coverage, coverage_filters = received(Metric.COVERAGE)
    floor = coverage_filters.min_workforce or 25
    with_union, everyone = figures.coverage.get(floor, (0, 0))
    members_pct = percent_cut(figures.new_members, members) if members else None
    return TargetRow(
        figures=figures, is_total=is_total,
        members=members, members_done=figures.new_members, members_pct=members_pct,
        unions=unions, unions_done=figures.unions_founded,
        unions_pct=percent_cut(figures.unions_founded, unions) if unions else None,
        coverage=coverage, coverage_floor=floor,
        coverage_done=percent_cut(with_union, everyone),
        bar=min(100, int(members_pct)) if members_pct is not None else 0)


def bars(items) -> list[tuple[str, str, int, int]]:
    """(stage, label, count) → with each count's width in percent of the largest."""
    largest = max([n for _s, _l, n in items] + [1])
    return [(stage, label, n, round(100 * n / largest)) for stage, label, n in items]


@dataclass(frozen=True)
class OverviewPage:
    """The dashboard of a unit's subtree for a period."""
    board: Dashboard
    unit: Unit
    units: tuple[Unit, ...]
    parent: Unit | None  # the unit above, when the user oversees it too
    span: str
    year: int
    years: range
    as_of: dt.date | None
    stage_labels: tuple[tuple[str, str], ...]
    pipeline_bars: tuple
    funnel_bars: tuple
    funnel: tuple
    durations: tuple[tuple[str, float | None, float | None], ...]  # stage label, median and 90th percentile days
    targets: tuple[TargetRow, ...]
    can_plan: bool


def overview_page(user, unit: Unit, units, *, span: str, year: int, as_of: dt.date | None,
                  today: dt.date) -> OverviewPage:
    board = dashboard(unit, span, year, as_of=as_of, today=today)
    return OverviewPage(
        board=board, unit=unit, units=tuple(units),
        parent=next((u for u in units if unit.path.startswith(u.path) and u.depth == unit.depth - 1), None),
        span=span, year=year, years=range(today.year - 4, today.year + 1), as_of=as_of,
        stage_labels=tuple((s, Stage(s).label) for s in STAGES),
        pipeline_bars=tuple(bars([(s, Stage(s).label, board.total.stages.get(s, 0)) for s in STAGES])),
        funnel_bars=tuple(bars([(s, label, n) for s, label, n, _pct in board.funnel])), funnel=tuple(board.funnel),
        durations=tuple((Stage(s).label, board.median_days(s), board.p90_days(s)) for s in flows.WORKING_STAGES),
        targets=tuple(target_rows(board)), can_plan=permissions.can_plan(user, unit))
