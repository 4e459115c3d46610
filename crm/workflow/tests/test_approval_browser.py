"""In a real browser, on a desk and on a phone, in both languages: an administrator sets up
a two-step approval with a condition, and the first approver approves on the record's
page."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium_page, sign_in
from crm.org.models import Role
from crm.workflow import services as approvals
from crm.workflow.models import ApprovalProcess, RequestState
from crm.workflow.tests.fixtures import customer, raise_limit

WORDS = {
    "en": {
        "title": "Approval processes",
        "saved": "saved",
        "condition": "Credit limit > ¥100,000.00",
        "approved": "You approved",
    },
    "zh-hans": {
        "title": "审批流程",
        "saved": "已保存",
        "condition": "信用额度 > ¥100,000.00",
        "approved": "您已审批通过",
    },
}


@contextmanager
def redrawn(page):
    """Wait until the form the action posts back has been redrawn."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        yield
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("language", "width"), [("en", 1280), ("zh-hans", 360)])
def test_an_administrator_sets_up_a_two_step_approval_that_then_applies(
    live_server, make_user, org, language, width
):
    settings_role = Role.objects.create(
        code="settings", name_zh="系统设置", name_en="Settings", specials=["manage_settings"]
    )
    make_user("chief", full_name="总管", language=language, roles=[settings_role])
    org["manager"].language = language
    org["manager"].save(update_fields=["language"])
    words = WORDS[language]
    with chromium_page(width=width) as (page, problems):
        sign_in(page, live_server.url, "chief")
        page.goto(f"{live_server.url}/workflow/processes/")
        expect(page.locator("h1")).to_have_text(words["title"])
        page.click("a[data-shortcut=new]")
        page.fill("input[name=name]", "大额信用额度审批")
        # Each choice below redraws the form's rows: the next waits for it.
        with redrawn(page):
            page.select_option("select[name=target]", "customer:credit_limit")
        with redrawn(page):
            page.click("button[name=conditions-op][value=add]")
        with redrawn(page):
            page.select_option("select[name=conditions-0-field]", "credit_limit")
        with redrawn(page):
            page.select_option("select[name=conditions-0-op]", "gt")
        page.fill("input[name=conditions-0-value]", "100000")

        with redrawn(page):
            page.click("button[name=steps-op][value=add]")
        with redrawn(page):
            page.select_option("select[name=steps-1-approver_kind]", "superior_level")
        page.fill("input[name=steps-1-levels]", "2")
        page.select_option("select[name=steps-1-mode]", "all")
        assert_fits(page)
        assert_accessible(page)
        page.click("#process-form button[type=submit]")

        expect(page.locator("#toasts")).to_contain_text(words["saved"])
        expect(page.locator("[data-conditions]")).to_contain_text(words["condition"])
        assert_fits(page)

        saved = ApprovalProcess.objects.get()
        steps = list(saved.steps.values_list("approver_kind", "levels", "mode"))
        assert steps == [("superior", 1, "any"), ("superior_level", 2, "all")]

        obj = raise_limit(
            customer(org["seller"], credit_limit=Decimal("1")), "300000", org["seller"]
        )
        page.context.clear_cookies()
        sign_in(page, live_server.url, "manager")
        page.goto(f"{live_server.url}/workflow/approvals/")
        expect(page.locator("[data-todo-count]")).to_have_text("1")
        assert_fits(page)
        assert_accessible(page)
        page.click(f"tbody a[href='/customers/{obj.pk}/']")
        expect(page.locator("[data-approval-path] [aria-current=step]")).to_be_visible()
        assert_fits(page)
        page.fill("#approve-comment", "同意")
        page.click("[data-approval-form=approve] button[type=submit]")
        expect(page.locator("#toasts")).to_contain_text(words["approved"])
        expect(page.locator("[data-approval-path] [aria-current=step]")).to_have_attribute(
            "data-step", "2"
        )
        assert problems == []
    request = approvals.latest_request(obj)
    assert (request.state, request.step) == (RequestState.PENDING, 1)
