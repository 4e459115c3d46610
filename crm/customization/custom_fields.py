"""Custom fields: the one place that turns their definitions into form fields and checks values.

Forms, the API and imports all call `clean_custom_fields`, so a value is valid or invalid
the same way everywhere. Stored values are JSON: dates and decimals as ISO strings, choices
as dictionary item codes, users as ids.
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.core import kept
from crm.core.validators import RANGE_MESSAGES, validate_not_negative, validate_phone
from crm.customization.models import CustomField, DictionaryItem, FieldType

# Kinds that hold personal numbers, masked as a type's declared `masked` fields are
# (crm.core.masking); a kind for ID or bank account numbers belongs here too.
MASKED_KINDS = frozenset({FieldType.PHONE})
# Kinds an administrator may give a minimum and a maximum.
RANGED_KINDS = frozenset({FieldType.INTEGER, FieldType.DECIMAL, FieldType.MONEY})
# The widest whole numbers a browser's JSON keeps exactly.
_INTEGER_LIMIT = 2**53


def fields_for(model) -> list[CustomField]:
    """Active custom fields of a model, in display order (a per-process copy)."""
    content_type = ContentType.objects.get_for_model(model)

    def read() -> list[CustomField]:
        return list(
            CustomField.objects.filter(content_type=content_type, is_active=True)
            .select_related("dictionary")
            .order_by("sort_order", "id")
        )

    return list(kept.kept(("custom_fields", content_type.pk), read))


def retired_names(model) -> frozenset[str]:
    """Names of a model's deactivated custom fields, whose stored values are kept."""
    content_type = ContentType.objects.get_for_model(model)

    def read() -> frozenset[str]:
        return frozenset(
            CustomField.objects.filter(content_type=content_type, is_active=False).values_list(
                "name", flat=True
            )
        )

    return kept.kept(("retired_fields", content_type.pk), read)


def masked_names(model) -> frozenset[str]:
    """Names of a model's custom fields of a masked kind, deactivated ones too (their
    stored values are still read)."""
    content_type = ContentType.objects.get_for_model(model)

    def read() -> frozenset[str]:
        return frozenset(
            CustomField.objects.filter(
                content_type=content_type, field_type__in=MASKED_KINDS
            ).values_list("name", flat=True)
        )

    return kept.kept(("masked_fields", content_type.pk), read)


def dictionary_items() -> dict[int, DictionaryItem]:
    """Every dictionary item by id, in display order (a per-process copy)."""

    def read() -> dict[int, DictionaryItem]:
        return {i.pk: i for i in DictionaryItem.objects.order_by("sort_order", "id")}

    return kept.kept("dictionary_items", read)


def item_labels(dictionary_ids) -> dict[tuple[int, str], str]:
    """Labels of the items of some dictionaries, by (dictionary id, code)."""
    wanted = set(dictionary_ids)
    return {
        (i.dictionary_id, i.code): i.label
        for i in dictionary_items().values()
        if i.dictionary_id in wanted
    }


def _choices(field: CustomField) -> list[tuple[str, str]]:
    if field.dictionary_id is None:
        return []
    return [
        (i.code, i.label)
        for i in dictionary_items().values()
        if i.dictionary_id == field.dictionary_id and i.is_active
    ]


def form_field(field: CustomField) -> forms.Field:
    """The Django form field that parses and checks values of one custom field."""
    common: dict[str, Any] = {
        "label": field.label,
        "required": field.required,
        "help_text": field.help_text,
    }
    kind = field.field_type
    if kind in RANGED_KINDS:
        return _number_field(field, common)
    if kind == FieldType.TEXT:
        return forms.CharField(max_length=field.max_length, **common)
    if kind == FieldType.LONGTEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=10000, **common)
    if kind == FieldType.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if kind == FieldType.DATETIME:
        return forms.DateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common
        )
    if kind == FieldType.BOOLEAN:
        common["required"] = False
        return forms.BooleanField(**common)
    if kind == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "---------"), *_choices(field)], **common)
    if kind == FieldType.MULTICHOICE:
        return forms.MultipleChoiceField(choices=_choices(field), **common)
    if kind == FieldType.USER:
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        return forms.ModelChoiceField(queryset=users, **common)
    if kind == FieldType.URL:
        return forms.URLField(max_length=field.max_length, assume_scheme="https", **common)
    if kind == FieldType.EMAIL:
        return forms.EmailField(max_length=field.max_length, **common)
    return forms.CharField(max_length=40, validators=[validate_phone], **common)


def limit_text(limit: decimal.Decimal) -> decimal.Decimal:
    """A limit as people write it: 100, not 100.000000; 0.5, not 5E-1."""
    if limit == limit.to_integral_value():
        return limit.quantize(decimal.Decimal(1))
    return limit.normalize()


def _number_field(field: CustomField, common: dict[str, Any]) -> forms.Field:
    """An integer, decimal or money field within the administrator's minimum and maximum
    (money without a minimum is at least zero)."""
    low = None if field.min_value is None else limit_text(field.min_value)
    high = None if field.max_value is None else limit_text(field.max_value)
    common["error_messages"] = RANGE_MESSAGES
    if field.field_type == FieldType.INTEGER:
        return forms.IntegerField(
            min_value=-_INTEGER_LIMIT if low is None else int(low),
            max_value=_INTEGER_LIMIT if high is None else int(high),
            **common,
        )
    if field.field_type == FieldType.DECIMAL:
        return forms.DecimalField(
            max_digits=20, decimal_places=6, min_value=low, max_value=high, **common
        )
    return forms.DecimalField(
        max_digits=18,
        decimal_places=2,
        min_value=low,
        max_value=high,
        validators=[validate_not_negative] if low is None else [],
        **common,
    )


def to_json(value: Any, field: CustomField | None = None) -> Any:
    """A cleaned form value as stored in `custom_field_data` (money with two decimals)."""
    if field is not None and field.field_type == FieldType.MONEY and value is not None:
        value = decimal.Decimal(value).quantize(decimal.Decimal("0.01"))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    if value == "":
        return None
    return value


class CustomFieldChecker:
    """The custom fields of a model with their form fields built once, to check many
    records' values (an import) with no query per record."""

    def __init__(self, model, definitions=None):
        self.definitions = fields_for(model) if definitions is None else definitions
        self.known = {f.name for f in self.definitions}
        self.retired = retired_names(model)
        self.form_fields = {f.name: form_field(f) for f in self.definitions}

    def check(self, data: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Returns (cleaned data, errors by field name). Values of unknown keys are errors;
        values of deactivated fields are kept as they were."""
        data = dict(data or {})
        cleaned: dict[str, Any] = {k: v for k, v in data.items() if k in self.retired}
        errors: dict[str, list[str]] = {}
        for key in data.keys() - self.known - self.retired:
            errors[key] = [_("There is no custom field named “%(name)s”.") % {"name": key}]
        for definition in self.definitions:
            raw = data.get(definition.name, definition.default)
            if isinstance(raw, str) and definition.field_type == FieldType.BOOLEAN:
                raw = raw.lower() in {"1", "true", "yes", "on", "是"}
            try:
                value = self.form_fields[definition.name].clean(raw)
            except ValidationError as exc:
                errors[definition.name] = list(exc.messages)
                continue
            cleaned[definition.name] = to_json(value, definition)
        return cleaned, errors


def clean_custom_fields(model, data: dict[str, Any] | None, *, definitions=None):
    """Check `data` against the model's custom fields: (cleaned data, errors by field)."""
    return CustomFieldChecker(model, definitions).check(data)
