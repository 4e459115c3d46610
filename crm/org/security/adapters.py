"""The hooks that make allauth's sign-in ours: no sign-up, our lockouts and login log, the
session clocks, the language chosen on the sign-in page, two-factor rules for admins."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import check_for_language
from django.utils.translation import gettext_lazy as _

from crm.org.models import LoginResult
from crm.org.security import mfa, sessions, signin
from crm.org.security.reauth import recently_authenticated

# Session flag: an administrator signed in without a second factor and must set one up.
MFA_SETUP_REQUIRED = "crm_mfa_setup_required"
# allauth's "signed in / signed out" toasts: the page itself says so.
_QUIET_MESSAGES = {"account/messages/logged_in.txt", "account/messages/logged_out.txt"}


class AccountAdapter(DefaultAccountAdapter):
    """Sign-in by user name with our limits, log and session rules; sign-up closed."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _("Wrong user name or password."),
        "incorrect_password": _("Wrong password."),
        "invalid_login": _("Wrong user name or password."),
    }

    def is_open_for_signup(self, request) -> bool:
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        signin.check_allowed(request, credentials.get("username", ""))

    def authentication_failed(self, request, **credentials) -> None:
        signin.register_failure(request, credentials.get("username", ""))

    def login(self, request, user) -> None:
        super().login(request, user)
        signin.record(request, LoginResult.SUCCESS, user=user)
        sessions.start(request, user)
        _remember_language(request, user)
        if mfa.required_for(user) and not mfa.has_totp(user):
            request.session[MFA_SETUP_REQUIRED] = True

    def logout(self, request) -> None:
        sessions.signed_out(request)
        super().logout(request)

    def respond_user_inactive(self, request, user):
        signin.record(request, LoginResult.INACTIVE, user=user)
        messages.error(request, _("This account is disabled. Ask an administrator."))
        return HttpResponseRedirect(reverse("login"))

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # A password or code check at sign-in counts as much as one at re-authentication.
        request = context.request
        return request is None or not recently_authenticated(request)

    def add_message(self, request, level, message_template=None, *args, **kwargs) -> None:
        if message_template in _QUIET_MESSAGES:
            return
        super().add_message(request, level, message_template, *args, **kwargs)


def _remember_language(request, user) -> None:
    """A language picked on the sign-in page (the language cookie) becomes the user's."""
    language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if (
        language
        and language in dict(settings.LANGUAGES)
        and check_for_language(language)
        and user.language != language
    ):
        user.language = language
        # A user preference, not a business record: no change-log entry.
        user.save(update_fields=["language"])


class MFAAdapter(DefaultMFAAdapter):
    """Two-factor rules: those who must use it cannot turn it off."""

    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": _("Wrong code."),
        "cannot_delete_authenticator": _("Administrators must keep two-factor sign-in turned on."),
    }

    def can_delete_authenticator(self, authenticator) -> bool:
        return not mfa.required_for(authenticator.user)
