"""The sample document's pages of its own, proving the platform's per-type pages: a panel
for approvers, a button copying a closed document to a new draft, and a summary by status."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.core import money, services
from crm.core.errors import DomainError
from crm.core.registry import Action, Panel, TypeView
from crm.core.testing.sample.models import DocumentStatus, SampleDocument
from crm.core.views.editing import go_to


def approval_summary(document: SampleDocument, user) -> dict:
    """What an approver weighs: the amount, in capital numerals too, and how many lines."""
    amount = money.Money(document.amount, document.currency)
    return {
        "amount": money.to_text(amount),
        "capitals": money.to_capitals(amount) if document.currency == "CNY" else "",
        "line_count": document.lines.count(),
    }


def is_closed(document: SampleDocument, user) -> bool:
    return document.status in (DocumentStatus.APPROVED, DocumentStatus.REJECTED)


@require_POST
def copy_view(request, object_type, document: SampleDocument):
    """A new draft with the document's name and amount, owned by whoever copies it."""
    copy = SampleDocument(
        name=document.name,
        amount=document.amount,
        currency=document.currency,
        owner=request.user,
    )
    try:
        services.save(copy, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return go_to(request, reverse(object_type.url_name("detail"), args=[document.pk]))
    messages.success(request, _("“%(name)s” copied to a new draft.") % {"name": document})
    return go_to(request, reverse(object_type.url_name("detail"), args=[copy.pk]))


def summary_view(request, object_type):
    """How many of the documents the user sees are in each status."""
    visible = SampleDocument.objects.visible_to(request.user)
    counts = dict(visible.values_list("status").annotate(n=Count("pk")).order_by())
    rows = [
        {"state": state, "count": counts.get(state.value, 0)}
        for state in object_type.state_machine.states
    ]
    context = {"object_type": object_type, "rows": rows}
    return render(request, "sample/sampledocument_summary.html", context)


PAGES = {
    "panels": (
        Panel(
            "approval",
            gettext_lazy("Approval summary"),
            "sample/_approval_panel.html",
            approval_summary,
            permission="approve",
        ),
    ),
    "actions": (
        Action(
            gettext_lazy("Copy to a new draft"),
            view="copy",
            permission="create",
            confirm=gettext_lazy("Copy this document to a new draft?"),
            when=is_closed,
        ),
    ),
    "views": (
        TypeView("summary", summary_view, label=gettext_lazy("Summary")),
        TypeView("copy", copy_view, record=True, permission="create"),
    ),
}
