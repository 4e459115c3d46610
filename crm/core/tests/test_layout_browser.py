"""The page frame at 1280 and 360 px: wide lists stay inside their card with long names
wrapped, a long record title keeps one line and its number whole, toasts leave the page's
buttons free, and the left menu's background runs the page's full height."""

import base64

import pytest
from playwright.sync_api import expect

from crm.core.testing.browser import assert_fits, chromium, chromium_page
from crm.core.tests.test_form_browser import sign_in
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer

LONG_NAME = "华东精密机械制造与国际贸易（集团）股份有限公司上海浦东新区第二分公司"
COLUMNS = [
    "name",
    "number",
    "customer_type",
    "status",
    "category",
    "level",
    "industry",
    "region",
    "source",
    "province",
    "city",
    "phone",
    "email",
    "owner",
    "updated_at",
    "created_at",
]
BOX = "(el) => el.getBoundingClientRect().toJSON()"
# The colour of a pixel of a screenshot (PNG bytes, base64), read back through a canvas.
PIXEL = """async ([png, x, y]) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  return [image.height, ...context.getImageData(x, y, 1, 1).data.slice(0, 3)];
}"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.django_db(transaction=True)
def test_page_frame_at_both_widths(live_server, make_user, browser, language):
    sales = make_user("sales1", language=language)
    for n in range(25):
        make_customer(sales, name=f"{LONG_NAME}{n}", phone="02155501234", city="上海")
    customer = Customer.objects.order_by("pk").last()
    Customer.objects.filter(pk=customer.pk).update(number="KH20261206000123")
    with chromium_page(browser=browser, width=1280) as (page, problems):
        sign_in(page, live_server.url, "sales1")
        page.goto(f"{live_server.url}/customers/")
        assert_fits(page)
        # The usual columns fit the card whole: no last column cut off behind a scroll.
        assert page.locator("#results .table-responsive").evaluate(
            "(box) => box.scrollWidth <= box.clientWidth"
        )
        page.goto(f"{live_server.url}/customers/?" + "&".join(f"col={c}" for c in COLUMNS))
        assert_fits(page)
        card = page.locator("#results").evaluate(BOX)
        scroller = page.locator("#results .table-responsive").evaluate(BOX)
        name = page.locator("table[data-list] tbody td > a").first.evaluate(BOX)
        assert card["left"] <= scroller["left"] and scroller["right"] <= card["right"]
        assert name["width"] <= 20 * 16 + 1  # a long name wraps instead of widening the table
        # The whole page, as printed or captured: the menu's dark strip reaches its bottom.
        shot = base64.b64encode(page.screenshot(full_page=True)).decode()
        height, *bottom_left = page.evaluate(PIXEL, [shot, 10, 1500])
        assert height > 1500 and max(bottom_left) < 60, bottom_left

        page.goto(f"{live_server.url}/customers/{customer.pk}/edit/")
        page.fill("input[name=name]", "金蝶软件")
        page.click("#record-form button[type=submit]")
        toast = page.locator("#toasts .toast.show")
        expect(toast).to_be_visible()
        buttons = page.locator(".page-header .btn-list").evaluate(BOX)
        assert not overlaps(toast.evaluate(BOX), buttons)
        assert problems == []
    with chromium_page(browser=browser, width=360) as (page, problems):
        sign_in(page, live_server.url, "sales1")
        Customer.objects.filter(pk=customer.pk).update(name=LONG_NAME)
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        assert_fits(page)  # the title takes one line
        number = page.locator("h1 .crm-title-number")
        expect(number).to_have_text("KH20261206000123")
        box = number.evaluate(BOX)
        assert box["right"] <= 360 and box["height"] < 30  # whole, on one line
        assert problems == []
