"""The approval engine on customers' credit limit and on the sample document: process
selection, steps and their approvers, countersign, reject and return, transfer, withdraw,
time limits, and the lock on every surface."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.core import registry
from crm.core import services as core
from crm.core.errors import (
    AccessDenied,
    DomainError,
    RecordLocked,
    TransitionRefused,
    ValidationFailed,
)
from crm.core.models import ChangeAction, ObjectChange
from crm.core.registry import Approvable
from crm.core.testing.sample.models import DocumentStatus, SampleDocument
from crm.customers.models import Customer
from crm.org.models import Employee
from crm.workflow import services as approvals
from crm.workflow.models import (
    ApprovalAction,
    ApprovalRequest,
    ApprovalTask,
    ApproverKind,
    HistoryAction,
    RequestState,
    StepMode,
    TaskState,
)
from crm.workflow.tests.fixtures import (
    ABOVE_100K,
    customer,
    process,
    raise_limit,
    stored_limit,
    two_steps,
)

# --------------------------------------------------------------------------------- routing


def test_a_change_below_the_condition_needs_no_approval(org):
    two_steps(org)
    obj = customer(org["seller"])
    saved = raise_limit(obj, "80000", org["seller"])
    assert stored_limit(obj) == Decimal("80000")
    assert saved.held_approvals == []
    assert not ApprovalRequest.objects.exists()


def test_the_first_matching_process_in_order_applies(org):
    low = process(
        conditions=[{"field": "credit_limit", "op": "gt", "value": "0"}],
        order=2,
        steps=[{"approver_kind": ApproverKind.SUPERIOR}],
    )
    high = process(
        conditions=[{"field": "credit_limit", "op": "gt", "value": "500000"}],
        order=1,
        steps=[{"approver_kind": ApproverKind.SUPERIOR_LEVEL, "levels": 2}],
    )
    inactive = process(order=0, steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    inactive.is_active = False
    inactive.save()
    assert approvals.route(Customer(credit_limit=Decimal("600000")), _credit()) == high
    assert approvals.route(Customer(credit_limit=Decimal("1000")), _credit()) == low
    assert approvals.route(Customer(credit_limit=Decimal("0")), _credit()) is None


def _credit() -> Approvable:
    return registry.get("customer").approvals[0]


def test_a_raise_above_the_amount_is_held_until_the_last_step_approves(org):
    two_steps(org)
    obj = customer(org["seller"], credit_limit=Decimal("50000"))
    saved = raise_limit(obj, "300000", org["seller"])
    [request] = saved.held_approvals
    assert stored_limit(obj) == Decimal("50000")
    assert request.proposed == {"credit_limit": "300000"}
    assert request.previous == {"credit_limit": "50000.00"}
    assert [t.approver for t in approvals.current_tasks(request)] == [org["manager"]]

    approvals.approve(request, actor=org["manager"], comment="OK")
    request.refresh_from_db()
    assert (request.state, request.step) == (RequestState.PENDING, 1)
    assert stored_limit(obj) == Decimal("50000")
    assert [t.approver for t in approvals.current_tasks(request)] == [org["director"]]

    approvals.approve(request, actor=org["director"])
    request.refresh_from_db()
    assert request.state == RequestState.APPROVED
    assert stored_limit(obj) == Decimal("300000")
    actions = list(request.history.values_list("action", flat=True))
    assert actions == ["submitted", "approved", "approved", "completed"]
    logged = ObjectChange.objects.filter(object_id=obj.pk, action=ChangeAction.APPROVAL)
    assert logged.count() == 4


def test_a_new_customer_with_a_high_limit_starts_without_it_and_waits(org):
    two_steps(org)
    obj = customer(org["seller"], credit_limit=Decimal("200000"))
    assert stored_limit(obj) is None
    assert approvals.pending_request(obj).proposed == {"credit_limit": "200000"}


def test_the_other_fields_of_the_same_save_are_written_at_once(org):
    two_steps(org)
    obj = customer(org["seller"])
    obj.credit_limit = Decimal("999999")
    obj.address = "苏州工业园区"
    core.save(obj, actor=org["seller"], expected_version=obj.version)
    stored = Customer.objects.get(pk=obj.pk)
    assert (stored.address, stored.credit_limit) == ("苏州工业园区", None)


# ---------------------------------------------------------------------------------- locking


def test_a_pending_record_is_locked_for_edits_and_deletes(org):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    version = Customer.objects.get(pk=obj.pk).version
    fresh = Customer.objects.get(pk=obj.pk)
    fresh.address = "elsewhere"
    with pytest.raises(RecordLocked):
        core.save(fresh, actor=org["seller"])
    with pytest.raises(RecordLocked):
        core.delete(Customer.objects.get(pk=obj.pk), actor=org["seller"])
    stored = Customer.objects.get(pk=obj.pk)
    assert (stored.version, stored.address, stored.deleted_at) == (version, "", None)


def test_the_api_answers_409_for_a_pending_record(org, api_for):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    stored = Customer.objects.get(pk=obj.pk)
    answer = api_for(org["seller"]).patch(
        f"/api/v1/customers/{obj.pk}/", {"address": "x", "version": stored.version}
    )
    assert answer.status_code == 409
    assert answer.json()["code"] == "locked"
    assert Customer.objects.get(pk=obj.pk).address == ""


def test_withdraw_frees_the_record_and_keeps_the_stored_limit(org):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    with pytest.raises(AccessDenied):
        approvals.withdraw(request, actor=org["manager"])
    approvals.withdraw(request, actor=org["seller"])
    request.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN
    assert not ApprovalTask.objects.filter(request=request, state=TaskState.PENDING).exists()
    assert stored_limit(obj) is None
    assert core.lock_reason(Customer.objects.get(pk=obj.pk)) is None
    with pytest.raises(DomainError):
        approvals.approve(request, actor=org["manager"])


# ----------------------------------------------------------------------------- operations


def test_someone_who_is_not_the_approver_changes_nothing(org):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    for outsider in (org["director"], org["seller"], org["clerk"]):
        with pytest.raises(AccessDenied):
            approvals.approve(request, actor=outsider)
    request.refresh_from_db()
    assert (request.step, request.state) == (0, RequestState.PENDING)
    assert request.history.count() == 1


def test_reject_needs_a_comment_and_ends_the_request(org):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    with pytest.raises(ValidationFailed) as refused:
        approvals.reject(request, actor=org["manager"], comment="  ")
    assert "comment" in refused.value.fields
    assert ApprovalRequest.objects.get(pk=request.pk).state == RequestState.PENDING
    approvals.reject(request, actor=org["manager"], comment="Too high for this customer")
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED
    assert stored_limit(obj) is None
    assert core.lock_reason(Customer.objects.get(pk=obj.pk)) is None


def test_reject_back_to_an_earlier_step_starts_it_again(org):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    approvals.approve(request, actor=org["manager"])
    with pytest.raises(ValidationFailed):
        approvals.reject(request, actor=org["director"], comment="Check it", to_step=1)
    approvals.reject(request, actor=org["director"], comment="Check the figures", to_step=0)
    request.refresh_from_db()
    assert (request.state, request.step) == (RequestState.PENDING, 0)
    assert [t.approver for t in approvals.current_tasks(request)] == [org["manager"]]
    assert request.history.last().action == HistoryAction.RETURNED


def test_countersign_waits_for_every_approver(org):
    process(
        conditions=ABOVE_100K,
        steps=[
            {
                "approver_kind": ApproverKind.USERS,
                "mode": StepMode.ALL,
                "users": [org["manager"], org["director"]],
            }
        ],
    )
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    approvals.approve(request, actor=org["director"])
    assert stored_limit(obj) is None
    assert [t.approver for t in approvals.current_tasks(request)] == [org["manager"]]
    approvals.approve(request, actor=org["manager"])
    assert stored_limit(obj) == Decimal("300000")


def test_any_one_approver_decides_and_the_others_tasks_end(org):
    process(
        conditions=ABOVE_100K,
        steps=[{"approver_kind": ApproverKind.USERS, "users": [org["manager"], org["director"]]}],
    )
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    approvals.approve(request, actor=org["director"])
    assert stored_limit(obj) == Decimal("300000")
    states = set(request.tasks.values_list("approver__username", "state"))
    assert states == {("director", "approved"), ("manager", "cancelled")}


def test_transfer_hands_the_task_to_another_user(org):
    two_steps(org)
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    with pytest.raises(ValidationFailed):
        approvals.transfer(request, actor=org["manager"], to=org["manager"])
    approvals.transfer(request, actor=org["manager"], to=org["clerk"], comment="Finance decides")
    assert [t.approver for t in approvals.current_tasks(request)] == [org["clerk"]]
    with pytest.raises(AccessDenied):
        approvals.approve(request, actor=org["manager"])
    approvals.approve(request, actor=org["clerk"])
    request.refresh_from_db()
    assert request.step == 1


def test_role_holders_in_the_department_and_the_department_head(org):
    org["sales"].head = Employee.objects.get(user=org["director"])
    org["sales"].save(update_fields=["head"])
    process(
        conditions=ABOVE_100K,
        steps=[
            {"approver_kind": ApproverKind.ROLE_DEPARTMENT, "role": org["finance"]},
            {"approver_kind": ApproverKind.DEPARTMENT_HEAD},
        ],
    )
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    assert [t.approver for t in approvals.current_tasks(request)] == [org["clerk"]]
    approvals.approve(request, actor=org["clerk"])
    request.refresh_from_db()
    assert [t.approver for t in approvals.current_tasks(request)] == [org["director"]]


def test_a_step_whose_approver_is_the_submitter_is_skipped(org):
    # The manager raises the limit of a customer of their own: the first step is theirs.
    process(
        conditions=ABOVE_100K,
        steps=[
            {"approver_kind": ApproverKind.USERS, "users": [org["manager"]]},
            {"approver_kind": ApproverKind.SUPERIOR},
        ],
    )
    obj = raise_limit(customer(org["manager"]), "300000", org["manager"])
    request = approvals.pending_request(obj)
    assert request.step == 1
    assert [t.approver for t in approvals.current_tasks(request)] == [org["director"]]
    assert request.history.filter(action=HistoryAction.SKIPPED).count() == 1


def test_a_step_nobody_can_approve_refuses_the_change(org):
    process(
        conditions=ABOVE_100K, steps=[{"approver_kind": ApproverKind.SUPERIOR_LEVEL, "levels": 5}]
    )
    obj = customer(org["seller"])
    with pytest.raises(DomainError) as refused:
        raise_limit(obj, "300000", org["seller"])
    assert refused.value.code == "no_approver"
    assert stored_limit(obj) is None
    assert not ApprovalRequest.objects.exists()


def test_an_approver_who_cannot_see_the_record_gets_it_shared(org):
    process(
        conditions=ABOVE_100K,
        steps=[{"approver_kind": ApproverKind.USERS, "users": [org["clerk"]]}],
    )
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    assert Customer.objects.visible_to(org["clerk"]).filter(pk=obj.pk).exists()


# ---------------------------------------------------------------------------- time limits


def test_the_approver_is_reminded_then_the_step_escalates_to_their_superior(org):
    process(
        conditions=ABOVE_100K,
        steps=[{"approver_kind": ApproverKind.SUPERIOR, "time_limit_hours": 24}],
    )
    obj = raise_limit(customer(org["seller"]), "300000", org["seller"])
    request = approvals.pending_request(obj)
    start = timezone.now()
    assert approvals.remind_due(start + datetime.timedelta(hours=23)) == 0
    assert approvals.remind_due(start + datetime.timedelta(hours=25)) == 1
    [task] = approvals.current_tasks(request)
    assert task.approver == org["manager"] and task.reminded_at is not None
    assert approvals.remind_due(start + datetime.timedelta(hours=30)) == 0
    assert approvals.remind_due(start + datetime.timedelta(hours=50)) == 1
    assert [t.approver for t in approvals.current_tasks(request)] == [org["director"]]
    history = list(request.history.values_list("action", flat=True))
    assert history == ["submitted", "reminded", "escalated"]


# ----------------------------------------------------------------------- the sample document


@pytest.fixture
def document_approval(monkeypatch):
    """The sample document sends its submit transition for approval."""
    sample = registry.get("sampledocument")
    approvable = Approvable(
        "document",
        "Document approval",
        submit="submit",
        approve="approve",
        reject="reject",
        withdraw="withdraw",
    )
    monkeypatch.setattr(sample, "approvals", (approvable,))
    return approvable


def document(owner) -> SampleDocument:
    return core.save(SampleDocument(name="Q-1", amount=Decimal("500"), owner=owner), actor=owner)


def test_a_document_with_no_process_is_approved_on_submit(org, document_approval):
    doc = core.transition(document(org["seller"]), "submit", actor=org["seller"])
    assert doc.status == DocumentStatus.APPROVED


def test_a_document_goes_through_its_process_and_only_the_process_approves_it(
    org, admin, document_approval
):
    process("sampledocument", "document", steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    doc = core.transition(document(org["seller"]), "submit", actor=org["seller"])
    assert doc.status == DocumentStatus.SUBMITTED
    with pytest.raises(TransitionRefused):
        core.transition(doc, "approve", actor=admin)
    request = approvals.pending_request(doc)
    approvals.approve(request, actor=org["manager"])
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.APPROVED


def test_a_named_approver_who_may_only_read_the_document_approves_it(org, document_approval):
    clerk = org["clerk"]  # may view their own records and change none of anyone's
    process(
        "sampledocument",
        "document",
        steps=[{"approver_kind": ApproverKind.USERS, "users": [clerk]}],
    )
    doc = core.transition(document(org["seller"]), "submit", actor=org["seller"])
    assert not SampleDocument.objects.editable_by(clerk).filter(pk=doc.pk).exists()
    approvals.approve(approvals.pending_request(doc), actor=clerk)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.APPROVED
    with pytest.raises(AccessDenied):  # the process's right, not an edit right
        core.save(doc, actor=clerk)


def test_a_rejected_document_takes_the_comment_as_its_reason(org, document_approval):
    process("sampledocument", "document", steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    doc = core.transition(document(org["seller"]), "submit", actor=org["seller"])
    approvals.reject(approvals.pending_request(doc), actor=org["manager"], comment="Price too low")
    doc.refresh_from_db()
    assert (doc.status, doc.reason) == (DocumentStatus.REJECTED, "Price too low")


def test_a_withdrawn_document_is_a_draft_again(org, document_approval):
    process("sampledocument", "document", steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    doc = core.transition(document(org["seller"]), "submit", actor=org["seller"])
    approvals.withdraw_record(doc, actor=org["seller"])
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.DRAFT
    assert ApprovalAction.objects.filter(action=HistoryAction.WITHDRAWN).count() == 1
