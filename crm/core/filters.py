"""Filters every type's FilterSet can use."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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


# What a user's name is made of (User.get_full_name).
USER_NAME_FIELDS = ("username", "full_name", "first_name", "last_name")
FROM = pgettext_lazy("range", "From")
TO = pgettext_lazy("range", "To")


class FromToWidget(django_filters.widgets.RangeWidget):
    """Two boxes, from and to, each named for screen readers and with a placeholder."""

    template_name = "core/widgets/from_to.html"

    def __init__(self, attrs=None, *, input_type: str = "text"):
        super().__init__(attrs)
        for widget, end in zip(self.widgets, (FROM, TO), strict=True):
            widget.input_type = input_type
            widget.attrs.update({"placeholder": end, "aria-label": end})

    def name_ends(self, label) -> None:
        """Name each box after the filter too (`Birthday: from`)."""
        for widget, end in zip(self.widgets, (FROM, TO), strict=True):
            widget.attrs["aria-label"] = f"{label}: {end}"


class DateFromToWidget(FromToWidget):
    suffixes = ["after", "before"]

    def __init__(self, attrs=None):
        super().__init__(attrs, input_type="date")


class AmountRangeField(django_filters.fields.RangeField):
    widget = FromToWidget

    def __init__(self, **kwargs):
        fields = (AmountField(required=False), AmountField(required=False))
        super().__init__(fields=fields, **kwargs)


class MoneyRangeFilter(django_filters.RangeFilter):
    """Amounts from / to (`?budget_min=280万&budget_max=5000000`) over a column held in the
    company currency; either end may be left open. Numbers are typed the same way."""

    field_class = AmountRangeField


class DateRangeFilter(django_filters.DateFromToRangeFilter):
    """Days from / to (`?birthday_after=2026-01-01&birthday_before=2026-03-31`), both
    included; on a timestamp, whole days in the user's time zone."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", DateFromToWidget)
        super().__init__(*args, **kwargs)


class RecordFilterSet(django_filters.FilterSet):
    """The filters of a type's list: dates, money and numbers as ranges (from / to), and
    choices that offer "All" for no choice."""

    FILTER_DEFAULTS = {
        **django_filters.filterset.FILTER_FOR_DBFIELD_DEFAULTS,
        models.DateField: {"filter_class": DateRangeFilter},
        models.DateTimeField: {"filter_class": DateRangeFilter},
        models.DecimalField: {"filter_class": MoneyRangeFilter},
        models.IntegerField: {"filter_class": MoneyRangeFilter},
        models.PositiveIntegerField: {"filter_class": MoneyRangeFilter},
        models.PositiveSmallIntegerField: {"filter_class": MoneyRangeFilter},
        models.SmallIntegerField: {"filter_class": MoneyRangeFilter},
        models.BigIntegerField: {"filter_class": MoneyRangeFilter},
        models.FloatField: {"filter_class": MoneyRangeFilter},
    }

    @classmethod
    def get_filters(cls):
        filters = super().get_filters()
        unset = django_filters.conf.settings.EMPTY_CHOICE_LABEL  # "---------"
        for one in filters.values():
            chosen = one.extra.get("empty_label", unset)
            if isinstance(one, django_filters.ChoiceFilter) and chosen == unset:
                one.extra["empty_label"] = _("All")
        return filters

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model()
        for field in self.form.fields.values():
            if isinstance(field.widget, FromToWidget):
                field.widget.name_ends(field.label)
            queryset = getattr(field, "queryset", None)
            if queryset is not None and queryset.model is users:
                # An owner filter offers every user by name: read only what names them.
                field.queryset = queryset.only(*USER_NAME_FIELDS)


def filterset_for(model: type[models.Model], fields: tuple[str, ...]) -> type:
    """A type's list filters declared by its fields (choices, dictionary items, owners,
    dates and amounts as ranges ...); the same FilterSet serves the page and the API."""
    meta = type("Meta", (), {"model": model, "fields": list(fields)})
    return type(f"{model.__name__}Filter", (RecordFilterSet,), {"Meta": meta})
