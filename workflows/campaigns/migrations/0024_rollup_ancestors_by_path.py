"""The rollups' trigger finds a unit's ancestors by an index probe per level
(``path = ANY(...)``) instead of a join on generate_series, which the planner
hashed over the whole unit table: 35–150 ms on every move at national scale."""
from django.db import migrations

# The function as it stood when this migration was written (0019 has it too, and ``rollups.Rollup.forward`` generates it).
FUNCTION = """
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
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0023_day_counters'),
    ]

    operations = [
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
