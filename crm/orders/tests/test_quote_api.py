"""A quote's API actions: revise answers the new version, accept answers the contract;
each refused with 409 and nothing written when the quote is not in a state for it, and
404 for a quote the user may not see."""

from decimal import Decimal

import pytest

from crm.core import registry
from crm.core import services as core
from crm.orders.models import Contract, Quote, QuoteStatus
from crm.products.models import Product


@pytest.fixture
def quote(alice):
    servo = core.save(
        Product(owner=alice, code="S1", name="交流伺服电机", standard_price=Decimal(1000)),
        actor=alice,
    )
    customer = core.save(registry.get("customer").model(owner=alice, name="华星电子"), actor=alice)
    return core.save(
        Quote(owner=alice, name="伺服报价", customer=customer),
        actor=alice,
        lines=[{"product": servo.pk, "quantity": Decimal(2)}],
    )


def counts() -> tuple:
    return Quote.all_objects.count(), Contract.all_objects.count()


@pytest.mark.django_db
def test_a_draft_is_neither_revised_nor_accepted(quote, alice, api_for):
    api = api_for(alice)
    before = counts()
    for action in ("revise", "accept"):
        refused = api.post(f"/api/v1/quotes/{quote.pk}/{action}/", {})
        assert (refused.status_code, refused.json()["code"]) == (409, "wrong_state"), action
    assert counts() == before
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.DRAFT


@pytest.mark.django_db
def test_accept_answers_the_contract_and_a_second_accept_is_refused(quote, alice, api_for):
    core.transition(quote, "submit", actor=alice)
    api = api_for(alice)
    made = api.post(f"/api/v1/quotes/{quote.pk}/accept/", {})
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["quote"], body["status"], body["total"]) == (quote.pk, "draft", "2260.00")
    assert [line["product"] for line in body["lines"]] == [quote.lines.get().product_id]
    before = counts()
    again = api.post(f"/api/v1/quotes/{quote.pk}/accept/", {})
    assert again.status_code == 409
    assert counts() == before


@pytest.mark.django_db
def test_revise_answers_the_new_version(quote, alice, bob, api_for):
    core.transition(quote, "submit", actor=alice)
    assert api_for(bob).post(f"/api/v1/quotes/{quote.pk}/revise/", {}).status_code == 404
    made = api_for(alice).post(f"/api/v1/quotes/{quote.pk}/revise/", {})
    assert made.status_code == 201, made.json()
    assert (made.json()["revision"], made.json()["status"]) == (2, "draft")
    quote.refresh_from_db()
    assert quote.status == QuoteStatus.REVISED
