"""Inbox items: who gets them, in which language, resolving them, and the email they queue."""

import pytest
from django.db import transaction
from django.utils.translation import gettext as _

from crm.customers.tests.test_battery import make_customer
from crm.messaging import services
from crm.messaging.models import EmailMessage, Kind, Notification


@pytest.mark.django_db
def test_notify_puts_one_item_in_each_active_recipients_inbox(alice, bob, make_user):
    gone = make_user("gone", is_active=False)
    customer = make_customer(alice)

    items = services.notify(
        [bob, alice, bob.pk, gone], kind=Kind.ALERT, title="No follow-up", target=customer
    )

    assert sorted(n.user_id for n in items) == sorted([alice.pk, bob.pk])
    assert Notification.objects.filter(user=gone).count() == 0
    assert {(n.kind, n.title, n.object_id) for n in items} == {
        ("alert", "No follow-up", customer.pk)
    }


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_notification_leaves_nothing(alice):
    alice.email = "alice@example.com"
    alice.save()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify([alice], kind=Kind.APPROVAL, title="Approve quote Q-1")
        raise RuntimeError

    assert Notification.objects.count() == 0
    assert EmailMessage.objects.count() == 0


@pytest.mark.django_db
def test_notify_each_writes_in_each_recipients_language(make_user):
    english = make_user("eng", language="en")
    chinese = make_user("chn", language="zh-hans")

    services.notify_each(
        [english, chinese], kind=Kind.SYSTEM, render=lambda user: (_("Workbench"), "")
    )

    titles = dict(Notification.objects.values_list("user__username", "title"))
    assert titles == {"eng": "Workbench", "chn": "工作台"}


@pytest.mark.django_db
def test_resolve_marks_every_item_of_a_reference_done_and_read(alice, bob):
    services.notify([alice, bob], kind=Kind.APPROVAL, title="Approve", ref="approval:7")
    other = services.notify([alice], kind=Kind.APPROVAL, title="Approve", ref="approval:8")[0]

    assert services.resolve("approval:7") == 2

    done = Notification.objects.filter(ref="approval:7")
    assert all(n.done_at and n.read_at for n in done)
    other.refresh_from_db()
    assert other.done_at is None and other.read_at is None
    assert services.resolve("approval:7") == 0


@pytest.mark.django_db
def test_email_goes_only_for_the_kinds_a_user_chose(alice, bob, make_user):
    alice.email = "alice@example.com"
    alice.save()
    nobody = make_user("noaddress")  # no email address at all
    services.set_email_kinds([Kind.MENTION], actor=bob)
    bob.email = "bob@example.com"
    bob.save()

    services.notify([alice, bob, nobody], kind=Kind.APPROVAL, title="Approve quote Q-1")
    services.notify([alice, bob, nobody], kind=Kind.MENTION, title="Mentioned")

    sent = sorted((e.to[0], e.subject) for e in EmailMessage.objects.all())
    assert sent == [("alice@example.com", "Approve quote Q-1"), ("bob@example.com", "Mentioned")]
    assert services.email_kinds(alice) == ["approval", "alert"]


@pytest.mark.django_db
def test_the_badge_counts_unread_items_up_to_99(alice, bob):
    services.notify([bob], kind=Kind.SYSTEM, title="Not Alice's")
    for _i in range(3):
        services.notify([alice], kind=Kind.SYSTEM, title="Hello")
    assert services.unread_count(alice) == (3, False)

    Notification.objects.bulk_create(
        Notification(user=alice, kind=Kind.SYSTEM, title="More") for _i in range(100)
    )
    assert services.unread_count(alice) == (99, True)

    services.mark_all_read(actor=alice)
    assert services.unread_count(alice) == (0, False)
    assert services.unread_count(bob) == (1, False)


@pytest.mark.django_db
def test_an_unknown_kind_is_refused_and_nothing_is_written(alice):
    with pytest.raises(ValueError, match="approvals"):
        services.notify([alice], kind="approvals", title="Typo")

    assert Notification.objects.count() == 0
