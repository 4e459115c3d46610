"""The system dictionary of payment methods (收款方式)."""

from django.db import migrations

from crm.customization.system_dictionaries import install

METHODS = [
    ("bank_transfer", "银行转账", "Bank transfer"),
    ("acceptance_bill", "银行承兑汇票", "Bank acceptance bill"),
    ("commercial_bill", "商业承兑汇票", "Commercial acceptance bill"),
    ("cheque", "支票", "Cheque"),
    ("cash", "现金", "Cash"),
    ("online", "在线支付", "Online payment"),
    ("offset", "冲抵", "Offset"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0001_initial"),
        ("customization", "0003_preset_dictionaries"),
    ]

    operations = [install("payment_method", "收款方式", "Payment method", METHODS)]
