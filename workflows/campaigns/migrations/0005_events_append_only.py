"""Campaign events are append-only, enforced by PostgreSQL itself: a trigger
refuses every UPDATE and DELETE on the table, whatever the code asks."""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION campaigns_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'campaign events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaigns_event_append_only
    BEFORE UPDATE OR DELETE ON campaigns_campaignevent
    FOR EACH ROW EXECUTE FUNCTION campaigns_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS campaigns_event_append_only ON campaigns_campaignevent;
DROP FUNCTION IF EXISTS campaigns_event_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0004_reference_data")]
    operations = [migrations.RunPython(forward, backward)]
