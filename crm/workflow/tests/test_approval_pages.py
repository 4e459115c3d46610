"""Approvals on the pages: the panel of a record with its path, history and buttons for
the right people; approve, reject, return, transfer and withdraw through the views; the
approvals lists and the inbox's buttons."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from crm import demo
from crm.conftest import signed_in
from crm.core import registry
from crm.core import services as core
from crm.core.registry import Approvable
from crm.core.testing.sample.models import DocumentStatus, SampleDocument
from crm.core.tests.test_chinese_pages import english_words, shown_text, typed_values
from crm.org.models import User
from crm.workflow import services as approvals
from crm.workflow import views
from crm.workflow.models import (
    ApprovalAction,
    ApprovalTask,
    ApproverKind,
    RequestState,
    TaskState,
)
from crm.workflow.tests.fixtures import (
    customer,
    process,
    raise_limit,
    stored_limit,
    two_steps,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def pending(org):
    """The seller raised a customer's limit to ¥300,000: the manager approves first, then
    the director."""
    two_steps(org)
    obj = raise_limit(
        customer(org["seller"], credit_limit=Decimal("50000")), "300000", org["seller"]
    )
    return approvals.pending_request(obj)


def detail(request) -> str:
    return reverse("customers:customer_detail", args=[request.object_id])


def act(user, request, operation: str, **data):
    url = reverse(f"workflow:approval_{operation}", args=[request.pk])
    return signed_in(user).post(url, data, headers=HTMX)


def toast(response) -> dict:
    return json.loads(response.headers["HX-Trigger"])["toast"]


def task_states(request) -> list[tuple[str, str]]:
    tasks = ApprovalTask.objects.filter(request=request).order_by("id")
    return [(t.approver.username, t.state) for t in tasks]


def test_the_panel_shows_the_change_and_the_path_to_whoever_sees_the_record(org, pending):
    page = signed_in(org["director"]).get(detail(pending)).content.decode()

    assert "data-approval-panel" in page
    assert "¥50,000.00</span> → <strong>¥300,000.00" in page
    assert 'aria-current="step"' in page
    assert "Manager · Pending" in page
    assert "data-approval-form" not in page  # not the director's turn


def test_only_the_current_approver_gets_the_buttons_and_only_the_submitter_withdraws(org, pending):
    manager = signed_in(org["manager"]).get(detail(pending)).content.decode()
    seller = signed_in(org["seller"]).get(detail(pending)).content.decode()

    assert 'data-approval-form="approve"' in manager
    assert 'data-approval-form="reject"' in manager
    assert 'data-approval-form="transfer"' in manager
    assert 'data-approval-form="withdraw"' not in manager
    assert 'data-approval-form="withdraw"' in seller
    assert 'data-approval-form="approve"' not in seller


def test_two_approvals_through_the_panel_apply_the_change(org, pending):
    first = act(org["manager"], pending, "approve", comment="OK")
    second = act(org["director"], pending, "approve")

    assert first.status_code == 200 and second.status_code == 200
    assert toast(second) == {"level": "success", "message": "You approved “金蝶软件”."}
    assert 'data-approval-state="approved"' in second.content.decode()
    pending.refresh_from_db()
    assert pending.state == RequestState.APPROVED
    assert stored_limit(approvals.record_of(pending)) == Decimal("300000")
    assert task_states(pending) == [
        ("manager", TaskState.APPROVED),
        ("director", TaskState.APPROVED),
    ]


def test_a_rejection_without_a_reason_is_refused_and_changes_nothing(org, pending):
    response = act(org["manager"], pending, "reject", comment="  ")

    assert response.status_code == 422
    assert toast(response)["level"] == "error"
    assert "is-invalid" in response.content.decode()
    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING
    assert task_states(pending) == [("manager", TaskState.PENDING)]
    assert list(ApprovalAction.objects.values_list("action", flat=True)) == ["submitted"]


def test_a_rejection_back_to_the_submitter_ends_the_request(org, pending):
    response = act(org["manager"], pending, "reject", comment="Too much")

    assert toast(response) == {"level": "success", "message": "You rejected “金蝶软件”."}
    pending.refresh_from_db()
    assert pending.state == RequestState.REJECTED
    assert "“Too much”" in response.content.decode()


def test_a_rejection_returns_to_an_earlier_step(org, pending):
    act(org["manager"], pending, "approve")

    act(org["director"], pending, "reject", comment="Check the contract", to_step="0")

    pending.refresh_from_db()
    assert (pending.state, pending.step) == (RequestState.PENDING, 0)
    assert task_states(pending)[-1] == ("manager", TaskState.PENDING)


def test_a_transfer_hands_the_step_to_the_chosen_user(org, pending):
    response = act(org["manager"], pending, "transfer", to=org["clerk"].pk, comment="Yours")

    assert response.status_code == 200
    assert task_states(pending) == [
        ("manager", TaskState.TRANSFERRED),
        ("clerk", TaskState.PENDING),
    ]


def test_someone_who_is_not_the_approver_is_refused_and_nothing_changes(org, pending):
    response = act(org["director"], pending, "approve")
    withdrawn = act(org["manager"], pending, "withdraw")

    assert toast(response) == {
        "level": "error",
        "message": "You are not an approver of this step.",
    }
    assert toast(withdrawn)["level"] == "error"
    pending.refresh_from_db()
    assert pending.state == RequestState.PENDING
    assert task_states(pending) == [("manager", TaskState.PENDING)]


def test_the_submitter_withdraws_and_the_stored_limit_stays(org, pending):
    response = act(org["seller"], pending, "withdraw")

    assert toast(response)["level"] == "success"
    pending.refresh_from_db()
    assert pending.state == RequestState.WITHDRAWN
    assert stored_limit(approvals.record_of(pending)) == Decimal("50000")


def test_without_htmx_an_action_goes_back_to_the_record(org, pending):
    url = reverse("workflow:approval_approve", args=[pending.pk])

    response = signed_in(org["manager"]).post(url, {"comment": ""})

    assert response.status_code == 302
    assert response.url == detail(pending)


def test_the_lists_show_each_box_with_the_count_to_approve(org, pending):
    manager = signed_in(org["manager"])
    todo = manager.get(reverse("workflow:approval_list")).content.decode()
    submitted = signed_in(org["seller"]).get(reverse("workflow:approval_list") + "?box=submitted")

    assert "data-todo-count>1<" in todo
    assert f'data-quick-actions="{pending.pk}"' in todo
    assert submitted.context["rows"][0]["approval"] == pending
    assert 'data-approval-state="pending"' in submitted.content.decode()


def test_approve_right_from_the_list_row(org, pending):
    response = act(org["manager"], pending, "approve", shown_in="row")
    decided = signed_in(org["manager"]).get(reverse("workflow:approval_list") + "?box=decided")

    content = response.content.decode()
    assert content.strip().startswith(f'<div id="approval-quick-{pending.pk}"')
    assert 'data-quick="approve"' not in content
    assert "Now at step 2. Superior several levels up" in content
    assert decided.context["rows"][0]["approval"] == pending


def test_the_inbox_item_carries_the_approve_and_reject_buttons(org, pending):
    inbox = signed_in(org["manager"]).get(reverse("messaging:inbox")).content.decode()
    seller_inbox = signed_in(org["seller"]).get(reverse("messaging:inbox")).content.decode()

    assert f'data-quick-actions="{pending.pk}"' in inbox
    assert "data-quick-actions" not in seller_inbox


def test_the_menu_leads_everyone_to_their_approvals_and_administrators_to_the_processes(admin, org):
    seller_menu = signed_in(org["seller"]).get(reverse("home")).content.decode()
    admin_menu = signed_in(admin).get(reverse("home")).content.decode()

    assert f'href="{reverse("workflow:approval_list")}"' in seller_menu
    assert f'href="{reverse("workflow:process_list")}"' not in seller_menu
    assert f'href="{reverse("workflow:process_list")}"' in admin_menu


@pytest.fixture
def document_panel(monkeypatch):
    """The sample document goes through approval when submitted, with the panel."""
    sample = registry.get("sampledocument")
    monkeypatch.setattr(sample, "panels", sample.panels)
    monkeypatch.setattr(
        sample,
        "approvals",
        (
            Approvable(
                "document",
                "Document approval",
                submit="submit",
                approve="approve",
                reject="reject",
                withdraw="withdraw",
            ),
        ),
    )
    views.add_approval_panel(sample)


def test_a_submitted_document_is_rejected_from_its_page_with_the_reason(org, document_panel):
    process("sampledocument", "document", steps=[{"approver_kind": ApproverKind.SUPERIOR}])
    doc = core.save(
        SampleDocument(name="Q-1", amount=Decimal("500"), owner=org["seller"]), actor=org["seller"]
    )
    doc = core.transition(doc, "submit", actor=org["seller"])
    request = approvals.pending_request(doc)
    page = (
        signed_in(org["manager"])
        .get(reverse("sample:sampledocument_detail", args=[doc.pk]))
        .content.decode()
    )

    response = act(org["manager"], request, "reject", comment="Price too low")

    assert 'data-approval-form="reject"' in page
    assert toast(response)["level"] == "success"
    doc.refresh_from_db()
    assert (doc.status, doc.reason) == (DocumentStatus.REJECTED, "Price too low")


@pytest.fixture
def demo_admin(db):
    """The demo company (its credit-limit approvals waiting) and its administrator."""
    demo.load()
    return User.objects.get(username="admin")


def test_the_approval_pages_read_wholly_in_chinese(demo_admin):
    admin = demo_admin
    task = ApprovalTask.objects.filter(state=TaskState.PENDING).select_related("request").first()
    approver = task.approver
    approver.language = "zh-hans"
    approver.save(update_fields=["language"])
    process_pk = task.request.process_id
    pages = {
        admin: [
            reverse("workflow:process_list"),
            reverse("workflow:process_create"),
            reverse("workflow:process_edit", args=[process_pk]),
        ],
        approver: [
            reverse("workflow:approval_list"),
            reverse("workflow:approval_list") + "?box=submitted",
            reverse("workflow:approval_list") + "?box=decided",
            detail(task.request),
        ],
    }
    typed = typed_values()
    found = {}
    for user, urls in pages.items():
        client = signed_in(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            words = english_words(shown_text(response.content.decode()), typed)
            if words:
                found[url] = sorted(words)
    assert found == {}
    assert "审批通过" in client.get(detail(task.request)).content.decode()
