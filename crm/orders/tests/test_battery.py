"""The generic battery for quotes and contracts, with their lines."""

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


class PricedDocumentBattery(LineItemsBattery, RecordTypeBattery):
    """A quote or a contract: lines of two catalogue products, one priced from the
    catalogue and discounted, one at a typed price."""

    model: type = Quote
    title = ""  # what the records are called: 报价, 合同
    form_extra: dict = {}  # the form's other required fields
    # Its page also reads the lines with their products and its panels' totals.
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
        self.bad_line = {"product": self.products[0].pk, self.bad_line_field: Decimal("-2")}
        self.customer = customer_of(alice, f"{self.title}客户")

    def line_values(self) -> list[dict]:
        return [
            {"product": self.products[0].pk, "quantity": Decimal(2), "discount": Decimal(5)},
            {"product": self.products[1].pk, "quantity": Decimal(1), "unit_price": Decimal("3500")},
        ]

    def make(self, owner, **fields):
        n = self.model.all_objects.count()
        fields.setdefault("name", f"{self.title}{n + 1}")
        fields.setdefault("customer", customer_of(owner, f"客户{n}"))
        return services.save(self.model(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {
            "name": f"伺服系统{self.title}",
            "customer": self.customer.pk,
            "currency": "CNY",
            **self.form_extra,
        }

    def api_payload(self, owner) -> dict:
        return {"name": f"PLC {self.title}", "customer": self.customer.pk}


class TestQuoteBattery(PricedDocumentBattery):
    type_key = "quote"
    model = Quote
    title = "报价"
    form_extra = {"quote_date": "2026-06-01"}
    invalid_field = "valid_until"
    invalid_value = "下个月"
    sample_values = {
        "currency": "CNY",
        "contact": None,
        "opportunity": None,
        "quote_date": "2026-05-01",
    }
    bad_line_field = "discount"


class TestContractBattery(PricedDocumentBattery):
    type_key = "contract"
    model = Contract
    title = "合同"
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
