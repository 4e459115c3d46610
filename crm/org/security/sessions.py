"""Session lifetimes and the sessions table.

A session ends after `CRM_SESSION_IDLE_MINUTES` without a request and, in any case,
`CRM_SESSION_MAX_HOURS` after sign-in. The clocks live in the session; the session's
own expiry in the database follows the idle limit, so an abandoned session dies on the
server too. `UserSession` mirrors each signed-in session (address, browser, last seen),
refreshed at most once a minute, so "my sessions" and "online users" are cheap queries.
"""

from __future__ import annotations

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from crm.core import access
from crm.org.models import LoginResult, UserSession
from crm.org.security import signin

SIGNED_IN_AT = "crm_signed_in_at"
SEEN_AT = "crm_seen_at"
# How often a busy session writes its "last seen" (seconds).
TOUCH_EVERY = 60


def idle_limit() -> int:
    return settings.CRM_SESSION_IDLE_MINUTES * 60


def absolute_limit() -> int:
    return settings.CRM_SESSION_MAX_HOURS * 3600


def _set_expiry(session, signed_in_at: float, now: float) -> None:
    left = absolute_limit() - (now - signed_in_at)
    session.set_expiry(max(1, int(min(idle_limit(), left))))


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _remember(request, user) -> None:
    key = request.session.session_key
    if not key:
        return
    now = timezone.now()
    UserSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": signin.client_ip(request),
            "user_agent": signin.user_agent(request),
            "last_seen_at": now,
        },
        create_defaults={
            "user": user,
            "ip": signin.client_ip(request),
            "user_agent": signin.user_agent(request),
            "created_at": now,
            "last_seen_at": now,
        },
    )


def start(request, user) -> None:
    """At sign-in: start both clocks and list the session."""
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    _set_expiry(request.session, now, now)
    _remember(request, user)


def keep_expiry(request) -> None:
    """Re-apply the session's expiry after something else set it (allauth's login form)."""
    signed_in_at = request.session.get(SIGNED_IN_AT)
    if signed_in_at is not None:
        _set_expiry(request.session, signed_in_at, time.time())


def _end_here(request, result: str) -> None:
    """Sign the request's user out on the server, logging why."""
    user = request.user
    key = request.session.session_key
    signin.record(request, result, user=user)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def signed_out(request) -> None:
    """Before sign-out: log it and drop the session from the table."""
    if request.user.is_authenticated:
        _end_here(request, LoginResult.LOGOUT)


def enforce(request) -> bool:
    """On each signed-in request: end a session past its limits (False), else keep its
    clock and its row fresh at most once a minute (True)."""
    session = request.session
    now = time.time()
    signed_in_at = session.get(SIGNED_IN_AT)
    seen_at = session.get(SEEN_AT)
    if signed_in_at is None or seen_at is None:
        # Not opened by the sign-in page (a test's force_login, a session from before
        # these rules): only the session's own expiry in the database applies to it.
        return True
    if now - signed_in_at > absolute_limit() or now - seen_at > idle_limit():
        _end_here(request, LoginResult.EXPIRED)
        logout(request)
        request.user = AnonymousUser()
        return False
    if now - seen_at >= TOUCH_EVERY:
        session[SEEN_AT] = now
        _set_expiry(session, signed_in_at, now)
        _remember(request, request.user)
    return True


def live():
    """Sessions that may still be in use: seen within the idle limit, young enough."""
    now = timezone.now()
    return UserSession.objects.filter(
        last_seen_at__gte=now - timedelta(seconds=idle_limit() + TOUCH_EVERY),
        created_at__gte=now - timedelta(seconds=absolute_limit()),
    )


def sessions_of(user):
    return live().filter(user=user).order_by("-last_seen_at")


def online():
    """Everyone's live sessions, most recently active first."""
    return live().select_related("user").order_by("-last_seen_at", "-pk")


def _end(row: UserSession) -> None:
    _store().delete(row.session_key)
    row.delete()


def end_own_session(request, pk: int) -> None:
    """End one of the user's other sessions (404 for anyone else's or this one)."""
    row = (
        UserSession.objects.filter(pk=pk, user=request.user)
        .exclude(session_key=request.session.session_key)
        .first()
    )
    if row is None:
        raise Http404
    _end(row)


def end_other_sessions(request) -> int:
    """End every session of the user but this one; how many ended."""
    rows = list(
        UserSession.objects.filter(user=request.user).exclude(
            session_key=request.session.session_key
        )
    )
    for row in rows:
        _end(row)
    return len(rows)


def password_changed(request, user) -> int:
    """After the user changed their password: this session goes on under a new key (the
    listed row follows it), the user's other sessions end; how many ended."""
    ended = end_other_sessions(request)
    old_key = request.session.session_key
    update_session_auth_hash(request, user)
    UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)
    return ended


def can_end_anyones(user) -> bool:
    return access.has_special(user, "manage_users")


def end_user_session(request, pk: int) -> UserSession:
    """An administrator ends someone's session (a lost laptop, a leaver)."""
    if not can_end_anyones(request.user):
        raise PermissionDenied
    row = (
        UserSession.objects.select_related("user")
        .filter(pk=pk)
        .exclude(session_key=request.session.session_key)
        .first()
    )
    if row is None:
        raise Http404
    _end(row)
    return row


def purge_stale(now=None) -> int:
    """Delete rows of sessions that can no longer be alive."""
    now = now or timezone.now()
    deleted, _ = UserSession.objects.filter(
        Q(last_seen_at__lt=now - timedelta(seconds=idle_limit() + TOUCH_EVERY))
        | Q(created_at__lt=now - timedelta(seconds=absolute_limit()))
    ).delete()
    return deleted
