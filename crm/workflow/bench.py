"""The bench's row for alerts (`make bench`): one alert rule over every customer.

A1 runs a rule (A-level customers not updated for 30 days, to owners and their superiors)
as the scheduler does: the one INSERT … SELECT of its hits, the recipients grouped in SQL
and one digest each. Its SQL floor is that INSERT … SELECT alone, run by hand. Each run is
rolled back, so every run finds all its hits new.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import TypeVar

from crm.core.contributions import BenchOperation

T = TypeVar("T")
RUNS = 5
# The digests cost the same whatever the data (one per recipient, in one INSERT): at scale
# L the hits' statement is most of a run.
RATIO = 2
MAX_QUERIES = 15
RULE = "基准预警：A 级客户 30 天未更新"


def _rolled_back_ms(work: Callable[[], T]) -> tuple[float, T]:
    """Milliseconds `work()` takes inside a transaction that is then rolled back."""
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        result = work()
        elapsed = (time.perf_counter() - started) * 1000
        transaction.set_rollback(True)
    return elapsed, result


def _rule(actor):
    from crm.customization.models import DictionaryItem
    from crm.workflow import alerts
    from crm.workflow.models import AlertRule

    found = AlertRule.objects.filter(name=RULE).first()
    if found is not None:
        return found
    level_a = DictionaryItem.objects.get(dictionary__code="customer_level", code="a").pk
    return alerts.save_rule(
        AlertRule(name=RULE, type_key="customer", to_owner=True, to_superior=True),
        actor=actor,
        conditions=[
            {"field": "updated_at", "op": "older_than_days", "value": 30},
            {"field": "level", "op": "eq", "value": level_a},
        ],
    )


def alert_rule(bench, persona) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from crm.workflow import alerts
    from crm.workflow.models import AlertRule

    rule = _rule(persona.user)
    now = timezone.now()
    period, _due = alerts.period_of(rule, now)

    def floor():
        sql, params = alerts.hits_statement(rule, period, timezone.now(), now)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    runs, floors, found = [], [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            ms, found = _rolled_back_ms(lambda: alerts.evaluate(rule, now=now))
        runs.append(ms)
        floors.append(_rolled_back_ms(floor)[0])
    AlertRule.objects.filter(pk=rule.pk).delete()
    queries = len(captured.captured_queries)
    p50, floor_ms = statistics.median(runs), statistics.median(floors)
    bench.row(
        "A1",
        "alert rule over all customers (A-level, not updated for 30 days): hits, "
        "recipients, digests",
        user=persona.label,
        p50_ms=p50,
        p95_ms=max(runs),
        queries=queries,
        floor_ms=floor_ms,
        floor="the rule's INSERT … SELECT … ON CONFLICT alone",
        ratio=p50 / floor_ms if floor_ms else None,
        passed=bool(floor_ms) and p50 <= RATIO * floor_ms and queries <= MAX_QUERIES,
        notes=f"{found} records matched; {RUNS} runs, each rolled back",
    )


OPERATIONS = [
    BenchOperation(
        "A1",
        "alert rule over customers",
        f"≤ {RATIO}× SQL floor; ≤ {MAX_QUERIES} queries at any data size",
        alert_rule,
        ("admin",),
    ),
]
