"""The product page's panel: the prices its price lists give it."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats

from crm.core import money
from crm.products.models import PriceList, PriceListItem, Product

MAX_PRICES = 50


def quantity_text(quantity: Decimal) -> str:
    """A quantity as people write it: 100, not 100.0000 or 1E+2."""
    plain = Decimal(format(quantity.normalize(), "f"))
    return formats.number_format(plain, use_l10n=True, force_grouping=True)


def prices_panel(product: Product, user) -> dict:
    """The product's prices in the price lists the user sees, by list then quantity."""
    items = (
        PriceListItem.objects.filter(
            product=product, price_list__in=PriceList.objects.visible_to(user)
        )
        .select_related("price_list", "price_list__customer", "price_list__customer_level")
        .order_by("price_list__name_sort", "price_list_id", "min_quantity")[:MAX_PRICES]
    )
    return {
        "prices": [
            {
                "item": item,
                "quantity": quantity_text(item.min_quantity),
                "price": money.to_text(money.Money(item.unit_price, item.price_list.currency)),
            }
            for item in items
        ]
    }
