"""Grassroots unions founded, counted by the month of their recognition
decision beside the members admitted (the funnel's "recognised" counts the
month the recognition was entered)."""
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncMonth


def backfill(apps, schema_editor):
    Campaign = apps.get_model("campaigns", "Campaign")
    MonthFigures = apps.get_model("campaigns", "MonthFigures")
    rows = (Campaign.objects.filter(stage="recognised", decision_date__isnull=False)
            .annotate(month=TruncMonth("decision_date")).values("responsible_unit", "month")
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        figures, _created = MonthFigures.objects.get_or_create(unit_id=row["responsible_unit"], month=row["month"])
        figures.unions_founded = row["n"]
        figures.save(update_fields=["unions_founded"])


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0013_administration"),
    ]

    operations = [
        migrations.AddField(model_name="monthfigures", name="unions_founded",
                            field=models.IntegerField(db_default=0, default=0)),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
