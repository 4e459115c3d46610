"""Events: what was written, published after commit for modules to react to.

A committed create, update, delete, restore, purge or state transition publishes an
`Event` named `<app>.<model>.<past tense>` (`customers.customer.created`). Modules
subscribe in their AppConfig.ready(). An in-process subscriber is called after commit, in
the writing process. A background subscriber gets an `EventOutbox` row written in the
transaction of the change and is called by a consumer at least once, retried with a
growing delay until it succeeds; it must be idempotent (`Event.uid` tells a repeat).

A single write's event carries one id; a bulk write (an import or handover batch)
publishes one event per batch carrying every id, so every handler takes `event.ids`.
The change log stays the audit record; events are for reactions.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from huey.contrib.djhuey import db_task

from crm.core import context
from crm.core.models import EventOutbox, OutboxStatus

log = logging.getLogger(__name__)

# Bookkeeping every write changes; an event names the fields that say what happened.
BOOKKEEPING = {"version", "created_at", "updated_at", "created_by", "updated_by"}
# A claimed row is left to its consumer this long; after that it is presumed dead.
LEASE = datetime.timedelta(minutes=5)
RETRY_FIRST = datetime.timedelta(seconds=30)
RETRY_CAP = datetime.timedelta(hours=1)
DUE_BATCH = 500


@dataclasses.dataclass(frozen=True)
class Event:
    """One committed write: `name` is `<app>.<model>.<action>`, `type_key` the model's
    registry key, `ids` the rows written (one for a single write), `changed` the field
    names whose value changed."""

    name: str
    type_key: str
    ids: tuple[int, ...]
    action: str
    changed: tuple[str, ...]
    actor_id: int | None
    request_id: str
    at: datetime.datetime
    uid: str

    def as_json(self) -> dict:
        return {**dataclasses.asdict(self), "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: dict) -> Event:
        return cls(
            **{
                **data,
                "ids": tuple(data["ids"]),
                "changed": tuple(data["changed"]),
                "at": datetime.datetime.fromisoformat(data["at"]),
            }
        )


@dataclasses.dataclass(frozen=True)
class Subscriber:
    pattern: str
    handler: Callable[[Event], None]
    background: bool
    key: str


_subscribers: list[Subscriber] = []
# event name -> its subscribers, worked out once per name.
_matches: dict[str, tuple[Subscriber, ...]] = {}
# Events gathered by `gathered()` blocks instead of being published at once.
_gathering: ContextVar[list[Event] | None] = ContextVar("events_gathering", default=None)


def subscribe(
    pattern: str,
    handler: Callable[[Event], None],
    *,
    background: bool = False,
    key: str = "",
) -> None:
    """Call `handler(event)` for events named `pattern` (`*` matches any part:
    `customers.*.created`, `*.*.deleted`). Called from AppConfig.ready().

    A background handler runs in a consumer, at least once; `key` names it in the outbox
    (by default its module and name), so it must stay the same across releases."""
    key = key or f"{handler.__module__}.{handler.__qualname__}"
    subscriber = Subscriber(pattern, handler, background, key if background else "")
    # Subscribing again (a second ready()) replaces, so nothing is heard twice.
    _subscribers[:] = [
        s
        for s in _subscribers
        if not (s.background and background and s.key == key)
        and (s.pattern, s.handler, s.background) != (pattern, handler, background)
    ]
    _subscribers.append(subscriber)
    _matches.clear()


def _matching(name: str) -> tuple[Subscriber, ...]:
    found = _matches.get(name)
    if found is None:
        found = tuple(s for s in _subscribers if fnmatch.fnmatchcase(name, s.pattern))
        _matches[name] = found
    return found


def publish(
    model: type[models.Model],
    action: str,
    ids: Iterable[int],
    *,
    actor,
    changed: Iterable[str] = (),
    request_id: str | None = None,
) -> Event | None:
    """Publish `<app>.<model>.<action>` for the rows `ids` once the current transaction
    commits; call it inside the write's transaction, after the write. `changed` takes
    field or attribute names (`owner` or `owner_id`). Costs nothing when nobody
    subscribes (returns None then), and nothing at all if the write rolls back.

    A state transition publishes its own past tense with the field it moves:
    `events.publish(type(lead), "converted", [lead.pk], actor=actor, changed=["status"])`.
    """
    meta = model._meta
    assert meta.model_name is not None  # set on every model class Django has prepared
    name = f"{meta.app_label}.{meta.model_name}.{action}"
    ids = tuple(ids)
    if not ids or not _matching(name):
        return None
    names = {f.attname: f.name for f in meta.concrete_fields}
    event = Event(
        name=name,
        type_key=meta.model_name,
        ids=ids,
        action=action,
        changed=tuple(sorted({names.get(c, c) for c in changed} - BOOKKEEPING)),
        actor_id=getattr(actor, "pk", None),
        request_id=context.request_id.get() if request_id is None else request_id,
        at=timezone.now(),
        uid=uuid.uuid4().hex,
    )
    gathering = _gathering.get()
    if gathering is not None:
        gathering.append(event)
    else:
        _dispatch(event)
    return event


@contextmanager
def gathered() -> Iterator[None]:
    """Gather the events published in the block and publish them on leaving it as one
    event per name carrying every id (a bulk write's batch). An exception drops them, as
    it rolls back the block's writes. An inner block hands its events to the outer one."""
    outer = _gathering.get()
    gathering: list[Event] = []
    token = _gathering.set(gathering)
    try:
        yield
    finally:
        _gathering.reset(token)
    if outer is not None:
        outer.extend(gathering)
        return
    for event in _merged(gathering):
        _dispatch(event)


def _merged(gathering: list[Event]) -> list[Event]:
    by_name: dict[tuple, Event] = {}
    for event in gathering:
        key = (event.name, event.actor_id, event.request_id)
        first = by_name.get(key)
        if first is None:
            by_name[key] = event
            continue
        by_name[key] = dataclasses.replace(
            first,
            ids=first.ids + tuple(i for i in event.ids if i not in first.ids),
            changed=tuple(sorted(set(first.changed) | set(event.changed))),
        )
    return list(by_name.values())


def _dispatch(event: Event) -> None:
    background = []
    for subscriber in _matching(event.name):
        if subscriber.background:
            background.append(subscriber)
        else:
            # robust: a failing reaction is logged; it cannot undo the committed write.
            transaction.on_commit(partial(subscriber.handler, event), robust=True)
    if background:
        now = timezone.now()
        EventOutbox.objects.bulk_create(
            EventOutbox(
                event_uid=event.uid,
                name=event.name,
                subscriber=s.key,
                event=event.as_json(),
                next_attempt_at=now,
            )
            for s in background
        )
        transaction.on_commit(partial(deliver_event_task, event.uid))


def deliver(row_id: int) -> bool:
    """Claim one due outbox row and call its subscriber. Its writes commit together with
    the row marked delivered; a failure leaves the row for a retry after a delay doubling
    from RETRY_FIRST up to RETRY_CAP. Returns whether it was delivered now."""
    now = timezone.now()
    claimed = EventOutbox.objects.filter(
        pk=row_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:  # delivered, not yet due, or held by another consumer
        return False
    row = EventOutbox.objects.get(pk=row_id)
    subscriber = next((s for s in _subscribers if s.background and s.key == row.subscriber), None)
    try:
        with transaction.atomic():
            if subscriber is None:
                raise LookupError(f"No background subscriber {row.subscriber}")
            subscriber.handler(Event.from_json(row.event))
            EventOutbox.objects.filter(pk=row_id).update(
                status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), last_error=""
            )
    except Exception as exc:
        log.exception("Delivering event %s to %s failed", row.event_uid, row.subscriber)
        # The exponent is bounded so that a row failing for days cannot overflow.
        delay = min(RETRY_FIRST * 2 ** min(row.attempts - 1, 20), RETRY_CAP)
        EventOutbox.objects.filter(pk=row_id).update(
            next_attempt_at=timezone.now() + delay, last_error=repr(exc)[:2000]
        )
        return False
    return True


def _deliver_all(rows: models.QuerySet) -> int:
    delivered = 0
    # A tried row is delivered or put off (claimed or retried later): the loop ends.
    while ids := list(
        rows.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:DUE_BATCH]
    ):
        delivered += sum(deliver(row_id) for row_id in ids)
    return delivered


def deliver_due() -> int:
    """Deliver outbox rows whose time has come (new, or due for a retry); returns how
    many were delivered."""
    return _deliver_all(EventOutbox.objects.all())


@db_task()
def deliver_event_task(event_uid: str) -> None:
    """Wake a consumer for the background subscribers of one committed event."""
    _deliver_all(EventOutbox.objects.filter(event_uid=event_uid))
