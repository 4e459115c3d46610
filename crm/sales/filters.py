"""Filters of the lead and opportunity lists; the same FilterSet serves the page, the board
and the API."""

from django.utils.translation import gettext_lazy as _

from crm.core.filters import DateRangeFilter, IdFilter, RecordFilterSet
from crm.sales.models import Lead, Opportunity


class LeadFilter(RecordFilterSet):
    created = DateRangeFilter(field_name="created_at", label=_("Created on"))

    class Meta:
        model = Lead
        fields = ["status", "rating", "source", "region", "industry", "owner", "province", "city"]


class OpportunityFilter(RecordFilterSet):
    customer = IdFilter(field_name="customer_id")
    close = DateRangeFilter(field_name="close_date", label=_("Expected close date"))

    class Meta:
        model = Opportunity
        fields = ["customer", "process", "stage", "status", "source", "owner"]
