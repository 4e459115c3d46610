"""The bench's rows for quotes (`make bench`, BENCH.md's ids and targets).

Q1 opens a quote of 200 lines and saves it through the API with its lines (each line
priced from the catalogue, the totals and the price control worked out again). Q2 prints
a quote of 50 lines as a PDF (WeasyPrint, Chinese fonts). Q3 works out the totals of a
customer with 5,000 contracts (contracted, received, receivable, overdue) as its page
shows them, and opens that page.
"""

from __future__ import annotations

import datetime
import json
import statistics
import time
from decimal import Decimal

from crm.core.contributions import BenchOperation

LINES = 200
PDF_LINES = 50
CONTRACTS = 5000


def _quote_of(user, lines: int = LINES):
    """A quote of the user's with `lines` lines, over as many products (made once)."""
    from crm.core import registry
    from crm.core import services as core
    from crm.orders.models import Quote
    from crm.products.models import Product

    title = f"bench quote of {lines} lines"
    found = Quote.objects.filter(owner=user, name=title).first()
    if found is not None:
        return found
    have = Product.objects.filter(code__startswith="BENCH-").count()
    Product.objects.bulk_create(
        Product(
            owner=user,
            code=f"BENCH-{n:04d}",
            name=f"基准产品 {n}",
            name_sort=f"ji zhun chan pin {n:04d}",
            standard_price=Decimal(100 + n),
            version=1,
        )
        for n in range(have, LINES)
    )
    products = Product.objects.filter(code__startswith="BENCH-").order_by("code")[:lines]
    customer = registry.get("customer").model.objects.visible_to(user).order_by("pk").first()
    lines = [{"product": p.pk, "quantity": Decimal(2), "discount": Decimal(5)} for p in products]
    quote = Quote(owner=user, name=title, customer=customer)
    return core.save(quote, actor=user, lines=lines)


def open_and_save(bench, persona) -> None:
    from django.urls import reverse

    from crm.core import lines as line_items
    from crm.core import registry

    quote = _quote_of(persona.user)
    page = reverse("orders:quote_detail", args=[quote.pk])
    opened = bench.http_op(persona, page)
    rows = line_items.read(registry.get("quote"), quote.pk)
    start = quote.version
    headers = {"Authorization": f"Bearer {persona.token}", "Content-Type": "application/json"}

    def body_for(n: int) -> bytes:
        lines = [
            {"product": r["product"], "quantity": str(1 + (n + i) % 2), "discount": "5"}
            for i, r in enumerate(rows)
        ]
        return json.dumps({"version": start + n, "lines": lines}).encode()

    saved = persona.http.time(
        "PATCH", f"/api/v1/quotes/{quote.pk}/", repeat=bench.repeat, body=body_for, headers=headers
    )
    for what, timing in (("open", opened), ("save through the API", saved)):
        bench.row(
            "Q1",
            f"quote of {LINES} lines: {what}",
            user=persona.label,
            p50_ms=timing.p50,
            p95_ms=timing.p95,
            passed=timing.p95 <= 150,
        )


def print_pdf(bench, persona) -> None:
    from django.urls import reverse

    quote = _quote_of(persona.user, PDF_LINES)
    timing = bench.http_op(persona, reverse("api:quote_pdf", args=[quote.pk]))
    bench.row(
        "Q2",
        f"quote of {PDF_LINES} lines as a PDF",
        user=persona.label,
        p50_ms=timing.p50,
        p95_ms=timing.p95,
        passed=timing.p95 <= 1500,
    )


def _customer_with_contracts(user):
    """A customer of the user's with CONTRACTS executing or completed contracts, each with
    an instalment (every tenth overdue) and a payment (made once, straight into the
    tables)."""
    from crm.core import registry
    from crm.orders.models import Contract, ContractStatus, Instalment, Payment

    model = registry.get("customer").model
    name = f"基准合同客户 {CONTRACTS}"
    customer = model.objects.filter(owner=user, name=name).first()
    if customer is not None:
        return customer
    customer = model.objects.create(owner=user, name=name, name_sort="ji zhun", version=1)
    due = datetime.date(2026, 1, 1)
    contracts = Contract.objects.bulk_create(
        Contract(
            owner=user,
            customer=customer,
            name=f"基准合同 {n}",
            name_sort=f"ji zhun he tong {n:05d}",
            number=f"BENCH-HT{n:05d}",
            status=ContractStatus.EXECUTING if n % 3 else ContractStatus.COMPLETED,
            total=Decimal(1000 + n),
            amount=Decimal(1000 + n),
            version=1,
        )
        for n in range(CONTRACTS)
    )
    Instalment.objects.bulk_create(
        Instalment(
            owner=user,
            contract=contract,
            name="预付款",
            due_date=due if n % 10 == 0 else due + datetime.timedelta(days=3650),
            amount=contract.total,
            outstanding=contract.total - 500,
            received=Decimal(500),
            version=1,
        )
        for n, contract in enumerate(contracts)
    )
    Payment.objects.bulk_create(
        Payment(owner=user, contract=contract, amount=Decimal(500), version=1)
        for contract in contracts
    )
    return customer


def customer_totals(bench, persona) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from crm.core import registry
    from crm.orders import receivables

    customer = _customer_with_contracts(persona.user)
    receivables.customer_totals(customer, persona.user)  # warm
    samples = []
    for _n in range(bench.repeat):
        started = time.perf_counter()
        receivables.customer_totals(customer, persona.user)
        samples.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        totals = receivables.customer_totals(customer, persona.user)
    sqls = [q["sql"] for q in captured.captured_queries]
    sql_floor, _page_floor = bench.floors(persona, sqls)
    assert totals and totals[0].contracted > 0
    p50, p95 = statistics.median(samples), statistics.quantiles(samples, n=20)[-1]
    bench.row(
        "Q3",
        f"customer page totals, {CONTRACTS:,} contracts",
        user=persona.label,
        p50_ms=p50,
        p95_ms=p95,
        queries=len(sqls),
        floor_ms=sql_floor,
        floor="sql",
        ratio=p50 / sql_floor if sql_floor else None,
        passed=p95 <= 60,
    )
    path = reverse(registry.get("customer").url_name("detail"), args=[customer.pk])
    page = bench.http_op(persona, path)
    bench.row(
        "Q3",
        f"customer page with {CONTRACTS:,} contracts",
        user=persona.label,
        p50_ms=page.p50,
        p95_ms=page.p95,
        queries=len(bench.capture(persona.client, path)),
        target="",
        notes="the whole page, totals included",
    )


OPERATIONS = (
    BenchOperation("Q1", "quote of 200 lines, open and save", "p95 ≤ 150 ms", open_and_save),
    BenchOperation("Q2", "quote of 50 lines as a PDF", "p95 ≤ 1.5 s", print_pdf),
    BenchOperation("Q3", "customer page totals, 5,000 contracts", "p95 ≤ 60 ms", customer_totals),
)
