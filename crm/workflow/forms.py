"""Forms of the workflow pages: an approval process with its condition rows and steps, and
the approve / reject / transfer forms of an approval.

The condition rows (`ConditionFormSet`, shown by `workflow/_conditions.html`) serve any
page that sets conditions on records of a type; rows are added, removed and re-typed by
posting the whole form back (`rearranged`), never by scripts of their own."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MinValueValidator
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin, VersionField, style_widgets
from crm.workflow import conditions
from crm.workflow.models import ApprovalProcess, ApprovalStep, ApproverKind
from crm.workflow.processes import ROLE_KINDS
from crm.workflow.services import approvables

MAX_ROWS = 30
NO_VALUE = ("empty", "not_empty", "overdue")
DAYS = ("older_than_days", "within_days")
YES_NO = [("true", _("Yes")), ("false", _("No"))]


def refreshes(form: forms.BaseForm, names: tuple[str, ...], url: str) -> None:
    """Let a choice in the inputs `names` post the page's form to `url` (which redraws the
    inputs that depend on it); the page's container says where the answer goes."""
    if url:
        for name in names:
            form.fields[name].widget.attrs["hx-post"] = url


def active_users():
    """The people a step or a transfer may name."""
    return get_user_model().objects.filter(is_active=True).order_by("full_name", "username")


# ---------------------------------------------------------------------------- row editing


class RowFormSet(forms.BaseFormSet):
    """Rows typed as a whole set: every posted row counts, in the order shown; the set is
    redrawn from what was posted after a row button (add, remove-<i>, up-<i>, down-<i>)."""

    def initial_form_count(self) -> int:
        return 0 if self.is_bound else super().initial_form_count()

    def posted_rows(self) -> list[dict[str, Any]]:
        """What each row holds as typed (nothing checked)."""
        return [{name: form[name].data for name in form.fields} for form in self.forms]

    def focus_added(self, operation: str, name: str) -> None:
        """After the add button, the new (last) row's input `name` takes the focus."""
        if operation == "add" and self.forms:
            self.forms[-1].fields[name].widget.attrs["autofocus"] = True

    def place(self, errors: dict[str, list[str]]) -> dict[str, list[str]]:
        """Put the `<prefix>.<i>.<field>` messages on their rows' cells (and `<prefix>`
        ones on the set); answers the messages left for the rest of the page."""
        rest: dict[str, list[str]] = {}
        for key, messages in errors.items():
            head, _dot, path = key.partition(".")
            index, _dot, name = path.partition(".")
            if head != self.prefix:
                rest[key] = messages
            elif not path:
                self._non_form_errors = self.error_class([*self.non_form_errors(), *messages])
            elif index.isdigit() and int(index) < len(self.forms):
                form = self.forms[int(index)]
                for message in messages:
                    form.add_error(name if name in form.fields else None, message)
                style_widgets(form)
            else:
                rest[key] = messages
        return rest


def rearranged(rows: list[dict[str, Any]], operation: str, blank: dict[str, Any]) -> list[dict]:
    """The rows after a row button: `blank` added, one removed or moved."""
    rows = list(rows)
    action, _dash, number = operation.partition("-")
    index = int(number) if number.isdigit() else -1
    if action == "add" and len(rows) < MAX_ROWS:
        rows.append(dict(blank))
    elif action == "remove" and 0 <= index < len(rows):
        del rows[index]
    elif action == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif action == "down" and 0 <= index < len(rows) - 1:
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
    return rows


# ------------------------------------------------------------------------- condition rows


class ConditionForm(StyledFormMixin, forms.Form):
    """One condition row: a field, a comparison that fits it, and a value input of the
    field's kind (none for "is empty"; a number of days for "within N days")."""

    field = forms.ChoiceField(label=_("Field"), required=False)
    op = forms.ChoiceField(label=_("Comparison"), required=False)

    def __init__(
        self, *args, fields: list[conditions.ConditionField], refresh_url: str = "", **kwargs
    ):
        super().__init__(*args, **kwargs)
        by_name = {f.name: f for f in fields}
        self.fields["field"].choices = [(f.name, capfirst(f.label)) for f in fields]
        chosen = by_name.get(str(self._chosen("field") or "")) or (fields[0] if fields else None)
        self.condition_field = chosen
        operators = chosen.operators if chosen else ()
        self.fields["op"].choices = [(op, conditions.OPERATORS[op]) for op in operators]
        op = str(self._chosen("op") or "")
        self.op = op if op in operators else (operators[0] if operators else "")
        value = self._value_field(chosen, self.op)
        if value is not None:
            self.fields["value"] = value
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = capfirst(field.label)
        refreshes(self, ("field", "op"), refresh_url)
        style_widgets(self)

    def _chosen(self, name: str) -> Any:
        if self.is_bound:
            return self.data.get(self.add_prefix(name))
        return self.initial.get(name)

    @staticmethod
    def _value_field(field: conditions.ConditionField | None, op: str) -> forms.Field | None:
        if field is None or op in NO_VALUE:
            return None
        label = _("Value")
        if op in DAYS:
            return forms.IntegerField(label=_("Days"), required=False, min_value=0)
        choices = list(field.choices)
        if field.kind == "user":
            choices = [(str(u.pk), str(u)) for u in active_users()]
        if field.kind == "bool":
            return forms.ChoiceField(label=label, required=False, choices=YES_NO)
        if choices and op == "in":
            return forms.MultipleChoiceField(label=label, required=False, choices=choices)
        if choices:
            # People are searched as they are typed: a company has many.
            widget = forms.Select(attrs={"class": "tom-select"} if field.kind == "user" else {})
            return forms.ChoiceField(
                label=label, required=False, choices=[("", ""), *choices], widget=widget
            )
        if field.kind == "date":
            return forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )
        if field.kind == "datetime":
            return forms.DateTimeField(
                label=label,
                required=False,
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            )
        attrs = {"inputmode": "decimal"} if field.kind in ("number", "money") else {}
        return forms.CharField(label=label, required=False, widget=forms.TextInput(attrs=attrs))

    def row(self) -> dict[str, Any]:
        """The row as typed, for `conditions.validate`."""
        value = self["value"].data if "value" in self.fields else None
        return {"field": self._chosen("field"), "op": self.op, "value": value}


class ConditionFormSet(RowFormSet):
    """The condition rows on records of one type (all must hold)."""

    type_key: str
    refresh_url: str = ""

    def get_form_kwargs(self, index):
        return {"fields": self.condition_fields, "refresh_url": self.refresh_url}

    @property
    def condition_fields(self) -> list[conditions.ConditionField]:
        if not hasattr(self, "_condition_fields"):
            self._condition_fields = conditions.fields_for(self.type_key) if self.type_key else []
        return self._condition_fields

    def rows(self) -> list[dict[str, Any]]:
        return [form.row() for form in self.forms]


def condition_formset(
    type_key: str,
    data=None,
    *,
    rows: list[dict] | None = None,
    refresh_url: str = "",
    prefix: str = "conditions",
) -> ConditionFormSet:
    """The condition rows on records of `type_key`: bound to `data` when it carries them,
    else showing `rows` (stored ones, or as posted before a row button). A field or a
    comparison chosen posts the page's form to `refresh_url`, which redraws the rows."""
    bound = data is not None and f"{prefix}-TOTAL_FORMS" in data
    formset_class = forms.formset_factory(
        ConditionForm, formset=ConditionFormSet, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
    )
    formset = formset_class(
        data if bound else None, initial=None if bound else (rows or []), prefix=prefix
    )
    formset.type_key = type_key
    formset.refresh_url = refresh_url
    return formset


def stored_condition_rows(rows: list[dict]) -> list[dict]:
    """Stored conditions as the inputs show them (yes/no as "true"/"false")."""
    shown = []
    for row in rows:
        value = row.get("value")
        if isinstance(value, bool):
            value = "true" if value else "false"
        shown.append({**row, "value": value})
    return shown


# --------------------------------------------------------------------------------- steps


class StepForm(StyledFormMixin, forms.ModelForm):
    """One step: who approves (with the input its kind needs), whether one or all must,
    and its options."""

    class Meta:
        model = ApprovalStep
        fields = (
            "name",
            "approver_kind",
            "levels",
            "role",
            "users",
            "mode",
            "skip_submitter",
            "time_limit_hours",
        )

    def __init__(self, *args, refresh_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].required = False
        self.fields["users"].queryset = active_users()
        self.fields["users"].help_text = ""
        for name in ("levels", "time_limit_hours"):
            self.fields[name].validators.append(MinValueValidator(1))
            self.fields[name].widget.attrs["min"] = 1
        refreshes(self, ("approver_kind",), refresh_url)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", capfirst(field.label))
        style_widgets(self)

    @property
    def kind(self) -> str:
        kind = self["approver_kind"].value()
        return kind if kind in ApproverKind.values else ApproverKind.SUPERIOR

    @property
    def shown_fields(self) -> list[forms.BoundField]:
        """The inputs of the chosen approver kind, then the step's options."""
        names = ["levels"] if self.kind == ApproverKind.SUPERIOR_LEVEL else []
        names += ["role"] if self.kind in ROLE_KINDS else []
        names += ["users"] if self.kind == ApproverKind.USERS else []
        return [self[name] for name in (*names, "mode", "time_limit_hours")]

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "approver_kind": data.get("approver_kind") or ApproverKind.SUPERIOR,
            "levels": data.get("levels") or 1,
            "role": data.get("role"),
            "users": list(data.get("users") or []),
            "mode": data.get("mode"),
            "skip_submitter": bool(data.get("skip_submitter")),
            "time_limit_hours": data.get("time_limit_hours"),
        }


class StepFormSet(RowFormSet):
    """The steps of a process, in order."""

    refresh_url: str = ""

    def get_form_kwargs(self, index):
        return {"refresh_url": self.refresh_url}

    def rows(self) -> list[dict[str, Any]]:
        return [form.row() for form in self.forms]


STEP_BLANK = {"approver_kind": ApproverKind.SUPERIOR, "mode": "any", "skip_submitter": True}


def step_formset(
    data=None, *, rows: list[dict] | None = None, refresh_url: str = ""
) -> StepFormSet:
    """The step rows: bound to `data` when it carries them, else showing `rows`."""
    bound = data is not None and "steps-TOTAL_FORMS" in data
    formset_class = forms.formset_factory(
        StepForm, formset=StepFormSet, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
    )
    formset = formset_class(
        data if bound else None, initial=None if bound else (rows or [STEP_BLANK]), prefix="steps"
    )
    formset.refresh_url = refresh_url
    return formset


def stored_step_rows(process: ApprovalProcess) -> list[dict]:
    """A stored process's steps as the step rows show them."""
    return [
        {
            "name": step.name,
            "approver_kind": step.approver_kind,
            "levels": step.levels,
            "role": step.role_id,
            "users": [user.pk for user in step.users.all()],
            "mode": step.mode,
            "skip_submitter": step.skip_submitter,
            "time_limit_hours": step.time_limit_hours,
        }
        for step in process.steps.order_by("position", "id").prefetch_related("users")
    ]


# ------------------------------------------------------------------------------- process


def target_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """What may be approved, grouped by type: ("customer:credit_limit", "Credit limit
    change")."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for object_type, approvable in approvables():
        groups.setdefault(str(object_type.label_plural), []).append(
            (f"{object_type.key}:{approvable.key}", str(approvable.label))
        )
    return list(groups.items())


class ProcessForm(StyledFormMixin, forms.ModelForm):
    """An approval process's name, what it approves, description and whether it is used."""

    target = forms.ChoiceField(label=_("What is approved"))
    version = VersionField()

    class Meta:
        model = ApprovalProcess
        fields = ("name", "description", "is_active")

    field_order = ("name", "target", "description", "is_active")

    def __init__(self, *args, refresh_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", ""), *target_choices()]
        refreshes(self, ("target",), refresh_url)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["target"].initial = self.target_key
        style_widgets(self)

    @property
    def target_key(self) -> str:
        return f"{self.instance.type_key}:{self.instance.approvable}" if self.instance.pk else ""

    @property
    def chosen_type(self) -> str:
        """The type key of what is chosen to be approved ("" while nothing is)."""
        value = self["target"].value() or ""
        return str(value).partition(":")[0]

    def clean(self):
        data = super().clean()
        type_key, _colon, approvable = (data.get("target") or "").partition(":")
        self.instance.type_key, self.instance.approvable = type_key, approvable
        return data


class ActionForm(StyledFormMixin, forms.Form):
    """A form of an approval's panel; its inputs' ids start with its `key` (the panel
    shows several)."""

    key = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.key}-%s")
        super().__init__(*args, **kwargs)


class ApproveForm(ActionForm):
    key = "approve"
    comment = forms.CharField(
        label=_("Approval comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )


class RejectForm(ActionForm):
    """A rejection: why (required), and back to the submitter or to an earlier step."""

    key = "reject"

    comment = forms.CharField(
        label=_("Reason for rejecting"), max_length=2000, widget=forms.Textarea({"rows": 2})
    )
    to_step = forms.TypedChoiceField(
        label=_("Back to"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, earlier: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_step"].choices = [("", _("The submitter")), *earlier]
        style_widgets(self)


class TransferForm(ActionForm):
    key = "transfer"
    to = forms.ModelChoiceField(label=_("Transfer to"), queryset=None)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = active_users()
        self.fields["to"].widget.attrs["class"] = "form-select tom-select"
        style_widgets(self)
