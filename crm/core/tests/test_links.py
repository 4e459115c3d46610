"""A record about another record ("related to"): the target is checked when the link is
set, the link follows what its reader may see, and records about a record appear on its
timeline only to those who see them. The sample document, about a customer, proves it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.core import links, services, timeline
from crm.core.errors import ValidationFailed
from crm.core.models import Collaborator, Comment, ObjectChange
from crm.core.testing.sample.models import SampleDocument
from crm.core.tests.test_states import make_document
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer

API = "/api/v1/sample-documents"


def about(customer) -> dict:
    return {"related_type": "customer", "related_id": customer.pk}


def timeline_kinds(record, viewer) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in timeline.entries(record, viewer)["items"]]


@pytest.fixture
def shared_customer(alice, bob):
    """Alice's customer, shared with Bob to read."""
    customer = make_customer(alice, name="华为技术")
    services.share_record(customer, user=bob, actor=alice)
    return customer


@pytest.mark.django_db
def test_a_document_about_a_customer_shows_on_its_timeline_to_who_sees_both(
    alice, bob, shared_customer
):
    document = make_document(alice, name="报价申请", **about(shared_customer))
    assert (document.related_type, document.related_id) == ("customer", shared_customer.pk)
    assert ("record", "报价申请") in timeline_kinds(shared_customer, alice)
    # Bob sees the customer, not Alice's document.
    assert Customer.objects.visible_to(bob).filter(pk=shared_customer.pk).exists()
    assert ("record", "报价申请") not in timeline_kinds(shared_customer, bob)


@pytest.mark.django_db
def test_the_timeline_page_links_the_document_for_its_readers_only(
    alice, bob, client_for, shared_customer
):
    document = make_document(alice, name="报价申请", **about(shared_customer))
    url = f"/customers/{shared_customer.pk}/"
    page = client_for(alice).get(url).content.decode()
    assert f'href="/sample-documents/{document.pk}/"' in page
    assert "报价申请" in page
    assert "报价申请" not in client_for(bob).get(url).content.decode()
    more = client_for(bob).get(f"{url}timeline/").content.decode()
    assert "报价申请" not in more


@pytest.mark.django_db
def test_a_link_to_a_customer_the_actor_cannot_see_is_refused_and_nothing_is_written(alice, bob):
    hidden = make_customer(alice, name="华为技术")
    changes = ObjectChange.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        make_document(bob, name="越权申请", **about(hidden))
    assert list(refused.value.fields) == ["related_id"]
    assert not SampleDocument.all_objects.exists()
    assert ObjectChange.objects.count() == changes


@pytest.mark.django_db
def test_a_link_to_an_unknown_type_or_a_missing_record_is_refused(alice):
    with pytest.raises(ValidationFailed) as unknown:
        make_document(alice, related_type="salary", related_id=1)
    assert list(unknown.value.fields) == ["related_type"]
    with pytest.raises(ValidationFailed) as missing:
        make_document(alice, related_type="customer", related_id=999999)
    assert list(missing.value.fields) == ["related_id"]
    with pytest.raises(ValidationFailed) as half:
        make_document(alice, related_id=1)
    assert list(half.value.fields) == ["related_type"]
    assert not SampleDocument.all_objects.exists()


@pytest.mark.django_db
def test_an_editor_keeps_a_link_to_a_record_they_do_not_see(alice, bob):
    customer = make_customer(alice, name="华为技术")
    document = make_document(alice, **about(customer))
    services.add_collaborator(document, bob, actor=alice)
    document.name = "改过的申请"
    services.save(document, actor=bob)
    document.refresh_from_db()
    assert (document.name, document.related_id) == ("改过的申请", customer.pk)
    # Pointing it elsewhere is checked again.
    other = make_customer(alice, name="中兴通讯")
    document.related_id = other.pk
    with pytest.raises(ValidationFailed):
        services.save(document, actor=bob)
    assert SampleDocument.objects.get(pk=document.pk).related_id == customer.pk


@pytest.mark.django_db
def test_set_related_points_at_a_registered_record_or_at_nothing(alice):
    customer = make_customer(alice)
    document = SampleDocument(owner=alice, name="申请", amount=1)
    links.set_related(document, customer)
    assert (document.related_type, document.related_id) == ("customer", customer.pk)
    links.set_related(document, None)
    assert (document.related_type, document.related_id) == ("", None)
    with pytest.raises(ValidationFailed) as refused:
        links.set_related(document, Comment(pk=1))
    assert list(refused.value.fields) == ["related_type"]


@pytest.mark.django_db
def test_the_target_is_named_and_linked_only_for_those_who_see_it(alice, bob, client_for):
    customer = make_customer(alice, name="华为技术")
    document = make_document(alice, name="报价申请", **about(customer))
    target = links.target(document, alice)
    assert target is not None
    assert (target.type_key, target.name) == ("customer", "华为技术")
    assert target.url == f"/customers/{customer.pk}/"
    services.add_collaborator(document, bob, actor=alice)
    assert links.target(document, bob) is None
    assert links.target(customer, alice) is None  # a customer is about nothing

    page = client_for(alice).get(f"/sample-documents/{document.pk}/").content.decode()
    assert "Related to" in page
    assert f'<a href="/customers/{customer.pk}/">华为技术</a>' in page
    page = client_for(bob).get(f"/sample-documents/{document.pk}/").content.decode()
    assert "Related to" not in page
    assert "华为技术" not in page


@pytest.mark.django_db
def test_lists_of_links_hide_those_whose_target_is_hidden(alice, bob, shared_customer):
    hidden = make_customer(alice, name="中兴通讯")
    seen = make_document(alice, name="可见", **about(shared_customer))
    unseen = make_document(alice, name="不可见", **about(hidden))
    loose = make_document(alice, name="无关")
    everything = SampleDocument.objects.all()
    assert set(links.visible_links(everything, alice)) == {seen, unseen, loose}
    assert set(links.visible_links(everything, bob)) == {seen, loose}
    with CaptureQueriesContext(connection) as queries:  # Bob's permissions read already
        list(links.visible_links(everything, bob))
    assert len(queries) == 1, [q["sql"] for q in queries]


@pytest.mark.django_db
def test_comments_are_read_only_on_records_the_reader_sees(alice, bob, shared_customer):
    hidden = make_customer(alice, name="中兴通讯")
    on_shared = services.add_comment(shared_customer, "下周拜访", actor=alice)
    services.add_comment(hidden, "内部备注", actor=alice)
    assert list(Comment.objects.on_visible_records(bob)) == [on_shared]
    assert Comment.objects.on_visible_records(alice).count() == 2
    assert list(Collaborator.objects.on_visible_records(bob)) == []


@pytest.mark.django_db
def test_the_timeline_pages_through_every_source(alice, shared_customer):
    for i in range(12):
        services.add_comment(shared_customer, f"备注{i}", actor=alice)
    for i in range(12):
        make_document(alice, name=f"申请{i}", **about(shared_customer))
    first = timeline.entries(shared_customer, alice)
    assert len(first["items"]) == timeline.PAGE
    second = timeline.entries(shared_customer, alice, before=first["items"][-1].time)
    assert second["next"] is None
    shown = [(e.kind, e.text) for e in first["items"] + second["items"]]
    assert [k for k, _ in shown].count("change") == 2  # the customer made, then shared
    assert sorted(t for k, t in shown if k == "comment") == sorted(f"备注{i}" for i in range(12))
    assert sorted(t for k, t in shown if k == "record") == sorted(f"申请{i}" for i in range(12))


@pytest.mark.django_db
def test_the_api_reads_and_writes_the_link_as_type_and_id(alice, bob, api_for):
    customer = make_customer(alice, name="华为技术")
    created = api_for(alice).post(f"{API}/", {"name": "报价申请", **about(customer)})
    assert created.status_code == 201, created.json()
    body = api_for(alice).get(f"{API}/{created.json()['id']}/").json()
    assert (body["related_type"], body["related_id"]) == ("customer", customer.pk)

    refused = api_for(bob).post(f"{API}/", {"name": "越权申请", **about(customer)})
    assert refused.status_code == 422
    assert list(refused.json()["fields"]) == ["related_id"]
    assert SampleDocument.objects.count() == 1
