"""The import wizard's forms: the upload, and the mapping with the duplicate policy."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin, style_widgets
from crm.core.imports.engine import ADD_ITEM, CREATE, LEAVE_EMPTY, SKIP, UPDATE, match_choices
from crm.core.imports.fields import Schema
from crm.core.imports.services import field_label, may_add_items

ACCEPT = ".xlsx,.xls,.csv"
POLICY_CHOICES = [
    (SKIP, _("Skip the row")),
    (UPDATE, _("Update the existing record")),
    (CREATE, _("Create a new record anyway")),
]


class UploadForm(StyledFormMixin, forms.Form):
    """The file to import and, optionally, the saved mapping to start from."""

    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
        help_text=_(
            "Excel (.xlsx, .xls) or CSV (UTF-8 or GBK); the first row holds the column names."
        ),
    )
    template = forms.TypedChoiceField(
        label=_("Mapping template"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.templates = {t.pk: t for t in templates}
        self.fields["template"].choices = [
            ("", _("Choose the best match automatically")),
            *((t.pk, t.name) for t in templates),
        ]

    def chosen_template(self):
        return self.templates.get(self.cleaned_data.get("template"))


class MatchField(forms.ChoiceField):
    """The match key: offered from the chosen columns, checked by `configure` (which says
    which columns a key needs) rather than refused here as an unknown choice."""

    def valid_value(self, value) -> bool:
        return True


class MappingForm(StyledFormMixin, forms.Form):
    """A field (or none) for each column of the file, and what to do with rows that match
    an existing record. The match keys offered are those the chosen columns allow."""

    on_duplicate = forms.ChoiceField(
        label=_("When a row matches an existing record"),
        choices=POLICY_CHOICES,
        widget=forms.RadioSelect,
    )
    match = MatchField(label=_("Existing records are found by"), required=False)
    save_as = forms.CharField(
        label=_("Save this mapping as a template named"),
        max_length=100,
        required=False,
        help_text=_("Optional: later files with the same columns are then mapped the same way."),
    )

    def __init__(self, data=None, *, object_type, params: dict, user):
        super().__init__(
            data, initial={"on_duplicate": params["on_duplicate"], "match": params["match"]}
        )
        self.headers = params["headers"]
        schema = Schema(object_type)
        targets = [
            ("", _("— do not import —")),
            *((t.key, field_label(t)) for t in schema.targets.values()),
        ]
        for index, header in enumerate(self.headers):
            self.fields[self._column(index)] = forms.ChoiceField(
                label=header, choices=targets, required=False, initial=params["columns"][index]
            )
        self.fields["match"].choices = match_choices(object_type, self._chosen_columns())
        if self.creates_anyway:
            self.fields["match"].widget.attrs["disabled"] = True
        self._add_value_fields(schema, params, may_add_items(user))
        style_widgets(self)

    def _add_value_fields(self, schema: Schema, params: dict, may_add: bool) -> None:
        """A choice for each value of a dictionary column that no item names: an item (the
        closest one first), added to the dictionary (for those who may), or left empty."""
        self.value_items: list[tuple[str, str, str]] = []  # (field key, text, field label)
        chosen = params.get("values", {})
        for key, texts in params.get("unknown", {}).items():
            target = schema.targets.get(key)
            if target is None:
                continue
            lookup = target.convert
            options = [
                (LEAVE_EMPTY, _("— leave empty —")),
                *([(ADD_ITEM, _("Add it to the dictionary"))] if may_add else []),
                *lookup.items,
            ]
            for text in texts:
                initial = chosen.get(key, {}).get(text) or lookup.closest(text) or LEAVE_EMPTY
                self.fields[f"value_{len(self.value_items)}"] = forms.ChoiceField(
                    label=text, choices=options, initial=initial
                )
                self.value_items.append((key, text, target.label))

    @property
    def value_fields(self) -> list[tuple[str, forms.BoundField]]:
        """(field label, the choice for one value) for the page."""
        return [(label, self[f"value_{i}"]) for i, (*_, label) in enumerate(self.value_items)]

    def values(self) -> dict[str, dict[str, str]]:
        """What each unknown value becomes: {field key: {text: choice}}."""
        chosen: dict[str, dict[str, str]] = {}
        for index, (key, text, _label) in enumerate(self.value_items):
            chosen.setdefault(key, {})[text] = self.cleaned_data[f"value_{index}"]
        return chosen

    @staticmethod
    def _column(index: int) -> str:
        return f"column_{index}"

    def _chosen_columns(self) -> list[str]:
        """The fields chosen so far: as posted, else as suggested."""
        return [self[self._column(i)].value() or "" for i in range(len(self.headers))]

    @property
    def column_fields(self) -> list[forms.BoundField]:
        return [self[self._column(i)] for i in range(len(self.headers))]

    def columns(self) -> list[str]:
        return [self.cleaned_data[self._column(i)] for i in range(len(self.headers))]

    @property
    def creates_anyway(self) -> bool:
        return self["on_duplicate"].value() == CREATE
