"""The working days allowed per stage become rows of RuleSetLimit, keyed by
rule set and stage, instead of one column per stage: a new stage needs no
new column. Each rule set keeps its figures (data migration, both ways)."""
import django.db.models.deletion
from django.db import migrations, models

#: The stages that had a column, and the charter's figures the seeded rule set carries.
STAGE_LIMITS = {"surveyed": 20, "employer_contacted": 30, "mobilising_committee": 45, "founding_congress": 20}


def create(apps, schema_editor):
    """The seeded rule set's limits (the reference data of 0004), for a
    database whose rule sets have none: used by the tests after a flush."""
    RuleSet = apps.get_model("campaigns", "RuleSet")
    RuleSetLimit = apps.get_model("campaigns", "RuleSetLimit")
    for rule_set in RuleSet.objects.filter(limits__isnull=True):
        RuleSetLimit.objects.bulk_create([RuleSetLimit(rule_set=rule_set, stage=stage, working_days=days)
                                          for stage, days in STAGE_LIMITS.items()])


def columns_to_rows(apps, schema_editor):
    RuleSet = apps.get_model("campaigns", "RuleSet")
    RuleSetLimit = apps.get_model("campaigns", "RuleSetLimit")
    RuleSetLimit.objects.bulk_create([
        RuleSetLimit(rule_set=rule_set, stage=stage, working_days=getattr(rule_set, f"limit_{stage}"))
        for rule_set in RuleSet.objects.all() for stage in STAGE_LIMITS
    ])


def rows_to_columns(apps, schema_editor):
    RuleSet = apps.get_model("campaigns", "RuleSet")
    RuleSetLimit = apps.get_model("campaigns", "RuleSetLimit")
    for limit in RuleSetLimit.objects.filter(stage__in=STAGE_LIMITS):
        RuleSet.objects.filter(pk=limit.rule_set_id).update(**{f"limit_{limit.stage}": limit.working_days})


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0010_summary_tables"),
    ]

    operations = [
        migrations.CreateModel(
            name="RuleSetLimit",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("stage", models.CharField(choices=[("surveyed", "Surveyed"), ("employer_contacted", "Employer contacted"), ("mobilising_committee", "Mobilising committee"), ("founding_congress", "Founding congress")], max_length=32, verbose_name="stage")),
                ("working_days", models.PositiveSmallIntegerField(verbose_name="working days allowed")),
                ("rule_set", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="limits", to="campaigns.ruleset", verbose_name="rule set")),
            ],
            options={
                "verbose_name": "stage time limit",
                "verbose_name_plural": "stage time limits",
                "ordering": ["rule_set", "stage"],
                "constraints": [models.UniqueConstraint(fields=("rule_set", "stage"), name="rule_set_limit_key")],
            },
        ),
        migrations.RunPython(columns_to_rows, rows_to_columns),
        migrations.RemoveField(model_name="ruleset", name="limit_employer_contacted"),
        migrations.RemoveField(model_name="ruleset", name="limit_founding_congress"),
        migrations.RemoveField(model_name="ruleset", name="limit_mobilising_committee"),
        migrations.RemoveField(model_name="ruleset", name="limit_surveyed"),
    ]
