"""The system dictionary of units of measure (计量单位) products are sold in."""

from django.db import migrations

UNITS = [
    ("pcs", "个", "Piece"),
    ("set", "台", "Unit"),
    ("kit", "套", "Set"),
    ("item", "件", "Item"),
    ("box", "箱", "Box"),
    ("pack", "包", "Pack"),
    ("kg", "千克", "Kilogram"),
    ("t", "吨", "Tonne"),
    ("m", "米", "Metre"),
    ("l", "升", "Litre"),
    ("license", "许可", "Licence"),
    ("user", "用户", "User"),
    ("year", "年", "Year"),
    ("day", "人天", "Person-day"),
    ("hour", "小时", "Hour"),
]


def create(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    DictionaryItem = apps.get_model("customization", "DictionaryItem")
    dictionary, _created = Dictionary.objects.get_or_create(
        code="product_unit",
        defaults={"name_zh": "计量单位", "name_en": "Unit of measure", "is_system": True,
                  "version": 1},
    )
    for position, (code, label_zh, label_en) in enumerate(UNITS, start=1):
        DictionaryItem.objects.get_or_create(
            dictionary=dictionary, code=code,
            defaults={"label_zh": label_zh, "label_en": label_en, "sort_order": position,
                      "version": 1},
        )


def remove(apps, schema_editor):
    Dictionary = apps.get_model("customization", "Dictionary")
    Dictionary.objects.filter(code="product_unit", is_system=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0001_initial"),
        ("customization", "0003_preset_dictionaries"),
    ]

    operations = [migrations.RunPython(create, remove)]
