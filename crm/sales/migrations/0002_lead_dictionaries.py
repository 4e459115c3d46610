"""The dictionary of reasons a lead is invalid (无效原因), labelled in both languages."""

from django.db import migrations

from crm.customization.system_dictionaries import install

INVALID_REASONS = [
    ("no_need", "无需求", "No need"),
    ("wrong_contact", "联系方式错误", "Wrong contact details"),
    ("unreachable", "无法联系", "Cannot be reached"),
    ("duplicate", "重复线索", "Duplicate"),
    ("competitor", "竞争对手", "A competitor"),
    ("job_seeker", "求职或推销", "Job seeker or vendor"),
    ("other", "其他", "Other"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("sales", "0001_initial"),
        ("customization", "0003_preset_dictionaries"),
    ]

    operations = [install("lead_invalid_reason", "线索无效原因", "Lead invalid reason", INVALID_REASONS)]
