"""allauth's pages we use, under /accounts/, with our templates. Names are allauth's own
(un-namespaced: allauth reverses them); sign-in and sign-out themselves are `login` and
`logout` at /login/ and /logout/."""

from allauth.account.views import ReauthenticateView
from allauth.mfa.base.views import AuthenticateView
from allauth.mfa.base.views import ReauthenticateView as MFAReauthenticateView
from allauth.mfa.recovery_codes.views import (
    DownloadRecoveryCodesView,
    GenerateRecoveryCodesView,
    ViewRecoveryCodesView,
)
from allauth.mfa.totp.views import ActivateTOTPView, DeactivateTOTPView
from django.urls import path
from django.views.generic import RedirectView

from crm.org.security import views

urlpatterns = [
    path(
        "login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="account_login",
    ),
    path("logout/", views.SignOutView.as_view(), name="account_logout"),
    path(
        "reauthenticate/",
        ReauthenticateView.as_view(template_name="registration/reauthenticate.html"),
        name="account_reauthenticate",
    ),
    path("2fa/", views.mfa_index, name="mfa_index"),
    path(
        "2fa/authenticate/",
        AuthenticateView.as_view(template_name="registration/mfa_authenticate.html"),
        name="mfa_authenticate",
    ),
    path(
        "2fa/reauthenticate/",
        MFAReauthenticateView.as_view(template_name="registration/mfa_reauthenticate.html"),
        name="mfa_reauthenticate",
    ),
    path(
        "2fa/totp/activate/",
        ActivateTOTPView.as_view(template_name="registration/mfa_activate.html"),
        name="mfa_activate_totp",
    ),
    path(
        "2fa/totp/deactivate/",
        DeactivateTOTPView.as_view(template_name="registration/mfa_deactivate.html"),
        name="mfa_deactivate_totp",
    ),
    path(
        "2fa/recovery-codes/",
        ViewRecoveryCodesView.as_view(template_name="registration/mfa_recovery_codes.html"),
        name="mfa_view_recovery_codes",
    ),
    path(
        "2fa/recovery-codes/generate/",
        GenerateRecoveryCodesView.as_view(
            template_name="registration/mfa_recovery_codes_generate.html"
        ),
        name="mfa_generate_recovery_codes",
    ),
    path(
        "2fa/recovery-codes/download/",
        DownloadRecoveryCodesView.as_view(),
        name="mfa_download_recovery_codes",
    ),
]
