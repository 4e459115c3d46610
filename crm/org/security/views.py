"""Pages of account security: sign-out, "my account security" (two-factor sign-in and
sessions), changing one's password, and the logs (sign-ins and lockouts, online users,
operations)."""

from __future__ import annotations

from functools import wraps

from allauth.account.views import LogoutView
from django.contrib import messages
from django.contrib.auth import password_validation
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from crm.core import access
from crm.core.errors import DomainError
from crm.core.forms import show_domain_error
from crm.core.models import ObjectChange
from crm.core.views.editing import posted
from crm.org.models import LoginEvent, LoginLockout
from crm.org.security import logs, mfa, sessions, signin
from crm.org.security.forms import PasswordChangeForm
from crm.org.security.reauth import recent_auth_required
from crm.org.services import change_password


class SignOutView(LogoutView):
    """Sign-out: POST ends the session on the server; GET asks to confirm."""

    template_name = "registration/logout.html"


def logs_required(view):
    """Sign-in required; then only holders of "view_logs" (and administrators)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not access.has_special(request.user, "view_logs"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --------------------------------------------------------------------- my account security


@login_required
def account_security(request):
    """The user's two-factor sign-in, their live sessions and their recent sign-ins."""
    user = request.user
    rows = list(sessions.sessions_of(user))
    current = request.session.session_key
    for row in rows:
        row.is_current = row.session_key == current
        row.browser = logs.browser(row.user_agent)
    recent = list(
        LoginEvent.objects.filter(user=user).order_by("-time")[:10].values(*logs.LOGIN_FIELDS)
    )
    context = {
        "mfa_required": mfa.required_for(user),
        "has_totp": mfa.has_totp(user),
        "codes_left": mfa.recovery_codes_left(user),
        "sessions": rows,
        "recent": logs.login_rows(recent),
    }
    return render(request, "org/security/account.html", context)


@login_required
def password_change(request):
    """Change one's own password; this session goes on, the user's other sessions end."""
    form = PasswordChangeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            user = change_password(
                request.user,
                form.cleaned_data["current_password"],
                form.cleaned_data["new_password"],
                actor=request.user,
            )
        except DomainError as error:
            show_domain_error(form, error)
        else:
            sessions.password_changed(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("org:security")
    rules = password_validation.password_validators_help_texts()
    return render(request, "org/security/password.html", {"form": form, "rules": rules})


@login_required
@require_POST
def session_end(request, pk: int):
    """End one of the user's other sessions."""
    sessions.end_own_session(request, pk)
    messages.success(request, _("The session has ended."))
    return redirect("org:security")


@login_required
@require_POST
def sessions_end_others(request):
    """End every session of the user but this one."""
    count = sessions.end_other_sessions(request)
    messages.success(
        request,
        ngettext("%(count)d other session ended.", "%(count)d other sessions ended.", count)
        % {"count": count},
    )
    return redirect("org:security")


# ----------------------------------------------------------------------------------- logs


@logs_required
def login_log(request):
    """Sign-in attempts, sign-outs and expiries, with the lockouts in force."""
    filters = logs.LoginLogFilter(request.GET or None)
    queryset = filters.queryset() if filters.is_bound else LoginEvent.objects.all()
    page = logs.page(queryset, logs.LOGIN_FIELDS, logs.login_rows, request.GET.get("cursor"))
    return render(
        request,
        "org/security/login_log.html",
        {
            "filters": filters,
            "page": page,
            "base_query": _query_without_cursor(request),
            "lockouts": list(signin.current_lockouts()[:50]),
            "can_lift": signin.can_lift(request.user),
        },
    )


@logs_required
@recent_auth_required
def login_log_export(request):
    """The filtered login log as CSV (a large export: recent sign-in check required)."""
    filters = logs.LoginLogFilter(request.GET or None)
    queryset = filters.queryset() if filters.is_bound else LoginEvent.objects.all()
    return logs.csv_response(logs.login_csv(queryset), "login-log")


@login_required
@require_POST
def lockout_lift(request, pk: int):
    """End a lockout early."""
    lockout = get_object_or_404(LoginLockout, pk=pk)
    signin.lift_lockout(lockout, actor=request.user)
    messages.success(request, _("Sign-in is allowed again for %(key)s.") % {"key": lockout.key})
    return redirect("org:login_log")


@logs_required
def online_users(request):
    """Who is signed in now: live sessions, most recently active first."""
    rows = list(sessions.online()[:500])
    current = request.session.session_key
    for row in rows:
        row.is_current = row.session_key == current
        row.browser = logs.browser(row.user_agent)
    return render(
        request,
        "org/security/online_users.html",
        {
            "sessions": rows,
            "user_count": len({row.user_id for row in rows}),
            "can_end": sessions.can_end_anyones(request.user),
        },
    )


@login_required
@require_POST
def online_session_end(request, pk: int):
    """An administrator ends someone's session."""
    row = sessions.end_user_session(request, pk)
    messages.success(
        request, _("The session of %(name)s has ended.") % {"name": row.user.get_full_name()}
    )
    return redirect("org:online_users")


@logs_required
def change_log(request):
    """The operation log: every change written through the platform, filtered."""
    filters = logs.ChangeLogFilter(request.GET or None)
    queryset = filters.queryset() if filters.is_bound else ObjectChange.objects.all()
    page = logs.page(
        queryset, logs.CHANGE_FIELDS, logs.change_rows(request.user), request.GET.get("cursor")
    )
    return render(
        request,
        "org/security/change_log.html",
        {"filters": filters, "page": page, "base_query": _query_without_cursor(request)},
    )


@logs_required
@recent_auth_required
def change_log_export(request):
    """The filtered operation log as CSV (a large export: recent sign-in check required)."""
    filters = logs.ChangeLogFilter(request.GET or None)
    queryset = filters.queryset() if filters.is_bound else ObjectChange.objects.all()
    return logs.csv_response(logs.change_csv(queryset, request.user), "operation-log")


def _query_without_cursor(request) -> str:
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


def mfa_index(request):
    """allauth's two-factor overview is our account security page."""
    return redirect(reverse("org:security"))
