"""Rollups (汇总): a type's live records counted and summed by a few of their fields, in a
table of its own (`registry.Rollup`), so a board's headers and a funnel over a million
opportunities read a few rows per owner instead of every record.

The write path keeps the table exact: every save, batch, delete and restore of the type
(crm.core.services) applies the change of each record's share (one row per key: the
count and sums of the live records holding it) in the write's own transaction, one upsert
per key touched, in key order so concurrent writes never deadlock. `rebuild` recounts the
table from the records (after a load written straight into the database).

`grouped` answers counts and sums for what a user sees: every key row for a company-wide
scope, the rows of the owners in their scope otherwise, plus the few records shared with
them or that they collaborate on, summed from the records themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Count, Sum

from crm.core import access, registry
from crm.core.registry import ObjectType, Rollup

# What a record's share is keyed by, and its count then sums.
Key = tuple[Any, ...]
Share = list[Any]


def _empty(value: Any) -> Any:
    """A key column holds no NULL (a unique key would not match it): 0 stands for none."""
    return value if value is not None else 0


def _key(rollup: Rollup, values: dict[str, Any]) -> Key:
    return tuple(_empty(values.get(field)) for field in rollup.keys.values())


def _share(rollup: Rollup, values: dict[str, Any]) -> tuple[Key, Share] | None:
    """What a record (its field values by attname) adds to the rollup; None when it adds
    nothing (not stored, or in the recycle bin)."""
    if not values or values.get("deleted_at") is not None:
        return None
    sums = [Decimal(values.get(field) or 0) for field in rollup.sums.values()]
    return _key(rollup, values), [1, *sums]


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: f.value_from_object(obj) for f in obj._meta.concrete_fields}


def apply(model: type[models.Model], writes: Sequence[tuple[dict[str, Any], Any]]) -> None:
    """Keep `model`'s rollup up with `writes`: each (the record's stored values before the
    write, by attname, {} for a new one; the record as written)."""
    object_type = registry.for_model(model)
    rollup = object_type.rollup if object_type else None
    if rollup is None or not writes:
        return
    deltas: dict[Key, Share] = {}
    for before, obj in writes:
        for share, sign in ((_share(rollup, before), -1), (_share(rollup, _values(obj)), 1)):
            if share is not None:
                key, amounts = share
                total = deltas.setdefault(key, [0] * len(amounts))
                for i, amount in enumerate(amounts):
                    total[i] += sign * amount
    changed = sorted((k, v) for k, v in deltas.items() if any(v))
    if changed:
        _upsert(rollup, changed)


def _upsert(rollup: Rollup, rows: list[tuple[Key, Share]]) -> None:
    table = connection.ops.quote_name(rollup.model._meta.db_table)
    quote = connection.ops.quote_name
    keys = [quote(name) for name in rollup.keys]
    counted = [quote(name) for name in ("records", *rollup.sums)]
    placeholders = ", ".join(["%s"] * (len(keys) + len(counted)))
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counted)
    # Names from the type's declaration, quoted; values as parameters.
    sql = (
        f"INSERT INTO {table} ({', '.join(keys + counted)}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*key, *share) for key, share in rows])


def rebuild(object_type: ObjectType) -> int:
    """Recount the type's rollup from its live records; the number of key rows."""
    rollup = object_type.rollup
    assert rollup is not None  # only a type with a rollup is recounted
    fields = list(rollup.keys.values())
    sums = {f"_sum_{name}": Sum(field) for name, field in rollup.sums.items()}
    grouped = (
        object_type.model.objects.order_by()
        .values(*fields)
        .annotate(_records=Count("pk"), **sums)
        .values_list(*fields, "_records", *sums)
    )
    shares: dict[Key, Share] = {}
    for row in grouped.iterator(chunk_size=5000):
        key = tuple(_empty(value) for value in row[: len(fields)])
        counted = [row[len(fields)], *(value or Decimal(0) for value in row[len(fields) + 1 :])]
        total = shares.setdefault(key, [0] * len(counted))
        for i, value in enumerate(counted):
            total[i] += value
    rollup.model.objects.all().delete()
    rollup.model.objects.bulk_create(
        (
            rollup.model(
                **dict(zip(rollup.keys, key, strict=True)),
                records=share[0],
                **dict(zip(rollup.sums, share[1:], strict=True)),
            )
            for key, share in sorted(shares.items())
        ),
        batch_size=2000,
    )
    return len(shares)


def grouped(
    object_type: ObjectType,
    user: Any,
    by: Sequence[str],
    where: dict[str, Iterable[Any]],
    sums: Sequence[str],
) -> list[dict[str, Any]] | None:
    """The count and sums of `sums` (see `counted`) of the live records `user` sees,
    grouped by the record fields `by` (attnames), kept to those whose fields in `where`
    hold one of its values. None when the type's rollup cannot answer it (no rollup, a
    field it does not keep, or a type not seen by owner)."""
    rollup = object_type.rollup
    if rollup is None:
        return None
    keys, kept_sums = [*by, *where], set(rollup.sums.values())
    if not set(keys) <= set(rollup.keys.values()) or not set(sums) <= kept_sums:
        return None
    scope = access.owner_scope(object_type.model, user)
    if scope is None:
        return None
    owners, granted = scope
    column = rollup.column
    rows = rollup.model.objects.filter(
        records__gt=0, **{f"{column(field)}__in": list(v) for field, v in where.items()}
    )
    if owners is not None:
        rows = rows.filter(owner__in=sorted(owners))
    found: dict[Key, dict[str, Any]] = {}
    read = rows.order_by().values(*(column(field) for field in by))
    summed = {f"sum_{field}": Sum(column(field)) for field in sums}
    for row in read.annotate(_records=Sum("records"), **summed):
        values = {field: row[column(field)] for field in by}
        found[_key_of(values, by)] = {**values, "records": row["_records"], **_sums(row, sums)}
    for row in counted(granted, by, where, sums):
        total = found.setdefault(
            _key_of(row, by), {**{f: _empty(row[f]) for f in by}, "records": 0}
        )
        total["records"] += row["records"]
        for name, value in _sums(row, sums).items():
            total[name] = total.get(name, Decimal(0)) + value
    return list(found.values())


def counted(
    records: models.QuerySet,
    by: Sequence[str],
    where: dict[str, Iterable[Any]],
    sums: Sequence[str],
) -> list[dict[str, Any]]:
    """`records` kept to `where` and grouped by `by`: each group's fields, its count
    (`records`) and its sums (`sum_<field>`, 0 for none), straight from the records."""
    rows = (
        records.filter(**{f"{field}__in": list(v) for field, v in where.items()})
        .order_by()
        .values(*by)
        .annotate(records=Count("pk"), **{f"sum_{field}": Sum(field) for field in sums})
    )
    return [{**row, **_sums(row, sums)} for row in rows]


def _key_of(row: dict[str, Any], by: Sequence[str]) -> Key:
    return tuple(_empty(row[field]) for field in by)


def _sums(row: dict[str, Any], sums: Sequence[str]) -> dict[str, Decimal]:
    return {f"sum_{field}": row[f"sum_{field}"] or Decimal(0) for field in sums}
