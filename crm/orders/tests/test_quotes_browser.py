"""A quote in a real browser, in both languages: the salesperson quotes from the customer's
page with a discount above the category's limit, sees the amounts worked out as they type
and why the price needs approval, submits it; the manager approves it on its page; the
customer accepts it, which drafts the contract, and the customer's page lists it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.core import registry
from crm.core import services as core
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.orders.models import Contract, Quote, QuoteStatus
from crm.org.models import User
from crm.products.models import Product, ProductCategory
from crm.workflow.models import ApproverKind
from crm.workflow.tests.fixtures import org, process  # noqa: F401  (fixture)

WORDS = {
    "zh-hans": {
        "save": "保存",
        "submit": "提交",
        "pending": "待审批",
        "approved": "您已审批通过",
        "accept": "客户已接受",
        "reason": "折扣超过限额 10%。",
    },
    "en": {
        "save": "Save",
        "submit": "Submit",
        "pending": "Pending approval",
        "approved": "You approved",
        "accept": "Customer accepted",
        "reason": "Discount above the limit of 10%.",
    },
}


def sign_out(page) -> None:
    """Leave the page (nothing of it still loading sets a cookie) and drop the session."""
    page.goto("about:blank")
    page.context.clear_cookies()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_discount_above_the_limit_is_approved_then_accepted(
    live_server,
    org,  # noqa: F811  (the fixture imported above)
    browser,
    language,
):
    User.objects.filter(username__in=["seller", "manager"]).update(language=language)
    words = WORDS[language]
    seller = org["seller"]
    process(
        type_key="quote",
        approvable="price",
        conditions=[{"field": "price_exception", "op": "eq", "value": True}],
        steps=[{"approver_kind": ApproverKind.SUPERIOR, "name": "销售经理审批"}],
    )
    category = core.save(
        ProductCategory(owner=seller, name="伺服系统", discount_limit=Decimal(10)), actor=seller
    )
    core.save(
        Product(
            owner=seller,
            code="0101101",
            name="交流伺服电机",
            specification="0.4kW",
            category=category,
            standard_price=Decimal(2800),
        ),
        actor=seller,
    )
    customer = core.save(
        registry.get("customer").model(owner=seller, name="华星电子"), actor=seller
    )
    base = live_server.url
    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, base, "seller")
        page.goto(f"{base}/quotes/new/?customer={customer.pk}")
        page.fill("input[name=name]", "伺服系统报价")
        control = page.locator("#id_lines-0-product-ts-control")
        control.locator("..").click()
        control.fill("0101101")
        page.locator("#id_lines-0-product-ts-dropdown .option", has_text="0.4kW").first.click()
        page.fill("input[name=lines-0-quantity]", "2")
        page.fill("input[name=lines-0-discount]", "15")
        # 2 × 2,800 less 15 % = 4,760; 13 % tax = 618.80.
        expect(page.locator("#lines-0-amount-shown")).to_have_text("¥4,760.00")
        expect(page.locator("#lines-0-total-shown")).to_have_text("¥5,378.80")
        page.get_by_role("button", name=words["save"], exact=True).click()
        expect(page).to_have_url(re.compile(r"/quotes/\d+/$"))
        expect(page.locator("[data-price-exceptions]")).to_contain_text(words["reason"])
        assert_fits(page)
        page.locator("[data-transition=submit] button[type=submit]").click()
        expect(page.locator("main")).to_contain_text(words["pending"])
        quote = Quote.objects.get(name="伺服系统报价")
        assert (quote.status, quote.total) == (QuoteStatus.PENDING, Decimal("5378.80"))

        sign_out(page)
        sign_in(page, base, "manager")
        page.goto(f"{base}/quotes/{quote.pk}/")
        page.fill("#approve-comment", "同意，战略客户。")
        page.click("[data-approval-form=approve] button[type=submit]")
        expect(page.locator("#toasts")).to_contain_text(words["approved"])

        sign_out(page)
        sign_in(page, base, "seller")
        page.goto(f"{base}/quotes/{quote.pk}/")
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("[data-action=accept]").click()
        expect(page).to_have_url(re.compile(r"/contracts/\d+/$"))
        expect(page.locator("#lines")).to_contain_text("交流伺服电机")
        quote.refresh_from_db()
        assert quote.status == QuoteStatus.ACCEPTED
        contract = Contract.objects.get(quote=quote)
        assert (contract.total, contract.customer_id) == (quote.total, customer.pk)
        page.goto(f"{base}/customers/{customer.pk}/")
        expect(page.locator("main")).to_contain_text("伺服系统报价")
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{base}/quotes/{quote.pk}/")
        assert_fits(page)
        assert problems == []
