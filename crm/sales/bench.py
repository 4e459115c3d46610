"""The bench's rows for the sales pipeline (`make bench`, BENCH.md's ids and targets).

K1 opens the kanban board of the default sales process (every column's first cards and
the headers' sums, read from the pipeline totals); each column's query must read an index
in the board's order, never a scan of the stage's rows. K2 drags a card between two
stages (one transition) over HTTP. R1 opens the sales funnel of the default process over
every opportunity the user sees (the pipeline totals again).
Their floors are the SQL the page issued, replayed straight on the database. The data is
`crm/sales/bench_data.py`'s.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from crm.core.contributions import BenchOperation

BOTH = ("sales", "admin")
# A column's first page: the stage's cards in the board's order.
COLUMN_QUERY = re.compile(r'"sales_opportunity"\."stage_id" = \d+.*ORDER BY.*LIMIT', re.S)


def _ok(*conditions: bool) -> bool:
    return all(conditions)


def _totals_read(sqls: list[str]) -> str:
    """Where the counts and sums came from: the pipeline totals, or every opportunity."""
    rolled = any('"sales_pipelinetotal"' in sql for sql in sqls)
    return "totals from the pipeline totals" if rolled else "totals from the opportunities"


def funnel(bench, persona) -> None:
    from django.urls import reverse

    path = reverse("sales:opportunity_funnel")
    timing = bench.http_op(persona, path)
    sqls = bench.capture(persona.client, path)
    sql_floor, _page_floor = bench.floors(persona, sqls)
    ratio = timing.p50 / sql_floor if sql_floor else None
    bench.row(
        "R1",
        "sales funnel of the default process, every stage",
        user=persona.label,
        p50_ms=timing.p50,
        p95_ms=timing.p95,
        queries=len(sqls),
        floor_ms=sql_floor,
        floor="sql",
        ratio=ratio,
        passed=_ok(timing.p50 <= 200, timing.p95 <= 400, ratio is not None and ratio <= 1.3),
        notes=_totals_read(sqls),
    )


def _plan(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def _reads_whole_stage(plan: str) -> bool:
    """Whether a column's plan reads the stage's opportunities other than by an index walk in
    the board's order: a sequential scan, or a bitmap over a stage or owner index (the few
    shared and collaborated records are fetched by id, which is fine)."""
    return "Seq Scan on sales_opportunity" in plan or "Bitmap Index Scan on opp_" in plan


def board(bench, persona) -> None:
    from django.db import connection
    from django.urls import reverse

    path = reverse("sales:opportunity_board")
    timing = bench.http_op(persona, path)
    sqls = bench.capture(persona.client, path)
    sql_floor, page_floor = bench.floors(persona, sqls)
    columns = [sql for sql in sqls if COLUMN_QUERY.search(sql)]
    sorted_columns = 0
    if connection.vendor == "postgresql":
        plans = [_plan(sql) for sql in columns]
        sorted_columns = sum(1 for plan in plans if _reads_whole_stage(plan))
    bench.row(
        "K1",
        "kanban board of the default process, every column's first cards",
        user=persona.label,
        p50_ms=timing.p50,
        p95_ms=timing.p95,
        queries=len(sqls),
        floor_ms=page_floor,
        floor="page",
        ratio=timing.p50 / page_floor if page_floor else None,
        passed=_ok(timing.p95 <= 80, bool(columns), sorted_columns == 0),
        notes=f"{len(columns)} columns read, {sorted_columns} not by an index; "
        + _totals_read(sqls),
        extra={"sql_floor_ms": sql_floor},
    )


def drag(bench, persona) -> None:
    """A card of the user's, dragged between the first two stages and back, over HTTP."""
    from django.urls import reverse

    from crm.core.states import Category
    from crm.sales.models import Opportunity
    from crm.sales.services import default_process, stages_of

    process = default_process()
    first, second = list(stages_of(process.pk, Category.OPEN))[:2]
    card = (
        Opportunity.objects.filter(owner=persona.user, stage=first, deleted_at__isnull=True)
        .order_by("id")
        .first()
    )
    if card is None:
        raise RuntimeError("the user has no card in the first stage")
    _, status, body, response = persona.http.get(reverse("sales:opportunity_board"))
    cookies = response.msg.get_all("Set-Cookie") or []
    csrf_cookie = next(
        (c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("csrftoken=")), None
    )
    match = re.search(rb'"X-CSRFToken": "([^"]+)"', body)
    if status != 200 or not csrf_cookie or not match:
        raise RuntimeError("the board gave no CSRF token")
    headers = {
        "Cookie": f"{persona.http.headers['Cookie']}; csrftoken={csrf_cookie}",
        "X-CSRFToken": match.group(1).decode(),
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    start = card.version

    def body_for(n: int) -> bytes:
        target = second if n % 2 == 0 else first
        return urlencode({"column": target.pk, "version": start + n}).encode()

    path = f"{reverse('sales:opportunity_board_move', args=[card.pk])}?lane={process.pk}"
    timing = persona.http.time("POST", path, repeat=bench.repeat, body=body_for, headers=headers)
    bench.row(
        "K2",
        "drag a card to the next stage (one transition)",
        user=persona.label,
        p50_ms=timing.p50,
        p95_ms=timing.p95,
        passed=_ok(timing.p95 <= 60),
    )


OPERATIONS = (
    BenchOperation(
        "K1",
        "kanban board",
        "p95 ≤ 80 ms; each column's first page an index scan",
        board,
        BOTH,
    ),
    BenchOperation("K2", "drag a card", "p95 ≤ 60 ms", drag, ("sales",)),
    BenchOperation("R1", "sales funnel", "200/400 ms; ≤ 1.3× SQL floor", funnel, BOTH),
)
