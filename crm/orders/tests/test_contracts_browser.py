"""A contract in a real browser, in both languages: the salesperson submits and signs the
contract drafted from an accepted quote, records a payment and a delivery from its tabs,
sees its progress, and the customer's page shows what was received and what is still
receivable; then amends it for two more, which changes what is receivable."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.core import registry
from crm.core import services as core
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.orders.models import Contract, ContractStatus, Delivery, Payment
from crm.products.models import Product

SAVE = {"zh-hans": "保存", "en": "Save"}
APPLIED = {"zh-hans": "已应用到合同。", "en": "Applied to the contract."}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_signed_contract_takes_a_payment_and_a_delivery(
    live_server, make_user, browser, language
):
    seller = make_user("seller", language=language, full_name="刘洋")
    servo = core.save(
        Product(owner=seller, code="0101101", name="交流伺服电机", tax_rate=Decimal(0)),
        actor=seller,
    )
    customer = core.save(
        registry.get("customer").model(owner=seller, name="华星电子"), actor=seller
    )
    contract = core.save(
        Contract(owner=seller, name="伺服系统采购合同", customer=customer),
        actor=seller,
        lines=[{"product": servo.pk, "quantity": Decimal(10), "unit_price": Decimal(1000)}],
    )
    base = live_server.url
    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, base, "seller")
        page.goto(f"{base}/contracts/{contract.pk}/")
        page.locator("[data-transition=submit] button[type=submit]").click()
        sign = page.locator("[data-transition=sign]")
        sign.locator("input[name=signed_on]").fill("2026-06-18")
        sign.locator("button[type=submit]").click()
        expect(page.locator("[data-transition=start]")).to_be_visible()
        contract.refresh_from_db()
        assert contract.status == ContractStatus.SIGNED

        page.goto(f"{base}/payments/new/?contract={contract.pk}")
        page.fill("input[name=amount]", "3000")
        page.fill("input[name=reference]", "HX20260618001")
        page.get_by_role("button", name=SAVE[language], exact=True).click()
        expect(page).to_have_url(re.compile(r"/payments/\d+/$"))
        assert Payment.objects.get().amount == Decimal(3000)

        page.goto(f"{base}/deliveries/new/?contract={contract.pk}")
        page.locator("select[name=line]").select_option(index=1)
        page.fill("input[name=quantity]", "4")
        page.fill("input[name=delivered_on]", "2026-06-20")
        page.get_by_role("button", name=SAVE[language], exact=True).click()
        expect(page).to_have_url(re.compile(r"/deliveries/\d+/$"))
        assert Delivery.objects.get().quantity == Decimal(4)

        page.goto(f"{base}/contracts/{contract.pk}/")
        progress = page.locator("[data-progress]")
        expect(progress.locator("[data-received]")).to_have_text("¥3,000.00")
        expect(progress.locator("[data-receivable]")).to_have_text("¥7,000.00")
        expect(progress.locator("[data-delivered-share]")).to_have_text("40.0%")
        page.goto(f"{base}/customers/{customer.pk}/")
        receivables = page.locator("[data-receivables]")
        expect(receivables.locator("[data-received]")).to_have_text("¥3,000.00")
        expect(receivables.locator("[data-receivable]")).to_have_text("¥7,000.00")

        # The customer wants two more: an amendment, applied at once (no process here).
        page.goto(f"{base}/contracts/{contract.pk}/")
        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("[data-action=amend]").click()
        expect(page).to_have_url(re.compile(r"/amendments/\d+/edit/$"))
        page.fill("input[name=reason]", "客户追加 2 台")
        page.fill("input[name=lines-0-quantity]", "12")
        expect(page.locator("#lines-0-amount-shown")).to_have_text("¥12,000.00")
        page.get_by_role("button", name=SAVE[language], exact=True).click()
        expect(page).to_have_url(re.compile(r"/amendments/\d+/$"))
        expect(page.locator("[data-amendment-changes]")).to_contain_text("12 × ¥1,000.00")
        page.locator("[data-transition=submit] button[type=submit]").click()
        expect(page.locator("[data-amendment-changes]")).to_contain_text(APPLIED[language])
        contract.refresh_from_db()
        assert (contract.total, contract.status) == (Decimal(12000), ContractStatus.SIGNED)
        assert Delivery.objects.get().line.quantity == Decimal(12)
        page.goto(f"{base}/customers/{customer.pk}/")
        expect(receivables.locator("[data-receivable]")).to_have_text("¥9,000.00")

        page.set_viewport_size({"width": 360, "height": 740})
        assert_fits(page)
        page.goto(f"{base}/contracts/{contract.pk}/")
        assert_fits(page)
        page.goto(f"{base}/amendments/{contract.amendments.get().pk}/")
        assert_fits(page)
        assert problems == []
