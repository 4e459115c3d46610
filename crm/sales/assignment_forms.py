"""Forms of lead assignment (parsing and field checks only): the assignment rule, the
user a lead is assigned to, the reason for a release, and the lead pool's filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.filters import filterset_for
from crm.core.forms import StyledFormMixin, VersionField
from crm.org.models import Team, User
from crm.sales.assignment import REASON_LENGTH
from crm.sales.models import Lead, LeadAssignmentRule

PoolFilter = filterset_for(Lead, ("source", "region", "industry"))


def active_users():
    return User.objects.filter(is_active=True).order_by("full_name", "username")


class AssignmentRuleForm(StyledFormMixin, forms.ModelForm):
    version = VersionField()

    class Meta:
        model = LeadAssignmentRule
        fields = ["name", "is_active", "region", "industry", "source", "method", "assignee", "team"]
        help_texts = {
            "region": _("Empty: any region."),
            "industry": _("Empty: any industry."),
            "source": _("Empty: any source."),
            "assignee": _("Who gets the leads when they go to one salesperson."),
            "team": _("Whose active members take the leads in turn."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = active_users()
        self.fields["team"].queryset = Team.objects.order_by("name")
        if self.instance.pk and not self.is_bound:
            self.initial["version"] = self.instance.version


class AssignForm(StyledFormMixin, forms.Form):
    """Whom the chosen leads go to."""

    owner = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = active_users()
        self.fields["owner"].widget.attrs["class"] = "form-select tom-select"


class ReleaseForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: why the lead goes back to the pool."),
    )
