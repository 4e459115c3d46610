"""Forms of customers and contacts (parsing and field checks only)."""

from django import forms

from crm.core.forms import DivisionSelect, RecordForm, RemoteSelect
from crm.customers.models import Contact, Customer


class CustomerForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Customer
        fields = [
            "name",
            "mnemonic_code",
            "customer_type",
            "status",
            "category",
            "level",
            "industry",
            "region",
            "source",
            "parent",
            "province",
            "city",
            "district",
            "address",
            "credit_code",
            "credit_limit",
            "phone",
            "email",
            "website",
            "tags",
            "notes",
        ]
        widgets = {
            "parent": RemoteSelect("/api/v1/customers/"),
            "province": DivisionSelect("province"),
            "city": DivisionSelect("city"),
            "district": DivisionSelect("district"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class ContactForm(RecordForm):
    class Meta(RecordForm.Meta):
        model = Contact
        fields = [
            "customer",
            "name",
            "gender",
            "title",
            "department",
            "role",
            "mobile",
            "phone",
            "email",
            "wechat",
            "birthday",
            "is_primary",
            "notes",
        ]
        widgets = {
            "customer": RemoteSelect("/api/v1/customers/"),
            "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
