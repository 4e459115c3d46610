"""Forms of sign-in (the user name field keeps its name, and two-factor codes count
towards the same lockouts as passwords) and of changing one's password."""

from __future__ import annotations

from allauth.account.forms import LoginForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core.forms import StyledFormMixin
from crm.org.models import LoginResult
from crm.org.security import sessions, signin


class SignInForm(LoginForm):
    """allauth's login form with the field named `username` (as the page always had)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.pop("login")
        field.label = _("User name")
        self.fields = {"username": field, **self.fields}

    def clean(self):
        if "username" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["username"].strip()
        return super().clean()

    def login(self, request, redirect_url=None):
        response = super().login(request, redirect_url=redirect_url)
        # allauth sets the cookie age after signing in; the idle limit applies instead.
        sessions.keep_expiry(request)
        return response


class _LimitedCodeMixin:
    """A wrong code is a failed sign-in step: logged, counted, and locked out like one."""

    user = None

    def clean_code(self):
        request = context.request
        signin.check_allowed(request, self.user.username, user=self.user)
        try:
            return super().clean_code()
        except forms.ValidationError:
            signin.register_failure(
                request, self.user.username, result=LoginResult.MFA_FAILURE, user=self.user
            )
            raise


class MFAAuthenticateForm(_LimitedCodeMixin, AuthenticateForm):
    """The code asked for at sign-in."""


class MFAReauthenticateForm(_LimitedCodeMixin, ReauthenticateForm):
    """The code asked for before a sensitive action."""


class PasswordChangeForm(StyledFormMixin, forms.Form):
    """The current password and the new one twice; the service checks the passwords."""

    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data
