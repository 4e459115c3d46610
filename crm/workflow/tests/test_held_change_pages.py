"""A raise of the credit limit saved through the customer's form: the other fields are
saved, the raise waits for approval, and the customer is then locked on every surface."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from crm.core import services as core
from crm.core.models import JobRowError
from crm.core.testing.battery import RecordTypeBattery
from crm.core.tests.test_imports import csv_file, run
from crm.customers.models import Customer
from crm.workflow import services as approvals
from crm.workflow.tests.fixtures import customer, two_steps


def test_the_form_saves_the_rest_and_says_the_raise_waits(org, client_for):
    two_steps(org)
    obj = customer(org["seller"], credit_limit=Decimal("1000"))
    client = client_for(org["seller"])
    with translation.override("en"):
        data = RecordTypeBattery.edit_form(_Pages(), client, obj)
        data.update(credit_limit="400000", address="苏州工业园区星湖街 328 号")
        answer = client.post(reverse("customers:customer_edit", args=[obj.pk]), data)
    assert answer.status_code == 302
    [message] = [str(m) for m in get_messages(answer.wsgi_request)]
    assert "waits for approval" in message
    stored = Customer.objects.get(pk=obj.pk)
    assert (stored.credit_limit, stored.address) == (Decimal("1000.00"), data["address"])
    assert approvals.pending_request(stored).proposed == {"credit_limit": "400000"}

    page = client.get(reverse("customers:customer_edit", args=[obj.pk]))
    assert page.status_code == 302
    detail = client.get(reverse("customers:customer_detail", args=[obj.pk])).content.decode()
    assert "It awaits approval (Process 0)" in detail
    assert reverse("customers:customer_edit", args=[obj.pk]) not in detail


class _Pages:
    """The battery's page helpers, for the customer type."""

    def url(self, action: str, pk: int) -> str:
        return reverse(f"customers:customer_{action}", args=[pk])


def test_a_pending_customer_refuses_every_surface_and_nothing_changes(
    org, client_for, api_for, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    two_steps(org)
    obj = customer(org["seller"], number="KH-9", credit_limit=Decimal("1000"))
    obj = Customer.objects.get(pk=obj.pk)
    obj.credit_limit = Decimal("400000")
    core.save(obj, actor=org["seller"], expected_version=obj.version)
    before = Customer.objects.values().get(pk=obj.pk)
    client = client_for(org["seller"])
    with translation.override("en"):
        data = {"name": "改名", "customer_type": "end", "status": "potential"}
        data["version"] = str(before["version"])
        page = client.post(reverse("customers:customer_edit", args=[obj.pk]), data)
        deleted = client.post(reverse("customers:customer_delete", args=[obj.pk]))
        api = api_for(org["seller"]).patch(
            f"/api/v1/customers/{obj.pk}/", {"address": "x", "version": before["version"]}
        )
        rows = [["Number", "Customer name", "Address"], ["KH-9", "金蝶软件", "苏州"]]
        job = run(org["seller"], csv_file(rows), on_duplicate="update", match="number")
    assert page.status_code == 302 and deleted.status_code == 302
    assert (api.status_code, api.json()["code"]) == (409, "locked")
    [message] = JobRowError.objects.filter(job=job).values_list("message", flat=True)
    assert "awaits approval" in message
    assert Customer.all_objects.values().get(pk=obj.pk) == before
