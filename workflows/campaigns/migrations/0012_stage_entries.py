"""The funnel's figures become rows keyed by stage (StageEntries: unit,
month, stage) instead of one MonthFigures column per stage: a new stage needs
no new column. The figures move over as they are (both ways); from now on a
campaign that comes back to a stage it had reached is not counted again."""
import django.db.models.deletion
from django.db import migrations, models

#: The stages that had a column in MonthFigures.
STAGES = ("surveyed", "employer_contacted", "mobilising_committee", "founding_congress", "recognised")


def columns_to_rows(apps, schema_editor):
    MonthFigures = apps.get_model("campaigns", "MonthFigures")
    StageEntries = apps.get_model("campaigns", "StageEntries")
    rows = []
    for figures in MonthFigures.objects.all().iterator(chunk_size=2000):
        for stage in STAGES:
            if campaigns := getattr(figures, f"entered_{stage}"):
                rows.append(StageEntries(unit_id=figures.unit_id, month=figures.month, stage=stage,
                                         campaigns=campaigns))
    StageEntries.objects.bulk_create(rows, batch_size=2000)


def rows_to_columns(apps, schema_editor):
    MonthFigures = apps.get_model("campaigns", "MonthFigures")
    StageEntries = apps.get_model("campaigns", "StageEntries")
    for entries in StageEntries.objects.filter(stage__in=STAGES).iterator(chunk_size=2000):
        figures, _created = MonthFigures.objects.get_or_create(unit_id=entries.unit_id, month=entries.month)
        setattr(figures, f"entered_{entries.stage}", entries.campaigns)
        figures.save(update_fields=[f"entered_{entries.stage}"])


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0011_rule_set_limits"),
        ("organisation", "0002_unit_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="StageEntries",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("month", models.DateField()),
                ("stage", models.CharField(max_length=32)),
                ("campaigns", models.IntegerField(db_default=0, default=0)),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                           to="organisation.unit")),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("unit", "month", "stage"), name="stage_entries_key")],
            },
        ),
        migrations.RunPython(columns_to_rows, rows_to_columns),
        migrations.RemoveField(model_name="monthfigures", name="entered_employer_contacted"),
        migrations.RemoveField(model_name="monthfigures", name="entered_founding_congress"),
        migrations.RemoveField(model_name="monthfigures", name="entered_mobilising_committee"),
        migrations.RemoveField(model_name="monthfigures", name="entered_recognised"),
        migrations.RemoveField(model_name="monthfigures", name="entered_surveyed"),
    ]
