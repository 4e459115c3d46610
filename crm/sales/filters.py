"""Filters of the lead and opportunity lists; the same FilterSet serves the page, the board
and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.core.filters import DateRangeFilter, IdFilter, RecordFilterSet
from crm.org.models import Employee, Team
from crm.sales.models import Lead, Opportunity


class TeamFilter(django_filters.ModelChoiceFilter):
    """Records owned by a team's members (`?team=3`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Team.objects.order_by("name"))
        kwargs.setdefault("label", _("Team"))
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(**kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        members = Employee.objects.filter(teams=value, user__isnull=False).values("user_id")
        return qs.filter(owner_id__in=members)


class LeadFilter(RecordFilterSet):
    created = DateRangeFilter(field_name="created_at", label=_("Created on"))
    team = TeamFilter()

    class Meta:
        model = Lead
        fields = ["status", "rating", "source", "region", "industry", "owner", "province", "city"]


class OpportunityFilter(RecordFilterSet):
    customer = IdFilter(field_name="customer_id")
    team = TeamFilter()
    close = DateRangeFilter(field_name="close_date", label=_("Expected close date"))

    class Meta:
        model = Opportunity
        fields = ["customer", "process", "stage", "status", "source", "owner"]
