"""The system dictionary of units of measure (计量单位) products are sold in."""

from django.db import migrations

from crm.customization.system_dictionaries import install

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


class Migration(migrations.Migration):

    dependencies = [
        ("products", "0001_initial"),
        ("customization", "0003_preset_dictionaries"),
    ]

    operations = [install("product_unit", "计量单位", "Unit of measure", UNITS)]
