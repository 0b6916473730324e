"""The stocks of every unit at once (``UnitStock``), so that a dashboard reads
a row per branch instead of computing them from the base tables.

The stocks — members of grassroots unions, the workforce in and out of
them, the estimates — are not sums a transaction can add to: a unit's
members are its latest count plus what moved in its subtree since, a count
below replaces what its units reported, and the workforce not yet unionised
takes each union's members away from its enterprise's workforce. So they
are not kept row by row like the other summaries; ``refresh`` (a job, every
minute) computes them for the whole tree with the engine's own code
(``engine.stock_values``) and writes the rows that changed, and a reader
uses them only while they are exact:

- A change counter, the sequence ``statistics_stock_changes``, is advanced
  by PostgreSQL triggers on everything the stocks are computed from (the
  member counts, movements and estimates; a campaign's recognition — its
  union, decision date, admitted members —; an enterprise's workforce,
  union and unit; the unit tree), in the writer's own statement.
- ``refresh`` records the counter's value that its rows include. To be
  sure that every change counted up to that value is in the snapshot it
  reads, it first waits until no writer is between its change and its
  commit (the triggers hold a shared advisory lock to the end of their
  transaction; the job takes the lock exclusively for the moment it reads
  the counter — ``pg_try_advisory_lock`` in a loop, so that writers never
  queue behind it).
- ``fresh``: the rows are the stocks at the end of ``day`` when the
  refresh was made today, the counter has not moved since, and the period
  ends today or later in the same year (the estimates are the next year's)
  with nothing entered dated after today.

Otherwise — after a change the next refresh has not yet taken, a past
period, a cut-off or filters, SQLite — the engine computes the stocks as
before, so a report's figure is never stale, only slower. The dashboard
page alone (``stored_state(lag=True)``) also reads rows taken before the
latest changes, up to ``max_lag()`` old, and says from what time they are:
at national scale the counter moves every few seconds.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

from workflows.campaigns.models import Campaign
from workflows.core import clock

from .models import MemberCensus, MemberMovement, StockRun, UnitStock

logger = logging.getLogger(__name__)

#: The advisory lock between the writers of the stocks' sources (shared) and the refresh (exclusive).
LOCK = 0x6364637300000001
#: The advisory lock one refresh holds while it runs: a second one (a run longer than the schedule's
#: minute, the nightly check's repair) does not wait for it and writes nothing.
RUN_LOCK = 0x6364637300000002
SEQUENCE = "statistics_stock_changes"

#: Tables whose every statement changes the stocks.
_ANY_CHANGE = ("statistics_membercensus", "statistics_membermovement", "statistics_estimate")
#: Tables where only some columns do: (table, columns, a condition for inserted rows).
_SOME_COLUMNS = (
    ("campaigns_campaign", ("recognised_unit_id", "decision_date", "admitted_members", "enterprise_id"),
     "recognised_unit_id IS NOT NULL"),
    ("enterprises_enterprise", ("workforce", "workforce_as_of", "has_union", "union_unit_id", "responsible_unit_id"),
     None),
    ("organisation_unit", ("path",), None),
)


def _triggers() -> str:
    statements = [f"""
CREATE SEQUENCE IF NOT EXISTS {SEQUENCE};
CREATE OR REPLACE FUNCTION statistics_stock_changed() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared({LOCK});
    PERFORM nextval('{SEQUENCE}');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;"""]
    for table in _ANY_CHANGE:
        statements.append(f"CREATE TRIGGER {table}_stocks AFTER INSERT OR UPDATE OR DELETE ON {table} "
                          f"FOR EACH STATEMENT EXECUTE FUNCTION statistics_stock_changed();")
    for table, columns, inserted in _SOME_COLUMNS:
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        new = f" WHEN (NEW.{inserted})" if inserted else ""
        old = f" WHEN (OLD.{inserted})" if inserted else ""
        statements += [
            f"CREATE TRIGGER {table}_stocks_insert AFTER INSERT ON {table} FOR EACH ROW{new} "
            f"EXECUTE FUNCTION statistics_stock_changed();",
            f"CREATE TRIGGER {table}_stocks_update AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed}) "
            f"EXECUTE FUNCTION statistics_stock_changed();",
            f"CREATE TRIGGER {table}_stocks_delete AFTER DELETE ON {table} FOR EACH ROW{old} "
            f"EXECUTE FUNCTION statistics_stock_changed();",
        ]
    return "\n".join(statements)


FORWARD = _triggers()
BACKWARD = "\n".join(
    [f"DROP TRIGGER IF EXISTS {t}_stocks ON {t};" for t in _ANY_CHANGE]
    + [f"DROP TRIGGER IF EXISTS {t}_stocks_{k} ON {t};" for t, _c, _i in _SOME_COLUMNS
       for k in ("insert", "update", "delete")]
    + ["DROP FUNCTION IF EXISTS statistics_stock_changed();", f"DROP SEQUENCE IF EXISTS {SEQUENCE};"])


def kept() -> bool:
    """Does this database keep the change counter (PostgreSQL)?"""
    return connection.vendor == "postgresql"


def generation() -> int:
    """How many changes of the stocks' sources the primary has counted."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {SEQUENCE}")
        return cursor.fetchone()[0]


def fresh(end: dt.date, today: dt.date) -> bool:
    """May the stocks at the end of ``end`` be read from ``UnitStock``?"""
    return stored_state(end, today)[0]


def max_lag() -> dt.timedelta:
    """How old stored stocks a dashboard may show, with their time, when
    something changed since they were taken (``STOCKS_MAX_LAG_SECONDS``)."""
    return dt.timedelta(seconds=getattr(settings, "STOCKS_MAX_LAG_SECONDS", 600))


def stored_state(end: dt.date, today: dt.date, *, lag: bool = False) -> tuple[bool, dt.datetime | None]:
    """May the stocks at the end of ``end`` be read from ``UnitStock``, and
    if so, since when may they miss a change (None: they are exact)?

    Exact: refreshed today, the counter has not moved since, and the period
    ends today or later in the same year (with nothing entered dated after
    today, or ending today). With ``lag`` (the dashboard page, which says
    so), rows that are otherwise usable but were taken before the latest
    changes are read too while they are at most ``max_lag()`` old: at
    national scale something changes every few seconds, and the page would
    otherwise compute the stocks from the base tables on every view."""
    if not (kept() and getattr(settings, "SUMMARY_ROLLUPS_READ", True)):
        return False, None
    if end < today or end.year != today.year:
        return False, None
    run = StockRun.objects.filter(pk=1).values_list("day", "generation", "future_inputs", "taken_at").first()
    if run is None:
        return False, None
    day, counted, future_inputs, taken_at = run
    if day != today or (future_inputs and end != day):
        return False, None
    if counted == generation():
        return True, None
    if lag and clock.now() - taken_at <= max_lag():
        return True, taken_at
    return False, None


def rows_for(paths) -> dict[str, UnitStock]:
    """The stock rows of the units at ``paths`` (one query)."""
    return {stock.unit.path: stock for stock in UnitStock.objects.filter(unit__path__in=list(paths))
            .select_related("unit").only("unit__path", *FIELDS)}


FIELDS = ("members", "census_on", "census_source", "counts_below", "latest_below", "own_members", "in_unions",
          "not_unionised", "own_in_unions", "own_not_unionised", "latest_as_of", "own_latest_as_of", "estimates",
          "own_estimates")


def _counted_now(wait: float) -> int | None:
    """The counter's value once no writer is between its change and its
    commit (None: writers kept the lock for ``wait`` seconds)."""
    deadline = time.monotonic() + wait
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)
        try:
            cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {SEQUENCE}")
            return cursor.fetchone()[0]
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK])


def _future_inputs(day: dt.date) -> bool:
    return (MemberMovement.objects.filter(on__gt=day).exists() or MemberCensus.objects.filter(as_of__gt=day).exists()
            or Campaign.objects.filter(recognised_unit__isnull=False, decision_date__gt=day).exists())


def refresh(compute: Callable[[dt.date], dict[int, dict]], *, today: dt.date, force: bool = False,
            wait: float = 30) -> StockRun | None:
    """Put the stocks at the end of ``today`` in place, unless they are
    already (the counter has not moved). Returns the run in place (None on
    SQLite, when writers held the lock too long or another refresh is
    running: the next run will)."""
    if not kept():
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK])
        if not cursor.fetchone()[0]:
            logger.info("stocks: another refresh is running; not refreshed")
            return None
    try:
        return _refresh(compute, today=today, force=force, wait=wait)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [RUN_LOCK])


def _refresh(compute: Callable[[dt.date], dict[int, dict]], *, today: dt.date, force: bool,
             wait: float) -> StockRun | None:
    counted = _counted_now(wait)
    if counted is None:
        logger.warning("stocks: writers held the lock for %s s; not refreshed", wait)
        return None
    run = StockRun.objects.filter(pk=1).first()
    if run is not None and run.generation == counted and run.day == today and not force:
        return run
    started = time.monotonic()
    outermost = not connection.in_atomic_block  # in a test's transaction the snapshot is the test's
    with transaction.atomic():
        if outermost:
            # one snapshot for every query that follows: it includes every change counted so far
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        values = compute(today)
        _write(values)
        run = StockRun(pk=1, day=today, generation=counted, future_inputs=_future_inputs(today),
                       taken_at=clock.now(), seconds=0)
        run.seconds = round(time.monotonic() - started, 3)
        run.save()
    return run


def _stored() -> dict[int, dict]:
    return {row[0]: dict(zip(FIELDS, row[1:], strict=True))
            for row in UnitStock.objects.values_list("unit_id", *FIELDS).iterator(chunk_size=10000)}


def drift(values: dict[int, dict]) -> list[int]:
    """The units whose stored stocks differ from ``values`` (logged)."""
    stored = _stored()
    drifted = sorted(unit_id for unit_id in set(stored) | set(values) if stored.get(unit_id) != values.get(unit_id))
    for unit_id in drifted[:50]:
        logger.error("stock drift of unit %s: stored %s, expected %s", unit_id, stored.get(unit_id),
                     values.get(unit_id))
    return drifted


def _write(values: dict[int, dict]) -> None:
    """Write the rows that changed (and drop those of units gone)."""
    stored = _stored()
    gone = [unit_id for unit_id in stored if unit_id not in values]
    changed = [unit_id for unit_id, row in values.items() if stored.get(unit_id) != row]
    for start in range(0, len(gone), 5000):
        UnitStock.objects.filter(unit_id__in=gone[start:start + 5000]).delete()
    for start in range(0, len(changed), 5000):
        batch = changed[start:start + 5000]
        UnitStock.objects.filter(unit_id__in=[u for u in batch if u in stored]).delete()
        UnitStock.objects.bulk_create([UnitStock(unit_id=u, **values[u]) for u in batch])
