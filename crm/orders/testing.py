"""Quotes, contracts and a contract's records for the permission matrix and the tests: a
saved, indexed record per call."""

import datetime
import itertools
from decimal import Decimal

from crm.core import registry, search
from crm.orders.models import (
    Amendment,
    AmendmentLine,
    Contract,
    ContractLine,
    Delivery,
    Instalment,
    Invoice,
    Payment,
    Quote,
    QuoteLine,
)
from crm.products.models import Product

_counter = itertools.count()


def _customer(owner, n: int):
    """A customer to make a document for: a live one of those already there (the matrix's
    world has made its own, and may erase those in its recycle bin), so that the world's
    customers stay those it counts."""
    model = registry.get("customer").model
    return model.objects.order_by("-pk").first() or model.objects.create(
        owner=owner, name=f"订单客户{n}号", number=f"QC{n}"
    )


def _product(owner, n: int) -> Product:
    """A product for a line: one of those already there, as `_customer`."""
    return Product.objects.order_by("-pk").first() or Product.objects.create(
        owner=owner, code=f"MP{n}", name=f"矩阵产品{n}号", version=1
    )


def make_quote(owner, parent=None, **fields) -> Quote:
    """A draft quote with one line (so that it may be submitted)."""
    n = next(_counter)
    fields.setdefault("customer", _customer(owner, n))
    quote = Quote.objects.create(owner=owner, name=f"矩阵报价{n}号", version=1, **fields)
    QuoteLine.objects.create(quote=quote, product=_product(owner, n), unit_price=Decimal(100))
    search.index(quote)
    return quote


def make_contract(owner, parent=None, **fields) -> Contract:
    """A draft contract with one line, large enough for whatever payments, invoices and
    deliveries a test puts on it (recorded on it directly: drafts take none through the
    services)."""
    n = next(_counter)
    fields.setdefault("customer", _customer(owner, n))
    contract = Contract.objects.create(
        owner=owner, name=f"矩阵合同{n}号", version=1, total=Decimal(1000000), **fields
    )
    ContractLine.objects.create(
        contract=contract,
        product=_product(owner, n),
        quantity=Decimal(10000),
        unit_price=Decimal(100),
    )
    search.index(contract)
    return contract


def make_instalment(owner, parent: Contract) -> Instalment:
    n = next(_counter)
    instalment = Instalment.objects.create(
        owner=owner,
        contract=parent,
        name=f"矩阵收款计划{n}号",
        due_date=datetime.date(2026, 7, 1),
        amount=Decimal(100),
        version=1,
    )
    search.index(instalment)
    return instalment


def make_payment(owner, parent: Contract) -> Payment:
    n = next(_counter)
    payment = Payment.objects.create(
        owner=owner, contract=parent, amount=Decimal(100), reference=f"矩阵LS{n}", version=1
    )
    search.index(payment)
    return payment


def make_invoice(owner, parent: Contract) -> Invoice:
    n = next(_counter)
    invoice = Invoice.objects.create(
        owner=owner, contract=parent, invoice_number=f"矩阵FP{n}", amount=Decimal(100), version=1
    )
    search.index(invoice)
    return invoice


def make_delivery(owner, parent: Contract) -> Delivery:
    n = next(_counter)
    line = ContractLine.objects.filter(contract=parent).first()
    delivery = Delivery.objects.create(
        owner=owner,
        contract=parent,
        line=line,
        quantity=Decimal(1),
        number=f"矩阵JH{n}",
        version=1,
    )
    search.index(delivery)
    return delivery


def make_amendment(owner, parent: Contract) -> Amendment:
    """A draft amendment holding the contract's lines as they stand (so that whatever
    deliveries a world plans on them, it may be submitted)."""
    n = next(_counter)
    amendment = Amendment.objects.create(
        owner=owner, contract=parent, reason=f"矩阵变更{n}号", number=f"矩阵BG{n}", version=1
    )
    AmendmentLine.objects.bulk_create(
        AmendmentLine(
            amendment=amendment,
            product_id=line.product_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
        )
        for line in ContractLine.objects.filter(contract=parent)
    )
    search.index(amendment)
    return amendment
