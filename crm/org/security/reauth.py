"""Re-authentication before sensitive actions ("sudo mode").

allauth keeps, in the session, the time of each password and two-factor check (at sign-in
and at re-authentication). An action guarded by `recent_auth_required` runs only when the
last check is less than CRM_REAUTH_MINUTES old; otherwise the user confirms their password
(or code) first, and a refused POST is replayed after confirmation.
"""

from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django_htmx.http import HttpResponseClientRedirect

from crm.core.views.editing import same_site

CHECK_METHODS = ("password", "mfa")


def last_check(request) -> float | None:
    """When this session's user last proved who they are (epoch seconds), if ever."""
    from allauth.account.internal.flows.login import get_authentication_records

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    times = [
        record.get("at", 0)
        for record in get_authentication_records(request, user)
        if record.get("method") in CHECK_METHODS
    ]
    return max(times) if times else None


def recently_authenticated(request) -> bool:
    """Whether the user checked their password or code within CRM_REAUTH_MINUTES."""
    checked = last_check(request)
    return checked is not None and time.time() - checked < settings.ACCOUNT_REAUTHENTICATION_TIMEOUT


def _reauth_url(request, next_url: str) -> str:
    from allauth.account.adapter import get_adapter

    methods = get_adapter(request).get_reauthentication_methods(request.user)
    return f"{methods[0]['url']}?{urlencode({'next': next_url})}"


def recent_auth_required(view=None, *, allow_get: bool = False):
    """Decorate a view (function, or `dispatch` through method_decorator) that changes
    something sensitive: creating API tokens, changing roles or permissions, big exports.

    `@recent_auth_required` guards every request; `@recent_auth_required(allow_get=True)`
    lets the page open and asks only when it is submitted (the POST is replayed after the
    check).
    """

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (allow_get and request.method in ("GET", "HEAD")) or recently_authenticated(request):
                return view(request, *args, **kwargs)
            if request.headers.get("HX-Request") == "true":
                # An htmx fragment cannot host the password page: send the whole page
                # there, then back to the page the user was on.
                current = same_site(request, request.headers.get("HX-Current-URL"), "/")
                parts = urlsplit(current)
                back = parts.path + (f"?{parts.query}" if parts.query else "")
                return HttpResponseClientRedirect(_reauth_url(request, back or "/"))
            from allauth.core.exceptions import ReauthenticationRequired

            # allauth's middleware answers with the confirmation page, and replays a POST
            # once the user has confirmed.
            raise ReauthenticationRequired()

        return wrapped

    return decorator(view) if view is not None else decorator
