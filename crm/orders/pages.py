"""The quote's own pages: the buttons that revise it into a new version and that record
the customer's acceptance (drafting the contract), the panel of its versions with what
changed from the previous one, and the lines whose price needs approval."""

from __future__ import annotations

from django.contrib import messages
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import money
from crm.core.errors import DomainError
from crm.core.registry import Action, Panel, TypeView
from crm.core.views.editing import go_to
from crm.orders import services
from crm.orders.models import Quote, QuoteLine, QuoteStatus


@require_POST
def revise_view(request, object_type, quote: Quote):
    """Revise the quote and open the new version's form."""
    try:
        new = services.revise_quote(quote, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, reverse(object_type.url_name("detail"), args=[quote.pk]))
    messages.success(
        request,
        _("Version %(version)d created from version %(old)d.")
        % {"version": new.revision, "old": quote.revision},
    )
    return go_to(request, reverse(object_type.url_name("edit"), args=[new.pk]))


@require_POST
def accept_view(request, object_type, quote: Quote):
    """The customer accepted the quote: open the contract drafted from it."""
    try:
        contract = services.accept_quote(quote, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, reverse(object_type.url_name("detail"), args=[quote.pk]))
    messages.success(request, _("Quote accepted: a draft contract was made from it."))
    return go_to(request, reverse("orders:contract_detail", args=[contract.pk]))


def may_accept(quote: Quote, user) -> bool:
    return quote.status in (QuoteStatus.APPROVED, QuoteStatus.SENT)


def may_revise(quote: Quote, user) -> bool:
    return quote.status in services.REVISABLE


def versions_panel(quote: Quote, user) -> dict:
    """The quote's versions, and what this one changed from the one before it."""
    chain = services.versions(quote, user)
    previous = next((q for q in chain if q.pk == quote.previous_id), None)
    return {
        "versions": chain,
        "current": quote,
        "changes": line_changes(previous, quote) if previous else [],
        "previous": previous,
    }


def exceptions_panel(quote: Quote, user) -> dict:
    """The lines whose price needs approval, and why."""
    stored = list(QuoteLine.objects.filter(quote=quote).select_related("product"))
    found = services.price_exceptions(quote, stored)
    return {"rows": [{"position": i + 1, "line": stored[i], "reason": why} for i, why in found]}


def line_changes(before, after) -> list[dict]:
    """Lines added, removed or changed (quantity, price, discount) by product, and the
    totals, from one priced document (a quote, a contract) to another."""
    was = _by_product(before)
    now = _by_product(after)
    rows = []
    for product, line in now.items():
        old = was.get(product)
        if old is None:
            rows.append(
                {
                    "product": line.product,
                    "kind": _("Added"),
                    "before": "",
                    "after": _line_text(after, line),
                }
            )
        elif _line_text(before, old) != _line_text(after, line):
            rows.append(
                {
                    "product": line.product,
                    "kind": _("Changed"),
                    "before": _line_text(before, old),
                    "after": _line_text(after, line),
                }
            )
    for product, line in was.items():
        if product not in now:
            rows.append(
                {
                    "product": line.product,
                    "kind": _("Removed"),
                    "before": _line_text(before, line),
                    "after": "",
                }
            )
    if before.total != after.total or before.currency != after.currency:
        rows.append(
            {
                "product": _("Total with tax"),
                "kind": _("Changed"),
                "before": _money(before, before.total),
                "after": _money(after, after.total),
            }
        )
    return rows


def _by_product(document) -> dict:
    found: dict = {}
    for line in document.lines.select_related("product"):
        found.setdefault(line.product_id, line)
    return found


def _line_text(document, line) -> str:
    discount = f" −{format(line.discount.normalize(), 'f')}%" if line.discount else ""
    quantity = format(line.quantity.normalize(), "f")
    return f"{quantity} × {_money(document, line.unit_price)}{discount}"


def _money(document, amount) -> str:
    return money.to_text(money.Money(amount, document.currency)) if amount is not None else "—"


PANELS = (
    Panel(
        "price_exceptions",
        gettext_lazy("Prices that need approval"),
        "orders/_price_exceptions.html",
        exceptions_panel,
        order=20,
    ),
    Panel("versions", gettext_lazy("Versions"), "orders/_versions.html", versions_panel, order=30),
)
ACTIONS = (
    Action(
        gettext_lazy("Customer accepted"),
        view="accept",
        permission="edit",
        confirm=gettext_lazy("The customer accepted this quote? A draft contract is made from it."),
        when=may_accept,
    ),
    Action(
        gettext_lazy("Revise"),
        view="revise",
        permission="edit",
        confirm=gettext_lazy("Make a new version of this quote to change it?"),
        when=may_revise,
    ),
)
VIEWS = (
    TypeView("revise", revise_view, record=True, permission="edit"),
    TypeView("accept", accept_view, record=True, permission="edit"),
)
