"""Per-process copies of the small tables every page reads (custom field definitions,
dictionary items), renewed when those tables change.

A save or delete of a watched model bumps a stamp in the shared cache when its transaction
commits; a process uses its copy while the copy's stamp is the current one, so a change
reaches every process on its next read. Inside a transaction that has changed a watched
table and not committed yet, reads go to the database and nothing is kept: a rollback
leaves no copy behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Hashable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

STAMP_KEY = "crm:kept-stamp"
_copies: dict[Hashable, tuple[str, object]] = {}


def bump(**_kwargs) -> None:
    """Make every process read the watched tables afresh."""
    cache.set(STAMP_KEY, uuid.uuid4().hex, timeout=None)


def _changing() -> bool:
    """Whether the open transaction has changed a watched table (its bump is pending)."""
    return any(entry[1] is bump for entry in connection.run_on_commit)


def _changed(**_kwargs) -> None:
    if not _changing():
        transaction.on_commit(bump)


def watch(*models) -> None:
    """Renew the copies whenever a row of one of `models` is saved or deleted."""
    for model in models:
        uid = f"crm.kept.{model._meta.label}"
        post_save.connect(_changed, sender=model, weak=False, dispatch_uid=uid)
        post_delete.connect(_changed, sender=model, weak=False, dispatch_uid=uid)


def _stamp() -> str:
    stamp = cache.get(STAMP_KEY)
    if stamp is None:
        cache.add(STAMP_KEY, uuid.uuid4().hex, timeout=None)
        stamp = cache.get(STAMP_KEY)
    return stamp


def kept(key: Hashable, build: Callable[[], T]) -> T:
    """This process's copy of what `build` reads, built again after a change."""
    if _changing():
        return build()
    stamp = _stamp()
    found = _copies.get(key)
    if found is not None and found[0] == stamp:
        return found[1]  # type: ignore[return-value]
    value = build()
    _copies[key] = (stamp, value)
    return value
