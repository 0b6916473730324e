"""The day counters: stalled campaigns (``SubtreeStalled``) and overdue
tasks (``SubtreeOverdue``) per unit subtree, as of one day (``DayCounters``),
so that the dashboard reads a row per child unit instead of the fine rows
(``StageCohort``, ``TaskDueCount``) of the whole subtree.

Both figures depend on the day: a cohort is stalled when it entered its
stage before a cut-off that depends on the day, the stage and its unit's
zone (``selectors.stalled_cutoffs_by_unit``); a task is overdue when due
before the day. So the counters are counted for one day D and one value of
the reference stamp (``organisation.reference_stamp``), with the cut-offs of
D per zone and stage in ``StalledCutoff``:

- PostgreSQL keeps them exact for D within the writer's statement, as it
  keeps ``SubtreeStage`` (``rollups``): a row trigger on ``StageCohort``
  adds a change of a cohort that entered before its zone's cut-off to the
  stalled row of its unit and of every ancestor, root first; one on
  ``TaskDueCount`` adds a change of the tasks due before D to the overdue
  rows likewise. The session setting ``cdcs.rollups_off`` stops them too
  (``reconcile.rebuild`` then calls ``rebuild``).
- ``refresh`` (the job: just after midnight, and a check every few
  minutes) counts them afresh when D is not today or the stamp changed.
- The readers (``by_branch``) use them only when D is today and the stamp
  is the one they were counted with; else they sum the fine rows, as
  before. A unit moved in the tree changes the stamp (its path is
  reference data: migration ``organisation.0005_reference_stamp``), and may
  change the zone, hence the cut-offs, of the whole subtree it carries: no
  trigger moves the counters, the next ``refresh`` counts them again.

Lock order: the stalled trigger is named after the rollups' one, so that
a writer takes a cohort's ``SubtreeStalled`` rows right after its
``SubtreeStage`` rows of the same stage and chain, which it holds: two
writers never wait for each other on the stalled rows. The overdue rows
are taken at the end of the ``TaskDueCount`` statement, after its rows.

SQLite keeps none of it (``rollups.kept``): there the fine rows are read.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, connections, router, transaction
from django.utils import timezone

from workflows.organisation.models import Unit
from workflows.organisation.reference_stamp import stamp_expression, stamp_now

from . import flows, rollups
from .models import DayCounters, StageCohort, StalledCutoff, SubtreeOverdue, SubtreeStalled, TaskDueCount
from .selectors import stalled_cutoffs_by_unit

STEP = Unit.steplen

#: Figures keyed by a row's key: {key: {column: value}}.
Figures = dict[tuple, dict[str, int]]

FORWARD = f"""
-- The paths of the unit at p_path and of every unit above it, root first ("" first too with p_from 0):
-- looked up as path = ANY(...), an index probe per path. (A join on generate_series is planned for a
-- thousand rows, and hashes the whole unit table: tens of milliseconds a call at national scale.)
CREATE OR REPLACE FUNCTION statistics_path_chain(p_path varchar, p_from integer) RETURNS varchar[] AS $$
    SELECT ARRAY(SELECT substr(p_path, 1, g.n * {STEP}) FROM generate_series(p_from, length(p_path) / {STEP}) AS g(n))
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION statistics_subtree_stalled_add(p_unit bigint, p_stage varchar, p_entered date,
                                                          p_delta integer)
RETURNS void AS $$
DECLARE
    v_path varchar;
    v_cutoff date;
BEGIN
    IF p_delta = 0 THEN
        RETURN;
    END IF;
    SELECT path INTO v_path FROM organisation_unit WHERE id = p_unit;
    -- the cut-off of the unit's zone: the longest zone path that prefixes the unit's path
    SELECT k.entered_before INTO v_cutoff FROM statistics_stalledcutoff k
     WHERE k.stage = p_stage AND k.zone_path = ANY(statistics_path_chain(v_path, 0))
     ORDER BY length(k.zone_path) DESC LIMIT 1;
    IF v_cutoff IS NULL OR p_entered >= v_cutoff THEN
        RETURN;
    END IF;
    INSERT INTO statistics_subtreestalled AS t (unit_id, stage, campaigns)
    SELECT a.id, p_stage, p_delta FROM organisation_unit a
     WHERE a.path = ANY(statistics_path_chain(v_path, 1))
     ORDER BY a.path
    ON CONFLICT (unit_id, stage) DO UPDATE SET campaigns = t.campaigns + EXCLUDED.campaigns;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION statistics_stage_cohort_stalled() RETURNS trigger AS $$
BEGIN
    IF current_setting('cdcs.rollups_off', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM statistics_subtree_stalled_add(NEW.unit_id, NEW.stage, NEW.entered_on, NEW.campaigns);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM statistics_subtree_stalled_add(OLD.unit_id, OLD.stage, OLD.entered_on, -OLD.campaigns);
    ELSIF (NEW.unit_id, NEW.stage, NEW.entered_on) = (OLD.unit_id, OLD.stage, OLD.entered_on) THEN
        PERFORM statistics_subtree_stalled_add(NEW.unit_id, NEW.stage, NEW.entered_on, NEW.campaigns - OLD.campaigns);
    ELSE
        PERFORM statistics_subtree_stalled_add(OLD.unit_id, OLD.stage, OLD.entered_on, -OLD.campaigns);
        PERFORM statistics_subtree_stalled_add(NEW.unit_id, NEW.stage, NEW.entered_on, NEW.campaigns);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- after statistics_stagecohort_rollup (triggers of an event fire in the order of their names)
CREATE TRIGGER statistics_stagecohort_stalled AFTER INSERT OR UPDATE OR DELETE ON statistics_stagecohort
    FOR EACH ROW EXECUTE FUNCTION statistics_stage_cohort_stalled();

CREATE OR REPLACE FUNCTION statistics_subtree_overdue_add(p_unit bigint, p_due date, p_delta integer)
RETURNS void AS $$
DECLARE
    v_day date;
BEGIN
    IF p_delta = 0 THEN
        RETURN;
    END IF;
    SELECT day INTO v_day FROM statistics_daycounters WHERE id = 1;
    IF v_day IS NULL OR p_due >= v_day THEN
        RETURN;
    END IF;
    INSERT INTO statistics_subtreeoverdue AS t (unit_id, open_tasks)
    SELECT a.id, p_delta FROM organisation_unit a
     WHERE a.path = ANY(statistics_path_chain((SELECT path FROM organisation_unit WHERE id = p_unit), 1))
     ORDER BY a.path
    ON CONFLICT (unit_id) DO UPDATE SET open_tasks = t.open_tasks + EXCLUDED.open_tasks;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION statistics_task_due_count_overdue() RETURNS trigger AS $$
BEGIN
    IF current_setting('cdcs.rollups_off', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM statistics_subtree_overdue_add(NEW.unit_id, NEW.due_on, NEW.open_tasks);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM statistics_subtree_overdue_add(OLD.unit_id, OLD.due_on, -OLD.open_tasks);
    ELSIF (NEW.unit_id, NEW.due_on) = (OLD.unit_id, OLD.due_on) THEN
        PERFORM statistics_subtree_overdue_add(NEW.unit_id, NEW.due_on, NEW.open_tasks - OLD.open_tasks);
    ELSE
        PERFORM statistics_subtree_overdue_add(OLD.unit_id, OLD.due_on, -OLD.open_tasks);
        PERFORM statistics_subtree_overdue_add(NEW.unit_id, NEW.due_on, NEW.open_tasks);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER statistics_taskduecount_overdue AFTER INSERT OR UPDATE OR DELETE ON statistics_taskduecount
    FOR EACH ROW EXECUTE FUNCTION statistics_task_due_count_overdue();

INSERT INTO statistics_daycounters (id, day, stamp, built_at) VALUES (1, NULL, NULL, NULL) ON CONFLICT (id) DO NOTHING;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS statistics_taskduecount_overdue ON statistics_taskduecount;
DROP TRIGGER IF EXISTS statistics_stagecohort_stalled ON statistics_stagecohort;
DROP FUNCTION IF EXISTS statistics_task_due_count_overdue();
DROP FUNCTION IF EXISTS statistics_subtree_overdue_add(bigint, date, integer);
DROP FUNCTION IF EXISTS statistics_stage_cohort_stalled();
DROP FUNCTION IF EXISTS statistics_subtree_stalled_add(bigint, varchar, date, integer);
DROP FUNCTION IF EXISTS statistics_path_chain(varchar, integer);
"""

#: The stalled counters from the cohorts and the cut-offs in place, in one statement: the zone of
#: each unit that has cohorts (the longest zone path that prefixes its path), its stalled cohorts
#: per stage, then their sums per ancestor.
FILL_STALLED = """
WITH units AS (
    SELECT u.id, u.path, (
        SELECT k.zone_path FROM statistics_stalledcutoff k WHERE k.zone_path = ANY(statistics_path_chain(u.path, 0))
         ORDER BY length(k.zone_path) DESC LIMIT 1) AS zone_path
      FROM organisation_unit u
     WHERE u.id IN (SELECT unit_id FROM statistics_stagecohort)
), late AS (
    SELECT c.unit_id, c.stage, sum(c.campaigns) AS campaigns
      FROM statistics_stagecohort c
      JOIN units u ON u.id = c.unit_id
      JOIN statistics_stalledcutoff k ON k.zone_path = u.zone_path AND k.stage = c.stage
     WHERE c.entered_on < k.entered_before
     GROUP BY c.unit_id, c.stage
)
INSERT INTO statistics_subtreestalled (unit_id, stage, campaigns)
SELECT a.id, l.stage, sum(l.campaigns)
  FROM late l
  JOIN units u ON u.id = l.unit_id
  JOIN organisation_unit a ON a.path = ANY(statistics_path_chain(u.path, 1))
 GROUP BY a.id, l.stage
HAVING sum(l.campaigns) <> 0
"""

#: The overdue counters from the open tasks due before the day (the parameter).
FILL_OVERDUE = """
INSERT INTO statistics_subtreeoverdue (unit_id, open_tasks)
SELECT a.id, sum(l.open_tasks)
  FROM (SELECT unit_id, sum(open_tasks) AS open_tasks FROM statistics_taskduecount
         WHERE due_on < %s GROUP BY unit_id) AS l
  JOIN organisation_unit u ON u.id = l.unit_id
  JOIN organisation_unit a ON a.path = ANY(statistics_path_chain(u.path, 1))
 GROUP BY a.id
HAVING sum(l.open_tasks) <> 0
"""

#: The stage of the reader's rows that carry overdue tasks, and of the row that says the counters are current.
_OVERDUE, _CURRENT = "", "*"

#: The reader's one statement: the rows of the unit and of its upper-level children (by id: the caller
#: has them, ``rollups.branch_units``), and the row saying whether the counters are current — in the
#: same snapshot. Its rows: (unit id, stage, or "" for the overdue tasks, or "*" for current; figure).
BY_BRANCH = f"""
SELECT s.unit_id, s.stage, s.campaigns FROM statistics_subtreestalled s
 WHERE s.unit_id = ANY(%(units)s) AND s.campaigns <> 0
 UNION ALL
SELECT o.unit_id, '{_OVERDUE}', o.open_tasks FROM statistics_subtreeoverdue o
 WHERE o.unit_id = ANY(%(units)s) AND o.open_tasks <> 0
 UNION ALL
SELECT NULL, '{_CURRENT}', 0 FROM statistics_daycounters d
 WHERE d.id = 1 AND d.day = %(today)s AND d.stamp = (SELECT r.value FROM organisation_referencestamp r WHERE r.id = 1)
"""


def kept() -> bool:
    """Does this database keep the day counters (PostgreSQL)?"""
    return rollups.kept()


def current(*, today: dt.date) -> bool:
    """Are the counters those of ``today`` and of the reference data now? One query."""
    return kept() and DayCounters.objects.filter(pk=1, day=today, stamp=stamp_expression()).exists()


def cutoff_rows(*, today: dt.date) -> list[tuple[str, str, dt.date | None]]:
    """(zone path, stage, entered before) for every zone and working stage
    on ``today``: the day's ``StalledCutoff`` (None: no time limit)."""
    found = []
    for zone, cutoffs in stalled_cutoffs_by_unit(today=today).by_zone:
        for stage in flows.WORKING_STAGES:
            cutoff = cutoffs.get(stage)
            found.append((zone.path, str(stage), timezone.localtime(cutoff).date() if cutoff else None))
    return found


def rebuild(*, today: dt.date) -> None:
    """Count the counters for ``today`` afresh, in the caller's transaction:
    the cut-offs of today, then the counters from the fine rows, which it
    holds against writers meanwhile (they wait, and find the new day).
    Nothing where they are not kept."""
    if not kept():
        return
    # the stamp before the reference data: a change committed in between leaves the counters stale, not wrong
    stamp = stamp_now()
    cutoffs = cutoff_rows(today=today)
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        # compiling the fills would cost more than running them (at national scale)
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("LOCK TABLE statistics_stagecohort, statistics_taskduecount IN SHARE MODE")
        cursor.execute("LOCK TABLE " + ", ".join(quote(m._meta.db_table) for m in (
            DayCounters, StalledCutoff, SubtreeStalled, SubtreeOverdue)) + " IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {quote(StalledCutoff._meta.db_table)}")
        StalledCutoff.objects.bulk_create([StalledCutoff(zone_path=path, stage=stage, entered_before=before)
                                           for path, stage, before in cutoffs])
        DayCounters.objects.update_or_create(pk=1, defaults={"day": today, "stamp": stamp,
                                                             "built_at": timezone.now()})
        cursor.execute(f"DELETE FROM {quote(SubtreeStalled._meta.db_table)}")
        cursor.execute(FILL_STALLED)
        cursor.execute(f"DELETE FROM {quote(SubtreeOverdue._meta.db_table)}")
        cursor.execute(FILL_OVERDUE, [today])


def refresh(*, today: dt.date) -> bool:
    """The job: make the counters current for ``today`` if they are not
    (a new day, reference data changed, a unit moved). One query when they
    are; two jobs at once count them once. True if it counted."""
    if not kept() or current(today=today):
        return False
    with transaction.atomic():
        list(DayCounters.objects.select_for_update().filter(pk=1))  # one run at a time
        if current(today=today):  # another run counted them while this one waited
            return False
        rebuild(today=today)
    return True


# --- reading ------------------------------------------------------------------------
def by_branch(unit: Unit, units: dict[int, str], *, today: dt.date) -> list[tuple[str, int, int]] | None:
    """(branch path, stalled campaigns, overdue tasks) of ``unit``'s subtree
    today, nonzero: each direct child's subtree, and the unit's own under
    its own path (its row less its children's). ``units``: the path by id of
    the unit and its upper-level children (``rollups.branch_units``). None
    when the counters are not read (``rollups.read``) or not current: the
    caller sums the fine rows.

    One query (``BY_BRANCH``), over at most (children + 1) × (stages + 1)
    counters, and the row that says whether they are current — in the same
    statement, so that a replica cannot replay a recount between the two.
    On the replica if the caller reads there."""
    if not rollups.read():
        return None
    with connections[router.db_for_read(SubtreeStalled)].cursor() as cursor:
        cursor.execute(BY_BRANCH, {"units": list(units), "today": today})
        found = cursor.fetchall()
    return branch_figures(unit, units, found)


def branch_figures(unit: Unit, units: dict[int, str], found) -> list[tuple[str, int, int]] | None:
    """``by_branch``'s figures from the rows of ``BY_BRANCH`` (read by the
    caller in a statement of its own, perhaps): None if they do not say the
    counters are current."""
    if not any(kind == _CURRENT for _unit, kind, _n in found):
        return None
    figures: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, kind, n in found:
        if kind == _CURRENT:
            continue
        path, column = units[unit_id], 1 if kind == _OVERDUE else 0
        figures[path][column] += n
        if path != unit.path:
            figures[unit.path][column] -= n
    return [(path, stalled, overdue) for path, (stalled, overdue) in figures.items() if stalled or overdue]


# --- the drift check (``workflows.statistics.reconcile``) ---------------------------------------
def expected(*, today: dt.date) -> dict[type, Figures]:
    """The counters of ``today`` recomputed in Python from the fine rows
    (``StageCohort``, ``TaskDueCount``, whose own drift ``reconcile``
    checks against the campaigns and tasks) and from cut-offs recomputed
    from the reference data."""
    paths = dict(Unit.objects.values_list("pk", "path"))
    ids = {path: pk for pk, path in paths.items()}
    cutoffs = stalled_cutoffs_by_unit(today=today)

    def chain(unit_id: int) -> Iterable[int]:
        path = paths[unit_id]
        return (ids[path[:end]] for end in range(STEP, len(path) + 1, STEP))

    stalled: Figures = defaultdict(lambda: defaultdict(int))
    for unit_id, stage, entered_on, n in (StageCohort.objects.exclude(campaigns=0)
                                          .values_list("unit_id", "stage", "entered_on", "campaigns")):
        cutoff = cutoffs.of(paths[unit_id]).get(stage)
        if cutoff is not None and entered_on < timezone.localtime(cutoff).date():
            for pk in chain(unit_id):
                stalled[(pk, stage)]["campaigns"] += n
    overdue: Figures = defaultdict(lambda: defaultdict(int))
    for unit_id, n in (TaskDueCount.objects.filter(due_on__lt=today).exclude(open_tasks=0)
                       .values_list("unit_id", "open_tasks")):
        for pk in chain(unit_id):
            overdue[(pk,)]["open_tasks"] += n
    return {SubtreeStalled: stalled, SubtreeOverdue: overdue}


def drift(*, today: dt.date) -> list[tuple[str, tuple, dict, dict]]:
    """(table, key, stored, expected) of every counter that differs from
    ``expected``; none when the counters are not current: they are not
    read then, and the next ``refresh`` counts them again."""
    if not current(today=today):
        return []
    found = []
    for model, figures in expected(today=today).items():
        keys = ("unit_id", "stage") if model is SubtreeStalled else ("unit_id",)
        column = "campaigns" if model is SubtreeStalled else "open_tasks"
        stored = {tuple(row[:-1]): {column: row[-1]}
                  for row in model.objects.exclude(**{column: 0}).values_list(*keys, column)}
        wanted = {key: {column: values[column]} for key, values in figures.items() if values.get(column)}
        for key in sorted(set(stored) | set(wanted), key=repr):
            if stored.get(key) != wanted.get(key):
                found.append((model.__name__, key, stored.get(key, {}), wanted.get(key, {})))
    return found
