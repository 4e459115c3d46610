"""The contract's "Amend" button, which drafts an amendment and opens its form, and the
amendment's panel of what it changes in the contract."""

from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core.errors import DomainError
from crm.core.registry import Action, Panel, TypeView
from crm.core.views.editing import go_to
from crm.orders import amendments
from crm.orders.models import Amendment, AmendmentStatus, Contract
from crm.orders.pages import line_changes


@require_POST
def amend_view(request, object_type, contract: Contract):
    """Draft an amendment of the contract and open its form."""
    try:
        amendment = amendments.amend_contract(contract, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, reverse(object_type.url_name("detail"), args=[contract.pk]))
    messages.success(request, _("Change the lines, dates or terms, then submit the amendment."))
    return go_to(request, reverse("orders:amendment_edit", args=[amendment.pk]))


def may_amend(contract: Contract, user) -> bool:
    """A signed or executing contract without an amendment under way."""
    return contract.status in amendments.AMENDABLE and not amendments.open_amendment(contract)


def changes_panel(amendment: Amendment, user) -> dict:
    """What the amendment changes in its contract as it stands (until applied)."""
    applied = amendment.status == AmendmentStatus.APPLIED
    return {
        "applied": applied,
        "changes": [] if applied else line_changes(amendment.contract, amendment),
    }


CONTRACT_ACTIONS = (
    Action(
        gettext_lazy("Amend"),
        view="amend",
        permission="edit",
        confirm=gettext_lazy(
            "Draft an amendment of this contract? It changes the contract once approved."
        ),
        when=may_amend,
    ),
)
CONTRACT_VIEWS = (TypeView("amend", amend_view, record=True, permission="edit"),)
PANELS = (
    Panel(
        "amendment_changes",
        gettext_lazy("What changes"),
        "orders/_amendment_changes.html",
        changes_panel,
        order=20,
    ),
)
