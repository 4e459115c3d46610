"""Line items on the record pages: the lines of the create/edit form (a formset whose rows
are added, removed and moved through htmx, with amounts and totals worked out as the user
types) and the read-only table of the detail page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, cached_property
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crm.core import access, binding, extensions, lines, money, registry
from crm.core.errors import DomainError, ValidationFailed
from crm.core.forms import StyledFormMixin, formfield_for, style_widgets
from crm.core.registry import LineSpec, ObjectType

PREFIX = "lines"  # the formset's, and the write path's `lines.<i>.<field>` error keys
MAX_LINES = 500
OPERATION = "lines-op"  # a row button's name: add, remove-<i>, up-<i>, down-<i>
EMPTY = "—"


@dataclass(frozen=True)
class LineColumn:
    name: str
    label: str
    typed: bool  # typed on the form; else worked out by the type (a line's amount)
    numeric: bool


@dataclass(frozen=True)
class Cell:
    column: LineColumn
    text: str  # the value shown: a worked-out one on the form, every one on the detail page
    field: forms.BoundField | None = None  # the input, on the form


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    form: forms.Form | None = None


def model_field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # a column of the model, not a reverse relation
    return field


def label(field: models.Field) -> str:
    return str(capfirst(field.verbose_name))


def columns(spec: LineSpec) -> list[LineColumn]:
    """The typed fields of a line, then those the type works out from them."""
    result = []
    for name in lines.shown_fields(spec):
        field = model_field(spec.model, name)
        numeric = isinstance(field, models.DecimalField | models.IntegerField)
        result.append(LineColumn(name, label(field), name in spec.fields, numeric))
    return result


def currency_of(document: models.Model) -> str:
    """The currency of a document's amounts: its own, else the company's."""
    return getattr(document, "currency", None) or money.company_currency()


def display(field: models.Field, value: Any, currency: str) -> str:
    """A line's or a total's value as the user's language writes it (¥1,234.50, 2.5, a
    linked record's name, Yes)."""
    if value is None or value == "":
        return EMPTY
    if isinstance(field, models.BooleanField):
        return str(_("Yes") if value else _("No"))
    if isinstance(field, models.ForeignKey):
        return str(value)
    if isinstance(field, money.AmountField):
        return money.to_text(money.Money(Decimal(value), currency))
    if isinstance(field, models.DecimalField):
        return formats.number_format(_plain(Decimal(value)), use_l10n=True, force_grouping=True)
    return str(value)


def _plain(number: Decimal) -> Decimal:
    """Without trailing zeros (2.0000 stored is 2), never in exponent form (100, not 1E+2)."""
    return Decimal(format(number.normalize(), "f"))


def totals(object_type: ObjectType, document: models.Model) -> list[tuple[str, str]]:
    """The fields the type works out on the document (its total), labelled and shown."""
    currency = currency_of(document)
    fields = [model_field(type(document), name) for name in object_type.computed]
    return [
        (label(field), display(field, getattr(document, field.name), currency)) for field in fields
    ]


def stored_table(object_type: ObjectType, document: models.Model) -> dict:
    """The detail page's read-only table: the stored lines and the document's totals."""
    spec = object_type.lines
    assert spec is not None  # called only for types with lines
    currency = currency_of(document)
    shown = columns(spec)
    fields = {c.name: model_field(spec.model, c.name) for c in shown}
    stored = lines.read(object_type, document.pk)
    linked = _linked_records(spec, stored)
    rows = [
        Row(
            [
                Cell(
                    c,
                    display(
                        fields[c.name], linked.get((c.name, row[c.name]), row[c.name]), currency
                    ),
                )
                for c in shown
            ]
        )
        for row in stored
    ]
    return {"columns": shown, "rows": rows, "totals": totals(object_type, document)}


def _linked_records(spec: LineSpec, rows: list[dict[str, Any]]) -> dict[tuple[str, Any], Any]:
    """The records the lines link to (a line's product), by (field, id), one query each."""
    found: dict[tuple[str, Any], Any] = {}
    for name in spec.fields:
        field = model_field(spec.model, name)
        ids = {row[name] for row in rows if row[name] is not None}
        if isinstance(field, models.ForeignKey) and ids:
            related = cast("type[models.Model]", field.related_model)
            found.update({(name, r.pk): r for r in related._base_manager.filter(pk__in=ids)})
    return found


class LineForm(StyledFormMixin, forms.ModelForm):
    """One line as typed: the fields its type's LineSpec names, and the id of the stored
    line it shows (kept, so that what refers to the line stays)."""

    id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name == "id":
                continue
            field.widget.attrs["aria-label"] = capfirst(field.label)
            if isinstance(field, forms.DecimalField):
                # Typed as people write numbers; the field still checks them.
                field.widget = forms.TextInput(
                    attrs={
                        **field.widget.attrs,
                        "inputmode": "decimal",
                        "class": "form-control text-end",
                    }
                )
            field.widget.attrs["class"] += " form-control-sm"


class LineFormSet(forms.BaseFormSet):
    """The lines of one document as a form. The set is replaced as a whole: a row that
    carries a stored line's id updates it, the others are new; a row left as it was
    offered (blank) is left out; rows keep the order shown."""

    object_type: ObjectType
    document: models.Model
    user: Any
    held: dict[str, set[int]]  # the links the stored lines hold, offered even if no longer

    def _construct_form(self, i, **kwargs):
        return self._scoped(super()._construct_form(i, **kwargs))

    @property
    def empty_form(self):
        return self._scoped(super().empty_form)

    def _scoped(self, form: forms.Form) -> forms.Form:
        """A row's links offer only records the user may see (and those the document's
        lines hold already)."""
        for name, field in form.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                choices = binding.targets(field.queryset, self.user)
                if self.held.get(name):
                    base = field.queryset.model._base_manager
                    choices = choices | base.filter(pk__in=self.held[name])
                field.queryset = choices
        return form

    def initial_form_count(self) -> int:
        return 0

    def total_form_count(self) -> int:
        if self.is_bound:
            return super().total_form_count()
        return len(self.initial or ()) or 1  # a new document starts with one blank row

    @property
    def spec(self) -> LineSpec:
        assert self.object_type.lines is not None
        return self.object_type.lines

    @property
    def columns(self) -> list[LineColumn]:
        return columns(self.spec)

    @property
    def preview_url(self) -> str:
        url = reverse(self.object_type.url_name("lines_preview"))
        return f"{url}?record={self.document.pk}" if self.document.pk else url

    @property
    def kept(self) -> list[forms.Form]:
        """The rows that stand for a line: not left blank."""
        return [form for form in self.forms if form.has_changed()]

    def values(self) -> list[dict[str, Any]] | None:
        """The typed lines in order for `services.save`; None when the page sent no lines
        (the stored ones are kept). Raises ValidationFailed when a row is wrong (its errors
        are on its cells)."""
        if not self.is_bound:
            return None
        if not self.is_valid():
            raise ValidationFailed({})
        return [self._typed(form) for form in self.kept]

    def _typed(self, form: forms.Form) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in ("id", *self.spec.fields)}

    def place(self, error: DomainError) -> DomainError:
        """Put the error's `lines.<i>.<field>` messages on the cells they name; what is
        left of it goes on the record's form."""
        kept, rest = self.kept, {}
        for key, messages in error.fields.items():
            head, _dot, path = key.partition(".")
            index, _dot, name = path.partition(".")
            if head != PREFIX or not index.isdigit() or int(index) >= len(kept):
                rest[key] = messages
                continue
            form = kept[int(index)]
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
            style_widgets(form)
        if len(rest) == len(error.fields):
            return error
        return DomainError(error.code, error.message, rest)

    @cached_property
    def table(self) -> dict:
        """The rows with what the type works out from them (a line's amount), and the
        document's totals; worked out over the rows that are right, totals only when all
        are."""
        currency = currency_of(self.document)
        fields = {c.name: model_field(self.spec.model, c.name) for c in self.columns}
        if self.is_bound:
            right = [form for form in self.kept if form.is_valid()]
            computed, document = lines.preview(
                self.object_type, self.document, [self._typed(form) for form in right]
            )
            values = {id(form): line for form, line in zip(right, computed, strict=True)}
            all_right = len(right) == len(self.kept) and not self.non_form_errors()
        else:  # as stored (or blank): the values the initial rows carry
            values, document, all_right = {}, self.document, True
        rows = []
        for form in self.forms:
            line = values.get(id(form))
            cells = []
            for column in self.columns:
                if column.typed:
                    cells.append(Cell(column, "", form[column.name]))
                else:
                    value = getattr(line, column.name) if line else form.initial.get(column.name)
                    cells.append(Cell(column, display(fields[column.name], value, currency)))
            rows.append(Row(cells, form))
        shown = totals(self.object_type, document)
        if not all_right:
            shown = [(label, EMPTY) for label, _text in shown]
        return {"rows": rows, "totals": shown}


@cache
def formset_class(spec: LineSpec) -> type[LineFormSet]:
    form = forms.modelform_factory(
        spec.model,
        form=LineForm,
        fields=spec.fields,
        widgets=spec.widgets,
        formfield_callback=formfield_for,
    )
    formset = forms.formset_factory(
        form,
        formset=LineFormSet,
        extra=0,
        max_num=MAX_LINES,
        absolute_max=MAX_LINES,
        validate_max=True,
    )
    return cast(type[LineFormSet], formset)


def line_formset(object_type: ObjectType, document: models.Model, user, data=None) -> LineFormSet:
    """The lines of `document` as `user` types them: bound when `data` carries lines, else
    its stored lines (one blank row for a new document)."""
    spec = object_type.lines
    assert spec is not None  # called only for types with lines
    bound = data is not None and f"{PREFIX}-TOTAL_FORMS" in data
    stored = lines.read(object_type, document.pk) if document.pk else []
    initial = None if bound or not document.pk else [_as_typed(spec, row) for row in stored]
    formset = formset_class(spec)(data if bound else None, initial=initial, prefix=PREFIX)
    formset.object_type = object_type
    formset.document = document
    formset.user = user
    formset.held = {
        name: {row[name] for row in stored if row[name] is not None}
        for name in spec.fields
        if isinstance(spec.model._meta.get_field(name), models.ForeignKey)
    }
    return formset


def _as_typed(spec: LineSpec, row: dict[str, Any]) -> dict[str, Any]:
    """A stored line as its inputs show it: a quantity of 2.0000 as 2."""
    plain = {}
    for name, value in row.items():
        field = model_field(spec.model, name)
        is_amount = isinstance(field, money.AmountField)
        decimal = isinstance(value, Decimal) and not is_amount
        plain[name] = _plain(value) if decimal else value
    return plain


@contextmanager
def errors_on_lines(formset: LineFormSet | None) -> Iterator[None]:
    """A refusal naming lines (`lines.<i>.<field>`) shows on their cells; the rest of it
    goes on to the record's form."""
    try:
        yield
    except DomainError as error:
        placed = error if formset is None else formset.place(error)
        if placed is error:
            raise
        raise placed from error


def _rearranged(formset: LineFormSet, operation: str) -> QueryDict:
    """The posted rows after a row button: a blank row added, one removed or moved."""
    names = ("id", *formset.spec.fields)
    rows = [{name: form[name].data for name in names} for form in formset.forms]
    action, _dash, number = operation.partition("-")
    index = int(number) if number.isdigit() else -1
    if action == "add":
        blank = formset.empty_form
        rows.append({name: blank[name].value() for name in names})
    elif action == "remove" and 0 <= index < len(rows):
        del rows[index]
    elif action == "up" and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif action == "down" and 0 <= index < len(rows) - 1:
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
    data = QueryDict(mutable=True)
    data.update({f"{PREFIX}-TOTAL_FORMS": str(len(rows)), f"{PREFIX}-INITIAL_FORMS": "0"})
    for i, row in enumerate(rows):
        data.update({f"{PREFIX}-{i}-{name}": "" if v is None else v for name, v in row.items()})
    return data


def _document(object_type: ObjectType, request) -> models.Model:
    """The record the lines belong to, as the form has it typed: a stored one the user may
    change (?record=<id>) or a new one they may create."""
    pk = request.GET.get("record", "")
    if pk:
        if not pk.isdigit():
            raise Http404
        model = object_type.model
        document = get_object_or_404(model.objects.visible_to(request.user), pk=pk)
        if not model.objects.editable_by(request.user).filter(pk=document.pk).exists():
            raise PermissionDenied
    elif access.can_create(request.user, object_type.model):
        document = object_type.model()
    else:
        raise PermissionDenied
    form = object_type.form(
        request.POST,
        instance=document,
        user=request.user,
        custom_fields=extensions.customization().fields_for(object_type.model),
    )
    form.is_valid()  # the typed values that are right go onto the record
    return form.instance


@login_required
@require_POST
def preview_view(request, type_key: str):
    """What the lines and totals come to as typed, nothing written: the worked-out cells
    and totals while typing, the whole lines table after a row button."""
    object_type = registry.get(type_key)
    if object_type.lines is None:
        raise Http404
    document = _document(object_type, request)
    formset = line_formset(object_type, document, request.user, request.POST)
    if not formset.is_bound:
        raise Http404
    operation = request.POST.get(OPERATION, "")
    if not operation:
        return render(request, "core/_lines_form.html#computed", {"lines": formset})
    formset = line_formset(object_type, document, request.user, _rearranged(formset, operation))
    if operation == "add" and formset.forms:
        new = formset.forms[-1]
        new.fields[formset.spec.fields[0]].widget.attrs["autofocus"] = True
    return render(request, "core/_lines_form.html", {"lines": formset})
