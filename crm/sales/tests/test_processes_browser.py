"""In a real browser, on a desk and on a phone, in both languages: an administrator adds a
stage that requires a field to a sales process, moves it before the won and lost stages,
and sees it in the process's path."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.org.models import Role
from crm.sales.models import SalesStage
from crm.sales.testing import make_process

WORDS = {
    "en": {"title": "Sales processes", "saved": "saved", "field": "Expected close date"},
    "zh-hans": {"title": "销售流程", "saved": "已保存", "field": "预计成交日期"},
}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@contextmanager
def redrawn(page):
    """Wait until the form a row button posts back has been redrawn."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        yield
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 360)])
def test_an_administrator_adds_a_stage_that_requires_a_field(
    live_server, browser, make_user, language, width
):
    process = make_process()
    settings_role = Role.objects.create(
        code="settings", name_zh="系统设置", name_en="Settings", specials=["manage_settings"]
    )
    make_user("chief", full_name="总管", language=language, roles=[settings_role])
    words = WORDS[language]
    with chromium_page(width=width, browser=browser) as (page, problems):
        sign_in(page, live_server.url, "chief")
        page.goto(f"{live_server.url}/sales/processes/")
        expect(page.locator("h1")).to_have_text(words["title"])
        expect(page.locator(f"[data-process='{process.pk}'] [data-stages]")).to_contain_text(
            "初步接洽 10% → 需求确认 30%"
        )
        assert_fits(page)
        assert_accessible(page)
        page.click(f"[data-process='{process.pk}'] a.fw-bold")

        with redrawn(page):
            page.click("button[name=stages-op][value=add]")
        expect(page.locator("input[name=stages-6-name]")).to_be_focused()
        page.fill("input[name=stages-6-name]", "合同审批")
        page.fill("input[name=stages-6-probability]", "90")
        page.locator("#id_stages-6-required_fields-ts-control").locator("..").click()
        page.locator(
            "#id_stages-6-required_fields-ts-dropdown .option", has_text=words["field"]
        ).click()
        page.click("input[name=stages-6-probability]")  # leaves the list of fields
        for index in (6, 5):
            with redrawn(page):
                page.click(f"button[name=stages-op][value=up-{index}]")
        # The moved row keeps what was typed and chosen in it.
        expect(page.locator("input[name=stages-4-name]")).to_have_value("合同审批")
        expect(page.locator("select[name=stages-4-required_fields]")).to_have_values(["close_date"])
        expect(page.locator("#id_stages-4-required_fields + .ts-wrapper .item")).to_contain_text(
            words["field"]
        )
        assert_fits(page)
        assert_accessible(page)
        page.click("#process-form button[type=submit]")

        expect(page.locator("#toasts")).to_contain_text(words["saved"])
        expect(page.locator(f"[data-process='{process.pk}'] [data-stages]")).to_contain_text(
            "商务谈判 80% → 合同审批 90%"
        )
        assert_fits(page)
        assert problems == []
    added = SalesStage.objects.get(name="合同审批")
    assert (added.position, added.probability, added.category) == (5, 90, "open")
    assert added.required_fields == ["close_date"]
