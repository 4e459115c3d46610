"""The dictionary of reasons a lead is invalid (无效原因), labelled in both languages."""

from django.db import migrations

INVALID_REASONS = [
    ("no_need", "无需求", "No need"),
    ("wrong_contact", "联系方式错误", "Wrong contact details"),
    ("unreachable", "无法联系", "Cannot be reached"),
    ("duplicate", "重复线索", "Duplicate"),
    ("competitor", "竞争对手", "A competitor"),
    ("job_seeker", "求职或推销", "Job seeker or vendor"),
    ("other", "其他", "Other"),
]


def create(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    DictionaryItem = apps.get_model("customization", "DictionaryItem")
    dictionary, _created = Dictionary.objects.get_or_create(
        code="lead_invalid_reason",
        defaults={"name_zh": "线索无效原因", "name_en": "Lead invalid reason", "is_system": True,
                  "version": 1},
    )
    for position, (code, label_zh, label_en) in enumerate(INVALID_REASONS, start=1):
        DictionaryItem.objects.get_or_create(
            dictionary=dictionary, code=code,
            defaults={"label_zh": label_zh, "label_en": label_en, "sort_order": position,
                      "version": 1},
        )


def remove(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    Dictionary.objects.filter(code="lead_invalid_reason", is_system=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0001_initial"),
        ("customization", "0003_preset_dictionaries"),
    ]

    operations = [migrations.RunPython(create, remove)]
