"""Global and quick search over the narrow `SearchEntry` table.

The write path stores space-separated tokens per record (see crm.core.text). PostgreSQL
keeps them as a `tsvector` under a GIN index, SQLite in an FTS5 table kept in step by
triggers; both take the same query terms: CJK characters and bigrams exactly, other
terms as prefixes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Exists, F, Func, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.urls import reverse

from crm.core import bulk, registry
from crm.core.models import SearchEntry
from crm.core.text import email_tokens, is_exact_term, name_tokens, phone_tokens, query_terms

BULK_INDEX_ROWS = 50  # from this many new entries on, merge them into the index in bulk
CANDIDATES = 100  # visible matches per type that the global search ranks


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


def tokens_for(obj: models.Model, spec: registry.SearchSpec, content_type_id: int) -> str:
    """The search tokens of one record as stored, space separated."""
    tokens = name_tokens(_value(obj, spec.title))
    for path in spec.text:
        tokens |= name_tokens(_value(obj, path))
    for path in spec.phones:
        tokens |= phone_tokens(_value(obj, path))
    for path in spec.emails:
        tokens |= email_tokens(_value(obj, path))
    prefix = type_prefix(content_type_id)
    return " ".join(prefix + t for t in sorted(tokens))


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
            tokens=tokens_for(obj, spec, content_type.pk),
        )
        for obj in objs
    ]


def unindex(obj: models.Model) -> None:
    SearchEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
    ).delete()


def _quote(term: str) -> str:
    return term.replace("'", "").replace('"', "")


def _match(terms: list[str], content_type_id: int) -> Q:
    """A condition on SearchEntry: its tokens match every term, within one type."""
    exact = [is_exact_term(t) for t in terms]
    terms = [type_prefix(content_type_id) + _quote(t) for t in terms]
    if connection.vendor == "postgresql":
        query = " & ".join(
            f"'{t}'" if is_exact else f"'{t}':*" for t, is_exact in zip(terms, exact, strict=True)
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
        f'"{t}"' if is_exact else f'"{t}"*' for t, is_exact in zip(terms, exact, strict=True)
    )
    return Q(
        id__in=RawSQL(
            "SELECT rowid FROM core_searchentry_fts WHERE core_searchentry_fts MATCH %s", [query]
        )
    )


def matching_entries(query: str, model: type[models.Model]):
    """Search entries of `model`'s records whose tokens match every term of `query` (none
    for an empty query)."""
    terms = query_terms(query)
    if not terms:
        return SearchEntry.objects.none()
    content_type = ContentType.objects.get_for_model(model)
    return SearchEntry.objects.filter(_match(terms, content_type.pk), content_type=content_type)


def filter_queryset(queryset, query: str):
    """Narrow a list's queryset to the records matching a quick search.

    As a correlated EXISTS, the planner may walk the list's own sort index and check each
    row's entry (a common word: a few rows to a hit) or start from the word's index
    entries (a rare one), whichever is cheaper."""
    entries = matching_entries(query, queryset.model).filter(object_id=OuterRef("pk"))
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
        matches = matching_entries(query, model).filter(object_id__in=visible)
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
