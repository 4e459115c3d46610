"""The generic battery for quotes, with their lines."""

from decimal import Decimal

import pytest

from crm.core import registry, services
from crm.core.testing.battery import RecordTypeBattery
from crm.core.testing.lines_battery import LineItemsBattery
from crm.orders.models import Contract, Quote
from crm.products.models import Product


def customer_of(owner, name: str):
    customer = registry.get("customer").model
    return services.save(customer(owner=owner, name=name), actor=owner)


class TestQuoteBattery(LineItemsBattery, RecordTypeBattery):
    type_key = "quote"
    invalid_field = "valid_until"
    invalid_value = "下个月"
    sample_values = {
        "currency": "CNY",
        "contact": None,
        "opportunity": None,
        "quote_date": "2026-05-01",
    }
    bad_line_field = "discount"
    # Its page also reads the lines with their products, the versions and the prices that
    # need approval.
    detail_queries = 30

    @pytest.fixture(autouse=True)
    def _products(self, alice):
        self.products = [
            services.save(
                Product(owner=alice, code=code, name=name, standard_price=Decimal(price)),
                actor=alice,
            )
            for code, name, price in (
                ("0101101", "交流伺服电机", "2800"),
                ("0102101", "小型 PLC", "3600"),
            )
        ]
        self.bad_line = {"product": self.products[0].pk, "discount": Decimal("120")}
        self.customer = customer_of(alice, "报价客户")

    def line_values(self) -> list[dict]:
        return [
            {"product": self.products[0].pk, "quantity": Decimal(2), "discount": Decimal(5)},
            {"product": self.products[1].pk, "quantity": Decimal(1), "unit_price": Decimal("3500")},
        ]

    def make(self, owner, **fields):
        fields.setdefault("name", f"报价{Quote.all_objects.count() + 1}")
        fields.setdefault("customer", customer_of(owner, f"客户{Quote.all_objects.count()}"))
        return services.save(Quote(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {
            "name": "伺服系统报价",
            "customer": self.customer.pk,
            "currency": "CNY",
            "quote_date": "2026-06-01",
        }

    def api_payload(self, owner) -> dict:
        return {"name": "PLC 报价", "customer": self.customer.pk}


class TestContractBattery(LineItemsBattery, RecordTypeBattery):
    type_key = "contract"
    invalid_field = "end_date"
    invalid_value = "明年"
    sample_values = {
        "currency": "CNY",
        "contact": None,
        "opportunity": None,
        "signer": None,
        "start_date": "2026-05-01",
        "end_date": "2027-04-30",
    }
    bad_line_field = "quantity"
    detail_queries = 30

    @pytest.fixture(autouse=True)
    def _products(self, alice):
        self.products = [
            services.save(
                Product(owner=alice, code=code, name=name, standard_price=Decimal(price)),
                actor=alice,
            )
            for code, name, price in (
                ("0101101", "交流伺服电机", "2800"),
                ("0102101", "小型 PLC", "3600"),
            )
        ]
        self.bad_line = {"product": self.products[0].pk, "quantity": Decimal("-2")}
        self.customer = customer_of(alice, "合同客户")

    def line_values(self) -> list[dict]:
        return [
            {"product": self.products[0].pk, "quantity": Decimal(2)},
            {"product": self.products[1].pk, "quantity": Decimal(1), "discount": Decimal(3)},
        ]

    def make(self, owner, **fields):
        fields.setdefault("name", f"合同{Contract.all_objects.count() + 1}")
        fields.setdefault("customer", customer_of(owner, f"客户{Contract.all_objects.count()}"))
        return services.save(Contract(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {"name": "伺服系统采购合同", "customer": self.customer.pk, "currency": "CNY"}

    def api_payload(self, owner) -> dict:
        return {"name": "PLC 采购合同", "customer": self.customer.pk}
