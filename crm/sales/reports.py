"""The sales funnel (销售漏斗): the opportunities a user sees in each stage of a process,
with their count, amount and weighted amount, filtered as the opportunity list is."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.http import QueryDict

from crm.core import lists, money, registry, rollups

from .models import SalesProcess, SalesStage
from .services import stages_of


@dataclass
class FunnelRow:
    """One stage of the funnel: how many opportunities are in it and their amounts, one
    figure per currency."""

    stage: SalesStage
    count: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    weighted: dict[str, Decimal] = field(default_factory=dict)

    def texts(self, which: str) -> list[str]:
        sums = self.amounts if which == "amount" else self.weighted
        return [money.to_text(money.Money(v, c)) for c, v in sorted(sums.items())]


def funnel(user, process: SalesProcess, params: QueryDict) -> list[FunnelRow]:
    """Every active stage of `process` in order with the opportunities `user` sees in it
    that the list's filters in `params` keep: from the pipeline totals when no filter
    narrows them, else one grouped query."""
    rows = {stage.pk: FunnelRow(stage) for stage in stages_of(process.pk)}
    kept = params.copy()
    kept.pop("process", None)  # the funnel's own choice, not a filter
    object_type = registry.get("opportunity")
    queryset, query = lists.build(object_type, user, kept)
    by, where = ("stage_id", "expected_currency"), {"stage_id": list(rows)}
    summed = ("expected_amount", "weighted_amount")
    grouped = (
        None if lists.narrowed(query) else rollups.grouped(object_type, user, by, where, summed)
    )
    if grouped is None:
        grouped = rollups.counted(queryset.filter(process=process), by, where, summed)
    for group in grouped:
        row = rows[group["stage_id"]]
        row.count += group["records"]
        currency = group["expected_currency"]
        row.amounts[currency] = row.amounts.get(currency, Decimal(0)) + group["sum_expected_amount"]
        row.weighted[currency] = (
            row.weighted.get(currency, Decimal(0)) + group["sum_weighted_amount"]
        )
    return list(rows.values())
