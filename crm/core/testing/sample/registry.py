"""The sample document registered with the platform, with its state machine."""

from django.utils.translation import gettext_lazy as _

from crm.core import timeline
from crm.core.filters import filterset_for
from crm.core.forms import form_for
from crm.core.registry import Board, Column, LineSpec, ObjectType, SearchSpec, register
from crm.core.states import Category, State, StateMachine, Transition
from crm.core.testing.sample import pages, services
from crm.core.testing.sample.models import DocumentStatus, SampleDocument, SampleLine
from crm.core.testing.sample.services import amount_is_positive

S = DocumentStatus

MACHINE = StateMachine(
    field="status",
    states=(
        State(S.DRAFT, S.DRAFT.label),
        State(S.SUBMITTED, S.SUBMITTED.label),
        State(S.APPROVED, S.APPROVED.label, Category.WON),
        State(S.REJECTED, S.REJECTED.label, Category.LOST),
    ),
    transitions=(
        Transition(
            "submit",
            S.DRAFT,
            S.SUBMITTED,
            _("Submit"),
            guards=(amount_is_positive,),
            event="submitted",
        ),
        Transition(
            "approve", S.SUBMITTED, S.APPROVED, _("Approve"), action="approve", event="approved"
        ),
        Transition(
            "reject",
            S.SUBMITTED,
            S.REJECTED,
            _("Reject"),
            action="approve",
            required=("reason",),
            event="rejected",
        ),
        Transition("withdraw", S.SUBMITTED, S.DRAFT, _("Withdraw"), event="withdrawn"),
        # A permission of this type's own: roles show it without code in the organisation app.
        Transition(
            "reopen",
            (S.REJECTED, S.APPROVED),
            S.DRAFT,
            _("Reopen"),
            action="reopen",
            event="reopened",
        ),
    ),
)

register(
    ObjectType(
        model=SampleDocument,
        slug="sample-documents",
        form=form_for(SampleDocument, ("name", "amount", "currency", "status")),
        filterset=filterset_for(SampleDocument, ("status", "owner")),
        columns=[
            Column("name", _("Name"), "title", sortable=True),
            Column("number", _("Number")),
            Column("amount", _("Amount"), "number"),
            Column("status", _("Status"), "choice"),
            Column("owner", _("Owner"), "user"),
            Column("updated_at", _("Updated at"), "datetime", sortable=True),
        ],
        default_columns=["name", "number", "amount", "status", "owner", "updated_at"],
        search=SearchSpec(title="name", text=("number",)),
        detail_fields=["number", "amount", "status", "reason", "owner"],
        orderings=("-updated_at", "updated_at", "name", "-name", "-created_at"),
        state_machine=MACHINE,
        board=Board(amount="amount", currency="currency", card_fields=("amount", "owner")),
        api_fields=("related_type", "related_id"),
        in_menu=False,
        clean=services.check_currency,
        compute=services.compute_totals,
        computed=("total",),
        lock=services.lock,
        lines=LineSpec(SampleLine, "document", ("product", "quantity", "unit_price")),
        **pages.PAGES,
    )
)
timeline.register_records(SampleDocument)
