"""Contracts: from draft through approval, signing and execution to completion or
termination; each step refused without what it needs, and a contract changes only as a
draft."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from crm.core import registry
from crm.core import services as core
from crm.core.errors import RecordLocked, TransitionRefused, ValidationFailed
from crm.orders.models import Contract, ContractLine, ContractStatus
from crm.products.models import Product

D = Decimal
TODAY = datetime.date(2026, 6, 18)


@pytest.fixture
def contract(admin):
    servo = core.save(
        Product(owner=admin, code="S1", name="交流伺服电机", standard_price=D(2800)), actor=admin
    )
    customer = core.save(registry.get("customer").model(owner=admin, name="华星电子"), actor=admin)
    return core.save(
        Contract(owner=admin, name="伺服系统采购合同", customer=customer),
        actor=admin,
        lines=[{"product": servo.pk, "quantity": D(10)}],
    )


def state(contract) -> tuple:
    contract.refresh_from_db()
    lines = list(ContractLine.objects.filter(contract=contract).values_list("quantity", "amount"))
    return contract.status, contract.version, lines


@pytest.mark.django_db
def test_a_contract_runs_from_draft_to_completed(contract, admin):
    assert (contract.amount, contract.total) == (D(28000), D(31640))
    core.transition(contract, "submit", actor=admin)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.APPROVED  # no approval process matches
    before = state(contract)
    with pytest.raises(TransitionRefused) as refused:
        core.transition(contract, "sign", actor=admin)
    assert refused.value.status == 422 and "signed_on" in refused.value.fields
    assert state(contract) == before
    core.transition(contract, "sign", actor=admin, signed_on=datetime.date(2026, 6, 18))
    core.transition(contract, "start", actor=admin)
    core.transition(contract, "complete", actor=admin)
    contract.refresh_from_db()
    assert (contract.status, contract.signed_on) == (
        ContractStatus.COMPLETED,
        datetime.date(2026, 6, 18),
    )


@pytest.mark.django_db
def test_a_submitted_contract_no_longer_changes(contract, admin):
    core.transition(contract, "submit", actor=admin)
    core.transition(contract, "sign", actor=admin, signed_on=datetime.date(2026, 6, 18))
    before = state(contract)
    contract.refresh_from_db()
    with pytest.raises(RecordLocked):
        core.save(contract, actor=admin, lines=[])
    contract.refresh_from_db()
    contract.name = "改名"
    with pytest.raises(RecordLocked):
        core.save(contract, actor=admin)
    assert state(contract) == before


@pytest.mark.django_db
def test_termination_needs_a_reason(contract, admin):
    core.transition(contract, "submit", actor=admin)
    core.transition(contract, "sign", actor=admin, signed_on=datetime.date(2026, 6, 18))
    before = state(contract)
    with pytest.raises(TransitionRefused):
        core.transition(contract, "terminate", actor=admin)
    assert state(contract) == before
    core.transition(contract, "terminate", actor=admin, termination_reason="客户项目取消。")
    assert state(contract)[0] == ContractStatus.TERMINATED


@pytest.mark.django_db
def test_a_draft_is_not_signed_nor_a_contract_without_lines_submitted(admin):
    customer = core.save(registry.get("customer").model(owner=admin, name="明德"), actor=admin)
    empty = core.save(Contract(owner=admin, name="空合同", customer=customer), actor=admin)
    for name, data in (("submit", {}), ("sign", {"signed_on": datetime.date(2026, 6, 1)})):
        with pytest.raises(TransitionRefused):
            core.transition(empty, name, actor=admin, **data)
    assert state(empty)[0] == ContractStatus.DRAFT


@pytest.mark.django_db
def test_a_contract_ends_after_it_starts(contract, admin):
    contract.start_date = datetime.date(2026, 7, 1)
    contract.end_date = datetime.date(2026, 6, 30)
    with pytest.raises(ValidationFailed) as refused:
        core.save(contract, actor=admin)
    assert "end_date" in refused.value.fields
    contract.refresh_from_db()
    assert contract.end_date is None


@pytest.mark.django_db
def test_lines_with_planned_deliveries_keep_them_and_change_only_without(contract, admin):
    from crm.orders.models import Delivery

    line = ContractLine.objects.get(contract=contract)
    planned = core.save(
        Delivery(owner=admin, contract=contract, line=line, quantity=D(4), planned_on=TODAY),
        actor=admin,
    )
    same = [
        {"product": line.product_id, "quantity": D(10), "unit_price": D(2800), "tax_rate": D(13)}
    ]
    contract.name = "伺服系统采购合同（修订）"
    core.save(contract, actor=admin, lines=same)  # the header changes, the lines stay
    assert ContractLine.objects.get(contract=contract).pk == line.pk
    assert Delivery.objects.get(pk=planned.pk).line_id == line.pk
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        core.save(contract, actor=admin, lines=[{**same[0], "quantity": D(12)}])
    assert refused.value.fields["lines"] == [
        "Deliveries refer to these lines: remove them before changing the lines."
    ]
    assert ContractLine.objects.get(contract=contract).quantity == D(10)
