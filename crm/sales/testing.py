"""Leads and opportunities for the permission matrix and the tests: a saved, indexed record
per call, and a sales process with stages to put opportunities in."""

import itertools

from crm.core import registry, rollups, search
from crm.core.states import Category
from crm.sales.models import Lead, Opportunity, SalesProcess, SalesStage

_counter = itertools.count()

# name, probability, category, fields required before entering
STAGES = (
    ("初步接洽", 10, Category.OPEN, []),
    ("需求确认", 30, Category.OPEN, []),
    ("方案报价", 60, Category.OPEN, ["expected_amount"]),
    ("商务谈判", 80, Category.OPEN, ["expected_amount", "close_date"]),
    ("赢单", 100, Category.WON, []),
    ("输单", 0, Category.LOST, []),
)


def make_process(name: str = "项目型销售", stages=STAGES, *, default: bool = True) -> SalesProcess:
    """A process with `stages` (name, probability, category, required fields), written as
    an administrator's setup would be."""
    process = SalesProcess.objects.create(name=name, is_default=default, version=1)
    for position, (stage, probability, category, required) in enumerate(stages, start=1):
        SalesStage.objects.create(
            process=process,
            name=stage,
            position=position,
            probability=probability,
            category=category,
            required_fields=required,
            version=1,
        )
    return process


def make_lead(owner, parent):
    n = next(_counter)
    lead = Lead.objects.create(owner=owner, name=f"矩阵线索{n}号", number=f"X{n}")
    search.index(lead)
    return lead


def make_opportunity(owner, parent):
    n = next(_counter)
    process = SalesProcess.objects.filter(name="矩阵流程").first() or make_process(
        "矩阵流程", [(name, chance, category, []) for name, chance, category, _ in STAGES]
    )
    # A live customer the world has already (the opportunity sees it or not on its own
    # terms): never one in the recycle bin, which a test may erase.
    customer_model = registry.get("customer").model
    customer = customer_model.objects.order_by("-id").first()
    if customer is None:
        customer = customer_model.objects.create(owner=owner, name=f"矩阵商机客户{n}号")
    opportunity = Opportunity.objects.create(
        owner=owner,
        name=f"矩阵商机{n}号",
        number=f"O{n}",
        customer=customer,
        process=process,
        stage=process.stages.order_by("position").first(),
    )
    search.index(opportunity)
    rollups.apply(Opportunity, [({}, opportunity)])
    return opportunity
