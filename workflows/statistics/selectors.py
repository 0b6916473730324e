"""The figures managers steer by, for a unit's subtree and a period.

``dashboard_for`` reads the summary tables (one grouped query per table,
whatever the number of campaigns). ``dashboard_as_of`` computes the same
figures as they stood at the end of a past day, from the event history and
the base tables: reports are due on fixed dates.

A subtree's figures are split by the unit's children ("branches"): a row's
branch is the first ``len(unit.path) + steplen`` characters of its unit's
path; rows of the unit itself have the unit's own path.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from workflows.campaigns import figures, flows
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import (
    Campaign,
    CampaignEvent,
    EventKind,
    MonthFigures,
    StageCohort,
    StageDuration,
    StageEntries,
    Task,
    TaskDueCount,
)
from workflows.campaigns.selectors import stalled_cutoffs_by_unit
from workflows.enterprises.models import WORKFORCE_FLOORS, EnterpriseBand
from workflows.organisation.models import Unit

from . import permissions
from .models import MemberMovement, Metric, MovementKind, Target, TargetHorizon, TargetSource

#: The stages a pipeline shows, in order.
STAGES = flows.PIPELINE + (Stage.ON_HOLD, Stage.ABANDONED)


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day of the first month
    end: dt.date  # last day

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 6, 30)) if half == 1 else cls(dt.date(year, 7, 1),
                                                                                      dt.date(year, 12, 31))

    @property
    def months(self) -> tuple[dt.date, dt.date]:
        return self.start.replace(day=1), self.end.replace(day=1)


def percent_cut(part: int, whole: int) -> Decimal:
    """``part`` of ``whole`` in percent, cut (not rounded) to two decimals,
    and 0 when the part is negative — as the official reports print it."""
    if not whole or part <= 0:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def percentile(histogram: dict[int, int], fraction: float) -> float | None:
    """The ``fraction`` percentile (0.5: median) of values given as value →
    count, by the nearest-rank method."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, -(-int(fraction * total * 1000) // 1000))  # ceil(fraction * total)
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    return None


@dataclass
class BranchFigures:
    """One row of a dashboard or report: a child unit (or the unit itself)."""

    unit: Unit
    own: bool = False  # the unit's own campaigns, not a child's
    stages: dict[str, int] = field(default_factory=dict)
    stalled: int = 0
    overdue_tasks: int = 0
    entered: dict[str, int] = field(default_factory=dict)
    abandoned: int = 0
    members_admitted: int = 0
    members_recruited: int = 0
    members_lost: int = 0
    enterprises: int = 0
    workforce: int = 0
    workforce_social_insurance: int = 0
    coverage: dict[int, tuple[int, int]] = field(default_factory=dict)  # floor → (with union, all)
    targets: dict[tuple, int] = field(default_factory=dict)  # (horizon, metric, source) → value

    @property
    def unions_founded(self) -> int:
        return self.entered.get(Stage.RECOGNISED, 0)

    @property
    def new_members(self) -> int:
        return self.members_admitted + self.members_recruited

    @property
    def net_members(self) -> int:
        return self.new_members - self.members_lost

    @property
    def campaigns(self) -> int:
        return sum(self.stages.values())


@dataclass
class Dashboard:
    unit: Unit
    period: Period
    as_of: dt.date | None
    rows: list[BranchFigures]
    total: BranchFigures
    durations: dict[str, dict[int, int]]  # stage → working days → stints

    def median_days(self, stage: str):
        return percentile(self.durations.get(stage, {}), 0.5)

    def p90_days(self, stage: str):
        return percentile(self.durations.get(stage, {}), 0.9)

    @property
    def funnel(self) -> list[tuple[str, str, int, Decimal | None]]:
        """(stage, label, campaigns that entered it in the period, % of the previous stage)."""
        steps, previous = [], None
        for stage in flows.PIPELINE:
            n = self.total.entered.get(stage, 0)
            steps.append((stage, str(Stage(stage).label), n, percent_cut(n, previous) if previous else None))
            previous = n
        return steps


# --- shared ---------------------------------------------------------------------------
def _branches(unit: Unit) -> tuple[dict[str, BranchFigures], int]:
    children = list(Unit.objects.filter(path__startswith=unit.path, depth=unit.depth + 1, is_active=True,
                                        kind__is_grassroots=False).order_by("path"))
    rows = {child.path: BranchFigures(child) for child in children}
    return rows, len(unit.path) + Unit.steplen


def _row(rows: dict[str, BranchFigures], unit: Unit, branch: str) -> BranchFigures:
    if branch not in rows:
        # The unit's own figures, or those of a child shown apart (a grassroots union
        # directly under it, or an inactive child).
        child = Unit.objects.filter(path=branch).first() if branch != unit.path else None
        rows[branch] = BranchFigures(child or unit, own=child is None)
    return rows[branch]


def _enterprise_figures(rows: dict[str, BranchFigures], unit: Unit, length: int) -> None:
    """Enterprises, workforce and coverage per branch (one query)."""
    for row in (EnterpriseBand.objects.filter(unit__path__startswith=unit.path)
                .annotate(branch=_branch("unit__path", length)).values("branch", "band", "has_union")
                .annotate(n=Sum("enterprises"), w=Sum("workforce"), si=Sum("workforce_social_insurance"))
                .order_by()):
        target = _row(rows, unit, row["branch"])
        target.enterprises += row["n"] or 0
        target.workforce += row["w"] or 0
        target.workforce_social_insurance += row["si"] or 0
        _coverage(target, row["band"], row["has_union"], row["n"] or 0)


def _branch(field_path: str, length: int):
    return Substr(field_path, 1, length)


def _coverage(row: BranchFigures, band: int, has_union: bool, enterprises: int) -> None:
    for floor in WORKFORCE_FLOORS:
        if band >= floor:
            with_union, everyone = row.coverage.get(floor, (0, 0))
            row.coverage[floor] = (with_union + (enterprises if has_union else 0), everyone + enterprises)


def _targets(rows: dict[str, BranchFigures], unit: Unit, length: int, year: int) -> dict:
    """Targets of the year (and of the term that contains it) of the unit and its children."""
    own = {}
    targets = Target.objects.filter(Q(unit=unit) | Q(unit__path__startswith=unit.path, unit__depth=unit.depth + 1),
                                    Q(horizon=TargetHorizon.YEAR, year=year) |
                                    Q(horizon=TargetHorizon.TERM, year__lte=year, year__gt=year - 5))
    for target in targets.select_related("unit"):
        key = (target.horizon, target.metric, target.source)
        if target.unit_id == unit.pk:
            own[key] = target.value
            own[("min_workforce", target.metric)] = target.min_workforce
        elif target.unit.path in rows:
            rows[target.unit.path].targets[key] = target.value
            rows[target.unit.path].targets[("min_workforce", target.metric)] = target.min_workforce
    return own


def _total(unit: Unit, rows: list[BranchFigures], own_targets: dict) -> BranchFigures:
    total = BranchFigures(unit)
    for row in rows:
        for stage, n in row.stages.items():
            total.stages[stage] = total.stages.get(stage, 0) + n
        for stage, n in row.entered.items():
            total.entered[stage] = total.entered.get(stage, 0) + n
        for floor, (a, b) in row.coverage.items():
            x, y = total.coverage.get(floor, (0, 0))
            total.coverage[floor] = (x + a, y + b)
        for name in ("stalled", "overdue_tasks", "abandoned", "members_admitted", "members_recruited",
                     "members_lost", "enterprises", "workforce", "workforce_social_insurance"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    total.targets = own_targets
    return total


def _finish(unit, period, as_of, rows: dict[str, BranchFigures], durations, length) -> Dashboard:
    own_targets = _targets(rows, unit, length, period.start.year)
    ordered = sorted(rows.values(), key=lambda r: (not r.own, r.unit.path))
    return Dashboard(unit, period, as_of, ordered, _total(unit, ordered, own_targets), durations)


# --- now, from the summary tables ---------------------------------------------------------
def dashboard_for(unit: Unit, period: Period, *, today: dt.date) -> Dashboard:
    """The figures of ``unit``'s subtree now (pipeline, stalled, overdue) and
    over ``period`` (funnel, durations, members), from the summary tables."""
    rows, length = _branches(unit)
    subtree = {"unit__path__startswith": unit.path}
    branch = _branch("unit__path", length)
    # each unit's time limits and calendar (its zone's: the nearest unit keeping its own reference data)
    stalled_filter = stalled_cutoffs_by_unit(today=today).q(entered="entered_on", unit_path="unit__path", dates=True)
    for row in (StageCohort.objects.filter(**subtree).exclude(campaigns=0).annotate(branch=branch)
                .values("branch", "stage")
                .annotate(n=Sum("campaigns"), late=Sum("campaigns", filter=stalled_filter)).order_by()):
        target = _row(rows, unit, row["branch"])
        target.stages[row["stage"]] = target.stages.get(row["stage"], 0) + row["n"]
        target.stalled += row["late"] or 0
    for row in (TaskDueCount.objects.filter(**subtree, due_on__lt=today).annotate(branch=branch)
                .values("branch").annotate(n=Sum("open_tasks")).order_by()):
        _row(rows, unit, row["branch"]).overdue_tasks += row["n"] or 0
    first, last = period.months
    for row in (StageEntries.objects.filter(**subtree, month__range=(first, last)).annotate(branch=branch)
                .values("branch", "stage").annotate(n=Sum("campaigns")).order_by()):
        target = _row(rows, unit, row["branch"])
        target.entered[row["stage"]] = target.entered.get(row["stage"], 0) + (row["n"] or 0)
    columns = ["abandoned", "members_admitted", "members_recruited", "members_lost"]
    for row in (MonthFigures.objects.filter(**subtree, month__range=(first, last)).annotate(branch=branch)
                .values("branch").annotate(**{c: Sum(c) for c in columns}).order_by()):
        target = _row(rows, unit, row["branch"])
        for name in columns:
            setattr(target, name, getattr(target, name) + (row[name] or 0))
    _enterprise_figures(rows, unit, length)
    durations: dict[str, dict[int, int]] = defaultdict(dict)
    for row in (StageDuration.objects.filter(**subtree, month__range=(first, last))
                .values("stage", "working_days").annotate(n=Sum("stints")).order_by()):
        durations[row["stage"]][row["working_days"]] = row["n"]
    return _finish(unit, period, None, rows, dict(durations), length)


# --- as of a past day, from the history --------------------------------------------------
def _branches_on(unit: Unit, day: dt.date) -> tuple[dict[str, BranchFigures], int]:
    """The unit's child units as they stood on ``day``: those closed since
    (``Unit.closed_on`` after it) still have their row."""
    children = list(Unit.objects.filter(Q(is_active=True) | Q(closed_on__gt=day), path__startswith=unit.path,
                                        depth=unit.depth + 1, kind__is_grassroots=False).order_by("path"))
    return {child.path: BranchFigures(child) for child in children}, len(unit.path) + Unit.steplen


def _in_subtree_then(queryset: QuerySet, unit: Unit, end: dt.datetime, campaign: str = "") -> QuerySet:
    """``queryset`` (of campaigns, or of rows of campaigns: ``campaign`` is
    the path to the campaign, with its ``__``) cut to the campaigns whose
    responsible unit at ``end`` was in ``unit``'s subtree, annotated with
    that unit's path (``path_then``). A campaign changes unit only with an
    event, ``TRANSFERRED``, written with the new unit: the unit then is the
    one its last event before ``end`` records. The candidates are the
    campaigns of the subtree now and those moved since (rare), so that the
    subquery runs for few rows."""
    reference = OuterRef(f"{campaign}pk" if campaign else "pk")
    moved_since = Exists(CampaignEvent.objects.filter(campaign=reference, kind=EventKind.TRANSFERRED, at__gte=end))
    path_then = Subquery(CampaignEvent.objects.filter(campaign=reference, at__lt=end).order_by("-at", "-pk")
                         .values("unit__path")[:1])
    return (queryset.filter(moved_since | Q(**{f"{campaign}responsible_unit__path__startswith": unit.path}))
            .annotate(path_then=path_then).filter(path_then__startswith=unit.path))


def dashboard_as_of(unit: Unit, period: Period, *, day: dt.date) -> Dashboard:
    """The same figures as they stood at the end of ``day``, from the event
    history and the base tables (the period is cut at ``day``).

    Each figure stays with the unit that was responsible then, whatever moved
    since (a closed unit's work that went to its successor): what happened
    is counted at the unit its event records; a campaign's stage and its
    overdue tasks at the unit of its last event before the end of the day.
    Members admitted are counted at the recognising unit (a recognised
    campaign never moves); members recruited and lost at the unit that
    reported them. A unit's rows are placed where the unit is in the tree
    now: a grassroots union moved under a successor takes the movements
    reported for it along. The registry keeps no history: the enterprise
    figures (enterprises, workforce, coverage) are today's, at the
    enterprises' responsible unit today."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    period = Period(period.start, min(period.end, day))
    start = timezone.make_aware(dt.datetime.combine(period.start, dt.time.min))
    rows, length = _branches_on(unit, day)
    campaigns = _in_subtree_then(Campaign.objects.filter(opened_at__lt=end), unit, end)
    last_stage = CampaignEvent.objects.filter(campaign=OuterRef("pk"), kind__in=[EventKind.OPENED, EventKind.STAGE],
                                              at__lt=end).order_by("-at", "-pk")
    # each campaign stalls by the rule set and calendar of its unit then
    cutoffs = stalled_cutoffs_by_unit(today=day)
    staged = (campaigns.annotate(stage_then=Subquery(last_stage.values("to_stage")[:1]),
                                 entered_then=Subquery(last_stage.values("at")[:1]),
                                 branch=_branch("path_then", length))
              .values_list("branch", "stage_then", "entered_then", "path_then"))
    for branch, stage, entered, path in staged:
        target = _row(rows, unit, branch)
        target.stages[stage] = target.stages.get(stage, 0) + 1
        cutoff = cutoffs.of(path).get(stage)
        if cutoff is not None and entered < cutoff:
            target.stalled += 1
    open_then = Task.objects.filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end), created_at__lt=end,
                                    due_on__lt=day)
    overdue = (_in_subtree_then(open_then, unit, end, "campaign__")
               .annotate(branch=_branch("path_then", length)).values("branch").annotate(n=Count("pk")).order_by())
    for row in overdue:
        _row(rows, unit, row["branch"]).overdue_tasks += row["n"]
    events = CampaignEvent.objects.filter(unit__path__startswith=unit.path, at__gte=start, at__lt=end)
    for row in (figures.entries(events).annotate(branch=_branch("unit__path", length))
                .values("branch", "to_stage").annotate(n=Count("pk")).order_by()):
        target = _row(rows, unit, row["branch"])
        target.entered[row["to_stage"]] = target.entered.get(row["to_stage"], 0) + row["n"]
    for row in (events.filter(kind=EventKind.STAGE, to_stage=Stage.ABANDONED)
                .annotate(branch=_branch("unit__path", length))
                .values("branch").annotate(n=Count("pk")).order_by()):
        _row(rows, unit, row["branch"]).abandoned += row["n"]
    recognised = CampaignEvent.objects.filter(campaign=OuterRef("pk"), kind=EventKind.STAGE,
                                              to_stage=Stage.RECOGNISED, at__lt=end)
    first, last = period.months
    for row in (Campaign.objects.filter(responsible_unit__path__startswith=unit.path,
                                        decision_date__range=(first, period.end))
                .filter(Exists(recognised))
                .annotate(branch=_branch("responsible_unit__path", length))
                .values("branch").annotate(n=Sum("admitted_members")).order_by()):
        _row(rows, unit, row["branch"]).members_admitted += row["n"] or 0
    for row in (MemberMovement.objects.filter(unit__path__startswith=unit.path, month__range=(first, last),
                                              entered_at__lt=end)
                .annotate(branch=_branch("unit__path", length)).values("branch", "kind")
                .annotate(n=Sum("members")).order_by()):
        target = _row(rows, unit, row["branch"])
        if row["kind"] == MovementKind.RECRUITED:
            target.members_recruited += row["n"] or 0
        else:
            target.members_lost += row["n"] or 0
    durations: dict[str, dict[int, int]] = defaultdict(dict)
    for row in (events.filter(kind=EventKind.STAGE, from_stage__in=flows.WORKING_STAGES)
                .annotate(days=Cast(KeyTextTransform("days_in_stage", "data"), IntegerField()))
                .values("from_stage", "days").annotate(n=Count("pk")).order_by()):
        durations[row["from_stage"]][row["days"]] = durations[row["from_stage"]].get(row["days"], 0) + row["n"]
    _enterprise_figures(rows, unit, length)  # the registry has no history: today's figures
    return _finish(unit, period, day, rows, dict(durations), length)


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


def target_rows(board: Dashboard) -> list[TargetRow]:
    return [_target_row(figures, figures is board.total) for figures in [*board.rows, board.total]]


def _target_row(figures: BranchFigures, is_total: bool) -> TargetRow:
    source = TargetSource.RECEIVED if is_total else TargetSource.ALLOCATED
    members = figures.targets.get((TargetHorizon.YEAR, Metric.NEW_MEMBERS, source))
    unions = figures.targets.get((TargetHorizon.YEAR, Metric.NEW_UNIONS, source))
    floor = figures.targets.get(("min_workforce", Metric.COVERAGE)) or 25
    with_union, everyone = figures.coverage.get(floor, (0, 0))
    members_pct = percent_cut(figures.new_members, members) if members else None
    return TargetRow(
        figures=figures, is_total=is_total,
        members=members, members_done=figures.new_members, members_pct=members_pct,
        unions=unions, unions_done=figures.unions_founded,
        unions_pct=percent_cut(figures.unions_founded, unions) if unions else None,
        coverage=figures.targets.get((TargetHorizon.YEAR, Metric.COVERAGE, source)), coverage_floor=floor,
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
