"""Approvals through the API: the caller's list, approve, reject, transfer, withdraw, and
submit on a record; outsiders get 403 or 404 and nothing changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from crm.core import services as core
from crm.core.models import JobRowError
from crm.core.tests.test_imports import csv_file, run
from crm.customers.models import Customer
from crm.workflow import services as approvals
from crm.workflow.models import ApprovalRequest, RequestState
from crm.workflow.tests.fixtures import customer, raise_limit, stored_limit, two_steps


@pytest.fixture
def pending(org):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    return obj, approvals.pending_request(obj)


def test_the_list_holds_what_the_caller_may_act_on(org, pending, api_for):
    obj, request = pending
    answer = api_for(org["manager"]).get("/api/v1/approvals/", {"state": "pending"})
    assert answer.status_code == 200
    [item] = answer.json()["items"]
    assert item["id"] == request.pk
    assert (item["type"], item["record_id"], item["title"]) == ("customers", obj.pk, "金蝶软件")
    assert (item["step"], item["steps"]) == (1, 2)
    assert item["submitter"]["id"] == org["seller"].pk
    assert item["proposed"] == {"credit_limit": "300000"}
    assert api_for(org["director"]).get("/api/v1/approvals/").json()["items"] == []
    mine = api_for(org["seller"]).get("/api/v1/approvals/", {"box": "submitted"}).json()
    assert [i["id"] for i in mine["items"]] == [request.pk]


def test_approve_moves_to_the_next_step(org, pending, api_for):
    _obj, request = pending
    answer = api_for(org["manager"]).post(f"/api/v1/approvals/{request.pk}/approve/", {})
    assert answer.status_code == 200
    assert answer.json()["step"] == 2
    assert [a["id"] for a in answer.json()["approvers"]] == [org["director"].pk]


def test_someone_else_gets_403_or_404_and_nothing_changes(org, pending, api_for, make_user):
    obj, request = pending
    stranger = make_user("stranger")
    for user, status in ((org["director"], 403), (org["seller"], 403), (stranger, 404)):
        answer = api_for(user).post(f"/api/v1/approvals/{request.pk}/approve/", {})
        assert answer.status_code == status
    request.refresh_from_db()
    assert (request.state, request.step, request.history.count()) == ("pending", 0, 1)
    assert stored_limit(obj) is None


def test_reject_without_a_comment_is_422(org, pending, api_for):
    _obj, request = pending
    api = api_for(org["manager"])
    answer = api.post(f"/api/v1/approvals/{request.pk}/reject/", {"comment": ""})
    assert answer.status_code == 422
    assert "comment" in answer.json()["fields"]
    assert ApprovalRequest.objects.get(pk=request.pk).state == RequestState.PENDING
    answer = api.post(f"/api/v1/approvals/{request.pk}/reject/", {"comment": "Too much"})
    assert (answer.status_code, answer.json()["state"]) == (200, "rejected")
    again = api.post(f"/api/v1/approvals/{request.pk}/approve/", {})
    assert (again.status_code, again.json()["code"]) == (409, "wrong_state")


def test_reject_to_an_earlier_step(org, pending, api_for):
    _obj, request = pending
    approvals.approve(request, actor=org["manager"])
    answer = api_for(org["director"]).post(
        f"/api/v1/approvals/{request.pk}/reject/", {"comment": "Check it", "to_step": 1}
    )
    assert (answer.status_code, answer.json()["step"]) == (200, 1)


def test_transfer_to_a_user(org, pending, api_for):
    _obj, request = pending
    api = api_for(org["manager"])
    answer = api.post(f"/api/v1/approvals/{request.pk}/transfer/", {"to": 999999})
    assert answer.status_code == 422
    answer = api.post(f"/api/v1/approvals/{request.pk}/transfer/", {"to": org["clerk"].pk})
    assert answer.status_code == 200
    assert [a["id"] for a in answer.json()["approvers"]] == [org["clerk"].pk]


def test_withdraw_on_the_record(org, pending, api_for):
    obj, _request = pending
    answer = api_for(org["manager"]).post(f"/api/v1/customers/{obj.pk}/withdraw/")
    assert answer.status_code == 403
    answer = api_for(org["seller"]).post(f"/api/v1/customers/{obj.pk}/withdraw/")
    assert (answer.status_code, answer.json()["state"]) == (200, "withdrawn")
    again = api_for(org["seller"]).post(f"/api/v1/customers/{obj.pk}/withdraw/")
    assert again.status_code == 409


def test_a_customer_has_nothing_to_submit_by_itself(org, api_for):
    obj = customer(org["seller"])
    answer = api_for(org["seller"]).post(f"/api/v1/customers/{obj.pk}/submit/")
    assert (answer.status_code, answer.json()["code"]) == (409, "nothing_to_submit")


def test_the_patch_that_raises_the_limit_answers_the_record_as_stored(org, api_for):
    two_steps(org)
    obj = customer(org["seller"], credit_limit=Decimal("1000"))
    api = api_for(org["seller"])
    answer = api.patch(
        f"/api/v1/customers/{obj.pk}/", {"credit_limit": "500000", "version": obj.version}
    )
    assert answer.status_code == 200
    assert Decimal(answer.json()["credit_limit"]) == Decimal("1000")
    assert approvals.pending_request(obj).proposed == {"credit_limit": "500000"}


def test_an_import_refuses_a_raise_that_needs_approval_and_keeps_the_others(
    org, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    two_steps(org)
    high = customer(org["seller"], number="KH-1", credit_limit=Decimal("1000"))
    low = core.save(
        Customer(name="用友网络", number="KH-2", owner=org["seller"]), actor=org["seller"]
    )
    rows = [
        ["Number", "Customer name", "Credit limit"],
        [high.number, "金蝶软件", "500000"],
        [low.number, "用友网络", "5000"],
    ]
    with translation.override("en"):
        job = run(org["seller"], csv_file(rows), on_duplicate="update", match="number")
    assert (job.summary["updated"], job.summary["failed"]) == (1, 1)
    [message] = JobRowError.objects.filter(job=job).values_list("message", flat=True)
    assert "needs approval" in message
    assert stored_limit(high) == Decimal("1000")
    assert stored_limit(low) == Decimal("5000")
    assert not ApprovalRequest.objects.exists()
