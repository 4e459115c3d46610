"""The sample document's rules: totals from its lines, a cross-field rule, a lock, and what
its transitions check."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.core.money import CURRENCIES, Money, round_line, total

from .models import DocumentStatus


def amount_is_positive(document, actor) -> str | None:
    """A document is submitted only with an amount above zero."""
    if document.amount is None or document.amount <= 0:
        return _("The amount must be above zero to submit.")
    return None


def compute_totals(document, lines) -> None:
    """Each line's amount (quantity × unit price, rounded per line), and their total. A line
    whose numbers (or a currency) cannot be read yet is left to its field rules."""
    if document.currency not in CURRENCIES:
        return
    amounts = []
    for line in lines or ():
        try:
            value = Decimal(line.quantity) * Decimal(line.unit_price)
            line.amount = round_line(Money(value, document.currency)).amount
        except (InvalidOperation, TypeError, ValueError):
            continue
        amounts.append(Money(line.amount, document.currency))
    document.total = total(amounts, document.currency).amount


def check_currency(document, before, actor) -> None:
    """The currency stays while the document has priced lines (their prices are in it)."""
    if before and before.get("currency") != document.currency and document.total:
        raise ValidationError(
            {"currency": _("The currency cannot change while the lines have prices in it.")}
        )


def lock(document) -> str | None:
    """A submitted document waits for approval: nobody changes it meanwhile."""
    if document.status == DocumentStatus.SUBMITTED:
        return _("The document is waiting for approval and cannot be changed.")
    return None
