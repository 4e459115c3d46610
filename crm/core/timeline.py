"""What a detail page shows: field values for reading, and the timeline (newest first,
loaded page by page) merged from its sources: the record's changes and comments, and the
records about it of every type registered with `register_records`, each shown only to
those who may see it. Comments are posted through `post_comment`, which hands the people a
comment mentions to the app that tells them (`handle_mentions`)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from crm.core import changes, extensions, links, money, registry, services
from crm.core.lists import DateTexts, display
from crm.core.masking import CUSTOM, mask
from crm.core.models import Comment, ObjectChange, Record

PAGE = 20


def _field_display(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    if field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    value = getattr(obj, name)
    if isinstance(field, models.ForeignKey):
        return str(value) if value is not None else ""
    if isinstance(field, money.AmountField) and value is not None:
        return money.to_text(money.Money(value, currency_of(obj, name)))
    if isinstance(field, models.DecimalField) and value is not None:
        return changes.number_text(field, value)
    return display("text", value)


def currency_of(obj: models.Model, amount: str) -> str:
    """The currency of an amount field: its pair's (`<x>_amount`, `<x>_currency`), else the
    record's one currency field, else the company's."""
    paired = f"{amount.removesuffix('_amount')}_currency"
    currencies = [f.name for f in obj._meta.concrete_fields if isinstance(f, money.CurrencyField)]
    if paired in currencies:
        return getattr(obj, paired)
    return getattr(obj, currencies[0]) if len(currencies) == 1 else money.company_currency()


def foreign_keys(model, names: list[str]) -> list[str]:
    """The names among `names` that are foreign keys (to select_related them at once)."""
    return [n for n in names if isinstance(model._meta.get_field(n), models.ForeignKey)]


def _link(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    target = getattr(obj, name) if isinstance(field, models.ForeignKey) else None
    if target is None or registry.for_model(type(target)) is None:
        return ""
    return reverse(registry.for_model(type(target)).url_name("detail"), args=[target.pk])


@dataclass(frozen=True)
class Field:
    """One field of a detail page as the user reads it."""

    name: str
    label: str
    value: str
    link: str = ""
    masked: bool = False


def detail_fields(obj: models.Model, names: list[str], hidden=frozenset()) -> list[Field]:
    """The header fields; those in `hidden` are masked (crm.core.masking)."""
    fields = []
    for name in names:
        label = capfirst(obj._meta.get_field(name).verbose_name)
        value = _field_display(obj, name)
        if name in hidden and value:
            fields.append(Field(name, label, mask(value), masked=True))
        else:
            fields.append(Field(name, label, value, _link(obj, name)))
    return fields


def custom_values(obj: models.Model, custom_fields, hidden=frozenset()) -> list[Field]:
    """The custom fields; those in `hidden` (as `cf.<name>`) are masked."""
    data = getattr(obj, "custom_field_data", None) or {}
    item_labels = extensions.customization().item_labels(
        f.dictionary_id for f in custom_fields if f.dictionary_id
    )
    people_ids = [data.get(f.name) for f in custom_fields if f.field_type == "user"]
    people_ids = [pk for pk in people_ids if isinstance(pk, int)]
    people = get_user_model()._base_manager.filter(pk__in=people_ids) if people_ids else []
    names = {user.pk: str(user) for user in people}
    dates = DateTexts()
    out = []
    for field in custom_fields:
        text = changes.custom_text(field, data.get(field.name), item_labels, dates, names)
        if text and CUSTOM + field.name in hidden:
            out.append(Field(field.name, field.label, mask(text), masked=True))
        else:
            out.append(Field(field.name, field.label, text))
    return out


@dataclass(frozen=True)
class Entry:
    kind: str  # "change", "comment" or "record" (a record about this one)
    time: Any
    actor: str
    action: str
    text: str
    changes: list[changes.ChangedValue]
    link: str = ""


@dataclass(frozen=True)
class Source:
    """Rows of one model shown on the timeline of the record they point to.

    `rows(target, viewer)`: the rows pointing to `target` that `viewer` may see; `time`: the
    field they are ordered and paged by; `render(rows, target, hidden)`: a page of them as
    entries (`hidden`: the target type's masked fields)."""

    model: type[models.Model]
    rows: Callable[[models.Model, Any], models.QuerySet]
    time: str
    render: Callable[[list[Any], models.Model, frozenset[str]], list[Entry]]


_sources: dict[str, Source] = {}


def register_source(source: Source) -> Source:
    """Show `source`'s rows on the timeline of the records they point to."""
    _sources[source.model._meta.label_lower] = source
    return source


def _on_the_record(model: type[models.Model], *related: str) -> Callable[..., models.QuerySet]:
    """The rows of `model` (changes, comments) naming the target by content type and id:
    whoever sees the target sees them."""

    def rows(target: models.Model, viewer: Any) -> models.QuerySet:
        content_type = ContentType.objects.get_for_model(target)
        rows = model._default_manager.filter(content_type=content_type, object_id=target.pk)
        return rows.select_related(*related)

    return rows


def _changes(rows: list[ObjectChange], target: models.Model, hidden) -> list[Entry]:
    model = type(target)
    reader = changes.Reader((model, c.changes) for c in rows)
    return [
        Entry(
            "change",
            c.time,
            c.actor.get_full_name() if c.actor else "",
            c.get_action_display(),
            "",
            reader.rows(model, c.changes, hidden) if c.action != "create" else [],
        )
        for c in rows
    ]


@dataclass(frozen=True)
class Mentions:
    """What the app handling @mentions (crm.messaging) gives the platform.

    `record(comment, target, user_ids, actor=...)`: in the comment's transaction, keep and
    notify whom it mentions (those `user_ids` and the people its body names with @), and
    answer the names of those who were not told because they may not see `target`;
    `names(comments)`: {comment id: the names each mentions}, to show them highlighted."""

    record: Callable[..., list[str]]
    names: Callable[[list[Comment]], dict[int, list[str]]]


_mentions: list[Mentions] = []


def handle_mentions(mentions: Mentions) -> None:
    """Hand the platform what it does with mentions (from the app's `ready()`)."""
    _mentions[:] = [mentions]


@transaction.atomic
def post_comment(
    obj: Record, body: str, *, actor, mentions: Sequence[int] = ()
) -> tuple[Comment, list[str]]:
    """Add a comment to `obj`'s timeline (`services.add_comment`) and, in the same
    transaction, tell the people it mentions; answers the comment and the names of those
    mentioned who were not told because they may not see `obj`."""
    comment = services.add_comment(obj, body, actor=actor)
    unreached = _mentions[0].record(comment, obj, mentions, actor=actor) if _mentions else []
    return comment, unreached


def _with_mentions(body: str, names: list[str]) -> str:
    """`body` escaped, each "@name" of `names` marked up as a mention."""
    text = conditional_escape(body)
    if not names:
        return text
    escaped = sorted({conditional_escape(f"@{n}") for n in names}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in escaped))
    return mark_safe(  # the body is escaped above; only the marks are added
        pattern.sub(lambda m: f'<span class="crm-mention">{m.group(0)}</span>', text)
    )


def _comments(rows: list[Comment], target: models.Model, hidden) -> list[Entry]:
    names = _mentions[0].names(rows) if _mentions and rows else {}
    return [
        Entry(
            "comment",
            c.created_at,
            c.author.get_full_name(),
            "",
            _with_mentions(c.body, names.get(c.pk, [])),
            [],
        )
        for c in rows
    ]


register_source(Source(ObjectChange, _on_the_record(ObjectChange, "actor"), "time", _changes))
register_source(Source(Comment, _on_the_record(Comment, "author"), "created_at", _comments))


def register_records(model: type[Record]) -> Source:
    """Show the records of `model` (a `RelatedTo` type) that the viewer may see on the
    timeline of the record each is about, at their creation."""
    object_type = registry.for_model(model)
    assert object_type is not None  # a registered type: its entries link to its pages

    def rows(target: models.Model, viewer: Any) -> models.QuerySet:
        about = links.about(target)
        return model.objects.visible_to(viewer).filter(about).select_related("created_by")

    def render(rows: list[Any], target: models.Model, hidden) -> list[Entry]:
        return [
            Entry(
                "record",
                r.created_at,
                r.created_by.get_full_name() if r.created_by else "",
                object_type.label,
                str(r),
                [],
                reverse(object_type.url_name("detail"), args=[r.pk]),
            )
            for r in rows
        ]

    return register_source(Source(model, rows, "created_at", render))


def entries(
    obj: models.Model,
    viewer: Any,
    *,
    before: datetime.datetime | None = None,
    hidden=frozenset(),
) -> dict:
    """One page of `obj`'s timeline as `viewer` sees it, every source merged newest first:
    {"items": [...], "next": iso time or None}."""
    items: list[Entry] = []
    for source in _sources.values():
        rows = source.rows(obj, viewer)
        if before:
            rows = rows.filter(**{f"{source.time}__lt": before})
        page = list(rows.order_by(f"-{source.time}", "-pk")[: PAGE + 1])
        items += source.render(page, obj, hidden)
    items.sort(key=lambda e: e.time, reverse=True)
    more = len(items) > PAGE
    items = items[:PAGE]
    return {"items": items, "next": items[-1].time.isoformat() if more and items else None}
