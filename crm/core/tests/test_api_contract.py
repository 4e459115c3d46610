"""The API's public contract: OpenAPI, error bodies, tokens."""

import pytest

from crm.customers.tests.test_battery import make_customer


@pytest.mark.django_db
def test_openapi_lists_a_collection_per_type(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/customers/" in schema["paths"]
    assert "/api/v1/contacts/{pk}/" in schema["paths"]


@pytest.mark.django_db
def test_docs_page_uses_no_outside_files(alice, client_for):
    page = client_for(alice).get("/api/v1/docs").content.decode()
    assert "cdn." not in page
    assert "/static/ninja/" in page


@pytest.mark.django_db
def test_bad_token_is_401(client):
    response = client.get("/api/v1/customers/", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.django_db
def test_unknown_record_is_404_with_body(alice, api_for):
    response = api_for(alice).get("/api/v1/customers/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_update_without_version_is_refused(alice, api_for):
    customer = make_customer(alice)
    response = api_for(alice).patch(f"/api/v1/customers/{customer.pk}/", {"city": "深圳"})
    assert response.status_code == 422
    assert "version" in response.json()["fields"]
    customer.refresh_from_db()
    assert customer.city == ""


@pytest.mark.django_db
def test_owner_and_version_cannot_be_set_through_the_api(alice, bob, api_for):
    response = api_for(alice).post(
        "/api/v1/customers/", {"name": "金蝶软件", "owner": bob.pk, "version": 99}
    )
    assert response.status_code == 201
    assert response.json()["owner"] == alice.pk
    assert response.json()["version"] == 1


@pytest.mark.django_db
def test_session_writes_need_csrf(alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(
        "/api/v1/customers/", {"name": "金蝶软件"}, content_type="application/json"
    )
    assert response.status_code in (401, 403)
    from crm.customers.models import Customer

    assert Customer.all_objects.count() == 0


@pytest.mark.django_db
def test_list_filters_search_and_ordering(alice, api_for):
    make_customer(alice, name="金蝶软件", city="深圳", status="formal")
    make_customer(alice, name="用友网络", city="北京")
    api = api_for(alice)
    assert [c["name"] for c in api.get("/api/v1/customers/", {"q": "jdrj"}).json()["items"]] == [
        "金蝶软件"
    ]
    assert [
        c["name"] for c in api.get("/api/v1/customers/", {"status": "formal"}).json()["items"]
    ] == ["金蝶软件"]
    names = [
        c["name"] for c in api.get("/api/v1/customers/", {"ordering": "-name"}).json()["items"]
    ]
    assert names == ["用友网络", "金蝶软件"]  # pinyin order, descending: yong you, jin die
