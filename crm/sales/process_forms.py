"""Forms of the sales process pages: a process and the rows of its stages, posted together
(row buttons redraw the rows from what was posted, as the approval process form does)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import capfirst

from crm.core.forms import StyledFormMixin, VersionField, style_widgets
from crm.core.states import Category
from crm.sales.models import OpportunityStatus, SalesProcess, SalesStage
from crm.sales.processes import requirable_choices, stages_in_order
from crm.workflow.forms import MAX_ROWS, RowFormSet


def _label(name: str) -> str:
    return str(capfirst(SalesStage._meta.get_field(name).verbose_name))


class ProcessForm(StyledFormMixin, forms.ModelForm):
    """A sales process's name, description, and whether it is the default and in use."""

    version = VersionField()

    class Meta:
        model = SalesProcess
        fields = ("name", "description", "is_default", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version


class StageForm(StyledFormMixin, forms.Form):
    """One stage row: the stored stage it is (none for a new one), its name, probability,
    category, the fields required before entering it, and whether it is used."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(max_length=60)
    probability = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    category = forms.ChoiceField()
    required_fields = forms.MultipleChoiceField(
        required=False, widget=forms.SelectMultiple(attrs={"class": "tom-select"})
    )
    is_active = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "id":
                field.label = _label(name)
                field.widget.attrs["aria-label"] = field.label
        self.fields["category"].choices = SalesStage._meta.get_field("category").choices
        self.fields["required_fields"].choices = requirable_choices()
        style_widgets(self)

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "id": data.get("id"),
            "name": data.get("name") or "",
            "probability": data.get("probability"),
            "category": data.get("category") or Category.OPEN,
            "required_fields": list(data.get("required_fields") or []),
            "is_active": bool(data.get("is_active")),
        }


class StageFormSet(RowFormSet):
    """The stages of a process, in order."""

    def rows(self) -> list[dict[str, Any]]:
        return [form.row() for form in self.forms]


STAGE_BLANK = {"category": Category.OPEN, "required_fields": [], "is_active": True}


def new_process_rows() -> list[dict[str, Any]]:
    """A new process starts with an open stage to name, a won stage and a lost one."""
    return [
        STAGE_BLANK,
        {**STAGE_BLANK, "name": OpportunityStatus.WON.label, "category": Category.WON},
        {**STAGE_BLANK, "name": OpportunityStatus.LOST.label, "category": Category.LOST},
    ]


def stored_stage_rows(process: SalesProcess) -> list[dict[str, Any]]:
    """A process's stages as the rows show them, inactive ones included."""
    return [
        {
            "id": stage.pk,
            "name": stage.name,
            "probability": stage.probability,
            "category": stage.category,
            "required_fields": stage.required_fields,
            "is_active": stage.is_active,
        }
        for stage in stages_in_order(process)
    ]


def stage_formset(data=None, *, rows: list[dict] | None = None) -> StageFormSet:
    """The stage rows: bound to `data` when it carries them, else showing `rows`."""
    bound = data is not None and "stages-TOTAL_FORMS" in data
    formset_class = forms.formset_factory(
        StageForm, formset=StageFormSet, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
    )
    return formset_class(
        data if bound else None, initial=None if bound else (rows or []), prefix="stages"
    )
