import datetime

from django.db import migrations

TEMPLATES = {
    "surveyed": [
        ("Thu thập thông tin doanh nghiệp: lao động, ngành nghề, chủ sử dụng lao động", 5),
        ("Xác định người lao động nòng cốt", 10),
        ("Lập kế hoạch tiếp cận chủ doanh nghiệp", 10),
    ],
    "employer_contacted": [
        ("Gặp chủ doanh nghiệp, tuyên truyền Luật Công đoàn", 5),
        ("Tuyên truyền, vận động người lao động", 15),
        ("Vận động người lao động nòng cốt tham gia ban vận động", 20),
    ],
    "mobilising_committee": [
        ("Hướng dẫn ban vận động tiếp nhận đơn xin gia nhập công đoàn", 5),
        ("Tiếp nhận đơn xin gia nhập công đoàn", 25),
        ("Chuẩn bị nhân sự ban chấp hành lâm thời", 30),
        ("Chuẩn bị tổ chức đại hội thành lập", 35),
    ],
    "founding_congress": [
        ("Hoàn thiện hồ sơ đề nghị công nhận", 5),
        ("Trình công đoàn cấp trên ra quyết định công nhận", 10),
    ],
}


def create(apps, schema_editor):
    RuleSet = apps.get_model("campaigns", "RuleSet")
    StageTaskTemplate = apps.get_model("campaigns", "StageTaskTemplate")
    defaults = {
        "name": "Luật Công đoàn 2024 và Điều lệ Công đoàn Việt Nam",
        "min_committee": 3, "min_members": 5,
        "limit_surveyed": 20, "limit_employer_contacted": 30,
        "limit_mobilising_committee": 45, "limit_founding_congress": 20,
        "note": "Luật Công đoàn số 50/2024/QH15, hiệu lực từ 01/07/2025.",
    }
    # The limits became rows of their own later (0011_rule_set_limits, whose
    # ``create`` adds them): the tests call this with today's models.
    columns = {field.name for field in RuleSet._meta.get_fields()}
    RuleSet.objects.get_or_create(effective_from=datetime.date(2025, 7, 1),
                                  defaults={k: v for k, v in defaults.items() if k in columns})
    if StageTaskTemplate.objects.exists():
        return
    for stage, items in TEMPLATES.items():
        for order, (title, days) in enumerate(items, start=1):
            StageTaskTemplate.objects.create(stage=stage, title=title, due_in_working_days=days, order=order)


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0003_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
