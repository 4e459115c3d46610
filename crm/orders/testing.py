"""Quotes for the permission matrix and the tests: a saved, indexed record per call."""

import itertools

from crm.core import registry, search
from crm.orders.models import Quote

_counter = itertools.count()


def make_quote(owner, parent=None, **fields) -> Quote:
    n = next(_counter)
    if "customer" not in fields:
        customer_model = registry.get("customer").model
        fields["customer"] = customer_model.objects.create(
            owner=owner, name=f"报价客户{n}号", number=f"QC{n}"
        )
    quote = Quote.objects.create(owner=owner, name=f"矩阵报价{n}号", version=1, **fields)
    search.index(quote)
    return quote
