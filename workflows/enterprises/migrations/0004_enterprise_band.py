"""The registry's summary table, moved from the statistics app (statistics
0003): state only — the table keeps its name ``statistics_enterpriseband``
and its rows. The content type (and so any permission rows) follows the model."""
import django.db.models.deletion
from django.db import migrations, models


def content_type(old: str, new: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        if not ContentType.objects.filter(app_label=new, model="enterpriseband").exists():
            ContentType.objects.filter(app_label=old, model="enterpriseband").update(app_label=new)
    return move


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("enterprises", "0003_import_batch"),
        ("organisation", "0002_unit_kinds"),
        ("statistics", "0003_summary_tables_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="EnterpriseBand",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("band", models.IntegerField(
                            help_text="the largest WORKFORCE_FLOORS value not above the workforce")),
                        ("has_union", models.BooleanField()),
                        ("enterprises", models.IntegerField(db_default=0, default=0)),
                        ("workforce", models.BigIntegerField(db_default=0, default=0)),
                        ("workforce_social_insurance", models.BigIntegerField(db_default=0, default=0)),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                                   to="organisation.unit")),
                    ],
                    options={
                        "db_table": "statistics_enterpriseband",
                        "constraints": [models.UniqueConstraint(fields=("unit", "band", "has_union"),
                                                                name="enterprise_band_key")],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type("statistics", "enterprises"), content_type("enterprises", "statistics"),
                             elidable=True),
    ]
