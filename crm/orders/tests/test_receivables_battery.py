"""The generic battery for a contract's payment plan, payments, invoices, deliveries and
amendments: records that follow their contract's access."""

import datetime
from decimal import Decimal

import pytest

from crm.core import registry, services
from crm.core.testing.battery import RecordTypeBattery
from crm.core.testing.lines_battery import LineItemsBattery
from crm.orders.models import (
    Amendment,
    Contract,
    ContractLine,
    Delivery,
    Instalment,
    Invoice,
    Payment,
)
from crm.products.models import Product

TODAY = datetime.date.today()


def signed_contract(owner) -> Contract:
    """A signed contract of `owner`: 1,000 servo motors at 100, no tax."""
    n = Product.all_objects.count()
    product = services.save(
        Product(owner=owner, code=f"S{n}", name=f"交流伺服电机{n}"),
        actor=owner,
    )
    customer = services.save(
        registry.get("customer").model(owner=owner, name="华星电子"), actor=owner
    )
    contract = services.save(
        Contract(owner=owner, name="伺服系统采购合同", customer=customer),
        actor=owner,
        lines=[
            {
                "product": product.pk,
                "quantity": Decimal(1000),
                "unit_price": Decimal(100),
                "tax_rate": Decimal(0),
            }
        ],
    )
    services.transition(contract, "submit", actor=owner)
    services.transition(contract, "sign", actor=owner, signed_on=TODAY)
    contract.refresh_from_db()
    return contract


class ContractPartBattery(RecordTypeBattery):
    """A record of a contract: made on a signed contract of its owner's."""

    model: type = Instalment

    @pytest.fixture(autouse=True)
    def _contract(self, alice):
        self.contract = signed_contract(alice)

    def contract_of(self, owner) -> Contract:
        return self.contract if owner == self.contract.owner else signed_contract(owner)

    def fields(self, owner) -> dict:
        raise NotImplementedError

    def make(self, owner, **fields):
        values = {"contract": self.contract_of(owner), **self.fields(owner), **fields}
        return services.save(self.model(owner=owner, **values), actor=owner)

    def form_data(self, owner) -> dict:
        return {"contract": self.contract.pk, **self.typed}

    def api_payload(self, owner) -> dict:
        return {"contract": self.contract.pk, **self.typed}


class TestInstalmentBattery(ContractPartBattery):
    type_key = "instalment"
    model = Instalment
    invalid_field = "due_date"
    invalid_value = "下个月"
    typed = {"name": "预付款", "due_date": "2026-07-01", "amount": "3000.00"}

    def fields(self, owner) -> dict:
        n = Instalment.all_objects.count() + 1
        return {"name": f"第{n}期款", "due_date": TODAY, "amount": Decimal(100)}


class TestPaymentBattery(ContractPartBattery):
    type_key = "payment"
    edit_field = "note"
    model = Payment
    invalid_field = "amount"
    invalid_value = "很多"
    sample_values = {"instalment": None, "above_receivable": False}
    typed = {"paid_on": "2026-06-18", "amount": "3000.00", "reference": "LS20260618001"}

    def fields(self, owner) -> dict:
        return {"amount": Decimal(100), "reference": f"LS{Payment.all_objects.count() + 1}"}


class TestInvoiceBattery(ContractPartBattery):
    type_key = "invoice"
    edit_field = "note"
    model = Invoice
    invalid_field = "amount"
    invalid_value = "很多"
    typed = {
        "invoice_number": "04418820",
        "kind": "special",
        "issued_on": "2026-06-18",
        "amount": "3000.00",
    }

    def fields(self, owner) -> dict:
        return {"invoice_number": f"FP{Invoice.all_objects.count()}", "amount": Decimal(100)}


class TestDeliveryBattery(ContractPartBattery):
    type_key = "delivery"
    edit_field = "note"
    model = Delivery
    invalid_field = "quantity"
    invalid_value = "十台"
    sample_values = {"quantity": "1.00"}

    @property
    def typed(self) -> dict:
        line = ContractLine.objects.get(contract=self.contract)
        return {"line": line.pk, "quantity": "5.0000", "delivered_on": "2026-06-18"}

    def make(self, owner, **fields):
        contract = self.contract_of(owner)
        line = ContractLine.objects.get(contract=contract)
        values = {"contract": contract, "line": line, "quantity": Decimal(1), **fields}
        return services.save(Delivery(owner=owner, **values), actor=owner)


class TestAmendmentBattery(LineItemsBattery, ContractPartBattery):
    """An amendment: each made on a signed contract of its own (one open at a time), with
    priced lines as a contract's."""

    type_key = "amendment"
    edit_field = "reason"
    model = Amendment
    invalid_field = "end_date"
    invalid_value = "下个月"
    typed = {"reason": "客户追加数量", "end_date": "2027-06-30"}
    bad_line_field = "discount"
    # Its page also reads the lines, and the contract's to show what changes.
    detail_queries = 18

    @pytest.fixture(autouse=True)
    def _products(self, alice):
        self.products = [
            services.save(Product(owner=alice, code=code, name=name), actor=alice)
            for code, name in (("0101101", "交流伺服电机"), ("0102101", "小型 PLC"))
        ]
        self.bad_line = {"product": self.products[0].pk, "discount": Decimal(120)}

    def line_values(self) -> list[dict]:
        return [
            {"product": self.products[0].pk, "quantity": Decimal(2), "unit_price": Decimal(100)},
            {"product": self.products[1].pk, "quantity": Decimal(1), "unit_price": Decimal(3500)},
        ]

    def make(self, owner, **fields):
        contract = signed_contract(owner)
        values = {"contract": contract, "reason": f"变更 {contract.pk}", **fields}
        return services.save(Amendment(owner=owner, **values), actor=owner)
