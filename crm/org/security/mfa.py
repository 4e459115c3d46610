"""Who must use two-factor sign-in, and whether they do."""

from __future__ import annotations

from django.conf import settings

from crm.core import access


def required_for(user) -> bool:
    """Administrators and holders of "manage_users" must sign in with a second factor."""
    return bool(settings.CRM_ADMIN_MFA_REQUIRED) and (
        access.is_admin(user) or access.has_special(user, "manage_users")
    )


def has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def recovery_codes_left(user) -> int | None:
    """How many unused recovery codes the user has (None: none set up)."""
    from allauth.mfa.models import Authenticator

    row = Authenticator.objects.filter(
        user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES
    ).first()
    return None if row is None else len(row.wrap().get_unused_codes())
