"""The coarse level of the pipeline (``SubtreeStage``) with the triggers that
keep it (``workflows.campaigns.rollups``), filled from the cohorts; the
indexes of the board's cards and the lists' first page."""
import django.db.models.deletion
from django.db import migrations, models

# The SQL as it stood when this migration was written (with 0024's ancestor lookup, which
# this migration ran by then): ``workflows.campaigns.rollups`` generates it now from a
# declaration, and a later change of the module gets a migration of its own.
FORWARD = """
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
      JOIN organisation_unit a ON a.path = ANY(ARRAY(SELECT substr(u.path, 1, g.n * 4)
                                                   FROM generate_series(1, length(u.path) / 4) AS g(n)))
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
                            WHERE p.old_path = substr(m.old_path, 1, length(m.old_path) - 4))
    ), deltas AS (
        SELECT a.id AS unit_id, a.path, s.stage, sum(s.campaigns * d.sign)::integer AS campaigns
          FROM tops m
          JOIN statistics_subtreestage s ON s.unit_id = m.id
          CROSS JOIN LATERAL (VALUES (m.old_path, -1), (m.new_path, 1)) AS d(path, sign)
          CROSS JOIN LATERAL generate_series(1, length(d.path) / 4 - 1) AS g(n)
          JOIN organisation_unit a ON a.path = substr(d.path, 1, g.n * 4)
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

FILL = """
INSERT INTO statistics_subtreestage (unit_id, stage, campaigns)
SELECT a.id, c.stage, sum(c.campaigns)
  FROM statistics_stagecohort c
  JOIN organisation_unit u ON u.id = c.unit_id
  CROSS JOIN LATERAL generate_series(1, length(u.path) / 4) AS g(n)
  JOIN organisation_unit a ON a.path = substr(u.path, 1, g.n * 4)
 GROUP BY a.id, c.stage
HAVING sum(c.campaigns) <> 0
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)
        schema_editor.execute(FILL, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0018_committee_seats_are_workers'),
        ('enterprises', '0005_band_dimensions'),
        ('organisation', '0006_unit_children_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='SubtreeStage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(max_length=32)),
                ('campaigns', models.IntegerField(db_default=0, default=0)),
            ],
            options={
                'db_table': 'statistics_subtreestage',
            },
        ),
        migrations.RemoveIndex(model_name='campaign', name='campaign_unit_stage_idx'),
        migrations.AddIndex(
            model_name='campaign',
            index=models.Index(models.F('responsible_unit'), models.F('stage'), models.OrderBy(models.F('stage_entered_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='campaign_unit_stage_recent_idx'),
        ),
        migrations.AddIndex(
            model_name='campaign',
            index=models.Index(models.F('stage'), models.OrderBy(models.F('stage_entered_at'), descending=True), models.OrderBy(models.F('id'), descending=True), name='campaign_stage_recent_idx'),
        ),
        migrations.AddField(
            model_name='subtreestage',
            name='unit',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisation.unit'),
        ),
        migrations.AddConstraint(
            model_name='subtreestage',
            constraint=models.UniqueConstraint(fields=('unit', 'stage'), name='subtree_stage_key'),
        ),
        migrations.RunPython(forward, backward),
    ]
