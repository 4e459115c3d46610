"""Amendments of signed contracts (合同变更): drafted from the contract, approved through
their own process, then applied, keeping the lines (and their deliveries) whose product
stays; every refusal leaves the contract and its lines as they were."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from crm.core import services as core
from crm.core.errors import AccessDenied, DomainError, RecordLocked, TransitionRefused
from crm.core.models import ObjectChange
from crm.orders import amendments
from crm.orders.models import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractLine,
    Delivery,
)
from crm.orders.tests.test_receivables import TODAY, signed_contract
from crm.products.models import Product
from crm.workflow import services as approvals
from crm.workflow.models import ApprovalProcess, ApprovalStep, ApproverKind

D = Decimal


def contract_state(contract: Contract) -> tuple:
    """What a refused amendment must leave as it was: the contract and its lines."""
    row = Contract.objects.filter(pk=contract.pk).values().get()
    lines = list(ContractLine.objects.filter(contract=contract).values())
    return row, lines


def lines_of(amendment: Amendment) -> list[dict]:
    return [
        {"product": line.product_id, "quantity": line.quantity, "unit_price": line.unit_price}
        for line in AmendmentLine.objects.filter(amendment=amendment)
    ]


def deliver(owner, contract: Contract, quantity, **fields) -> Delivery:
    line = ContractLine.objects.filter(contract=contract).first()
    return core.save(
        Delivery(owner=owner, contract=contract, line=line, quantity=D(quantity), **fields),
        actor=owner,
    )


@pytest.fixture
def drive(admin):
    return core.save(
        Product(owner=admin, code="D1", name="伺服驱动器", standard_price=D(500), tax_rate=D(0)),
        actor=admin,
    )


@pytest.mark.django_db
def test_an_amendment_starts_as_the_contract_stands(admin):
    contract = signed_contract(admin, quantity=10)
    contract.end_date = None
    amendment = amendments.amend_contract(contract, actor=admin)
    assert amendment.status == AmendmentStatus.DRAFT
    servo = ContractLine.objects.get(contract=contract)
    assert lines_of(amendment) == [
        {"product": servo.product_id, "quantity": D(10), "unit_price": servo.unit_price}
    ]
    assert (amendment.total_before, amendment.total) == (contract.total, contract.total)
    assert amendment.terms == contract.terms


@pytest.mark.django_db
def test_an_approved_amendment_changes_the_contract_and_keeps_the_delivered_line(admin, drive):
    contract = signed_contract(admin, quantity=10)
    delivery = deliver(admin, contract, 4, delivered_on=TODAY)
    servo = ContractLine.objects.get(contract=contract)
    amendment = amendments.amend_contract(contract, actor=admin)
    lines = [
        {"product": servo.product_id, "quantity": D(12)},
        {"product": drive.pk, "quantity": D(2)},
    ]
    amendment.reason = "客户追加 2 台伺服电机和 2 台驱动器"
    amendment.end_date = datetime.date(2027, 6, 30)
    core.save(amendment, actor=admin, lines=lines)
    assert amendment.total - amendment.total_before == D(2 * 1000 + 2 * 500)

    core.transition(amendment, "submit", actor=admin)  # no process: approved at once

    amendment.refresh_from_db()
    contract.refresh_from_db()
    assert amendment.status == AmendmentStatus.APPLIED
    assert list(
        ContractLine.objects.filter(contract=contract).values_list("product", "quantity")
    ) == [(servo.product_id, D(12)), (drive.pk, D(2))]
    assert ContractLine.objects.filter(contract=contract).first().pk == servo.pk
    assert Delivery.objects.get(pk=delivery.pk).line_id == servo.pk
    assert contract.total == amendment.total == D(13000)
    assert contract.end_date == datetime.date(2027, 6, 30)
    logged = ObjectChange.objects.filter(object_id=contract.pk).order_by("-pk").first()
    assert {"lines", "total", "end_date"} <= set(logged.changes)


@pytest.mark.django_db
def test_an_amendment_waits_for_its_approver_and_the_contract_waits_with_it(
    admin, alice, make_user
):
    approver = make_user("approver")
    process = ApprovalProcess.objects.create(
        name="合同变更审批", type_key="amendment", approvable="amendment"
    )
    step = ApprovalStep.objects.create(
        process=process, position=0, approver_kind=ApproverKind.USERS
    )
    step.users.set([approver])
    contract = signed_contract(admin, quantity=10)
    amendment = amendments.amend_contract(contract, actor=admin)
    core.save(amendment, actor=admin, lines=[{**lines_of(amendment)[0], "quantity": D(20)}])
    core.transition(amendment, "submit", actor=admin)
    amendment.refresh_from_db()
    before = contract_state(contract)
    assert amendment.status == AmendmentStatus.PENDING
    amendment.reason = "改数量"
    with pytest.raises(RecordLocked):
        core.save(amendment, actor=admin)

    approvals.approve(approvals.pending_request(amendment), actor=approver)

    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.APPLIED
    assert contract_state(contract) != before
    assert ContractLine.objects.get(contract=contract).quantity == D(20)


@pytest.mark.django_db
def test_a_line_with_deliveries_is_neither_dropped_nor_cut_below_them(admin, drive):
    contract = signed_contract(admin, quantity=10)
    deliver(admin, contract, 4, delivered_on=TODAY)
    deliver(admin, contract, 3, planned_on=TODAY)
    servo = ContractLine.objects.get(contract=contract)
    for lines, words in (
        ([{"product": drive.pk, "quantity": D(1)}], "keep its line"),
        ([{"product": servo.product_id, "quantity": D(6)}], "7 delivered or planned"),
    ):
        amendment = amendments.amend_contract(contract, actor=admin)
        core.save(amendment, actor=admin, lines=lines)
        before = contract_state(contract)
        with pytest.raises(TransitionRefused) as refused, translation.override("en"):
            core.transition(amendment, "submit", actor=admin)
        assert words in refused.value.message
        amendment.refresh_from_db()
        assert amendment.status == AmendmentStatus.DRAFT
        assert contract_state(contract) == before
        core.delete(amendment, actor=admin)


@pytest.mark.django_db
def test_an_amendment_of_a_contract_ended_since_is_not_applied(admin):
    contract = signed_contract(admin)
    amendment = amendments.amend_contract(contract, actor=admin)
    core.transition(contract, "terminate", actor=admin, termination_reason="客户破产")
    before = contract_state(contract)
    with pytest.raises(TransitionRefused) as refused, translation.override("en"):
        core.transition(amendment, "submit", actor=admin)
    assert "can no longer be amended" in refused.value.message
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.DRAFT
    assert contract_state(contract) == before


@pytest.mark.django_db
def test_only_a_signed_contract_is_amended_and_one_amendment_at_a_time(admin, bob):
    draft = signed_contract(admin, sign=False)
    with pytest.raises(DomainError) as refused:
        amendments.amend_contract(draft, actor=admin)
    assert refused.value.code == "wrong_state"
    contract = signed_contract(admin)
    amendments.amend_contract(contract, actor=admin)
    with pytest.raises(DomainError) as refused, translation.override("en"):
        amendments.amend_contract(contract, actor=admin)
    assert "not yet applied" in refused.value.message
    with pytest.raises(AccessDenied):
        amendments.amend_contract(signed_contract(admin), actor=bob)
    assert Amendment.objects.filter(contract__in=[draft]).count() == 0
    assert Amendment.objects.count() == 1


@pytest.mark.django_db
def test_the_signed_contract_itself_still_does_not_change(admin):
    contract = signed_contract(admin)
    before = contract_state(contract)
    contract.terms = "改条款"
    with pytest.raises(RecordLocked):
        core.save(contract, actor=admin)
    assert contract_state(contract) == before


@pytest.mark.django_db
def test_amending_through_the_page_opens_the_draft_and_shows_what_changes(admin, drive, client_for):
    contract = signed_contract(admin, quantity=10)
    client = client_for(admin)
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f"/contracts/{contract.pk}/amend/" in page

    response = client.post(f"/contracts/{contract.pk}/amend/")

    amendment = Amendment.objects.get(contract=contract)
    assert response.status_code == 302
    assert response["Location"] == f"/amendments/{amendment.pk}/edit/"
    page = client.get(f"/contracts/{contract.pk}/").content.decode()
    assert f"/contracts/{contract.pk}/amend/" not in page  # one amendment at a time
    servo = lines_of(amendment)[0]
    core.save(
        amendment,
        actor=admin,
        lines=[{**servo, "quantity": D(11)}, {"product": drive.pk, "quantity": D(1)}],
    )
    detail = client.get(f"/amendments/{amendment.pk}/").content.decode()
    assert "data-amendment-changes" in detail
    assert "伺服驱动器" in detail and "10 × " in detail and "11 × " in detail
    tab = client.get(f"/contracts/{contract.pk}/related/amendment/")
    assert [row["id"] for row in tab.context["rows"]] == [amendment.pk]


@pytest.mark.django_db
def test_the_api_drafts_an_amendment_and_refuses_a_second(admin, bob, api_for):
    contract = signed_contract(admin)
    hidden = api_for(bob).post(f"/api/v1/contracts/{contract.pk}/amend/", {})
    assert hidden.status_code == 404
    api = api_for(admin)
    answer = api.post(f"/api/v1/contracts/{contract.pk}/amend/", {})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["contract"] == contract.pk
    assert answer.json()["lines"][0]["quantity"] == "10.0000"
    again = api.post(f"/api/v1/contracts/{contract.pk}/amend/", {})
    assert again.status_code == 409
    assert again.json()["code"] == "wrong_state"
    assert Amendment.objects.count() == 1
