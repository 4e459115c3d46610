"""Inserting many new rows at once (imports): COPY on PostgreSQL, batched INSERTs elsewhere.

COPY streams rows through psycopg's C dumpers, several times faster than an INSERT of
the same rows as parameter arrays. Primary keys are taken from the table's sequence first,
so the objects have them afterwards as with `bulk_create`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, models

from crm.core.models import SortKeyField


def _getter(field: models.Field, conn) -> Callable[[models.Model], Any]:
    """How to read a field's value for COPY: timestamps filled in as a save would, JSON
    through Django's adapter, sort keys worked out from their field, everything else as
    the attribute holds it (psycopg adapts str, int, bool, Decimal, date and datetime)."""
    computed = isinstance(field, SortKeyField)
    if computed or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, add=True)
    if isinstance(field, models.JSONField):
        return lambda obj: field.get_db_prep_save(getattr(obj, field.attname), conn)
    return attrgetter(field.attname)


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert new `objs` of `model`, filling auto fields (timestamps) and primary keys."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._base_manager.bulk_create(objs)
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    getters = [_getter(f, connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, len(objs)])
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row([get(obj) for get in getters])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = "default"
