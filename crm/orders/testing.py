"""Quotes and contracts for the permission matrix and the tests: a saved, indexed record
per call."""

import itertools

from crm.core import registry, search
from crm.orders.models import Contract, Quote

_counter = itertools.count()


def _customer(owner, n: int):
    return registry.get("customer").model.objects.create(
        owner=owner, name=f"订单客户{n}号", number=f"QC{n}"
    )


def make_quote(owner, parent=None, **fields) -> Quote:
    n = next(_counter)
    fields.setdefault("customer", _customer(owner, n))
    quote = Quote.objects.create(owner=owner, name=f"矩阵报价{n}号", version=1, **fields)
    search.index(quote)
    return quote


def make_contract(owner, parent=None, **fields) -> Contract:
    n = next(_counter)
    fields.setdefault("customer", _customer(owner, n))
    contract = Contract.objects.create(owner=owner, name=f"矩阵合同{n}号", version=1, **fields)
    search.index(contract)
    return contract
