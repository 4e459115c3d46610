"""The quotes' own forms: the email that sends a quote's PDF to the customer."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin

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
