"""Bench data of opportunities (`crm.core.contributions.BenchData`): the two demo sales
processes, then one opportunity per customer on average, owned by the customer's owner,
spread over the stages (most in the project process, about a third of them closed).

Deterministic: the rows draw from the generator's seeded `ctx.rng` in a fixed order.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

OPPORTUNITIES = {"S": 10_000, "M": 100_000, "L": 1_000_000}
# How the opportunities of a process spread over its stages (open ones first, in order).
STAGE_WEIGHTS = {"项目型销售": (30, 20, 14, 10, 14, 12), "分销销售": (30, 22, 14, 18, 16)}
PROCESS_WEIGHTS = (8, 2)
PROJECTS = ("ERP 升级", "MES 项目", "仓储系统", "年度维保", "产线改造", "设备采购", "渠道合作")
CENT = Decimal("0.01")


def setup(ctx) -> None:
    """The demo's two sales processes with their stages."""
    from crm.sales.demo import PROCESSES
    from crm.sales.models import SalesProcess, SalesStage

    for order, (name, default, stages) in enumerate(PROCESSES):
        process = SalesProcess.objects.create(
            name=name, is_default=default, sort_order=order, version=1
        )
        SalesStage.objects.bulk_create(
            SalesStage(
                process=process,
                name=stage,
                position=position,
                probability=probability,
                category=category,
                required_fields=required,
                version=1,
            )
            for position, (stage, probability, category, required) in enumerate(stages, 1)
        )


def opportunity_rows(ctx) -> Iterator[dict]:
    from crm.sales.models import SalesProcess

    rng = ctx.rng
    processes = [
        (process, list(process.stages.order_by("position")))
        for process in SalesProcess.objects.order_by("sort_order")
    ]
    customers = ctx.loaded["customer"]
    customer_count = ctx.count("customer")
    lost_reasons = list(ctx.items["lost_reason"].values())
    sources = list(ctx.items["customer_source"].values())
    for pk in range(1, ctx.count("opportunity") + 1):
        customer_id = rng.randrange(1, customer_count + 1)
        customer = customers[customer_id]
        process, stages = rng.choices(processes, weights=PROCESS_WEIGHTS)[0]
        stage = rng.choices(stages, weights=STAGE_WEIGHTS[process.name])[0]
        created = max(customer["created_at"], ctx.epoch - datetime.timedelta(days=720))
        created += datetime.timedelta(seconds=rng.randrange(86400 * 30))
        created = min(created, ctx.epoch)
        updated = ctx.moment(created)
        amount = Decimal(rng.randrange(10, 2000) * 1000)
        status = {"open": "open", "won": "won", "lost": "lost"}[stage.category]
        closed = updated.date() if status != "open" else None
        owner = customer["owner_id"]
        yield {
            "id": pk,
            "version": 1,
            "created_at": created,
            "updated_at": updated,
            "created_by_id": owner,
            "updated_by_id": owner,
            "number": f"SJ{pk:07d}",
            "owner_id": owner,
            "name": f"{customer['name'][:12]} {rng.choice(PROJECTS)}",
            "customer_id": customer_id,
            "expected_amount": amount,
            "expected_currency": "CNY",
            "weighted_amount": (amount * stage.probability / 100).quantize(CENT, ROUND_HALF_UP),
            "close_date": (updated + datetime.timedelta(days=rng.randrange(-60, 180))).date(),
            "process_id": process.pk,
            "stage_id": stage.pk,
            "probability": stage.probability,
            "status": status,
            "source_id": rng.choice(sources),
            "lost_reason_id": rng.choice(lost_reasons) if status == "lost" else None,
            "closed_on": closed,
            "stage_entered_at": updated,
            "custom_field_data": {},
        }


def finish(ctx) -> dict[str, int]:
    """The pipeline totals of the opportunities loaded (the write path keeps them since)."""
    from crm.core import registry, rollups

    return {"pipeline totals": rollups.rebuild(registry.get("opportunity"))}
