"""The sales funnel (销售漏斗): the opportunities a user sees in each stage of a process,
with their count, amount and weighted amount, filtered as the opportunity list is."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import QueryDict

from crm.core import lists, money, registry

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
    that the list's filters in `params` keep: one grouped query."""
    rows = {stage.pk: FunnelRow(stage) for stage in stages_of(process.pk)}
    queryset, _query = lists.build(registry.get("opportunity"), user, params)
    grouped = (
        queryset.filter(process=process)
        .values("stage_id", "expected_currency")
        .annotate(n=Count("pk"), amount=Sum("expected_amount"), weighted=Sum("weighted_amount"))
        .order_by()
    )
    for group in grouped:
        row = rows.get(group["stage_id"])
        if row is None:
            continue  # a stage deactivated since
        row.count += group["n"]
        currency = group["expected_currency"]
        row.amounts[currency] = group["amount"] or Decimal(0)
        row.weighted[currency] = group["weighted"] or Decimal(0)
    return list(rows.values())
