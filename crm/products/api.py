"""The catalogue's own API action: `GET /products/{id}/price/`, the price a customer pays
(the rest is the generic router)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router
from pydantic import BaseModel, Field

from crm.core import money, params, registry
from crm.core.api import errors
from crm.core.errors import DomainError, ValidationFailed
from crm.products import services
from crm.products.models import Product

router = Router(tags=["products"])


class NoPrice(DomainError):
    """No price list nor the standard price prices the product in the currency asked."""

    status = 404

    def __init__(self, message: str):
        super().__init__("no_price", message)


class PriceQuery(BaseModel):
    customer: Annotated[int, Field(ge=1, le=params.MAX_ID)] | None = None
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=14, decimal_places=4)
    on: datetime.date | None = Field(None, description="The day priced (today by default).")
    currency: Literal[tuple(money.CURRENCIES)] | None = Field(  # type: ignore[valid-type]
        None, description="The currency wanted (the product's by default)."
    )


class PriceListRef(BaseModel):
    id: int
    name: str


class PriceOut(BaseModel):
    unit_price: Decimal
    currency: str
    source: Literal["customer", "level", "everyone", "standard"]
    price_list: PriceListRef | None


@router.get(
    "/products/{int:pk}/price/",
    response={200: PriceOut, **errors(401, 403, 404, 422)},
    operation_id="product_price",
    url_name="product_price",
    summary="The price a customer pays for a product",
    description=(
        "From a price list for the customer, else for the customer's level, else for "
        "every customer (active, valid on `on`, in `currency`; the tier of the largest "
        "quantity not above `quantity`), else the product's standard price. A customer the "
        "user may not see answers 422; no price in that currency answers 404 (`no_price`)."
    ),
)
def product_price(request, pk: int, query: Query[PriceQuery]):
    product = get_object_or_404(Product.objects.visible_to(request.user), pk=pk)
    customer = None
    if query.customer is not None:
        customers = registry.get("customer").model.objects.visible_to(request.user)
        customer = customers.filter(pk=query.customer).first()
        if customer is None:
            raise ValidationFailed({"customer": [_("Choose an existing record you may see.")]})
    price = services.price_for(
        product, query.quantity, customer=customer, on=query.on, currency=query.currency
    )
    if price is None:
        raise NoPrice(_("This product has no price in that currency."))
    plist = price.price_list
    return {
        "unit_price": price.unit_price,
        "currency": price.currency,
        "source": price.source,
        "price_list": {"id": plist.pk, "name": plist.name} if plist else None,
    }
