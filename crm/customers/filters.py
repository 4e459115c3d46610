"""Filters of the customer and contact lists; the same FilterSet serves the page and the API."""

from django.utils.translation import gettext_lazy as _

from crm.core.filters import DateRangeFilter, IdFilter, RecordFilterSet
from crm.customers.models import Contact, Customer


class CustomerFilter(RecordFilterSet):
    # `?updated_after=` (since) and `?updated_before=` (until), whole days.
    updated = DateRangeFilter(field_name="updated_at", label=_("Updated on"))
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


class ContactFilter(RecordFilterSet):
    customer = IdFilter(field_name="customer_id")

    class Meta:
        model = Contact
        fields = ["customer", "role", "gender", "owner", "birthday"]
