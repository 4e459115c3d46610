"""The opportunity's and the customer's panels: the stage path an opportunity moves along,
its stage history with the time spent in each stage, and a customer's pipeline totals."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.core import access, money
from crm.core.registry import ObjectType, Panel
from crm.core.states import Category

from . import services
from .models import Lead, LeadStatus, Opportunity, OpportunityStatus


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
