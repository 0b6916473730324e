"""The registry's summary is kept by ownership sector, social insurance and
industrial zone too (the dimensions figures and targets are asked by): the
rows are recomputed from the registry."""
from django.db import migrations, models
from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When

FLOORS = (0, 10, 20, 25, 50, 100, 200, 500, 1000, 5000)


def recompute(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    EnterpriseBand = apps.get_model("enterprises", "EnterpriseBand")
    EnterpriseBand.objects.all().delete()
    band = Case(*[When(workforce__gte=floor, then=Value(floor)) for floor in sorted(FLOORS, reverse=True)],
                default=Value(0), output_field=IntegerField())
    si = Q(workforce_source="social_insurance")
    rows = (Enterprise.objects.annotate(band=band)
            .values("responsible_unit", "band", "has_union", "ownership_sector", "workforce_source", "industrial_zone")
            .annotate(n=Count("pk"), w=Sum("workforce"), s=Sum("workforce", filter=si)).order_by())
    merged = {}
    for row in rows:
        key = (row["responsible_unit"], row["band"], row["has_union"], row["ownership_sector"],
               row["workforce_source"] == "social_insurance", row["industrial_zone"])
        n, w, s = merged.get(key, (0, 0, 0))
        merged[key] = (n + row["n"], w + (row["w"] or 0), s + (row["s"] or 0))
    EnterpriseBand.objects.bulk_create([
        EnterpriseBand(unit_id=k[0], band=k[1], has_union=k[2], sector=k[3], social_insurance=k[4], zone=k[5],
                       enterprises=n, workforce=w, workforce_social_insurance=s)
        for k, (n, w, s) in merged.items() if n], batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ("enterprises", "0004_enterprise_band"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="enterpriseband", name="enterprise_band_key"),
        migrations.AddField(model_name="enterpriseband", name="sector",
                            field=models.CharField(db_default="", default="", max_length=20)),
        migrations.AddField(model_name="enterpriseband", name="social_insurance",
                            field=models.BooleanField(db_default=False, default=False,
                                                      help_text="the workforce is known from social insurance (pays it)")),
        migrations.AddField(model_name="enterpriseband", name="zone",
                            field=models.CharField(db_default="", default="", max_length=120)),
        migrations.RunPython(recompute, migrations.RunPython.noop),
        migrations.AddConstraint(model_name="enterpriseband", constraint=models.UniqueConstraint(
            fields=("unit", "band", "has_union", "sector", "social_insurance", "zone"), name="enterprise_band_key")),
    ]
