"""Forms of leads and opportunities (parsing and field checks only)."""

from django import forms

from crm.core.forms import DivisionSelect, RecordForm, RemoteSelect
from crm.sales.models import Lead, Opportunity


class LeadForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Lead
        fields = [
            "name",
            "company_name",
            "contact_name",
            "job_title",
            "mobile",
            "phone",
            "email",
            "source",
            "rating",
            "region",
            "industry",
            "province",
            "city",
            "address",
            "notes",
        ]
        widgets = {
            "province": DivisionSelect("province"),
            "city": DivisionSelect("city"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class OpportunityForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Opportunity
        fields = [
            "name",
            "customer",
            "contact",
            "expected_amount",
            "expected_currency",
            "close_date",
            "process",
            "probability",
            "source",
            "competitors",
            "products",
            "next_step",
            "notes",
        ]
        widgets = {
            "customer": RemoteSelect("/api/v1/customers/"),
            "contact": RemoteSelect("/api/v1/contacts/"),
            "close_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
