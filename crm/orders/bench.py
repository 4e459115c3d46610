"""The bench's rows for quotes (`make bench`, BENCH.md's ids and targets).

Q1 opens a quote of 200 lines and saves it through the API with its lines (each line
priced from the catalogue, the totals and the price control worked out again). Q2 prints
a quote of 50 lines as a PDF (WeasyPrint, Chinese fonts).
"""

from __future__ import annotations

import json
from decimal import Decimal

from crm.core.contributions import BenchOperation

LINES = 200
PDF_LINES = 50


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


OPERATIONS = (
    BenchOperation("Q1", "quote of 200 lines, open and save", "p95 ≤ 150 ms", open_and_save),
    BenchOperation("Q2", "quote of 50 lines as a PDF", "p95 ≤ 1.5 s", print_pdf),
)
