"""Forms of the messaging app: announcements, the choice of what comes by email, the
email log's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin
from crm.messaging.models import Announcement, EmailStatus, Kind
from crm.org.models import OrgUnit


class AnnouncementForm(StyledFormMixin, forms.ModelForm):
    departments = forms.ModelMultipleChoiceField(
        label=_("departments"),
        queryset=OrgUnit.objects.filter(is_active=True),
        required=False,
        help_text=_(
            "Leave empty to publish to everyone. A department includes its sub-departments."
        ),
    )

    class Meta:
        model = Announcement
        fields = ["title", "body", "expires_at"]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 6}),
            "expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }
        help_texts = {"expires_at": _("Optional: after this the announcement is no longer shown.")}

    field_order = ["title", "body", "departments", "expires_at"]

    def clean(self):
        cleaned = super().clean()
        self.instance.department_ids = [unit.pk for unit in cleaned.get("departments") or []]
        return cleaned


class EmailKindsForm(forms.Form):
    kinds = forms.MultipleChoiceField(
        label=_("Also send me an email for"),
        choices=Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class EmailFilterForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("status"), choices=[("", _("All")), *EmailStatus.choices], required=False
    )
