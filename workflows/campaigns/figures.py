"""Moving the campaign and task summary tables (``StageCohort``,
``StageEntries``, ``MonthFigures``, ``StageDuration``, ``TaskDueCount``),
inside the caller's transaction: the campaign services call these after the
change they count.

The funnel (``StageEntries``) counts a campaign once per stage it reached:
its first entry into the stage (``entries``). Every stay in a stage is a
stint of its own for the time in stage (``StageDuration``), whether the
campaign left it forward, back, on hold or closed.

Each function is one statement per table (``workflows.core.counters.add``):
concurrent transactions add up, rows are touched in key order.
``workflows.statistics.reconcile`` recomputes the same figures from the base
tables; the drift must be zero.

The unit is always passed in: the campaign's responsible unit at the moment
of the change, which is also the unit its event records
(``CampaignEvent.unit``). What happened (the funnel, abandoned, members
admitted, time in stage) stays with the unit where it happened; what is
(``StageCohort``, ``TaskDueCount``) moves with a campaign that changes unit
(``campaigns_transferred``, when a closed unit's work goes to its successor).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from workflows.core import counters

from . import flows
from .flows import Stage
from .models import CampaignEvent, EventKind, MonthFigures, StageCohort, StageDuration, StageEntries, TaskDueCount

#: The events that put a campaign in a stage.
ENTERING = (EventKind.OPENED, EventKind.STAGE)


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- campaigns ------------------------------------------------------------------
def entries(events: QuerySet[CampaignEvent]) -> QuerySet[CampaignEvent]:
    """Of ``events``, those by which a campaign entered a stage of the
    success path for the first time: what the funnel counts (and what
    ``reconcile`` and the dashboard as of a past day recount)."""
    earlier = CampaignEvent.objects.filter(campaign=OuterRef("campaign"), kind__in=ENTERING,
                                           to_stage=OuterRef("to_stage"), pk__lt=OuterRef("pk"))
    return events.filter(kind__in=ENTERING, to_stage__in=flows.PIPELINE).exclude(Exists(earlier))


def is_first_entry(*, campaign_id: int, stage: str) -> bool:
    """Would entering ``stage`` now be the campaign's first entry into it?
    (Asked before the entering event is written.)"""
    return stage in flows.PIPELINE and not CampaignEvent.objects.filter(
        campaign_id=campaign_id, kind__in=ENTERING, to_stage=stage).exists()


def campaign_opened(*, unit_id: int, on: dt.date) -> None:
    counters.add(StageCohort, ("unit", "stage", "entered_on"), {(unit_id, Stage.SURVEYED.value, on): {"campaigns": 1}})
    counters.add(StageEntries, ("unit", "month", "stage"), {(unit_id, month_of(on), Stage.SURVEYED.value): {
        "campaigns": 1}})


def campaign_moved(*, unit_id: int, from_stage: str, entered_on: dt.date, to_stage: str, on: dt.date,
                   working_days: int, first_entry: bool) -> None:
    """A campaign left ``from_stage`` (entered on ``entered_on``, after
    ``working_days`` working days in it) for ``to_stage`` on ``on``;
    ``first_entry``: it had never been at ``to_stage`` before (``is_first_entry``)."""
    counters.add(StageCohort, ("unit", "stage", "entered_on"), {
        (unit_id, from_stage, entered_on): {"campaigns": -1},
        (unit_id, to_stage, on): {"campaigns": 1},
    })
    if first_entry and to_stage in flows.PIPELINE:
        counters.add(StageEntries, ("unit", "month", "stage"), {(unit_id, month_of(on), to_stage): {"campaigns": 1}})
    if to_stage == Stage.ABANDONED:
        counters.add(MonthFigures, ("unit", "month"), {(unit_id, month_of(on)): {"abandoned": 1}})
    if from_stage in flows.WORKING_STAGES:
        counters.add(StageDuration, ("unit", "month", "stage", "working_days"),
                     {(unit_id, month_of(on), from_stage, working_days): {"stints": 1}})


def union_founded(*, unit_id: int, on: dt.date, members: int) -> None:
    """A campaign recognised by a decision dated ``on``: a grassroots union
    founded, with its ``members`` admitted."""
    counters.add(MonthFigures, ("unit", "month"), {(unit_id, month_of(on)): {"unions_founded": 1,
                                                                              "members_admitted": members}})


def members_moved(*, unit_id: int, month: dt.date, recruited: int = 0, lost: int = 0) -> None:
    """Members recruited in existing unions or lost, as a unit reports them
    (``workflows.statistics.services.movement_record``): the month's figures
    sit beside the campaigns' in ``MonthFigures``."""
    counters.add(MonthFigures, ("unit", "month"), {(unit_id, month_of(month)): {"members_recruited": recruited,
                                                                                  "members_lost": lost}})


def campaigns_transferred(*, from_unit_id: int, to_unit_id: int, cohorts: Iterable[tuple[str, dt.date]],
                          due_dates: Iterable[dt.date] = ()) -> None:
    """Open campaigns moved from one unit to another: ``cohorts`` holds each
    campaign's stage and the day it entered it, ``due_dates`` the due dates
    of their open tasks. Only the current-state rows move (the pipeline and
    the open tasks); the figures of what happened before stay with the unit
    where it happened, like the events they are counted from."""
    stages = counters.table()
    for stage, entered_on in cohorts:
        stages[(from_unit_id, stage, entered_on)]["campaigns"] -= 1
        stages[(to_unit_id, stage, entered_on)]["campaigns"] += 1
    counters.add(StageCohort, ("unit", "stage", "entered_on"), stages)
    tasks = counters.table()
    for due_on in due_dates:
        tasks[(from_unit_id, due_on)]["open_tasks"] -= 1
        tasks[(to_unit_id, due_on)]["open_tasks"] += 1
    counters.add(TaskDueCount, ("unit", "due_on"), tasks)


# --- tasks ----------------------------------------------------------------------
def tasks_opened(*, unit_id: int, due_dates: Iterable[dt.date]) -> None:
    tasks_changed(unit_id=unit_id, opened=due_dates)


def tasks_closed(*, unit_id: int, due_dates: Iterable[dt.date]) -> None:
    tasks_changed(unit_id=unit_id, closed=due_dates)


def tasks_changed(*, unit_id: int, closed: Iterable[dt.date] = (), opened: Iterable[dt.date] = ()) -> None:
    """Tasks closed and opened at once (a transition), in one statement."""
    deltas = counters.table()
    for due_dates, sign in ((closed, -1), (opened, +1)):
        for due_on in due_dates:
            deltas[(unit_id, due_on)]["open_tasks"] += sign
    counters.add(TaskDueCount, ("unit", "due_on"), deltas)
