"""What the change log keeps of a record (its tracked values, JSON-friendly, and their
diff), and how people read it back (`Reader`)."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, TypeAlias

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from crm.core import extensions, money, registry
from crm.core.lists import DateTexts, display
from crm.core.masking import CUSTOM, mask


def plain(field: models.Field[Any, Any], value: Any) -> Any:
    """A field's value as the change log keeps it: dates as ISO text, decimals as text to
    their field's places (so 2 typed and 2.00 stored are the same value)."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(field, models.DecimalField) and value is not None:
        try:
            places = decimal.Decimal(1).scaleb(-(field.decimal_places or 0))
            return str(decimal.Decimal(value).quantize(places))
        except (ArithmeticError, ValueError, TypeError):
            return str(value)  # not a number yet: its field rule will say so
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The tracked field values of `obj`, by attribute name."""
    data: dict[str, Any] = {}
    skip = set(getattr(obj, "untracked_fields", ()))
    for f in obj._meta.concrete_fields:
        if f.primary_key or f.name in skip:
            continue
        data[f.attname] = plain(f, f.value_from_object(obj))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value changed, as {name: [before, after]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


# ------------------------------------------------------------------------ reading changes

EMPTY = "—"
ModelType: TypeAlias = type[models.Model]
AnyField: TypeAlias = "models.Field[Any, Any]"

# Keys the change log keeps that are not fields of the record (written by services).
_OTHER_KEYS = {
    "attachment": _("attachment"),
    "collaborator": _("collaborator"),
    "shared_with": _("shared with"),
    "steps": _("approval steps"),
}


@dataclass(frozen=True)
class ChangedValue:
    """One changed value as people read it: its label, before and after ("—" for none)."""

    label: str
    before: str
    after: str


def _pair(stored: Any) -> tuple[Any, Any]:
    """(before, after) of a stored change; a purge keeps the last values alone."""
    if isinstance(stored, list) and len(stored) == 2:
        return stored[0], stored[1]
    return None, stored


# Keys services write on any record that are read like a field (an approval's step).
_KEY_FIELDS: dict[str, AnyField] = {}


def describe_key(name: str, field: AnyField, text: Callable[[Any], str] | None = None) -> None:
    """Read the stored key `name`, on a record of any type, as `field` (label, choices), its
    values with `text(value)` when given (in the reader's language)."""
    field.name = name
    _KEY_FIELDS[name] = field
    if text is not None:
        _VALUE_TEXTS[(None, name)] = text


# Fields whose stored values their app reads out (an approval process's conditions).
_VALUE_TEXTS: dict[tuple[ModelType | None, str], Callable[[Any], str]] = {}


def describe_values(model: ModelType, name: str, text: Callable[[Any], str]) -> None:
    """Read the stored values of `model`'s field `name` with `text(value)`."""
    _VALUE_TEXTS[(model, name)] = text


def _field(model: ModelType | None, name: str) -> AnyField | None:
    """The concrete field a stored key names (by name or by its column's attname)."""
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            field = model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
        return field if isinstance(field, models.Field) else None  # not a reverse relation
    return _KEY_FIELDS.get(name)


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def custom_text(
    field: Any,
    value: Any,
    item_labels: dict[Any, str],
    dates: DateTexts,
    people: dict[Any, str] | None = None,
) -> str:
    """A custom field's value as pages show it (`item_labels`: dictionary labels by
    (dictionary id, code), as extensions.customization().item_labels gives them;
    `people`: names by user id, for a field that names a user)."""
    if _is_empty(value):
        return ""
    kind = field.field_type
    if kind == "user":
        return (people or {}).get(value, f"#{value}")
    if kind in ("choice", "multichoice"):
        values = value if isinstance(value, list) else [value]
        return ", ".join(item_labels.get((field.dictionary_id, v), str(v)) for v in values if v)
    if kind in ("date", "datetime") and isinstance(value, str):
        moment = parse_datetime(value) if kind == "datetime" else parse_date(value)
        return dates.text(moment) if moment else value
    return display(kind, value)


class Reader:
    """Stored changes as people read them, for the change log page and the timeline: each
    field by its label, values as the pages show them (people's names, dictionary and
    choice labels in the reader's language, dates in their format), custom fields each by
    its own label and document lines line by line, never a Python repr.

    Built over every change to show at once, so the records they name are read in one
    query per related model (`changes`: pairs of the changed model and its stored diff)."""

    def __init__(self, changes: Iterable[tuple[ModelType | None, dict[str, Any]]]) -> None:
        self.dates = DateTexts()
        self._custom: dict[ModelType, tuple[dict[str, Any], dict[Any, str]]] = {}
        wanted: dict[Any, set[int]] = {}
        for model, diff in changes:
            for name, stored in (diff or {}).items():
                values = list(_pair(stored))
                line_model = _line_model(model) if name == "lines" else None
                if name == "custom_field_data" and model is not None:
                    self._want_people(model, values, wanted)
                elif line_model is not None:
                    lines = [line for side in values if isinstance(side, list) for line in side]
                    self._want(line_model, lines, wanted)
                else:
                    self._want(model, [{name: value} for value in values], wanted)
        self._names = {
            related: {o.pk: str(o) for o in related._base_manager.filter(pk__in=ids)}
            for related, ids in wanted.items()
        }

    def _want_people(
        self, model: ModelType, values: list[Any], wanted: dict[Any, set[int]]
    ) -> None:
        """The users that custom fields naming a user point at."""
        names = [f.name for f in self._custom_fields(model)[0].values() if f.field_type == "user"]
        for data in values:
            for name in names if isinstance(data, dict) else ():
                if isinstance(data.get(name), int):
                    wanted.setdefault(get_user_model(), set()).add(data[name])

    @staticmethod
    def _want(model: ModelType | None, rows: list[Any], wanted: dict[Any, set[int]]) -> None:
        for row in rows:
            for name, value in row.items() if isinstance(row, dict) else ():
                field = _field(model, name)
                if isinstance(field, models.ForeignKey) and isinstance(value, int):
                    wanted.setdefault(field.related_model, set()).add(value)

    def rows(
        self, model: ModelType | None, diff: dict[str, Any], hidden: frozenset[str] = frozenset()
    ) -> list[ChangedValue]:
        """The changed values of one stored diff; those in `hidden` (field names, custom
        ones as `cf.<name>`, see crm.core.masking) masked."""
        rows: list[ChangedValue] = []
        for name, stored in _in_field_order(model, diff or {}):
            before, after = _pair(stored)
            line_model = _line_model(model) if name == "lines" else None
            if name == "custom_field_data" and model is not None:
                rows += self._custom_rows(model, before, after, hidden)
            elif line_model is not None:
                rows += self._line_rows(line_model, before, after)
            else:
                field = _field(model, name)
                label = self._label(field, name)
                texts = [self.text(field, value) for value in (before, after)]
                if name in hidden or (field is not None and field.name in hidden):
                    texts = [mask(text) for text in texts]
                rows += _row(label, *texts)
        return rows

    @staticmethod
    def _label(field: AnyField | None, name: str) -> str:
        if field is not None:
            return str(capfirst(field.verbose_name))
        return str(capfirst(_OTHER_KEYS.get(name, name.replace("_", " "))))

    def text(self, field: AnyField | None, value: Any) -> str:
        """One stored value of `field` as people read it ("" for none)."""
        if _is_empty(value):
            return ""
        if field is None:
            return _plain_text(value)
        # A model's field, or a key services write (its field bound to no model).
        told = _VALUE_TEXTS.get((getattr(field, "model", None), field.name))
        if told is not None:
            return told(value)
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.ForeignKey):
            return self._names.get(field.related_model, {}).get(value, f"#{value}")
        if isinstance(field, models.BooleanField):
            return display("bool", value)
        if isinstance(value, str) and isinstance(field, models.DateField):
            moment = (
                parse_datetime(value)
                if isinstance(field, models.DateTimeField)
                else parse_date(value)
            )
            return self.dates.text(moment) if moment else value
        if isinstance(field, models.DecimalField):
            return number_text(field, value)
        return _plain_text(value)

    def _custom_fields(self, model: ModelType) -> tuple[dict[str, Any], dict[Any, str]]:
        """The model's custom fields by name and their dictionaries' labels."""
        if model not in self._custom:
            fields = {f.name: f for f in extensions.customization().fields_for(model)}
            dictionaries = {f.dictionary_id for f in fields.values() if f.dictionary_id}
            self._custom[model] = (fields, extensions.customization().item_labels(dictionaries))
        return self._custom[model]

    def _custom_rows(
        self, model: ModelType, before: Any, after: Any, hidden: frozenset[str]
    ) -> list[ChangedValue]:
        definitions, item_labels = self._custom_fields(model)
        people = self._names.get(get_user_model(), {})
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        names = [n for n in definitions if n in before or n in after]
        names += [n for n in {**before, **after} if n not in definitions]
        rows = []
        for name in names:
            was, now = before.get(name), after.get(name)
            if was == now:
                continue
            field = definitions.get(name)
            if field is None:  # a custom field since removed
                label, texts = name, [self.text(None, v) for v in (was, now)]
            else:
                label = field.label
                texts = [custom_text(field, v, item_labels, self.dates, people) for v in (was, now)]
            if CUSTOM + name in hidden:
                texts = [mask(text) for text in texts]
            rows += _row(str(label), *texts)
        return rows

    def _line_rows(self, line_model: ModelType, before: Any, after: Any) -> list[ChangedValue]:
        """Lines compared position by position: a changed line by its changed fields, an
        added or removed one with all its values."""
        name = capfirst(line_model._meta.verbose_name)
        rows = []
        was_lines = before if isinstance(before, list) else []
        now_lines = after if isinstance(after, list) else []
        for number, (was, now) in enumerate(zip_longest(was_lines, now_lines), start=1):
            if was == now:
                continue
            if was and now:
                for key, _ in _in_field_order(line_model, {**was, **now}):
                    if was.get(key) != now.get(key):
                        field = _field(line_model, key)
                        label = f"{name} {number} · {self._label(field, key)}"
                        rows += _row(
                            label, self.text(field, was.get(key)), self.text(field, now.get(key))
                        )
            else:
                rows += _row(
                    f"{name} {number}",
                    self._line_text(line_model, was),
                    self._line_text(line_model, now),
                )
        return rows

    def _line_text(self, line_model: ModelType, line: Any) -> str:
        if not isinstance(line, dict):
            return ""
        parts = []
        for key, value in _in_field_order(line_model, line):
            field = _field(line_model, key)
            text = self.text(field, value)
            if text:
                parts.append(f"{self._label(field, key)}: {text}")
        return ", ".join(parts)


def _in_field_order(model: ModelType | None, values: dict[str, Any]) -> list[tuple[str, Any]]:
    """The stored values in the order of the model's fields (the database keeps JSON keys
    in an order of its own), then custom fields and lines, as the forms show them."""
    order: dict[str, int] = {}
    if model is not None:
        for position, field in enumerate(model._meta.concrete_fields):
            order[field.name] = order[field.attname] = position
    order.pop("custom_field_data", None)
    return sorted(values.items(), key=lambda item: order.get(item[0], len(order)))


def _row(label: str, before: str, after: str) -> list[ChangedValue]:
    """The row of a changed value, none when both sides are empty."""
    if not before and not after:
        return []
    return [ChangedValue(label, before or EMPTY, after or EMPTY)]


def _plain_text(value: Any) -> str:
    """A value without a field to go by: lists and mappings as readable text."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain_text(v)}" for k, v in value.items() if not _is_empty(v))
    if isinstance(value, list):
        return ", ".join(_plain_text(v) for v in value if not _is_empty(v))
    if isinstance(value, bool):
        return display("bool", value)
    return str(value)


def _line_model(model: ModelType | None) -> ModelType | None:
    object_type = registry.for_model(model) if model is not None else None
    spec = object_type.lines if object_type is not None else None
    return spec.model if spec is not None else None


def number_text(field: models.DecimalField[Any, Any], value: Any) -> str:
    """A decimal as the user's language writes it: an amount to its places (1,234.50), a
    quantity or a rate without trailing zeros (1.5, not 1.5000)."""
    try:
        number = decimal.Decimal(str(value))
    except ArithmeticError:
        return str(value)
    places = field.decimal_places or 0
    if places > 2 or not isinstance(field, money.AmountField):
        exponent = number.normalize().as_tuple().exponent
        places = min(places, max(0, -exponent)) if isinstance(exponent, int) else 0
    return formats.number_format(number, places, use_l10n=True, force_grouping=True)
