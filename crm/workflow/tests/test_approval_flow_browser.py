"""The approval of a credit-limit raise in a real browser, in both languages: the
salesperson saves the raise, the manager sees the bell count, approves from the inbox,
and the salesperson gets the result and the new limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.customers.models import Customer
from crm.org.models import User
from crm.workflow import services
from crm.workflow.models import ApproverKind, RequestState
from crm.workflow.tests.fixtures import customer, process

WAITS = {"en": "waits for approval", "zh-hans": "已提交审批"}
RESULT = {"en": "Approved: 华星电子", "zh-hans": "审批通过：华星电子"}
LIMIT = {"en": "300,000.00", "zh-hans": "300,000.00"}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def expect_bell(page, count: str) -> None:
    """The bell shows `count` unread items."""
    expect(page.locator("#inbox-badge .badge")).to_have_text(count, timeout=20_000)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_raise_is_approved_from_the_inbox(live_server, org, browser, language):
    User.objects.filter(username__in=["seller", "manager"]).update(language=language)
    process(
        conditions=[{"field": "credit_limit", "op": "gt", "value": "100000"}],
        steps=[{"approver_kind": ApproverKind.SUPERIOR, "name": "Manager"}],
    )
    obj = customer(org["seller"], credit_limit=Decimal("50000"))
    Customer.objects.filter(pk=obj.pk).update(name="华星电子")
    base = live_server.url

    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, base, "seller")
        page.goto(f"{base}/customers/{obj.pk}/edit/")
        page.fill("input[name=credit_limit]", "300000")
        page.locator("#record-form [type=submit]").click()
        expect(page.locator(".toast, .alert").filter(has_text=WAITS[language])).to_be_visible()
        expect(page.locator("[data-locked]")).to_be_visible()
        assert_accessible(page)  # the lock's banner reads, too
        assert problems == []

    for width in (360, 1280):
        with chromium_page(browser=browser, width=width) as (page, problems):
            sign_in(page, base, "manager")
            expect_bell(page, "1")
            page.goto(f"{base}/messages/")
            assert_fits(page)
            if width == 360:
                assert problems == []
                continue
            page.locator("[data-quick=approve]").first.click()
            expect(page.locator("[data-approval-state=approved]")).to_be_visible()
            assert problems == []

    stored = Customer.objects.get(pk=obj.pk)
    assert stored.credit_limit == Decimal("300000")

    assert services.latest_request(stored).state == RequestState.APPROVED

    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, base, "seller")
        expect_bell(page, "1")
        page.goto(f"{base}/messages/")
        expect(page.get_by_text(RESULT[language])).to_be_visible()
        page.goto(f"{base}/customers/{obj.pk}/")
        expect(page.get_by_text(LIMIT[language]).first).to_be_visible()
        assert problems == []
