"""Deterministic bench data, written straight into the tables `crm migrate` created.

One seeded random generator, so a scale always yields the same rows. PostgreSQL is loaded
with COPY (foreign-key triggers off, secondary indexes dropped and rebuilt), SQLite with
executemany in large transactions; both end with ANALYZE. Search entries are built by the
platform's own `crm.core.search.tokens_for`, with pinyin taken from a per-part cache
(company names are composed of known words, so their pinyin is the concatenation of the
words' pinyin). Change-log rows are not written for generated data.

This file is the driver: users and owners, then what each app contributes
(`crm.core.contributions.BenchData`: a row function and a count per scale, registered in
the app, e.g. `crm/customers/bench_data.py`). Types whose model does not exist are skipped.

    python -m bench.generate --scale S        (Django configured by the environment)
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from crm.names import FEMALE_GIVEN, MALE_GIVEN, SURNAMES

SEED = 20260
UTC = datetime.UTC
# Generated timestamps end here, so every run of a scale writes the same rows.
EPOCH = datetime.datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
PASSWORD = "bench-password-2026"

# Owners (salespeople) per scale; the rows per scale come from each app's BenchData.
OWNERS = {"S": 50, "M": 200, "L": 1_024}
# Types of BENCH.md's datasets no app generates yet: reported as skipped.
PLANNED = ("opportunity", "activity")

# ------------------------------------------------------------------- pinyin per part


class PinyinCache:
    """Pinyin and initials of name parts, computed once per part with crm.core.text."""

    def __init__(self):
        from crm.core import text

        self.text = text
        self._syllables: dict[str, tuple[str, ...]] = {}
        self._initials: dict[str, str] = {}
        # Full names whose pinyin is known from their parts, for the current row only.
        self.hints: dict[str, tuple[str, ...]] = {}

    def syllables(self, part: str) -> tuple[str, ...]:
        found = self._syllables.get(part)
        if found is None:
            found = self._syllables[part] = tuple(self.text.pinyin_syllables(part))
        return found

    def initials(self, part: str) -> str:
        found = self._initials.get(part)
        if found is None:
            found = self._initials[part] = self.text.mnemonic(part)
        return found

    def name(self, parts: list[str]) -> tuple[str, str]:
        """The name made of `parts`, and its mnemonic code; its pinyin becomes a hint."""
        name = "".join(parts)
        self.hints[name] = tuple(s for p in parts for s in self.syllables(p))
        return name, "".join(self.initials(p) for p in parts)

    def patched(self):
        """Make crm.core.text read the hints first (restored by the returned callable)."""
        original = self.text._syllables
        hints = self.hints

        def syllables(run: str) -> tuple[str, ...]:
            found = hints.get(run)
            return found if found is not None else original(run)

        self.text._syllables = syllables

        def restore() -> None:
            self.text._syllables = original

        return restore


# -------------------------------------------------------------------------- context


@dataclass
class Context:
    """What row functions share: the random generator, ids of setup rows, the owners."""

    scale: str
    rng: random.Random
    pinyin: PinyinCache
    owner_ids: list[int]
    owner_cum_weights: list[float]
    sales_id: int
    admin_id: int
    counts: dict[str, int]  # type key -> rows at this scale
    items: dict[str, dict[str, int]] = field(default_factory=dict)  # dictionary -> code -> id
    loaded: dict[str, dict[int, Any]] = field(default_factory=dict)  # type key -> id -> row
    epoch: datetime.datetime = EPOCH

    def count(self, key: str) -> int:
        return self.counts[key]

    def owner(self) -> int:
        return self.rng.choices(self.owner_ids, cum_weights=self.owner_cum_weights)[0]

    def moment(self, start: datetime.datetime) -> datetime.datetime:
        """A time between `start` and the epoch, skewed towards recent."""
        span = (self.epoch - start).total_seconds()
        return start + datetime.timedelta(seconds=span * (1 - self.rng.random() ** 2))


def owner_weights(count: int) -> list[float]:
    """Skewed ownership: a few owners hold 5 % of the rows each, the rest a Zipf tail."""
    heavy = max(1, min(3, count // 10))
    tail = [1 / (k + 10) for k in range(count - heavy)]
    rest = 1 - 0.05 * heavy
    total = sum(tail) or 1
    return [0.05] * heavy + [w * rest / total for w in tail]


# --------------------------------------------------------------------------- writers


def _pg_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


class Writer:
    """Writes row dicts into a model's table: every concrete column, defaults for the
    columns a row function does not know (so a new nullable or defaulted column does not
    break the generator)."""

    BATCH = 20_000

    def __init__(self, connection):
        self.connection = connection
        self.vendor = connection.vendor

    def columns(self, model, row: dict) -> list:
        fields = []
        for f in model._meta.concrete_fields:
            if f.primary_key and f.attname not in row:
                continue
            fields.append(f)
        return fields

    @staticmethod
    def _default(f) -> Any:
        """The field's default: "" for text that is not nullable, else None."""
        return f.get_default()

    def write(self, model, rows: Iterator[dict]) -> int:
        first = next(rows, None)
        if first is None:
            return 0
        fields = self.columns(model, first)
        names = [f.attname for f in fields]
        defaults = {f.attname: self._default(f) for f in fields}
        table = model._meta.db_table
        rows = itertools.chain([first], rows)
        if self.vendor == "postgresql":
            return self._copy(table, names, defaults, rows)
        return self._insert(table, names, defaults, rows)

    def _copy(self, table: str, names: list[str], defaults: dict, rows) -> int:
        raw = self.connection.connection
        cols = ", ".join(f'"{n}"' for n in names)
        count = 0
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            buffer: list[str] = []
            for row in rows:
                buffer.append("\t".join(_pg_text(row.get(n, defaults[n])) for n in names) + "\n")
                count += 1
                if len(buffer) >= self.BATCH:
                    copy.write("".join(buffer).encode())
                    buffer.clear()
            if buffer:
                copy.write("".join(buffer).encode())
        return count

    def _insert(self, table: str, names: list[str], defaults: dict, rows) -> int:
        raw = self.connection.connection
        cols = ", ".join(f'"{n}"' for n in names)
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ({", ".join("?" for _ in names)})'
        count = 0
        batch: list[tuple] = []
        for row in rows:
            batch.append(tuple(_sqlite_value(row.get(n, defaults[n])) for n in names))
            count += 1
            if len(batch) >= self.BATCH:
                raw.executemany(sql, batch)
                batch.clear()
        if batch:
            raw.executemany(sql, batch)
        return count


# ---------------------------------------------------------------------------- setup


def _users(owners: int, rng: random.Random) -> tuple[Any, list]:
    """One admin and the skewed owners (salespeople), via the ORM."""
    from django.contrib.auth.hashers import make_password

    from crm.org.models import User

    password = make_password(PASSWORD)
    admin = User.objects.create(
        username="admin",
        full_name="系统管理员",
        is_superuser=True,
        is_staff=True,
        password=password,
        language="zh-hans",
    )
    users = [
        User(
            username=f"sales{n:04d}",
            full_name=rng.choice(SURNAMES) + rng.choice(MALE_GIVEN + FEMALE_GIVEN),
            password=password,
            language="zh-hans",
        )
        for n in range(1, owners + 1)
    ]
    users = User.objects.bulk_create(users)
    if hasattr(User, "roles"):
        # Data scopes are in the app: salespeople hold the preset role (own records).
        from django.apps import apps

        role = apps.get_model("org", "Role").objects.filter(code="salesperson").first()
        if role is not None:
            through = User.roles.through
            through.objects.bulk_create([through(user_id=u.pk, role_id=role.pk) for u in users])
    return admin, users


def _dictionary_items() -> dict[str, dict[str, int]]:
    """Dictionary code -> item code -> id, after every app's setup."""
    from crm.customization.models import DictionaryItem

    items: dict[str, dict[str, int]] = {}
    for item in DictionaryItem.objects.values("dictionary__code", "code", "id"):
        items.setdefault(item["dictionary__code"], {})[item["code"]] = item["id"]
    return items


# ------------------------------------------------------------------ PostgreSQL tuning


def _pg_secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(name, definition) of indexes on `tables` that back no constraint."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        """,
        [tables],
    )
    return list(cursor.fetchall())


# ------------------------------------------------------------------------------ main


@dataclass
class Result:
    scale: str
    counts: dict[str, int]
    skipped: dict[str, str]
    seconds: float
    sales_username: str
    admin_username: str


def _log(message: str) -> None:
    print(f"[generate] {message}", file=sys.stderr, flush=True)


def generate(scale_name: str) -> Result:
    """Fill the (freshly migrated, empty) database of the current settings."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from crm.core import contributions, registry
    from crm.core.models import SearchEntry, sort_key_fields
    from crm.core.search import tokens_for

    started = time.perf_counter()
    rng = random.Random(SEED)
    admin, owners = _users(OWNERS[scale_name], rng)
    weights = owner_weights(len(owners))
    contributed = contributions.bench_data()
    ctx = Context(
        scale=scale_name,
        rng=rng,
        pinyin=PinyinCache(),
        owner_ids=[u.pk for u in owners],
        owner_cum_weights=list(itertools.accumulate(weights)),
        sales_id=owners[0].pk,
        admin_id=admin.pk,
        counts={data.key: data.count[scale_name] for data in contributed},
    )
    writer = Writer(connection)
    counts: dict[str, int] = {"user": len(owners) + 1}
    skipped: dict[str, str] = {}

    plan = []
    for data in contributed:
        try:
            model = apps.get_model(data.model)
        except LookupError:
            skipped[data.key] = "model does not exist yet"
            continue
        plan.append((data, model))
    for key in PLANNED:
        if key not in ctx.counts:
            skipped[key] = "no app generates it yet"
    for data, _model in plan:
        if data.setup:
            data.setup(ctx)
    ctx.items = _dictionary_items()

    tables = [m._meta.db_table for _, m in plan] + [SearchEntry._meta.db_table]
    indexes: list[tuple[str, str]] = []
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if cursor.fetchone()[0]:
                # Generated rows are consistent: skip the per-row foreign-key triggers.
                cursor.execute("SET session_replication_role = replica")
            indexes = _pg_secondary_indexes(cursor, tables)
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
    else:
        connection.connection.execute("PRAGMA synchronous = OFF")

    restore = ctx.pinyin.patched()
    try:
        for data, model in plan:
            t0 = time.perf_counter()
            object_type = registry.for_model(model)
            content_type_id = ContentType.objects.get_for_model(model).pk
            kept = ctx.loaded.setdefault(data.key, {}) if data.keep else None
            entries: list[dict] = []
            keys = sort_key_fields(model)
            rows = _rows(ctx, data, object_type, content_type_id, kept, entries, tokens_for, keys)
            with _atomic(connection):
                counts[data.key] = writer.write(model, rows)
                if entries:
                    counts[f"{data.key} search entries"] = writer.write(SearchEntry, iter(entries))
            _log(f"{data.key}: {counts[data.key]:,} rows in {time.perf_counter() - t0:.1f} s")
        for data, _model in plan:
            if data.finish:
                with _atomic(connection):
                    counts.update(data.finish(ctx))
    finally:
        restore()

    _finish(connection, plan, tables, indexes)
    _verify_tokens(plan)
    for key, reason in skipped.items():
        _log(f"{key}: skipped ({reason})")
    seconds = time.perf_counter() - started
    _log(f"done in {seconds:.1f} s")
    return Result(
        scale=scale_name,
        counts=counts,
        skipped=skipped,
        seconds=seconds,
        sales_username=owners[0].username,
        admin_username=admin.username,
    )


def _rows(
    ctx, data, object_type, content_type_id, kept, entries, tokens_for, sort_keys
) -> Iterator[dict]:
    """The type's rows; on the way, fill the sort keys (a name's pinyin order), keep what
    later types read and build search entries."""
    for row in data.rows(ctx):
        for key in sort_keys:
            row.setdefault(key.attname, key.key_for(row[key.source]))
        if kept is not None:
            kept[row["id"]] = {k: row[k] for k in data.keep}
        if object_type is not None and row.get("deleted_at") is None:
            entries.append(_search_row(ctx, object_type, content_type_id, row, tokens_for))
        ctx.pinyin.hints.clear()
        yield row


class _atomic:
    """One transaction around a bulk write (COPY or executemany)."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        from django.db import transaction

        self.block = transaction.atomic(using=self.connection.alias)
        self.block.__enter__()

    def __exit__(self, *exc):
        return self.block.__exit__(*exc)


def _search_row(ctx: Context, object_type, content_type_id: int, row: dict, tokens_for) -> dict:
    """The search entry of one generated row, with the platform's own token builder."""
    obj = SimpleNamespace(**row)
    spec = object_type.search
    for path in (spec.title, spec.subtitle, *spec.text, *spec.phones, *spec.emails):
        if "__" in path:
            relation = path.split("__", 1)[0]
            parent_key = object_type.model._meta.get_field(relation).related_model._meta.model_name
            parent = ctx.loaded.get(parent_key, {}).get(row.get(f"{relation}_id"))
            setattr(obj, relation, SimpleNamespace(**(parent or {})))
    return {
        "content_type_id": content_type_id,
        "object_id": row["id"],
        "owner_id": row.get("owner_id"),
        "title": _path(obj, spec.title)[:200],
        "subtitle": _path(obj, spec.subtitle)[:200] if spec.subtitle else "",
        "tokens": tokens_for(obj, object_type, content_type_id),
    }


def _verify_tokens(plan, sample: int = 300) -> None:
    """Compare a sample of generated search tokens with what the write path would store."""
    from django.contrib.contenttypes.models import ContentType

    from crm.core import registry
    from crm.core.models import SearchEntry
    from crm.core.search import tokens_for

    for data, model in plan:
        object_type = registry.for_model(model)
        if object_type is None:
            continue
        content_type = ContentType.objects.get_for_model(model)
        entries = dict(
            SearchEntry.objects.filter(content_type=content_type)
            .order_by("object_id")
            .values_list("object_id", "tokens")[:sample]
        )
        objects = model.all_objects.filter(pk__in=entries)
        if "__" in object_type.search.subtitle:
            objects = objects.select_related(object_type.search.subtitle.split("__")[0])
        wrong = [
            o.pk for o in objects if tokens_for(o, object_type, content_type.pk) != entries[o.pk]
        ]
        if wrong:
            _log(
                f"WARNING {data.key}: {len(wrong)} of {len(entries)} token sets differ: {wrong[:5]}"
            )


def _path(obj: Any, path: str) -> str:
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def _finish(connection, plan, tables: list[str], indexes: list[tuple[str, str]]) -> None:
    """Indexes back, sequences past the generated ids, statistics fresh."""
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET session_replication_role = DEFAULT")
            for _data, model in plan:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f'(SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"), false)',
                    [table],
                )
            for table in [*tables, "org_user", "core_collaborator"]:
                cursor.execute(f'VACUUM ANALYZE "{table}"')
    else:
        raw = connection.connection
        raw.execute("ANALYZE")
        raw.execute("PRAGMA optimize")
        raw.commit()
    _log(f"indexes and statistics in {time.perf_counter() - t0:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(OWNERS), default="S")
    args = parser.parse_args(argv)
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    result = generate(args.scale)
    print(json.dumps(result.__dict__, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
