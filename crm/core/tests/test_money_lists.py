"""Money in lists: the money column over `values()` rows, and the from / to filter."""

import datetime
from decimal import Decimal

import django_filters
import pytest
from django.utils import translation

from crm.core import registry
from crm.core.filters import MoneyRangeFilter
from crm.core.lists import Formatter, value_fields
from crm.core.registry import Column
from crm.customers.models import Customer
from crm.customization.models import ExchangeRate

BUDGET = Column("budget", "Budget", "money")


def test_a_money_column_reads_its_amount_and_currency_columns():
    assert value_fields([BUDGET]) == ["budget_amount", "budget_currency"]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_money_column_shows_each_row_in_its_currency(language):
    rows = [
        {"id": 1, "budget_amount": Decimal("2800000.00"), "budget_currency": "CNY"},
        {"id": 2, "budget_amount": Decimal("-12.5"), "budget_currency": "USD"},
        {"id": 3, "budget_amount": None, "budget_currency": "CNY"},
    ]
    with translation.override(language):
        cells = Formatter(registry.for_model(Customer), [BUDGET], rows).rows(rows)
    assert [c["cells"] for c in cells] == [
        [("¥2,800,000.00", "")],
        [("-US$12.50", "")],
        [("", "")],
    ]


class RateFilter(django_filters.FilterSet):
    # Rates are amounts of the company currency, which the filter's bounds are read in.
    rate = MoneyRangeFilter(field_name="rate_to_company_currency")

    class Meta:
        model = ExchangeRate
        fields = []


@pytest.fixture
def rates(db):
    for currency, rate in (("USD", "1000000"), ("EUR", "2800000"), ("JPY", "5000000.5")):
        ExchangeRate.objects.create(
            currency=currency,
            rate_to_company_currency=Decimal(rate),
            valid_from=datetime.date(2026, 1, 1),
        )


def filtered(**params) -> set[str]:
    result = RateFilter(params, queryset=ExchangeRate.objects.all())
    assert result.is_valid(), result.errors
    return set(result.qs.values_list("currency", flat=True))


@pytest.mark.parametrize("bound", ["2800000", "2,800,000", "280万", "¥280万", "２８０万元"])
def test_the_range_reads_amounts_as_people_write_them(rates, bound):
    assert filtered(rate_min=bound) == {"EUR", "JPY"}
    assert filtered(rate_max=bound) == {"USD", "EUR"}
    assert filtered(rate_min=bound, rate_max="500万") == {"EUR"}
    assert filtered(rate_min="", rate_max="") == {"USD", "EUR", "JPY"}


@pytest.mark.parametrize(
    ("bound", "message"),
    [
        ("lots", "Enter an amount such as 1,234.50, ¥1234.5 or 1.2万."),
        ("$5", "Enter the amount in CNY."),
    ],
)
def test_a_bound_that_is_not_an_amount_says_why(rates, bound, message):
    with translation.override("en"):
        result = RateFilter({"rate_min": bound}, queryset=ExchangeRate.objects.all())
        assert not result.is_valid()
        assert result.errors["rate"] == [message]
