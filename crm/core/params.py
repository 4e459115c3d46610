"""Typed reading of request parameters: a value that cannot be read is `BadParameter`
(400 on pages and in the API), never a database error or a 500."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from crm.core.errors import BadParameter

# Ids are 64-bit integers in PostgreSQL and SQLite alike.
MAX_ID = 2**63 - 1


def record_id(value: str | None, name: str) -> int:
    """A record id: digits, within the range of a database id."""
    text = (value or "").strip()
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    raise BadParameter(name, _("“%(value)s” is not a record id.") % {"value": text[:40]})


def record_ids(values: list[str], name: str) -> list[int]:
    """Several record ids (each as in `record_id`)."""
    return [record_id(value, name) for value in values]


def moment(value: str | None, name: str) -> datetime.datetime | None:
    """An ISO date and time (naive ones in the current time zone), or None when empty."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise BadParameter(name, _("“%(value)s” is not a date and time.") % {"value": value[:40]})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
