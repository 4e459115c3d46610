"""The operation log in a real browser, at 1280 and 360 px in both languages: its columns
keep their text on readable lines, and a created record's many values fold away."""

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
