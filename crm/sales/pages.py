"""The opportunity's and the customer's panels: the stage path an opportunity moves along,
its stage history with the time spent in each stage, and a customer's pipeline totals."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core import access, money
from crm.core.forms import style_widgets
from crm.core.registry import Board, BoardColumn, ObjectType, Panel
from crm.core.states import Category

from . import contact_role_views, reports, services
from .models import Lead, LeadStatus, Opportunity, OpportunityStatus, SalesProcess, SalesStage


def stage_path(opportunity: Opportunity, user) -> dict:
    """The process's stages in order, the current one marked, those before it done; the
    open ones the user may move the opportunity to."""
    stages = services.process_stages(opportunity)
    current = opportunity.stage
    may_move = opportunity.status == OpportunityStatus.OPEN and access.can(
        user, "edit", Opportunity
    )
    steps = []
    for stage in stages:
        if stage.category != Category.OPEN and stage.pk != opportunity.stage_id:
            continue  # won and lost show only once reached (their actions are below)
        steps.append(
            {
                "stage": stage,
                "current": stage.pk == opportunity.stage_id,
                "done": current is not None
                and stage.category == Category.OPEN
                and stage.position < current.position,
                "movable": may_move and stage.pk != opportunity.stage_id,
            }
        )
    return {"steps": steps}


def stage_history(opportunity: Opportunity, user) -> dict:
    """Each stage the opportunity has been in, with how long it stayed."""
    now = timezone.now()
    return {
        "periods": [
            {"period": period, "days": period.duration(now).total_seconds() / 86400}
            for period in services.stage_history(opportunity)
        ]
    }


def customer_pipeline(customer, user) -> dict:
    """The customer's open pipeline and what was won this year, from the opportunities
    the user may see, per currency; and the leads converted into it."""
    visible = Opportunity.objects.visible_to(user).filter(customer=customer)
    year = timezone.localdate().year
    rows = (
        visible.values("expected_currency")
        .annotate(
            open=Sum("expected_amount", filter=Q(status=OpportunityStatus.OPEN)),
            weighted=Sum("weighted_amount", filter=Q(status=OpportunityStatus.OPEN)),
            won=Sum(
                "expected_amount",
                filter=Q(status=OpportunityStatus.WON, closed_on__year=year),
            ),
            open_count=Count("pk", filter=Q(status=OpportunityStatus.OPEN)),
        )
        .order_by("expected_currency")
    )

    def text(amount, currency):
        return money.to_text(money.Money(amount or 0, currency))

    totals = [
        {
            "open": text(row["open"], row["expected_currency"]),
            "weighted": text(row["weighted"], row["expected_currency"]),
            "won": text(row["won"], row["expected_currency"]),
            "open_count": row["open_count"],
        }
        for row in rows
    ]
    leads = (
        Lead.objects.visible_to(user).filter(customer=customer, status=LeadStatus.CONVERTED).count()
    )
    return {"totals": totals, "year": year, "converted_leads": leads}


OPPORTUNITY_PANELS = (
    Panel("stages", _("Sales stages"), "sales/_stage_path.html", stage_path, order=0),
    Panel(
        "contact_roles",
        _("Contact roles"),
        "sales/_contact_roles.html",
        contact_role_views.panel,
        order=5,
    ),
    Panel(
        "stage_history",
        _("Stage history"),
        "sales/_stage_history.html",
        stage_history,
        order=10,
        sidebar=True,
    ),
)
CUSTOMER_PANEL = Panel(
    "pipeline", _("Sales pipeline"), "sales/_customer_pipeline.html", customer_pipeline, order=5
)


def extend_customer(object_type: ObjectType) -> None:
    """The customer's page gets its pipeline totals."""
    if object_type.key == "customer" and CUSTOMER_PANEL not in object_type.panels:
        object_type.panels = (*object_type.panels, CUSTOMER_PANEL)


def funnel_view(request, object_type):
    """The sales funnel of one process (`?process=`, the default one first), filtered as the
    list is; each stage links to the list of its opportunities."""
    processes = list(SalesProcess.objects.filter(is_active=True))
    chosen = next(
        (p for p in processes if str(p.pk) == request.GET.get("process")),
        next((p for p in processes if p.is_default), processes[0] if processes else None),
    )
    rows = reports.funnel(request.user, chosen, request.GET) if chosen else []
    widest = max((row.count for row in rows), default=0) or 1
    params = request.GET.copy()
    params.pop("process", None)
    filters = object_type.filterset(request.GET or None, queryset=Opportunity.objects.none())
    style_widgets(filters.form)
    context = {
        "object_type": object_type,
        "processes": processes,
        "process": chosen,
        "filters": filters.form,
        "rows": [
            {
                "row": row,
                "width": round(100 * row.count / widest),
                "amounts": row.texts("amount"),
                "weighted": row.texts("weighted"),
                "list_query": urlencode(
                    {**params.dict(), "process": chosen.pk, "stage": row.stage.pk}
                ),
            }
            for row in rows
        ],
    }
    return render(request, "sales/opportunity_funnel.html", context)


# --------------------------------------------------------------------------- the board


def board_lanes(user) -> list[tuple[int, str]]:
    """The active sales processes, the default first: one board each."""
    processes = SalesProcess.objects.filter(is_active=True).order_by("-is_default", "sort_order")
    return [(process.pk, process.name) for process in processes]


def board_columns(user, lane: str) -> list[BoardColumn]:
    """A column per active stage of the chosen process, in order (won and lost last)."""
    return [
        BoardColumn(stage.pk, stage.name, stage.category)
        for stage in services.stages_of(int(lane) if lane.isdigit() else None)
    ]


def board_move(opportunity: Opportunity, column: BoardColumn) -> tuple[str, dict]:
    """Dropping a card on a stage moves it there; on the won or lost stage it is won or
    lost (a lost reason is asked for); an open stage reopens a closed one."""
    if column.category == Category.WON:
        return "win", {}
    if column.category == Category.LOST:
        return "lose", {}
    stage = SalesStage.objects.get(pk=column.value)
    name = "move" if opportunity.status == OpportunityStatus.OPEN else "reopen"
    return name, {"stage": stage}


OPPORTUNITY_BOARD = Board(
    field="stage",
    columns=board_columns,
    lanes=board_lanes,
    lane_label=_("Sales process"),
    move=board_move,
    amount="expected",
    weighted="weighted_amount",
    card_fields=("customer", "expected", "close_date", "owner"),
    # A screen shows four or five cards a column; "More" reads the next ones.
    page_size=12,
)
