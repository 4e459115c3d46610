"""Customers and contacts: mnemonic codes, search, validation, visibility through the parent."""

import pytest

from crm.core import search, services
from crm.core.errors import ValidationFailed
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer


def titles(user, query: str) -> list[str]:
    return [hit.title for group in search.search(user, query) for hit in group.hits]


@pytest.mark.django_db
def test_mnemonic_code_is_made_from_pinyin_initials_and_stays_editable(alice):
    customer = make_customer(alice, name="金蝶软件")
    assert customer.mnemonic_code == "JDRJ"
    customer.mnemonic_code = "KD"
    services.save(customer, actor=alice, expected_version=customer.version)
    customer.refresh_from_db()
    assert customer.mnemonic_code == "KD"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "jdrj",
        "JDRJ",
        "jindie",
        "ruanjian",
        "金蝶",
        "金蝶软件",
        "075586072000",
        "075",
        "2000",
        "sales@kingdee",
    ],
)
def test_global_search_finds_a_customer_every_way(alice, query):
    # The phone shows as 075****2000: its whole number or what the mask shows finds it
    # (any fragment, for holders of "unmask": crm/core/tests/test_masking.py).
    make_customer(alice, name="金蝶软件", phone="0755-86072000", email="sales@kingdee.example")
    make_customer(alice, name="华为技术", phone="010-28780808")
    assert titles(alice, query) == ["金蝶软件"]


@pytest.mark.django_db
def test_search_never_shows_what_the_user_may_not_see(alice, bob):
    make_customer(bob, name="金蝶软件")
    assert titles(alice, "金蝶") == []
    assert titles(bob, "金蝶") == ["金蝶软件"]


@pytest.mark.django_db
def test_search_follows_renames_and_deletes(alice):
    customer = make_customer(alice, name="金蝶软件")
    customer.name = "用友网络"
    services.save(customer, actor=alice, expected_version=customer.version)
    assert titles(alice, "金蝶") == []
    assert titles(alice, "yyw") == ["用友网络"]
    services.delete(customer, actor=alice)
    assert titles(alice, "用友") == []
    services.restore(customer, actor=alice)
    assert titles(alice, "用友") == ["用友网络"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("credit_code", "91440300MA5ABCDE1X"),
        ("phone", "12"),
        ("email", "nobody"),
        ("website", "not a url"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(alice, field, value):
    with pytest.raises(ValidationFailed) as refused:
        make_customer(alice, **{field: value})
    assert field in refused.value.fields
    assert Customer.all_objects.count() == 0


@pytest.mark.django_db
def test_a_valid_unified_social_credit_code_is_accepted(alice):
    customer = make_customer(alice, credit_code="91110000802100433B")
    assert customer.pk


@pytest.mark.django_db
def test_contacts_are_seen_by_whoever_sees_their_customer(alice, bob):
    customer = make_customer(alice, name="金蝶软件")
    contact = services.save(
        Contact(customer=customer, name="张伟", mobile="13812345678"), actor=alice
    )
    assert list(Contact.objects.visible_to(alice)) == [contact]
    assert list(Contact.objects.visible_to(bob)) == []
    assert titles(alice, "5678") == ["张伟"]
    assert titles(bob, "5678") == []


@pytest.mark.django_db
def test_a_contact_cannot_be_attached_to_a_hidden_customer(alice, bob, api_for):
    hidden = make_customer(bob, name="别人的客户")
    response = api_for(alice).post("/api/v1/contacts/", {"customer": hidden.pk, "name": "张伟"})
    assert response.status_code == 422
    assert "customer" in response.json()["fields"]
    assert Contact.all_objects.count() == 0


@pytest.mark.django_db
def test_the_customer_page_lists_its_contacts(alice, client_for):
    customer = make_customer(alice, name="金蝶软件")
    services.save(Contact(customer=customer, name="张伟"), actor=alice)
    tab = client_for(alice).get(f"/customers/{customer.pk}/related/contact/")
    assert tab.status_code == 200
    assert "张伟" in tab.content.decode()
