"""Reading the inbox: a keyset page of a user's items (newest first, or unread first), each
with the record it is about named and linked only while its reader may see it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core import paging, registry
from crm.core.errors import BadParameter
from crm.messaging.models import Notification

PAGE = 50


@dataclass(frozen=True)
class Item:
    """One inbox item as its reader is shown it. `hidden`: it is about a record its reader
    may no longer see (its title and text are then not shown); `record`: that record's
    type and name when they may; `link`: where opening it leads."""

    notification: Notification
    record: str
    link: str
    hidden: bool


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_cursor: str | None


def items_for(user, notifications: list[Notification]) -> list[Item]:
    """`notifications` (all `user`'s) as `user` is shown them: one query per type of
    record they are about, through that type's `visible_to(user)`."""
    wanted: dict[int, set[int]] = {}
    for n in notifications:
        if n.content_type_id is not None and n.object_id is not None:
            wanted.setdefault(n.content_type_id, set()).add(n.object_id)
    seen: dict[tuple[int, int], tuple[str, str]] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        object_type = registry.for_model(model) if model is not None else None
        if object_type is None:
            continue
        for record in object_type.model.objects.visible_to(user).filter(pk__in=ids):
            url = reverse(object_type.url_name("detail"), args=[record.pk])
            seen[(type_id, record.pk)] = (f"{object_type.label} · {record}", url)
    out = []
    for n in notifications:
        about = n.content_type_id is not None and n.object_id is not None
        record, link = seen.get((n.content_type_id, n.object_id), ("", "")) if about else ("", "")
        hidden = about and not record
        out.append(Item(n, record, "" if hidden else n.url or link, hidden))
    return out


def page(
    user, *, kind: str = "", unread: bool = False, unread_first: bool = False, cursor=None
) -> Page:
    """One page of `user`'s inbox (of `kind`, else every kind; only unread items with
    `unread`), newest first, or the unread ones first with `unread_first`. A cursor
    names the part it continues: "u" unread, "r" read, "a" all."""
    rows = Notification.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    if unread_first and not unread:
        parts = [
            ("u", rows.filter(read_at__isnull=True)),
            ("r", rows.filter(read_at__isnull=False)),
        ]
    else:
        parts = [("a", rows)]
    names = [name for name, _rows in parts]
    start, inner = cursor.split(":", 1) if cursor else (names[0], "")
    if start not in names:
        raise BadParameter(
            "cursor", _("This page link is not valid any more: start again from the first page.")
        )
    ids: list[int] = []
    next_cursor = None
    for index in range(names.index(start), len(parts)):
        name, part = parts[index]
        found = paging.paginate(
            part, "-created_at", fields=["id"], limit=PAGE - len(ids), cursor=inner or None
        )
        ids += [row["id"] for row in found.rows]
        inner = ""
        if found.next_cursor:
            next_cursor = f"{name}:{found.next_cursor}"
            break
        if len(ids) >= PAGE:
            if index + 1 < len(parts):
                next_cursor = f"{names[index + 1]}:"
            break
    by_id = Notification.objects.select_related("actor", "announcement").in_bulk(ids)
    return Page(items_for(user, [by_id[pk] for pk in ids]), next_cursor)
