"""The coarse level of the pipeline (``SubtreeStage``): campaigns per unit
subtree and stage, kept by PostgreSQL in the writer's own statement, and
read by the dashboards, the board and the lists.

Triggers rather than calls in the services, for the reason the reference
stamp has them (``organisation.migrations.0005_reference_stamp``): no
writer of the cohorts can forget the rollups — a move, an opening, a
transfer to a successor, a unit moved in the tree by the administration,
its import or an operator — and a move keeps its statement count (the
trigger runs inside the cohorts' statement).

- ``StageCohort`` (a row trigger, after insert, update or delete): the
  change of a cohort's count is added to the row of its unit and of every
  ancestor, root first (``ORDER BY path``), so that two writers lock the
  rollups of a stage in the same order.
- ``organisation_unit`` (a statement trigger with transition tables: a move
  rewrites the paths of a whole subtree in one statement): the rows of each
  moved subtree's top unit are taken from its old ancestors and given to its
  new ones.
- A session that sets ``cdcs.rollups_off`` to ``on`` skips both: the
  rebuild (``rebuild``) puts the rollups in place in one statement after
  the cohorts.

SQLite keeps none of it (``kept()`` is false there): its readers sum the
cohorts, which is what a small database can afford.
"""
from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connection

from workflows.organisation.models import Unit

STEP = Unit.steplen

FORWARD = f"""
CREATE OR REPLACE FUNCTION statistics_subtree_stage_add(p_unit bigint, p_stage varchar, p_delta integer)
RETURNS void AS $$
BEGIN
    IF p_delta = 0 THEN
        RETURN;
    END IF;
    -- the ancestors as path = ANY(an array): an index probe per level (a join on generate_series is
    -- planned for a thousand rows and hashes the whole unit table: 150 ms a move at national scale)
    INSERT INTO statistics_subtreestage AS t (unit_id, stage, campaigns)
    SELECT a.id, p_stage, p_delta
      FROM organisation_unit u
      JOIN organisation_unit a ON a.path = ANY(ARRAY(SELECT substr(u.path, 1, g.n * {STEP})
                                                   FROM generate_series(1, length(u.path) / {STEP}) AS g(n)))
     WHERE u.id = p_unit
     ORDER BY a.path
    ON CONFLICT (unit_id, stage) DO UPDATE SET campaigns = t.campaigns + EXCLUDED.campaigns;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION statistics_stage_cohort_rollup() RETURNS trigger AS $$
BEGIN
    IF current_setting('cdcs.rollups_off', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM statistics_subtree_stage_add(NEW.unit_id, NEW.stage, NEW.campaigns);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM statistics_subtree_stage_add(OLD.unit_id, OLD.stage, -OLD.campaigns);
    ELSIF NEW.unit_id = OLD.unit_id AND NEW.stage = OLD.stage THEN
        PERFORM statistics_subtree_stage_add(NEW.unit_id, NEW.stage, NEW.campaigns - OLD.campaigns);
    ELSE
        PERFORM statistics_subtree_stage_add(OLD.unit_id, OLD.stage, -OLD.campaigns);
        PERFORM statistics_subtree_stage_add(NEW.unit_id, NEW.stage, NEW.campaigns);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER statistics_stagecohort_rollup AFTER INSERT OR UPDATE OR DELETE ON statistics_stagecohort
    FOR EACH ROW EXECUTE FUNCTION statistics_stage_cohort_rollup();

CREATE OR REPLACE FUNCTION statistics_subtree_stage_units_moved() RETURNS trigger AS $$
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
        SELECT a.id AS unit_id, a.path, s.stage, sum(s.campaigns * d.sign)::integer AS campaigns
          FROM tops m
          JOIN statistics_subtreestage s ON s.unit_id = m.id
          CROSS JOIN LATERAL (VALUES (m.old_path, -1), (m.new_path, 1)) AS d(path, sign)
          CROSS JOIN LATERAL generate_series(1, length(d.path) / {STEP} - 1) AS g(n)
          JOIN organisation_unit a ON a.path = substr(d.path, 1, g.n * {STEP})
         GROUP BY a.id, a.path, s.stage
    )
    INSERT INTO statistics_subtreestage AS t (unit_id, stage, campaigns)
    SELECT unit_id, stage, campaigns FROM deltas WHERE campaigns <> 0 ORDER BY stage, path
    ON CONFLICT (unit_id, stage) DO UPDATE SET campaigns = t.campaigns + EXCLUDED.campaigns;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER organisation_unit_subtree_stage AFTER UPDATE ON organisation_unit
    REFERENCING OLD TABLE AS old_units NEW TABLE AS new_units
    FOR EACH STATEMENT EXECUTE FUNCTION statistics_subtree_stage_units_moved();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS organisation_unit_subtree_stage ON organisation_unit;
DROP TRIGGER IF EXISTS statistics_stagecohort_rollup ON statistics_stagecohort;
DROP FUNCTION IF EXISTS statistics_subtree_stage_units_moved();
DROP FUNCTION IF EXISTS statistics_stage_cohort_rollup();
DROP FUNCTION IF EXISTS statistics_subtree_stage_add(bigint, varchar, integer);
"""

#: The rollups recomputed from the cohorts, in one statement (the migration
#: that creates the table and ``rebuild``).
FILL = f"""
INSERT INTO statistics_subtreestage (unit_id, stage, campaigns)
SELECT a.id, c.stage, sum(c.campaigns)
  FROM statistics_stagecohort c
  JOIN organisation_unit u ON u.id = c.unit_id
  CROSS JOIN LATERAL generate_series(1, length(u.path) / {STEP}) AS g(n)
  JOIN organisation_unit a ON a.path = substr(u.path, 1, g.n * {STEP})
 GROUP BY a.id, c.stage
HAVING sum(c.campaigns) <> 0
"""


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
    """Replace the rollups with those of the cohorts, in the caller's
    transaction (which holds the cohorts against writers)."""
    from .models import SubtreeStage

    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {SubtreeStage._meta.db_table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {SubtreeStage._meta.db_table}")
        cursor.execute(FILL)


def rolled_up(figures: dict[tuple, dict[str, int]]) -> dict[tuple, dict[str, int]]:
    """Cohort figures keyed (unit id, stage, day) → rollup figures keyed
    (unit id, stage) for the unit and every ancestor: what ``FILL`` computes,
    in Python (the drift check's expectation)."""
    paths = dict(Unit.objects.values_list("pk", "path"))
    ids = {path: pk for pk, path in paths.items()}
    found: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (unit_id, stage, _day), columns in figures.items():
        path = paths[unit_id]
        for end in range(STEP, len(path) + 1, STEP):
            found[(ids[path[:end]], stage)]["campaigns"] += columns.get("campaigns", 0)
    return found


# --- reading ------------------------------------------------------------------------
def by_branch(unit: Unit) -> list[tuple[str, str, int]]:
    """(branch path, stage, campaigns) of ``unit``'s subtree now: each direct
    child's subtree, and the unit's own campaigns under the unit's own path
    (its row less its children's). One query over at most (children + 1) ×
    stages rows, the children found by the index on (depth, path)."""
    from .models import SubtreeStage

    own: dict[str, int] = defaultdict(int)
    found = []
    for path, stage, n in (SubtreeStage.objects.filter(unit__path__startswith=unit.path,
                                                        unit__depth__range=(unit.depth, unit.depth + 1))
                           .exclude(campaigns=0).values_list("unit__path", "stage", "campaigns")):
        if path == unit.path:
            own[stage] += n
        else:
            own[stage] -= n
            found.append((path, stage, n))
    return found + [(unit.path, stage, n) for stage, n in own.items() if n]


def counts_under(paths, stages) -> dict[str, int]:
    """Campaigns now per stage (of ``stages``) in the subtrees of the units at
    ``paths`` (none inside another): one query over len(paths) × stages rows."""
    from django.db.models import Sum

    from .models import SubtreeStage

    if not paths:
        return {}
    return {stage: n or 0 for stage, n in
            SubtreeStage.objects.filter(unit__path__in=list(paths), stage__in=list(stages))
            .values_list("stage").annotate(n=Sum("campaigns")).order_by()}
