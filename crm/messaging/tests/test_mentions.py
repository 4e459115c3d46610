"""@mentions in comments: who is told, who is not (and the author learns it), how the
timeline shows them, and an inbox item whose record became hidden."""

import json

import pytest

from crm.conftest import sales_role
from crm.core import services as core_services
from crm.core import timeline
from crm.core.models import Comment
from crm.customers.tests.test_battery import make_customer
from crm.messaging.models import Kind, Mention, Notification
from crm.org.models import Role, RolePermission


@pytest.fixture
def everyone_sees(db):
    """A role that sees every customer."""
    role = Role.objects.create(code="see_all", name_zh="全部", name_en="All")
    RolePermission.objects.create(
        role=role, type_key="*", view_scope="all", edit_scope="own", actions=["view"]
    )
    return role


@pytest.mark.django_db
def test_a_mention_of_someone_who_cannot_see_the_record_notifies_nobody(alice, bob):
    customer = make_customer(alice, name="金蝶软件")

    comment, unreached = timeline.post_comment(
        customer, "@Bob please call them", actor=alice, mentions=[bob.pk]
    )

    assert unreached == ["Bob"]
    assert Notification.objects.count() == 0
    assert list(Mention.objects.values_list("user_id", "notified")) == [(bob.pk, False)]
    assert comment.body == "@Bob please call them"


@pytest.mark.django_db
def test_a_mention_of_someone_who_sees_the_record_links_it(alice, make_user, everyone_sees):
    carol = make_user("carol", full_name="Carol Chen", roles=[sales_role(), everyone_sees])
    customer = make_customer(alice, name="金蝶软件")

    _comment, unreached = timeline.post_comment(
        customer, "Ask @Carol Chen and @carol again, and @alice", actor=alice
    )

    assert unreached == []
    (item,) = Notification.objects.all()
    assert (item.user, item.kind, item.title) == (carol, Kind.MENTION, "Alice mentioned you")
    assert (item.content_type.model, item.object_id) == ("customer", customer.pk)


@pytest.mark.django_db
def test_the_timeline_highlights_mentions_and_escapes_the_rest(alice, make_user, everyone_sees):
    make_user("carol", full_name="Carol Chen", roles=[sales_role(), everyone_sees])
    customer = make_customer(alice)
    timeline.post_comment(customer, "<b>Hi</b> @Carol Chen", actor=alice)

    (entry,) = [e for e in timeline.entries(customer, alice)["items"] if e.kind == "comment"]

    assert entry.text == '&lt;b&gt;Hi&lt;/b&gt; <span class="crm-mention">@Carol Chen</span>'


@pytest.mark.django_db
def test_the_comment_box_tells_the_author_who_was_not_notified(alice, bob, client_for):
    customer = make_customer(alice)

    response = client_for(alice).post(
        f"/customers/{customer.pk}/comments/",
        {"body": "@Bob look", "mentions": f"{bob.pk}"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    toast = json.loads(response.headers["HX-Trigger"])["toast"]
    assert toast["level"] == "warning" and "Bob" in toast["message"]
    assert Comment.objects.count() == 1
    assert Notification.objects.count() == 0


@pytest.mark.django_db
def test_an_item_whose_record_became_hidden_shows_no_title(alice, bob, client_for):
    customer = make_customer(alice, name="金蝶软件")
    share = core_services.share_record(customer, actor=alice, user=bob)
    timeline.post_comment(customer, "@Bob 金蝶软件 needs you", actor=alice, mentions=[bob.pk])
    item = Notification.objects.get(user=bob)
    page = client_for(bob).get("/messages/")
    assert "金蝶软件" in page.content.decode()

    core_services.remove_access(customer, share, actor=alice)
    page = client_for(bob).get("/messages/").content.decode()
    opened = client_for(bob).get(f"/messages/{item.pk}/")

    assert "金蝶软件" not in page
    assert "You may no longer see the record" in page
    assert opened.status_code == 200 and "金蝶软件" not in opened.content.decode()
