"""Quotes and contracts registered with the platform, with their state machines and
approvals; the customer's and the opportunity's pages get their quotes and contracts."""

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
from crm.orders import (
    amendment_pages,
    amendments,
    forms,
    pages,
    pdf_views,
    receivable_pages,
    receivables,
    services,
)
from crm.orders.models import (
    Amendment,
    AmendmentLine,
    AmendmentStatus,
    Contract,
    ContractLine,
    ContractStatus,
    Delivery,
    Instalment,
    Invoice,
    Payment,
    Quote,
    QuoteLine,
    QuoteStatus,
)

Q = QuoteStatus
C = ContractStatus
OUT = (Q.APPROVED, Q.SENT)
TOTALS = ("amount", "tax", "total", "discount_amount", "price_exception")


def priced_lines(model, parent: str) -> LineSpec:
    """The lines of a quote or a contract: a product searched in the catalogue, then how
    many, at what price, discount and tax rate."""
    return LineSpec(
        model,
        parent,
        ("product", "quantity", "unit_price", "discount", "tax_rate"),
        widgets={
            "product": RemoteSelect(
                "/api/v1/products/?is_active=true", detail=("code", "specification")
            )
        },
        check=services.check_lines,
    )


def approvable(key: str, label) -> Approvable:
    """A document's submit and the transitions its approval process runs."""
    return Approvable(
        key, label, submit="submit", approve="approve", reject="reject", withdraw="withdraw"
    )


def submitted_by_approval(states, guards=(), effects=()) -> tuple[Transition, ...]:
    """Submit (approved at once unless an approval process matches) with the document's
    `guards`, and the approve (with its `effects`), reject and withdraw the process runs."""
    draft, pending, approved = states
    return (
        Transition(
            "submit",
            draft,
            pending,
            _("Submit"),
            guards=(services.has_lines, *guards),
            event="submitted",
        ),
        Transition(
            "approve",
            pending,
            approved,
            _("Approve"),
            effects=effects,
            event="approved",
            offered=False,
        ),
        Transition("reject", pending, draft, _("Reject"), event="rejected", offered=False),
        Transition("withdraw", pending, draft, _("Withdraw"), event="withdrawn", offered=False),
    )


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
        *submitted_by_approval((Q.DRAFT, Q.PENDING, Q.APPROVED)),
        Transition("send", Q.APPROVED, Q.SENT, _("Mark as sent"), event="sent"),
        # The quote's "Customer accepted" button (pages.accept_view) also makes the contract.
        Transition(
            "accept", OUT, Q.ACCEPTED, _("Customer accepted"), event="accepted", offered=False
        ),
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
        form=forms.QuoteForm,
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
        approvals=(approvable("price", _("Quote price")),),
        clean=services.clean,
        compute=services.compute,
        computed=TOTALS,
        lock=services.lock,
        lines=priced_lines(QuoteLine, "quote"),
        panels=pages.PANELS,
        actions=(*pages.ACTIONS, *pdf_views.ACTIONS),
        views=(*pages.VIEWS, *pdf_views.VIEWS),
        menu_order=45,
        workbench=WorkbenchCard(
            _("My open quotes"), my_open_quotes, order=45, create_label=_("New quote")
        ),
    )
)

CONTRACT_MACHINE = StateMachine(
    field="status",
    states=(
        State(C.DRAFT, C.DRAFT.label),
        State(C.PENDING, C.PENDING.label),
        State(C.APPROVED, C.APPROVED.label),
        State(C.SIGNED, C.SIGNED.label),
        State(C.EXECUTING, C.EXECUTING.label),
        State(C.COMPLETED, C.COMPLETED.label, Category.WON),
        State(C.TERMINATED, C.TERMINATED.label, Category.LOST),
    ),
    transitions=(
        *submitted_by_approval((C.DRAFT, C.PENDING, C.APPROVED)),
        Transition(
            "sign", C.APPROVED, C.SIGNED, _("Sign"), required=("signed_on",), event="signed"
        ),
        Transition("start", C.SIGNED, C.EXECUTING, _("Start execution"), event="started"),
        Transition("complete", C.EXECUTING, C.COMPLETED, _("Complete"), event="completed"),
        Transition(
            "terminate",
            (C.SIGNED, C.EXECUTING),
            C.TERMINATED,
            _("Terminate"),
            required=("termination_reason",),
            event="terminated",
        ),
    ),
)


def my_open_contracts(user) -> int:
    """The workbench's number: the contracts `user` owns not yet completed or ended."""
    open_states = (C.DRAFT, C.PENDING, C.APPROVED, C.SIGNED, C.EXECUTING)
    return Contract.objects.visible_to(user).filter(owner=user, status__in=open_states).count()


register(
    ObjectType(
        model=Contract,
        slug="contracts",
        form=forms.ContractForm,
        filterset=filterset_for(Contract, ("status", "currency", "owner")),
        columns=[
            Column("name", _("Contract name"), "title", sortable=True),
            Column("number", _("Number"), sortable=True),
            Column("customer", _("Customer"), "link"),
            Column("total", _("Total with tax"), "money", currency="currency"),
            Column("amount", _("Amount without tax"), "money", currency="currency"),
            Column("status", _("Status"), "choice"),
            Column("signed_on", _("Signed on"), "date", sortable=True),
            Column("start_date", _("Start date"), "date", sortable=True),
            Column("end_date", _("End date"), "date", sortable=True),
            Column("quote", _("Quote"), "link"),
            Column("owner", _("Owner"), "user"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["name", "number", "customer", "total", "status", "signed_on", "owner"],
        search=SearchSpec(title="name", subtitle="customer__name", text=("number",)),
        detail_fields=[
            "number",
            "customer",
            "contact",
            "opportunity",
            "quote",
            "currency",
            "status",
            "signer",
            "signed_on",
            "start_date",
            "end_date",
            "amount",
            "tax",
            "total",
            "discount_amount",
            "price_exception",
            "termination_reason",
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
            "signed_on",
            "-signed_on",
            "start_date",
            "-start_date",
            "end_date",
            "-end_date",
            "number",
            "-number",
        ),
        number_prefix="HT",
        icon="file-certificate",
        state_machine=CONTRACT_MACHINE,
        approvals=(approvable("contract", _("Contract")),),
        clean=services.clean,
        compute=services.compute,
        computed=TOTALS,
        lock=services.contract_lock,
        lines=priced_lines(ContractLine, "contract"),
        panels=(receivable_pages.CONTRACT_PANEL,),
        actions=amendment_pages.CONTRACT_ACTIONS,
        views=amendment_pages.CONTRACT_VIEWS,
        menu_order=46,
        workbench=WorkbenchCard(
            _("My open contracts"), my_open_contracts, order=46, create_label=_("New contract")
        ),
    )
)

CONTRACT_LINK = {"contract": forms.CONTRACTS}
IN_CONTRACT = "contract__currency"  # their amounts are in the contract's currency

A = AmendmentStatus
AMENDMENT_MACHINE = StateMachine(
    field="status",
    states=(
        State(A.DRAFT, A.DRAFT.label),
        State(A.PENDING, A.PENDING.label),
        State(A.APPLIED, A.APPLIED.label, Category.WON),
    ),
    # Approved (at once, unless an amendment approval process matches), it is applied.
    transitions=submitted_by_approval(
        (A.DRAFT, A.PENDING, A.APPLIED),
        guards=(amendments.applicable,),
        effects=(amendments.apply,),
    ),
)

register(
    ObjectType(
        model=Amendment,
        slug="amendments",
        form=form_for(Amendment, ("contract", "reason", "end_date", "terms"), CONTRACT_LINK),
        filterset=filterset_for(Amendment, ("contract", "status")),
        columns=[
            Column("reason", _("Reason for the change"), "title"),
            Column("number", _("Number"), sortable=True),
            Column("contract", _("Contract"), "link"),
            Column("total_before", _("Total before the change"), "money", currency=IN_CONTRACT),
            Column("total", _("Total with tax"), "money", currency=IN_CONTRACT),
            Column("status", _("Status"), "choice"),
            Column("owner", _("Owner"), "user"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["reason", "number", "contract", "total_before", "total", "status"],
        search=SearchSpec(title="reason", subtitle="contract__name", text=("number",)),
        detail_fields=[
            "number",
            "contract",
            "status",
            "end_date",
            "total_before",
            "amount",
            "tax",
            "total",
            "discount_amount",
            "price_exception",
            "terms",
            "owner",
        ],
        orderings=("-updated_at", "updated_at", "-created_at", "number", "-number"),
        number_prefix="BG",
        icon="file-pencil",
        state_machine=AMENDMENT_MACHINE,
        approvals=(approvable("amendment", _("Contract amendment")),),
        clean=amendments.clean,
        compute=amendments.compute,
        computed=(*TOTALS, "total_before"),
        lock=amendments.lock,
        lines=priced_lines(AmendmentLine, "amendment"),
        panels=amendment_pages.PANELS,
        in_menu=False,
    )
)

QUOTE_COLUMNS = ("name", "revision", "total", "status", "quote_date")
CONTRACT_COLUMNS = ("name", "number", "total", "status", "signed_on")
TABS = {
    "customer": (
        Related("quote", "customer", _("Quotes"), QUOTE_COLUMNS),
        Related("contract", "customer", _("Contracts"), CONTRACT_COLUMNS),
    ),
    "opportunity": (
        Related("quote", "opportunity", _("Quotes"), QUOTE_COLUMNS),
        Related("contract", "opportunity", _("Contracts"), CONTRACT_COLUMNS),
    ),
    "quote": (Related("contract", "quote", _("Contracts"), CONTRACT_COLUMNS),),
    "contract": (
        Related(
            "amendment",
            "contract",
            _("Amendments"),
            ("reason", "number", "total_before", "total", "status"),
        ),
        Related(
            "instalment",
            "contract",
            _("Payment plan"),
            ("name", "due_date", "amount", "received", "outstanding"),
        ),
        Related("payment", "contract", _("Payments"), ("paid_on", "amount", "method", "reference")),
        Related(
            "invoice", "contract", _("Invoices"), ("invoice_number", "kind", "issued_on", "amount")
        ),
        Related(
            "delivery",
            "contract",
            _("Deliveries"),
            ("number", "line__product__name", "quantity", "planned_on", "delivered_on"),
        ),
    ),
}


def _tabs(object_type: ObjectType) -> None:
    """The customer's, the opportunity's and the quote's pages list their quotes and
    contracts."""
    for tab in TABS.get(object_type.key, ()):
        if tab not in object_type.related:
            object_type.related.append(tab)


registry.extend(_tabs)
registry.extend(receivable_pages.extend_customer)


# A contract's payment plan, payments, invoices and deliveries: records of the contract,
# seen by whoever sees it, on its page's tabs.


register(
    ObjectType(
        model=Instalment,
        slug="instalments",
        form=form_for(
            Instalment, ("contract", "name", "due_date", "amount", "note"), CONTRACT_LINK
        ),
        filterset=filterset_for(Instalment, ("contract",)),
        columns=[
            Column("name", _("Instalment"), "title"),
            Column("contract", _("Contract"), "link"),
            Column("due_date", _("Due date"), "date", sortable=True),
            Column("amount", _("Amount due"), "money", currency=IN_CONTRACT),
            Column("received", _("Received"), "money", currency=IN_CONTRACT),
            Column("outstanding", _("Outstanding"), "money", currency=IN_CONTRACT),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["name", "contract", "due_date", "amount", "received", "outstanding"],
        search=SearchSpec(title="name", subtitle="contract__name"),
        detail_fields=["contract", "due_date", "amount", "received", "outstanding", "note"],
        orderings=("due_date", "-due_date", "-updated_at", "updated_at", "-created_at"),
        default_ordering="due_date",
        icon="calendar-dollar",
        clean=receivables.clean_instalment,
        compute=receivables.compute_instalment,
        computed=("outstanding",),
        in_menu=False,
    )
)

register(
    ObjectType(
        model=Payment,
        slug="payments",
        form=forms.PaymentForm,
        filterset=filterset_for(Payment, ("contract", "method")),
        columns=[
            Column("reference", _("Reference"), "title"),
            Column("paid_on", _("Received on"), "date", sortable=True),
            Column("contract", _("Contract"), "link"),
            Column("amount", _("Amount received"), "money", currency=IN_CONTRACT),
            Column("method", _("Payment method"), "dict"),
            Column("instalment", _("Instalment"), "link"),
            Column("owner", _("Owner"), "user"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["reference", "paid_on", "contract", "amount", "method", "instalment"],
        search=SearchSpec(title="reference", subtitle="contract__name", text=("reference",)),
        detail_fields=[
            "contract",
            "instalment",
            "paid_on",
            "amount",
            "method",
            "reference",
            "above_receivable",
            "owner",
            "note",
        ],
        orderings=("-paid_on", "paid_on", "-updated_at", "updated_at", "-created_at"),
        default_ordering="-paid_on",
        icon="cash",
        clean=receivables.clean_payment,
        written=receivables.payments_written,
        menu_order=47,
    )
)

register(
    ObjectType(
        model=Invoice,
        slug="invoices",
        form=form_for(
            Invoice,
            ("contract", "invoice_number", "kind", "issued_on", "amount", "note"),
            CONTRACT_LINK,
        ),
        filterset=filterset_for(Invoice, ("contract", "kind")),
        columns=[
            Column("invoice_number", _("Invoice number"), "title", sortable=True),
            Column("contract", _("Contract"), "link"),
            Column("kind", _("Invoice type"), "choice"),
            Column("issued_on", _("Issued on"), "date", sortable=True),
            Column("amount", _("Invoiced amount"), "money", currency=IN_CONTRACT),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["invoice_number", "contract", "kind", "issued_on", "amount"],
        search=SearchSpec(title="invoice_number", subtitle="contract__name"),
        detail_fields=["contract", "kind", "issued_on", "amount", "owner", "note"],
        orderings=(
            "-issued_on",
            "issued_on",
            "invoice_number",
            "-invoice_number",
            "-updated_at",
            "updated_at",
            "-created_at",
        ),
        default_ordering="-issued_on",
        icon="receipt",
        clean=receivables.clean_invoice,
        match_keys=(("invoice_number",), ("external_id",)),
        in_menu=False,
    )
)

register(
    ObjectType(
        model=Delivery,
        slug="deliveries",
        form=forms.DeliveryForm,
        filterset=filterset_for(Delivery, ("contract",)),
        columns=[
            Column("number", _("Delivery note number"), "title", sortable=True),
            Column("line__product__name", _("Product")),
            Column("contract", _("Contract"), "link"),
            Column("quantity", _("Quantity"), "number"),
            Column("planned_on", _("Planned for"), "date", sortable=True),
            Column("delivered_on", _("Delivered on"), "date", sortable=True),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=[
            "line__product__name",
            "contract",
            "quantity",
            "planned_on",
            "delivered_on",
        ],
        search=SearchSpec(
            title="line__product__name", subtitle="contract__name", text=("number", "note")
        ),
        detail_fields=[
            "number",
            "contract",
            "line",
            "quantity",
            "planned_on",
            "delivered_on",
            "note",
        ],
        orderings=(
            "planned_on",
            "-planned_on",
            "delivered_on",
            "-delivered_on",
            "number",
            "-number",
            "-updated_at",
            "updated_at",
            "-created_at",
        ),
        default_ordering="-updated_at",
        icon="truck-delivery",
        clean=receivables.clean_delivery,
        in_menu=False,
    )
)
