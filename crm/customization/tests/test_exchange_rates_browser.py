"""The exchange rates kept in a real browser by a holder of "manage settings", on a desk and
on a phone."""

import pytest
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core.testing.browser import assert_fits, chromium_page
from crm.customization.models import ExchangeRate
from crm.org.models import Role

WORDS = {
    "en": {"title": "Exchange rates", "saved": "saved", "deleted": "deleted"},
    "zh-hans": {"title": "汇率", "saved": "已保存", "deleted": "已删除"},
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 360)])
def test_a_rate_is_added_edited_and_deleted(live_server, make_user, language, width):
    role = Role.objects.create(
        code="rates", name_zh="汇率维护", name_en="Rates", specials=["manage_settings"]
    )
    make_user("finance1", full_name="王芳", language=language, roles=[role])
    words = WORDS[language]
    with chromium_page(width=width) as (page, problems):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "finance1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/settings/")
        page.click(".card-link[href='/settings/exchange-rates/']")
        expect(page.locator("h1")).to_have_text(words["title"])
        assert_fits(page)

        for rate in ("7.1", "7.3"):
            page.click("a[href='/settings/exchange-rates/new/']")
            page.select_option("select[name=currency]", "USD")
            page.fill("input[name=valid_from]", "2026-03-01")
            page.fill("input[name=rate_to_company_currency]", rate)
            page.click("#main button.btn-primary[type=submit]")
        # The second rate of the day is refused next to its date.
        expect(page.locator("#id_valid_from")).to_have_class("form-control is-invalid")
        assert_fits(page)
        page.click("#main a.btn-link")

        expect(page.locator("tbody tr")).to_have_count(1)
        page.click("tbody a")
        page.fill("input[name=rate_to_company_currency]", "7.25")
        page.click("#main button.btn-primary[type=submit]")
        expect(page.locator("#toasts")).to_contain_text(words["saved"])
        expect(page.locator("tbody td.font-monospace")).to_have_text("7.25")
        assert_fits(page)

        page.click("tbody a")
        page.click("button.btn-outline-danger")  # the confirmation is accepted
        expect(page.locator("#toasts")).to_contain_text(words["deleted"])
        assert problems == []
    assert not ExchangeRate.objects.exists()
