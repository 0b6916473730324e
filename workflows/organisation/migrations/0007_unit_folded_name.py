"""``Unit.search_name``: the unit's name folded (lower case, no diacritics,
đ → d: ``core.text.fold``), so that the unit picker finds "Hà Nội" when
"ha noi" is typed. The services set it with the name; this fills the
existing units, in Python (the one folding function: PostgreSQL's
``unaccent`` folds differently, and SQLite has none).

On PostgreSQL a trigram index (pg_trgm, a trusted extension: the owner of
the database, who runs ``migrate``, may create it) serves the picker's
``LIKE '%word%'``, and a prefix, whatever the position of the words: the
country has a hundred thousand grassroots unions beside the upper-level
units the picker searches. SQLite (the quick start) has no such index;
``LIKE '%…%'`` reads the table there, which a small database can afford.
"""
from django.db import migrations, models

from workflows.core.text import fold

BATCH = 2000

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS unit_search_name_trgm_idx ON organisation_unit USING gin (search_name gin_trgm_ops);
"""

BACKWARD = "DROP INDEX IF EXISTS unit_search_name_trgm_idx;"


def fill(apps, schema_editor):
    Unit = apps.get_model("organisation", "Unit")
    limit = Unit._meta.get_field("search_name").max_length
    # read first, then write: SQLite does not isolate a cursor from the updates of its connection
    units = [Unit(pk=pk, search_name=fold(name)[:limit]) for pk, name in Unit.objects.values_list("pk", "name")]
    Unit.objects.bulk_update(units, ["search_name"], batch_size=BATCH)


def index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def unindex(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("organisation", "0006_unit_children_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="search_name",
            field=models.CharField(default="", editable=False, max_length=255),
            preserve_default=False,
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(index, unindex),
    ]
