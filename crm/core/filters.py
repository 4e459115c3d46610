"""Filters every type's FilterSet can use."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.db import models

from crm.core import money
from crm.core.params import MAX_ID


class IdField(forms.IntegerField):
    """A record id typed into a query: a whole number within the database's id range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)


class IdFilter(django_filters.Filter):
    """Rows pointing at one record by id (`?customer=42`), such as a customer's contacts."""

    field_class = IdField


class AmountField(forms.CharField):
    """An amount typed as people write it (2800000, 2,800,000, 280万, ¥280万), in the
    company currency (crm.core.money)."""

    def clean(self, value) -> Decimal | None:
        text = super().clean(value)
        return money.parse_amount(text) if text else None


class AmountRangeField(django_filters.fields.RangeField):
    def __init__(self, **kwargs):
        fields = (AmountField(required=False), AmountField(required=False))
        super().__init__(fields=fields, **kwargs)


class MoneyRangeFilter(django_filters.RangeFilter):
    """Amounts from / to (`?budget_min=280万&budget_max=5000000`) over a column held in the
    company currency; either end may be left open."""

    field_class = AmountRangeField


def filterset_for(model: type[models.Model], fields: tuple[str, ...]) -> type:
    """A type's list filters declared by its fields (choices, dictionary items, owners,
    dates ...); the same FilterSet serves the page and the API."""
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}Filter", (django_filters.FilterSet,), {"Meta": meta})
