"""Masking of personal numbers (phones, mobiles, ID numbers): 138****5678.

A registered type names its sensitive fields (`ObjectType.masked`). Pages (lists, detail,
timelines) show them masked to everyone; a holder of the "unmask" special permission shows
one value in full with an explicit action, written to `Disclosure`. Exports and the API
give holders the values and everyone else the masked text. Sending the masked text back
(forms, API) keeps the stored value. Search and sorting tell a user without "unmask"
nothing the masked text does not show (crm.core.search).
"""

from __future__ import annotations

from typing import Any

from crm.core import access

MASK = "****"


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


def on_pages(object_type) -> frozenset[str]:
    """The fields pages show masked (to everyone; holders may reveal one)."""
    return frozenset(getattr(object_type, "masked", ()) or ())


def for_data(object_type, user) -> frozenset[str]:
    """The fields exports, the API and sorting mask for `user`."""
    return frozenset() if access.has_special(user, "unmask") else on_pages(object_type)


def is_masked_echo(value: Any, current: Any) -> bool:
    """Whether a submitted value is just the masked form of the stored one (keep the stored)."""
    return bool(current) and str(value or "") == mask(current)
