"""Conversion between currencies at the exchange rates valid on a day."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from crm.core.errors import DomainError
from crm.core.money import Money
from crm.customization import exchange
from crm.customization.models import ExchangeRate


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def rates(db):

    for currency, rate, day in (
        ("USD", "7.0", datetime.date(2026, 1, 1)),
        ("USD", "7.2", datetime.date(2026, 3, 1)),
        ("EUR", "8.0", datetime.date(2026, 1, 1)),
        ("JPY", "0.048", datetime.date(2026, 1, 1)),
    ):
        ExchangeRate.objects.create(
            currency=currency, rate_to_company_currency=Decimal(rate), valid_from=day
        )


def test_conversion_takes_the_latest_rate_valid_on_the_day(rates):
    hundred = Money(Decimal(100), "USD")
    assert exchange.convert(hundred, on=datetime.date(2026, 2, 28)) == Money(Decimal(700))
    assert exchange.convert(hundred, on=datetime.date(2026, 3, 1)) == Money(Decimal(720))
    assert exchange.convert(hundred, on=datetime.date(2027, 1, 1)) == Money(Decimal(720))
    assert exchange.convert(Money(Decimal(720)), "USD", datetime.date(2026, 3, 1)) == hundred
    # Between two foreign currencies through the company currency, rounded once at the end.
    assert exchange.convert(hundred, "EUR", datetime.date(2026, 3, 1)) == Money(Decimal(90), "EUR")
    assert exchange.convert(Money(Decimal("1234.567"), "JPY"), on=datetime.date(2026, 3, 1)) == (
        Money(Decimal("59.26"))
    )


def test_conversion_without_a_rate_on_the_day_says_so(rates):
    with pytest.raises(DomainError) as caught:
        exchange.convert(Money(Decimal(1), "USD"), on=datetime.date(2025, 12, 31))
    assert caught.value.code == "no_exchange_rate"
    assert caught.value.message == "There is no exchange rate for USD valid on 2025-12-31."
    with pytest.raises(DomainError):
        exchange.convert(Money(Decimal(1), "GBP"), on=datetime.date(2026, 3, 1))


def test_the_company_currency_needs_no_rate(db):
    same = Money(Decimal("1.005"))
    assert exchange.convert(same) is same


@override_settings(CRM_COMPANY_CURRENCY="USD")
def test_rates_are_to_the_configured_company_currency(db):

    ExchangeRate.objects.create(
        currency="CNY",
        rate_to_company_currency=Decimal("0.14"),
        valid_from=datetime.date(2026, 1, 1),
    )
    converted = exchange.convert(Money(Decimal(100)), on=datetime.date(2026, 1, 2))
    assert converted == Money(Decimal(14), "USD")


def test_a_rate_for_the_company_currency_is_refused(db):

    rate = ExchangeRate(
        currency="CNY", rate_to_company_currency=Decimal(1), valid_from=datetime.date(2026, 1, 1)
    )
    with pytest.raises(ValidationError) as caught:
        rate.full_clean()
    assert caught.value.message_dict == {
        "currency": ["The company currency needs no exchange rate."]
    }
