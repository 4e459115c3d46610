"""Exchange rates by date (SYS-16): amounts in another currency, in the company currency
for reports."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.core.money import Money, company_currency, round_line
from crm.customization.models import ExchangeRate


def rate(currency: str, on: datetime.date) -> Decimal:
    """How much of the company currency one unit of `currency` was worth on `on`: the
    latest rate valid from that day or before. Raises DomainError "no_exchange_rate"."""
    if currency == company_currency():
        return Decimal(1)
    found = (
        ExchangeRate.objects.filter(currency=currency, valid_from__lte=on)
        .order_by("-valid_from")
        .values_list("rate_to_company_currency", flat=True)
        .first()
    )
    if found is None:
        raise DomainError(
            "no_exchange_rate",
            _("There is no exchange rate for %(currency)s valid on %(date)s.")
            % {"currency": currency, "date": on.isoformat()},
        )
    return found


def convert(money: Money, to: str | None = None, on: datetime.date | None = None) -> Money:
    """`money` in currency `to` (the company currency by default) at the rates valid on
    `on` (today by default), rounded to the target's minor unit.
    Raises DomainError "no_exchange_rate"."""
    to = to or company_currency()
    if money.currency == to:
        return money
    on = on or timezone.localdate()
    in_company = money.amount * rate(money.currency, on)
    return round_line(Money(in_company / rate(to, on), to))
