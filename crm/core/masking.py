"""Masking of personal numbers (phones, mobiles, ID numbers): 138****5678.

A registered type names its sensitive fields (`ObjectType.masked`); custom fields are
masked by their kind (crm.customization.custom_fields.MASKED_KINDS). Pages (lists, detail,
timelines) show them masked to everyone; a holder of the "unmask" special permission shows
one value in full with an explicit action, written to `Disclosure`. Exports and the API
give holders the values and everyone else the masked text. Sending the masked text back
(forms, API, imports) keeps the stored value. Search, filters and sorting tell a user
without "unmask" nothing the masked text does not show (crm.core.search).
"""

from __future__ import annotations

from typing import Any

from crm.core import access, extensions

MASK = "****"
CUSTOM = "cf."  # a custom field among masked names, as its list column is named


def _kept(length: int) -> tuple[int, int]:
    return (3, 4) if length >= 10 else (1, 2) if length >= 5 else (0, 1)


def visible_ends(value: Any) -> tuple[str, str]:
    """The head and tail of a number that its masked form shows."""
    text = str(value or "")
    head, tail = _kept(len(text))
    return text[:head], text[len(text) - tail :]


def mask(value: Any) -> str:
    """Keep the first 3 and last 4 characters of a number (fewer for short ones)."""
    if not value:
        return ""
    head, tail = visible_ends(value)
    return f"{head}{MASK}{tail}"


def custom_names(model) -> frozenset[str]:
    """The names of a model's custom fields whose kind is masked."""
    masked_names = extensions.customization().masked_names

    return masked_names(model)


def on_pages(object_type) -> frozenset[str]:
    """The fields pages show masked (to everyone; holders may reveal one): the type's own by
    name, its custom fields as `cf.<name>`."""
    own = frozenset(getattr(object_type, "masked", ()) or ())
    return own | {CUSTOM + name for name in custom_names(object_type.model)}


def for_data(object_type, user) -> frozenset[str]:
    """The fields exports, the API, filters and sorting mask for `user`."""
    return frozenset() if access.has_special(user, "unmask") else on_pages(object_type)


def mask_custom(data: Any, hidden) -> Any:
    """Custom field values (a dict) with those named in `hidden` masked, as a copy."""
    if not isinstance(data, dict):
        return data
    return {k: mask(v) if v and CUSTOM + k in hidden else v for k, v in data.items()}


def mask_row(row: dict, hidden) -> dict:
    """A `values()` row with the fields in `hidden` masked, custom ones included."""
    for name in hidden:
        if row.get(name):
            row[name] = mask(row[name])
    if row.get("custom_field_data"):
        row["custom_field_data"] = mask_custom(row["custom_field_data"], hidden)
    return row


def is_masked_echo(value: Any, current: Any) -> bool:
    """Whether a submitted value is just the masked form of the stored one (keep the stored)."""
    return bool(current) and str(value or "") == mask(current)


def without_echoes(sent: dict, stored: dict, hidden) -> dict:
    """Submitted custom field values, less the masked echoes of stored ones in `hidden`."""
    return {
        k: v
        for k, v in sent.items()
        if not (CUSTOM + k in hidden and is_masked_echo(v, stored.get(k)))
    }
