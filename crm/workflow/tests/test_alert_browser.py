"""An administrator sets up an alert rule in a real browser, and the alert's page lists the
records it found; on a desk in English and on a phone in Chinese."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from crm.conftest import sales_role
from crm.core.testing.browser import assert_fits, chromium_page, sign_in
from crm.customers.models import Customer
from crm.org.models import Role
from crm.workflow import alerts
from crm.workflow.models import AlertRule

WORDS = {
    "en": {"title": "Alert rules", "saved": "saved", "condition": "Updated at more than 30"},
    "zh-hans": {"title": "预警规则", "saved": "已保存", "condition": "修改时间 早于 30 天前"},
}


def settled(page) -> None:
    """Wait until no redraw a choice started is still on its way (htmx marks the element
    while its request runs and the swap while it settles)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 360)])
def test_an_alert_rule_is_set_up_and_its_alerts_listed(live_server, make_user, language, width):
    settings_role = Role.objects.create(
        code="alerts", name_zh="预警设置", name_en="Alerts", specials=["manage_settings"]
    )
    boss = make_user("boss", language=language, roles=[settings_role, sales_role()])
    quiet = Customer.objects.create(owner=boss, name="久未联系客户")
    Customer.objects.filter(pk=quiet.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=45)
    )
    Customer.objects.create(owner=boss, name="刚联系的客户")
    words = WORDS[language]
    with chromium_page(width=width) as (page, problems):
        sign_in(page, live_server.url, "boss")
        page.goto(f"{live_server.url}/workflow/alerts/")
        expect(page.locator("h1")).to_have_text(words["title"])
        page.click("a[href='/workflow/alerts/new/']")

        page.fill("input[name=name]", "Quiet customers")
        # Each choice redraws the form (htmx): wait for it before the next one.
        page.select_option("select[name=type_key]", "customer")
        page.wait_for_load_state("networkidle")
        page.click("button[name=conditions-op][value=add]")
        expect(
            page.locator("select[name=conditions-0-field] option[value=updated_at]")
        ).to_have_count(1, timeout=15_000)
        page.select_option("select[name=conditions-0-field]", "updated_at")
        settled(page)
        older = page.locator("select[name=conditions-0-op] option[value=older_than_days]")
        expect(older).to_have_count(1, timeout=15_000)
        page.select_option("select[name=conditions-0-op]", "older_than_days")
        settled(page)
        days = page.locator("input[name=conditions-0-value][type=number]")
        expect(days).to_have_count(1, timeout=15_000)
        days.fill("30")
        settled(page)
        expect(days).to_have_value("30")
        assert_fits(page)
        page.click("#main button.btn-primary[type=submit]")

        expect(page.locator("#toasts")).to_contain_text(words["saved"])
        expect(page.locator("[data-alert-rule] [data-conditions]")).to_contain_text(
            words["condition"]
        )
        assert_fits(page)
        rule = AlertRule.objects.get()
        assert alerts.evaluate(rule) == 1

        page.click(f"a[href='/workflow/alerts/{rule.pk}/hits/']")
        expect(page.locator("[data-hit]")).to_have_count(1)
        expect(page.locator("[data-hit] a")).to_have_text("久未联系客户")
        assert_fits(page)
        assert problems == []
