"""The reference stamp (``ReferenceStamp``): one row, set from a sequence by
PostgreSQL triggers on every table of reference data that a campaign's move
reads, in the writer's own transaction.

Triggers rather than a call in each service: no writer can forget it — the
administration services, Django admin, the migrations that load reference
rows, imports, the bench's data generator, a test that writes a rule set
with the ORM, an operator's SQL. A sequence rather than ``value + 1``: a
rolled-back transaction (every test) takes its values with it, so a value
is never seen twice with different data behind it; and each statement gets
a new value, so a transaction that changes reference data, moves a
campaign, and changes it again sees its own second change too.

What sets it:
- any INSERT, DELETE or TRUNCATE of rule sets, their limits, stage task
  templates, calendar days and webhook subscriptions (one bump a statement);
- an UPDATE that changes a row of the first four (a row trigger with WHEN:
  a save that changes nothing does not bump);
- an UPDATE of a subscription's unit, events or on/off switch, not of its
  failure count (every failed delivery writes it) or its secret;
- a unit whose path changes (a unit moved in the tree): the caches find the
  reference data by the paths of the units that keep it.

SQLite (the quick start) has none of it: there the caches are off and every
move reads the reference data afresh (``reference_stamp.stamp_expression``).
"""
from django.db import migrations, models

WATCHED = ("campaigns_ruleset", "campaigns_rulesetlimit", "campaigns_stagetasktemplate", "organisation_calendarday")

FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS organisation_reference_stamp_seq;

CREATE OR REPLACE FUNCTION organisation_reference_stamp_bump() RETURNS trigger AS $$
BEGIN
    INSERT INTO organisation_referencestamp (id, value) VALUES (1, nextval('organisation_reference_stamp_seq'))
    ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _triggers(table: str, *, update_of: str = "", changed: str = "OLD.* IS DISTINCT FROM NEW.*") -> str:
    run = "EXECUTE FUNCTION organisation_reference_stamp_bump()"
    return f"""
CREATE TRIGGER {table}_reference_stamp AFTER INSERT OR DELETE ON {table} FOR EACH STATEMENT {run};
CREATE TRIGGER {table}_reference_stamp_truncate AFTER TRUNCATE ON {table} FOR EACH STATEMENT {run};
CREATE TRIGGER {table}_reference_stamp_update AFTER UPDATE {update_of} ON {table}
    FOR EACH ROW WHEN ({changed}) {run};
"""


FORWARD = FUNCTION + "".join(_triggers(table) for table in WATCHED) + _triggers(
    "webhooks_subscription", update_of="OF is_active, kinds, unit_id",
    changed="OLD.is_active IS DISTINCT FROM NEW.is_active OR OLD.kinds IS DISTINCT FROM NEW.kinds "
            "OR OLD.unit_id IS DISTINCT FROM NEW.unit_id") + """
CREATE TRIGGER organisation_unit_reference_stamp_path AFTER UPDATE OF path ON organisation_unit
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path) EXECUTE FUNCTION organisation_reference_stamp_bump();
INSERT INTO organisation_referencestamp (id, value) VALUES (1, nextval('organisation_reference_stamp_seq'))
    ON CONFLICT (id) DO NOTHING;
"""

BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS {table}_reference_stamp ON {table};\n"
    f"DROP TRIGGER IF EXISTS {table}_reference_stamp_truncate ON {table};\n"
    f"DROP TRIGGER IF EXISTS {table}_reference_stamp_update ON {table};\n"
    for table in (*WATCHED, "webhooks_subscription")) + """
DROP TRIGGER IF EXISTS organisation_unit_reference_stamp_path ON organisation_unit;
DROP FUNCTION IF EXISTS organisation_reference_stamp_bump();
DROP SEQUENCE IF EXISTS organisation_reference_stamp_seq;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)
    else:
        apps.get_model("organisation", "ReferenceStamp").objects.get_or_create(pk=1)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0004_alter_changerecord_action"),
        # the tables the triggers watch
        ("campaigns", "0018_committee_seats_are_workers"),
        ("webhooks", "0001_initial"),
    ]
    operations = [
        migrations.CreateModel(
            name="ReferenceStamp",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
