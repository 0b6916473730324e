"""Campaign events cannot be wiped either: ``TRUNCATE`` (which fires no row
trigger, and reaches the table through ``TRUNCATE campaigns_campaign
CASCADE`` too) is refused by a statement-level trigger, as UPDATE and DELETE
already are (0005).

Only the test and benchmark settings open their connections with
``cdcs.allow_truncate=on``, so that the test runner can empty its own
database between tests; nothing else sets it. (Whoever may set it owns the
table and could drop the trigger anyway; the application's own role has no
TRUNCATE right at all, see ``manage.py create_app_role``.)"""
from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION campaigns_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('cdcs.allow_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'campaign events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER campaigns_event_append_only_truncate
    BEFORE TRUNCATE ON campaigns_campaignevent
    FOR EACH STATEMENT EXECUTE FUNCTION campaigns_event_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS campaigns_event_append_only_truncate ON campaigns_campaignevent;
CREATE OR REPLACE FUNCTION campaigns_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'campaign events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0008_task_queue_index")]
    operations = [migrations.RunPython(forward, backward)]
