"""Quotes registered with the platform, with their state machine and price approval; the
customer's and the opportunity's pages get their quotes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.core import registry
from crm.core.filters import filterset_for
from crm.core.forms import RemoteSelect, form_for
from crm.core.registry import (
    Approvable,
    Column,
    LineSpec,
    ObjectType,
    Related,
    SearchSpec,
    WorkbenchCard,
    register,
)
from crm.core.states import Category, State, StateMachine, Transition
from crm.orders import pages, services
from crm.orders.models import Quote, QuoteLine, QuoteStatus

Q = QuoteStatus
OUT = (Q.APPROVED, Q.SENT)

QUOTE_MACHINE = StateMachine(
    field="status",
    states=(
        State(Q.DRAFT, Q.DRAFT.label),
        State(Q.PENDING, Q.PENDING.label),
        State(Q.APPROVED, Q.APPROVED.label),
        State(Q.SENT, Q.SENT.label),
        State(Q.ACCEPTED, Q.ACCEPTED.label, Category.WON),
        State(Q.DECLINED, Q.DECLINED.label, Category.LOST),
        State(Q.REVISED, Q.REVISED.label, Category.CLOSED),
    ),
    transitions=(
        # Approved at once unless a price approval process matches (its condition: the
        # quote's "price needs approval").
        Transition(
            "submit",
            Q.DRAFT,
            Q.PENDING,
            _("Submit"),
            guards=(services.has_lines,),
            event="submitted",
        ),
        Transition("approve", Q.PENDING, Q.APPROVED, _("Approve"), event="approved", offered=False),
        Transition("reject", Q.PENDING, Q.DRAFT, _("Reject"), event="rejected", offered=False),
        Transition("withdraw", Q.PENDING, Q.DRAFT, _("Withdraw"), event="withdrawn", offered=False),
        Transition("send", Q.APPROVED, Q.SENT, _("Mark as sent"), event="sent"),
        Transition("accept", OUT, Q.ACCEPTED, _("Customer accepted"), event="accepted"),
        Transition("decline", OUT, Q.DECLINED, _("Customer declined"), event="declined"),
        Transition(
            "supersede",
            services.REVISABLE,
            Q.REVISED,
            _("Revise"),
            event="revised",
            offered=False,
        ),
    ),
)


def my_open_quotes(user) -> int:
    """The workbench's number: the quotes `user` owns still waiting for the customer."""
    waiting = (Q.DRAFT, Q.PENDING, Q.APPROVED, Q.SENT)
    return Quote.objects.visible_to(user).filter(owner=user, status__in=waiting).count()


register(
    ObjectType(
        model=Quote,
        slug="quotes",
        form=form_for(
            Quote,
            (
                "name",
                "customer",
                "contact",
                "opportunity",
                "currency",
                "quote_date",
                "valid_until",
                "terms",
                "notes",
            ),
            widgets={
                "customer": RemoteSelect("/api/v1/customers/"),
                "contact": RemoteSelect("/api/v1/contacts/"),
                "opportunity": RemoteSelect("/api/v1/opportunities/"),
                "terms": forms.Textarea(attrs={"rows": 3}),
            },
        ),
        filterset=filterset_for(Quote, ("status", "currency", "owner")),
        columns=[
            Column("name", _("Quote title"), "title", sortable=True),
            Column("number", _("Number"), sortable=True),
            Column("revision", _("Version"), "number"),
            Column("customer", _("Customer"), "link"),
            Column("opportunity", _("Opportunity"), "link"),
            Column("total", _("Total with tax"), "money", currency="currency"),
            Column("amount", _("Amount without tax"), "money", currency="currency"),
            Column("status", _("Status"), "choice"),
            Column("price_exception", _("Price needs approval"), "bool"),
            Column("quote_date", _("Quote date"), "date", sortable=True),
            Column("valid_until", _("Valid until"), "date", sortable=True),
            Column("owner", _("Owner"), "user"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=[
            "name",
            "number",
            "revision",
            "customer",
            "total",
            "status",
            "quote_date",
            "owner",
        ],
        search=SearchSpec(title="name", subtitle="customer__name", text=("number",)),
        detail_fields=[
            "number",
            "revision",
            "customer",
            "contact",
            "opportunity",
            "currency",
            "quote_date",
            "valid_until",
            "status",
            "price_exception",
            "amount",
            "tax",
            "total",
            "discount_amount",
            "terms",
            "owner",
            "notes",
        ],
        orderings=(
            "-updated_at",
            "updated_at",
            "name",
            "-name",
            "-created_at",
            "quote_date",
            "-quote_date",
            "valid_until",
            "-valid_until",
            "number",
            "-number",
        ),
        number_prefix="BJ",
        icon="file-invoice",
        state_machine=QUOTE_MACHINE,
        approvals=(
            Approvable(
                "price",
                _("Quote price"),
                submit="submit",
                approve="approve",
                reject="reject",
                withdraw="withdraw",
            ),
        ),
        clean=services.clean,
        compute=services.compute,
        computed=("amount", "tax", "total", "discount_amount", "price_exception"),
        lock=services.lock,
        lines=LineSpec(
            QuoteLine,
            "quote",
            ("product", "quantity", "unit_price", "discount", "tax_rate"),
            widgets={
                "product": RemoteSelect(
                    "/api/v1/products/?is_active=true", detail=("code", "specification")
                )
            },
            check=services.check_lines,
        ),
        panels=pages.PANELS,
        actions=pages.ACTIONS,
        views=pages.VIEWS,
        menu_order=45,
        workbench=WorkbenchCard(
            _("My open quotes"), my_open_quotes, order=45, create_label=_("New quote")
        ),
    )
)

TABS = {
    "customer": Related(
        "quote", "customer", _("Quotes"), ("name", "revision", "total", "status", "quote_date")
    ),
    "opportunity": Related(
        "quote", "opportunity", _("Quotes"), ("name", "revision", "total", "status", "quote_date")
    ),
}


def _tabs(object_type: ObjectType) -> None:
    """The customer's and the opportunity's pages list their quotes."""
    tab = TABS.get(object_type.key)
    if tab is not None and tab not in object_type.related:
        object_type.related.append(tab)


registry.extend(_tabs)
