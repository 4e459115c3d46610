"""API of the messaging app: the token user's own inbox and the announcements addressed to
them (`/api/v1/notifications/`, `/api/v1/announcements/`)."""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from ninja import Router
from pydantic import BaseModel

from crm.core import paging
from crm.core.api import MAX_LIMIT, errors
from crm.messaging import inbox, services
from crm.messaging.models import Kind, Notification

router = Router(tags=["Messages"])


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str
    body: str
    # The record it is about, only while the reader may see it: "Customer · 金蝶软件".
    record: str
    link: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    done_at: datetime.datetime | None


class NotificationPage(BaseModel):
    items: list[NotificationOut]
    next_cursor: str | None


class ReadAllOut(BaseModel):
    marked: int


class AnnouncementOut(BaseModel):
    id: int
    title: str
    body: str
    published_at: datetime.datetime
    expires_at: datetime.datetime | None


def _out(item: inbox.Item) -> dict:
    n = item.notification
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": "" if item.hidden else n.title,
        "body": "" if item.hidden else n.body,
        "record": item.record,
        "link": item.link,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "done_at": n.done_at,
    }


@router.get(
    "/notifications/",
    response={200: NotificationPage, **errors(400, 401, 403, 422)},
    operation_id="list_notifications",
    summary="The token user's inbox, newest first",
)
def list_notifications(
    request,
    unread: bool = False,
    kind: str = "",
    limit: int = 50,
    cursor: str | None = None,
):
    """`unread=1`: unread items only; `kind`: one of approval, approval_result, alert,
    mention, announcement, system; keyset pages (`cursor`)."""
    rows = Notification.objects.filter(user=request.user)
    if kind in Kind.values:
        rows = rows.filter(kind=kind)
    if unread:
        rows = rows.filter(read_at__isnull=True)
    page = paging.paginate(
        rows, "-created_at", fields=["id"], limit=max(1, min(limit, MAX_LIMIT)), cursor=cursor
    )
    by_id = Notification.objects.in_bulk([r["id"] for r in page.rows])
    items = inbox.items_for(request.user, [by_id[r["id"]] for r in page.rows])
    return {"items": [_out(i) for i in items], "next_cursor": page.next_cursor}


@router.post(
    "/notifications/{int:pk}/read/",
    response={200: NotificationOut, **errors(401, 403, 404)},
    operation_id="read_notification",
    summary="Mark one of the token user's items read",
)
def read_notification(request, pk: int):
    item = get_object_or_404(Notification.objects.filter(user=request.user), pk=pk)
    services.mark_read(item, actor=request.user)
    (shown,) = inbox.items_for(request.user, [item])
    return _out(shown)


@router.post(
    "/notifications/read-all/",
    response={200: ReadAllOut, **errors(401, 403)},
    operation_id="read_all_notifications",
    summary="Mark every unread item of the token user read",
)
def read_all_notifications(request, kind: str = ""):
    return {
        "marked": services.mark_all_read(
            actor=request.user, kind=kind if kind in Kind.values else ""
        )
    }


@router.get(
    "/announcements/",
    response={200: list[AnnouncementOut], **errors(401, 403, 422)},
    operation_id="list_announcements",
    summary="The current announcements addressed to the token user, newest first",
)
def list_announcements(request, limit: int = 50):
    rows = services.current_announcements(request.user, limit=max(1, min(limit, MAX_LIMIT)))
    return [
        {
            "id": a.pk,
            "title": a.title,
            "body": a.body,
            "published_at": a.created_at,
            "expires_at": a.expires_at,
        }
        for a in rows
    ]
