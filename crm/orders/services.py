"""Quotes' rules: lines priced from the catalogue and worked out (rounded per line, then
summed), the price control that sends a quote to approval, the lock once submitted, and
revising a quote into a new version."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import lines as line_items
from crm.core import registry
from crm.core import services as core
from crm.core.errors import DomainError
from crm.core.money import CURRENCIES, Money, round_line, total
from crm.orders.models import (
    Contract,
    ContractStatus,
    PricedDocument,
    PricedLine,
    Quote,
    QuoteStatus,
)
from crm.products import services as catalogue
from crm.products.models import Product, ProductCategory

HUNDRED = Decimal(100)
TYPED = ("product", "quantity", "unit_price", "discount", "tax_rate")


@dataclass(frozen=True)
class LineAmounts:
    """What one line comes to: without tax, the tax, with tax, and the discount given."""

    amount: Decimal
    tax: Decimal
    total: Decimal
    discount: Decimal


def line_amounts(
    quantity: Decimal, unit_price: Decimal, discount: Decimal, tax_rate: Decimal, currency: str
) -> LineAmounts:
    """Quantity × unit price less the discount, rounded half up to the currency's unit; the
    tax on that, rounded; their sum. The discount is what the line would come to without
    it, rounded, less its amount."""
    gross = round_line(Money(quantity * unit_price, currency)).amount
    amount = round_line(Money(quantity * unit_price * (HUNDRED - discount) / HUNDRED, currency))
    tax = round_line(Money(amount.amount * tax_rate / HUNDRED, currency))
    return LineAmounts(amount.amount, tax.amount, (amount + tax).amount, gross - amount.amount)


def compute(quote: PricedDocument, lines: list[PricedLine] | None) -> None:
    """Each line's list price (the customer's, crm.products.services.prices), its unit price
    and tax rate when left empty, and its amounts; the document's totals, and whether a
    price needs approval. A line whose numbers cannot be read yet is left to its field
    rules."""
    if lines is None or quote.currency not in CURRENCIES:
        return
    _load_products(lines)
    priced = [line for line in lines if line.product_id and _number(line.quantity) is not None]
    customer = quote.customer if quote.customer_id else None
    found = catalogue.prices(
        [(line.product, _number(line.quantity)) for line in priced],
        customer=customer,
        on=quote.priced_on,
        currency=quote.currency,
    )
    for line, price in zip(priced, found, strict=True):
        line.list_price = price.unit_price if price else None
        if line.unit_price in (None, ""):
            line.unit_price = line.list_price
        if line.tax_rate in (None, ""):
            line.tax_rate = line.product.tax_rate
    sums: dict[str, list[Money]] = {"amount": [], "tax": [], "total": [], "discount": []}
    for line in priced:
        numbers = [_number(v) for v in (line.unit_price, line.discount, line.tax_rate)]
        if any(n is None for n in numbers):
            continue
        unit_price, discount, tax_rate = numbers
        if not (0 <= discount <= HUNDRED and 0 <= tax_rate <= HUNDRED):
            continue
        worked = line_amounts(
            _number(line.quantity), unit_price, discount, tax_rate, quote.currency
        )
        line.amount, line.tax, line.total = worked.amount, worked.tax, worked.total
        for key in sums:
            sums[key].append(Money(getattr(worked, key), quote.currency))
    quote.amount = total(sums["amount"], quote.currency).amount
    quote.tax = total(sums["tax"], quote.currency).amount
    quote.total = total(sums["total"], quote.currency).amount
    quote.discount_amount = total(sums["discount"], quote.currency).amount
    quote.price_exception = bool(price_exceptions(quote, priced))


def price_exceptions(quote: PricedDocument, lines: list[PricedLine]) -> list[tuple[int, str]]:
    """The lines whose price needs approval, by position, with why: a net unit price below
    the product's floor price (in the product's currency), or a discount above the limit of
    its category (or the nearest parent that sets one)."""
    categories = _categories({line.product.category_id for line in lines if line.product_id})
    found = []
    for index, line in enumerate(lines):
        unit_price, discount = _number(line.unit_price), _number(line.discount)
        if not line.product_id or unit_price is None or discount is None:
            continue
        product = line.product
        floor = product.floor_price if product.currency == quote.currency else None
        net = unit_price * (HUNDRED - discount) / HUNDRED
        limit = catalogue.discount_limit(categories.get(product.category_id))
        if floor is not None and net < floor:
            found.append(
                (
                    index,
                    _("Below the floor price of %(floor)s.")
                    % {"floor": Money(floor, quote.currency)},
                )
            )
        elif limit is not None and discount > limit:
            found.append(
                (index, _("Discount above the limit of %(limit)s%%.") % {"limit": _percent(limit)})
            )
    return found


def check_lines(lines: list[PricedLine]) -> dict[str, list[str]]:
    """Every line has a price: from the price lists, the standard price, or typed."""
    return {
        f"lines.{index}.unit_price": [
            _("This product has no price in this currency: type a unit price.")
        ]
        for index, line in enumerate(lines)
        if line.unit_price is None
    }


def clean(document: PricedDocument, before: dict, actor) -> None:
    """The contact is one of the customer's, the opportunity is the customer's, and the
    dates are in order (a quote valid after it is made, a contract ending after it
    starts)."""
    errors = {}
    if document.contact_id and document.contact.customer_id != document.customer_id:
        errors["contact"] = _("Choose a contact of this customer.")
    if document.opportunity_id and document.opportunity.customer_id != document.customer_id:
        errors["opportunity"] = _("Choose an opportunity of this customer.")
    for start, end, field in (
        ("quote_date", "valid_until", "valid_until"),
        ("start_date", "end_date", "end_date"),
    ):
        first, last = getattr(document, start, None), getattr(document, end, None)
        if first and last and last < first:
            errors[field] = _("This date is before %(field)s.") % {
                "field": document._meta.get_field(start).verbose_name
            }
    if errors:
        raise ValidationError(errors)


def lock(quote: Quote) -> str | None:
    """Only a draft changes: a submitted quote is revised into a new version."""
    if quote.status != QuoteStatus.DRAFT:
        return _("Only a draft quote can be changed: revise it for a new version.")
    return None


def contract_lock(contract: Contract) -> str | None:
    """Only a draft changes: a submitted contract stays as agreed, and a signed one
    changes only through an amendment."""
    if contract.status in (ContractStatus.SIGNED, ContractStatus.EXECUTING):
        return _("A signed contract changes only through an amendment: use Amend.")
    if contract.status != ContractStatus.DRAFT:
        return _("Only a draft contract can be changed.")
    return None


def has_lines(document: PricedDocument, actor) -> str | None:
    """A document is submitted with at least one line."""
    if not document.lines.exists():  # type: ignore[attr-defined]
        return _("Add at least one line before submitting.")
    return None


REVISABLE = (QuoteStatus.APPROVED, QuoteStatus.SENT, QuoteStatus.DECLINED)


@transaction.atomic
def revise_quote(quote: Quote, *, actor) -> Quote:
    """A new draft version of `quote` with its lines (version + 1, the same number); the
    old one becomes Revised, read-only. Raises DomainError when it is not approved, sent
    or declined, or was revised already."""
    quote = Quote.objects.select_for_update().get(pk=quote.pk)
    if quote.status not in REVISABLE:
        raise DomainError(
            "wrong_state",
            _("Only an approved, sent or declined quote can be revised."),
        )
    copied = {name: getattr(quote, name) for name in _header_fields()}
    copied["quote_date"] = timezone.localdate()
    if quote.valid_until and quote.valid_until < copied["quote_date"]:
        copied["valid_until"] = None
    new = Quote(**copied, owner=quote.owner, revision=quote.revision + 1, previous=quote)
    new.number = quote.number
    rows = line_items.read(registry.get("quote"), quote.pk)
    core.save(new, actor=actor, lines=[{k: row[k] for k in TYPED} for row in rows])
    core.transition(quote, "supersede", actor=actor)
    return new


@transaction.atomic
def accept_quote(quote: Quote, *, actor) -> Contract:
    """The customer accepted the quote: it becomes Accepted and a draft contract is made
    from it, with its lines, terms and customer. Raises TransitionRefused (nothing
    written) when the quote is not approved or sent, as when it was accepted already."""
    core.transition(quote, "accept", actor=actor)
    copied = {name: getattr(quote, name) for name in _header_fields() if name in CONTRACT_COPIES}
    contract = Contract(**copied, quote=quote, owner=quote.owner)
    rows = line_items.read(registry.get("quote"), quote.pk)
    core.save(contract, actor=actor, lines=[{k: row[k] for k in TYPED} for row in rows])
    return contract


CONTRACT_COPIES = ("name", "customer", "contact", "opportunity", "currency", "terms", "notes")


def versions(quote: Quote, user) -> list[Quote]:
    """Every version of the quote the user sees, the first first."""
    visible = Quote.objects.visible_to(user)
    chain, seen = [quote], {quote.pk}
    earlier = quote
    while earlier.previous_id and earlier.previous_id not in seen:
        earlier = visible.filter(pk=earlier.previous_id).first()
        if earlier is None:
            break
        chain.insert(0, earlier)
        seen.add(earlier.pk)
    later = quote
    while later is not None:
        later = visible.filter(previous=later).exclude(pk__in=seen).first()
        if later is not None:
            chain.append(later)
            seen.add(later.pk)
    return chain


def _header_fields() -> list[str]:
    return [
        "name",
        "customer",
        "contact",
        "opportunity",
        "currency",
        "quote_date",
        "valid_until",
        "terms",
        "notes",
    ]


def _load_products(lines: list[PricedLine]) -> None:
    """The lines' products, read at once for those not read with their line yet."""
    field = PricedLine._meta.get_field("product")
    missing = {line.product_id for line in lines if line.product_id and not field.is_cached(line)}
    if missing:
        products = Product.objects.in_bulk(missing)
        for line in lines:
            if line.product_id in products and not field.is_cached(line):
                line.product = products[line.product_id]


def _categories(ids: set) -> dict[int, ProductCategory]:
    """The categories of `ids` with their parents, in one query for the whole tree."""
    ids.discard(None)
    if not ids:
        return {}
    every = {c.pk: c for c in ProductCategory.objects.all()}
    for category in every.values():
        category.parent = every.get(category.parent_id)  # type: ignore[assignment]
    return every


def _number(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _percent(value: Decimal) -> str:
    return format(value.normalize(), "f")
