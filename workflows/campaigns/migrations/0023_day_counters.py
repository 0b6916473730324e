"""The day counters (``workflows.campaigns.day_counters``): stalled campaigns
and overdue tasks per unit subtree as of one day, the day and its cut-offs,
and the triggers that keep them. Left empty (not current: the readers sum
the fine rows) until the job counts them (``day_counters.refresh``): the
cut-offs come from the rule sets and calendars, in Python."""
import django.db.models.deletion
from django.db import migrations, models

# The SQL as it stood when this migration was written (a later change of the
# module gets a migration of its own).
from workflows.campaigns.day_counters import BACKWARD, FORWARD


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('campaigns', '0020_task_reopened'),
        ('organisation', '0006_unit_children_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='DayCounters',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(null=True)),
                ('stamp', models.BigIntegerField(null=True)),
                ('built_at', models.DateTimeField(null=True)),
            ],
            options={
                'db_table': 'statistics_daycounters',
            },
        ),
        migrations.CreateModel(
            name='StalledCutoff',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('zone_path', models.CharField(blank=True, max_length=255)),
                ('stage', models.CharField(max_length=32)),
                ('entered_before', models.DateField(null=True)),
            ],
            options={
                'db_table': 'statistics_stalledcutoff',
                'constraints': [models.UniqueConstraint(fields=('stage', 'zone_path'), name='stalled_cutoff_key')],
            },
        ),
        migrations.CreateModel(
            name='SubtreeOverdue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('open_tasks', models.IntegerField(db_default=0, default=0)),
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisation.unit')),
            ],
            options={
                'db_table': 'statistics_subtreeoverdue',
            },
        ),
        migrations.CreateModel(
            name='SubtreeStalled',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('stage', models.CharField(max_length=32)),
                ('campaigns', models.IntegerField(db_default=0, default=0)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='organisation.unit')),
            ],
            options={
                'db_table': 'statistics_subtreestalled',
                'constraints': [models.UniqueConstraint(fields=('unit', 'stage'), name='subtree_stalled_key')],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
