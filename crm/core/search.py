"""Global and quick search over the narrow `SearchEntry` table.

The write path stores space-separated tokens per record (see crm.core.text). PostgreSQL
keeps them as a `tsvector` under a GIN index, SQLite in an FTS5 table kept in step by
triggers; both take the same query terms: CJK characters and bigrams exactly, other
terms as prefixes.

A masked number (crm.core.masking) is found by a user without "unmask" only through what
its mask shows or through the whole number: its head and the suffixes of its tail are
tokens like any, the whole number is a token marked `WHOLE` that such a user's terms
match exactly, and every suffix is a token marked `FRAGMENT` that only holders' terms
reach. Only the alternative `_match` adds with the mark reaches a marked token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models, transaction
from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.urls import reverse

from crm.core import access, bulk, masking, registry
from crm.core.models import SearchEntry
from crm.core.text import (
    email_tokens,
    is_exact_term,
    may_be_number,
    name_tokens,
    number_chars,
    phone_tokens,
    query_terms,
    suffix_tokens,
)

BULK_INDEX_ROWS = 50  # from this many new entries on, merge them into the index in bulk
BULK_REWRITE_ROWS = 2000  # entries a migration writes again at once
CANDIDATES = 100  # visible matches per type that the global search ranks
# Marks of a masked number's tokens. A query term is letters and digits, CJK, or an email
# (which holds "@", as these tokens never do): it reaches them only with the mark added.
WHOLE = "+"  # the whole number, matched exactly
FRAGMENT = "."  # every suffix, matched as a prefix by holders of "unmask" only


def _value(obj: models.Model, path: str) -> str:
    value: object = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return str(value)


def type_prefix(content_type_id: int) -> str:
    """What every token of a type's records starts with (fixed width: never ambiguous).

    The index then answers per type, and the planner's statistics of a word are per type:
    a word common among customers may be absent from contacts, and each query is planned
    for what it will find."""
    return f"t{content_type_id:04d}"


def masked_tokens(value: str) -> set[str]:
    """The tokens of a masked number: its visible head and tail (with the tail's suffixes)
    for everyone, the whole number marked `WHOLE`, every suffix marked `FRAGMENT`."""
    chars = number_chars(value)
    if not chars:
        return set()
    head, tail = (number_chars(end) for end in masking.visible_ends(value))
    tokens = suffix_tokens(tail) | ({head} if len(head) >= 3 else set())
    tokens.add(WHOLE + chars)
    tokens.update(FRAGMENT + t for t in suffix_tokens(chars))
    return tokens


def masked_paths(object_type: registry.ObjectType) -> frozenset[str]:
    """The search fields of a type that hold masked numbers."""
    spec = object_type.search
    paths = (spec.title, *spec.text, *spec.phones, *spec.emails)
    return frozenset(paths) & frozenset(object_type.masked)


def tokens_for(obj: models.Model, object_type: registry.ObjectType, content_type_id: int) -> str:
    """The search tokens of one record as stored, space separated."""
    spec = object_type.search
    masked = masked_paths(object_type)
    tokens: set[str] = set()
    for paths, tokenize in (
        ((spec.title, *spec.text), name_tokens),
        (spec.phones, phone_tokens),
        (spec.emails, email_tokens),
    ):
        for path in paths:
            value = _value(obj, path)
            tokens |= masked_tokens(value) if path in masked else tokenize(value)
    prefix = type_prefix(content_type_id)
    return " ".join(prefix + t for t in sorted(tokens))


def stale(model: type[models.Model], changed: Iterable[str]) -> bool:
    """Whether a change of these fields (attnames) rewrites a record's search entry: the
    owner, or a field its title, subtitle or tokens are read from (any change, when one is
    read through something other than a field)."""
    object_type = registry.for_model(model)
    if object_type is None:
        return False
    spec = object_type.search
    read = {"owner_id"}
    for path in (spec.title, spec.subtitle, *spec.text, *spec.phones, *spec.emails):
        if not path:
            continue
        try:
            field = model._meta.get_field(path.split("__")[0])
        except FieldDoesNotExist:
            return True
        if not field.concrete:
            return True
        read.add(field.attname)
    return not read.isdisjoint(changed)


def index(obj: models.Model) -> None:
    """Write (or refresh) the search entry of a registered record."""
    index_many([obj])


def index_many(objs: list[models.Model]) -> None:
    """Write (or refresh) the search entries of records of one registered type."""
    entries = _entries(objs)
    # One INSERT … ON CONFLICT DO UPDATE instead of a read, savepoints and a write.
    SearchEntry.objects.bulk_create(
        entries,
        update_conflicts=True,
        unique_fields=["content_type", "object_id"],
        update_fields=["owner_id", "title", "subtitle", "tokens"],
    )


def index_new(objs: list[models.Model]) -> None:
    """Write the search entries of records just created (none exists yet: no upsert).

    On PostgreSQL their tokens gather in the index's pending list for this transaction and
    are then merged into the index at once: far cheaper than one token at a time."""
    entries = _entries(objs)
    if connection.vendor != "postgresql" or len(entries) < BULK_INDEX_ROWS:
        bulk.insert(SearchEntry, entries)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL gin_pending_list_limit = '256MB'")
        bulk.insert(SearchEntry, entries)
        cursor.execute("SELECT gin_clean_pending_list('core_searchentry_tokens'::regclass)")


def _entries(objs: list[models.Model]) -> list[SearchEntry]:
    object_type = registry.for_model(type(objs[0])) if objs else None
    if object_type is None:
        return []
    spec = object_type.search
    content_type = ContentType.objects.get_for_model(type(objs[0]))
    return [
        SearchEntry(
            content_type=content_type,
            object_id=obj.pk,
            owner_id=getattr(obj, "owner_id", None),
            title=_value(obj, spec.title)[:200],
            subtitle=_value(obj, spec.subtitle)[:200] if spec.subtitle else "",
            tokens=tokens_for(obj, object_type, content_type.pk),
        )
        for obj in objs
    ]


def rewrite_masked(app_label: str):
    """A migration step: write again the search tokens of an app's types whose search fields
    hold masked numbers, reading the records through the migration's models."""

    def run(apps, schema_editor) -> None:
        entries = apps.get_model("core", "SearchEntry")
        content_types = apps.get_model("contenttypes", "ContentType")
        for object_type in registry.all_types():
            if object_type.app_label != app_label or not masked_paths(object_type):
                continue
            model = apps.get_model(app_label, object_type.key)
            content_type = content_types.objects.filter(
                app_label=app_label, model=object_type.key
            ).first()
            if content_type is None:
                continue
            spec = object_type.search
            paths = (spec.title, spec.subtitle, *spec.text, *spec.phones, *spec.emails)
            related = {p.split("__")[0] for p in paths if "__" in p}
            last = 0
            while batch := list(
                entries.objects.filter(content_type=content_type, pk__gt=last)
                .order_by("pk")
                .values_list("pk", "object_id")[:BULK_REWRITE_ROWS]
            ):
                last = batch[-1][0]
                objs = model._base_manager.select_related(*related).in_bulk([o for _, o in batch])
                entries.objects.bulk_update(
                    [
                        entries(pk=pk, tokens=tokens_for(objs[o], object_type, content_type.pk))
                        for pk, o in batch
                        if o in objs
                    ],
                    ["tokens"],
                )

    return run


def unindex(obj: models.Model) -> None:
    SearchEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).delete()


def _quote(term: str) -> str:
    return term.replace("'", "").replace('"', "")


def _any(alternatives: list[str], joiner: str) -> str:
    return alternatives[0] if len(alternatives) == 1 else f"({joiner.join(alternatives)})"


def _match(terms: list[str], content_type_id: int, numbers: str = "") -> Q:
    """A condition on SearchEntry: its tokens match every term, within one type. `numbers`
    (`WHOLE` or `FRAGMENT`): which tokens of masked numbers a term that may be a number
    also matches."""
    prefix = type_prefix(content_type_id)
    clauses = []  # per term, its alternatives: (token, exact)
    for term in terms:
        alternatives = [(prefix + _quote(term), is_exact_term(term))]
        if numbers and may_be_number(term):
            alternatives.append((prefix + numbers + term, numbers == WHOLE))
        clauses.append(alternatives)
    if connection.vendor == "postgresql":
        query = " & ".join(
            _any([f"'{t}'" if exact else f"'{t}':*" for t, exact in c], " | ") for c in clauses
        )
        tsquery = Func(Value(query), template="%(expressions)s::tsquery")
        return Q(
            Func(
                F("tokens"),
                tsquery,
                template="%(expressions)s",
                arg_joiner=" @@ ",
                output_field=models.BooleanField(),
            )
        )
    query = " AND ".join(
        _any([f'"{t}"' if exact else f'"{t}"*' for t, exact in c], " OR ") for c in clauses
    )
    return Q(
        id__in=RawSQL(
            "SELECT rowid FROM core_searchentry_fts WHERE core_searchentry_fts MATCH %s", [query]
        )
    )


def matching_entries(query: str, model: type[models.Model], user):
    """Search entries of `model`'s records whose tokens match every term of `query` (none
    for an empty query), as `user` may search them: their masked numbers by any fragment
    with "unmask", else by what the mask shows or the whole number."""
    terms = query_terms(query)
    if not terms:
        return SearchEntry.objects.none()
    object_type = registry.for_model(model)
    numbers = ""
    if object_type is not None and masked_paths(object_type):
        numbers = FRAGMENT if access.has_special(user, "unmask") else WHOLE
    content_type = ContentType.objects.get_for_model(model)
    return SearchEntry.objects.filter(
        _match(terms, content_type.pk, numbers), content_type=content_type
    )


def filter_queryset(queryset, query: str, user):
    """Narrow a list's queryset to the records matching a quick search by `user`.

    As a correlated EXISTS, the planner may walk the list's own sort index and check each
    row's entry (a common word: a few rows to a hit) or start from the word's index
    entries (a rare one), whichever is cheaper."""
    entries = matching_entries(query, queryset.model, user).filter(object_id=OuterRef("pk"))
    return queryset.filter(Exists(entries))


@dataclass(frozen=True)
class Hit:
    type_label: str
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class HitGroup:
    type_label: str
    slug: str
    hits: list[Hit]
    more: bool


def search(user, query: str, *, per_type: int = 5) -> list[HitGroup]:
    """The top hits per registered type that `user` may see.

    Only the first `CANDIDATES` visible matches of a type are ranked, with any record
    named exactly what was typed, shortest title first (the closest to what was typed):
    a common word costs what a rare one does. "More" leads to the type's list, which holds
    every match."""
    query = query.replace("\x00", "")  # compared with titles, which cannot hold one
    if not query_terms(query):
        return []
    if connection.vendor != "postgresql":
        return _search(user, query, per_type)
    # A sequential scan stops after enough matches only if they lie early in the table;
    # the word's index entries (a rare word) or the type's entries in (type, id) order
    # (a common one) cost the same wherever the rows lie.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        return _search(user, query, per_type)


def _search(user, query: str, per_type: int) -> list[HitGroup]:
    groups: list[HitGroup] = []
    for object_type in registry.all_types():
        model = object_type.model
        visible = model.objects.visible_to(user).values("pk")
        matches = matching_entries(query, model, user).filter(object_id__in=visible)
        named = SearchEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            title=query.strip(),
            object_id__in=visible,
        )
        rows = list(
            SearchEntry.objects.filter(
                Q(pk__in_subquery=matches.values("pk")[:CANDIDATES])
                | Q(pk__in_subquery=named.values("pk")[: per_type + 1])
            )
            .order_by(Length("title"), "title", "object_id")
            .values("object_id", "title", "subtitle")[: per_type + 1]
        )
        if not rows:
            continue
        hits = [
            Hit(
                object_type.label,
                r["title"],
                r["subtitle"],
                reverse(object_type.url_name("detail"), args=[r["object_id"]]),
            )
            for r in rows[:per_type]
        ]
        groups.append(
            HitGroup(object_type.label_plural, object_type.slug, hits, len(rows) > per_type)
        )
    return groups
