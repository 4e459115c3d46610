"""What the API gives of the demo company, it takes back unchanged: a client that reads a
record and sends the same body back changes nothing but the version (a record locked by a
pending approval refuses it and changes nothing)."""

import pytest

from crm import demo
from crm.core import services
from crm.customers.models import Contact, Customer
from crm.org.models import User

SAMPLE = 40
MOVING = ("version", "updated_at")


def _stored(model, pk: int) -> dict:
    row = model.objects.values().get(pk=pk)
    return {k: v for k, v in row.items() if k not in (*MOVING, "updated_by_id")}


def _still(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in MOVING}


@pytest.mark.django_db
def test_demo_records_read_and_sent_back_are_unchanged(api_for):
    demo.load()
    for username in ("sales1", "admin"):
        api = api_for(User.objects.get(username=username))
        for root, model in (("/api/v1/customers/", Customer), ("/api/v1/contacts/", Contact)):
            listed = api.get(root, {"limit": SAMPLE}).json()["items"]
            assert len(listed) == SAMPLE
            for pk in (item["id"] for item in listed):
                read = api.get(f"{root}{pk}/").json()
                before = _stored(model, pk)
                response = api.patch(f"{root}{pk}/", read)
                if services.lock_reason(model.objects.get(pk=pk)):
                    assert (response.status_code, response.json()["code"]) == (409, "locked")
                else:
                    assert response.status_code == 200, (read, response.json())
                    assert _still(response.json()) == _still(read)
                assert _stored(model, pk) == before
