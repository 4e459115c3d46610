"""The system dictionary of payment methods (收款方式)."""

from django.db import migrations

METHODS = [
    ("bank_transfer", "银行转账", "Bank transfer"),
    ("acceptance_bill", "银行承兑汇票", "Bank acceptance bill"),
    ("commercial_bill", "商业承兑汇票", "Commercial acceptance bill"),
    ("cheque", "支票", "Cheque"),
    ("cash", "现金", "Cash"),
    ("online", "在线支付", "Online payment"),
    ("offset", "冲抵", "Offset"),
]


def create(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    DictionaryItem = apps.get_model("customization", "DictionaryItem")
    dictionary, _created = Dictionary.objects.get_or_create(
        code="payment_method",
        defaults={"name_zh": "收款方式", "name_en": "Payment method", "is_system": True,
                  "version": 1},
    )
    for position, (code, label_zh, label_en) in enumerate(METHODS, start=1):
        DictionaryItem.objects.get_or_create(
            dictionary=dictionary, code=code,
            defaults={"label_zh": label_zh, "label_en": label_en, "sort_order": position,
                      "version": 1},
        )


def remove(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    Dictionary.objects.filter(code="payment_method", is_system=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0001_initial"),
        ("customization", "0003_preset_dictionaries"),
    ]

    operations = [migrations.RunPython(create, remove)]
