"""The rules of leads and opportunities that every write and transition calls: an
opportunity's stage, probability and weighted amount, what a stage requires before it is
entered, closing as won or lost, reopening, and the stage history with the time spent in
each stage."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.core.errors import TransitionRefused
from crm.core.money import Money, round_line
from crm.core.states import Category

from .models import (
    LeadStatus,
    Opportunity,
    OpportunityStatus,
    SalesProcess,
    SalesStage,
    StageChange,
)

# --------------------------------------------------------------------------- processes


def default_process() -> SalesProcess | None:
    """The process a new opportunity follows unless another is chosen."""
    active = SalesProcess.objects.filter(is_active=True)
    return active.filter(is_default=True).first() or active.first()


def stages_of(process_id: int | None, *categories: str) -> QuerySet[SalesStage]:
    """The active stages of a process in order, of the given categories (all when none)."""
    stages = SalesStage.objects.filter(process_id=process_id, is_active=True)
    if categories:
        stages = stages.filter(category__in=categories)
    return stages.order_by("position", "id")


def process_stages(opportunity: Opportunity) -> list[SalesStage]:
    """The active stages of the opportunity's process in order, read once per record (its
    page asks several guards at a time)."""
    cached = getattr(opportunity, "_process_stages", None)
    if cached is None or cached[0] != opportunity.process_id:
        cached = (opportunity.process_id, list(stages_of(opportunity.process_id)))
        opportunity._process_stages = cached  # type: ignore[attr-defined]
    return cached[1]


def first_stage(opportunity: Opportunity, category: str) -> SalesStage | None:
    """The first active stage of the opportunity's process in `category`."""
    return next((s for s in process_stages(opportunity) if s.category == category), None)


def stage_choices(opportunity: Opportunity) -> dict[str, Any]:
    """What the stage of a move or a reopening may be: the open stages of its process."""
    return {"stage": stages_of(opportunity.process_id, Category.OPEN)}


# --------------------------------------------------------------------------- opportunity rules


def compute(opportunity: Opportunity, lines) -> None:
    """A new opportunity starts in its process's first open stage, at the stage's
    probability unless one was entered; the weighted amount is the amount times the
    probability."""
    if opportunity.stage_id is None and opportunity.process_id is not None:
        opportunity.stage = first_stage(opportunity, Category.OPEN)
        opportunity.stage_entered_at = timezone.now()
    if opportunity.probability is None and opportunity.stage_id is not None:
        opportunity.probability = opportunity.stage.probability
    opportunity.weighted_amount = weighted(opportunity)


def weighted(opportunity: Opportunity) -> Decimal:
    """The amount times the probability, rounded as a line is."""
    amount = opportunity.expected_amount
    if amount is None or opportunity.probability is None:
        return Decimal(0)
    try:
        value = Decimal(amount) * opportunity.probability / 100
        return round_line(Money(value, opportunity.expected_currency)).amount
    except (ArithmeticError, TypeError, ValueError, KeyError):
        return Decimal(0)  # left to the amount's and currency's own field rules


def clean(opportunity: Opportunity, before: dict[str, Any], actor) -> None:
    """A process with stages; it is chosen when the opportunity is created; a new one does
    not close in the past."""
    if opportunity.process_id is not None and opportunity.stage_id is None:
        raise ValidationError({"process": _("This sales process has no open stage yet.")})
    if before and before.get("process_id") != opportunity.process_id:
        raise ValidationError(
            {"process": _("The sales process is chosen when the opportunity is created.")}
        )
    if (
        not before
        and opportunity.close_date is not None
        and opportunity.close_date < timezone.localdate()
    ):
        raise ValidationError({"close_date": _("A new opportunity cannot close in the past.")})


def lock(opportunity: Opportunity) -> str | None:
    """A won or lost opportunity is closed: reopen it to change it."""
    if opportunity.status != OpportunityStatus.OPEN:
        return _("This opportunity is closed. Reopen it to change it.")
    return None


# --------------------------------------------------------------------------- moving


def requirements(opportunity: Opportunity, stage: SalesStage) -> str | None:
    """Why `opportunity` may not enter `stage` yet: a field that the stage, or an open stage
    before it, requires is empty. None when it may."""
    earlier = [
        s
        for s in process_stages(opportunity)
        if s.category == Category.OPEN and s.position < stage.position
    ]
    needed: list[str] = []
    for each in [*earlier, stage]:
        needed += [name for name in each.required_fields if name not in needed]
    missing = [
        str(Opportunity._meta.get_field(name).verbose_name)
        for name in needed
        if _blank(getattr(opportunity, name, None))
    ]
    if missing:
        return _("Fill in %(fields)s before “%(stage)s”.") % {
            "fields": ", ".join(missing),
            "stage": stage.name,
        }
    return None


def may_enter(opportunity: Opportunity, actor) -> str | None:
    """The guard of a move and a reopening: the chosen stage is an open stage of the
    opportunity's process and its requirements are met."""
    stage = opportunity.stage
    if stage.process_id != opportunity.process_id or not stage.is_active:
        return _("“%(stage)s” is not a stage of this sales process.") % {"stage": stage.name}
    if stage.category != Category.OPEN:
        return _("Mark the opportunity won or lost with its own action.")
    return requirements(opportunity, stage)


def may_win(opportunity: Opportunity, actor) -> str | None:
    """The guard of winning: the process has a won stage and its requirements are met."""
    stage = first_stage(opportunity, Category.WON)
    if stage is None:
        return _("This sales process has no won stage.")
    return requirements(opportunity, stage)


def may_lose(opportunity: Opportunity, actor) -> str | None:
    """The guard of losing: the process has a lost stage."""
    if first_stage(opportunity, Category.LOST) is None:
        return _("This sales process has no lost stage.")
    return None


def enter_stage(opportunity: Opportunity, before: dict[str, Any], actor) -> None:
    """Record the move into the opportunity's new stage and take the stage's probability."""
    if before["stage_id"] == opportunity.stage_id:
        raise TransitionRefused(
            "guard_refused",
            _("The opportunity is in “%(stage)s” already.") % {"stage": opportunity.stage.name},
        )
    now = timezone.now()
    opportunity.probability = opportunity.stage.probability
    opportunity.stage_entered_at = now
    if opportunity.stage.category == Category.OPEN:
        opportunity.closed_on = None
    else:
        opportunity.closed_on = timezone.localdate()
    StageChange.objects.create(
        opportunity=opportunity,
        from_stage_id=before["stage_id"],
        to_stage=opportunity.stage,
        changed_at=now,
        changed_by=actor,
    )


def close_won(opportunity: Opportunity, before: dict[str, Any], actor) -> None:
    """Winning puts the opportunity in its process's won stage."""
    opportunity.stage = first_stage(opportunity, Category.WON)
    opportunity.lost_reason = None
    enter_stage(opportunity, before, actor)


def close_lost(opportunity: Opportunity, before: dict[str, Any], actor) -> None:
    """Losing puts the opportunity in its process's lost stage."""
    opportunity.stage = first_stage(opportunity, Category.LOST)
    enter_stage(opportunity, before, actor)


@dataclass(frozen=True)
class StagePeriod:
    """A stretch of time an opportunity spent in one stage (`left` None: it is there now)."""

    stage: SalesStage
    entered: datetime.datetime
    left: datetime.datetime | None
    by: Any

    def duration(self, now: datetime.datetime | None = None) -> datetime.timedelta:
        return (self.left or now or timezone.now()) - self.entered


def stage_history(opportunity: Opportunity) -> list[StagePeriod]:
    """The stages the opportunity has been in, in order, each with when it entered and
    left: it started in the first change's starting stage (or its stage, never moved) when
    it was created."""
    changes = list(
        StageChange.objects.filter(opportunity=opportunity).select_related(
            "from_stage", "to_stage", "changed_by"
        )
    )
    stage = changes[0].from_stage if changes else opportunity.stage
    entered, by = opportunity.created_at, opportunity.created_by
    periods = []
    for change in changes:
        periods.append(StagePeriod(stage, entered, change.changed_at, by))
        stage, entered, by = change.to_stage, change.changed_at, change.changed_by
    periods.append(StagePeriod(stage, entered, None, by))
    return periods


# --------------------------------------------------------------------------- lead rules


def conversion_fits(lead, actor) -> str | None:
    """The guard of a conversion: the contact and the opportunity it names belong to the
    customer it names."""
    if lead.contact_id is not None and lead.contact.customer_id != lead.customer_id:
        return _("The contact belongs to another customer.")
    if lead.opportunity_id is not None and lead.opportunity.customer_id != lead.customer_id:
        return _("The opportunity belongs to another customer.")
    return None


def converted(lead, before: dict[str, Any], actor) -> None:
    """A conversion notes when it happened."""
    lead.converted_at = timezone.now()


def lead_lock(lead) -> str | None:
    """A converted lead stays as it was converted."""
    if lead.status == LeadStatus.CONVERTED:
        return _("This lead has been converted and cannot change.")
    return None


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())
