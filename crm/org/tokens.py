"""Personal API tokens: the raw token is shown once; only its SHA-256 hash is kept."""

from __future__ import annotations

import hashlib
import secrets

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
