"""Parameters that cannot be read answer 400 (or 422 for a filter), never 500, on pages and
in the API alike; what the API answers is always its JSON error body."""

import base64
import json

import pytest

from crm.core import paging
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer


def forged(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


TAMPERED = [
    "WyJhIiwgMWU5OTksIGZhbHNlXQ",  # ["a", 1e999, false]: an infinite id
    "W251bGwsIDUsIGZhbHNlXQ",  # [null, 5, false]
    forged([{"dt": "not a date"}, 5, False]),
    forged(["金蝶", 10**30, False]),
    "not-a-cursor",
]

LISTS = ["/customers/", "/contacts/", "/customers/trash/", "/org/logs/changes/"]


@pytest.mark.parametrize("cursor", TAMPERED)
def test_a_tampered_cursor_is_400_in_the_api(alice, api_for, cursor):
    make_customer(alice)
    for root in ("/api/v1/customers/", "/api/v1/contacts/"):
        response = api_for(alice).get(root, {"cursor": cursor})
        assert response.status_code == 400
        assert response.json()["code"] == "bad_parameter"
        assert "cursor" in response.json()["fields"]


@pytest.mark.parametrize("cursor", TAMPERED[:4])
def test_a_tampered_cursor_is_400_on_every_paged_page(admin, client_for, cursor):
    make_customer(admin)
    client = client_for(admin)
    for path in LISTS:
        response = client.get(path, {"cursor": cursor})
        assert response.status_code == 400, path
        assert "400" in response.content.decode()


def test_a_cursor_of_another_ordering_is_refused(alice):
    for i in range(3):
        make_customer(alice, name=f"客户{i}")
    page = paging.paginate(Customer.objects.all(), "name", fields=[], limit=1)
    assert page.next_cursor
    follow = paging.paginate(
        Customer.objects.all(), "name", fields=[], limit=1, cursor=page.next_cursor
    )
    assert len(follow.rows) == 1
    from crm.core.errors import BadParameter

    with pytest.raises(BadParameter):
        paging.paginate(
            Customer.objects.all(), "-created_at", fields=[], limit=1, cursor=page.next_cursor
        )


def test_a_date_that_does_not_exist_in_the_timeline_is_400(alice, client_for):
    customer = make_customer(alice)
    client = client_for(alice)
    url = f"/customers/{customer.pk}/timeline/"
    assert client.get(url, {"before": "2026-02-30T00:00:00"}).status_code == 400
    assert client.get(url, {"before": "yesterday"}).status_code == 400
    assert client.get(url, {"before": "2026-02-28T00:00:00"}).status_code == 200


def test_removing_a_share_by_a_bad_id_is_400_and_changes_nothing(alice, client_for):
    customer = make_customer(alice)
    response = client_for(alice).post(
        f"/customers/{customer.pk}/sharing/", {"action": "remove", "id": "abc"}
    )
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.version == 1


HUGE = "1" + "0" * 29


def test_huge_ids_in_list_parameters_are_refused_not_crashed(alice, client_for, api_for):
    make_customer(alice)
    client = client_for(alice)
    assert client.get("/customers/", {"ids": HUGE}).status_code == 400
    assert client.get("/customers/export/", {"ids": HUGE, "format": "csv"}).status_code == 400
    assert client.get("/customers/", {"parent": HUGE}).status_code == 200
    assert client.get("/contacts/", {"customer": HUGE}).status_code == 200
    api = api_for(alice)
    assert api.get("/api/v1/customers/", {"ids": HUGE}).status_code == 400
    assert api.get("/api/v1/customers/", {"parent": HUGE}).status_code == 422
    assert api.get("/api/v1/contacts/", {"customer": HUGE}).status_code == 422


def test_bulk_delete_with_a_bad_id_is_400_and_deletes_nothing(alice, client_for):
    customer = make_customer(alice)
    response = client_for(alice).post(
        "/customers/bulk/", {"action": "delete", "ids": [str(customer.pk), HUGE]}
    )
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_a_filter_value_that_cannot_be_read_is_422_in_the_api(alice, api_for):
    make_customer(alice)
    response = api_for(alice).get("/api/v1/customers/", {"level": "abc"})
    assert response.status_code == 422
    assert "level" in response.json()["fields"]


def test_api_errors_outside_its_routes_are_json(alice, api_for):
    api = api_for(alice)
    for path in ("/api/v1/customers/abc/", "/api/v1/nothing-here/"):
        response = api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] == "not_found"


def test_a_bad_parent_for_a_new_org_unit_is_400(admin, client_for):
    client = client_for(admin)
    assert client.get("/org/units/new/", {"parent": "abc"}).status_code == 400
    assert client.get("/org/units/new/", {"parent": HUGE}).status_code == 400
    assert client.get("/org/units/new/", {"parent": "999999"}).status_code == 404
    assert client.get("/org/units/new/").status_code == 200


def test_a_server_error_under_the_api_is_its_json_body(rf):
    from crm.core.views.shell import server_error

    response = server_error(rf.get("/api/v1/customers/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["code"] == "server_error"
    page = server_error(rf.get("/customers/"))
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
