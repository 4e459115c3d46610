"""The login log and sign-in limits.

Every attempt is a `LoginEvent` row. Failures are counted from that table, so every
process and machine agrees: `CRM_LOGIN_MAX_FAILURES` failures within
`CRM_LOGIN_FAILURE_WINDOW_MINUTES` on one user name, or `CRM_LOGIN_IP_MAX_FAILURES` from one
IP address, lock that name or address for `CRM_LOGIN_LOCKOUT_MINUTES`. Names are counted
whether or not an account has them, so the answers do not tell which accounts exist.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core import access
from crm.org.models import LockoutKind, LoginEvent, LoginLockout, LoginResult, User

logger = logging.getLogger("crm.security")

USER_AGENT_MAX = 300
# Results that count towards a lockout.
COUNTED = (LoginResult.FAILURE, LoginResult.MFA_FAILURE)


def normalize(username: str | None) -> str:
    """The user name as counted and logged: trimmed and lower case (sign-in ignores case)."""
    return (username or "").strip().lower()[:150]


def client_ip(request) -> str | None:
    """The client's address (X-Forwarded-For only through CRM_TRUSTED_PROXY_COUNT proxies)."""
    from allauth.account.adapter import get_adapter

    try:
        ip = get_adapter(request).get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]


def _account(key: str) -> User | None:
    return User.objects.filter(username__iexact=key).first() if key else None


def record(request, result: str, *, username: str = "", user=None) -> LoginEvent:
    """Write one line of the login log (never the password or a code)."""
    name = normalize(username) or (normalize(user.username) if user is not None else "")
    return LoginEvent.objects.create(
        username=name,
        user=user if user is not None and user.pk else None,
        result=result,
        ip=client_ip(request),
        user_agent=user_agent(request),
    )


def locked_message() -> str:
    return _("Too many failed sign-in attempts. Wait %(minutes)d minutes, then try again.") % {
        "minutes": settings.CRM_LOGIN_LOCKOUT_MINUTES
    }


def active_lockout(kind: str, key: str | None, now: datetime | None = None):
    """The lockout in force on a user name or an address, if any."""
    if not key:
        return None
    now = now or timezone.now()
    return (
        LoginLockout.objects.filter(kind=kind, key=key, until__gt=now, lifted_at__isnull=True)
        .order_by("-until")
        .first()
    )


def check_allowed(request, username: str, *, user=None) -> None:
    """Refuse (ValidationError, logged) a sign-in step while its name or address is locked."""
    key = normalize(username)
    ip = client_ip(request)
    now = timezone.now()
    if active_lockout(LockoutKind.ACCOUNT, key, now) or active_lockout(LockoutKind.IP, ip, now):
        record(request, LoginResult.LOCKED, username=key, user=user or _account(key))
        raise ValidationError(locked_message(), code="locked")


def _counting_since(kind: str, key: str, now: datetime) -> datetime:
    """Failures count from the start of the window, or from the end of the last lockout."""
    since = now - timedelta(minutes=settings.CRM_LOGIN_FAILURE_WINDOW_MINUTES)
    last = LoginLockout.objects.filter(kind=kind, key=key).order_by("-created_at").first()
    if last is not None:
        ended = min(last.until, last.lifted_at) if last.lifted_at else last.until
        since = max(since, ended)
    return since


def _lock_if_due(kind: str, key: str, failures, limit: int, now: datetime) -> LoginLockout | None:
    count = failures.filter(time__gt=_counting_since(kind, key, now)).count()
    if count < limit:
        return None
    lockout = LoginLockout.objects.create(
        kind=kind,
        key=key,
        created_at=now,
        until=now + timedelta(minutes=settings.CRM_LOGIN_LOCKOUT_MINUTES),
        failures=count,
    )
    logger.warning(
        "Sign-in locked for %s %s after %d failures, until %s",
        kind,
        key,
        count,
        lockout.until.isoformat(),
    )
    return lockout


def register_failure(request, username: str, *, result=LoginResult.FAILURE, user=None) -> None:
    """Log a failed sign-in step; lock the name or the address when it is one too many."""
    key = normalize(username)
    event = record(request, result, username=key, user=user or _account(key))
    now = event.time
    counted = LoginEvent.objects.filter(result__in=COUNTED)
    if key:
        last_success = (
            LoginEvent.objects.filter(username=key, result=LoginResult.SUCCESS)
            .order_by("-time")
            .values_list("time", flat=True)
            .first()
        )
        failures = counted.filter(username=key)
        if last_success is not None:
            failures = failures.filter(time__gt=last_success)
        _lock_if_due(LockoutKind.ACCOUNT, key, failures, settings.CRM_LOGIN_MAX_FAILURES, now)
    if event.ip:
        failures = counted.filter(ip=event.ip)
        _lock_if_due(LockoutKind.IP, event.ip, failures, settings.CRM_LOGIN_IP_MAX_FAILURES, now)


def can_lift(user) -> bool:
    return access.has_special(user, "manage_users")


def lift_lockout(lockout: LoginLockout, *, actor) -> LoginLockout:
    """End a lockout early (administrators and holders of "manage_users")."""
    if not can_lift(actor):
        raise PermissionDenied
    if lockout.lifted_at is None and lockout.until > timezone.now():
        lockout.lifted_at = timezone.now()
        lockout.lifted_by = actor
        lockout.save(update_fields=["lifted_at", "lifted_by"])
        logger.info("Sign-in lockout of %s %s lifted by %s", lockout.kind, lockout.key, actor)
    return lockout


def current_lockouts():
    """Lockouts in force now, newest first."""
    now = timezone.now()
    return LoginLockout.objects.filter(until__gt=now, lifted_at__isnull=True).order_by(
        "-created_at"
    )


def purge_old_events(now: datetime | None = None) -> int:
    """Delete login log lines and lockouts older than CRM_LOGIN_LOG_DAYS (at least 180)."""
    cutoff = (now or timezone.now()) - timedelta(days=max(180, settings.CRM_LOGIN_LOG_DAYS))
    deleted, _ = LoginEvent.objects.filter(time__lt=cutoff).delete()
    LoginLockout.objects.filter(Q(until__lt=cutoff)).delete()
    return deleted
