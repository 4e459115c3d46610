"""Record forms in a real browser: a refused save focuses what to fix, a masked number is
typed over, and province / city / district are chosen in cascade or typed for abroad."""

import pytest
from playwright.sync_api import expect

from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import chromium, chromium_page, sign_in
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer

PHONE = "13812345678"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def enter(page, field: str) -> None:
    """Click into a Tom Select field (once the one left has let the focus go)."""
    page.locator(f"#id_{field}-ts-control").locator("..").click()
    expect(page.locator(f"#id_{field}-ts-control")).to_be_focused()


def choose(page, field: str, typed: str, option: str | None = None) -> None:
    """Type into a Tom Select field and pick the offered option, or keep the typed text."""
    enter(page, field)
    # Filled at once rather than key by key: a slow machine may redraw between keys.
    page.locator(f"#id_{field}-ts-control").fill(typed)
    if option:
        page.locator(f"#id_{field}-ts-dropdown .option", has_text=option).first.click()
    else:
        # Kept as typed by picking the offer to add it: Tab would take an option the
        # widget may have highlighted meanwhile.
        page.locator(f"#id_{field}-ts-dropdown .create").click()
    expect(page.locator(f"select[name={field}]")).to_have_value(option or typed)


IN_VIEW = """() => {
  const box = document.activeElement.getBoundingClientRect();
  return box.top >= 0 && box.bottom <= innerHeight;
}"""


@pytest.mark.django_db(transaction=True)
def test_customer_form_masks_cascades_and_focuses_the_first_error(live_server, make_user, browser):
    sales = make_user("sales1", full_name="张伟", language="zh-hans")
    customer = make_customer(sales, phone=PHONE)
    detail = f"{live_server.url}/customers/{customer.pk}/"
    edit = f"{detail}edit/"
    with chromium_page(browser=browser, height=600) as (page, problems):
        sign_in(page, live_server.url, "sales1")
        page.goto(edit)
        page.wait_for_load_state("networkidle")  # the divisions, before typing over them
        phone = page.locator("input[name=phone]")
        expect(phone).to_have_value("138****5678")
        phone.click()
        page.keyboard.type("13900001111")
        expect(phone).to_have_value("13900001111")
        assert PHONE not in page.content()

        choose(page, "province", "广东", "广东省")
        enter(page, "city")
        page.keyboard.type("州")  # the cities of 广东省 only: 广州市, not 杭州市
        expect(page.locator("#id_city-ts-dropdown .option", has_text="广州市")).to_be_visible()
        expect(page.locator("#id_city-ts-dropdown .option", has_text="杭州市")).to_have_count(0)
        page.keyboard.press("Backspace")
        page.keyboard.type("深圳")
        page.locator("#id_city-ts-dropdown .option", has_text="深圳市").click()
        choose(page, "district", "南山", "南山区")
        page.click("#record-form button[type=submit]")
        expect(page).to_have_url(detail)
        page.wait_for_load_state("networkidle")  # the record's parts, before leaving it
        customer.refresh_from_db()
        assert (customer.phone, customer.province, customer.city, customer.district) == (
            "13900001111",
            "广东省",
            "深圳市",
            "南山区",
        )

        # Abroad: typed freely; a new province empties the city and district below it.
        page.goto(edit)
        page.wait_for_load_state("networkidle")  # the divisions, before typing over them
        choose(page, "province", "California")
        expect(page.locator("select[name=city]")).to_have_value("")
        choose(page, "city", "Los Angeles")
        page.click("#record-form button[type=submit]")
        expect(page).to_have_url(detail)
        page.wait_for_load_state("networkidle")  # the record's parts, before leaving it
        customer.refresh_from_db()
        assert (customer.province, customer.city, customer.district) == (
            "California",
            "Los Angeles",
            "",
        )

        # A refused save (swapped in by htmx): the first field with an error has the focus.
        page.goto(edit)
        page.wait_for_load_state("networkidle")  # the divisions, before typing over them
        page.fill("input[name=phone]", "138-abc-12")
        page.click("#record-form button[type=submit]")
        expect(page.locator("input[name=phone].is-invalid")).to_be_focused()
        assert page.evaluate(IN_VIEW)
        assert_accessible(page)  # the form as it shows its errors

        # A conflict: the banner saying so has the focus.
        page.goto(edit)
        page.wait_for_load_state("networkidle")  # the divisions, before typing over them
        Customer.objects.filter(pk=customer.pk).update(version=customer.version + 1)
        page.fill("input[name=name]", "金蝶软件（深圳）")
        page.click("#record-form button[type=submit]")
        expect(page.locator("#record-form .alert-danger")).to_be_focused()
        assert set(problems) <= {f"422: {edit}"}  # the refused saves, nothing else
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("金蝶软件", "13900001111")


@pytest.mark.django_db(transaction=True)
def test_unmask_holders_edit_numbers_in_full_and_page_forms_focus_their_first_error(
    live_server, make_user, browser, settings
):
    settings.CRM_ADMIN_MFA_REQUIRED = False
    boss = make_user("boss", is_superuser=True, is_staff=True)
    customer = make_customer(boss, phone=PHONE)
    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, live_server.url, "boss")
        # An administrator holds "unmask": the form shows the number in full.
        page.goto(f"{live_server.url}/customers/{customer.pk}/edit/")
        expect(page.locator("input[name=phone]")).to_have_value(PHONE)
        expect(page.locator("input[data-masked]")).to_have_count(0)
        page.goto(f"{live_server.url}/org/teams/new/")
        page.click("main form[method=post] button[type=submit]")
        expect(page.locator("main .is-invalid").first).to_be_focused()
        assert problems == []
