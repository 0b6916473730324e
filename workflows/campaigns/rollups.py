"""Summary tables per unit subtree ("rollups"), kept by PostgreSQL in the
writer's own statement: the coarse level of the pipeline (``SubtreeStage``,
read by the dashboards, the board and the lists) and the dashboard's funnel,
month figures, durations and registry bands (``SubtreeEntries``,
``SubtreeMonthFigures``, ``SubtreeDuration``, ``SubtreeBand``). Each is a
declaration (``Rollup``: table, source, keys, sums, grains) from which its
triggers, their removal, its fill and the drift check's expectation come.

Triggers rather than calls in the services, for the reason the reference
stamp has them (``organisation.migrations.0005_reference_stamp``): no
writer of the sources can forget the rollups — a move, an opening, a
transfer to a successor, a unit moved in the tree by the administration,
its import or an operator — and a move keeps its statement count (the
trigger runs inside the source's statement).

- The source (a row trigger, after insert, update or delete): the change of
  a source row is added to the rollup rows of its grains (a month's, its
  year's) for its unit and every ancestor, root first (``ORDER BY path``),
  so that two writers lock the rows of a key in the same order.
- ``organisation_unit`` (a statement trigger with transition tables: a move
  rewrites the paths of a whole subtree in one statement): the rows of each
  moved subtree's top unit are taken from its old ancestors and given to its
  new ones.
- A session that sets ``cdcs.rollups_off`` to ``on`` skips both: the
  rebuild (``rebuild``) puts the rollups in place in one statement each
  after their sources.

SQLite keeps none of it (``kept()`` is false there): its readers sum the
sources, which is what a small database can afford.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Sum

from workflows.organisation.models import Unit
from workflows.organisation.selectors import upper_children

STEP = Unit.steplen


@dataclass(frozen=True)
class Grain:
    """The row of a rollup that a row of its source adds to: the rollup's
    keys (after the unit) as SQL over the source row (``{row}``: NEW, OLD or
    an alias) and in Python over the source row's keys after the unit (the
    drift check's)."""

    sql: tuple[str, ...]
    python: Callable[[tuple], tuple]


@dataclass(frozen=True)
class Rollup:
    """A summary table's figures per unit subtree: ``table`` (keyed by
    ``unit_id`` and ``keys``, with the columns ``sums``) holds, for each unit,
    the sums of the rows of ``source`` of the unit and of every unit below it,
    one row per grain (``grains``: a month's row adds to its month's and to
    its year's). ``source_keys`` are the source's columns the grains read (a
    change of one of them moves the row). Everything that keeps it — the
    triggers, their removal, the fill, the Python expectation — comes from
    this declaration."""

    name: str  # the prefix of its functions
    table: str
    source: str
    keys: tuple[tuple[str, str], ...]  # (column, SQL type) after unit_id
    sums: tuple[tuple[str, str], ...]  # (column, SQL type)
    source_keys: tuple[str, ...]
    grains: tuple[Grain, ...]
    row_function: str = ""  # the source's row trigger's function (default: ``<name>_rollup``)
    unit_trigger: str = ""  # the trigger on the units (default: ``organisation_unit_<table>``)

    # --- the SQL ---------------------------------------------------------------------
    @property
    def _row_function(self) -> str:
        return self.row_function or f"{self.name}_rollup"

    @property
    def _unit_trigger(self) -> str:
        return self.unit_trigger or f"organisation_unit_{self.table.removeprefix('statistics_')}"

    @property
    def _params(self) -> tuple[list[str], list[str]]:
        """The add function's parameters: the keys', the sums' (``p_delta`` for a single sum)."""
        sums = ["p_delta"] if len(self.sums) == 1 else [f"p_{column}" for column, _type in self.sums]
        return [f"p_{column}" for column, _type in self.keys], sums

    def _add_calls(self, row: str, sums: list[str]) -> list[str]:
        return [f"PERFORM {self.name}_add({row}.unit_id, {', '.join(k.format(row=row) for k in grain.sql)}, "
                f"{', '.join(sums)});" for grain in self.grains]

    @property
    def forward(self) -> str:
        """The functions and triggers (replaced where they exist)."""
        key_params, sum_params = self._params
        signature = ", ".join(["p_unit bigint", *(f"{p} {t}" for p, (_c, t) in zip(key_params, self.keys, strict=True)),
                               *(f"{p} {t}" for p, (_c, t) in zip(sum_params, self.sums, strict=True))])
        keys = [column for column, _type in self.keys]
        sums = [column for column, _type in self.sums]
        columns = ", ".join(["unit_id", *keys, *sums])
        conflict = ", ".join(["unit_id", *keys])
        added = ", ".join(f"{c} = t.{c} + EXCLUDED.{c}" for c in sums)
        nothing = " AND ".join(f"{p} = 0" for p in sum_params)
        same = " AND ".join(["NEW.unit_id = OLD.unit_id", *(f"NEW.{c} = OLD.{c}" for c in self.source_keys)])
        indent = "\n        "
        inserted = indent.join(self._add_calls("NEW", [f"NEW.{c}" for c in sums]))
        deleted = indent.join(self._add_calls("OLD", [f"-OLD.{c}" for c in sums]))
        changed = indent.join(self._add_calls("NEW", [f"NEW.{c} - OLD.{c}" for c in sums]))
        summed = ", ".join(f"sum(s.{c} * d.sign)::{t} AS {c}" for c, t in self.sums)
        moved_keys = "".join(f"s.{c}, " for c in keys)
        return f"""
CREATE OR REPLACE FUNCTION {self.name}_add({signature})
RETURNS void AS $$
BEGIN
    IF {nothing} THEN
        RETURN;
    END IF;
    -- the ancestors as path = ANY(an array): an index probe per level (a join on generate_series is
    -- planned for a thousand rows and hashes the whole unit table: 150 ms a move at national scale)
    INSERT INTO {self.table} AS t ({columns})
    SELECT a.id, {", ".join([*key_params, *sum_params])}
      FROM organisation_unit u
      JOIN organisation_unit a ON a.path = ANY(ARRAY(SELECT substr(u.path, 1, g.n * {STEP})
                                                   FROM generate_series(1, length(u.path) / {STEP}) AS g(n)))
     WHERE u.id = p_unit
     ORDER BY a.path
    ON CONFLICT ({conflict}) DO UPDATE SET {added};
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION {self._row_function}() RETURNS trigger AS $$
BEGIN
    IF current_setting('cdcs.rollups_off', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        {inserted}
    ELSIF TG_OP = 'DELETE' THEN
        {deleted}
    ELSIF {same} THEN
        {changed}
    ELSE
        {deleted}
        {inserted}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS {self.source}_rollup ON {self.source};
CREATE TRIGGER {self.source}_rollup AFTER INSERT OR UPDATE OR DELETE ON {self.source}
    FOR EACH ROW EXECUTE FUNCTION {self._row_function}();

CREATE OR REPLACE FUNCTION {self.name}_units_moved() RETURNS trigger AS $$
BEGIN
    IF current_setting('cdcs.rollups_off', true) = 'on' THEN
        RETURN NULL;
    END IF;
    WITH moved AS (
        SELECT o.id, o.path AS old_path, n.path AS new_path
          FROM old_units o JOIN new_units n ON n.id = o.id
         WHERE o.path <> n.path
    ), tops AS (  -- the top of each moved subtree: its old parent did not move
        SELECT m.* FROM moved m
         WHERE NOT EXISTS (SELECT 1 FROM moved p
                            WHERE p.old_path = substr(m.old_path, 1, length(m.old_path) - {STEP}))
    ), deltas AS (
        SELECT a.id AS unit_id, a.path, {moved_keys}{summed}
          FROM tops m
          JOIN {self.table} s ON s.unit_id = m.id
          CROSS JOIN LATERAL (VALUES (m.old_path, -1), (m.new_path, 1)) AS d(path, sign)
          CROSS JOIN LATERAL generate_series(1, length(d.path) / {STEP} - 1) AS g(n)
          JOIN organisation_unit a ON a.path = substr(d.path, 1, g.n * {STEP})
         GROUP BY a.id, a.path{"".join(f", s.{c}" for c in keys)}
    )
    INSERT INTO {self.table} AS t ({columns})
    SELECT {columns} FROM deltas WHERE {" OR ".join(f"{c} <> 0" for c in sums)} ORDER BY {", ".join(keys)}, path
    ON CONFLICT ({conflict}) DO UPDATE SET {added};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS {self._unit_trigger} ON organisation_unit;
CREATE TRIGGER {self._unit_trigger} AFTER UPDATE ON organisation_unit
    REFERENCING OLD TABLE AS old_units NEW TABLE AS new_units
    FOR EACH STATEMENT EXECUTE FUNCTION {self.name}_units_moved();
"""

    @property
    def backward(self) -> str:
        types = ", ".join(["bigint", *(t for _c, t in self.keys), *(t for _c, t in self.sums)])
        return f"""
DROP TRIGGER IF EXISTS {self._unit_trigger} ON organisation_unit;
DROP TRIGGER IF EXISTS {self.source}_rollup ON {self.source};
DROP FUNCTION IF EXISTS {self.name}_units_moved();
DROP FUNCTION IF EXISTS {self._row_function}();
DROP FUNCTION IF EXISTS {self.name}_add({types});
"""

    @property
    def fill(self) -> str:
        """The rollup recomputed from its source, in one statement (the
        migration that creates the table and ``rebuild``): the source summed
        per unit and grain first, then added to every ancestor."""
        keys = [column for column, _type in self.keys]
        sums = [column for column, _type in self.sums]
        selects = []
        for grain in self.grains:
            columns = [f"{k.format(row='s')} AS {c}" for k, c in zip(grain.sql, keys, strict=True)]
            selects.append(f"SELECT s.unit_id, {', '.join(columns)}, {', '.join('s.' + c for c in sums)}"
                           f" FROM {self.source} s")
        grains = "\n         UNION ALL\n        ".join(selects)
        return f"""
INSERT INTO {self.table} (unit_id, {", ".join([*keys, *sums])})
SELECT a.id, {", ".join(f"c.{c}" for c in keys)}, {", ".join(f"sum(c.{c})" for c in sums)}
  FROM (SELECT unit_id, {", ".join(keys)}, {", ".join(f"sum({c}) AS {c}" for c in sums)}
          FROM ({grains}) AS s
         GROUP BY unit_id, {", ".join(keys)}) AS c
  JOIN organisation_unit u ON u.id = c.unit_id
  CROSS JOIN LATERAL generate_series(1, length(u.path) / {STEP}) AS g(n)
  JOIN organisation_unit a ON a.path = substr(u.path, 1, g.n * {STEP})
 GROUP BY a.id, {", ".join(f"c.{c}" for c in keys)}
HAVING {" OR ".join(f"sum(c.{c}) <> 0" for c in sums)}
"""

    # --- Python ----------------------------------------------------------------------
    def rolled_up(self, figures: dict[tuple, dict[str, int]]) -> dict[tuple, dict[str, int]]:
        """Source figures keyed (unit id, its other keys) → rollup figures
        keyed (unit id, rollup keys) for the unit and every ancestor: what
        ``fill`` computes, in Python (the drift check's expectation)."""
        paths = dict(Unit.objects.values_list("pk", "path"))
        ids = {path: pk for pk, path in paths.items()}
        found: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for (unit_id, *rest), columns in figures.items():
            path = paths[unit_id]
            for grain in self.grains:
                key = grain.python(tuple(rest))
                for end in range(STEP, len(path) + 1, STEP):
                    row = found[(ids[path[:end]], *key)]
                    for column, _type in self.sums:
                        row[column] += columns.get(column, 0) or 0
        return found


def _month(rest: tuple) -> tuple:
    return (False, *rest)


def _year(rest: tuple) -> tuple:
    return (True, rest[0].replace(month=1), *rest[1:])


_MONTH = "false", "{row}.month"
_YEAR = "true", "date_trunc('year', {row}.month)::date"

#: Campaigns now per unit subtree and stage (``SubtreeStage``): the pipeline.
STAGES = Rollup("statistics_subtree_stage", "statistics_subtreestage", "statistics_stagecohort",
                keys=(("stage", "varchar"),), sums=(("campaigns", "integer"),), source_keys=("stage",),
                grains=(Grain(("{row}.stage",), lambda rest: rest[:1]),),
                row_function="statistics_stage_cohort_rollup", unit_trigger="organisation_unit_subtree_stage")
#: The funnel per subtree, month and year (``SubtreeEntries``).
ENTRIES = Rollup("statistics_subtree_entries", "statistics_subtreeentries", "campaigns_stageentries",
                 keys=(("whole_year", "boolean"), ("month", "date"), ("stage", "varchar")),
                 sums=(("campaigns", "integer"),), source_keys=("month", "stage"),
                 grains=(Grain((*_MONTH, "{row}.stage"), _month), Grain((*_YEAR, "{row}.stage"), _year)))
#: What happened besides the funnel per subtree, month and year (``SubtreeMonthFigures``).
MONTHS = Rollup("statistics_subtree_months", "statistics_subtreemonthfigures", "statistics_monthfigures",
                keys=(("whole_year", "boolean"), ("month", "date")),
                sums=tuple((c, "integer") for c in ("abandoned", "unions_founded", "members_admitted",
                                                    "members_recruited", "members_lost")),
                source_keys=("month",), grains=(Grain(_MONTH, _month), Grain(_YEAR, _year)))
#: The durations' histogram per subtree, month and year (``SubtreeDuration``).
DURATIONS = Rollup("statistics_subtree_durations", "statistics_subtreeduration", "statistics_stageduration",
                   keys=(("whole_year", "boolean"), ("month", "date"), ("stage", "varchar"),
                         ("working_days", "integer")),
                   sums=(("stints", "integer"),), source_keys=("month", "stage", "working_days"),
                   grains=(Grain((*_MONTH, "{row}.stage", "{row}.working_days"), _month),
                           Grain((*_YEAR, "{row}.stage", "{row}.working_days"), _year)))
#: The registry per subtree, band and union status, all enterprises (``SubtreeBand``).
BANDS = Rollup("statistics_subtree_bands", "statistics_subtreeband", "statistics_enterpriseband",
               keys=(("band", "integer"), ("has_union", "boolean")),
               sums=(("enterprises", "integer"), ("workforce", "bigint"), ("workforce_social_insurance", "bigint")),
               source_keys=("band", "has_union"),
               grains=(Grain(("{row}.band", "{row}.has_union"), lambda rest: rest[:2]),))

ROLLUPS = (STAGES, ENTRIES, MONTHS, DURATIONS, BANDS)

#: Run before the fills, in their transaction: the planner takes each unit for
#: a thousand levels (``generate_series``) and would sort a hundred million rows
#: on disk with JIT; the few million there are aggregate in memory (the SELECT
#: of the durations' fill at national scale: 22 s under load; writing its
#: 886.451 rows takes the rest of its ~80 s there).
FILL_SETTINGS = "SET LOCAL work_mem = '256MB'; SET LOCAL jit = off"

def kept() -> bool:
    """Does this database keep the rollups (PostgreSQL)?"""
    return connection.vendor == "postgresql"


def read() -> bool:
    """Do the pages read the rollups? Where they are kept, unless the setting
    ``SUMMARY_ROLLUPS_READ`` is off: the benchmarks switch it to compare both
    ways side by side (bench/reads.py --variants), the tests to show that both
    give the same figures."""
    return kept() and getattr(settings, "SUMMARY_ROLLUPS_READ", True)


def rollups_off() -> None:
    """Stop the triggers for the rest of the caller's transaction (the rebuild)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('cdcs.rollups_off', 'on', true)")


def rebuild() -> None:
    """Replace every rollup with that of its source, in the caller's
    transaction (which holds the sources against writers and has the
    triggers off: ``rollups_off``)."""
    with connection.cursor() as cursor:
        cursor.execute(FILL_SETTINGS)
        for rollup in ROLLUPS:
            cursor.execute(f"LOCK TABLE {rollup.table} IN EXCLUSIVE MODE")
            cursor.execute(f"DELETE FROM {rollup.table}")
            cursor.execute(rollup.fill)


# --- reading ------------------------------------------------------------------------
def by_branch(unit: Unit, units: dict[int, str], found=None) -> list[tuple[str, str, int]]:
    """(branch path, stage, campaigns) of ``unit``'s subtree now: each direct
    child's subtree, and the unit's own campaigns under the unit's own path
    (its row less its children's). ``units``: the unit and its children that
    can hold campaigns, path by id (``branch_units``). One query over at
    most (children + 1) × stages rows — or none, given their rows
    (``found``: (unit id, stage, campaigns), read by the caller's statement)."""
    from .models import SubtreeStage

    if found is None:
        found = (SubtreeStage.objects.filter(unit_id__in=list(units)).exclude(campaigns=0)
                 .values_list("unit_id", "stage", "campaigns"))
    own: dict[str, int] = defaultdict(int)
    split = []
    for unit_id, stage, n in found:
        path = units[unit_id]
        if path == unit.path:
            own[stage] += n
        else:
            own[stage] -= n
            split.append((path, stage, n))
    return split + [(unit.path, stage, n) for stage, n in own.items() if n]


def branch_units(unit: Unit) -> tuple[list[Unit], dict[int, str]]:
    """``unit``'s upper-level children (open ones, in tree order) and the
    path by id of the unit and of all its upper-level children, closed
    ones included: the rows a dashboard reads from the rollups of the
    pipeline, the funnel, the durations and the registry. Grassroots unions
    hold no rows there — no campaign, enterprise or stint belongs to one
    (registration and every transfer refuse them) — so the 2.755 CĐCS under
    a district are not probed (the month figures are: ``statistics.engine._rollups_sql``).
    One query."""
    children = upper_children(unit)
    return [child for child in children if child.is_active], {unit.pk: unit.path,
                                                              **{child.pk: child.path for child in children}}


def counts_under(paths, stages) -> dict[str, int]:
    """Campaigns now per stage (of ``stages``) in the subtrees of the units at
    ``paths`` (none inside another): one query over len(paths) × stages rows."""
    from .models import SubtreeStage

    if not paths:
        return {}
    return {stage: n or 0 for stage, n in
            SubtreeStage.objects.filter(unit__path__in=list(paths), stage__in=list(stages))
            .values_list("stage").annotate(n=Sum("campaigns")).order_by()}


def split_by_branch(unit_path: str, units: dict[int, str], rows) -> list[tuple[str, tuple, dict[str, int]]]:
    """(branch path, key, {sum: value}) of a rollup's ``rows`` — (unit id,
    key, {sum: value}) of the unit at ``unit_path`` and of its children,
    path by id in ``units`` — split like ``by_branch``: each direct
    child's row, and the unit's own (its row less its children's), those
    with a figure only."""
    own: dict[tuple, dict[str, int]] = {}
    found = []
    for unit_id, key, values in rows:
        path = units[unit_id]
        sign = 1 if path == unit_path else -1
        sums = own.setdefault(key, dict.fromkeys(values, 0))
        for column, n in values.items():
            sums[column] += sign * n
        if sign < 0 and any(values.values()):  # a child's row left at zero (all moved away) has no figures
            found.append((path, key, values))
    return found + [(unit_path, key, values) for key, values in own.items() if any(values.values())]


def spans(first: dt.date, last: dt.date, *, today: dt.date) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """The rows of a rollup by month and year (``whole_year``) that add up to
    the months ``first``..``last`` (first days): the years (their January)
    whose row to read — each whole year in them, and the current year from
    January to this month or later, the months after today being empty —
    and the ranges of months left."""
    years, months = [], []
    for year in range(first.year, last.year + 1):
        start, end = max(first, dt.date(year, 1, 1)), min(last, dt.date(year, 12, 1))
        if start.month == 1 and (end.month == 12 or end >= today.replace(day=1)):
            years.append(dt.date(year, 1, 1))
        else:
            months.append((start, end))
    return years, months


def months_sql(first: dt.date, last: dt.date, *, today: dt.date) -> tuple[str, dict]:
    """``spans`` as a filter on a rollup's rows in SQL (``whole_year`` and
    ``month`` columns), and its parameters by name."""
    years, months = spans(first, last, today=today)
    parts, params = [], {}
    if years:
        parts.append("(whole_year AND month = ANY(%(years)s))")
        params["years"] = years
    for i, (start, end) in enumerate(months):
        parts.append(f"(NOT whole_year AND month BETWEEN %(from_{i})s AND %(to_{i})s)")
        params[f"from_{i}"], params[f"to_{i}"] = start, end
    return " OR ".join(parts) or "FALSE", params
