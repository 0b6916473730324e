"""The figures of a unit's subtree over a period, split by its child units
("branches"): what the dashboard, every report and export read, through the
indicators of ``indicators.REGISTRY``.

Three ways to the same figures:
- ``dashboard_for``: now, from the summary tables (one grouped query per
  table, whatever the number of campaigns), for whole months;
- ``dashboard_as_of``: as they stood at the end of a past day, from the event
  history and the base tables;
- ``figures_for``: any period of days, counted by the day things happened
  (a recognition by its decision's date, a movement by its day), with an
  optional "entered by" cut-off and filters on the enterprises (ownership
  sector, workforce floor, social insurance, industrial zone). For whole
  months without cut-off nor filter it is ``dashboard_for``.

Stocks (members of grassroots unions, the workforce not yet unionised,
estimates) are taken at the period's end (``_Stocks``).

A subtree's figures are split by the unit's children: a row's branch is the
first ``len(unit.path) + steplen`` characters of its unit's path; rows of the
unit itself have the unit's own path.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.db import connections, router
from django.db.models import Count, Exists, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.campaigns import day_counters, figures, flows, rollups
from workflows.campaigns.flows import Stage
from workflows.campaigns.models import (
    Campaign,
    CampaignEvent,
    EventKind,
    FollowUp,
    MonthFigures,
    StageCohort,
    StageDuration,
    StageEntries,
    SubtreeDuration,
    SubtreeEntries,
    SubtreeMonthFigures,
    SubtreeStage,
    Task,
    TaskDueCount,
)
from workflows.campaigns.selectors import stalled_cutoffs_by_unit
from workflows.core.prepared import PreparedRows, cursor as prepared_cursor
from workflows.enterprises.models import (
    WORKFORCE_FLOORS,
    Enterprise,
    EnterpriseBand,
    OwnershipSector,
    SubtreeBand,
    WorkforceSource,
)
from workflows.organisation.models import Unit, upper_level

from . import stocks as stock_rows
from .models import Estimate, MemberCensus, MemberMovement, MovementKind
from .periods import Period


@dataclass(frozen=True)
class Filters:
    """Which enterprises a figure or a target counts (all by default)."""

    sector: str = ""
    min_workforce: int = 0
    social_insurance_only: bool = False
    industrial_zone: str = ""

    @classmethod
    def of(cls, target) -> Filters:
        return cls(target.sector, target.min_workforce, target.social_insurance_only, target.industrial_zone)

    @property
    def any(self) -> bool:
        return self != NO_FILTERS

    def enterprise_q(self, prefix: str = "") -> Q:
        """The filter on an enterprise (``prefix`` leads from the queried model to it)."""
        q = Q()
        if self.sector:
            q &= Q(**{f"{prefix}ownership_sector": self.sector})
        if self.min_workforce:
            q &= Q(**{f"{prefix}workforce__gte": self.min_workforce})
        if self.social_insurance_only:
            q &= Q(**{f"{prefix}workforce_source": WorkforceSource.SOCIAL_INSURANCE})
        if self.industrial_zone:
            q &= Q(**{f"{prefix}industrial_zone": self.industrial_zone})
        return q

    def band_q(self) -> Q:
        """The same filter on the registry's summary (``EnterpriseBand``)."""
        q = Q()
        if self.sector:
            q &= Q(sector=self.sector)
        if self.min_workforce:
            q &= Q(band__gte=max(f for f in WORKFORCE_FLOORS if f <= self.min_workforce))
        if self.social_insurance_only:
            q &= Q(social_insurance=True)
        if self.industrial_zone:
            q &= Q(zone=self.industrial_zone)
        return q

    @property
    def label(self) -> str:
        parts = []
        if self.sector:
            parts.append(str(OwnershipSector(self.sector).label) if self.sector in OwnershipSector.values
                         else self.sector)
        if self.min_workforce:
            parts.append(_("%(n)s workers and more") % {"n": self.min_workforce})
        if self.social_insurance_only:
            parts.append(_("paying social insurance"))
        if self.industrial_zone:
            parts.append(self.industrial_zone)
        return ", ".join(parts)


NO_FILTERS = Filters()

#: The figures of a row the total row adds up.
ADDED_UP = ("stalled", "overdue_tasks", "abandoned", "unions_founded", "members_admitted", "members_recruited",
            "members_lost", "enterprises", "workforce", "workforce_social_insurance", "workforce_in_unions",
            "not_unionised", "unions_launched", "unions_dues_in_time", "unions_agreement_in_year",
            "unions_standing_in_year", "unions_failed")

#: The stages a pipeline shows, in order.
STAGES = flows.PIPELINE + (Stage.ON_HOLD, Stage.ABANDONED)


def percent_cut(part: int | Decimal, whole: int | Decimal) -> Decimal:
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
    apart: bool = False  # a child shown apart (a grassroots union, a closed unit): no overview of its own
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
    unions_founded: int = 0  # recognised, by the decision's date
    # at the period's end (``stocks``): members of grassroots unions, the
    # workforce not yet unionised, estimates; each with where it comes from
    union_members: int = 0
    members_source: str = ""
    workforce_in_unions: int = 0  # the workforce of the enterprises that have a grassroots union
    not_unionised: int = 0
    workforce_source: str = ""
    estimates: dict[str, int] = field(default_factory=dict)  # estimate kind → value
    estimates_source: str = ""
    # the first year of the grassroots unions recognised in the period (``_follow_up_figures``)
    unions_launched: int = 0
    unions_dues_in_time: int = 0
    unions_agreement_in_year: int = 0
    unions_standing_in_year: int = 0
    unions_failed: int = 0  # new grassroots unions recorded as failed in the period (of any year's recognitions)
    targets: dict = field(default_factory=dict)  # targets.TargetKey → targets.TargetValue

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
    #: When the stocks come from a refresh that may miss the latest changes (the dashboard page): its time.
    stocks_taken_at: dt.datetime | None = None

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
class _Rows(dict):
    """A board's rows by branch; the unit's other direct children (shown
    apart when they have figures) are read once, at the first one needed;
    ``units``: the path by id of the unit and its upper-level children, open
    or closed (``rollups.branch_units``), whose rollup rows a dashboard reads."""

    apart: dict[str, Unit] | None = None
    units: dict[int, str]


def _branches(unit: Unit) -> tuple[_Rows, int]:
    children, units = rollups.branch_units(unit)
    rows = _Rows((child.path, BranchFigures(child)) for child in children)
    rows.units = units
    return rows, len(unit.path) + Unit.steplen


def _row(rows: _Rows, unit: Unit, branch: str) -> BranchFigures:
    if branch not in rows:
        # The unit's own figures, or those of a child shown apart (a grassroots union
        # directly under it, or an inactive child).
        child = None
        if branch != unit.path:
            if rows.apart is None:
                rows.apart = {u.path: u for u in Unit.objects.filter(path__startswith=unit.path,
                                                                     depth=unit.depth + 1)}
            child = rows.apart.get(branch)
        rows[branch] = BranchFigures(child or unit, own=child is None, apart=child is not None)
    return rows[branch]


def _enterprise_figures(rows: dict[str, BranchFigures], unit: Unit, length: int,
                        filters: Filters = NO_FILTERS) -> None:
    """Enterprises, workforce and coverage per branch (one query)."""
    for row in (EnterpriseBand.objects.filter(filters.band_q(), unit__path__startswith=unit.path)
                .annotate(branch=_branch("unit__path", length)).values("branch", "band", "has_union")
                .annotate(n=Sum("enterprises"), w=Sum("workforce"), si=Sum("workforce_social_insurance"))
                .order_by()):
        if not row["n"]:  # a band left at zero (its enterprises moved away, a unit closed) has no figures
            continue
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
            _add_coverage(row, floor, enterprises if has_union else 0, enterprises)


def _add_coverage(row: BranchFigures, floor: int, with_union: int, everyone: int) -> None:
    """Add enterprises of ``floor`` or more workers (``with_union`` of ``everyone`` with a union) to ``row``."""
    had_union, had = row.coverage.get(floor, (0, 0))
    row.coverage[floor] = (had_union + with_union, had + everyone)


def _total(unit: Unit, rows: list[BranchFigures]) -> BranchFigures:
    """The total row: the rows added up (the stocks are set by ``_stocks``
    for the unit itself: a count of members it reports is its own figure)."""
    total = BranchFigures(unit)
    for row in rows:
        for stage, n in row.stages.items():
            total.stages[stage] = total.stages.get(stage, 0) + n
        for stage, n in row.entered.items():
            total.entered[stage] = total.entered.get(stage, 0) + n
        for floor, (a, b) in row.coverage.items():
            x, y = total.coverage.get(floor, (0, 0))
            total.coverage[floor] = (x + a, y + b)
        for name in ADDED_UP:
            setattr(total, name, getattr(total, name) + getattr(row, name))
        for kind, n in row.estimates.items():
            total.estimates[kind] = total.estimates.get(kind, 0) + n
    return total


def _finish(unit, period, as_of, rows: dict[str, BranchFigures], durations, length, *,
            filters: Filters = NO_FILTERS, cut: dt.datetime | None = None,
            today: dt.date | None = None, stocks_lag: bool = False) -> Dashboard:
    stocks, taken_at = None, None
    if cut is None and not filters.any and today is not None:
        usable, taken_at = stock_rows.stored_state(period.end, today, lag=stocks_lag)
        stocks = _StoredStocks.of(unit, rows) if usable else None
    if stocks is None:
        stocks, taken_at = _Stocks(unit, length, day=period.end, cut=cut, filters=filters), None
    stocks.rows(rows)
    ordered = sorted(rows.values(), key=lambda r: (not r.own, r.unit.path))
    total = _total(unit, ordered)
    stocks.total(total)
    return Dashboard(unit, period, as_of, ordered, total, durations, stocks_taken_at=taken_at)


def campaigns_under(unit: Unit) -> int:
    """How many campaigns ``unit``'s subtree has (the rollup's one row per stage where it is kept): what
    a page weighs before counting from their history."""
    if rollups.kept():
        return sum(rollups.counts_under([unit.path], STAGES).values())
    return Campaign.objects.filter(responsible_unit__path__startswith=unit.path).count()


# --- now, from the summary tables ---------------------------------------------------------
def dashboard_for(unit: Unit, period: Period, *, today: dt.date, stocks_lag: bool = False) -> Dashboard:
    """The figures of ``unit``'s subtree now (pipeline, stalled, overdue) and
    over ``period`` (funnel, durations, members), from the summary tables:
    where the rollups are read (``rollups.read``), the rows of the unit and
    of its children only, by year for whole years (``rollups.months_q``);
    else the rows of the whole subtree (``stocks_lag``: the stocks may be a
    refresh's that misses the latest changes, ``Dashboard.stocks_taken_at``
    says since when)."""
    rows, length = _branches(unit)
    if rollups.read():
        durations, stages, late = _rolled_up_figures(rows, unit, period, today=today)
        _states_now(rows, unit, length, today=today, stages=stages, late=late)
    else:
        _states_now(rows, unit, length, today=today)
        durations = _summed_figures(rows, unit, length, period)
    _follow_up_figures(rows, unit, length, period)
    return _finish(unit, period, None, rows, durations, length, today=today, stocks_lag=stocks_lag)


MONTH_COLUMNS = ("abandoned", "unions_founded", "members_admitted", "members_recruited", "members_lost")


def _summed_figures(rows, unit: Unit, length: int, period: Period) -> dict[str, dict[int, int]]:
    """The funnel, the month figures and the registry per branch, summed over
    the rows of the whole subtree; the durations' histogram."""
    subtree = {"unit__path__startswith": unit.path}
    branch = _branch("unit__path", length)
    first, last = period.months
    for row in (StageEntries.objects.filter(**subtree, month__range=(first, last)).annotate(branch=branch)
                .values("branch", "stage").annotate(n=Sum("campaigns")).order_by()):
        target = _row(rows, unit, row["branch"])
        target.entered[row["stage"]] = target.entered.get(row["stage"], 0) + (row["n"] or 0)
    for row in (MonthFigures.objects.filter(**subtree, month__range=(first, last)).annotate(branch=branch)
                .values("branch").annotate(**{c: Sum(c) for c in MONTH_COLUMNS}).order_by()):
        target = _row(rows, unit, row["branch"])
        for name in MONTH_COLUMNS:
            setattr(target, name, getattr(target, name) + (row[name] or 0))
    _enterprise_figures(rows, unit, length)
    durations: dict[str, dict[int, int]] = defaultdict(dict)
    for row in (StageDuration.objects.filter(**subtree, month__range=(first, last))
                .values("stage", "working_days").annotate(n=Sum("stints")).order_by()):
        durations[row["stage"]][row["working_days"]] = row["n"]
    return dict(durations)


#: The registry's figures of a branch from ``SubtreeBand`` in one row, the coverage by workforce floor
#: summed in SQL (``_coverage``'s figures): a row per branch instead of one per band and union status.
BAND_SUMS = {
    "enterprises": "SUM(enterprises)", "workforce": "SUM(workforce)",
    "workforce_social_insurance": "SUM(workforce_social_insurance)",
    **{f"from_{floor}": f"SUM(enterprises) FILTER (WHERE band >= {int(floor)})" for floor in WORKFORCE_FLOORS},
    **{f"union_from_{floor}": f"SUM(enterprises) FILTER (WHERE band >= {int(floor)} AND has_union)"
       for floor in WORKFORCE_FLOORS},
}


def _rollups_sql(months: str) -> str:
    """The statement that reads a board's rollups (``_rolled_up_figures``): a
    JSON array of rows per rollup, in one round trip and one plan — the six
    queries the ORM built cost more to build than to run: the funnel, the
    month figures, the registry's bands, the durations, the pipeline
    (``rollups.by_branch``' rows) and the day counters (``day_counters.BY_BRANCH``).
    ``months``: the filter on a rollup's months (``rollups.months_sql``)."""
    month_sums = ", ".join(f"SUM({c}) AS {c}" for c in MONTH_COLUMNS)
    band_sums = ", ".join(f"{sql} AS {name}" for name, sql in BAND_SUMS.items())
    return f"""
SELECT
 (SELECT COALESCE(json_agg(r), '[]') FROM (
    SELECT unit_id, stage, SUM(campaigns) AS n FROM {SubtreeEntries._meta.db_table}
     WHERE unit_id = ANY(%(units)s) AND ({months}) GROUP BY unit_id, stage) r),
 (SELECT COALESCE(json_agg(r), '[]') FROM (
    SELECT unit_id, {month_sums} FROM {SubtreeMonthFigures._meta.db_table}
     WHERE (unit_id = %(unit)s OR unit_id = ANY(ARRAY(SELECT c.id FROM {Unit._meta.db_table} c
                                                      WHERE c.depth = %(depth)s AND c.path LIKE %(under)s)))
       AND ({months}) GROUP BY unit_id) r),
 (SELECT COALESCE(json_agg(r), '[]') FROM (
    SELECT unit_id, {band_sums} FROM {SubtreeBand._meta.db_table}
     WHERE unit_id = ANY(%(units)s) GROUP BY unit_id) r),
 (SELECT COALESCE(json_agg(r), '[]') FROM (
    SELECT stage, working_days, SUM(stints) AS n FROM {SubtreeDuration._meta.db_table}
     WHERE unit_id = %(unit)s AND stints <> 0 AND ({months}) GROUP BY stage, working_days) r),
 (SELECT COALESCE(json_agg(json_build_array(unit_id, stage, campaigns)), '[]') FROM {SubtreeStage._meta.db_table}
   WHERE unit_id = ANY(%(units)s) AND campaigns <> 0),
 (SELECT COALESCE(json_agg(json_build_array(unit_id, kind, n)), '[]')
    FROM ({day_counters.BY_BRANCH}) r(unit_id, kind, n))
"""


def _rolled_up_figures(rows, unit: Unit, period: Period, *, today: dt.date) -> tuple:
    """The same from the rollups: the rows of the unit and its children
    (``rollups.split_by_branch``: the month figures of every child, where a
    grassroots union reports the members it recruited and lost), the
    durations from the unit's rows alone; and for ``_states_now`` the
    pipeline's rows and the day counters' figures (None: not current). One
    statement (``_rollups_sql``), on the replica if the caller reads there."""
    first, last = period.months
    months, params = rollups.months_sql(first, last, today=today)
    params.update(units=list(rows.units), unit=unit.pk, depth=unit.depth + 1, under=f"{unit.path}%", today=today)
    with prepared_cursor(connections[router.db_for_read(SubtreeEntries)]) as cursor:
        cursor.execute(_rollups_sql(months), params)
        entries, month_figures, bands, stints, stages, counters = cursor.fetchone()
    units = rows.units
    if missing := {row["unit_id"] for row in month_figures} - set(units):  # CĐCS that reported movements
        units = {**units, **dict(Unit.objects.filter(pk__in=missing).values_list("pk", "path"))}

    def split(found, keys: tuple[str, ...], sums) -> list[tuple[str, tuple, dict[str, int]]]:
        return rollups.split_by_branch(unit.path, units, (
            (row["unit_id"], tuple(row[k] for k in keys), {c: row[c] or 0 for c in sums}) for row in found))

    for path, (stage,), values in split(entries, ("stage",), ("n",)):
        target = _row(rows, unit, path)
        target.entered[stage] = target.entered.get(stage, 0) + values["n"]
    for path, _key, values in split(month_figures, (), MONTH_COLUMNS):
        target = _row(rows, unit, path)
        for name in MONTH_COLUMNS:
            setattr(target, name, getattr(target, name) + values[name])
    for path, _key, values in split(bands, (), BAND_SUMS):
        target = _row(rows, unit, path)
        target.enterprises += values["enterprises"]
        target.workforce += values["workforce"]
        target.workforce_social_insurance += values["workforce_social_insurance"]
        for floor in WORKFORCE_FLOORS:
            if everyone := values[f"from_{floor}"]:
                _add_coverage(target, floor, values[f"union_from_{floor}"], everyone)
    durations: dict[str, dict[int, int]] = defaultdict(dict)
    for row in stints:
        durations[row["stage"]][row["working_days"]] = row["n"]
    return dict(durations), stages, day_counters.branch_figures(unit, rows.units, counters)


# --- as of a past day, from the history --------------------------------------------------
def _branches_on(unit: Unit, day: dt.date) -> tuple[dict[str, BranchFigures], int]:
    """The unit's child units as they stood on ``day``: those closed since
    (``Unit.closed_on`` after it) still have their row."""
    children = list(Unit.objects.filter(Q(is_active=True) | Q(closed_on__gt=day), upper_level(),
                                        path__startswith=unit.path, depth=unit.depth + 1).order_by("path"))
    return _Rows((child.path, BranchFigures(child)) for child in children), len(unit.path) + Unit.steplen


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
    _states_then(rows, unit, length, day=day)  # each campaign stalls by the rule set and calendar of its unit then
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
                .values("branch").annotate(n=Sum("admitted_members"), unions=Count("pk")).order_by()):
        _row(rows, unit, row["branch"]).members_admitted += row["n"] or 0
        _row(rows, unit, row["branch"]).unions_founded += row["unions"]
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
    _follow_up_figures(rows, unit, length, period)
    return _finish(unit, period, day, rows, dict(durations), length, cut=end)




# --- any period, from the base tables -----------------------------------------------------
def figures_for(unit: Unit, period: Period, *, today: dt.date, filters: Filters = NO_FILTERS,
                from_base: bool = False, stocks_lag: bool = False) -> Dashboard:
    """The figures of ``unit``'s subtree over ``period``: what happened in
    it, counted by the day it happened (and, with ``period.entered_by``, only
    what was entered by then); the campaigns' stages, stalled and overdue
    now, or at the period's end when it is past or cut; the stocks at its end.
    Whole months without a cut-off nor filters come from the summary tables
    (``from_base`` forces the base tables: the tests compare both;
    ``stocks_lag``: see ``dashboard_for``)."""
    if not from_base and period.whole_months and period.entered_by is None and not filters.any:
        return dashboard_for(unit, period, today=today, stocks_lag=stocks_lag)
    cut = period.entered_before()
    rows, length = _branches(unit)
    start, end = period.start, period.end
    # what happened
    recognised = CampaignEvent.objects.filter(campaign=OuterRef("pk"), kind=EventKind.STAGE,
                                              to_stage=Stage.RECOGNISED)
    if cut:
        recognised = recognised.filter(at__lt=cut)
    for row in (Campaign.objects.filter(filters.enterprise_q("enterprise__"), Exists(recognised),
                                        responsible_unit__path__startswith=unit.path,
                                        decision_date__range=(start, end))
                .annotate(branch=_branch("responsible_unit__path", length))
                .values("branch").annotate(n=Sum("admitted_members"), unions=Count("pk")).order_by()):
        target = _row(rows, unit, row["branch"])
        target.members_admitted += row["n"] or 0
        target.unions_founded += row["unions"]
    for row in (_movements(unit, filters, cut).filter(on__range=(start, end))
                .annotate(branch=_branch("unit__path", length)).values("branch", "kind")
                .annotate(n=Sum("members")).order_by()):
        target = _row(rows, unit, row["branch"])
        if row["kind"] == MovementKind.RECRUITED:
            target.members_recruited += row["n"] or 0
        else:
            target.members_lost += row["n"] or 0
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    end_at = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    events = CampaignEvent.objects.filter(filters.enterprise_q("campaign__enterprise__"),
                                          unit__path__startswith=unit.path, at__gte=start_at,
                                          at__lt=min(end_at, cut) if cut else end_at)
    for row in (figures.entries(events).annotate(branch=_branch("unit__path", length))
                .values("branch", "to_stage").annotate(n=Count("pk")).order_by()):
        target = _row(rows, unit, row["branch"])
        target.entered[row["to_stage"]] = target.entered.get(row["to_stage"], 0) + row["n"]
    for row in (events.filter(kind=EventKind.STAGE, to_stage=Stage.ABANDONED)
                .annotate(branch=_branch("unit__path", length)).values("branch").annotate(n=Count("pk"))
                .order_by()):
        _row(rows, unit, row["branch"]).abandoned += row["n"]
    durations: dict[str, dict[int, int]] = defaultdict(dict)
    for row in (events.filter(kind=EventKind.STAGE, from_stage__in=flows.WORKING_STAGES)
                .annotate(days=Cast(KeyTextTransform("days_in_stage", "data"), IntegerField()))
                .values("from_stage", "days").annotate(n=Count("pk")).order_by()):
        durations[row["from_stage"]][row["days"]] = durations[row["from_stage"]].get(row["days"], 0) + row["n"]
    # what is: now, or at the period's end (or its cut-off) when that is past
    day = min(end, period.entered_by) if period.entered_by else end
    if day >= today and not filters.any:
        _states_now(rows, unit, length, today=today)
    else:
        _states_then(rows, unit, length, day=min(day, today), filters=filters)
    _enterprise_figures(rows, unit, length, filters)
    _follow_up_figures(rows, unit, length, period, filters)
    return _finish(unit, period, None, rows, dict(durations), length, filters=filters, cut=cut, today=today,
                   stocks_lag=stocks_lag)


def _follow_up_figures(rows, unit: Unit, length: int, period: Period, filters: Filters = NO_FILTERS) -> None:
    """The first year of the grassroots unions recognised in the period (by
    the decision's date), as it stood at the period's end: how many held
    their launch, remitted their first dues in time (the rule set's months),
    negotiated a collective agreement and stood on their own within their
    follow-up; and the new unions recorded as failed in the period. One
    query on the follow-ups (one per new union); without filters (every
    dashboard) compiled once per process (``_FOLLOW_UPS``)."""
    if filters.any:
        found = _follow_ups(period.start, period.end, unit.path, length, filters)
    else:
        found = _FOLLOW_UPS.rows(period.start, period.end, unit.path, length)
    for branch, launched, dues, agreement, standing, failed in found:
        target = _row(rows, unit, branch)
        target.unions_launched += launched
        target.unions_dues_in_time += dues
        target.unions_agreement_in_year += agreement
        target.unions_standing_in_year += standing
        target.unions_failed += failed


def _follow_ups(start: dt.date, end: dt.date, path: str, length: int, filters: Filters = NO_FILTERS) -> QuerySet:
    """``_follow_up_figures``' query: (branch, launched, dues, agreement, standing, failed) per branch."""
    cohort = Q(campaign__decision_date__range=(start, end))
    return (FollowUp.objects.filter(filters.enterprise_q("campaign__enterprise__"),
                                    cohort | Q(failed_on__range=(start, end)),
                                    campaign__responsible_unit__path__startswith=path)
            .annotate(branch=_branch("campaign__responsible_unit__path", length)).values("branch")
            .annotate(launched=Count("pk", filter=cohort & Q(launch_on__lte=end)),
                      dues=Count("pk", filter=cohort & Q(dues_remitted_on__lte=end)
                                 & Q(dues_remitted_on__lte=F("dues_due_by"))),
                      agreement=Count("pk", filter=cohort & Q(agreement_on__lte=end)
                                      & Q(agreement_on__lte=F("ends_on"))),
                      standing=Count("pk", filter=cohort & Q(standing_on__lte=end)
                                     & Q(standing_on__lte=F("ends_on"))),
                      failed=Count("pk", filter=Q(failed_on__range=(start, end))))
            .order_by().values_list("branch", "launched", "dues", "agreement", "standing", "failed"))


#: ``_follow_ups`` without filters, compiled once (``core.prepared``): building its five filtered counts cost
#: twice what running it does. Stand-ins: the period's first and last days, the unit's path, the branch's length.
_FOLLOW_UPS = PreparedRows(_follow_ups, dt.date(1901, 2, 3), dt.date(1901, 2, 4), "§follow-ups§", 987_654_319)


def _movements(unit: Unit, filters: Filters, cut: dt.datetime | None) -> QuerySet[MemberMovement]:
    """Movements reported in the subtree (entered before ``cut``). With
    filters, only those of grassroots unions whose enterprise matches: a
    movement reported by an upper-level unit names no enterprise."""
    movements = MemberMovement.objects.filter(unit__path__startswith=unit.path)
    if cut:
        movements = movements.filter(entered_at__lt=cut)
    if filters.any:
        movements = movements.filter(Exists(Enterprise.objects.filter(filters.enterprise_q(),
                                                                      union_unit=OuterRef("unit"))))
    return movements


#: ``_states_now``' default: it reads the day counters itself.
_UNREAD = object()


def _states_now(rows, unit: Unit, length: int, *, today: dt.date, stages=None, late=_UNREAD) -> None:
    """Campaigns per stage, stalled and overdue tasks now (summary tables),
    each stalled by its unit's time limits and calendar (its zone's: the
    nearest unit keeping its own reference data).

    Where the rollups are read, the stages come from their coarse level
    and, when the day counters are today's (``day_counters.by_branch``),
    the stalled and the overdue from theirs: a row per child, whatever the
    size of the subtree. Else the stalled are summed over the cohorts and
    the overdue over the open tasks' due dates of the whole subtree.
    ``stages`` and ``late``: the pipeline's rollup rows and the day counters'
    figures when the caller read them (``_rolled_up_figures``)."""
    branch = _branch("unit__path", length)
    if late is _UNREAD:
        late = day_counters.by_branch(unit, rows.units, today=today)
    if late is not None:
        for path, stage, n in rollups.by_branch(unit, rows.units, stages):
            target = _row(rows, unit, path)
            target.stages[stage] = target.stages.get(stage, 0) + n
        for path, stalled, overdue in late:
            target = _row(rows, unit, path)
            target.stalled += stalled
            target.overdue_tasks += overdue
        return
    stalled_filter = stalled_cutoffs_by_unit(today=today).q(entered="entered_on", unit_path="unit__path", dates=True)
    cohorts = StageCohort.objects.filter(unit__path__startswith=unit.path).exclude(campaigns=0).annotate(branch=branch)
    if rollups.read():
        # the stages from the coarse level (a row per child and stage); the cohorts only for the stalled
        for path, stage, n in rollups.by_branch(unit, rows.units, stages):
            target = _row(rows, unit, path)
            target.stages[stage] = target.stages.get(stage, 0) + n
        for row in cohorts.filter(stalled_filter).values("branch").annotate(late=Sum("campaigns")).order_by():
            _row(rows, unit, row["branch"]).stalled += row["late"] or 0
    else:
        for row in (cohorts.values("branch", "stage")
                    .annotate(n=Sum("campaigns"), late=Sum("campaigns", filter=stalled_filter)).order_by()):
            target = _row(rows, unit, row["branch"])
            target.stages[row["stage"]] = target.stages.get(row["stage"], 0) + row["n"]
            target.stalled += row["late"] or 0
    for row in (TaskDueCount.objects.filter(unit__path__startswith=unit.path, due_on__lt=today).annotate(branch=branch)
                .values("branch").annotate(n=Sum("open_tasks")).order_by()):
        _row(rows, unit, row["branch"]).overdue_tasks += row["n"] or 0


def _states_then(rows, unit: Unit, length: int, *, day: dt.date, filters: Filters = NO_FILTERS) -> None:
    """Campaigns per stage, stalled and overdue tasks at the end of ``day``
    (from the history), each at the unit responsible then."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    campaigns = _in_subtree_then(Campaign.objects.filter(filters.enterprise_q("enterprise__"), opened_at__lt=end),
                                 unit, end)
    last_stage = CampaignEvent.objects.filter(campaign=OuterRef("pk"), kind__in=[EventKind.OPENED, EventKind.STAGE],
                                              at__lt=end).order_by("-at", "-pk")
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
    open_then = Task.objects.filter(filters.enterprise_q("campaign__enterprise__"),
                                    Q(closed_at__isnull=True) | Q(closed_at__gte=end), created_at__lt=end,
                                    due_on__lt=day)
    for row in (_in_subtree_then(open_then, unit, end, "campaign__")
                .annotate(branch=_branch("path_then", length)).values("branch").annotate(n=Count("pk")).order_by()):
        _row(rows, unit, row["branch"]).overdue_tasks += row["n"]


# --- stocks at a day: members, workforce not yet unionised, estimates ---------------------------
@dataclass
class _Members:
    """The members of a unit on a day and where the figure comes from."""
    members: int = 0
    census: tuple[dt.date, str] | None = None  # the count it starts from (date, source)
    counts_below: int = 0  # counts of units below that it adds up
    latest_below: dt.date | None = None


def _members_source(found: _Members) -> str:
    if found.census:
        return _("%(source)s, %(day)s") % {"source": found.census[1], "day": found.census[0].strftime("%d/%m/%Y")}
    if found.counts_below:
        return _("counts of %(n)s units up to %(day)s, then recognitions and movements") % {
            "n": found.counts_below, "day": found.latest_below.strftime("%d/%m/%Y")}
    return _("recognitions and movements entered")


Estimates = dict[str, tuple[int, str, dt.date]]  # estimate kind → (value, source, as of)


def _put_stocks(row: BranchFigures, found: _Members, in_unions: int, not_unionised: int, latest: dt.date | None,
                estimates: Estimates) -> None:
    """Set a row's stocks from what ``_Stocks`` computed or ``UnitStock`` keeps:
    ``not_unionised`` is that of the enterprises with a union (their
    workforce less their union's members); those without one add their
    whole workforce."""
    row.union_members = found.members
    row.members_source = _members_source(found)
    row.workforce_in_unions = in_unions
    row.not_unionised = not_unionised + max(0, row.workforce - in_unions)
    share = (row.workforce_social_insurance * 100 // row.workforce) if row.workforce else 0
    row.workforce_source = (_("social insurance %(share)s%%, as of %(day)s") % {
        "share": share, "day": latest.strftime("%d/%m/%Y")}) if latest else ""
    row.estimates = {kind: value for kind, (value, _source, _as_of) in estimates.items()}
    row.estimates_source = "; ".join(sorted({f"{source}, {as_of:%d/%m/%Y}"
                                             for _value, source, as_of in estimates.values()}))


class _Stocks:
    """Members of grassroots unions, the workforce not yet unionised and the
    estimates of a subtree at the end of ``day`` (entered before ``cut``),
    in a fixed number of queries.

    The members of a unit on a day: its latest count (``MemberCensus``) on
    or before the day, plus what was admitted at recognitions, recruited and
    lost in its subtree after that count; without a count, for a grassroots
    union the members admitted when it was recognised plus its movements,
    for an upper-level unit the movements it reported plus its child units'
    members. The workforce not yet unionised: the workforce of enterprises
    without a grassroots union, plus for each that has one its workforce
    less the union's members (not below 0). With filters, only grassroots
    unions of matching enterprises count (an upper unit's count or movement
    names no enterprise)."""

    def __init__(self, unit: Unit, length: int, *, day: dt.date, cut: dt.datetime | None,
                 filters: Filters = NO_FILTERS) -> None:
        self.unit, self.length, self.day, self.cut, self.filters = unit, length, day, cut, filters
        subtree = {"unit__path__startswith": unit.path}
        cut_q = Q(entered_at__lt=cut) if cut else Q()
        self.children: dict[str, list[str]] = defaultdict(list)
        self.ids: dict[str, int] = {}
        for path, pk in Unit.objects.filter(path__startswith=unit.path).order_by("path").values_list("path", "pk"):
            self.ids[path] = pk
            if path != unit.path:
                self.children[path[:-Unit.steplen]].append(path)
        allowed = None
        if filters.any:
            allowed = set(Enterprise.objects.filter(filters.enterprise_q(), union_unit__path__startswith=unit.path)
                          .values_list("union_unit__path", flat=True))
        self.census: dict[str, tuple[dt.date, int, str]] = {}
        for path, as_of, members, source in (MemberCensus.objects.filter(cut_q, **subtree, as_of__lte=day)
                                             .order_by("unit__path", "as_of")
                                             .values_list("unit__path", "as_of", "members", "source")):
            if allowed is None or path in allowed:
                self.census[path] = (as_of, members, source)  # the latest wins
        self.flows: dict[str, list[tuple[dt.date, int]]] = defaultdict(list)
        recognised = CampaignEvent.objects.filter(campaign=OuterRef("pk"), kind=EventKind.STAGE,
                                                  to_stage=Stage.RECOGNISED)
        if cut:
            recognised = recognised.filter(at__lt=cut)
        for path, on, admitted in (Campaign.objects.filter(filters.enterprise_q("enterprise__"), Exists(recognised),
                                                           recognised_unit__path__startswith=unit.path,
                                                           decision_date__lte=day)
                                   .values_list("recognised_unit__path", "decision_date", "admitted_members")):
            self.flows[path].append((on, admitted))
        for row in (_movements(unit, filters, cut).filter(on__lte=day).values("unit__path", "on", "kind")
                    .annotate(n=Sum("members")).order_by()):
            sign = 1 if row["kind"] == MovementKind.RECRUITED else -1
            self.flows[row["unit__path"]].append((row["on"], sign * (row["n"] or 0)))
        self._flow_paths = sorted(self.flows)  # a subtree's paths are side by side
        self._memo: dict[str, _Members] = {}
        self._estimates_memo: dict[str, Estimates] = {}
        # enterprises that have their union: workforce against the union's members
        self.enterprises = Enterprise.objects.filter(filters.enterprise_q(),
                                                     responsible_unit__path__startswith=unit.path)
        self.unionised = list(self.enterprises.filter(has_union=True)
                              .values_list("responsible_unit__path", "workforce", "union_unit__path"))
        self.as_of = dict(self.enterprises
                          .annotate(branch=_branch("responsible_unit__path", length)).values("branch")
                          .annotate(latest=Max("workforce_as_of")).order_by().values_list("branch", "latest"))
        self.estimates: dict[str, Estimates] = defaultdict(dict)
        for path, kind, value, source, as_of in (Estimate.objects.filter(cut_q, **subtree, year=day.year + 1)
                                                 .values_list("unit__path", "kind", "value", "source", "as_of")):
            self.estimates[path][kind] = (value, source, as_of)

    def _flows_under(self, path: str, after: dt.date) -> int:
        """What moved in ``path``'s subtree after ``after``."""
        total = 0
        for at in range(bisect.bisect_left(self._flow_paths, path), len(self._flow_paths)):
            flow_path = self._flow_paths[at]
            if not flow_path.startswith(path):
                break
            total += sum(n for on, n in self.flows[flow_path] if on > after)
        return total

    def members_of(self, path: str) -> _Members:
        if path in self._memo:
            return self._memo[path]
        census = self.census.get(path)
        if census:
            as_of, members, source = census
            found = _Members(members + self._flows_under(path, as_of), (as_of, source))
        else:
            found = _Members(sum(n for _on, n in self.flows.get(path, ())))
            for child in self.children.get(path, ()):
                below = self.members_of(child)
                found.members += below.members
                found.counts_below += below.counts_below + (1 if below.census else 0)
                dates = [d for d in (below.latest_below, below.census[0] if below.census else None) if d]
                if dates:
                    found.latest_below = max([*dates, *([found.latest_below] if found.latest_below else [])])
        self._memo[path] = found
        return found

    def _union_members(self, union_path: str | None) -> int:
        return max(0, self.members_of(union_path).members) if union_path else 0

    def _fill(self, row: BranchFigures, key: str, *, own: bool, whole: bool = False) -> None:
        """Set a row's stocks: ``key`` is its branch (the unit's own path for
        its own row, ``own``; ``whole``: the total row, the whole subtree)."""
        in_unions, not_unionised = 0, 0
        for unit_path, workforce, union_path in self.unionised:
            if (unit_path == key) if own else unit_path.startswith(key):
                in_unions += workforce
                not_unionised += max(0, workforce - self._union_members(union_path))
        latest = (max((d for d in self.as_of.values() if d), default=None) if whole  # an enterprise may have no date
                  else self.as_of.get(key))
        _put_stocks(row, self._own_members(key) if own else self.members_of(key), in_unions, not_unionised, latest,
                    self.estimates.get(key, {}) if own else self._estimates_of(key))

    def _own_members(self, path: str) -> _Members:
        """The unit's own row: what it reported itself (its count aside)."""
        return _Members(sum(n for _on, n in self.flows.get(path, ())))

    def _estimates_of(self, path: str) -> Estimates:
        """A unit's estimate, or the sum of the nearest estimates below it."""
        if path in self._estimates_memo:
            return self._estimates_memo[path]
        own = dict(self.estimates.get(path, {}))
        below: dict[str, list] = defaultdict(list)
        for child in self.children.get(path, ()):
            for kind, item in self._estimates_of(child).items():
                if kind not in own:
                    below[kind].append(item)
        for kind, items in below.items():
            own[kind] = (sum(i[0] for i in items), "; ".join(sorted({i[1] for i in items})), max(i[2] for i in items))
        self._estimates_memo[path] = own
        return own

    def rows(self, rows: dict[str, BranchFigures]) -> None:
        for key, row in rows.items():
            self._fill(row, key, own=row.own)

    def total(self, total: BranchFigures) -> None:
        self._fill(total, self.unit.path, own=False, whole=True)

    def per_unit(self) -> dict[int, dict]:
        """Every unit's stocks, as ``UnitStock`` keeps them (by unit id): its
        subtree's, and its own row's. Each unionised enterprise is added to
        its unit and every ancestor's, once."""
        top = len(self.unit.path)
        own_wf: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        subtree_wf: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for unit_path, workforce, union_path in self.unionised:
            not_unionised = max(0, workforce - self._union_members(union_path))
            own_wf[unit_path][0] += workforce
            own_wf[unit_path][1] += not_unionised
            for end in range(top, len(unit_path) + 1, Unit.steplen):
                subtree_wf[unit_path[:end]][0] += workforce
                subtree_wf[unit_path[:end]][1] += not_unionised
        own_latest = dict(self.enterprises.values("responsible_unit__path").annotate(latest=Max("workforce_as_of"))
                          .order_by().values_list("responsible_unit__path", "latest"))
        subtree_latest: dict[str, dt.date] = {}
        for unit_path, latest in own_latest.items():
            for end in range(top, len(unit_path) + 1, Unit.steplen) if latest else ():
                ancestor = unit_path[:end]
                subtree_latest[ancestor] = max(latest, subtree_latest.get(ancestor, latest))

        def stored(estimates: Estimates) -> dict:
            return {kind: [value, source, as_of.isoformat()] for kind, (value, source, as_of) in estimates.items()}

        values = {}
        for path, pk in self.ids.items():
            found = self.members_of(path)
            values[pk] = {
                "members": found.members, "census_on": found.census[0] if found.census else None,
                "census_source": found.census[1] if found.census else "", "counts_below": found.counts_below,
                "latest_below": found.latest_below, "own_members": self._own_members(path).members,
                "in_unions": subtree_wf[path][0] if path in subtree_wf else 0,
                "not_unionised": subtree_wf[path][1] if path in subtree_wf else 0,
                "own_in_unions": own_wf[path][0] if path in own_wf else 0,
                "own_not_unionised": own_wf[path][1] if path in own_wf else 0,
                "latest_as_of": subtree_latest.get(path), "own_latest_as_of": own_latest.get(path),
                "estimates": stored(self._estimates_of(path)), "own_estimates": stored(self.estimates.get(path, {})),
            }
        return values


class _StoredStocks:
    """The same stocks read from ``UnitStock`` (``stocks.fresh``): a row per
    branch, in one query."""

    def __init__(self, unit: Unit, stored: dict) -> None:
        self.unit, self.stored = unit, stored

    @classmethod
    def of(cls, unit: Unit, rows: dict[str, BranchFigures]) -> _StoredStocks | None:
        stored = stock_rows.rows_for({*rows, unit.path})
        return cls(unit, stored) if set(stored) >= {*rows, unit.path} else None

    def _fill(self, row: BranchFigures, key: str, *, own: bool, whole: bool = False) -> None:
        stock = self.stored[key]
        if own:
            found = _Members(stock.own_members)
            in_unions, not_unionised, estimates = stock.own_in_unions, stock.own_not_unionised, stock.own_estimates
        else:
            found = _Members(stock.members, (stock.census_on, stock.census_source) if stock.census_on else None,
                             stock.counts_below, stock.latest_below)
            in_unions, not_unionised, estimates = stock.in_unions, stock.not_unionised, stock.estimates
        _put_stocks(row, found, in_unions, not_unionised, stock.own_latest_as_of if own else stock.latest_as_of,
                    {kind: (value, source, dt.date.fromisoformat(as_of))
                     for kind, (value, source, as_of) in estimates.items()})

    def rows(self, rows: dict[str, BranchFigures]) -> None:
        for key, row in rows.items():
            self._fill(row, key, own=row.own)

    def total(self, total: BranchFigures) -> None:
        self._fill(total, self.unit.path, own=False, whole=True)


def stock_values(day: dt.date) -> dict[int, dict]:
    """Every unit's stocks at the end of ``day`` (``UnitStock``'s rows, by unit id)."""
    values: dict[int, dict] = {}
    for root in Unit.objects.filter(depth=1).order_by("path"):
        values.update(_Stocks(root, len(root.path) + Unit.steplen, day=day, cut=None).per_unit())
    return values
