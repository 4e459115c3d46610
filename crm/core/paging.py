"""Keyset pagination: pages cost the same at any depth (no OFFSET)."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import connections
from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from crm.core.errors import BadParameter


@dataclass(frozen=True)
class Page:
    rows: list[dict]
    next_cursor: str | None
    prev_cursor: str | None


# Cursors are signed: a cursor the CRM did not write is refused before it reaches a query,
# so no tampered value (an infinite number, a 30-digit id, text for a date) gets that far.
_SIGNER = signing.Signer(salt="crm.core.paging")


def _encode(field: str, value, pk: int, backwards: bool) -> str:
    if isinstance(value, datetime.datetime):
        value = {"dt": value.isoformat()}
    elif isinstance(value, datetime.date):
        value = {"d": value.isoformat()}
    elif isinstance(value, decimal.Decimal):
        value = {"n": str(value)}
    return _SIGNER.sign_object([field, value, pk, backwards])


def _decode(cursor: str, field: str):
    """The position a cursor of this ordering's field points at (value, id, backwards)."""
    try:
        name, value, pk, backwards = _SIGNER.unsign_object(cursor)
        if name != field:
            raise ValueError(name)
        if isinstance(value, dict):
            ((kind, text),) = value.items()
            parsers: dict[str, Callable[[str], Any]] = {
                "dt": parse_datetime,
                "d": parse_date,
                "n": decimal.Decimal,
            }
            value = parsers[kind](text)
        return value, int(pk), bool(backwards)
    except (signing.BadSignature, ValueError, TypeError, KeyError) as error:
        raise BadParameter(
            "cursor", _("This page link is not valid any more: start again from the first page.")
        ) from error


def paginate(
    queryset,
    ordering: str,
    *,
    fields: list[str],
    limit: int,
    cursor: str | None = None,
    parts: list | None = None,
) -> Page:
    """One page of `queryset` ordered by `ordering` then id, as `values(*fields)` rows.

    `ordering` is a field name, "-" for descending, on a column that is never NULL; a
    field with a sort key (the model's `sort_keys`: a name in pinyin order) is ordered by
    the key. A cursor this ordering did not write answers BadParameter (400). `parts`: the
    same rows as disjoint querysets (crm.core.access.visible_parts), each read in order,
    then merged.
    """
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    field = getattr(queryset.model, "sort_keys", {}).get(field, field)
    position = _decode(cursor, field) if cursor else None
    backwards = bool(position and position[2])
    forward_desc = descending != backwards
    after = Q()
    if position:
        value, pk, _ = position
        op = "lt" if forward_desc else "gt"
        # The first condition bounds the index scan (it starts at the cursor); the OR
        # alone would be a filter over every row before it, page after page.
        after = Q(**{f"{field}__{op}e": value}) & (
            Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"pk__{op}": pk})
        )
    sign = "-" if forward_desc else ""
    values = list(dict.fromkeys(["id", field, *fields]))
    pieces = [
        piece.filter(after).order_by(f"{sign}{field}", f"{sign}id").values(*values)[: limit + 1]
        for piece in _pieces(queryset, parts)
    ]
    if len(pieces) > 1:
        merged = pieces[0].union(*pieces[1:], all=True)
        rows = list(merged.order_by(f"{sign}{field}", f"{sign}id")[: limit + 1])
    else:
        rows = list(pieces[0])
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = more if not backwards else True
    has_prev = (more if backwards else bool(position)) and bool(rows)
    next_cursor = (
        _encode(field, rows[-1][field], rows[-1]["id"], False) if rows and has_next else None
    )
    prev_cursor = _encode(field, rows[0][field], rows[0]["id"], True) if has_prev else None
    return Page(rows, next_cursor, prev_cursor)


def capped_count(queryset, cap: int, parts: list | None = None) -> tuple[int, bool]:
    """The number of rows up to `cap`, and whether there are more (`parts` as in paginate)."""
    pieces = [piece.order_by().values("pk")[: cap + 1] for piece in _pieces(queryset, parts)]
    n = (pieces[0].union(*pieces[1:], all=True) if len(pieces) > 1 else pieces[0]).count()
    return min(n, cap), n > cap


def _pieces(queryset, parts: list | None) -> list:
    """The querysets to read: the parts where the database can limit and order each part
    of a UNION (PostgreSQL; SQLite reads `queryset` whole)."""
    features = connections[queryset.db].features
    if (
        not parts
        or len(parts) < 2
        or not features.supports_slicing_ordering_in_compound
        or queryset.query.is_empty()
    ):
        return [queryset]
    return parts
