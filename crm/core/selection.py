"""Actions on the records a user selected in a list or in the recycle bin: each record goes
through the write path on its own (permission, scope, lock, change log), and one refused
does not stop the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import ngettext

from crm.core import services
from crm.core.errors import DomainError


@dataclass(frozen=True)
class Outcome:
    """How many of the selected records were changed, and how many refused."""

    done: int
    refused: int


def _each(rows: Iterable[models.Model], act: Callable[..., object], actor) -> Outcome:
    done = refused = 0
    for obj in rows:
        try:
            act(obj, actor=actor)
        except DomainError:
            refused += 1
        else:
            done += 1
    return Outcome(done, refused)


def delete(model: type[models.Model], ids: list[int], *, actor) -> Outcome:
    """Move the selected live records `actor` sees to the recycle bin."""
    rows = model.objects.visible_to(actor).filter(pk__in=ids)  # type: ignore[attr-defined]
    return _each(rows, services.delete, actor)


def restore(model: type[models.Model], ids: list[int], *, actor) -> Outcome:
    """Bring the selected records `actor` sees back from the recycle bin."""
    rows = model.all_objects.visible_to(actor).filter(  # type: ignore[attr-defined]
        pk__in=ids, deleted_at__isnull=False
    )
    return _each(rows, services.restore, actor)


def deleted_message(outcome: Outcome) -> str:
    """What a bulk delete did, naming refusals only when there were some."""
    done = ngettext(
        "%(done)d record moved to the recycle bin.",
        "%(done)d records moved to the recycle bin.",
        outcome.done,
    ) % {"done": outcome.done}
    return _with_refusals(done, outcome)


def restored_message(outcome: Outcome) -> str:
    """What a bulk restore did, naming refusals only when there were some."""
    done = ngettext("%(done)d record restored.", "%(done)d records restored.", outcome.done) % {
        "done": outcome.done
    }
    return _with_refusals(done, outcome)


def _with_refusals(done: str, outcome: Outcome) -> str:
    if not outcome.refused:
        return done
    refused = ngettext(
        "%(refused)d refused (locked, or not yours to change).",
        "%(refused)d refused (locked, or not yours to change).",
        outcome.refused,
    ) % {"refused": outcome.refused}
    return f"{done} {refused}"
