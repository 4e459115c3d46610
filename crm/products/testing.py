"""Catalogue records for the permission matrix and the tests: a saved, indexed record per
call."""

import itertools
from decimal import Decimal

from crm.core import search
from crm.products.models import PriceList, Product, ProductCategory

_counter = itertools.count()


def make_category(owner, parent=None, **fields) -> ProductCategory:
    n = next(_counter)
    fields = {"name": f"矩阵分类{n}号", "code": f"C{n}", **fields}
    category = ProductCategory.objects.create(owner=owner, parent=parent, version=1, **fields)
    search.index(category)
    return category


def make_product(owner, parent=None, **fields) -> Product:
    n = next(_counter)
    fields = {
        "code": f"P{n:05d}",
        "name": f"矩阵产品{n}号",
        "standard_price": Decimal("100.00"),
        **fields,
    }
    product = Product.objects.create(owner=owner, category=parent, version=1, **fields)
    search.index(product)
    return product


def make_price_list(owner, parent=None, **fields) -> PriceList:
    n = next(_counter)
    fields = {"name": f"矩阵价格表{n}号", **fields}
    price_list = PriceList.objects.create(owner=owner, version=1, **fields)
    search.index(price_list)
    return price_list
