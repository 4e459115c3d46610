"""Amendments of signed contracts (合同变更): drafted from the contract as it stands, changed
while a draft, approved through their own process, then applied to the contract, which
no other write may change once signed."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from crm.core import lines as line_items
from crm.core import registry
from crm.core import services as core
from crm.core.errors import AccessDenied, DomainError
from crm.orders import services
from crm.orders.models import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractLine,
    ContractStatus,
    Delivery,
)

AMENDABLE = (ContractStatus.SIGNED, ContractStatus.EXECUTING)
OPEN = (AmendmentStatus.DRAFT, AmendmentStatus.PENDING)
ENDED = (ContractStatus.COMPLETED, ContractStatus.TERMINATED)


@transaction.atomic
def amend_contract(contract: Contract, *, actor) -> Amendment:
    """A draft amendment of `contract` holding its lines, end date and terms as they are,
    to be changed. Raises AccessDenied when `actor` may not change the contract, and
    DomainError when it is not signed or executing, or has an amendment not yet applied."""
    if not Contract.objects.editable_by(actor).filter(pk=contract.pk).exists():
        raise AccessDenied(_("You may not change this record."))
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    refusal = _refusal(contract)
    if refusal:
        raise DomainError("wrong_state", refusal)
    amendment = Amendment(
        contract=contract,
        reason=_("Amendment of %(contract)s") % {"contract": contract},
        end_date=contract.end_date,
        terms=contract.terms,
        owner=actor,
    )
    rows = line_items.read(registry.get("contract"), contract.pk)
    core.save(amendment, actor=actor, lines=[{k: row[k] for k in services.TYPED} for row in rows])
    return amendment


def clean(amendment: Amendment, before: dict, actor) -> None:
    """A new amendment is of a signed or executing contract with no other one open; an
    amendment stays with the contract it was made for."""
    if not amendment.contract_id:
        return
    if before and before["contract_id"] != amendment.contract_id:
        raise ValidationError(
            {"contract": _("An amendment stays with the contract it was made for.")}
        )
    refusal = _refusal(amendment.contract) if not before else None
    if refusal:
        raise ValidationError({"contract": refusal})


def compute(amendment: Amendment, lines) -> None:
    """The lines and totals as a contract's, and the contract's total it changes."""
    if not amendment.contract_id:
        return
    if amendment.status == AmendmentStatus.DRAFT:
        amendment.total_before = amendment.contract.total
    services.compute(amendment, lines)  # type: ignore[arg-type]


def lock(amendment: Amendment) -> str | None:
    """Only a draft changes."""
    if amendment.status != AmendmentStatus.DRAFT:
        return _("Only a draft amendment can be changed.")
    return None


def applicable(amendment: Amendment, actor) -> str | None:
    """Why the amendment cannot be applied to its contract now, or None: the contract must
    not have ended (completed or terminated since the amendment was drafted; one is drafted
    only of a signed or executing contract), and every line with deliveries is kept with
    at least the quantity delivered or planned."""
    contract = amendment.contract
    if contract.status in ENDED:
        return _("This contract has ended: it can no longer be amended.")
    planned = dict(
        Delivery.objects.filter(contract=contract)
        .values_list("line")
        .annotate(quantity=Sum("quantity"))
        .values_list("line", "quantity")
    )
    matched = _matched(contract, list(amendment.lines.all()))
    new_quantity = {stored.pk: line.quantity for line, stored in matched.items()}
    for line in ContractLine.objects.filter(pk__in=planned).select_related("product"):
        if line.pk not in new_quantity:
            return _("%(product)s has deliveries: keep its line.") % {"product": line.product}
        if new_quantity[line.pk] < planned[line.pk]:
            return _(
                "%(product)s has %(quantity)s delivered or planned: keep at least that many."
            ) % {"product": line.product, "quantity": format(planned[line.pk].normalize(), "f")}
    return None


@transaction.atomic
def apply(amendment: Amendment, actor) -> None:
    """Write the approved amendment to its contract: its lines (a contract line whose
    product stays keeps its row and its deliveries), its end date when given, its terms.
    Raises DomainError when it can no longer be applied (nothing is written then)."""
    contract = Contract.objects.select_for_update().get(pk=amendment.contract_id)
    amendment.contract = contract
    refusal = applicable(amendment, actor)
    if refusal:
        raise DomainError("wrong_state", refusal)
    new_lines = list(amendment.lines.all())
    matched = _matched(contract, new_lines)
    rows = []
    for line in new_lines:
        row = {name: getattr(line, name) for name in services.TYPED}
        if line in matched:
            row["id"] = matched[line].pk
        rows.append(row)
    if amendment.end_date:
        contract.end_date = amendment.end_date
    contract.terms = amendment.terms
    core.save(contract, actor=actor, lines=rows, by_process=True, unlocked=True)


def _matched(contract: Contract, lines: list[AmendmentLine]) -> dict[AmendmentLine, ContractLine]:
    """Each amendment line that stands for a contract line: the first not yet matched of
    the same product, in order."""
    stored: dict[int, list[ContractLine]] = defaultdict(list)
    for line in ContractLine.objects.filter(contract=contract).order_by("position", "id"):
        stored[line.product_id].append(line)
    matched = {}
    for line in lines:
        if stored.get(line.product_id):
            matched[line] = stored[line.product_id].pop(0)
    return matched


def _refusal(contract: Contract) -> str | None:
    if contract.status not in AMENDABLE:
        return _("Only a signed or executing contract can be amended.")
    if open_amendment(contract):
        return _("This contract has an amendment not yet applied: finish that one first.")
    return None


def open_amendment(contract: Contract) -> bool:
    """Whether an amendment of the contract is still a draft or waiting for approval."""
    return Amendment.objects.filter(contract=contract, status__in=OPEN).exists()
