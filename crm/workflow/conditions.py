"""Conditions on records, shared by approval processes and alert rules.

A condition is a list of rows `{"field", "op", "value"}`, all of which must hold. A field is
a model field people know (by its attribute name: `credit_limit_amount`, `owner_id`; a
dictionary field by its name: `level`) or an active custom field (`cf.<name>`). `validate`
turns what an administrator chose into typed, JSON-safe rows; `holds` checks them on a
record in memory (approvals check the proposed values), `as_q` gives the same test as one
database filter (alerts select matching records in one query), and `describe` reads them
out in the active language. `holds` and `as_q` agree on every record (a test checks it).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    In,
    LessThan,
    LessThanOrEqual,
)
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.core import money, registry
from crm.core.models import SortKeyField
from crm.customization import custom_fields
from crm.customization.models import Dictionary, DictionaryField, FieldType

CUSTOM = "cf."

OPERATORS: dict[str, Any] = {
    "eq": gettext_lazy("equals"),
    "ne": gettext_lazy("does not equal"),
    "gt": gettext_lazy("greater than"),
    "gte": gettext_lazy("at least"),
    "lt": gettext_lazy("less than"),
    "lte": gettext_lazy("at most"),
    "contains": gettext_lazy("contains"),
    "in": gettext_lazy("is one of"),
    "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is not empty"),
    "older_than_days": gettext_lazy("more than N days ago"),
    "within_days": gettext_lazy("within the next N days"),
    "overdue": gettext_lazy("is past"),
}
_SYMBOLS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤"}
_PRESENCE = ("empty", "not_empty")
_DAYS = ("older_than_days", "within_days")
_ORDERED = ("eq", "ne", "gt", "gte", "lt", "lte")
_RELATIVE = ("older_than_days", "within_days", "overdue")

KIND_OPERATORS: dict[str, tuple[str, ...]] = {
    "text": ("eq", "ne", "contains", "in", *_PRESENCE),
    "number": (*_ORDERED, *_PRESENCE),
    "money": (*_ORDERED, *_PRESENCE),
    "date": (*_ORDERED, *_RELATIVE, *_PRESENCE),
    "datetime": ("gt", "gte", "lt", "lte", *_RELATIVE, *_PRESENCE),
    "choice": ("eq", "ne", "in", *_PRESENCE),
    "dictionary": ("eq", "ne", "in", *_PRESENCE),
    "bool": ("eq",),
    "user": ("eq", "ne", "in", *_PRESENCE),
}
_CUSTOM_KINDS: dict[str, str] = {
    FieldType.TEXT: "text",
    FieldType.LONGTEXT: "text",
    FieldType.URL: "text",
    FieldType.EMAIL: "text",
    FieldType.INTEGER: "number",
    FieldType.DECIMAL: "number",
    FieldType.MONEY: "money",
    FieldType.DATE: "date",
    FieldType.DATETIME: "datetime",
    FieldType.BOOLEAN: "bool",
    FieldType.CHOICE: "choice",
    FieldType.USER: "user",
}
# Bookkeeping of every record, not conditions people set (the times stay: "not updated for
# 30 days").
_BOOKKEEPING = frozenset(
    {"id", "version", "created_by", "updated_by", "deleted_at", "deleted_by", "external_id"}
)
_MAX_DAYS = 36500
_MAX_TEXT = 255


@dataclass(frozen=True)
class ConditionField:
    """A field a condition may test, with what it holds and the operators that fit it."""

    name: str
    label: str
    kind: str
    choices: list[tuple[str, str]]
    operators: tuple[str, ...]

    @property
    def is_custom(self) -> bool:
        return self.name.startswith(CUSTOM)


# Fields ---------------------------------------------------------------------------------


def _model_kind(field: models.Field) -> str | None:
    """The kind of a model field, None for one conditions do not test."""
    if isinstance(field, DictionaryField):
        return "dictionary"
    if isinstance(field, models.ForeignKey):
        return "user" if field.related_model is get_user_model() else None
    if isinstance(field, SortKeyField | models.JSONField | money.CurrencyField):
        return None
    if field.choices:
        return "choice"
    if isinstance(field, money.AmountField):
        return "money"
    if isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
        return "number"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.BooleanField):
        return "bool"
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    return None


def _dictionary_choices(codes: set[str]) -> dict[str, list[tuple[str, str]]]:
    """The active items of dictionaries by their code, as (id, label)."""
    ids = dict(Dictionary.objects.filter(code__in=codes).values_list("code", "id"))
    by_id: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids.values()}
    for item in custom_fields.dictionary_items().values():
        if item.dictionary_id in by_id and item.is_active:
            by_id[item.dictionary_id].append((str(item.pk), item.label))
    return {code: by_id[pk] for code, pk in ids.items()}


def _tested_model_fields(object_type: registry.ObjectType) -> list[tuple[models.Field, str]]:
    """The model fields conditions may test, with their kinds."""
    skipped = _BOOKKEEPING | set(object_type.masked) | {"related_type", "related_id"}
    return [
        (field, kind)
        for field in object_type.model._meta.concrete_fields
        if field.name not in skipped and (kind := _model_kind(field))
    ]


def _model_fields(object_type: registry.ObjectType) -> list[ConditionField]:
    chosen = _tested_model_fields(object_type)
    dictionaries = _dictionary_choices(
        {f.dictionary_code for f, _kind in chosen if isinstance(f, DictionaryField)}
    )
    found = []
    for field, kind in chosen:
        if isinstance(field, DictionaryField):
            name, choices = field.name, dictionaries.get(field.dictionary_code, [])
        else:
            name, choices = field.attname, [(str(k), str(v)) for k, v in field.choices or ()]
        label = str(field.verbose_name)
        found.append(ConditionField(name, label, kind, choices, KIND_OPERATORS[kind]))
    return found


def _item_choices(dictionary_id: int | None) -> list[tuple[str, str]]:
    """The active items of a custom choice field's dictionary, as (code, label)."""
    items = custom_fields.dictionary_items().values()
    return [(i.code, i.label) for i in items if i.dictionary_id == dictionary_id and i.is_active]


def _custom_fields(object_type: registry.ObjectType) -> list[ConditionField]:
    found = []
    for field in custom_fields.fields_for(object_type.model):
        kind = _CUSTOM_KINDS.get(field.field_type)
        if kind is None:
            continue  # masked numbers and multiple choices are not tested
        choices = _item_choices(field.dictionary_id) if kind == "choice" else []
        found.append(
            ConditionField(CUSTOM + field.name, field.label, kind, choices, KIND_OPERATORS[kind])
        )
    return found


def fields_for(type_key: str) -> list[ConditionField]:
    """The fields conditions on a type may test, labelled in the active language: the
    model fields people know (not masked ones, not bookkeeping but the created and
    updated times) and the active custom fields."""
    object_type = registry.get(type_key)
    return [*_model_fields(object_type), *_custom_fields(object_type)]


def _fields_by_name(type_key: str) -> dict[str, ConditionField]:
    return {f.name: f for f in fields_for(type_key)}


# Validation -----------------------------------------------------------------------------


def _value(field: ConditionField, raw: Any) -> Any:
    """One typed, JSON-safe value for `field`; raises ValidationError with a clear message."""
    text = "" if raw is None else str(raw).strip()
    if field.kind == "bool":
        if raw in (True, False):
            return raw
        if text.lower() in ("true", "1", "yes"):
            return True
        if text.lower() in ("false", "0", "no"):
            return False
        raise ValidationError(_("Choose yes or no."))
    if not text:
        raise ValidationError(_("Enter a value."))
    if field.kind == "money":
        return str(money.parse_amount(text))
    if field.kind == "number":
        return str(money.parse(text).amount)
    if field.kind == "date":
        day = _parsed(parse_date, text)
        if day is None:
            raise ValidationError(_("Enter a date such as 2026-03-31."))
        return day.isoformat()
    if field.kind == "datetime":
        moment = _parsed(parse_datetime, text)
        if moment is None:
            raise ValidationError(_("Enter a date and time such as 2026-03-31 09:00."))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment.isoformat()
    if field.kind in ("choice", "dictionary"):
        if text not in dict(field.choices):
            raise ValidationError(_("Choose one of the offered values."))
        return int(text) if field.kind == "dictionary" else text
    if field.kind == "user":
        if not text.isdigit() or not get_user_model().objects.filter(pk=int(text)).exists():
            raise ValidationError(_("Choose a user of the CRM."))
        return int(text)
    if len(text) > _MAX_TEXT:
        raise ValidationError(_("Enter at most %(count)d characters.") % {"count": _MAX_TEXT})
    return text


def _parsed(parse, text: str):
    try:
        return parse(text)
    except ValueError:
        return None


def _days(raw: Any) -> int:
    text = "" if raw is None else str(raw).strip()
    if not text.isdigit() or not 1 <= int(text) <= _MAX_DAYS:
        raise ValidationError(
            _("Enter a whole number of days from 1 to %(most)d.") % {"most": _MAX_DAYS}
        )
    return int(text)


def _row_value(field: ConditionField, op: str, raw: Any) -> Any:
    if op in _PRESENCE or op == "overdue":
        return None
    if op in _DAYS:
        return _days(raw)
    if op == "in":
        values = raw if isinstance(raw, list | tuple) else str(raw or "").split(",")
        typed = [_value(field, one) for one in values if str(one).strip()]
        if not typed:
            raise ValidationError(_("Choose at least one value."))
        return list(dict.fromkeys(typed))
    return _value(field, raw)


def validate(type_key: str, rows: list[dict]) -> list[dict]:
    """Rows as an administrator chose them, typed for storing: amounts as decimal text,
    dates in ISO form, dictionary items by id, days as whole numbers. Raises
    ValidationError naming `conditions.<i>.<field|op|value>` for each wrong part."""
    known = _fields_by_name(type_key)
    errors: dict[str, list[str]] = {}
    clean = []
    for i, row in enumerate(rows):
        field = known.get(str(row.get("field") or ""))
        if field is None:
            errors[f"conditions.{i}.field"] = [_("Choose a field.")]
            continue
        op = str(row.get("op") or "")
        if op not in field.operators:
            errors[f"conditions.{i}.op"] = [_("Choose a comparison that fits the field.")]
            continue
        try:
            value = _row_value(field, op, row.get("value"))
        except ValidationError as error:
            errors[f"conditions.{i}.value"] = list(error.messages)
            continue
        clean.append({"field": field.name, "op": op, "value": value})
    if errors:
        raise ValidationError(errors)
    return clean


# Evaluation -----------------------------------------------------------------------------


def _kinds(type_key: str) -> dict[str, str]:
    """The kind of every field conditions on a type may test, read without a query."""
    object_type = registry.get(type_key)
    kinds = {
        field.name if kind == "dictionary" else field.attname: kind
        for field, kind in _tested_model_fields(object_type)
    }
    for field in custom_fields.fields_for(object_type.model):
        if field.field_type in _CUSTOM_KINDS:
            kinds[CUSTOM + field.name] = _CUSTOM_KINDS[field.field_type]
    return kinds


def _typed(kind: str, value: Any) -> Any:
    """A stored row value, or a record's value, as Python compares it."""
    if value is None or value == "":
        return None
    if kind in ("number", "money"):
        return Decimal(str(value))
    if kind == "date":
        return value if isinstance(value, datetime.date) else parse_date(str(value))
    if kind == "datetime":
        return value if isinstance(value, datetime.datetime) else parse_datetime(str(value))
    if kind in ("dictionary", "user"):
        return int(value)
    if kind == "bool":
        return bool(value)
    return value if kind == "text" else str(value)


def _bounds(kind: str, op: str, days: int | None, now: datetime.datetime) -> tuple[Any, Any]:
    """(lowest, highest) of a relative date row; None for an open end. A date compares with
    today in the active time zone, a time with now."""
    base: Any = timezone.localdate(now) if kind == "date" else now
    if op == "older_than_days":
        return None, base - datetime.timedelta(days=days or 0)
    if op == "within_days":
        return base, base + datetime.timedelta(days=days or 0)
    return None, base  # overdue


def _record_value(obj, name: str, kind: str) -> Any:
    if name.startswith(CUSTOM):
        return _typed(kind, (obj.custom_field_data or {}).get(name[len(CUSTOM) :]))
    # Typed as stored: a proposed change may hold what a person typed ("120000").
    return _typed(kind, getattr(obj, obj._meta.get_field(name).attname))


def _row_holds(have: Any, kind: str, op: str, value: Any, now: datetime.datetime) -> bool:
    if op == "empty":
        return have is None
    if op == "not_empty":
        return have is not None
    if op == "ne":
        return have is None or have != _typed(kind, value)
    if have is None:
        return False
    if op in _RELATIVE:
        low, high = _bounds(kind, op, value, now)
        if op == "within_days":
            return low <= have <= high
        return have < high
    if op == "contains":
        return str(value).lower() in str(have).lower()
    if op == "in":
        return have in [_typed(kind, one) for one in value]
    wanted = _typed(kind, value)
    return {
        "eq": have == wanted,
        "gt": have > wanted,
        "gte": have >= wanted,
        "lt": have < wanted,
        "lte": have <= wanted,
    }[op]


def holds(obj, rows: list[dict], *, now: datetime.datetime | None = None) -> bool:
    """Whether every (validated) row holds for the record as it is in memory."""
    if not rows:
        return True
    kinds = _kinds(obj._meta.model_name)
    now = now or timezone.now()
    return all(
        _row_holds(
            _record_value(obj, row["field"], kinds[row["field"]]),
            kinds[row["field"]],
            row["op"],
            row["value"],
            now,
        )
        for row in rows
    )


_LOOKUPS = {
    "eq": Exact,
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
    "lt": LessThan,
    "lte": LessThanOrEqual,
}
_CASTS: dict[str, models.Field] = {
    "number": models.DecimalField(max_digits=30, decimal_places=6),
    "money": models.DecimalField(max_digits=30, decimal_places=6),
    "datetime": models.DateTimeField(),
    "user": models.BigIntegerField(),
}


def _custom_q(name: str, kind: str, op: str, value: Any, now: datetime.datetime) -> Q:
    """A row on a custom field: its JSON key read as text, cast for numbers and times.
    A missing key, a JSON null and "" are empty; only other values are compared (SQLite
    reads a JSON null as the text "null")."""
    key = f"custom_field_data__{name}"
    empty = Q(**{f"{key}__isnull": True}) | Q(**{key: None}) | Q(**{key: ""})
    if op == "empty":
        return empty
    if op == "not_empty":
        return ~empty
    if kind == "bool":
        return Q(**{key: bool(value)})
    text = KT(key)
    column = Cast(text, _CASTS[kind]) if kind in _CASTS else text

    def param(one: Any) -> Any:
        typed = _typed(kind, one)
        return typed.isoformat() if kind == "date" else typed

    if op == "ne":
        return empty | ~Q(Exact(column, param(value)))
    if op in _RELATIVE:
        low, high = _bounds(kind, op, value, now)
        compared = Q(LessThan(column, param(high)))
        if op == "within_days":
            compared = Q(GreaterThanOrEqual(column, param(low))) & Q(
                LessThanOrEqual(column, param(high))
            )
    elif op == "contains":
        compared = Q(IContains(text, value))
    elif op == "in":
        compared = Q(In(column, [param(one) for one in value]))
    else:
        compared = Q(_LOOKUPS[op](column, param(value)))
    return ~empty & compared


def _model_q(model, name: str, kind: str, op: str, value: Any, now: datetime.datetime) -> Q:
    """A row on a model field, by the field's own lookups."""
    field = model._meta.get_field(name)
    column = field.attname
    empty = Q(**{f"{column}__isnull": True})
    if isinstance(field, models.CharField | models.TextField):
        empty |= Q(**{column: ""})
    if op == "empty":
        return empty
    if op == "not_empty":
        return ~empty
    if op == "ne":
        return empty | ~Q(**{column: _typed(kind, value)})
    if op in _RELATIVE:
        low, high = _bounds(kind, op, value, now)
        if op == "within_days":
            return Q(**{f"{column}__range": (low, high)})
        return Q(**{f"{column}__lt": high})
    if op == "contains":
        return Q(**{f"{column}__icontains": value})
    if op == "in":
        return Q(**{f"{column}__in": [_typed(kind, one) for one in value]})
    if kind == "number" and not isinstance(field, models.DecimalField):
        # A whole-number column compared with 2.5 must not round the 2.5 away.
        return Q(_LOOKUPS[op](Cast(column, _CASTS["number"]), _typed(kind, value)))
    lookup = "exact" if op == "eq" else op
    return Q(**{f"{column}__{lookup}": _typed(kind, value)})


def as_q(model, rows: list[dict], *, now: datetime.datetime | None = None) -> Q:
    """The same (validated) rows as one database filter on `model`, on PostgreSQL and
    SQLite alike; custom fields are read from their JSON keys."""
    kinds = _kinds(model._meta.model_name)
    now = now or timezone.now()
    q = Q()
    for row in rows:
        name, op, value = row["field"], row["op"], row["value"]
        kind = kinds[name]
        if name.startswith(CUSTOM):
            q &= _custom_q(name[len(CUSTOM) :], kind, op, value, now)
        else:
            q &= _model_q(model, name, kind, op, value, now)
    return q


# Description ----------------------------------------------------------------------------


def _shown(field: ConditionField, value: Any) -> str:
    """A row value as the active language writes it."""
    typed = _typed(field.kind, value)
    if field.kind == "money":
        return money.to_text(money.Money(typed, money.company_currency()))
    if field.kind == "number":
        return formats.number_format(typed, use_l10n=True, force_grouping=True)
    if field.kind in ("date", "datetime"):
        return formats.localize(timezone.localtime(typed) if field.kind == "datetime" else typed)
    if field.kind in ("choice", "dictionary"):
        return dict(field.choices).get(str(value), str(value))
    if field.kind == "user":
        user = get_user_model().objects.filter(pk=typed).first()
        return str(user) if user else str(value)
    if field.kind == "bool":
        return _("Yes") if typed else _("No")
    return f"“{typed}”"


def describe(type_key: str, rows: list[dict]) -> list[str]:
    """Each row read out in the active language: "Credit limit > ¥100,000",
    "Updated at more than 30 days ago"."""
    known = _fields_by_name(type_key)
    lines = []
    for row in rows:
        field = known.get(row["field"])
        op, value = row["op"], row["value"]
        label = field.label if field else row["field"]
        if field is None:
            lines.append(_("%(field)s (a field no longer offered)") % {"field": label})
        elif op in _SYMBOLS:
            lines.append(f"{label} {_SYMBOLS[op]} {_shown(field, value)}")
        elif op == "in":
            values = " / ".join(_shown(field, one) for one in value)
            lines.append(_("%(field)s is one of %(values)s") % {"field": label, "values": values})
        elif op == "contains":
            lines.append(
                _("%(field)s contains %(value)s") % {"field": label, "value": _shown(field, value)}
            )
        elif op == "older_than_days":
            text = _("%(field)s more than %(days)d days ago")
            lines.append(text % {"field": label, "days": value})
        elif op == "within_days":
            lines.append(
                _("%(field)s within the next %(days)d days") % {"field": label, "days": value}
            )
        else:
            lines.append(
                {
                    "overdue": _("%(field)s is past"),
                    "empty": _("%(field)s is empty"),
                    "not_empty": _("%(field)s is not empty"),
                }[op]
                % {"field": label}
            )
    return lines
