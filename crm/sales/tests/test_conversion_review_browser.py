"""In a real browser: a hot lead's conversion is sent for review from its page, the lead
waits in review, and once the salesperson's manager approves on the lead's page it is
converted into what was chosen."""

import pytest
from playwright.sync_api import expect

from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import chromium_page, sign_in
from crm.sales.models import Lead, LeadStatus
from crm.sales.tests.test_conversion import make_lead
from crm.sales.tests.test_conversion_review import hot_leads_reviewed, organisation


@pytest.mark.django_db(transaction=True)
def test_a_conversion_is_sent_for_review_and_made_once_approved(live_server, admin, make_user):
    people = organisation(admin, make_user)
    hot_leads_reviewed()
    # No dictionary values: a transactional test starts from an emptied database.
    lead = make_lead(
        people["seller"], company_name="深圳华星电子", contact_name="陈晓明", rating="hot"
    )
    url = f"{live_server.url}/leads/{lead.pk}/"

    with chromium_page() as (page, problems):
        sign_in(page, live_server.url, "seller")
        page.goto(url)
        page.click("[data-transition=convert] a")
        expect(page.locator("[data-reviewed]")).to_be_visible()
        assert_accessible(page)
        page.fill("#id_customer_name", "华星电子")
        page.check("#id_create_opportunity")
        page.fill("#id_amount", "38万")
        send = page.locator("#convert-form button[type=submit]")
        expect(send).to_have_text("Send for review")
        send.click()
        expect(page).to_have_url(url)
        expect(page.locator(".toast-body").first).to_contain_text("was sent for review")
        expect(page.locator("[data-state]")).to_have_attribute("data-state", "reviewing")
        expect(page.locator("[data-locked]")).to_be_visible()
        expect(page.locator("[data-transition]")).to_have_count(0)
        page.wait_for_load_state("networkidle")
        assert problems == []

    with chromium_page() as (page, problems):
        sign_in(page, live_server.url, "manager")
        page.goto(url)
        page.click("[data-approval-form=approve] button[type=submit]")
        expect(page.locator("#toasts")).to_contain_text("You approved")
        page.reload()
        expect(page.locator("[data-state]")).to_have_attribute("data-state", "converted")
        page.wait_for_load_state("networkidle")
        assert problems == []

    lead = Lead.all_objects.get(pk=lead.pk)
    assert lead.status == LeadStatus.CONVERTED
    assert (lead.customer.name, lead.opportunity.expected_amount) == ("华星电子", 380000)
