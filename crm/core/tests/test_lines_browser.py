"""A document's lines in a real browser: typing a quantity changes the amount and the total
without reloading the page, row buttons add and move rows, the save keeps them, and the
lines fit a phone's width in both languages."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.core import services
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.core.testing.sample.models import SampleDocument, SampleLine


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
def test_typing_a_quantity_updates_the_total_without_reload_then_saves(live_server, alice, browser):
    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/sample-documents/new/")
        page.evaluate("window.sameDocument = true")  # gone if the page reloads
        page.fill("input[name=name]", "Office supplies")
        page.fill("input[name=lines-0-product]", "Paper")
        page.fill("input[name=lines-0-unit_price]", "25.50")
        page.fill("input[name=lines-0-quantity]", "3")
        expect(page.locator("#lines-0-amount-shown")).to_have_text("¥76.50")
        expect(page.locator("#lines-totals [data-total]")).to_have_text("¥76.50")

        page.click("button[value=add]")
        expect(page.locator("input[name=lines-1-product]")).to_be_focused()
        page.keyboard.type("Ink")
        page.fill("input[name=lines-1-unit_price]", "199")
        page.locator("input[name=lines-1-quantity]").fill("")
        page.locator("input[name=lines-1-quantity]").press_sequentially("2")
        expect(page.locator("#lines-totals [data-total]")).to_have_text("¥474.50")
        page.click("button[value=up-1]")
        expect(page.locator("input[name=lines-0-product]")).to_have_value("Ink")
        assert_fits(page)
        assert page.evaluate("window.sameDocument") is True

        page.click("#record-form button[type=submit]")
        expect(page).to_have_url(re.compile(r"/sample-documents/\d+/$"))
        expect(page.locator("#lines [data-total]")).to_have_text("¥474.50")
        assert_fits(page)
        document = SampleDocument.objects.get(name="Office supplies")
        lines = SampleLine.objects.filter(document=document).values_list("product", "quantity")
        assert list(lines) == [("Ink", Decimal("2")), ("Paper", Decimal("3"))]
        assert document.total == Decimal("474.50")
        assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("zh-hans", 360), ("en", 360), ("zh-hans", 1280)])
def test_the_lines_fit_the_screen(live_server, make_user, browser, language, width):
    user = make_user("zhang", language=language, full_name="张伟")
    document = SampleDocument(owner=user, name="办公用品采购", amount=Decimal("100"))
    rows = [("A4打印纸（500张/包）", "12", "25.50"), ("硒鼓", "2", "1199")]
    lines = [{"product": p, "quantity": Decimal(q), "unit_price": Decimal(u)} for p, q, u in rows]
    document = services.save(document, actor=user, lines=lines)
    with chromium_page(browser=browser, width=width) as (page, problems):
        sign_in(page, live_server.url, "zhang")
        page.goto(f"{live_server.url}/sample-documents/{document.pk}/")
        expect(page.locator("#lines [data-total]")).to_have_text("¥2,704.00")
        assert_fits(page)
        page.goto(f"{live_server.url}/sample-documents/{document.pk}/edit/")
        expect(page.locator("#lines-totals [data-total]")).to_have_text("¥2,704.00")
        assert_fits(page)
        assert problems == []
