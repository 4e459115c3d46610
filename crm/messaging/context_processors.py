"""The bell's count, drawn with the page so that it needs no request of its own."""

from __future__ import annotations

from typing import NamedTuple

from django.utils.functional import SimpleLazyObject

from crm.messaging import services


class Unread(NamedTuple):
    count: int
    more: bool


def inbox(request):
    """`inbox_unread`: the signed-in user's unread items, counted only if the page shows
    the bell (full pages do; htmx fragments do not)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: Unread(*services.unread_count(user)))}
