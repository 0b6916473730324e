"""The rollups of the funnel, the month figures, the durations (by month
and by year) and the registry's bands (``SubtreeEntries``,
``SubtreeMonthFigures``, ``SubtreeDuration``, ``enterprises.SubtreeBand``)
with the triggers that keep them, each filled from its source in one
statement (``workflows.campaigns.rollups``)."""
import django.db.models.deletion
from django.db import migrations, models

# The module's SQL as this migration was written: a later change of the module
# freezes this migration's text here (as 0019 holds SubtreeStage's) and gets a
# migration of its own.
from workflows.campaigns.rollups import BANDS, DURATIONS, ENTRIES, FILL_SETTINGS, MONTHS

ADDED = (ENTRIES, MONTHS, DURATIONS, BANDS)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FILL_SETTINGS, params=None)
        for rollup in ADDED:
            schema_editor.execute(rollup.forward, params=None)
            schema_editor.execute(rollup.fill, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for rollup in ADDED:
            schema_editor.execute(rollup.backward, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0024_rollup_ancestors_by_path'),
        ('enterprises', '0006_subtree_band'),
        ('organisation', '0007_unit_folded_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='SubtreeDuration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('whole_year', models.BooleanField()),
                ('month', models.DateField()),
                ('stage', models.CharField(max_length=32)),
                ('working_days', models.IntegerField()),
                ('stints', models.IntegerField(db_default=0, default=0)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisation.unit')),
            ],
            options={
                'db_table': 'statistics_subtreeduration',
                'constraints': [models.UniqueConstraint(fields=('unit', 'whole_year', 'month', 'stage', 'working_days'), name='subtree_duration_key')],
            },
        ),
        migrations.CreateModel(
            name='SubtreeEntries',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('whole_year', models.BooleanField()),
                ('month', models.DateField()),
                ('stage', models.CharField(max_length=32)),
                ('campaigns', models.IntegerField(db_default=0, default=0)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisation.unit')),
            ],
            options={
                'db_table': 'statistics_subtreeentries',
                'constraints': [models.UniqueConstraint(fields=('unit', 'whole_year', 'month', 'stage'), name='subtree_entries_key')],
            },
        ),
        migrations.CreateModel(
            name='SubtreeMonthFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('whole_year', models.BooleanField()),
                ('month', models.DateField()),
                ('abandoned', models.IntegerField(db_default=0, default=0)),
                ('unions_founded', models.IntegerField(db_default=0, default=0)),
                ('members_admitted', models.IntegerField(db_default=0, default=0)),
                ('members_recruited', models.IntegerField(db_default=0, default=0)),
                ('members_lost', models.IntegerField(db_default=0, default=0)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisation.unit')),
            ],
            options={
                'db_table': 'statistics_subtreemonthfigures',
                'constraints': [models.UniqueConstraint(fields=('unit', 'whole_year', 'month'), name='subtree_month_figures_key')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
