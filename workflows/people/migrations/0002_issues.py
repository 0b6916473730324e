from django.db import migrations

ISSUES = [
    ("wages", "Tiền lương, thưởng", "Wages and bonuses"),
    ("overtime", "Làm thêm giờ", "Overtime"),
    ("safety", "An toàn, vệ sinh lao động", "Occupational safety and health"),
    ("housing", "Nhà ở, nhà trọ", "Housing"),
    ("social_insurance", "Bảo hiểm xã hội, bảo hiểm y tế", "Social and health insurance"),
    ("meals", "Bữa ăn ca", "Shift meals"),
    ("contracts", "Hợp đồng lao động", "Employment contracts"),
    ("childcare", "Nhà trẻ, con nhỏ", "Childcare"),
    ("treatment", "Đối xử của quản lý", "Treatment by managers"),
    ("transport", "Đi lại", "Transport to work"),
]


def seed(apps, schema_editor):
    Issue = apps.get_model("people", "Issue")
    for order, (code, name, name_en) in enumerate(ISSUES, start=1):
        Issue.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
