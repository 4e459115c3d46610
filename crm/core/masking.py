"""Masking of personal numbers (phones, mobiles, ID numbers): 138****5678.

A registered type names its sensitive fields (`ObjectType.masked`). Pages (lists, detail,
timelines) show them masked to everyone; a holder of the "unmask" special permission shows
one value in full with an explicit action, written to `Disclosure`. Exports and the API
give holders the values and everyone else the masked text. Sending the masked text back
(forms, API) keeps the stored value.
"""

from __future__ import annotations

from typing import Any

from crm.core import access

MASK = "****"


def mask(value: Any) -> str:
    """Keep the first 3 and last 4 characters of a number (fewer for short ones)."""
    text = str(value or "")
    if not text:
        return ""
    keep_head, keep_tail = (3, 4) if len(text) >= 10 else (1, 2) if len(text) >= 5 else (0, 1)
    return f"{text[:keep_head]}{MASK}{text[len(text) - keep_tail :]}"


def on_pages(object_type) -> frozenset[str]:
    """The fields pages show masked (to everyone; holders may reveal one)."""
    return frozenset(getattr(object_type, "masked", ()) or ())


def for_data(object_type, user) -> frozenset[str]:
    """The fields exports and the API mask for `user`."""
    return frozenset() if access.has_special(user, "unmask") else on_pages(object_type)


def is_masked_echo(value: Any, current: Any) -> bool:
    """Whether a submitted value is just the masked form of the stored one (keep the stored)."""
    return bool(current) and str(value or "") == mask(current)
