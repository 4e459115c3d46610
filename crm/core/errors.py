"""Domain errors: what services raise when a rule is broken. Views and the API map them once."""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied
from django.db.models.deletion import ProtectedError, RestrictedError


class DomainError(Exception):
    """A broken business rule, with a stable machine-readable code."""

    status = 409

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.code = code
        self.message = str(message)
        self.fields = fields or {}


class ValidationFailed(DomainError):
    """Input that breaks field rules; `fields` maps field names to messages."""

    status = 422

    def __init__(self, fields: dict[str, list[str]], message: str | None = None):
        from django.utils.translation import gettext

        super().__init__("invalid", message or gettext("Please correct the errors below."), fields)


class StaleVersion(DomainError):
    """The record changed since the caller read it."""

    status = 409

    def __init__(self, message: str, current_version: int):
        super().__init__("stale_version", message)
        self.current_version = current_version


class AccessDenied(DomainError, PermissionDenied):
    """The actor may not do this (403 on pages too, where a view does not show it)."""

    status = 403

    def __init__(self, message: str):
        super().__init__("forbidden", message)


class BadParameter(DomainError, BadRequest):
    """A query parameter that cannot be read (a tampered cursor, a date that does not exist):
    400 in the API and on pages alike."""

    status = 400

    def __init__(self, name: str, message: str):
        super().__init__("bad_parameter", message, {name: [message]})


class TransitionRefused(DomainError):
    """A status transition the record's state or a guard refuses (409), or one that lacks
    the fields it needs (422)."""

    def __init__(self, code: str, message: str, fields=None, status: int = 409):
        super().__init__(code, message, fields)
        self.status = status


class RecordLocked(DomainError):
    """The record may not be changed as it stands (pending approval, signed ...): 409 with
    the type's reason, on pages, in the API and for an imported row alike."""

    status = 409

    def __init__(self, message: str):
        super().__init__("locked", message)


def referring_kinds(error: ProtectedError | RestrictedError) -> str:
    """What still refers to the rows a delete was refused for, as the kinds of records in
    the user's language ("opportunities, quotes")."""
    rows = (
        error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    )
    return ", ".join(sorted({str(type(row)._meta.verbose_name_plural) for row in rows}))
