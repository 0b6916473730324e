"""Moving the campaign and task summary tables (``StageCohort``,
``StageEntries``, ``MonthFigures``, ``StageDuration``, ``TaskDueCount``),
inside the caller's transaction: the campaign services call these after the
change they count.

The funnel (``StageEntries``) counts a campaign once per stage it reached:
its first entry into the stage (``entries``). Every stay in a stage is a
stint of its own for the time in stage (``StageDuration``), whether the
campaign left it forward, back, on hold or closed.

Each function is one statement per table (``workflows.core.counters.add``):
concurrent transactions add up, rows are touched in key order. A campaign's
move gathers its deltas in a ``Batch`` instead and writes them all in one
statement, the tables in the same order (``Batch.write``).
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

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet

from workflows.core import counters, prepared
from workflows.enterprises.models import EnterpriseBand

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


def _earlier_entries(*, campaign_id: int, stage: str, event_id: int) -> QuerySet[CampaignEvent]:
    """The campaign's entries into ``stage`` before the event ``event_id``
    (``entries``' own rule: none means that event is the first entry)."""
    return CampaignEvent.objects.filter(campaign_id=campaign_id, kind__in=ENTERING, to_stage=stage,
                                        pk__lt=event_id)


class Batch:
    """The summary deltas of one change, gathered from its steps and
    written at once (``write``): one statement for every table on
    PostgreSQL, whose parts run one after the other in the order of
    ``ORDER`` (the order in which the one-table functions of this module
    are called by every service), each table's rows in key order — so a
    move and any other writer of these rows never lock them crosswise.

    The funnel's row of a stage entered (``entry_if_first``) is added by
    the statement itself when the history holds no earlier entry: no
    question asked before."""

    #: The tables, in the order their rows are locked. The registry's bands
    #: come first: a recognition marks its enterprise as unionised before
    #: the campaign's figures, as it always did.
    ORDER = (EnterpriseBand, StageCohort, StageEntries, MonthFigures, StageDuration, TaskDueCount)

    def __init__(self) -> None:
        self._tables: dict[type, tuple[tuple[str, ...], dict]] = {}
        self._entries: list[tuple[tuple, dict]] = []  # (the funnel's key, ``_earlier_entries``' arguments)

    def add(self, model, keys: tuple[str, ...], deltas: dict[tuple, dict[str, int]]) -> None:
        """``counters.add``, later: ``deltas`` are added to what the batch holds."""
        if model not in self.ORDER:
            raise ValueError(f"{model.__name__} is not a table a batch writes")
        table = self._tables.setdefault(model, (keys, counters.table()))[1]
        for key, columns in deltas.items():
            for column, delta in columns.items():
                table[key][column] += delta

    def entry_if_first(self, *, unit_id: int, on: dt.date, stage: str, campaign_id: int, event_id: int) -> None:
        """The funnel counts ``stage`` for the unit in the month of ``on`` if
        the event ``event_id`` (written already) is the campaign's first
        entry into it."""
        self._entries.append(((unit_id, month_of(on), stage),
                              {"campaign_id": campaign_id, "stage": stage, "event_id": event_id}))

    def write(self) -> None:
        if connection.vendor != "postgresql":
            return self._write_one_by_one()
        parts: list[tuple] = []  # (model, keys, deltas, condition), in the order of ORDER
        for model in self.ORDER:
            keys, deltas = self._tables.get(model, ((), {}))
            deltas = {key: columns for key, columns in deltas.items() if any(columns.values())}
            if deltas:
                parts.append((model, keys, deltas, ("", [])))
            if model is StageEntries:
                for key, earlier in self._entries:
                    parts.append((StageEntries, ENTRY_KEYS, {key: {"campaigns": 1}}, _not_entered_before(**earlier)))
        if not parts:
            return
        # Each part waits for the rows of the one before it (a subquery on them): the order is certain.
        steps, params = [], []
        for i, (model, keys, deltas, (condition, condition_params)) in enumerate(parts):
            wait = f"(SELECT count(*) FROM step{i - 1}) >= 0" if i else ""
            sql, part_params = _upsert(model, keys, deltas, " AND ".join(filter(None, (wait, condition))))
            steps.append(f"step{i} AS ({sql} RETURNING 1)")
            params += part_params + condition_params
        with prepared.cursor() as cursor:  # planned once per connection for each shape (``core.prepared``)
            cursor.execute(f"WITH {', '.join(steps)} SELECT count(*) FROM step{len(parts) - 1}", params)

    def _write_one_by_one(self) -> None:
        for model in self.ORDER:
            keys, deltas = self._tables.get(model, ((), {}))
            counters.add(model, keys, deltas)
            if model is StageEntries:
                for (unit_id, month, stage), earlier in self._entries:
                    if not _earlier_entries(**earlier).exists():
                        counters.add(StageEntries, ENTRY_KEYS, {(unit_id, month, stage): {"campaigns": 1}})


ENTRY_KEYS = ("unit", "month", "stage")


def _upsert(model, keys: tuple[str, ...], deltas: dict[tuple, dict[str, int]], where: str) -> tuple[str, list]:
    """``counters.add``'s statement as a part of ``Batch.write``'s: the rows
    from a typed VALUES list, added where ``where`` holds (its parameters
    follow the rows'). The text is built once per shape and process."""
    columns = tuple(sorted({column for values in deltas.values() for column in values}))
    params: list = []
    for key in sorted(deltas):
        params += [*key, *(deltas[key].get(column, 0) for column in columns)]
    shape = (model, keys, columns, len(deltas), where)
    sql = _UPSERTS.get(shape)
    if sql is None:
        quote = connection.ops.quote_name
        fields = [model._meta.get_field(name) for name in (*keys, *columns)]
        row = "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields) + ")"
        names = ", ".join(quote(f.column) for f in fields)
        conflict = ", ".join(quote(f.column) for f in fields[:len(keys)])
        updates = ", ".join(f"{quote(c)} = t.{quote(c)} + EXCLUDED.{quote(c)}" for c in columns)
        sql = _UPSERTS[shape] = (
            f"INSERT INTO {quote(model._meta.db_table)} AS t ({names}) "
            f"SELECT * FROM (VALUES {', '.join([row] * len(deltas))}) AS v{' WHERE ' + where if where else ''} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")
    return sql, params


#: ``_upsert``'s statements by shape (table, keys, columns, rows, condition).
_UPSERTS: dict[tuple, str] = {}


def _not_entered_before(*, campaign_id: int, stage: str, event_id: int) -> tuple[str, list]:
    """``NOT EXISTS (_earlier_entries(…))`` as SQL and its parameters, the
    text compiled once per process (the same statement on every move)."""
    global _NOT_ENTERED_SQL
    if _NOT_ENTERED_SQL is None:
        # compiled from the queryset itself, with markers for the three values that change
        sql, params = _earlier_entries(campaign_id=_MARK_CAMPAIGN, stage=_MARK_STAGE, event_id=_MARK_EVENT) \
            .order_by().values("pk").query.sql_with_params()
        _NOT_ENTERED_SQL = (f"NOT EXISTS ({sql})", tuple(params))
    sql, params = _NOT_ENTERED_SQL
    values = {_MARK_CAMPAIGN: campaign_id, _MARK_STAGE: stage, _MARK_EVENT: event_id}
    return sql, [values.get(p, p) if isinstance(p, int | str) else p for p in params]


_NOT_ENTERED_SQL: tuple[str, tuple] | None = None
_MARK_CAMPAIGN, _MARK_STAGE, _MARK_EVENT = -7_000_000_001, "\x00stage", -7_000_000_003


def _add(batch: Batch | None, model, keys: tuple[str, ...], deltas: dict[tuple, dict[str, int]]) -> None:
    if batch is None:
        counters.add(model, keys, deltas)
    else:
        batch.add(model, keys, deltas)


def campaign_opened(*, unit_id: int, on: dt.date) -> None:
    counters.add(StageCohort, ("unit", "stage", "entered_on"), {(unit_id, Stage.SURVEYED.value, on): {"campaigns": 1}})
    counters.add(StageEntries, ("unit", "month", "stage"), {(unit_id, month_of(on), Stage.SURVEYED.value): {
        "campaigns": 1}})


def campaign_moved(batch: Batch, *, unit_id: int, from_stage: str, entered_on: dt.date, to_stage: str,
                   on: dt.date, working_days: int, campaign_id: int, event_id: int) -> None:
    """A campaign left ``from_stage`` (entered on ``entered_on``, after
    ``working_days`` working days in it) for ``to_stage`` on ``on``, by
    its event ``event_id``: the funnel counts ``to_stage`` if that is the
    campaign's first entry into it (``Batch.entry_if_first``)."""
    batch.add(StageCohort, ("unit", "stage", "entered_on"), {
        (unit_id, from_stage, entered_on): {"campaigns": -1},
        (unit_id, to_stage, on): {"campaigns": 1},
    })
    if to_stage in flows.PIPELINE:
        batch.entry_if_first(unit_id=unit_id, on=on, stage=to_stage, campaign_id=campaign_id, event_id=event_id)
    if to_stage == Stage.ABANDONED:
        batch.add(MonthFigures, ("unit", "month"), {(unit_id, month_of(on)): {"abandoned": 1}})
    if from_stage in flows.WORKING_STAGES:
        batch.add(StageDuration, ("unit", "month", "stage", "working_days"),
                  {(unit_id, month_of(on), from_stage, working_days): {"stints": 1}})


def union_founded(*, unit_id: int, on: dt.date, members: int, batch: Batch | None = None) -> None:
    """A campaign recognised by a decision dated ``on``: a grassroots union
    founded, with its ``members`` admitted."""
    _add(batch, MonthFigures, ("unit", "month"), {(unit_id, month_of(on)): {"unions_founded": 1,
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
def tasks_opened(*, unit_id: int, due_dates: Iterable[dt.date], batch: Batch | None = None) -> None:
    tasks_changed(unit_id=unit_id, opened=due_dates, batch=batch)


def tasks_closed(*, unit_id: int, due_dates: Iterable[dt.date]) -> None:
    tasks_changed(unit_id=unit_id, closed=due_dates)


def tasks_changed(*, unit_id: int, closed: Iterable[dt.date] = (), opened: Iterable[dt.date] = (),
                  batch: Batch | None = None) -> None:
    """Tasks closed and opened at once (a transition), in one statement
    (or in ``batch``'s)."""
    deltas = counters.table()
    for due_dates, sign in ((closed, -1), (opened, +1)):
        for due_on in due_dates:
            deltas[(unit_id, due_on)]["open_tasks"] += sign
    _add(batch, TaskDueCount, ("unit", "due_on"), deltas)
