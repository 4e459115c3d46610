"""The inbox pages: tabs, paging, marking read (only one's own), the badge, the
type-ahead, the notification settings and the email log."""

import json
import re
from html import unescape

import pytest
from django.utils import timezone

from crm.messaging import services
from crm.messaging.models import EmailMessage, EmailStatus, Kind, Notification
from crm.org.models import Role


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Inbox", "Mentions", "Mark all read"]),
        ("zh-hans", ["信息中心", "@我的", "全部标为已读"]),
    ],
)
def test_the_inbox_reads_in_both_languages(make_user, client_for, language, words):
    user = make_user("reader", language=language)
    client = client_for(user)
    client.cookies["django_language"] = language

    empty = client.get("/messages/", headers={"Accept-Language": language}).content.decode()

    assert all(word in empty for word in words)
    assert "data-inbox-empty" in empty


@pytest.mark.django_db
def test_tabs_filter_by_kind_and_unread_come_first_when_asked(alice, client_for):
    services.notify([alice], kind=Kind.ALERT, title="Old unread alert")
    read = services.notify([alice], kind=Kind.MENTION, title="Read mention")[0]
    services.mark_read(read, actor=alice)
    client = client_for(alice)

    alerts = client.get("/messages/?kind=alert").content.decode()
    newest = client.get("/messages/").content.decode()
    unread_first = client.get("/messages/?order=unread").content.decode()

    assert "Old unread alert" in alerts and "Read mention" not in alerts
    assert newest.index("Read mention") < newest.index("Old unread alert")
    assert unread_first.index("Old unread alert") < unread_first.index("Read mention")


@pytest.mark.django_db
@pytest.mark.parametrize("order", ["", "unread"])
def test_the_inbox_pages_through_every_item_once(alice, client_for, order):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            user=alice,
            kind=Kind.SYSTEM,
            title=f"Item {i:03}",
            created_at=now - timezone.timedelta(minutes=i),
            read_at=now if i % 3 else None,
        )
        for i in range(120)
    )
    client = client_for(alice)
    seen: list[str] = []
    url = f"/messages/?order={order}"
    while url:
        html = client.get(url, headers={"HX-Request": "true"} if "cursor" in url else {})
        html = html.content.decode()
        seen += re.findall(r">(Item \d+)<", html)
        more = re.search(r'hx-get="([^"]*cursor=[^"]*)"', html)
        url = "/messages/" + unescape(more.group(1)) if more else ""

    assert sorted(seen) == sorted(f"Item {i:03}" for i in range(120))


@pytest.mark.django_db
def test_marking_read_touches_only_ones_own_items(alice, bob, client_for):
    mine = services.notify([alice], kind=Kind.SYSTEM, title="Alice's")[0]
    theirs = services.notify([bob], kind=Kind.SYSTEM, title="Bob's")[0]
    client = client_for(alice)

    refused = client.post(f"/messages/{theirs.pk}/read/")
    opened_theirs = client.get(f"/messages/{theirs.pk}/")
    done = client.post(f"/messages/{mine.pk}/read/", headers={"HX-Request": "true"})
    client.post("/messages/read-all/")

    assert refused.status_code == opened_theirs.status_code == 404
    assert done.status_code == 200 and "inbox-changed" in json.loads(done.headers["HX-Trigger"])
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.read_at is None and mine.read_at is not None


@pytest.mark.django_db
def test_opening_an_item_reads_it_and_leads_to_its_link(alice, client_for):
    item = services.notify([alice], kind=Kind.SYSTEM, title="See", url="/customers/")[0]

    response = client_for(alice).get(f"/messages/{item.pk}/")

    assert response.status_code == 302 and response.url == "/customers/"
    item.refresh_from_db()
    assert item.read_at is not None


@pytest.mark.django_db
def test_the_badge_shows_the_capped_count(alice, client_for):
    client = client_for(alice)
    assert 'data-count="0"' in client.get("/messages/badge/").content.decode()

    Notification.objects.bulk_create(
        Notification(user=alice, kind=Kind.SYSTEM, title="x") for _i in range(120)
    )
    badge = client.get("/messages/badge/").content.decode()
    assert ">99+<" in badge


@pytest.mark.django_db
def test_notification_settings_are_saved_and_explain_a_missing_address(alice, client_for):
    client = client_for(alice)
    page = client.get("/messages/settings/").content.decode()
    assert "You have no email address" in page

    client.post("/messages/settings/", {"kinds": ["mention", "announcement"]})

    assert services.email_kinds(alice) == ["mention", "announcement"]


@pytest.mark.django_db
def test_the_email_log_lists_filters_and_retries_for_log_viewers(make_user, alice, client_for):
    viewer = make_user(
        "auditor",
        roles=[
            Role.objects.create(
                code="audit", name_zh="审计", name_en="Audit", specials=["view_logs"]
            )
        ],
    )
    services.queue_email(["a@example.com"], "Sent one", "x")
    failed = services.queue_email(["b@example.com"], "Failed one", "x")
    EmailMessage.objects.filter(subject="Sent one").update(status=EmailStatus.SENT)
    EmailMessage.objects.filter(pk=failed.pk).update(
        status=EmailStatus.FAILED, attempts=8, last_error="451 try later"
    )
    client = client_for(viewer)

    page = client.get("/messages/emails/?status=failed").content.decode()
    retried = client.post(f"/messages/emails/{failed.pk}/retry/")

    assert "Failed one" in page and "Sent one" not in page and "451 try later" in page
    assert retried.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)
    assert client_for(alice).get("/messages/emails/").status_code == 403


@pytest.mark.django_db
def test_others_may_not_retry_an_email(alice, client_for):
    failed = services.queue_email(["b@example.com"], "Failed one", "x")
    EmailMessage.objects.filter(pk=failed.pk).update(status=EmailStatus.FAILED, attempts=8)

    refused = client_for(alice).post(f"/messages/emails/{failed.pk}/retry/")

    assert refused.status_code == 403
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("failed", 8)
