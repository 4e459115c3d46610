"""The quote as a printed document (报价单): `orders/quote_pdf.html` laid out on A4 by
WeasyPrint in the reader's language, with Chinese fonts, its lines read in one query."""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst, get_valid_filename
from django.utils.translation import gettext as _

from crm.core import money
from crm.core.views.lines import display
from crm.orders.models import Quote, QuoteLine
from crm.products.models import Product

# A line's figures, in the order the table shows them after its product.
FIGURES = ("quantity", "unit_price", "discount", "amount", "tax_rate", "tax", "total")
HEADER = ("name", "number", "revision", "quote_date", "valid_until", "customer", "contact")
TOTALS = ("amount", "tax", "total")


def quote_pdf(quote: Quote, user) -> bytes:
    """The quote as a PDF in `user`'s language: the header, the lines, the totals in
    figures (and for yuan in capital numerals), the terms, and page numbers."""
    from weasyprint import HTML  # loaded when a PDF is made, not with every server

    with translation.override(getattr(user, "language", None) or None):
        html = render_to_string("orders/quote_pdf.html", _context(quote))
    return HTML(string=html).write_pdf()


def filename(quote: Quote) -> str:
    """The PDF's file name: the quote's number (its id before it has one) and version."""
    return get_valid_filename(f"{quote.number or quote.pk}-v{quote.revision}.pdf")


def inline_response(quote: Quote, user) -> HttpResponse:
    """The quote's PDF as an answer the browser shows, named by `filename`."""
    response = HttpResponse(quote_pdf(quote, user), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename(quote))
    return response


def _context(quote: Quote) -> dict:
    """What the template prints: the quote with its customer, contact and owner read at
    once, its lines with their products and units in one query, labels and figures."""
    quote = Quote._base_manager.select_related("customer", "contact", "owner").get(pk=quote.pk)
    currency = quote.currency
    stored = QuoteLine.objects.filter(quote=quote).select_related("product", "product__unit")
    line_fields = [QuoteLine._meta.get_field(name) for name in FIGURES]
    rows = [
        {
            "position": position,
            "product": line.product,
            "figures": [display(f, getattr(line, f.name), currency) for f in line_fields],
        }
        for position, line in enumerate(stored, 1)
    ]
    total = money.Money(quote.total, currency)
    return {
        "quote": quote,
        "header": {name: _label(Quote, name) for name in HEADER},
        "owner_label": capfirst(_("salesperson")),
        "currency_label": _label(Quote, "currency"),
        "terms_label": _label(Quote, "terms"),
        "product_labels": [_label(Product, name) for name in ("code", "name", "unit")],
        "figure_labels": [capfirst(f.verbose_name) for f in line_fields],
        "rows": rows,
        "totals": [
            (_label(Quote, name), money.to_text(money.Money(getattr(quote, name), currency)))
            for name in TOTALS
        ],
        "capitals": money.to_capitals(total) if currency == "CNY" else "",
        "page_numbers": _page_numbers(),
    }


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _page_numbers() -> SafeString:
    """ "Page 1 of 3" in the reader's language, as the CSS `content` of the page footer:
    the translation's text quoted (and escaped), the numbers WeasyPrint's page counters."""
    text = _("Page %(number)s of %(total)s")
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    counters = {"number": '" counter(page) "', "total": '" counter(pages) "'}
    return mark_safe(f'"{quoted % counters}"')
