"""What the change log keeps of a record: its tracked values, JSON-friendly, and their diff."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models


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
