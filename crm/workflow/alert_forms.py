"""The form of an alert rule (its condition rows are `forms.condition_formset`'s)."""

from __future__ import annotations

from django import forms

from crm.core import registry
from crm.core.forms import StyledFormMixin, VersionField, style_widgets
from crm.workflow.forms import active_users, refreshes
from crm.workflow.models import AlertRule


def type_choices() -> list[tuple[str, str]]:
    """The registered types an alert rule may watch."""
    return [(t.key, str(t.label_plural)) for t in registry.all_types() if t.in_menu]


class AlertRuleForm(StyledFormMixin, forms.ModelForm):
    """An alert rule's name, watched type, recipients, schedule and channels."""

    version = VersionField()

    class Meta:
        model = AlertRule
        fields = (
            "name",
            "type_key",
            "to_owner",
            "to_superior",
            "role",
            "users",
            "schedule",
            "time_of_day",
            "by_inbox",
            "by_email",
            "message",
            "is_active",
        )
        widgets = {
            "type_key": forms.Select,
            "time_of_day": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, refresh_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type_key"].widget.choices = [("", ""), *type_choices()]
        self.fields["users"].queryset = active_users()
        self.fields["users"].help_text = ""
        self.fields["users"].widget.attrs["class"] = "tom-select"
        refreshes(self, ("type_key",), refresh_url)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        style_widgets(self)

    @property
    def chosen_type(self) -> str:
        """The type the conditions are on ("" while none is chosen)."""
        value = str(self["type_key"].value() or "")
        return value if value in dict(type_choices()) else ""

    @property
    def recipient_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("to_owner", "to_superior", "role", "users")]

    @property
    def schedule_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("schedule", "time_of_day", "by_inbox", "by_email")]

    @property
    def general_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "type_key", "message", "is_active")]
