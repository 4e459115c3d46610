"""The operation log in a real browser, at 1280 and 360 px in both languages: its columns
keep their text on readable lines, a created record's many values fold away, and the filter
boxes show their longest choice whole."""

import pytest
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core import services
from crm.core.testing.browser import assert_fits, chromium, chromium_page
from crm.customers.tests.test_battery import make_customer
from crm.org.models import Role

# Per row: the width of its columns and the height of the row and of one line of text.
MEASURE = """() => [...document.querySelectorAll("[data-change-log] tr[data-row]")].map((row) => ({
  narrowest: Math.min(...[...row.cells].map((cell) => cell.getBoundingClientRect().width)),
  changes: row.cells[5].getBoundingClientRect().width,
  height: row.getBoundingClientRect().height,
}))"""

# Per filter select, set to its longest choice: that text's width and the room the box gives it.
LONGEST_CHOICES = """() => [...document.querySelectorAll("form select:not(.tomselected)")]
.map((select) => {
  const longest = [...select.options].reduce((a, b) => (b.text.length > a.text.length ? b : a));
  select.value = longest.value;
  const style = getComputedStyle(select);
  const context = document.createElement("canvas").getContext("2d");
  context.font = style.font;
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const width = context.measureText(longest.text).width;
  return {name: select.name, text: longest.text, width, room};
})"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_operation_log_reads_on_a_wide_and_a_narrow_screen(
    live_server, make_user, browser, language
):
    role = Role.objects.create(code="auditor", name_zh="审计", name_en="Auditor")
    role.specials = ["view_logs"]
    role.save()
    make_user("auditor", roles=[role], language=language)
    owner = make_user("sales1", full_name="张伟")
    customer = make_customer(
        owner,
        name="深圳华星电子有限公司",
        phone="0755-86072000",
        address="深圳市南山区科技园科苑路 15 号",
        notes="年度框架协议客户，每季度回访一次。",
    )
    customer.address = "深圳市南山区高新南一道 9 号"
    services.save(customer, actor=owner)
    for width in (1280, 360):
        with chromium_page(browser=browser, width=width) as (page, problems):
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", "auditor")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{live_server.url}/")
            page.goto(f"{live_server.url}/org/logs/changes/")
            assert_fits(page)
            for choice in page.evaluate(LONGEST_CHOICES):
                assert choice["width"] <= choice["room"], (width, choice)  # reads whole
            rows = page.evaluate(MEASURE)
            assert len(rows) == 2
            for row in rows:
                assert row["narrowest"] >= 40, (width, row)  # no column a letter wide
                assert row["changes"] >= 250, (width, row)
                assert row["height"] <= 160, (width, row)  # created: the first values only
            created = page.locator("[data-change-log] tr[data-row]").nth(1)
            phone = created.get_by_text("075****2000")
            expect(phone).to_be_hidden()
            created.locator("summary").click()
            expect(phone).to_be_visible()
            assert problems == []
