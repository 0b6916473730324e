"""The pages' contexts over the figures of ``engine`` (re-exported here for
their readers): the overview, the targets screen, member movements."""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils.formats import get_format, localize
from django.utils.translation import gettext as _

from workflows.campaigns import flows, rollups
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import MonthFigures, SubtreeMonthFigures
from workflows.core import replica
from workflows.organisation.models import Unit, upper_level
from workflows.organisation.selectors import PickerOption, UnitPicker

from . import indicators, permissions, targets as targets_of
from .engine import (  # noqa: F401 (re-exported)
    NO_FILTERS,
    STAGES,
    BranchFigures,
    Dashboard,
    Filters,
    campaigns_under,
    dashboard_as_of,
    dashboard_for,
    figures_for,
    percent_cut,
    percentile,
)
from .models import MemberMovement, Metric, Programme, ProgrammeBasis
from .periods import Period


# =====================================================================================
# Page contexts (read by the views)
# =====================================================================================
def units_allocated_to(unit: Unit) -> list[Unit]:
    """The child units a unit splits its targets over (grassroots unions left out)."""
    return list(Unit.objects.filter(upper_level(), path__startswith=unit.path, depth=unit.depth + 1, is_active=True)
                .order_by("path"))


def movements_recent(unit: Unit) -> QuerySet[MemberMovement]:
    """The movements entered last in the unit's subtree."""
    return (MemberMovement.objects.filter(unit__path__startswith=unit.path).select_related("unit", "entered_by")
            .order_by("-month", "-entered_at")[:50])


#: The periods a dashboard or a report covers, by the name the query gives them
#: (``month`` with ``month=5``; ``first_months`` with ``months=5``).
SPANS = ("year", "h1", "h2", "month", "first_months")


def period_of(span: str, year: int, *, month: int | None = None, months: int | None = None) -> Period:
    if span == "h1":
        return Period.half(year, 1)
    if span == "h2":
        return Period.half(year, 2)
    if span == "month":
        return Period.month(year, max(1, min(12, month or 1)))
    if span == "first_months":
        return Period.first_months(year, months or 1)
    return Period.year(year)


def dashboard(unit: Unit, span: str, year: int, *, as_of: dt.date | None, today: dt.date,
              month: int | None = None, months: int | None = None) -> Dashboard:
    """The figures now (the stocks perhaps from a refresh a few minutes old:
    ``Dashboard.stocks_taken_at``), or as they stood at the end of the past
    day ``as_of``."""
    period = period_of(span, year, month=month, months=months)
    return (dashboard_as_of(unit, period, day=as_of) if as_of
            else figures_for(unit, period, today=today, stocks_lag=True))


@dataclass(frozen=True)
class TargetRow:
    """A row of the year's plan against what was achieved (the chart of
    results per child unit reads it): each target is for an indicator and
    its achievement is that indicator against it (``indicators.achievement``)."""
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


def year_plan(unit: Unit, period: Period, programmes: list[Programme] | None = None) -> Programme | None:
    """The year's plan the overview compares with: the nearest unit's
    programme of that kind that covers the period's end (among
    ``programmes``, those of ``unit`` overlapping the period, when the
    caller has them: no query)."""
    if programmes is None:
        programmes = list(targets_of.programmes_for(unit, start=period.end, end=period.end))
    plans = [p for p in programmes if p.basis_kind == ProgrammeBasis.YEAR_PLAN and p.start <= period.end <= p.end]
    return max(plans, key=lambda p: (len(p.unit.path), p.start), default=None)


def _received(figures: BranchFigures, programme: Programme | None, metric: str):
    """The target the row received for ``metric`` in ``programme`` (due at its end), and its key."""
    if programme is None:
        return None, None
    for key, value in figures.targets.items():
        if key.programme_id == programme.pk and key.metric == metric and key.due_on == programme.end:
            return value.received, key
    return None, None


def _floor(key) -> int:
    return (key.filters.min_workforce if key else 0) or 25


#: ``target_rows``' default: the year's plan found for the board.
_ITS_PLAN = object()


def target_rows(board: Dashboard, programme: Programme | None | object = _ITS_PLAN, *,
                measured: Dashboard | None = None) -> list[TargetRow]:
    """The year's plan per row (``programme``: that plan, or None when the
    caller found none; by default it is looked for); the figures are
    ``measured``'s (the plan's days, ``_days_of``) when given, else the board's."""
    if programme is _ITS_PLAN:
        programme = year_plan(board.unit, board.period)
    if programme is not None and not any(k.programme_id == programme.pk for r in [*board.rows, board.total]
                                         for k in r.targets):
        targets_of.attach(board, [programme])
    figures_of = {_row_key(r): r for r in [*measured.rows, measured.total]} if measured else {}
    return [_target_row(dataclasses.replace(figures_of.get(_row_key(row), row), targets=row.targets),
                        row is board.total, programme) if measured else _target_row(row, row is board.total, programme)
            for row in [*board.rows, board.total]]


def _target_row(figures: BranchFigures, is_total: bool, programme: Programme | None) -> TargetRow:
    members, _key = _received(figures, programme, Metric.NEW_MEMBERS)
    unions, _key = _received(figures, programme, Metric.NEW_UNIONS)
    coverage, coverage_key = _received(figures, programme, Metric.COVERAGE)
    floor = _floor(coverage_key)
    members_pct = indicators.achievement(Metric.NEW_MEMBERS, figures, members)
    return TargetRow(
        figures=figures, is_total=is_total,
        members=members.low if members else None, members_done=figures.new_members, members_pct=members_pct,
        unions=unions.low if unions else None, unions_done=figures.unions_founded,
        unions_pct=indicators.achievement(Metric.NEW_UNIONS, figures, unions),
        coverage=coverage.low if coverage else None, coverage_floor=floor,
        coverage_done=indicators.value(Metric.COVERAGE, figures, workforce_floor=floor),
        bar=min(100, int(members_pct)) if members_pct is not None else 0)


# --- the programmes' targets: one group of columns per programme ---------------------------------
@dataclass(frozen=True)
class TargetColumn:
    """A target of a programme: an indicator, due on a day, over some enterprises."""
    metric: str
    label: str
    due_on: dt.date
    filters_label: str
    percent: bool  # the indicator is a percentage (coverage)


@dataclass(frozen=True)
class TargetCell:
    value: int | Decimal  # the indicator's value for the row
    received: indicators.TargetValue | None
    received_pct: Decimal | None  # None: an empty cell (no target)
    allocation: indicators.TargetValue | None  # the row's own split over its child units
    allocation_pct: Decimal | None
    percent: bool = False  # the indicator is a percentage


@dataclass(frozen=True)
class ProgrammeRow:
    figures: BranchFigures
    is_total: bool
    cells: tuple[TargetCell, ...]


@dataclass(frozen=True)
class ProgrammeGroup:
    """A programme overlapping the period, its targets against what was
    achieved from its start to the period's end."""
    programme: Programme
    period: Period
    columns: tuple[TargetColumn, ...]
    rows: tuple[ProgrammeRow, ...]


def _indicator_filters(key) -> Filters:
    """The enterprises a target's indicator counts (a coverage's floor is its threshold, not a filter)."""
    if key.metric == Metric.COVERAGE:
        return dataclasses.replace(key.filters, min_workforce=0)
    return key.filters


def _days_of(programme: Programme, board: Dashboard) -> Period:
    """The days a programme's targets are measured over on a board: from its
    start to the period's end (a term's target against the term to date),
    counting what was entered by the board's past day if it has one."""
    end = min(programme.end, board.period.end)
    return Period(programme.start, max(programme.start, end), board.as_of, _("from %(start)s to %(end)s") % {
        "start": programme.start.strftime("%d/%m/%Y"), "end": end.strftime("%d/%m/%Y")})


class _Boards:
    """The figures of a unit read once per distinct (days, filters)."""

    def __init__(self, board: Dashboard, today: dt.date) -> None:
        self.board, self.today = board, today
        self.found: dict[tuple, Dashboard] = {(board.period.start, board.period.end, NO_FILTERS): board}

    def get(self, days: Period, filters: Filters) -> Dashboard:
        key = (days.start, days.end, filters)
        if key not in self.found:
            self.found[key] = figures_for(self.board.unit, days, today=self.today, filters=filters)
        return self.found[key]


def programme_groups(board: Dashboard, *, today: dt.date, boards: _Boards | None = None,
                     programmes: list[Programme] | None = None) -> list[ProgrammeGroup]:
    """Every programme overlapping the board's period that has targets for
    its unit or child units (the year's plan and a congress term side by
    side), each measured from its start to the period's end. The targets
    are attached once (``targets.attach``) and the figures read once per
    distinct (days, filters)."""
    period = board.period
    if programmes is None:
        programmes = list(targets_of.programmes_for(board.unit, start=period.start, end=period.end))
    if not programmes:
        return []
    targets_of.attach(board, programmes)
    boards = boards or _Boards(board, today)
    groups = []
    for programme in programmes:
        keys = targets_of.keys_of(board, programme)
        if not keys:
            continue
        days = _days_of(programme, board)
        rows_of = {key: {_row_key(r): r for r in [*found.rows, found.total]}
                   for key in keys for found in [boards.get(days, _indicator_filters(key))]}
        rows = []
        for row in [*board.rows, board.total]:
            cells = []
            for key in keys:
                figures = rows_of[key].get(_row_key(row)) or BranchFigures(row.unit, own=row.own)
                found = row.targets.get(key) or targets_of.UnitTargets()
                floor = _floor(key)
                cells.append(TargetCell(
                    value=indicators.value(key.metric, figures, workforce_floor=floor),
                    received=found.received,
                    received_pct=indicators.achievement(key.metric, figures, found.received, workforce_floor=floor),
                    allocation=found.allocation,
                    allocation_pct=indicators.achievement(key.metric, figures, found.allocation,
                                                          workforce_floor=floor),
                    percent=indicators.get(key.metric).percent))
            rows.append(ProgrammeRow(row, row is board.total, tuple(cells)))
        columns = tuple(TargetColumn(key.metric, str(indicators.get(key.metric).label), key.due_on,
                                     key.filters.label, indicators.get(key.metric).percent) for key in keys)
        groups.append(ProgrammeGroup(programme, days, columns, tuple(rows)))
    return groups


def _row_key(row: BranchFigures) -> tuple[bool, int]:
    return (row.own, row.unit.pk)


# --- charts (inline SVG: the template draws what is computed here) ----------------------------------
@dataclass(frozen=True)
class ResultBar:
    """A child unit's new members against its target, in the chart's coordinates (0–100)."""
    label: str
    value: int
    target: int | None
    pct: Decimal | None
    y: int
    width: Decimal  # the value's bar, in the chart's units (0–CHART_BAR)
    target_x: Decimal | None  # where the target's mark stands


@dataclass(frozen=True)
class ResultsChart:
    bars: tuple[ResultBar, ...]
    height: int
    description: str


CHART_ROW, CHART_BAR = 28, 220  # a bar's row height and full length in the results chart's units


def results_chart(rows: list[TargetRow]) -> ResultsChart:
    """(a) New members against the row's target, per child unit (a bar's
    length and the target's mark on one scale: the largest of them)."""
    children = [r for r in rows if not r.is_total]
    largest = max([r.members_done for r in children] + [r.members or 0 for r in children] + [1])

    def x(n: int) -> Decimal:
        return (Decimal(n) * CHART_BAR / largest).quantize(Decimal("0.1"))

    bars = tuple(ResultBar(r.figures.unit.name, r.members_done, r.members, r.members_pct, i * CHART_ROW,
                           x(r.members_done), x(r.members) if r.members is not None else None)
                 for i, r in enumerate(children))
    description = "; ".join(
        f"{b.label}: {localize(b.value)}" + (f" / {localize(b.target)} ({localize(b.pct)}%)" if b.target is not None
                                             else "") for b in bars)
    return ResultsChart(bars, max(1, len(bars)) * CHART_ROW + 4, description)


def new_members_by_month(unit: Unit, year: int) -> dict[int, int]:
    """New members (admitted at recognitions and recruited) of the subtree per month of ``year`` (one query:
    the unit's twelve rows of the rollup where it is read, else the month figures of the whole subtree)."""
    months = {"month__range": (dt.date(year, 1, 1), dt.date(year, 12, 1))}
    rows = (SubtreeMonthFigures.objects.filter(unit=unit, whole_year=False, **months) if rollups.read()
            else MonthFigures.objects.filter(unit__path__startswith=unit.path, **months))
    found = (rows.values("month").annotate(admitted=Sum("members_admitted"), recruited=Sum("members_recruited"))
             .order_by())
    return {row["month"].month: (row["admitted"] or 0) + (row["recruited"] or 0) for row in found}


@dataclass(frozen=True)
class TrendPoint:
    month: int
    new_members: int | None  # None: a month still to come
    cumulative: int | None
    path: int | None  # the year's target spread evenly, cumulated
    x: Decimal
    y_actual: Decimal | None
    y_path: Decimal | None


@dataclass(frozen=True)
class TrendChart:
    """(b) The cumulative new members of the year against the year's path."""
    points: tuple[TrendPoint, ...]
    target: int | None
    top: int  # the value at the chart's top
    actual_line: str  # SVG polyline points
    path_line: str
    description: str


TREND_WIDTH, TREND_HEIGHT, TREND_LEFT, TREND_BOTTOM = 320, 160, 36, 20


def trend_chart(unit: Unit, year: int, target: int | None, *, today: dt.date) -> TrendChart:
    by_month = new_members_by_month(unit, year)
    last = 12 if year < today.year else today.month if year == today.year else 0
    cumulative, running = {}, 0
    for month in range(1, last + 1):
        running += by_month.get(month, 0)
        cumulative[month] = running
    paths = {m: (target * m) // 12 for m in range(1, 13)} if target else {}
    top = max([running, target or 0, 1])
    plot_w, plot_h = TREND_WIDTH - TREND_LEFT - 8, TREND_HEIGHT - TREND_BOTTOM - 16  # 8 above, 8 below the axis

    def x(month: int) -> Decimal:
        return (Decimal(TREND_LEFT) + Decimal(plot_w) * (month - 1) / 11).quantize(Decimal("0.1"))

    def y(n: int) -> Decimal:
        return (Decimal(8) + Decimal(plot_h) * (top - n) / top).quantize(Decimal("0.1"))

    points = tuple(TrendPoint(m, by_month.get(m, 0) if m <= last else None, cumulative.get(m),
                              paths.get(m), x(m), y(cumulative[m]) if m in cumulative else None,
                              y(paths[m]) if m in paths else None) for m in range(1, 13))
    description = _("New members, cumulated by month: %(actual)s; the year's target: %(target)s") % {
        "actual": ", ".join(f"{p.month:02d}: {localize(p.cumulative)}" for p in points if p.cumulative is not None)
        or "—", "target": localize(target) if target is not None else "—"}
    return TrendChart(points, target, top,
                      " ".join(f"{p.x},{p.y_actual}" for p in points if p.y_actual is not None),
                      " ".join(f"{p.x},{p.y_path}" for p in points if p.y_path is not None), description)


def bars(items) -> list[tuple[str, str, int, int]]:
    """(stage, label, count) → with each count's width in percent of the largest."""
    largest = max([n for _s, _l, n in items] + [1])
    return [(stage, label, n, round(100 * n / largest)) for stage, label, n in items]


def grouped(n: int) -> str:
    """``n`` with the active language's thousands separator ("6.500"), as ``{{ n }}`` shows it: a table of
    a few hundred figures formatted by the template cost a dashboard more than counting them."""
    return f"{n:,}".replace(",", get_format("THOUSAND_SEPARATOR"))


@dataclass(frozen=True)
class UnitRow:
    """A row of the dashboard's table by unit: the unit's figures, and its cells as shown — campaigns per
    stage (``STAGES``' order), stalled, overdue tasks."""
    figures: BranchFigures
    cells: tuple[str, ...]

    @property
    def by_stage(self) -> tuple[tuple[str, str], ...]:
        """(stage, cell) of the campaigns per stage."""
        return tuple(zip(STAGES, self.cells, strict=False))

    @property
    def after_stages(self) -> tuple[str, ...]:
        """The stalled and overdue tasks' cells."""
        return self.cells[len(STAGES):]


def unit_rows(board: Dashboard) -> tuple[tuple[UnitRow, ...], UnitRow]:
    """The table by unit of ``board``: a row per branch, and the total's."""
    def row(f: BranchFigures) -> UnitRow:
        return UnitRow(f, tuple(grouped(n) for n in (*(f.stages.get(s, 0) for s in STAGES), f.stalled,
                                                        f.overdue_tasks)))
    return tuple(row(f) for f in board.rows), row(board.total)


@dataclass(frozen=True)
class OverviewPage:
    """The dashboard of a unit's subtree for a period."""
    board: Dashboard
    unit: Unit
    picker: UnitPicker
    parent: PickerOption | None  # the unit above, when the user oversees it too
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
    month: int = 1
    months: int = 12
    programmes: tuple[ProgrammeGroup, ...] = ()
    results: ResultsChart | None = None
    trend: TrendChart | None = None
    period_query: str = ""  # the period's part of the query, for the links to other units
    #: Seconds the read replica the figures come from is behind, past REPLICA_LAG_WARNING_SECONDS (else None).
    replica_lag: int | None = None
    #: A past day asked for (``as_of``) whose figures would count from the history of more campaigns
    #: than a page may (``REPORT_ON_SCREEN_MAX_CAMPAIGNS``): the day and the campaigns; the page shows
    #: the figures now and offers that day's report as a file
    as_of_too_long: tuple[dt.date, int] | None = None
    by_unit: tuple[UnitRow, ...] = ()  # the table by unit (``unit_rows``)
    by_unit_total: UnitRow | None = None

    @property
    def month_choices(self) -> range:
        return range(1, 13)


def overview_months(today: dt.date, month: int | None, months: int | None) -> tuple[int, int]:
    """The month of ``span=month`` and the number of months of ``span=first_months``: this month's when none."""
    return max(1, min(12, month or today.month)), max(1, min(12, months or today.month))


def overview_years(today: dt.date) -> range:
    return range(today.year - 4, today.year + 1)


def period_query(span: str, year: int, month: int, months: int) -> str:
    """The period's part of a dashboard's query, kept by its links to other units."""
    return f"year={year}&span={span}" + (f"&month={month}" if span == "month" else "") + (
        f"&months={months}" if span == "first_months" else "")


def parent_in(picker: UnitPicker | None, unit: Unit) -> PickerOption | None:
    """The unit above ``unit`` on the picker's way up: when the user oversees it too."""
    return next((u for u in picker.trail if u.unit.depth == unit.depth - 1), None) if picker else None


def as_of_too_long(unit: Unit) -> int | None:
    """The campaigns of ``unit``'s subtree when there are more than a page
    may count from the history (``REPORT_ON_SCREEN_MAX_CAMPAIGNS``: a
    country's past day takes half a minute, past any request); else None."""
    campaigns = campaigns_under(unit)
    return campaigns if campaigns > settings.REPORT_ON_SCREEN_MAX_CAMPAIGNS else None


#: ``overview_page``'s default: the page weighs the past day's subtree itself.
_NOT_WEIGHED = object()


def overview_page(user, unit: Unit, picker: UnitPicker | None, *, span: str, year: int, as_of: dt.date | None,
                  today: dt.date, month: int | None = None, months: int | None = None,
                  can_plan: bool | None = None, from_history: bool = False,
                  too_long_for: int | None | object = _NOT_WEIGHED) -> OverviewPage:
    """The dashboard of ``unit`` (``picker``: the user's, for the link to the
    unit above; ``can_plan``: whether ``user`` may plan it, when the caller
    knows). A past day of a subtree too big for a page shows the figures of
    now, unless ``from_history`` asks for them anyway (a job: ``kept_figures``);
    ``too_long_for``: ``as_of_too_long(unit)``, when the caller has weighed it."""
    month, months = overview_months(today, month, months)
    too_long = None
    if as_of and not from_history:
        campaigns = as_of_too_long(unit) if too_long_for is _NOT_WEIGHED else too_long_for
        if campaigns is not None:
            too_long, as_of = (as_of, campaigns), None
    board = dashboard(unit, span, year, as_of=as_of, today=today, month=month, months=months)
    # the programmes overlapping the period, read once: the year's plan is one of them
    programmes = list(targets_of.programmes_for(unit, start=board.period.start, end=board.period.end))
    plan = year_plan(unit, board.period, programmes)
    boards = _Boards(board, today)
    groups = programme_groups(board, today=today, boards=boards, programmes=programmes)
    rows = target_rows(board, plan, measured=boards.get(_days_of(plan, board), NO_FILTERS) if plan else None)
    members_target, _key = _received(board.total, plan, Metric.NEW_MEMBERS)
    query = period_query(span, year, month, months)
    by_unit, by_unit_total = unit_rows(board)
    return OverviewPage(
        board=board, unit=unit, picker=picker,
        parent=parent_in(picker, unit), span=span, year=year, years=overview_years(today), as_of=as_of,
        stage_labels=tuple((s, Stage(s).label) for s in STAGES),
        pipeline_bars=tuple(bars([(s, Stage(s).label, board.total.stages.get(s, 0)) for s in STAGES])),
        funnel_bars=tuple(bars([(s, label, n) for s, label, n, _pct in board.funnel])), funnel=tuple(board.funnel),
        durations=tuple((Stage(s).label, board.median_days(s), board.p90_days(s)) for s in flows.WORKING_STAGES),
        targets=tuple(rows), can_plan=permissions.can_plan(user, unit) if can_plan is None else can_plan,
        month=month, months=months,
        programmes=tuple(groups), results=results_chart(rows),
        # the months to the past day; their figures are today's (the summary tables keep no entry dates)
        trend=trend_chart(unit, year, members_target.low if members_target else None,
                          today=min(today, as_of) if as_of else today),
        period_query=query, replica_lag=replica.lag_to_show(), as_of_too_long=too_long, by_unit=by_unit,
        by_unit_total=by_unit_total)
