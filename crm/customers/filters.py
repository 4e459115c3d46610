"""Filters of the customer and contact lists; the same FilterSet serves the page and the API."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.filters import IdFilter
from crm.customers.models import Contact, Customer


class CustomerFilter(django_filters.FilterSet):
    updated_after = django_filters.DateFilter(
        field_name="updated_at",
        lookup_expr="date__gte",
        label=_("Updated since"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    parent = IdFilter(field_name="parent_id")

    class Meta:
        model = Customer
        fields = [
            "customer_type",
            "status",
            "level",
            "industry",
            "region",
            "source",
            "category",
            "owner",
            "province",
            "city",
        ]


class ContactFilter(django_filters.FilterSet):
    customer = IdFilter(field_name="customer_id")

    class Meta:
        model = Contact
        fields = ["customer", "role", "gender", "owner"]
