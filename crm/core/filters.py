"""Filters every type's FilterSet can use."""

from __future__ import annotations

import django_filters
from django import forms

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
