"""Moving the summary tables' figures, inside the caller's transaction.

Every function adds deltas with one ``INSERT … ON CONFLICT … DO UPDATE SET
x = x + EXCLUDED.x`` statement per table (PostgreSQL and SQLite both speak
it): no read-modify-write, so concurrent transactions add up instead of
overwriting each other, and rows are touched in key order so that two
transactions cannot deadlock on them.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from workflows.campaigns import flows
from workflows.campaigns.flows import Stage

from .models import WORKFORCE_FLOORS, EnterpriseBand, MonthFigures, StageCohort, StageDuration, TaskDueCount


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def band_of(workforce: int) -> int:
    return max(floor for floor in WORKFORCE_FLOORS if floor <= max(workforce, 0))


def _add(model, keys: tuple[str, ...], deltas: dict[tuple, dict[str, int]]) -> None:
    """Add ``deltas`` (key values → {column: delta}) to ``model``'s rows."""
    deltas = {key: columns for key, columns in deltas.items() if any(columns.values())}
    if not deltas:
        return
    columns = sorted({column for values in deltas.values() for column in values})
    table = connection.ops.quote_name(model._meta.db_table)
    key_columns = [model._meta.get_field(k).column for k in keys]
    names = ", ".join(connection.ops.quote_name(c) for c in key_columns + columns)
    row = "(" + ", ".join(["%s"] * (len(key_columns) + len(columns))) + ")"
    params: list = []
    for key in sorted(deltas):
        params += [*key, *(deltas[key].get(column, 0) for column in columns)]
    updates = ", ".join(f"{connection.ops.quote_name(c)} = {table}.{connection.ops.quote_name(c)} + "
                        f"EXCLUDED.{connection.ops.quote_name(c)}" for c in columns)
    conflict = ", ".join(connection.ops.quote_name(c) for c in key_columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * len(deltas))} "
                       f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}", params)


def _table(default_factory=int):
    return defaultdict(lambda: defaultdict(default_factory))


# --- campaigns ------------------------------------------------------------------
def campaign_opened(*, unit_id: int, on: dt.date) -> None:
    _add(StageCohort, ("unit", "stage", "entered_on"), {(unit_id, Stage.SURVEYED.value, on): {"campaigns": 1}})
    _add(MonthFigures, ("unit", "month"), {(unit_id, month_of(on)): {"entered_surveyed": 1}})


def campaign_moved(*, unit_id: int, from_stage: str, entered_on: dt.date, to_stage: str, on: dt.date,
                   working_days: int) -> None:
    """A campaign left ``from_stage`` (entered on ``entered_on``, after
    ``working_days`` working days in it) for ``to_stage`` on ``on``."""
    _add(StageCohort, ("unit", "stage", "entered_on"), {
        (unit_id, from_stage, entered_on): {"campaigns": -1},
        (unit_id, to_stage, on): {"campaigns": 1},
    })
    month = {}
    if to_stage == Stage.ABANDONED:
        month["abandoned"] = 1
    elif to_stage in flows.PIPELINE and from_stage != Stage.ON_HOLD:
        month[f"entered_{to_stage}"] = 1
    _add(MonthFigures, ("unit", "month"), {(unit_id, month_of(on)): month})
    if from_stage in flows.WORKING_STAGES:
        _add(StageDuration, ("unit", "month", "stage", "working_days"),
             {(unit_id, month_of(on), from_stage, working_days): {"stints": 1}})


def members_admitted(*, unit_id: int, on: dt.date, members: int) -> None:
    _add(MonthFigures, ("unit", "month"), {(unit_id, month_of(on)): {"members_admitted": members}})


def members_moved(*, unit_id: int, month: dt.date, recruited: int = 0, lost: int = 0) -> None:
    _add(MonthFigures, ("unit", "month"), {(unit_id, month_of(month)): {"members_recruited": recruited,
                                                                          "members_lost": lost}})


# --- tasks ----------------------------------------------------------------------
def tasks_opened(*, unit_id: int, due_dates: Iterable[dt.date]) -> None:
    _tasks(unit_id, due_dates, +1)


def tasks_closed(*, unit_id: int, due_dates: Iterable[dt.date]) -> None:
    _tasks(unit_id, due_dates, -1)


def tasks_changed(*, unit_id: int, closed: Iterable[dt.date] = (), opened: Iterable[dt.date] = ()) -> None:
    """Tasks closed and opened at once (a transition), in one statement."""
    deltas = _table()
    for due_dates, sign in ((closed, -1), (opened, +1)):
        for due_on in due_dates:
            deltas[(unit_id, due_on)]["open_tasks"] += sign
    _add(TaskDueCount, ("unit", "due_on"), deltas)


def _tasks(unit_id: int, due_dates: Iterable[dt.date], sign: int) -> None:
    tasks_changed(unit_id=unit_id, **{"closed" if sign < 0 else "opened": due_dates})


# --- enterprises ----------------------------------------------------------------
@dataclass(frozen=True)
class EnterpriseFacts:
    """What of an enterprise the summary counts."""

    unit_id: int
    workforce: int
    from_social_insurance: bool
    has_union: bool

    @classmethod
    def of(cls, enterprise) -> "EnterpriseFacts":
        return cls(enterprise.responsible_unit_id, enterprise.workforce,
                   enterprise.workforce_source == "social_insurance", enterprise.has_union)


def enterprises_changed(changes: Iterable[tuple[EnterpriseFacts | None, EnterpriseFacts | None]]) -> None:
    """Apply (before, after) pairs: None before for a new enterprise."""
    deltas = _table()
    for before, after in changes:
        for facts, sign in ((before, -1), (after, +1)):
            if facts is None:
                continue
            row = deltas[(facts.unit_id, band_of(facts.workforce), facts.has_union)]
            row["enterprises"] += sign
            row["workforce"] += sign * facts.workforce
            row["workforce_social_insurance"] += sign * facts.workforce * facts.from_social_insurance
    _add(EnterpriseBand, ("unit", "band", "has_union"), deltas)
