"""Session rules on every signed-in request: idle and absolute timeouts, the sessions
table, and two-factor set-up before anything else for administrators who lack it."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from crm.org.security import mfa, sessions
from crm.org.security.adapters import MFA_SETUP_REQUIRED


class SessionSecurityMiddleware:
    """Runs after authentication and messages: ends expired sessions (the request goes on
    signed out), keeps "last seen" fresh, and sends an administrator who signed in without
    two-factor sign-in to set it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if not sessions.enforce(request):
                messages.info(request, _("Your session has ended. Please sign in again."))
            elif request.session.get(MFA_SETUP_REQUIRED):
                response = self._mfa_setup(request)
                if response is not None:
                    return response
        return self.get_response(request)

    def _mfa_setup(self, request):
        if mfa.has_totp(request.user) or not mfa.required_for(request.user):
            del request.session[MFA_SETUP_REQUIRED]
            return None
        if _exempt(request.path):
            return None
        messages.warning(
            request,
            _("Administrators must turn on two-factor sign-in before they continue."),
        )
        url = reverse("mfa_activate_totp")
        if request.headers.get("HX-Request") == "true":
            return HttpResponseClientRedirect(url)
        return redirect(url)


# Pages an administrator may open before setting up two-factor sign-in.
_EXEMPT_NAMES = (
    "mfa_activate_totp",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "account_reauthenticate",
    "mfa_reauthenticate",
    "logout",
    "set_language",
)


def _exempt(path: str) -> bool:
    return path.startswith((settings.STATIC_URL, *(reverse(name) for name in _EXEMPT_NAMES)))
