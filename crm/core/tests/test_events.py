"""Events: published after commit to in-process and background subscribers, one per
single write and one per batch of a bulk write."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.core import events, services, tasks
from crm.core.errors import AccessDenied
from crm.core.models import EventOutbox, Job, OutboxStatus
from crm.core.tests.test_imports import csv_file, run
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer
from crm.org import handover

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


@pytest.fixture(autouse=True)
def no_other_subscribers(monkeypatch):
    monkeypatch.setattr(events, "_subscribers", [])
    monkeypatch.setattr(events, "_matches", {})


@pytest.fixture
def heard() -> list[events.Event]:
    """Events of customers and contacts heard by an in-process subscriber."""
    got: list[events.Event] = []
    events.subscribe("customers.*.*", got.append)
    return got


def test_a_save_is_heard_once_after_commit_with_its_changed_fields(
    alice, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        customer = make_customer(alice)
    assert heard == []  # not before the commit
    for callback in callbacks:
        callback()
    (created,) = heard
    assert (created.name, created.type_key, created.action) == (
        "customers.customer.created",
        "customer",
        "created",
    )
    assert created.ids == (customer.pk,)
    assert created.actor_id == alice.pk
    assert "name" in created.changed and "version" not in created.changed

    customer.address = "浦东新区张江路 1 号"
    with django_capture_on_commit_callbacks(execute=True):
        services.save(customer, actor=alice)
    updated = heard[1]
    assert (updated.name, updated.ids, updated.changed) == (
        "customers.customer.updated",
        (customer.pk,),
        ("address",),
    )
    assert len(heard) == 2


def test_the_event_carries_the_request_id(alice, heard, django_capture_on_commit_callbacks):
    token = events.context.request_id.set("req-42")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            make_customer(alice)
    finally:
        events.context.request_id.reset(token)
    assert heard[0].request_id == "req-42"


def test_a_rolled_back_write_is_not_heard(alice, heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        make_customer(alice)
        raise Boom
    assert heard == []
    assert not Customer.all_objects.exists()


def test_a_refused_write_is_not_heard_and_changes_nothing(
    alice, bob, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        theirs = make_customer(bob)
    heard.clear()
    events.subscribe("customers.*.*", lambda event: None, background=True, key="test.bg")
    theirs.address = "改掉"
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AccessDenied):
        services.save(theirs, actor=alice)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AccessDenied):
        services.delete(theirs, actor=alice)
    assert heard == []
    assert not EventOutbox.objects.exists()
    stored = Customer.objects.get(pk=theirs.pk)
    assert (stored.address, stored.version, stored.deleted_at) == ("", 1, None)


def test_delete_restore_and_purge_are_heard(admin, heard, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer(admin)
        services.delete(customer, actor=admin)
        services.restore(customer, actor=admin)
        services.delete(customer, actor=admin)
        services.purge(customer, actor=admin)
    assert [e.action for e in heard] == ["created", "deleted", "restored", "deleted", "purged"]
    assert {e.ids for e in heard} == {(customer.pk,)}
    assert heard[1].changed == ("deleted_at",)


def test_patterns_choose_the_events(alice, django_capture_on_commit_callbacks):
    created, anything_deleted = [], []
    events.subscribe("customers.customer.created", created.append)
    events.subscribe("*.*.deleted", anything_deleted.append)
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer(alice)
        services.save(Contact(customer=customer, name="王五"), actor=alice)
        services.delete(customer, actor=alice)
    assert [e.name for e in created] == ["customers.customer.created"]
    assert [e.name for e in anything_deleted] == ["customers.customer.deleted"]


def test_publishing_with_no_subscriber_costs_no_query(alice, heard):
    with CaptureQueriesContext(connection) as queries:
        assert events.publish(Job, "created", [1], actor=alice) is None  # nobody listens
        # An in-process subscriber needs no outbox row either.
        assert events.publish(Customer, "created", [1], actor=alice) is not None
    assert len(queries) == 0


def test_a_background_subscriber_gets_the_event_from_the_outbox(
    alice, django_capture_on_commit_callbacks
):
    got = []
    events.subscribe("customers.customer.created", got.append, background=True, key="test.bg")
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer(alice)
    (event,) = got
    assert (event.name, event.ids, event.actor_id) == (
        "customers.customer.created",
        (customer.pk,),
        alice.pk,
    )
    row = EventOutbox.objects.get()
    assert (row.status, row.attempts, row.subscriber, row.event_uid) == (
        OutboxStatus.DELIVERED,
        1,
        "test.bg",
        event.uid,
    )


def test_a_failing_background_handler_is_retried_with_backoff_until_it_succeeds(
    alice, django_capture_on_commit_callbacks
):
    calls = []
    failing = [True]

    def handler(event):
        calls.append(event.uid)
        if failing[0]:
            raise Boom("receiver down")

    events.subscribe("customers.customer.created", handler, background=True, key="test.flaky")
    with django_capture_on_commit_callbacks(execute=True):
        make_customer(alice)
    row = EventOutbox.objects.get()
    assert (row.status, row.attempts, len(calls)) == (OutboxStatus.PENDING, 1, 1)
    assert "receiver down" in row.last_error
    assert _delay(row) == pytest.approx(events.RETRY_FIRST.total_seconds(), abs=5)

    assert events.deliver(row.pk) is False  # not due yet: nothing is tried
    assert len(calls) == 1

    _make_due(row)
    assert events.deliver_due() == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, len(calls)) == (OutboxStatus.PENDING, 2, 2)
    assert _delay(row) == pytest.approx(2 * events.RETRY_FIRST.total_seconds(), abs=5)

    EventOutbox.objects.filter(pk=row.pk).update(attempts=500)  # failing for weeks
    _make_due(row)
    assert events.deliver(row.pk) is False
    row.refresh_from_db()
    assert _delay(row) == pytest.approx(events.RETRY_CAP.total_seconds(), abs=5)

    failing[0] = False
    _make_due(row)
    assert events.deliver(row.pk) is True
    row.refresh_from_db()
    assert (row.status, row.last_error) == (OutboxStatus.DELIVERED, "")
    assert len(set(calls)) == 1  # every try carried the same event

    tries = len(calls)
    _make_due(row)
    assert events.deliver(row.pk) is False  # a delivered row is not delivered again
    assert events.deliver_due() == 0
    assert len(calls) == tries


def test_the_periodic_task_delivers_rows_whose_wake_up_was_lost(
    alice, django_capture_on_commit_callbacks
):
    calls = []
    events.subscribe("customers.customer.created", calls.append, background=True, key="test.bg")
    with django_capture_on_commit_callbacks(execute=False):
        make_customer(alice)  # committed, but the wake-up was lost
    tasks.deliver_events_task()
    assert len(calls) == 1
    assert EventOutbox.objects.get().status == OutboxStatus.DELIVERED


def test_a_row_held_by_another_consumer_is_left_to_it(alice, django_capture_on_commit_callbacks):
    calls = []
    events.subscribe("customers.customer.created", calls.append, background=True, key="test.bg")
    with django_capture_on_commit_callbacks(execute=False):
        make_customer(alice)  # the wake-up is not sent
    row = EventOutbox.objects.get()
    # Another consumer claimed it a moment ago: its lease pushes the row into the future.
    EventOutbox.objects.filter(pk=row.pk).update(
        attempts=1, next_attempt_at=timezone.now() + events.LEASE
    )
    assert events.deliver(row.pk) is False
    assert calls == []


def test_an_import_publishes_one_event_per_batch_carrying_the_ids(
    alice, monkeypatch, settings, tmp_path, django_capture_on_commit_callbacks
):
    from crm.core.imports import services as imports

    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(imports, "BATCH", 3)
    got, background = [], []
    events.subscribe("customers.customer.*", got.append)
    events.subscribe("customers.customer.*", background.append, background=True, key="test.bg")
    rows = [["客户名称", "编号"]] + [[f"导入客户{i}", f"IMP-{i}"] for i in range(7)]
    with django_capture_on_commit_callbacks(execute=True):
        job = run(alice, csv_file(rows))
    assert job.summary["created"] == 7, job.message
    ids = set(Customer.objects.values_list("pk", flat=True))
    assert [(e.action, len(e.ids)) for e in got] == [("created", 3), ("created", 3), ("created", 1)]
    assert {i for e in got for i in e.ids} == ids
    assert all("name" in e.changed and e.request_id for e in got)
    assert sorted(len(e.ids) for e in background) == [1, 3, 3]
    assert EventOutbox.objects.filter(status=OutboxStatus.DELIVERED).count() == 3

    got.clear()
    rows = [["客户名称", "编号", "地址"]] + [[f"导入客户{i}", f"IMP-{i}", "上海"] for i in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        job = run(alice, csv_file(rows), on_duplicate="update", match="number")
    assert job.summary["updated"] == 4, job.message
    assert [(e.action, len(e.ids), e.changed) for e in got] == [
        ("updated", 3, ("address",)),
        ("updated", 1, ("address",)),
    ]


def test_a_handover_publishes_one_event_per_batch_to_the_same_subscriber(
    admin, make_user, alice, heard, monkeypatch, django_capture_on_commit_callbacks
):
    leaver = make_user("leaver")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            customer = make_customer(leaver, name=f"交接客户{i}")
            services.save(Contact(customer=customer, name=f"联系人{i}"), actor=leaver)
    assert all(len(e.ids) == 1 for e in heard)  # single writes
    heard.clear()
    monkeypatch.setattr(handover, "BATCH", 2)
    with django_capture_on_commit_callbacks(execute=True):
        handover.start_handover(leaver, [alice], ["customer"], actor=admin)
    customers = [e for e in heard if e.type_key == "customer"]
    contacts = [e for e in heard if e.type_key == "contact"]
    assert [len(e.ids) for e in customers] == [2, 2, 1]
    assert [len(e.ids) for e in contacts] == [2, 2, 1]
    assert {i for e in customers for i in e.ids} == set(
        Customer.objects.values_list("pk", flat=True)
    )
    assert {i for e in contacts for i in e.ids} == set(Contact.objects.values_list("pk", flat=True))
    assert all(e.action == "updated" and e.changed == ("owner",) for e in heard)


def test_a_gathered_block_that_fails_drops_its_events(
    alice, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), events.gathered():
        first = make_customer(alice, name="留下")
        with pytest.raises(Boom), transaction.atomic(), events.gathered():
            make_customer(alice, name="撤回")
            raise Boom
        second = make_customer(alice, name="也留下")
    assert [(e.name, e.ids) for e in heard] == [
        ("customers.customer.created", (first.pk, second.pk))
    ]


def _delay(row: EventOutbox) -> float:
    row.refresh_from_db()
    return (row.next_attempt_at - timezone.now()).total_seconds()


def _make_due(row: EventOutbox) -> None:
    EventOutbox.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )
