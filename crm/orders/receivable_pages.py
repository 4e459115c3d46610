"""The panels of what a contract brings in: its progress on the contract's page
(delivered, invoiced, collected, receivable, overdue) and the customer's receivables."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.core.money import Money, to_text
from crm.core.registry import ObjectType, Panel
from crm.orders import receivables
from crm.orders.models import Contract


def contract_progress(contract: Contract, user) -> dict:
    """The contract's progress, as its page shows it."""
    found = receivables.progress(contract)

    def text(amount):
        return to_text(Money(amount, found.currency))

    return {
        "progress": found,
        "total": text(found.total),
        "received": text(found.received),
        "receivable": text(found.receivable),
        "invoiced": text(found.invoiced),
        "overdue": text(found.overdue) if found.overdue else "",
    }


def customer_receivables(customer, user) -> dict:
    """The customer's contracted, received, receivable and overdue amounts, per currency."""
    return {
        "totals": [
            {
                "contracted": to_text(Money(row.contracted, row.currency)),
                "received": to_text(Money(row.received, row.currency)),
                "receivable": to_text(Money(row.receivable, row.currency)),
                "overdue": to_text(Money(row.overdue, row.currency)) if row.overdue else "",
            }
            for row in receivables.customer_totals(customer, user)
        ]
    }


CONTRACT_PANEL = Panel(
    "progress",
    _("Execution progress"),
    "orders/_contract_progress.html",
    contract_progress,
    order=5,
)
CUSTOMER_PANEL = Panel(
    "receivables", _("Contracts and receivables"), "orders/_customer_receivables.html",
    customer_receivables, order=6,
)  # fmt: skip


def extend_customer(object_type: ObjectType) -> None:
    """The customer's page gets its receivables."""
    if object_type.key == "customer" and CUSTOMER_PANEL not in object_type.panels:
        object_type.panels = (*object_type.panels, CUSTOMER_PANEL)
