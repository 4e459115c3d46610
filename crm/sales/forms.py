"""Forms of leads and opportunities (parsing and field checks only)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core import binding, registry
from crm.core.forms import (
    DivisionSelect,
    RecordForm,
    RemoteSelect,
    StyledFormMixin,
    VersionField,
)
from crm.sales import contact_roles, conversion
from crm.sales.models import Attitude, Lead, Opportunity, SalesProcess


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


class ConvertForm(StyledFormMixin, forms.Form):
    """What a lead's conversion takes: the customer (new, named as typed, or an existing
    one), the contact (new from the lead, an existing one of the customer, or none) and an
    opportunity if wanted. The rules are the conversion's (crm.sales.conversion)."""

    NEW, EXISTING, NONE = "new", "existing", "none"

    version = VersionField()
    customer_mode = forms.ChoiceField(
        label=_("Customer"),
        choices=[(NEW, _("Create a new customer")), (EXISTING, _("Use an existing customer"))],
        widget=forms.RadioSelect,
    )
    customer_name = forms.CharField(label=_("New customer's name"), max_length=200, required=False)
    customer = forms.ModelChoiceField(
        label=_("Existing customer"),
        queryset=None,
        required=False,
        widget=RemoteSelect("/api/v1/customers/"),
    )
    contact_mode = forms.ChoiceField(label=_("Contact"), widget=forms.RadioSelect)
    contact = forms.ModelChoiceField(
        label=_("Existing contact"),
        queryset=None,
        required=False,
        widget=RemoteSelect("/api/v1/contacts/"),
    )
    create_opportunity = forms.BooleanField(label=_("Create an opportunity"), required=False)
    opportunity_name = forms.CharField(
        label=_("Opportunity name"),
        max_length=200,
        required=False,
        help_text=_("Left empty, it is named after the customer and the lead."),
    )
    amount = forms.CharField(label=_("Amount"), max_length=64, required=False)
    process = forms.ModelChoiceField(
        label=_("Sales process"),
        queryset=SalesProcess.objects.filter(is_active=True),
        required=False,
    )
    close_date = forms.DateField(
        label=_("Expected close date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, lead: Lead, user, **kwargs):
        super().__init__(*args, **kwargs)
        customers = registry.get("customer").model.objects.all()
        contacts = registry.get("contact").model.objects.all()
        self.fields["customer"].queryset = binding.targets(customers, user)
        self.fields["contact"].queryset = binding.targets(contacts, user)
        person = [(self.NEW, _("New from the lead: %(name)s") % {"name": lead.contact_name})]
        self.fields["contact_mode"].choices = [
            *(person if lead.contact_name.strip() else []),
            (self.EXISTING, _("An existing contact of the customer")),
            (self.NONE, _("No contact")),
        ]
        named = conversion.default_name(conversion.customer_name_of(lead), lead)
        self.fields["opportunity_name"].widget.attrs["placeholder"] = named
        chosen = self.initial.get("customer") or (self.data.get("customer") if self.data else "")
        if str(chosen or "").isdigit():
            # Only the chosen customer's contacts are offered.
            self.fields["contact"].widget.attrs["data-remote"] = (
                f"/api/v1/contacts/?customer={chosen}"
            )

    @property
    def opportunity_fields(self) -> list:
        return [self[name] for name in ("opportunity_name", "amount", "process", "close_date")]

    def clean(self):
        data = super().clean()
        if data.get("customer_mode") == self.NEW and not data.get("customer_name", "").strip():
            self.add_error("customer_name", _("Enter the new customer's name."))
        if data.get("customer_mode") == self.EXISTING and not data.get("customer"):
            self.add_error("customer", _("Choose the customer."))
        if data.get("contact_mode") == self.EXISTING and not data.get("contact"):
            self.add_error("contact", _("Choose the contact."))
        return data

    def arguments(self) -> dict:
        """The conversion's arguments (crm.sales.conversion.convert) from what was chosen."""
        data = self.cleaned_data
        existing = data["customer_mode"] == self.EXISTING
        return {
            "expected_version": data["version"],
            "customer": data["customer"] if existing else None,
            "customer_name": "" if existing else data["customer_name"],
            "contact": data["contact"] if data["contact_mode"] == self.EXISTING else None,
            "new_contact": data["contact_mode"] == self.NEW,
            "create_opportunity": data["create_opportunity"],
            "opportunity_name": data["opportunity_name"],
            "amount": data["amount"],
            "process": data["process"],
            "close_date": data["close_date"],
        }


class ContactRoleForm(StyledFormMixin, forms.Form):
    """A contact of the opportunity's customer and the part they play in the purchase."""

    contact = forms.ModelChoiceField(queryset=None, label=_("Contact"))
    role = forms.ModelChoiceField(queryset=None, label=_("Buying role"))
    attitude = forms.ChoiceField(
        choices=[("", "—"), *Attitude.choices], required=False, label=_("Attitude")
    )
    note = forms.CharField(max_length=200, required=False, label=_("Note"))

    def __init__(self, *args, opportunity: Opportunity, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contact_roles.contacts_to_choose(opportunity, user)
        self.fields["role"].queryset = contact_roles.buying_roles()
