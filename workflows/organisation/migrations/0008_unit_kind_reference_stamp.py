"""Unit kinds move the reference stamp (``0005_reference_stamp``): a
recognition takes the grassroots kind from its process's cache
(``selectors.grassroots_kind_cached``), which must see a kind added,
removed, renamed or reordered, or its grassroots flag changed, at the next
move in every process."""
from django.db import migrations

TABLE = "organisation_unitkind"
RUN = "EXECUTE FUNCTION organisation_reference_stamp_bump()"

FORWARD = f"""
CREATE TRIGGER {TABLE}_reference_stamp AFTER INSERT OR DELETE ON {TABLE} FOR EACH STATEMENT {RUN};
CREATE TRIGGER {TABLE}_reference_stamp_truncate AFTER TRUNCATE ON {TABLE} FOR EACH STATEMENT {RUN};
CREATE TRIGGER {TABLE}_reference_stamp_update AFTER UPDATE ON {TABLE}
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) {RUN};
"""

BACKWARD = f"""
DROP TRIGGER IF EXISTS {TABLE}_reference_stamp ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_reference_stamp_truncate ON {TABLE};
DROP TRIGGER IF EXISTS {TABLE}_reference_stamp_update ON {TABLE};
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("organisation", "0007_unit_folded_name")]
    operations = [migrations.RunPython(forward, backward)]
