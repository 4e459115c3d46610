"""The API (answering in the CRM's language, Chinese): the token user's own inbox,
marking read, announcements, and comments with mentions on any record."""

import pytest

from crm.core.models import Comment
from crm.customers.tests.test_battery import make_customer
from crm.messaging import services
from crm.messaging.models import Announcement, Kind, Mention, Notification


@pytest.mark.django_db
def test_notifications_are_ones_own_and_filter_unread(alice, bob, api_for):
    customer = make_customer(alice, name="金蝶软件")
    services.notify([alice], kind=Kind.ALERT, title="Follow up", target=customer)
    read = services.notify([alice], kind=Kind.SYSTEM, title="Read one")[0]
    services.mark_read(read, actor=alice)
    services.notify([bob], kind=Kind.SYSTEM, title="Bob's")
    api = api_for(alice)

    unread = api.get("/api/v1/notifications/", {"unread": "1"}).json()
    every = api.get("/api/v1/notifications/", {"limit": "1"}).json()
    second = api.get("/api/v1/notifications/", {"limit": "1", "cursor": every["next_cursor"]})

    (item,) = unread["items"]
    assert (item["title"], item["kind"], item["record"]) == (
        "Follow up",
        "alert",
        "客户 · 金蝶软件",
    )
    assert item["link"] == f"/customers/{customer.pk}/"
    assert [i["title"] for i in every["items"]] == ["Read one"]
    assert [i["title"] for i in second.json()["items"]] == ["Follow up"]


@pytest.mark.django_db
def test_marking_read_through_the_api_touches_only_ones_own(alice, bob, api_for):
    mine = services.notify([alice], kind=Kind.SYSTEM, title="Mine")[0]
    services.notify([alice], kind=Kind.SYSTEM, title="Mine too")
    theirs = services.notify([bob], kind=Kind.SYSTEM, title="Theirs")[0]
    api = api_for(alice)

    refused = api.post(f"/api/v1/notifications/{theirs.pk}/read/")
    done = api.post(f"/api/v1/notifications/{mine.pk}/read/")
    rest = api.post("/api/v1/notifications/read-all/")

    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert done.status_code == 200 and done.json()["read_at"]
    assert rest.json() == {"marked": 1}
    assert Notification.objects.filter(user=bob, read_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_announcements_are_those_addressed_to_the_user(admin, alice, api_for):
    services.publish_announcement(Announcement(title="放假通知", body="十一放假"), actor=admin)

    answer = api_for(alice).get("/api/v1/announcements/").json()

    assert [(a["title"], a["body"]) for a in answer] == [("放假通知", "十一放假")]


@pytest.mark.django_db
def test_comments_with_mentions_through_the_api(alice, bob, make_user, api_for):
    customer = make_customer(alice, name="金蝶软件")
    make_user("carol", full_name="Carol Chen")
    api = api_for(alice)

    posted = api.post(
        f"/api/v1/customers/{customer.pk}/comments/",
        {"body": "Hi @carol, see this", "mentions": [bob.pk]},
    )
    listed = api.get(f"/api/v1/customers/{customer.pk}/comments/").json()

    assert posted.status_code == 201
    assert sorted(posted.json()["not_notified"]) == ["Bob", "Carol Chen"]
    assert [(c["body"], c["author_name"]) for c in listed["items"]] == [
        ("Hi @carol, see this", "Alice")
    ]
    assert Mention.objects.count() == 2 and Notification.objects.count() == 0


@pytest.mark.django_db
def test_comments_on_a_hidden_record_answer_404_and_add_nothing(alice, bob, api_for):
    customer = make_customer(alice)
    api = api_for(bob)

    assert api.get(f"/api/v1/customers/{customer.pk}/comments/").status_code == 404
    refused = api.post(f"/api/v1/customers/{customer.pk}/comments/", {"body": "hi"})
    blank = api_for(alice).post(f"/api/v1/customers/{customer.pk}/comments/", {"body": "  "})

    assert refused.status_code == 404
    assert blank.status_code == 422 and blank.json()["fields"] == {"body": ["请填写评论内容。"]}
    assert not Comment.objects.exists() and not Mention.objects.exists()
