"""The pipeline totals (crm.core.rollups) stay exact through every write of an opportunity,
moves at once included, a refused write leaves them as they were, and the board's headers
and the funnel read them for what each user sees, as the list counts it.
(the moves at once on PostgreSQL, one after the other on SQLite:
crm.core.testing.concurrency)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.core import board, registry, rollups, services
from crm.core.errors import AccessDenied
from crm.core.models import JobRowError
from crm.core.testing.concurrency import at_once
from crm.org.handover import transfer_record
from crm.sales import reports
from crm.sales.models import Opportunity, PipelineTotal
from crm.sales.testing import make_process
from crm.sales.tests.test_opportunities import (
    customer_of,
    imported,
    lost_reason,
    make_opportunity,
    stage,
)

OPPORTUNITY = "opportunity"


@pytest.fixture
def process(db):
    return make_process()


def kept() -> list[tuple]:
    """The totals as stored (a key's row whose records all left stays, at zero)."""
    rows = PipelineTotal.objects.exclude(records=0, amount=0, weighted=0)
    fields = ("stage", "owner", "currency", "records", "amount", "weighted")
    return sorted(rows.values_list(*fields))


def assert_exact() -> None:
    """What the write path kept is what a recount of the opportunities gives."""
    stored = kept()
    rollups.rebuild(registry.get(OPPORTUNITY))
    assert kept() == stored


def test_every_write_keeps_the_totals_exact(alice, bob, admin, process):
    first = make_opportunity(alice, process, expected_amount=Decimal("1000.10"))
    dollars = make_opportunity(
        alice,
        process,
        name="出口项目",
        number="SJ-EXPORT",
        expected_amount=Decimal("300"),
        expected_currency="USD",
    )
    make_opportunity(bob, process, name="乙方项目")  # no amount
    assert (stage(process, "初步接洽").pk, alice.pk, "CNY", 1) in [row[:4] for row in kept()]
    assert_exact()

    first.expected_amount = Decimal("2500.55")
    first = services.save(first, actor=alice, expected_version=first.version)
    first = services.transition(first, "move", actor=alice, stage=stage(process, "需求确认"))
    assert_exact()
    transfer_record(first, bob, actor=admin)  # a handover: the owner changes
    services.delete(dollars, actor=alice)
    assert_exact()
    services.restore(dollars, actor=alice)
    lost = make_opportunity(alice, process, name="丢单项目", expected_amount=Decimal("70"))
    services.transition(lost, "lose", actor=alice, lost_reason=lost_reason())
    assert (stage(process, "输单").pk, alice.pk, "CNY", 1) in [row[:4] for row in kept()]
    assert_exact()

    number = Opportunity.objects.get(pk=dollars.pk).number
    buyer = customer_of(alice, "远洋贸易").name
    job = imported(
        admin,
        [
            ["编号", "商机名称", "客户", "销售流程", "金额"],
            [number, "出口项目", buyer, process.name, "450"],
            ["", "新导入项目", buyer, process.name, "8000"],
        ],
    )
    errors = list(JobRowError.objects.filter(job=job).values_list("row", "message"))
    assert (job.summary["created"], job.summary["updated"], errors) == (1, 1, [])
    assert Opportunity.objects.get(pk=dollars.pk).expected_amount == Decimal("450")
    assert_exact()


MOVES = 20


@pytest.mark.django_db(transaction=True)
def test_moves_at_once_both_ways_keep_the_totals_exact(alice):
    process = make_process()
    first, second = stage(process, "初步接洽"), stage(process, "需求确认")
    deals = [
        make_opportunity(alice, process, name=f"并发{n}", expected_amount=Decimal("10.01"))
        for n in range(MOVES)
    ]
    for deal in deals[: MOVES // 2]:
        services.transition(deal, "move", actor=alice, stage=second)
    # Half go forward while the other half go back: both keys' rows, in either order.
    moves = [
        (Opportunity.objects.get(pk=d.pk), second if i >= MOVES // 2 else first)
        for i, d in enumerate(deals)
    ]
    calls = [
        lambda deal=deal, target=target: services.transition(
            deal, "move", actor=alice, stage=target
        )
        for deal, target in moves
    ]
    _results, errors = at_once(calls)
    assert errors == []
    totals = {row[0]: row[3:5] for row in kept()}
    half = (MOVES // 2, Decimal("100.10"))
    assert totals == {first.pk: half, second.pk: half}
    assert_exact()


def test_a_refused_write_leaves_the_totals_as_they_were(alice, bob, process):
    deal = make_opportunity(alice, process, expected_amount=Decimal("1000"))
    before = kept()
    deal.owner = bob  # alice would no longer see it: refused after the write, rolled back
    with pytest.raises(AccessDenied):
        services.save(deal, actor=alice, expected_version=deal.version)
    assert kept() == before
    assert Opportunity.objects.get(pk=deal.pk).owner_id == alice.pk


def test_the_headers_and_funnel_read_the_totals_for_what_the_user_sees(
    alice, bob, make_user, client_for, process
):
    for n in range(2):
        make_opportunity(alice, process, name=f"自己的{n}", expected_amount=Decimal("100"))
    shared = make_opportunity(bob, process, name="共享的", expected_amount=Decimal("40"))
    services.share_record(shared, user=alice, actor=bob)
    make_opportunity(bob, process, name="看不到的", expected_amount=Decimal("9999"))
    first = stage(process, "初步接洽")

    with CaptureQueriesContext(connection) as queries:
        rows = {row.stage.pk: row for row in reports.funnel(alice, process, QueryDict())}
    assert any("sales_pipelinetotal" in q["sql"] for q in queries.captured_queries)
    assert (rows[first.pk].count, rows[first.pk].amounts) == (3, {"CNY": Decimal("240.00")})

    query = board.open_board(registry.get(OPPORTUNITY), alice, QueryDict())
    headers = board.totals(query)[str(first.pk)]
    assert (headers.count, [m.amount for m in headers.amounts]) == (3, [Decimal("240.00")])
    listed = client_for(alice).get(reverse("sales:opportunity_list"), {"stage": first.pk})
    assert listed.content.decode().count("data-row") == 3

    # A filter narrows the board: its headers are counted from the opportunities.
    mine = board.open_board(registry.get(OPPORTUNITY), alice, QueryDict(f"owner={alice.pk}"))
    assert board.totals(mine)[str(first.pk)].count == 2
    everyone = make_user("carol", is_superuser=True)
    assert sum(row.count for row in reports.funnel(everyone, process, QueryDict())) == 4
    nobody = make_user("dave", roles=[])
    assert sum(row.count for row in reports.funnel(nobody, process, QueryDict())) == 0
