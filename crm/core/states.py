"""State machines of business documents: a type declares its status field, its states and
the transitions between them; `crm.core.services.transition` is the only way the status
changes (forms, the API and imports leave it alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What a state means for lists and reports, whatever the type calls it."""

    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CLOSED = "closed", _("Closed")


@dataclass(frozen=True)
class State:
    """One value of the status field, with its label in the user's language."""

    value: str
    label: Any
    category: str = Category.OPEN


# A guard answers None when the transition may go ahead, else the reason it may not (translated).
Guard = Callable[[Any, Any], Any]
# An effect runs inside the transition's transaction, after the record is written.
Effect = Callable[[Any, Any], None]
# A preparation runs once the guards pass, before the record is written, given the stored
# values (`crm.core.changes.snapshot`): it may set more fields and write rows of its own.
Prepare = Callable[[Any, dict[str, Any], Any], None]


@dataclass(frozen=True)
class Transition:
    """A named move from one or more states to a target state.

    `action` is the permission a role must grant on the type ("edit", "approve", or one the
    type declares, such as "convert"); `required` names the record fields that must hold a
    value afterwards (sent with the transition or already there), `optional` those it may
    take besides; `guards` are called as
    `guard(record, actor)`, `prepare` as `prepare(record, before, actor)` and `effects` as
    `effect(record, actor)`; `choices(record)` narrows what the foreign keys it takes may
    point at ({"stage": the record's process's stages}); `page` names the type's record
    view that takes what it needs when an inline form cannot (a lead's conversion); `event`
    is the past tense published after commit (`approved`), the name itself when not given.
    A transition not `offered` is started only by a service or the approval engine (a lead's
    conversion sent for review, and its outcome): the record's page shows no button for it
    and the page's and the API's transition endpoints refuse it.
    """

    name: str
    source: str | tuple[str, ...]
    target: str
    label: Any
    action: str = "edit"
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    guards: tuple[Guard, ...] = ()
    prepare: tuple[Prepare, ...] = ()
    effects: tuple[Effect, ...] = ()
    choices: Callable[[Any], dict[str, Any]] | None = None
    page: str = ""
    event: str = ""
    offered: bool = True

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)

    @property
    def takes(self) -> tuple[str, ...]:
        """The fields it takes: the required ones, then the optional ones."""
        return (*self.required, *self.optional)


@dataclass(frozen=True)
class StateMachine:
    """The status field of a type, its states (the first is where a new record starts) and
    its transitions; `moves` names other fields only transitions change (an opportunity's
    stage)."""

    field: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    moves: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        values = [s.value for s in self.states]
        names = [t.name for t in self.transitions]
        assert len(set(values)) == len(values), f"states repeat: {values}"
        assert len(set(names)) == len(names), f"transitions repeat: {names}"
        for step in self.transitions:
            unknown = {*step.sources, step.target} - set(values)
            assert not unknown, f"{step.name} names unknown states {unknown}"

    @property
    def fixed(self) -> tuple[str, ...]:
        """The fields no write but a transition changes: the status and `moves`."""
        return (self.field, *self.moves)

    def fixed_refusal(self, name: str) -> str:
        """What a write that changes fixed field `name` is told."""
        if name == self.field:
            return str(_("The status changes only through its actions."))
        return str(_("This changes only through the record's actions."))

    @property
    def initial(self) -> str:
        return self.states[0].value

    @property
    def choices(self) -> list[tuple[str, Any]]:
        """The states as model field choices."""
        return [(s.value, s.label) for s in self.states]

    def state(self, value: str) -> State | None:
        return next((s for s in self.states if s.value == value), None)

    def transition(self, name: str) -> Transition | None:
        return next((t for t in self.transitions if t.name == name), None)

    def leaving(self, value: str) -> list[Transition]:
        """The transitions that start from state `value`."""
        return [t for t in self.transitions if value in t.sources]

    @property
    def data_fields(self) -> tuple[str, ...]:
        """Every field some offered transition takes with it, in declaration order."""
        steps = [t for t in self.transitions if t.offered]
        return tuple(dict.fromkeys(f for t in steps for f in (*t.required, *t.optional)))

    @property
    def actions(self) -> dict[str, Any]:
        """The permission actions the transitions need, each with the label of the first
        transition that needs it (for the role matrix)."""
        found: dict[str, Any] = {}
        for step in self.transitions:
            found.setdefault(step.action, step.label)
        return found
