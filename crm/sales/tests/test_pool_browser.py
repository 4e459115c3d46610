"""In a real browser, on a phone and a desktop: a salesperson claims a lead from the pool
(numbers masked, the row gone, a toast), then releases it back with a reason."""

import pytest
from playwright.sync_api import expect

from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.sales import assignment
from crm.sales.models import Lead
from crm.sales.tests.pool_fixtures import build_org


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_a_lead_is_claimed_from_the_pool_and_released_back(
    live_server, admin, make_user, browser, width
):
    org = build_org(admin, make_user)
    lead = assignment.release(org.lead(org.other, "宏达机械询价"), actor=org.other)

    with chromium_page(width=width, browser=browser) as (page, problems):
        sign_in(page, live_server.url, org.seller.username)
        page.goto(f"{live_server.url}/leads/pool/")
        row = page.locator(f"[data-lead='{lead.pk}']")
        expect(row).to_contain_text("138****5678")
        assert_fits(page)
        assert_accessible(page)
        row.locator("[data-claim]").click()
        expect(page.locator(".toast-body").first).to_contain_text("宏达机械询价")
        expect(row).to_have_count(0)

        page.goto(f"{live_server.url}/leads/{lead.pk}/")
        page.click("[data-action=release]")
        page.fill("#id_reason", "客户暂无预算")
        assert_fits(page)
        page.click("[data-release] button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/")
        expect(page.locator(".toast-body").first).to_contain_text("宏达机械询价")
        page.wait_for_load_state("networkidle")
        assert problems == []

    stored = Lead.objects.get(pk=lead.pk)
    assert (stored.owner_id, stored.in_pool) == (org.seller.pk, True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_a_manager_assigns_chosen_pool_leads_to_a_salesperson(
    live_server, admin, make_user, browser, width
):
    org = build_org(admin, make_user)
    chosen = assignment.release(org.lead(org.other, "宏达机械询价"), actor=org.other)
    left = assignment.release(org.lead(org.other, "明德贸易询价"), actor=org.other)

    with chromium_page(width=width, browser=browser) as (page, problems):
        sign_in(page, live_server.url, org.manager.username)
        page.goto(f"{live_server.url}/leads/pool/")
        assert_fits(page)
        assert_accessible(page)
        page.check(f"[data-lead='{chosen.pk}'] input[name=ids]")
        page.locator("#pool-owner-ts-control").fill("Li")
        page.locator("#pool-owner-ts-dropdown .option", has_text="Li").first.click()
        page.click("[data-pool-action=assign]")
        expect(page.locator(".toast-body").first).to_contain_text("1 lead assigned to Li.")
        expect(page.locator(f"[data-lead='{chosen.pk}']")).to_have_count(0)
        expect(page.locator(f"[data-lead='{left.pk}']")).to_have_count(1)
        page.wait_for_load_state("networkidle")
        assert problems == []

    assert Lead.objects.get(pk=chosen.pk).owner_id == org.seller.pk
