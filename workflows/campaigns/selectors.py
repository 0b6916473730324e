"""Reads of campaigns, tasks and their reference data."""
from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Length, RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.core.queries import first_of_each
from workflows.core.text import fold
from workflows.enterprises import permissions as enterprise_permissions
from workflows.enterprises.models import WORKFORCE_BANDS, Enterprise, SubtreeBand
from workflows.enterprises.selectors import EnterpriseFilters, enterprises_for_list
from workflows.enterprises.validation import normalise_tax_code
from workflows.organisation.models import (
    Unit,
    UnitUserObjectPermission,
    WorkingGroup,
    WorkingGroupUserObjectPermission,
)
from workflows.organisation.permissions import Role, scope_of
from workflows.organisation.reference_stamp import StampedCache, deepest, stamp_now
from workflows.organisation.selectors import (
    TaskPlace,
    group_members,
    groups_supervised_by,
    groups_that_may_work,
    person_choices,
)
from workflows.organisation.workdays import WorkingCalendar, calendar_from, chain_paths, exceptions_between
from workflows.people.survey_pages import latest_visit_of

from . import flows, membership_pages, people_pages, rollups
from .flows import Stage
from .models import (
    Campaign,
    CampaignEvent,
    EventKind,
    FollowUp,
    FollowUpStatus,
    RuleSet,
    RuleSetLimit,
    StageTaskTemplate,
    SubtreeStage,
    Task,
    TaskStatus,
)
from .permissions import (
    Action,
    campaign_ids_visible_to,
    campaigns_visible_to,
    can,
    can_claim_task,
    can_complete_task,
    can_open_for,
    can_reassign_task,
    open_tasks_given_to,
    tasks_visible_to,
)


# --- reference data per subtree: rule sets, task templates, working calendars ----------
def rules_in_force(*, on: dt.date, unit: Unit | None = None) -> flows.Rules:
    """The rule set in force on ``on`` for the campaigns of ``unit`` (None:
    the national one): the nearest unit's, up to the national one
    (``RuleSetQuerySet.in_force``); the charter's defaults when none is
    recorded."""
    return RuleSet.objects.rules_on(on, unit)


def stage_templates(stage: str, unit: Unit | None = None) -> QuerySet[StageTaskTemplate]:
    """The task templates of ``stage`` for the campaigns of ``unit``: those
    of the nearest unit (``unit`` or one above it) that has active templates
    for the stage, else the national ones. One query."""
    active = StageTaskTemplate.objects.filter(stage=stage, is_active=True)
    if unit is None:
        return active.filter(unit__isnull=True).order_by("order", "pk")
    chain = active.filter(unit__path__in=chain_paths(unit.path))
    nearest = chain.order_by(Length("unit__path").desc()).values("unit_id")[:1]
    return (active.filter(Q(unit_id=Subquery(nearest)) | Q(unit__isnull=True) & ~Exists(chain))
            .order_by("order", "pk"))


@dataclass(frozen=True)
class Zone:
    """A part of the tree that one set of reference data governs: the
    subtree of ``path`` ("" the whole country) less the zones below it
    (``below``: the nearest units under it that keep their own rule sets or
    calendar days). Its campaigns share a rule set and a calendar."""
    path: str
    below: tuple[str, ...]
    rule_sets: tuple[RuleSet, ...]  # of the units of its chain and national: nearest unit first, latest first
    calendar: WorkingCalendar

    def rule_set_on(self, day: dt.date) -> RuleSet | None:
        """The rule set in force on ``day`` (``RuleSetQuerySet.in_force``, in memory)."""
        return next((r for r in self.rule_sets if r.effective_from <= day), None)

    def rules_on(self, day: dt.date) -> flows.Rules:
        rule_set = self.rule_set_on(day)
        return rule_set.as_rules() if rule_set else flows.Rules()

    def reminder_rules_on(self, day: dt.date) -> ReminderRules:
        return ReminderRules.of(self.rule_set_on(day))

    def q(self, path_field: str) -> Q:
        """The rows whose unit (at ``path_field``) lies in the zone."""
        inside = Q(**{f"{path_field}__startswith": self.path}) if self.path else Q()
        for path in self.below:
            inside &= ~Q(**{f"{path_field}__startswith": path})
        return inside


@dataclass(frozen=True)
class Zones:
    """The whole tree cut into zones (``reference_zones``), the national one last."""
    zones: tuple[Zone, ...]  # the deepest first

    def __iter__(self):
        return iter(self.zones)

    def of(self, unit_path: str | None) -> Zone:
        """The zone of the unit at ``unit_path``."""
        return next(z for z in self.zones if (unit_path or "").startswith(z.path))

    def where(self, zones: Iterable[Zone], path_field: str) -> Q:
        """The rows whose unit lies in one of ``zones``."""
        return functools.reduce(operator.or_, (z.q(path_field) for z in zones), Q(pk__in=[]))


def reference_zones(*, on: dt.date, start: dt.date, end: dt.date) -> Zones:
    """The zones of the tree on ``on`` — the units keeping a rule set in
    force by ``on`` or calendar days between ``start`` and ``end`` start
    one each — with their rule sets and their calendars from ``start`` to
    ``end``. Three queries, however many units: a job that handles many
    units reads its zones once and works zone by zone."""
    rule_sets = list(RuleSet.objects.filter(effective_from__lte=on).annotate(path=F("unit__path"))
                     .prefetch_related("limits"))
    days = exceptions_between(start, end)
    paths = {r.path for r in rule_sets if r.path} | {path for path, _day, _working in days if path}
    calendars = WorkingCalendar.load_many(start, end, paths | {""}, rows=days)
    zones = []
    for path in sorted(paths, key=len, reverse=True) + [""]:
        below = [p for p in paths if p != path and p.startswith(path)]
        outermost = tuple(sorted(p for p in below if not any(p != q and p.startswith(q) for q in below)))
        chain = set(chain_paths(path))
        own = sorted((r for r in rule_sets if not r.path or r.path in chain),
                     key=lambda r: (len(r.path or ""), r.effective_from), reverse=True)
        zones.append(Zone(path, outermost, tuple(own), calendars[path]))
    return Zones(tuple(zones))


@dataclass(frozen=True)
class TransitionOption:
    """A transition as the detail page offers it. ``allowed``: the user may
    take it (its form collects the guard data; ``hints`` say what is still
    missing today). Not allowed: ``refusal`` says who may."""
    name: str
    target: str | None
    label: str
    allowed: bool
    hints: tuple[str, ...] = ()
    refusal: str = ""
    #: drawn as a secondary button (``flows.Transition.secondary``)
    secondary: bool = False

    @property
    def available(self) -> bool:
        return self.allowed


def transition_options_for(user, campaign: Campaign) -> list[TransitionOption]:
    """The transitions leaving the campaign's stage: those the user may take,
    with the guard sentences that its form must still satisfy, and, for
    someone who works the case, those reserved to supervisors with why."""
    works = can(user, Action.WORK, campaign)
    options = []
    for declared in flows.transitions_from(campaign.stage):
        target = declared.target_from(campaign)
        if can(user, declared.action, campaign):
            options.append(TransitionOption(declared.name, target, str(declared.label), True,
                                            tuple(declared.blocked_by(campaign, campaign.rules)),
                                            secondary=declared.secondary))
        elif works:
            options.append(TransitionOption(declared.name, target, str(declared.label), False, refusal=_(
                "Only a supervisor of %(unit)s or a unit above it may do this.")
                % {"unit": campaign.responsible_unit.name}, secondary=declared.secondary))
    return options


def campaign_timeline(campaign: Campaign) -> QuerySet[CampaignEvent]:
    return campaign.events.select_related("actor").order_by("at", "pk")


@dataclass(frozen=True)
class WorkforceFigure:
    """Where the campaign's workforce figure comes from: the latest count
    recorded on the case (``counted_at``, ``counted_by``), or, when none
    was, the registry's figure copied when the campaign was opened
    (``opened_at``). The enterprise's registry figure has its own source and
    date; the page shows both, each with its origin."""
    value: int
    counted_at: dt.datetime | None
    counted_by: object  # the user, or None for the system
    opened_at: dt.datetime


def campaign_workforce_figure(campaign: Campaign, timeline: list[CampaignEvent]) -> WorkforceFigure:
    """Read from the timeline the page has already loaded (no query)."""
    counted = next((event for event in reversed(timeline)
                    if event.kind == EventKind.COUNTS and "workforce" in (event.data or {})), None)
    return WorkforceFigure(value=campaign.workforce, counted_at=counted.at if counted else None,
                           counted_by=counted.actor if counted else None, opened_at=campaign.opened_at)


def tasks_open_of(user) -> QuerySet[Task]:
    """Open tasks visible to ``user``, overdue first then by due date."""
    return (tasks_visible_to(user).filter(status=TaskStatus.OPEN)
            .select_related("campaign__enterprise", "assignee", "working_group")
            .order_by("due_on", "pk"))


# --- lists ------------------------------------------------------------------------
def _limits_window(rules: Iterable[flows.Rules]) -> int:
    """How many calendar days back a stage limit of ``rules`` may reach."""
    return max((limit or 0 for r in rules for _stage, limit in r.stage_limits), default=0) * 2 + 30


def _cutoffs(rules: flows.Rules, calendar: WorkingCalendar, today: dt.date) -> dict[str, dt.datetime]:
    limits = {stage: rules.stage_limit(stage) for stage in flows.WORKING_STAGES}
    return {
        stage: timezone.make_aware(dt.datetime.combine(calendar.window_start(today, limit), dt.time.min))
        for stage, limit in limits.items() if limit
    }


def stalled_cutoffs(*, today: dt.date, unit: Unit | None = None) -> dict[str, dt.datetime]:
    """Per working stage, the moment before which a campaign of ``unit``
    (None: under the national rules and calendar) that entered the stage
    has overrun the stage's time limit (in working days) today."""
    rules = rules_in_force(on=today, unit=unit)
    back = _limits_window([rules])
    return _cutoffs(rules, calendar_from(today - dt.timedelta(days=back), horizon_days=back + 30, unit=unit), today)


@dataclass(frozen=True)
class StalledCutoffs:
    """``stalled_cutoffs`` of every zone (``reference_zones``): the stalled
    campaigns of many units are read with one condition (``q``)."""
    by_zone: tuple[tuple[Zone, dict[str, dt.datetime]], ...]  # the deepest zone first
    zones: Zones

    def of(self, unit_path: str) -> dict[str, dt.datetime]:
        zone = self.zones.of(unit_path)
        return next(cutoffs for z, cutoffs in self.by_zone if z is zone)

    def q(self, prefix: str = "", *, entered: str = "stage_entered_at", unit_path: str = "responsible_unit__path",
          dates: bool = False) -> Q:
        """The stalled rows: ``prefix`` + ``stage``, the moment it was
        entered (``entered``; ``dates``: a date, not a moment) and its
        unit's path (``unit_path``)."""
        condition = Q(pk__in=[])
        for zone, cutoffs in self.by_zone:
            stalled = Q(pk__in=[])
            for stage, cutoff in cutoffs.items():
                limit = timezone.localtime(cutoff).date() if dates else cutoff
                stalled |= Q(**{f"{prefix}stage": stage, f"{prefix}{entered}__lt": limit})
            if cutoffs:
                condition |= zone.q(prefix + unit_path) & stalled
        return condition


_CUTOFFS = StampedCache("stalled cut-offs", maxsize=8)


def stalled_cutoffs_by_unit(*, today: dt.date) -> StalledCutoffs:
    """``stalled_cutoffs`` for the campaigns of every unit, zone by zone:
    a handful of queries whatever the number of units — once per process
    and day for a value of the reference stamp (which every change of a
    rule set, a limit, a calendar day or a unit's place moves), then the
    stamp's one query. Shared between callers: read it, never change it."""
    return _CUTOFFS.get(stamp_now(), ("by unit", today), lambda: _stalled_cutoffs_by_unit(today))


def _stalled_cutoffs_by_unit(today: dt.date) -> StalledCutoffs:
    longest = RuleSetLimit.objects.filter(rule_set__effective_from__lte=today).aggregate(n=Max("working_days"))["n"]
    back = (longest or 0) * 2 + 30
    zones = reference_zones(on=today, start=today - dt.timedelta(days=back), end=today + dt.timedelta(days=30))
    return StalledCutoffs(tuple((z, _cutoffs(z.rules_on(today), z.calendar, today)) for z in zones), zones)


def stalled_q(cutoffs: StalledCutoffs, prefix: str = "") -> Q:
    return cutoffs.q(prefix)


def is_stalled(campaign: Campaign, cutoffs: Mapping[str, dt.datetime] | StalledCutoffs) -> bool:
    """``cutoffs``: the campaign's unit's (``stalled_cutoffs``), or every
    unit's (``stalled_cutoffs_by_unit``: the campaign's unit is loaded)."""
    if isinstance(cutoffs, StalledCutoffs):
        cutoffs = cutoffs.of(campaign.responsible_unit.path)
    cutoff = cutoffs.get(campaign.stage)
    return cutoff is not None and campaign.stage_entered_at < cutoff


@dataclass(frozen=True)
class CampaignFilters:
    q: str = ""
    stage: str = ""
    unit_path: str = ""  # the chosen unit's subtree
    group: int | None = None
    sector: str = ""
    band: str = ""
    overdue: bool = False
    stalled: bool = False
    open_only: bool = False
    sort: str = "-stage_entered_at"


CAMPAIGN_SORTS = {
    "name": "enterprise__search_name", "-name": "-enterprise__search_name",
    "stage_entered_at": "stage_entered_at", "-stage_entered_at": "-stage_entered_at",
    "opened_at": "opened_at", "-opened_at": "-opened_at",
    "workforce": "workforce", "-workforce": "-workforce",
    "applications": "applications", "-applications": "-applications",
}


def campaigns_for_list(user, filters: CampaignFilters, *, today: dt.date) -> QuerySet[Campaign]:
    """The visible campaigns that match ``filters``, with what a list row shows
    (the enterprise, units, group, the count of overdue tasks and, for a
    recognised one, its first-year status ``follow_up_status``) in one query."""
    qs = campaigns_visible_to(user)
    if filters.q:
        term = filters.q.strip()
        code = normalise_tax_code(term)
        qs = qs.filter(Q(enterprise__search_name__contains=fold(term)) |
                       (Q(enterprise__tax_code__startswith=code) if code else Q(pk__in=[])))
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    elif filters.open_only:
        qs = qs.filter(stage__in=flows.OPEN_STAGES)
    if filters.unit_path:
        qs = qs.filter(responsible_unit__path__startswith=filters.unit_path)
    if filters.group:
        qs = qs.filter(working_group_id=filters.group)
    if filters.sector:
        qs = qs.filter(enterprise__ownership_sector=filters.sector)
    if filters.band in WORKFORCE_BANDS:
        low, high = WORKFORCE_BANDS[filters.band]
        qs = qs.filter(workforce__gte=low) if high is None else qs.filter(workforce__range=(low, high))
    overdue = Task.objects.filter(campaign=OuterRef("pk"), status=TaskStatus.OPEN, due_on__lt=today)
    qs = qs.annotate(overdue_tasks=Coalesce(Subquery(
        overdue.order_by().values("campaign").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField()), 0))
    qs = qs.annotate(follow_up_status=follow_up_status_expression(today, prefix="follow_up__",
                                                                 campaign=OuterRef("pk")))
    if filters.overdue:
        qs = qs.filter(overdue_tasks__gt=0)
    if filters.stalled:
        qs = qs.filter(stalled_q(stalled_cutoffs_by_unit(today=today)))
    order = CAMPAIGN_SORTS.get(filters.sort, "-stage_entered_at")
    return qs.select_related("enterprise", "responsible_unit", "working_group").order_by(order, "pk")


@dataclass(frozen=True)
class InboxFilters:
    campaign: int | None = None
    stage: str = ""
    due_this_week: bool = False
    overdue: bool = False


#: My tasks' cards on one screen (a phone's first screen shows a few; "More tasks" brings the next ones).
INBOX_TASKS_PER_PAGE = 20


def tasks_for_inbox(user, filters: InboxFilters, *, today: dt.date) -> InboxTasks:
    """My tasks: open tasks assigned to ``user`` and those waiting in the
    queues of the user's working groups, overdue first, then by due date."""
    scope = scope_of(user)
    # Open tasks follow their campaign's working group (campaign_assign moves
    # them and takes them from people who may not hold them), so a group's
    # queue is visible to its officers; what is assigned to the user is
    # checked against the campaigns they see (``open_tasks_given_to``).
    branches = [open_tasks_given_to(user)]
    branches += [Task.objects.filter(working_group_id=group, assignee__isnull=True, status=TaskStatus.OPEN)
                 for group in sorted(scope.groups)]
    for index, qs in enumerate(branches):
        if filters.campaign:
            qs = qs.filter(campaign_id=filters.campaign)
        if filters.stage:
            qs = qs.filter(stage=filters.stage)
        if filters.overdue:
            qs = qs.filter(due_on__lt=today)
        if filters.due_this_week:
            qs = qs.filter(due_on__lte=today + dt.timedelta(days=6 - today.weekday()))
        branches[index] = qs.order_by()
    return InboxTasks(branches)


class InboxTasks:
    """The tasks of My tasks, read the way the indexes are built: each branch
    (the user's own tasks, one group's queue) walks its partial index in due
    order and stops at the page's end; a page is one query, the count is
    one. A Paginator takes it like a queryset (``count()`` and slices)."""

    ordered = True

    def __init__(self, branches: list[QuerySet[Task]]) -> None:
        self.branches = branches

    def count(self) -> int:
        ids = [b.values("pk") for b in self.branches]
        return ids[0].union(*ids[1:], all=True).count() if len(ids) > 1 else ids[0].count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Task]:
        start, stop = item.start or 0, item.stop
        if connection.features.supports_slicing_ordering_in_compound:
            rows = Task.objects.filter(pk__in=first_of_each(self.branches, order=("due_on", "pk"), limit=stop))
        else:  # SQLite: no LIMIT inside a UNION; one OR query instead (small databases)
            rows = Task.objects.filter(pk__in=functools.reduce(operator.or_, self.branches).values("pk"))
        # what a card shows (not its working group: a join less to plan on every page)
        return list(rows.select_related("campaign__enterprise", "campaign__responsible_unit", "assignee")
                    .order_by("due_on", "pk")[start:stop])


BOARD_CARDS_PER_STAGE = 30
BOARD_STAGES = flows.PIPELINE + (Stage.ON_HOLD,)


@dataclass(frozen=True)
class BoardColumn:
    stage: str
    label: str
    count: int
    cards: tuple


def pipeline_board(user, filters: CampaignFilters, *, today: dt.date) -> list[BoardColumn]:
    """One column per stage with the count of visible campaigns and the
    most recently moved ones as cards, in three queries whatever the size:
    the counts (from the rollups when they can answer, ``counts_from_rollups``),
    the cards' ids (each stage's latest moved, one ``LIMIT`` per stage over
    the indexes on (unit, stage, moved) and (stage, moved), side by side in
    one UNION ALL) and the cards themselves."""
    base = campaigns_for_list(user, CampaignFilters(**{**filters.__dict__, "stage": ""}), today=today)
    base = base.filter(stage__in=BOARD_STAGES)
    counts = counts_from_rollups(user, filters, BOARD_STAGES)
    if counts is None:
        counts = dict(base.order_by().values_list("stage").annotate(n=Count("pk")))
    cards: dict[str, list[Campaign]] = {stage: [] for stage in BOARD_STAGES}
    if connection.features.supports_slicing_ordering_in_compound and rollups.read():
        shown = [base.filter(stage=stage) for stage in BOARD_STAGES if counts.get(stage)]
        heads = first_of_each(shown, order=("-stage_entered_at", "-pk"), limit=BOARD_CARDS_PER_STAGE) if shown else None
        found = base.filter(pk__in=heads).order_by("stage", "-stage_entered_at", "-pk") if shown else []
    else:  # SQLite: no LIMIT inside a UNION; a window over the rows (small databases; the bench's baseline)
        found = (base.annotate(rank=Window(RowNumber(), partition_by=[F("stage")],
                                           order_by=[F("stage_entered_at").desc(), F("pk").desc()]))
                 .filter(rank__lte=BOARD_CARDS_PER_STAGE).order_by("stage", "rank"))
    for campaign in found:
        cards[campaign.stage].append(campaign)
    return [BoardColumn(stage, str(Stage(stage).label), counts.get(stage, 0), tuple(cards[stage]))
            for stage in BOARD_STAGES]


def counts_from_rollups(user, filters: CampaignFilters, stages: Iterable[str]) -> dict[str, int] | None:
    """The visible campaigns per stage (of ``stages``) that match ``filters``,
    read from the rollups of the units whose subtrees the user sees — a row
    per unit and stage, whatever the number of campaigns — or None where
    the rollups cannot say: SQLite, a filter other than the unit and the
    stage, or a working group's campaigns outside the user's subtrees."""
    if not rollups.read() or any((filters.q, filters.group, filters.sector, filters.band, filters.overdue,
                                  filters.stalled)):
        return None
    roots = _list_roots(user, filters)
    if roots is None:
        return None
    counts = rollups.counts_under(roots, stages)
    return {stage: counts.get(stage, 0) for stage in stages}


def _list_roots(user, filters: CampaignFilters) -> tuple[str, ...] | None:
    """The paths of the subtrees whose campaigns are exactly those the user
    sees in a list (the chosen unit's when one is), or None when a working
    group of a unit outside them shows more."""
    scope = scope_of(user)
    if not all(any(path.startswith(p) for p in scope.overseen) for path in scope.group_units):
        return None  # a group of a unit outside the user's subtrees: the campaigns it works are counted by rows
    roots = scope.overseen
    if filters.unit_path:
        within = any(filters.unit_path.startswith(p) for p in roots)
        roots = (filters.unit_path,) if within else tuple(p for p in roots if p.startswith(filters.unit_path))
    return roots


class Counted:
    """A list's rows with a count known beforehand (from the rollups), read
    the way the indexes are built: sorted by the day they entered their
    stage, a page is each stage's first rows to the page's end (one
    ``LIMIT`` per stage over the index on (stage, moved), side by side in
    one UNION ALL) and then the page itself — not every visible campaign
    sorted to find the first 25. Where the visible campaigns are those of a
    few units (``units``: a query of their (unit id, stage) with campaigns;
    a province's or a district's supervisor), each unit's and stage's first rows instead
    (a LATERAL ``LIMIT`` over the index on (unit, stage, moved)): the
    stage's index would walk the whole country's campaigns of the stage to
    find the subtree's. A Paginator takes it like a queryset (``count()``
    and slices)."""

    #: The orders the per-stage heads can serve (the index's column, both ways; ties by id, as the list's).
    BY_STAGE = {"-stage_entered_at": ("-stage_entered_at", "pk"), "stage_entered_at": ("stage_entered_at", "pk")}

    def __init__(self, rows: QuerySet, count: int | None, *, stages: Sequence[str] = (), order: str = "",
                 units: QuerySet | None = None) -> None:
        self.rows, self.known, self.stages, self.order, self.units = rows, count, tuple(stages), order, units
        self.ordered = rows.ordered

    def count(self) -> int:
        return self.rows.count() if self.known is None else self.known

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        order = self.BY_STAGE.get(self.order)
        if not (isinstance(item, slice) and order and self.stages and rollups.read()
                and connection.features.supports_slicing_ordering_in_compound):
            return self.rows[item]
        start, stop = item.start or 0, item.stop
        if self.units is not None:
            chosen = self._heads_by_unit(descending=order[0].startswith("-"), limit=stop)
        else:
            chosen = first_of_each([self.rows.filter(stage=stage) for stage in self.stages], order=order, limit=stop)
        return list(self.rows.filter(pk__in=chosen).order_by(*order)[start:stop])

    def _heads_by_unit(self, *, descending: bool, limit: int) -> RawSQL:
        """The ids of the first ``limit`` campaigns of the units, among each
        unit's and stage's first ``limit`` (ties by id, as the list's)."""
        pairs_sql, pairs_params = self.units.query.sql_with_params()
        way = "DESC" if descending else "ASC"
        return RawSQL(
            f"SELECT h.id FROM ({pairs_sql}) us(unit_id, stage) "
            f"CROSS JOIN LATERAL (SELECT c.id, c.stage_entered_at FROM {Campaign._meta.db_table} c "
            f"WHERE c.responsible_unit_id = us.unit_id AND c.stage = us.stage "
            f"ORDER BY c.stage_entered_at {way}, c.id LIMIT %s) h "
            f"ORDER BY h.stage_entered_at {way}, h.id LIMIT %s",
            (*pairs_params, limit, limit))


def campaigns_for_list_counted(user, filters: CampaignFilters, *, today: dt.date) -> Counted:
    """``campaigns_for_list`` with its count from the rollups where they can
    say (the stages a list shows: the chosen one, the open ones or all);
    there the visible campaigns are those of the units of the user's
    subtrees (or the chosen unit's), read unit by unit below the top of the
    tree (a province has about 20 upper-level units, the country 700)."""
    stages = [filters.stage] if filters.stage else list(flows.OPEN_STAGES if filters.open_only else Stage.values)
    counts = counts_from_rollups(user, filters, stages)
    units = None
    if counts is not None and (roots := _list_roots(user, filters)) and all(len(r) > Unit.steplen for r in roots):
        # the units and stages with campaigns there: the rollups' rows of the subtrees (a few thousand at
        # most), not the units' table (a province holds 20.000 grassroots unions)
        units = (SubtreeStage.objects.filter(functools.reduce(operator.or_, (Q(unit__path__startswith=r)
                                                                              for r in roots)), stage__in=stages)
                 .exclude(campaigns=0).values_list("unit_id", "stage").order_by())
    return Counted(campaigns_for_list(user, filters, today=today),
                   None if counts is None else sum(counts.values()), stages=stages, order=filters.sort, units=units)


def transitions_into(user, campaign: Campaign) -> dict[str, str]:
    """For a board card: target stage → the transition the user may take there."""
    moves = {}
    for declared in flows.transitions_from(campaign.stage):
        target = declared.target_from(campaign)
        if target and target not in moves and can(user, declared.action, campaign):
            moves[target] = declared.name
    return moves


# --- reminders and escalations (read by workflows.notifications.jobs) ----------------
@dataclass(frozen=True)
class ReminderRules:
    """From the rule set in force: remind this many working days before the
    due date (0: not before the due day), and tell the supervisors when a task
    is this many working days overdue (0: never)."""
    days_before: int = 2
    escalate_after: int = 3

    @classmethod
    def of(cls, rule_set: RuleSet | None) -> ReminderRules:
        if rule_set is None:
            return cls()
        return cls(days_before=rule_set.remind_before_due, escalate_after=rule_set.escalate_overdue_after)


def reminder_rules(*, on: dt.date, unit: Unit | None = None) -> ReminderRules:
    """Of the rule set in force on ``on`` for the campaigns of ``unit`` (None: the national one)."""
    return ReminderRules.of(RuleSet.objects.in_force(on, unit))


#: The path of a task's unit (its campaign's responsible unit).
TASK_UNIT_PATH = "campaign__responsible_unit__path"


def open_tasks_due_in(windows: Sequence[tuple[Zone, Sequence[tuple[dt.date, dt.date]]]], *,
                      after: tuple[dt.date, int] | None, limit: int) -> QuerySet:
    """One batch of open tasks due, for each (zone, ranges) of ``windows``,
    in any of the zone's half-open ``ranges`` ([start, end) date pairs) —
    the zones count their own working days — in (due date, id) order after
    the keyset ``after``: rows (pk, due_on, campaign_id, assignee_id,
    assignee_active, working_group_id, unit_path)."""
    due = Q(pk__in=[])
    for zone, ranges in windows:
        in_ranges = Q(pk__in=[])
        for start, end in ranges:
            if start < end:
                in_ranges |= Q(due_on__gte=start, due_on__lt=end)
        due |= zone.q(TASK_UNIT_PATH) & in_ranges
    qs = Task.objects.filter(due, status=TaskStatus.OPEN)
    if after is not None:
        qs = qs.filter(Q(due_on__gt=after[0]) | Q(due_on=after[0], pk__gt=after[1]))
    return (qs.order_by("due_on", "pk")
            .annotate(assignee_active=F("assignee__is_active"), unit_path=F(TASK_UNIT_PATH))
            .values_list("pk", "due_on", "campaign_id", "assignee_id", "assignee_active", "working_group_id",
                         "unit_path", named=True)[:limit])


def open_tasks_overdue(*, since: dt.date, before: dt.date, after: tuple[dt.date, int] | None,
                       limit: int) -> list[Task]:
    """One batch of open tasks due from ``since`` up to (not including)
    ``before``, in (due date, id) order after the keyset ``after``, with
    their campaign, its enterprise and its unit."""
    qs = Task.objects.filter(status=TaskStatus.OPEN, due_on__gte=since, due_on__lt=before)
    if after is not None:
        qs = qs.filter(Q(due_on__gt=after[0]) | Q(due_on=after[0], pk__gt=after[1]))
    return list(qs.select_related("campaign__responsible_unit", "campaign__enterprise").order_by("due_on", "pk")
                [:limit])


def officers_by_group(group_ids) -> dict[int, tuple[int, ...]]:
    """The active officers of each working group (the people a queue task
    waits for), in one query."""
    members: dict[int, list[int]] = {}
    for group_id, user_id in (WorkingGroupUserObjectPermission.objects
                              .filter(content_object_id__in=set(group_ids), permission__codename=Role.OFFICER,
                                      user__is_active=True, content_object__is_active=True)
                              .order_by("user_id").values_list("content_object_id", "user_id")):
        members.setdefault(group_id, []).append(user_id)
    return {group_id: tuple(users) for group_id, users in members.items()}


def supervisors_by_unit_path(paths) -> dict[str, frozenset[int]]:
    """For each unit path, the active supervisors of that unit or of a unit
    above it, in one query over the grants on every prefix of the paths."""
    paths = set(paths)
    step = Unit.steplen
    prefixes = {path[:end] for path in paths for end in range(step, len(path) + 1, step)}
    on_unit: dict[str, set[int]] = {}
    for unit_path, user_id in UnitUserObjectPermission.objects.filter(
            content_object__path__in=prefixes, content_object__is_active=True,
            permission__codename=Role.SUPERVISOR, user__is_active=True,
    ).values_list("content_object__path", "user_id"):
        on_unit.setdefault(unit_path, set()).add(user_id)
    return {path: frozenset().union(*(on_unit.get(path[:end], ()) for end in range(step, len(path) + 1, step)))
            for path in paths}


def overdue_task_recipients(*, today: dt.date, where: Q | None = None) -> list[int]:
    """Everybody with an overdue open task (among those ``where`` keeps):
    assignees, and the officers of the groups whose queue holds one. Two
    grouped queries on the open-task indexes, then the group members."""
    overdue = Task.objects.filter(status=TaskStatus.OPEN, due_on__lt=today)
    if where is not None:
        overdue = overdue.filter(where)
    people = set(overdue.exclude(assignee=None).order_by().values_list("assignee_id", flat=True).distinct())
    groups = set(overdue.filter(assignee=None).exclude(working_group=None).order_by()
                 .values_list("working_group_id", flat=True).distinct())
    for members in officers_by_group(groups).values():
        people.update(members)

    return sorted(get_user_model().objects.filter(pk__in=people, is_active=True).values_list("pk", flat=True))


@dataclass(frozen=True)
class OverdueList:
    count: int
    tasks: tuple  # the first ones, by due date: rows of overdue_tasks_of


def overdue_tasks_of(user_ids, *, today: dt.date, listed: int) -> dict[int, OverdueList]:
    """Per user: their overdue open tasks (assigned to them, or waiting in a
    queue of their groups), counted, the first ``listed`` by due date. Two
    queries for any number of users."""
    user_ids = set(user_ids)

    groups_of: dict[int, set[int]] = {}
    for user_id, group_id in WorkingGroupUserObjectPermission.objects.filter(
            user_id__in=user_ids, permission__codename=Role.OFFICER, content_object__is_active=True,
    ).values_list("user_id", "content_object_id"):
        groups_of.setdefault(group_id, set()).add(user_id)
    rows = (Task.objects.filter(Q(assignee_id__in=user_ids) | Q(assignee=None, working_group_id__in=list(groups_of)),
                                status=TaskStatus.OPEN, due_on__lt=today)
            .order_by("due_on", "pk")
            .values_list("pk", "title", "due_on", "campaign_id", "campaign__enterprise__name", "assignee_id",
                         "working_group_id", named=True))
    found: dict[int, list] = {user_id: [] for user_id in user_ids}
    for row in rows:
        for user_id in ({row.assignee_id} if row.assignee_id else groups_of.get(row.working_group_id, ())):
            if user_id in found:
                found[user_id].append(row)
    return {user_id: OverdueList(len(tasks), tuple(tasks[:listed])) for user_id, tasks in found.items()}


def campaigns_newly_stalled(*, today: dt.date, zones: Iterable[Zone], after: int | None, limit: int) -> QuerySet:
    """One batch (by id, after ``after``) of the campaigns of ``zones`` that
    overran their stage's time limit on ``today`` and had not on their
    zone's previous working day: rows (pk, stage, stage_entered_at, unit_path)."""
    condition = Q(pk__in=[])
    for zone in zones:
        previous = today - dt.timedelta(days=1)
        while not zone.calendar.is_working_day(previous):
            previous -= dt.timedelta(days=1)
        now = _cutoffs(zone.rules_on(today), zone.calendar, today)
        before = _cutoffs(zone.rules_on(previous), zone.calendar, previous)
        newly_stalled = Q(pk__in=[])
        for stage, cutoff in now.items():
            newly = Q(stage=stage, stage_entered_at__lt=cutoff)
            if stage in before:  # else the stage had no limit yet: every overrun is new
                newly &= Q(stage_entered_at__gte=before[stage])
            newly_stalled |= newly
        if now:
            condition |= zone.q("responsible_unit__path") & newly_stalled
    qs = Campaign.objects.filter(condition)
    if after is not None:
        qs = qs.filter(pk__gt=after)
    return (qs.order_by("pk").annotate(unit_path=F("responsible_unit__path"))
            .values_list("pk", "stage", "stage_entered_at", "unit_path", named=True)[:limit])


# --- the registry's campaigns (read by the enterprise pages) ------------------------
def enterprises_with_campaigns(user, filters: EnterpriseFilters) -> QuerySet[Enterprise]:
    """The registry list and its export: ``enterprises_for_list`` (the
    registry's own filters) with each enterprise's open campaign
    (``open_campaign_id``, ``open_campaign_stage``), kept to those with one
    or none as ``filters.campaign`` ("open", "none") says."""
    open_campaign = Campaign.objects.filter(enterprise=OuterRef("pk"), stage__in=flows.OPEN_STAGES)
    qs = enterprises_for_list(user, filters).annotate(open_campaign_id=Subquery(open_campaign.values("pk")[:1]),
                                                      open_campaign_stage=Subquery(open_campaign.values("stage")[:1]))
    if filters.campaign == "open":
        qs = qs.filter(open_campaign_id__isnull=False)
    elif filters.campaign == "none":
        qs = qs.filter(open_campaign_id__isnull=True)
    return qs


def registry_count(user, filters: EnterpriseFilters) -> int | None:
    """How many enterprises ``enterprises_with_campaigns`` lists, from the
    registry's rollup (``SubtreeBand``: one row per band and union status of
    the unit's subtree) when it can tell: the rollups read, no filter but
    the union status, and a unit chosen whose whole subtree the user sees
    (or none: every subtree the user sees). None otherwise (the list counts
    its rows: 70–110 ms for a child unit or the country at national scale,
    where this reads a dozen rows)."""
    if not rollups.read() or any((filters.q.strip(), filters.sector, filters.band, filters.campaign)) or (
            filters.union not in ("", "yes", "no")):
        return None
    seen = set(scope_of(user).overseen) | set(scope_of(user).group_units)
    if filters.unit_path:
        if not any(filters.unit_path.startswith(path) for path in seen):
            return None
        roots = [filters.unit_path]
    else:  # the subtrees the user sees, each once
        roots = [path for path in seen if not any(path != other and path.startswith(other) for other in seen)]
    if not roots:
        return None
    rows = SubtreeBand.objects.filter(unit__path__in=roots)
    if filters.union:
        rows = rows.filter(has_union=filters.union == "yes")
    return rows.aggregate(n=Coalesce(Sum("enterprises"), 0))["n"]


@dataclass(frozen=True)
class EnterpriseCampaign:
    campaign: Campaign
    linked: bool  # the user may open it


@dataclass(frozen=True)
class EnterpriseCampaigns:
    rows: tuple[EnterpriseCampaign, ...]
    has_open: bool


def campaigns_of_enterprise(user, enterprise: Enterprise) -> EnterpriseCampaigns:
    """Every campaign of the enterprise, newest first, whoever works it; the
    page links only those ``user`` may open (``campaign_ids_visible_to``)."""
    campaigns = list(enterprise.campaigns.select_related("working_group").order_by("-opened_at", "-pk"))
    linked = campaign_ids_visible_to(user, [c.pk for c in campaigns])
    return EnterpriseCampaigns(tuple(EnterpriseCampaign(c, c.pk in linked) for c in campaigns),
                               any(c.stage in flows.OPEN_STAGES for c in campaigns))


# --- a supervisor's working groups (read by the organisation pages) -----------------
@dataclass(frozen=True)
class GroupMember:
    user_id: int
    name: str
    is_leader: bool
    is_collaborator: bool
    open_tasks: int
    overdue_tasks: int


@dataclass(frozen=True)
class GroupLoad:
    group: WorkingGroup
    members: tuple[GroupMember, ...]
    queue: int
    queue_overdue: int


def workload_of_groups(user, *, today) -> list[GroupLoad]:
    """The working groups a supervisor supervises, their members, and per
    member and per queue the open and overdue tasks: three queries."""
    groups = list(groups_supervised_by(user))
    grants = (WorkingGroupUserObjectPermission.objects
              .filter(content_object__in=groups, permission__codename=Role.OFFICER, user__is_active=True)
              .select_related("user__profile").order_by("user__last_name", "user__first_name"))
    # An open task is in its campaign's working group (``campaign_assign`` and a group's closing move them
    # together) and a group works the campaigns of its unit's subtree: the tasks of the groups the user
    # supervises are theirs to see, counted from the group index alone (``task_open_group_idx``) rather
    # than each joined to its campaign and unit (a province's 534.000 open tasks: 580 ms → 80 ms).
    open_tasks = Task.objects.filter(status=TaskStatus.OPEN, working_group__in=[g.pk for g in groups])
    per_member = {(row["working_group"], row["assignee"]): row for row in open_tasks.values(
        "working_group", "assignee").annotate(n=Count("*"), late=Count("due_on", filter=Q(due_on__lt=today)))}
    members: dict[int, list[GroupMember]] = {g.pk: [] for g in groups}
    for grant in grants:
        person = grant.user
        row = per_member.get((grant.content_object_id, person.pk), {})
        profile = getattr(person, "profile", None)
        members[grant.content_object_id].append(GroupMember(
            person.pk, person.get_full_name() or person.get_username(),
            is_leader=person.pk == next(g.leader_id for g in groups if g.pk == grant.content_object_id),
            is_collaborator=bool(profile and profile.is_collaborator),
            open_tasks=row.get("n", 0), overdue_tasks=row.get("late", 0)))
    return [GroupLoad(g, tuple(members[g.pk]), per_member.get((g.pk, None), {}).get("n", 0),
                      per_member.get((g.pk, None), {}).get("late", 0)) for g in groups]


def reassignable_tasks_of(user, officer_id: int) -> QuerySet[Task]:
    """Open tasks of one officer that ``user`` (a supervisor) may reassign, with what the officer's tasks
    page shows of them: the title, the due date, the campaign, its enterprise's name (``enterprise_name``)
    — a page's 100 rows are 100 objects, not 300 whole ones."""
    scope = scope_of(user)
    return (Task.objects.filter(scope.subtree_q("campaign__responsible_unit__path", scope.supervised),
                                assignee_id=officer_id, status=TaskStatus.OPEN)
            .only("title", "due_on", "status", "campaign_id")
            .annotate(enterprise_name=F("campaign__enterprise__name"))
            .order_by("due_on", "pk"))


def open_tasks_of(officer_id: int) -> QuerySet[Task]:
    """All the open tasks of one officer, in the order of ``reassignable_tasks_of``, from their index
    alone (``PagesByIds``'s walk when the supervisor may reassign every one of them)."""
    return Task.objects.filter(assignee_id=officer_id, status=TaskStatus.OPEN).order_by("due_on", "pk")


def reassignable_task_places(user, officer_id: int, *, task_ids: Iterable[int] | None = None) -> list[TaskPlace]:
    """Where the tasks of ``reassignable_tasks_of`` sit (working group × the
    campaign's unit, with their count): all of them, or those of
    ``task_ids`` that are among them. A handful of rows from three or four queries
    whatever the number of tasks, without joining each task to its campaign:

    - the officer's open tasks counted per working group, from their index;
    - each of those groups with its name and the lowest and highest unit of
      its campaigns (two probes of ``campaign_group_unit_idx``). An open task
      is in its campaign's group (``services.campaign_assign`` and the group
      transfers take the open tasks along), so a group whose campaigns all sit
      in one unit has its tasks there — the usual case;
    - only the tasks of groups whose campaigns sit in several units (a case
      moved to another unit) and those of no group, joined to their campaign;
    - the units' paths, those inside the supervisor's reach kept.

    At national scale, an officer with 6.467 tasks: 35 ms of SQL before, 1 ms."""
    scope = scope_of(user)
    tasks = open_tasks_of(officer_id)
    if task_ids is not None:
        tasks = tasks.filter(pk__in=sorted(set(task_ids)))
    per_group = dict(tasks.order_by().values_list("working_group_id").annotate(n=Count("pk")))
    if not per_group:
        return []
    of_group = Campaign.objects.filter(working_group=OuterRef("pk")).values("responsible_unit_id")
    names, counted, mixed = {}, [], set(per_group) - {None}
    for group_id, name, lowest, highest in (
            WorkingGroup.objects.filter(pk__in=sorted(mixed))
            .annotate(lowest=Subquery(of_group.order_by("responsible_unit_id")[:1]),
                      highest=Subquery(of_group.order_by("-responsible_unit_id")[:1]))
            .values_list("pk", "name", "lowest", "highest")):
        names[group_id] = name
        if lowest is not None and lowest == highest:
            counted.append((group_id, lowest, per_group[group_id]))
            mixed.discard(group_id)
    if mixed or None in per_group:
        rest = Q(working_group_id__in=sorted(mixed)) | (Q(working_group__isnull=True) if None in per_group else Q())
        counted += tasks.filter(rest).order_by().values_list("working_group_id", "campaign__responsible_unit_id") \
            .annotate(n=Count("pk"))
    paths = dict(Unit.objects.filter(scope.subtree_q("path", scope.supervised),
                                     pk__in=sorted({unit_id for _group, unit_id, _n in counted}))
                 .values_list("pk", "path"))
    per_place: dict[tuple[str, int | None], int] = {}
    for group_id, unit_id, n in counted:
        if unit_id in paths:
            per_place[paths[unit_id], group_id] = per_place.get((paths[unit_id], group_id), 0) + n
    ordered = sorted(per_place.items(), key=lambda item: (item[0][0], item[0][1] is None, item[0][1] or 0))
    return [TaskPlace(group_id, names.get(group_id, ""), path, n) for (path, group_id), n in ordered]


# =====================================================================================
# Page contexts (read by the views; "views" keeps this section)
# =====================================================================================
@dataclass(frozen=True)
class TaskRow:
    """A task as a list shows it, with what the user may do to it."""
    task: Task
    overdue: bool
    can_complete: bool
    can_claim: bool
    can_reassign: bool


def task_rows(user, tasks, *, today: dt.date, scope=None) -> list[TaskRow]:
    """Rows of already-loaded tasks (their campaign's unit loaded too): no query."""
    scope = scope or scope_of(user)
    return [TaskRow(task=task, overdue=task.due_on < today,
                    can_complete=can_complete_task(user, task, scope=scope),
                    can_claim=task.assignee_id is None and can_claim_task(user, task, scope=scope),
                    can_reassign=can_reassign_task(user, task, scope=scope))
            for task in tasks]


@dataclass(frozen=True)
class CampaignPage:
    """What the campaign page shows and who may do what there."""
    campaign: Campaign
    today: dt.date
    options: tuple[TransitionOption, ...]
    pipeline: tuple[tuple[str, str], ...]
    reached: int  # the index in ``pipeline`` of the stage reached (the held stage when on hold); -1: none
    events: tuple[CampaignEvent, ...]
    workforce: WorkforceFigure
    open_rows: tuple[TaskRow, ...]
    closed_tasks: tuple[Task, ...]
    committee: tuple
    stalled: bool
    can_work: bool  # record meetings, counts, notes, tasks: works the case and the case is being worked
    can_assign: bool
    may_assign: bool  # the assignment form is offered (also on a closed case: its errors say why)
    show_contacts: bool
    people: tuple[tuple[int, str], ...]  # who a task may be given to: the working group's officers
    groups: tuple[tuple[int, str], ...]  # the working groups the user may give the case to
    #: a recognised campaign: its new grassroots union's first year (its milestones are not in the task lists)
    follow_up: FollowUpSection | None = None
    #: the workers of the case (``people_pages``); names only for those who may see them
    people_panel: object | None = None
    #: the committee, applications and admission by name (``membership_pages``)
    membership_panel: object | None = None
    #: the latest survey visit of the enterprise (its figures feed stage "surveyed")
    survey_visit: object | None = None


def campaign_page(user, campaign: Campaign, *, today: dt.date) -> CampaignPage:
    scope = scope_of(user)
    works = can(user, Action.WORK, campaign, scope=scope)
    sees_people = can(user, Action.PEOPLE, campaign, scope=scope)
    may_assign = can(user, Action.ASSIGN, campaign, scope=scope)
    tasks = list(campaign.tasks.select_related("assignee", "working_group", "closed_by")
                 .order_by("status", "due_on", "pk"))
    for task in tasks:
        task.campaign = campaign  # already loaded: the policy reads its unit
    follow_up = follow_up_section(user, campaign, tasks, today=today, scope=scope)
    if follow_up is not None:
        tasks = [t for t in tasks if not _is_milestone(t)]
    stage = campaign.held_stage or campaign.stage
    events = tuple(campaign_timeline(campaign))
    return CampaignPage(
        campaign=campaign, today=today,
        options=tuple(transition_options_for(user, campaign)),
        pipeline=tuple((s.value, s.label) for s in flows.PIPELINE),
        reached=flows.PIPELINE.index(stage) if stage in flows.PIPELINE else -1,
        events=events, workforce=campaign_workforce_figure(campaign, list(events)),
        open_rows=tuple(task_rows(user, [t for t in tasks if t.status == TaskStatus.OPEN], today=today, scope=scope)),
        closed_tasks=tuple(t for t in tasks if t.status != TaskStatus.OPEN),
        committee=tuple(committee_of(campaign)) if sees_people else (),
        stalled=is_stalled(campaign, stalled_cutoffs(today=today, unit=campaign.responsible_unit)),
        can_work=works and campaign.stage in flows.WORKING_STAGES,
        can_assign=may_assign and campaign.is_open, may_assign=may_assign, show_contacts=works,
        people=tuple(task_people(campaign)),
        groups=tuple((g.pk, f"{g.name} — {g.unit.name}") for g in groups_that_may_work(user, campaign.responsible_unit))
        if may_assign else (),
        follow_up=follow_up,
        people_panel=people_pages.people_panel(user, campaign, scope=scope, today=today),
        membership_panel=membership_pages.membership_panel(user, campaign, scope=scope, today=today),
        survey_visit=latest_visit_of(campaign.enterprise_id),
    )


def campaigns_shown_to(user) -> QuerySet[Campaign]:
    """The campaigns ``user`` may see, with what their pages show of them."""
    return campaigns_visible_to(user).select_related("enterprise", "responsible_unit", "working_group",
                                                     "recognised_unit")


def tasks_shown_to(user) -> QuerySet[Task]:
    """The tasks ``user`` may see, with what their rows show of them."""
    return tasks_visible_to(user).select_related("campaign__responsible_unit", "campaign__enterprise", "assignee",
                                                 "working_group")


def campaign_visible(user, pk: int) -> Campaign | None:
    """The campaign as it is now, if the user may see it (a conflict's page says where it is)."""
    return campaigns_shown_to(user).filter(pk=pk).first()


def committee_of(campaign: Campaign) -> QuerySet:
    return campaign.committee_members.select_related("worker")


def task_people(campaign: Campaign) -> list[tuple[int, str]]:
    """Who a task of the campaign may be given to: its working group's officers."""
    return person_choices(group_members([campaign.working_group_id])) if campaign.working_group_id else []


@dataclass(frozen=True)
class RegistryRow:
    """An enterprise as the registry list shows it: its open campaign is
    linked only for who may open it."""
    enterprise: Enterprise
    campaign_linked: bool


def registry_rows(user, enterprises) -> list[RegistryRow]:
    """Rows of a page of ``enterprises_with_campaigns``: one query."""
    enterprises = list(enterprises)
    linked = campaign_ids_visible_to(user, [e.open_campaign_id for e in enterprises])
    return [RegistryRow(e, e.open_campaign_id in linked) for e in enterprises]


@dataclass(frozen=True)
class EnterprisePage:
    """The enterprise page: its campaigns, and whether the user may open one
    (nothing open, no grassroots union yet, a supervisor of its unit) or edit it."""
    enterprise: Enterprise
    campaigns: tuple[EnterpriseCampaign, ...]
    can_open: bool
    can_edit: bool
    groups: tuple[WorkingGroup, ...]  # the groups a new campaign may be given to (when it may be opened)


def enterprise_page(user, enterprise: Enterprise) -> EnterprisePage:
    campaigns = campaigns_of_enterprise(user, enterprise)
    can_open = not campaigns.has_open and not enterprise.has_union and can_open_for(user, enterprise)
    return EnterprisePage(
        enterprise=enterprise, campaigns=campaigns.rows, can_open=can_open,
        can_edit=enterprise_permissions.can_edit(user, enterprise),
        groups=tuple(groups_that_may_work(user, enterprise.responsible_unit)) if can_open else ())


# --- the first year of a new grassroots union (follow-up) ----------------------------
def _milestone_tasks(campaign) -> QuerySet[Task]:
    """The follow-up's milestones of ``campaign`` (an id or an ``OuterRef``)."""
    return Task.objects.filter(campaign=campaign, stage=Stage.RECOGNISED).exclude(milestone="")


def _is_milestone(task: Task) -> bool:
    return task.stage == Stage.RECOGNISED and bool(task.milestone)


def follow_up_status_expression(today: dt.date, *, prefix: str = "", campaign=None) -> Case:
    """The status of a follow-up on ``today``, computed in the database as
    ``FollowUp.status_on`` reads it: failed, else standing on its own, else
    late (an open milestone overdue), else on track. ``prefix``: the path to
    the follow-up's fields (``"follow_up__"`` from a campaign: "" when it has
    none); ``campaign``: the reference to its campaign (default: the
    follow-up's)."""
    campaign = campaign if campaign is not None else OuterRef("campaign_id")
    late = Exists(_milestone_tasks(campaign).filter(status=TaskStatus.OPEN, due_on__lt=today))
    whens = [When(**{f"{prefix}id__isnull": True}, then=Value(""))] if prefix else []
    whens += [When(**{f"{prefix}failed_on__isnull": False}, then=Value(FollowUpStatus.FAILED.value)),
              When(**{f"{prefix}standing_on__isnull": False}, then=Value(FollowUpStatus.STANDING.value)),
              When(late, then=Value(FollowUpStatus.LATE.value))]
    return Case(*whens, default=Value(FollowUpStatus.ON_TRACK.value), output_field=CharField())


def _count_of(tasks: QuerySet[Task]) -> Coalesce:
    return Coalesce(Subquery(tasks.order_by().values("campaign").annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), 0)


@dataclass(frozen=True)
class FollowUpFilters:
    status: str = ""  # a FollowUpStatus value, "" for all


def follow_ups_for_list(user, filters: FollowUpFilters, *, today: dt.date) -> QuerySet[FollowUp]:
    """The first years of the new grassroots unions whose campaign ``user``
    may see, newest recognition first, each with its ``status`` (computed
    in the database, filterable), ``next_due`` (the earliest open
    milestone's due date), ``milestones_done`` and ``milestones_total``:
    one query for a page of them."""
    milestones = _milestone_tasks(OuterRef("campaign_id"))
    qs = (FollowUp.objects.filter(campaign__in=campaigns_visible_to(user).values("pk"))
          .annotate(status=follow_up_status_expression(today),
                    next_due=Subquery(milestones.filter(status=TaskStatus.OPEN).order_by("due_on", "pk")
                                      .values("due_on")[:1]),
                    milestones_done=_count_of(milestones.filter(status=TaskStatus.DONE)),
                    milestones_total=_count_of(milestones)))
    if filters.status:
        qs = qs.filter(status=filters.status)
    return (qs.select_related("unit", "campaign__enterprise", "campaign__responsible_unit")
            .order_by("-opened_on", "-pk"))


@dataclass(frozen=True)
class MilestoneRow:
    """A milestone of the first year as the campaign page shows it."""
    task: Task
    overdue: bool
    can_complete: bool  # the user may record it done (the inline form is shown)


@dataclass(frozen=True)
class FollowUpSection:
    """The "First year" section of a recognised campaign's page."""
    follow_up: FollowUp
    status: str  # FollowUpStatus
    status_label: str
    milestones: tuple[MilestoneRow, ...]  # by due date
    done: int
    can_fail: bool  # the "Record failure" form is offered (a supervisor, not failed yet)


def follow_up_section(user, campaign: Campaign, tasks: Sequence[Task], *, today: dt.date,
                      scope=None) -> FollowUpSection | None:
    """The section from the campaign's tasks already loaded (their campaign
    set): one query for the follow-up; None when the campaign has none."""
    if campaign.stage != Stage.RECOGNISED:
        return None
    follow_up = FollowUp.objects.filter(campaign=campaign).first()
    if follow_up is None:
        return None
    scope = scope or scope_of(user)
    milestones = sorted((t for t in tasks if _is_milestone(t)), key=lambda t: (t.due_on, t.pk))
    rows = tuple(MilestoneRow(task=t, overdue=t.status == TaskStatus.OPEN and t.due_on < today,
                              can_complete=t.status == TaskStatus.OPEN and can_complete_task(user, t, scope=scope))
                 for t in milestones)
    status = follow_up.status_on(today, late=any(row.overdue for row in rows))
    return FollowUpSection(
        follow_up=follow_up, status=status, status_label=str(FollowUpStatus(status).label), milestones=rows,
        done=sum(1 for t in milestones if t.status == TaskStatus.DONE),
        can_fail=not follow_up.failed_on and can(user, Action.FAIL, campaign, scope=scope))


@dataclass(frozen=True)
class UnitFollowUp:
    """A new grassroots union's first year, as its unit's page shows it."""
    follow_up: FollowUp
    status: str
    status_label: str
    campaign_linked: bool  # the user may open its campaign


def follow_up_of_unit(user, unit: Unit, *, today: dt.date) -> UnitFollowUp | None:
    """The first year of the grassroots union ``unit``, if it is a new one:
    two queries (the follow-up with its status; whether its campaign opens
    for ``user``)."""
    follow_up = (FollowUp.objects.filter(unit=unit).annotate(status=follow_up_status_expression(today))
                 .select_related("campaign").first())
    if follow_up is None:
        return None
    linked = follow_up.campaign_id in campaign_ids_visible_to(user, [follow_up.campaign_id])
    return UnitFollowUp(follow_up, follow_up.status, str(FollowUpStatus(follow_up.status).label), linked)


# --- a move's reference data, kept in this process for the reference stamp ---------------------
# (``workflows.organisation.reference_stamp``: the move reads the stamp with its row lock; an
# administrator's change, in any process, gives the stamp another value.)
_RULES = StampedCache("rule sets", maxsize=512)
_TEMPLATES = StampedCache("stage task templates", maxsize=512)


def _units_keeping_rule_sets() -> frozenset[str]:
    return frozenset(RuleSet.objects.filter(unit__isnull=False).order_by().values_list("unit__path", flat=True)
                     .distinct())


def rules_in_force_cached(*, stamp: int | None, on: dt.date, unit: Unit) -> flows.Rules:
    """``rules_in_force`` for the campaigns of ``unit``, kept in this
    process for the reference stamp ``stamp`` (None: read afresh). The
    units under the nearest one that keeps rule sets share its rules, so
    one is kept per such unit (or the nation) and day: no query when kept."""
    if stamp is None:
        return rules_in_force(on=on, unit=unit)
    zone = deepest(unit.path, _RULES.get(stamp, ("keeping",), _units_keeping_rule_sets))
    return _RULES.get(stamp, ("rules", zone, on), lambda: rules_in_force(on=on, unit=unit))


def _units_keeping_checklists() -> dict[str, frozenset[str]]:
    rows = (StageTaskTemplate.objects.filter(is_active=True, unit__isnull=False).order_by()
            .values_list("stage", "unit__path").distinct())
    paths: dict[str, set[str]] = {}
    for stage, path in rows:
        paths.setdefault(stage, set()).add(path)
    return {stage: frozenset(kept) for stage, kept in paths.items()}


def stage_templates_cached(*, stamp: int | None, stage: str, unit: Unit) -> tuple[StageTaskTemplate, ...]:
    """``stage_templates`` of ``stage`` for the campaigns of ``unit``, kept in
    this process for the reference stamp ``stamp`` (None: read afresh):
    one checklist per stage and unit that keeps its own (or the nation's);
    no query when kept. The templates are shared: read them, never change them."""
    if stamp is None:
        return tuple(stage_templates(stage, unit=unit))
    keeping = _TEMPLATES.get(stamp, ("keeping",), _units_keeping_checklists)
    zone = deepest(unit.path, keeping.get(stage, frozenset()))
    return _TEMPLATES.get(stamp, ("templates", zone, stage), lambda: tuple(stage_templates(stage, unit=unit)))
