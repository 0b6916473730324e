from django.db import migrations

KINDS = [
    ("confederation", "Tổng Liên đoàn Lao động Việt Nam", "Confederation", False, 0),
    ("provincial_federation", "Liên đoàn Lao động tỉnh, thành phố", "Provincial federation", False, 10),
    ("sector_union", "Công đoàn ngành", "Sector union", False, 20),
    ("district_federation", "Liên đoàn Lao động cấp huyện, khu vực", "District federation", False, 30),
    ("industrial_zone_union", "Công đoàn các khu công nghiệp", "Industrial-zone union", False, 40),
    ("corporate_union", "Công đoàn tổng công ty", "Corporate union", False, 50),
    ("grassroots", "Công đoàn cơ sở", "Grassroots union", True, 90),
]


def create(apps, schema_editor):
    UnitKind = apps.get_model("organisation", "UnitKind")
    for code, name, name_en, grassroots, order in KINDS:
        UnitKind.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "is_grassroots": grassroots, "order": order})


class Migration(migrations.Migration):
    dependencies = [("organisation", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
