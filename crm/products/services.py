"""The catalogue's rules (a product code used once, a category never inside itself, a
price list for a level or a customer) and the price a customer pays for a product."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.products.models import PriceList, PriceListItem, Product, ProductCategory


def clean_product(product: Product, before: dict, actor) -> None:
    """A code names one live product; the floor price is not above the standard one."""
    errors = {}
    taken = Product.objects.filter(code=product.code).exclude(pk=product.pk)
    if product.code and taken.exists():
        errors["code"] = _("Another product has the code “%(code)s”.") % {"code": product.code}
    floor, standard = product.floor_price, product.standard_price
    if floor is not None and standard is not None and floor > standard:
        errors["floor_price"] = _("The floor price is above the standard price.")
    if errors:
        raise ValidationError(errors)


def clean_category(category: ProductCategory, before: dict, actor) -> None:
    """A category is not put inside itself or one of its own subcategories."""
    parent, seen = category.parent, set()
    while parent is not None and parent.pk not in seen:
        if category.pk and parent.pk == category.pk:
            raise ValidationError(
                {"parent": _("A category cannot be inside itself or its subcategories.")}
            )
        seen.add(parent.pk)
        parent = parent.parent


def clean_price_list(price_list: PriceList, before: dict, actor) -> None:
    """A price list is for a customer level, for one customer, or (with neither) for
    every customer; it ends after it starts."""
    errors = {}
    if price_list.customer_level_id and price_list.customer_id:
        errors["customer_level"] = _("Choose a customer level or one customer, not both.")
    start, end = price_list.valid_from, price_list.valid_to
    if start and end and end < start:
        errors["valid_to"] = _("The price list ends before it starts.")
    if errors:
        raise ValidationError(errors)


def check_prices(items: list[PriceListItem]) -> dict[str, list[str]]:
    """A product has one price from each quantity in a list."""
    errors: dict[str, list[str]] = {}
    seen: set[tuple[int, Decimal]] = set()
    for index, item in enumerate(items):
        key = (item.product_id, Decimal(item.min_quantity).normalize())
        if key in seen:
            errors[f"lines.{index}.min_quantity"] = [
                _("This product already has a price from this quantity.")
            ]
        seen.add(key)
    return errors


def discount_limit(category: ProductCategory | None) -> Decimal | None:
    """The largest discount (%) without approval on a category's products: its own
    limit, else the nearest parent's; None when no category sets one."""
    seen = set()
    while category is not None and category.pk not in seen:
        if category.discount_limit is not None:
            return category.discount_limit
        seen.add(category.pk)
        category = category.parent
    return None


# Prices -----------------------------------------------------------------------------------

CUSTOMER, LEVEL, EVERYONE, STANDARD = "customer", "level", "everyone", "standard"


@dataclass(frozen=True)
class Price:
    """A product's unit price for a customer and a quantity, and where it comes from: a
    price list for the customer, one for their level, one for every customer, or the
    product's standard price."""

    unit_price: Decimal
    currency: str
    source: str
    price_list: PriceList | None = None


def prices(
    wanted: Sequence[tuple[Product, Decimal]],
    *,
    customer=None,
    on: datetime.date | None = None,
    currency: str | None = None,
) -> list[Price | None]:
    """The price of each (product, quantity) in `wanted`, in one query: from an active
    price list valid on `on` (today) in `currency` (each product's own by default) for the
    customer, else for the customer's level, else for every customer, else the standard
    price. Within the chosen
    list the tier of the largest "from quantity" not above the quantity applies; of two
    lists of a kind, the one valid from the later date, then the newer. None for a product
    with no price in that currency."""
    on = on or timezone.localdate()
    products = {product.pk for product, _quantity in wanted}
    items = _candidate_items(products, customer, on, currency)
    found: list[Price | None] = []
    for product, quantity in wanted:
        wanted_currency = currency or product.currency
        price = next(
            (
                Price(item.unit_price, item.price_list.currency, _source(item), item.price_list)
                for item in items
                if item.product_id == product.pk
                and item.min_quantity <= quantity
                and item.price_list.currency == wanted_currency
            ),
            None,
        )
        if price is None and product.currency == wanted_currency:
            price = Price(product.standard_price, product.currency, STANDARD)
        found.append(price)
    return found


def price_for(product: Product, quantity: Decimal = Decimal(1), **kwargs) -> Price | None:
    """The price of one product (`prices` for one)."""
    return prices([(product, quantity)], **kwargs)[0]


def _candidate_items(products: set[int], customer, on: datetime.date, currency: str | None):
    """The price list lines that may apply, the one to use for a product first."""
    if not products:
        return []
    general = Q(price_list__customer=None, price_list__customer_level=None)
    for_whom = general
    if customer is not None:
        for_whom |= Q(price_list__customer=customer)
        if customer.level_id:
            for_whom |= Q(price_list__customer_level=customer.level_id)
    lists = Q(price_list__is_active=True, price_list__deleted_at=None)
    lists &= Q(price_list__valid_from=None) | Q(price_list__valid_from__lte=on)
    lists &= Q(price_list__valid_to=None) | Q(price_list__valid_to__gte=on)
    if currency:
        lists &= Q(price_list__currency=currency)
    rank = Case(
        When(price_list__customer__isnull=False, then=Value(0)),
        When(price_list__customer_level__isnull=False, then=Value(1)),
        default=Value(2),
    )
    rows = PriceListItem.objects.filter(for_whom, lists, product__in=products)
    return list(
        rows.select_related("price_list")
        .annotate(rank=rank)
        .order_by(
            "rank",
            F("price_list__valid_from").desc(nulls_last=True),
            "-price_list_id",
            "-min_quantity",
        )
    )


def _source(item: PriceListItem) -> str:
    if item.price_list.customer_id:
        return CUSTOMER
    return LEVEL if item.price_list.customer_level_id else EVERYONE
