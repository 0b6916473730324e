"""The campaign and task summary tables, moved from the statistics app
(statistics 0003): state only — the tables keep their ``statistics_*`` names
and rows. The content types (and so any permission rows) follow the models."""
import django.db.models.deletion
from django.db import migrations, models

MOVED = ["stagecohort", "monthfigures", "stageduration", "taskduecount"]


def content_types(old: str, new: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        taken = set(ContentType.objects.filter(app_label=new, model__in=MOVED).values_list("model", flat=True))
        ContentType.objects.filter(app_label=old, model__in=set(MOVED) - taken).update(app_label=new)
    return move


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0009_events_refuse_truncate"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("organisation", "0002_unit_kinds"),
        ("statistics", "0003_summary_tables_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="StageCohort",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("stage", models.CharField(max_length=32)),
                        ("entered_on", models.DateField()),
                        ("campaigns", models.IntegerField(db_default=0, default=0)),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                   to="organisation.unit")),
                    ],
                    options={
                        "db_table": "statistics_stagecohort",
                        "constraints": [models.UniqueConstraint(fields=("unit", "stage", "entered_on"),
                                                                name="stage_cohort_key")],
                    },
                ),
                migrations.CreateModel(
                    name="MonthFigures",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("month", models.DateField()),
                        ("entered_surveyed", models.IntegerField(db_default=0, default=0)),
                        ("entered_employer_contacted", models.IntegerField(db_default=0, default=0)),
                        ("entered_mobilising_committee", models.IntegerField(db_default=0, default=0)),
                        ("entered_founding_congress", models.IntegerField(db_default=0, default=0)),
                        ("entered_recognised", models.IntegerField(db_default=0, default=0)),
                        ("abandoned", models.IntegerField(db_default=0, default=0)),
                        ("members_admitted", models.IntegerField(db_default=0, default=0)),
                        ("members_recruited", models.IntegerField(db_default=0, default=0)),
                        ("members_lost", models.IntegerField(db_default=0, default=0)),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                   to="organisation.unit")),
                    ],
                    options={
                        "db_table": "statistics_monthfigures",
                        "constraints": [models.UniqueConstraint(fields=("unit", "month"), name="month_figures_key")],
                    },
                ),
                migrations.CreateModel(
                    name="StageDuration",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("month", models.DateField()),
                        ("stage", models.CharField(max_length=32)),
                        ("working_days", models.IntegerField()),
                        ("stints", models.IntegerField(db_default=0, default=0)),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                   to="organisation.unit")),
                    ],
                    options={
                        "db_table": "statistics_stageduration",
                        "constraints": [models.UniqueConstraint(fields=("unit", "month", "stage", "working_days"),
                                                                name="stage_duration_key")],
                    },
                ),
                migrations.CreateModel(
                    name="TaskDueCount",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("due_on", models.DateField()),
                        ("open_tasks", models.IntegerField(db_default=0, default=0)),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                   to="organisation.unit")),
                    ],
                    options={
                        "db_table": "statistics_taskduecount",
                        "constraints": [models.UniqueConstraint(fields=("unit", "due_on"),
                                                                name="task_due_count_key")],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types("statistics", "campaigns"), content_types("campaigns", "statistics"),
                             elidable=True),
    ]
