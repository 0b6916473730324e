"""The coarse level of the pipeline (``SubtreeStage``) with the triggers that
keep it (``workflows.campaigns.rollups``), filled from the cohorts; the
indexes of the board's cards and the lists' first page."""
import django.db.models.deletion
from django.db import migrations, models

# The SQL as it stood when this migration was written (a later change of the
# module gets a migration of its own).
from workflows.campaigns.rollups import BACKWARD, FILL, FORWARD


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
