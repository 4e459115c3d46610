"""Personal API tokens: the raw token is shown once; only its SHA-256 hash is kept."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from crm.core.api import SAFE_METHODS
from crm.org.models import ApiToken


def create_token(user, name: str, *, read_only: bool = False) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the row and the raw token to hand over once."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        prefix=raw[:8],
        key_hash=hashlib.sha256(raw.encode()).hexdigest(),
        read_only=read_only,
    )
    return token, raw


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal API token."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.expires_at and found.expires_at <= now:
            return None
        if found.read_only and request.method not in SAFE_METHODS:
            raise HttpError(403, _("This token may only read."))
        if not found.last_used_at or (now - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user
