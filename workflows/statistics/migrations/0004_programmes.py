"""Programmes, ranges and filters on targets, member counts and estimates;
member movements get the day they happened.

Existing targets move into programmes, one per tree, kind and year: a year's
targets into "the year's plan", a term's (five calendar years from its first)
into a congress term. A term target of new members was compared with the net
increase: it becomes a target of the net increase, as the report read it.
"""
import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

STEPLEN = 4


def targets_into_programmes(apps, schema_editor):
    Target = apps.get_model("statistics", "Target")
    Programme = apps.get_model("statistics", "Programme")
    Unit = apps.get_model("organisation", "Unit")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    programmes = {}
    for target in Target.objects.select_related("unit").order_by("pk"):
        root_path = target.unit.path[:STEPLEN]
        key = (root_path, target.horizon, target.year)
        if key not in programmes:
            root = Unit.objects.get(path=root_path)
            creator = User.objects.order_by("pk").first()
            if target.horizon == "term":
                name, kind = f"Nhiệm kỳ {target.year}–{target.year + 5}", "congress"
                start, end = dt.date(target.year, 1, 1), dt.date(target.year + 4, 12, 31)
            else:
                name, kind = f"Kế hoạch năm {target.year}", "year_plan"
                start, end = dt.date(target.year, 1, 1), dt.date(target.year, 12, 31)
            programmes[key] = Programme.objects.create(unit=root, name=name, basis_kind=kind, start=start, end=end,
                                                       created_by=creator, created_at=timezone.now())
        programme = programmes[key]
        target.programme = programme
        target.due_on = programme.end
        if target.horizon == "term" and target.metric == "new_members":
            target.metric = "net_members"
        target.min_workforce = target.min_workforce or 0
        target.save(update_fields=["programme", "due_on", "metric", "min_workforce"])


def movements_dated(apps, schema_editor):
    MemberMovement = apps.get_model("statistics", "MemberMovement")
    MemberMovement.objects.update(on=models.F("month"))


class Migration(migrations.Migration):

    dependencies = [
        ("organisation", "0003_administration"),
        ("statistics", "0003_summary_tables_moved"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Programme",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                ("basis_kind", models.CharField(choices=[("congress", "Congress resolution (term)"), ("resolution_plan", "Plan implementing a resolution"), ("year_plan", "Year's plan"), ("other", "Other")], max_length=20, verbose_name="kind of basis")),
                ("basis", models.CharField(blank=True, help_text="The resolution or plan, with its number and date.", max_length=300, verbose_name="legal basis")),
                ("start", models.DateField(verbose_name="start")),
                ("end", models.DateField(verbose_name="end")),
                ("created_at", models.DateTimeField(verbose_name="created at")),
                ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="programmes", to="organisation.unit", verbose_name="unit")),
            ],
            options={"verbose_name": "programme", "verbose_name_plural": "programmes", "ordering": ["-start", "name"],
                     "constraints": [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="programme_dates_ordered")]},
        ),
        migrations.CreateModel(
            name="Milestone",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("on", models.DateField(verbose_name="date")),
                ("label", models.CharField(max_length=120, verbose_name="label")),
                ("programme", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="milestones", to="statistics.programme", verbose_name="programme")),
            ],
            options={"verbose_name": "milestone", "verbose_name_plural": "milestones", "ordering": ["on"],
                     "constraints": [models.UniqueConstraint(fields=("programme", "on"), name="milestone_unique")]},
        ),
        migrations.CreateModel(
            name="MemberCensus",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("as_of", models.DateField(verbose_name="as of")),
                ("members", models.PositiveIntegerField(verbose_name="members")),
                ("source", models.CharField(max_length=200, verbose_name="source")),
                ("entered_at", models.DateTimeField(verbose_name="entered at")),
                ("entered_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="member_censuses", to="organisation.unit", verbose_name="unit")),
            ],
            options={"verbose_name": "member count", "verbose_name_plural": "member counts", "ordering": ["-as_of", "unit"],
                     "constraints": [models.UniqueConstraint(fields=("unit", "as_of"), name="member_census_unique")]},
        ),
        migrations.CreateModel(
            name="Estimate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("workforce_increase", "Expected workforce increase")], max_length=32, verbose_name="estimate")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("value", models.PositiveIntegerField(verbose_name="value")),
                ("source", models.CharField(max_length=200, verbose_name="source")),
                ("as_of", models.DateField(verbose_name="as of")),
                ("entered_at", models.DateTimeField(verbose_name="entered at")),
                ("entered_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="estimates", to="organisation.unit", verbose_name="unit")),
            ],
            options={"verbose_name": "estimate", "verbose_name_plural": "estimates", "ordering": ["-year", "unit"],
                     "constraints": [models.UniqueConstraint(fields=("unit", "kind", "year"), name="estimate_unique")]},
        ),
        migrations.AddField(model_name="target", name="programme", field=models.ForeignKey(
            null=True, on_delete=django.db.models.deletion.CASCADE, related_name="targets", to="statistics.programme",
            verbose_name="programme")),
        migrations.AddField(model_name="target", name="due_on", field=models.DateField(null=True, verbose_name="due on")),
        migrations.AlterField(model_name="target", name="metric", field=models.CharField(
            choices=[("new_members", "New members"), ("net_members", "Net increase in members"),
                     ("new_unions", "New grassroots unions"), ("union_members", "Members of grassroots unions"),
                     ("coverage", "Coverage of enterprises with at least N workers (%)")],
            max_length=32, verbose_name="indicator")),
        migrations.AddField(model_name="membermovement", name="on", field=models.DateField(null=True)),
        migrations.RunPython(targets_into_programmes, migrations.RunPython.noop),
        migrations.RunPython(movements_dated, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="target", name="target_unique"),
        migrations.RemoveField(model_name="target", name="year"),
        migrations.RemoveField(model_name="target", name="horizon"),
        migrations.AlterField(model_name="target", name="programme", field=models.ForeignKey(
            on_delete=django.db.models.deletion.CASCADE, related_name="targets", to="statistics.programme",
            verbose_name="programme")),
        migrations.AlterField(model_name="target", name="due_on", field=models.DateField(verbose_name="due on")),
        migrations.AlterField(model_name="target", name="min_workforce", field=models.PositiveIntegerField(
            default=0, help_text="Only enterprises with at least this many workers (0: all).",
            verbose_name="minimum workforce")),
        migrations.AddField(model_name="target", name="value_max", field=models.PositiveIntegerField(
            blank=True, help_text="For a range (6.000–7.000): its upper bound.", null=True, verbose_name="upper bound")),
        migrations.AddField(model_name="target", name="sector", field=models.CharField(
            blank=True, help_text="Only enterprises of this ownership sector (empty: all).", max_length=20,
            verbose_name="ownership sector")),
        migrations.AddField(model_name="target", name="social_insurance_only", field=models.BooleanField(
            default=False, verbose_name="only enterprises paying social insurance")),
        migrations.AddField(model_name="target", name="industrial_zone", field=models.CharField(
            blank=True, max_length=120, verbose_name="industrial zone")),
        migrations.AddConstraint(model_name="target", constraint=models.UniqueConstraint(
            fields=("programme", "unit", "due_on", "metric", "source", "sector", "min_workforce",
                    "social_insurance_only", "industrial_zone"), name="target_unique")),
        migrations.AddConstraint(model_name="target", constraint=models.CheckConstraint(
            condition=models.Q(value_max__isnull=True) | models.Q(value_max__gte=models.F("value")),
            name="target_range_ordered")),
        migrations.AlterField(model_name="membermovement", name="on", field=models.DateField(
            help_text="The day the members joined or left (or the month's first).", verbose_name="date")),
    ]
