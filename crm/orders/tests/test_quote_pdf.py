"""The quote's PDF (报价单): Chinese text with an embedded Chinese font, the totals in
figures and in capital numerals, 50 lines from one query with page numbers, and the page
and the API that answer it only to those who see the quote."""

import io
import itertools
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from crm.core import registry
from crm.core import services as core
from crm.orders import pdf
from crm.orders.models import Quote
from crm.products.models import Product

NUMBERS = itertools.count(1001)


def text_of(data: bytes) -> str:
    """The text of every page of a PDF."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def fonts_of(data: bytes) -> set[str]:
    """The names of the fonts a PDF embeds."""
    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            found.add(str(font.get_object()["/BaseFont"]))
    return found


def make_quote(owner, products, line=None, **fields) -> Quote:
    """A quote for 华星电子 (and its contact 王芳) of two of each product (and `line`'s
    fields on each line)."""
    customer = core.save(registry.get("customer").model(owner=owner, name="华星电子"), actor=owner)
    contact = core.save(
        registry.get("contact").model(
            owner=owner, customer=customer, name="王芳", email="wangfang@example.com"
        ),
        actor=owner,
    )
    fields.setdefault("name", "伺服系统报价")
    fields.setdefault("number", f"BJ-2026-{next(NUMBERS)}")
    return core.save(
        Quote(owner=owner, customer=customer, contact=contact, **fields),
        actor=owner,
        lines=[{"product": p.pk, "quantity": D(2), **(line or {})} for p in products],
    )


def servo(owner, code="S1", price="5000") -> Product:
    return core.save(
        Product(
            owner=owner,
            code=code,
            name="伺服电机",
            specification="1.5kW 220V",
            standard_price=D(price),
        ),
        actor=owner,
    )


@pytest.mark.django_db
def test_the_pdf_prints_the_quote_in_chinese_with_its_totals(alice):
    quote = make_quote(alice, [servo(alice)], terms="款到发货，含运费。")
    assert (quote.amount, quote.tax, quote.total) == (D(10000), D(1300), D(11300))

    data = pdf.quote_pdf(quote, alice)

    text = text_of(data)
    assert data.startswith(b"%PDF")
    for expected in (
        "Quotation",
        quote.number,
        "华星电子",
        "王芳",
        "伺服电机",
        "1.5kW 220V",
        "¥10,000.00",
        "¥1,300.00",
        "¥11,300.00",
        "壹万壹仟叁佰元整",
        "款到发货，含运费。",
        "Page 1 of 1",
    ):
        assert expected in text, expected
    assert "2.0000" not in text  # quantities without trailing zeros
    chinese = ("NotoSansCJK", "NotoSansSC", "WenQuanYi")
    assert any(f in name.replace("-", "") for name in fonts_of(data) for f in chinese)


@pytest.mark.django_db
def test_the_pdf_is_in_the_readers_language(alice):
    quote = make_quote(alice, [servo(alice)])
    alice.language = "zh-hans"

    text = text_of(pdf.quote_pdf(quote, alice))

    assert "价税合计" in text and "报价日期" in text
    assert "Total with tax" not in text


@pytest.mark.django_db
def test_a_quote_in_dollars_has_no_capital_numerals(alice):
    quote = make_quote(alice, [servo(alice)], line={"unit_price": D(700)}, currency="USD")

    text = text_of(pdf.quote_pdf(quote, alice))

    assert "US$1,582.00" in text
    assert "Amount in words" not in text and "元" not in text


@pytest.mark.django_db
def test_fifty_lines_are_read_in_one_query_and_numbered_pages(alice):
    products = [servo(alice, code=f"SV-{n:03d}", price="100") for n in range(50)]
    quote = make_quote(alice, products)

    with CaptureQueriesContext(connection) as queries:
        data = pdf.quote_pdf(quote, alice)

    line_queries = [q for q in queries if "orders_quoteline" in q["sql"]]
    assert len(line_queries) == 1
    assert len(queries) == 2  # the quote with its people, the lines with their products
    text = text_of(data)
    assert all(p.code in text for p in products)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages >= 2
    assert f"Page {pages} of {pages}" in text


@pytest.mark.django_db
def test_the_page_answers_the_pdf_inline_to_those_who_see_the_quote(alice, bob, client_for):
    quote = make_quote(alice, [servo(alice)])
    url = reverse("orders:quote_pdf", args=[quote.pk])

    response = client_for(alice).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{quote.number}-v1.pdf"'
    assert "华星电子" in text_of(response.content)
    assert client_for(bob).get(url).status_code == 404


@pytest.mark.django_db
def test_the_detail_page_offers_the_pdf(alice, client_for):
    quote = make_quote(alice, [servo(alice)])

    page = client_for(alice).get(reverse("orders:quote_detail", args=[quote.pk]))

    assert page.status_code == 200
    assert reverse("orders:quote_pdf", args=[quote.pk]) in page.content.decode()


@pytest.mark.django_db
def test_the_api_answers_the_pdf_to_those_who_see_the_quote(alice, bob, api_for):
    quote = make_quote(alice, [servo(alice)])
    url = f"/api/v1/quotes/{quote.pk}/pdf/"

    response = api_for(alice).get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "伺服电机" in text_of(response.content)
    refused = api_for(bob).get(url)
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"


@pytest.mark.django_db
def test_the_api_documents_the_pdf(client):
    schema = client.get("/api/v1/openapi.json").json()
    answer = schema["paths"]["/api/v1/quotes/{pk}/pdf/"]["get"]["responses"]["200"]
    assert "application/pdf" in answer["content"]
