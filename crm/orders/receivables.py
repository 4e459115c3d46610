"""What a contract brings in and delivers: its payment plan (instalments), payments,
invoices and deliveries, their rules, and the totals read from them (received,
receivable, overdue, delivered / invoiced / collected %), per contract and per customer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.errors import DomainError
from crm.core.money import Money
from crm.orders.models import (
    Contract,
    ContractLine,
    ContractStatus,
    Delivery,
    Instalment,
    Invoice,
    Payment,
)

ZERO = Decimal(0)
# Money comes in, invoices go out and goods are delivered once the contract is signed.
RUNNING = (ContractStatus.SIGNED, ContractStatus.EXECUTING)
# A plan is made from the draft on, until the contract ends.
PLANNABLE = (ContractStatus.DRAFT, ContractStatus.PENDING, ContractStatus.APPROVED, *RUNNING)
COUNTED = (*RUNNING, ContractStatus.COMPLETED)  # contracts whose amounts are owed


def _sum(queryset, field: str) -> Decimal:
    total = queryset.aggregate(s=Coalesce(Sum(field), Value(ZERO), output_field=DecimalField()))
    return total["s"]


def _money(contract: Contract, amount: Decimal) -> str:
    return str(Money(amount, contract.currency))


def _recorded_anew(record, before: dict) -> bool:
    """Whether the write records `record` on its contract: a new one, or one moved to
    another contract (correcting a recorded one's reference or note is always allowed)."""
    return not before or before.get("contract_id") != record.contract_id


def _status(contract: Contract) -> str:
    """The contract's status as stored (the object at hand may be older)."""
    return Contract._base_manager.filter(pk=contract.pk).values_list("status", flat=True)[0]


def _running(contract: Contract, what: str) -> None:
    """Refuse (409) recording `what` on a contract not signed nor executing."""
    contract.status = _status(contract)
    if contract.status not in RUNNING:
        raise DomainError(
            "wrong_state",
            _("%(what)s is recorded on a signed contract, not one that is %(state)s.")
            % {"what": what, "state": contract.get_status_display()},
        )


def _stored(model, obj) -> Decimal:
    """The amount `obj` held when stored (nothing for a new one)."""
    if obj.pk is None:
        return ZERO
    return model._base_manager.filter(pk=obj.pk).values_list("amount", flat=True).first() or ZERO


def _live(queryset):
    return queryset.filter(deleted_at=None)


# Rules ---------------------------------------------------------------------------------


def clean_instalment(instalment: Instalment, before: dict, actor) -> None:
    """Instalments are planned until the contract ends, and add up to no more than its
    total."""
    contract = instalment.contract
    if _status(contract) not in PLANNABLE:
        raise DomainError("wrong_state", _("The contract has ended: its plan no longer changes."))
    others = _live(contract.instalments.exclude(pk=instalment.pk))
    if _sum(others, "amount") + instalment.amount > contract.total:
        raise ValidationError(
            {
                "amount": _(
                    "The instalments would come to more than the contract's total of %(total)s."
                )
                % {"total": _money(contract, contract.total)}
            }
        )


def compute_instalment(instalment: Instalment, lines) -> None:
    """What is still outstanding on the instalment."""
    if instalment.amount is not None:
        instalment.outstanding = max(Decimal(instalment.amount) - instalment.received, ZERO)


def clean_payment(payment: Payment, before: dict, actor) -> None:
    """A payment is recorded on a signed contract (and corrected whatever the contract's
    state since), against one of its instalments; one above what is still receivable
    only when confirmed."""
    contract = payment.contract
    if _recorded_anew(payment, before):
        _running(contract, _("A payment"))
    if payment.instalment_id and payment.instalment.contract_id != contract.pk:
        raise ValidationError({"instalment": _("Choose an instalment of this contract.")})
    receivable = (
        contract.total - _sum(_live(contract.payments), "amount") + _stored(Payment, payment)
    )
    if payment.amount > receivable and not payment.above_receivable:
        raise ValidationError(
            {
                "amount": _(
                    "This is above the %(receivable)s still receivable: tick “above the "
                    "receivable, confirmed” to record it anyway."
                )
                % {"receivable": _money(contract, max(receivable, ZERO))}
            }
        )


def payments_written(payments: list[Payment]) -> None:
    """Each instalment of the contracts paid keeps what its live payments brought in."""
    contracts = {payment.contract_id for payment in payments}
    received = Coalesce(
        Sum("payments__amount", filter=Q(payments__deleted_at=None)),
        Value(ZERO),
        output_field=DecimalField(),
    )
    for row in Instalment.objects.filter(contract__in=contracts).annotate(got=received):
        if row.received != row.got:
            Instalment.all_objects.filter(pk=row.pk).update(
                received=row.got, outstanding=max(row.amount - row.got, ZERO)
            )


def clean_invoice(invoice: Invoice, before: dict, actor) -> None:
    """An invoice is recorded on a signed contract (and corrected whatever the contract's
    state since), for no more than is left to invoice."""
    contract = invoice.contract
    if _recorded_anew(invoice, before):
        _running(contract, _("An invoice"))
    left = contract.total - _sum(_live(contract.invoices), "amount") + _stored(Invoice, invoice)
    if invoice.amount > left:
        raise ValidationError(
            {
                "amount": _("Only %(left)s is left to invoice on this contract.")
                % {"left": _money(contract, max(left, ZERO))}
            }
        )


def clean_delivery(delivery: Delivery, before: dict, actor) -> None:
    """A delivery is of a line of the contract, planned until the contract ends and
    recorded once it is signed; what is delivered and planned of a line stays within its
    quantity."""
    contract = delivery.contract
    if delivery.line.contract_id != contract.pk:
        raise ValidationError({"line": _("Choose a line of this contract.")})
    delivered_now = delivery.delivered_on and (
        _recorded_anew(delivery, before) or not before.get("delivered_on")
    )
    if delivered_now:
        _running(contract, _("A delivery"))
    elif not delivery.delivered_on and _status(contract) not in PLANNABLE:
        raise DomainError("wrong_state", _("The contract has ended: its plan no longer changes."))
    others = _live(delivery.line.deliveries.exclude(pk=delivery.pk))
    left = delivery.line.quantity - _sum(others, "quantity")
    if delivery.quantity > left:
        raise ValidationError(
            {
                "quantity": _("Only %(left)s of this line is left to deliver.")
                % {"left": format(max(left, ZERO).normalize(), "f")}
            }
        )


# Totals --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Where a contract stands: amounts in its currency and shares of its total."""

    total: Decimal
    received: Decimal
    invoiced: Decimal
    overdue: Decimal
    delivered_share: Decimal
    currency: str

    @property
    def receivable(self) -> Decimal:
        return max(self.total - self.received, ZERO)

    @property
    def collected_share(self) -> Decimal:
        return _share(self.received, self.total)

    @property
    def invoiced_share(self) -> Decimal:
        return _share(self.invoiced, self.total)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO
    return min(Decimal(100), (part * 100 / whole).quantize(Decimal("0.1")))


def overdue_filter(today=None) -> Q:
    """Instalments past their due date with money still outstanding."""
    return Q(due_date__lt=today or timezone.localdate(), outstanding__gt=0, deleted_at=None)


def progress(contract: Contract) -> Progress:
    """The contract's received, invoiced and overdue amounts and its delivered share."""
    lines = ContractLine.objects.filter(contract=contract)
    ordered = _sum(lines, "quantity")
    delivered = _sum(
        _live(Delivery.objects.filter(contract=contract, delivered_on__isnull=False)), "quantity"
    )
    return Progress(
        total=contract.total,
        received=_sum(_live(contract.payments), "amount"),
        invoiced=_sum(_live(contract.invoices), "amount"),
        overdue=_sum(contract.instalments.filter(overdue_filter()), "outstanding"),
        delivered_share=_share(delivered, ordered),
        currency=contract.currency,
    )


@dataclass(frozen=True)
class CustomerTotals:
    """A customer's contracts in one currency: contracted, received, receivable, overdue."""

    currency: str
    contracted: Decimal
    received: Decimal
    overdue: Decimal

    @property
    def receivable(self) -> Decimal:
        return max(self.contracted - self.received, ZERO)


def customer_totals(customer, user) -> list[CustomerTotals]:
    """The totals of the contracts of `customer` that `user` sees (signed, executing or
    completed), per currency: three aggregate queries, whatever their number."""
    contracts = Contract.objects.visible_to(user).filter(customer=customer, status__in=COUNTED)
    contracted = dict(contracts.values_list("currency").annotate(s=Sum("total")).order_by())
    received = dict(
        _live(Payment.objects.filter(contract__in=contracts.values("pk")))
        .values_list("contract__currency")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    overdue = dict(
        Instalment.objects.filter(overdue_filter(), contract__in=contracts.values("pk"))
        .values_list("contract__currency")
        .annotate(s=Sum("outstanding"))
        .order_by()
    )
    return [
        CustomerTotals(
            currency,
            contracted[currency],
            received.get(currency, ZERO),
            overdue.get(currency, ZERO),
        )
        for currency in sorted(contracted)
    ]
