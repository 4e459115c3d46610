"""The orders app's forms: the quote's and the contract's headers, the records of a
contract (payments, deliveries) offering that contract's parts, and the email that sends
a quote's PDF to the customer."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core import registry
from crm.core.forms import RecordForm, RemoteSelect, StyledFormMixin
from crm.orders.models import Contract, Delivery, Payment, Quote

SEPARATORS = re.compile(r"[\s,;，；]+")


class QuoteEmailForm(StyledFormMixin, forms.Form):
    """To whom (addresses separated by commas), the subject and the message; the addresses
    are checked by the service that sends (crm.orders.sending)."""

    to = forms.CharField(
        label=_("To"),
        max_length=2000,
        help_text=_("Email addresses, separated by commas."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("text"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, **kwargs):
        """Offer the addresses of `initial` ("to", a list) as one line of text."""
        super().__init__(*args, **kwargs)
        if isinstance(self.initial.get("to"), list):
            self.initial["to"] = ", ".join(self.initial["to"])

    def clean_to(self) -> list[str]:
        """The addresses typed, split at commas, semicolons and spaces."""
        return [part for part in SEPARATORS.split(self.cleaned_data["to"]) if part]


CONTRACTS = RemoteSelect("/api/v1/contracts/")


class ContractPartForm(RecordForm):
    """A record of one contract; `of_contract` names its links to the contract's parts."""

    of_contract: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        contract = (
            self.data.get("contract") or self.initial.get("contract") or self.instance.contract_id
        )
        for name in self.of_contract:
            field = self.fields[name]
            mine = str(contract).isdigit()
            field.queryset = (
                field.queryset.filter(contract=contract) if mine else field.queryset.none()
            )


class PaymentForm(ContractPartForm):
    of_contract = ("instalment",)

    class Meta(RecordForm.Meta):
        model = Payment
        fields = [
            "contract",
            "instalment",
            "paid_on",
            "amount",
            "method",
            "reference",
            "above_receivable",
            "note",
        ]
        widgets = {
            "contract": CONTRACTS,
            "paid_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


class DeliveryForm(ContractPartForm):
    of_contract = ("line",)

    class Meta(RecordForm.Meta):
        model = Delivery
        fields = ["contract", "line", "quantity", "planned_on", "delivered_on", "note"]
        widgets = {
            "contract": CONTRACTS,
            "planned_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "delivered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }


DOCUMENT_WIDGETS = {
    "customer": RemoteSelect("/api/v1/customers/"),
    "contact": RemoteSelect("/api/v1/contacts/"),
    "opportunity": RemoteSelect("/api/v1/opportunities/"),
    "terms": forms.Textarea(attrs={"rows": 3}),
    "notes": forms.Textarea(attrs={"rows": 3}),
}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
HEADER = ["name", "customer", "contact", "opportunity", "currency"]


class PricedDocumentForm(RecordForm):
    """A quote's or a contract's header. Opened from an opportunity (its tab's Add,
    `?opportunity=`), it starts with the opportunity's customer and contact."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        chosen = str(self.initial.get("opportunity", ""))
        if self.is_bound or self.instance.pk or not chosen.isdigit():
            return
        opportunities = registry.get("opportunity").model.objects.visible_to(self.user)
        found = opportunities.filter(pk=chosen).values("customer", "contact").first()
        for name in ("customer", "contact"):
            if found and not self.initial.get(name):
                self.initial[name] = found[name]


class QuoteForm(PricedDocumentForm):
    class Meta(RecordForm.Meta):
        model = Quote
        fields = [*HEADER, "quote_date", "valid_until", "terms", "notes"]
        widgets = {**DOCUMENT_WIDGETS, "quote_date": DATE, "valid_until": DATE}


class ContractForm(PricedDocumentForm):
    class Meta(RecordForm.Meta):
        model = Contract
        fields = [*HEADER, "signer", "start_date", "end_date", "terms", "notes"]
        widgets = {**DOCUMENT_WIDGETS, "start_date": DATE, "end_date": DATE}
