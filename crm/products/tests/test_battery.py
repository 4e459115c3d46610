"""The generic battery for product categories, products and price lists."""

from decimal import Decimal

import pytest

from crm.core import services
from crm.core.testing.battery import RecordTypeBattery
from crm.core.testing.lines_battery import LineItemsBattery
from crm.customization.models import DictionaryItem
from crm.products.models import PriceList, Product, ProductCategory


def level(code: str = "a") -> DictionaryItem:
    return DictionaryItem.objects.get(dictionary__code="customer_level", code=code)


class TestProductCategoryBattery(RecordTypeBattery):
    type_key = "productcategory"
    invalid_field = "discount_limit"
    invalid_value = "120"
    sample_values = {"discount_limit": "12.50"}

    def make(self, owner, **fields):
        fields.setdefault("name", f"分类{ProductCategory.all_objects.count() + 1}")
        return services.save(ProductCategory(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {"name": "伺服系统", "code": "0101", "discount_limit": "10", "is_active": "on"}

    def api_payload(self, owner) -> dict:
        return {"name": "传感器", "code": "0104"}


class TestProductBattery(RecordTypeBattery):
    type_key = "product"
    invalid_field = "tax_rate"
    invalid_value = "130"
    sample_values = {"currency": "USD", "tax_rate": "6.00", "floor_price": None, "category": None}

    def make(self, owner, **fields):
        n = Product.all_objects.count() + 1
        fields.setdefault("code", f"P{n:04d}")
        fields.setdefault("name", f"产品{n}")
        return services.save(Product(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {
            "code": "0101101",
            "name": "交流伺服电机",
            "specification": "0.4kW",
            "currency": "CNY",
            "standard_price": "2800",
            "floor_price": "2240",
            "tax_rate": "13",
            "is_active": "on",
        }

    def api_payload(self, owner) -> dict:
        return {"code": "0104101", "name": "光电传感器", "standard_price": "260.00"}


class TestPriceListBattery(LineItemsBattery, RecordTypeBattery):
    type_key = "pricelist"
    invalid_field = "valid_from"
    invalid_value = "明年"
    sample_values = {
        "customer": None,
        "currency": "USD",
        "valid_from": "2026-01-01",
        "valid_to": "2026-12-31",
    }
    bad_line_field = "unit_price"

    @pytest.fixture(autouse=True)
    def _products(self, alice):
        self.products = [
            services.save(Product(owner=alice, code=code, name=name), actor=alice)
            for code, name in (("0101101", "交流伺服电机"), ("0102101", "小型 PLC"))
        ]
        self.bad_line = {"product": self.products[0].pk, "unit_price": Decimal("-1")}

    def line_values(self) -> list[dict]:
        return [
            {"product": p.pk, "min_quantity": Decimal(1), "unit_price": Decimal(price)}
            for p, price in zip(self.products, ("2520.00", "3240.00"), strict=True)
        ]

    def make(self, owner, **fields):
        fields.setdefault("name", f"价格表{PriceList.all_objects.count() + 1}")
        if "customer" not in fields and "customer_level" not in fields:
            fields["customer_level"] = level()
        return services.save(PriceList(owner=owner, **fields), actor=owner)

    def form_data(self, owner) -> dict:
        return {"name": "A 级客户价格表", "customer_level": level().pk, "currency": "CNY"}

    def api_payload(self, owner) -> dict:
        return {"name": "S 级客户价格表", "customer_level": level("s").pk}
