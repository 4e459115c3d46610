"""Pages work under the content security policy, in a real browser: a refused script or
style is a console error, which fails these tests."""

import pytest
from playwright.sync_api import expect

from crm.core.testing.browser import chromium_page, sign_in
from crm.customers.tests.test_battery import make_customer


@pytest.mark.django_db(transaction=True)
def test_a_note_is_added_and_its_form_emptied_without_inline_script(live_server, alice):
    customer = make_customer(alice, name="星海集团")
    with chromium_page() as (page, problems):
        sign_in(page, live_server.url, "alice")
        page.goto(f"{live_server.url}/customers/{customer.pk}/")
        page.fill("#comment-body", "客户下周来访")
        page.click("form[data-reset-after-success] button[type=submit]")
        expect(page.locator("#timeline")).to_contain_text("客户下周来访")
        expect(page.locator("#comment-body")).to_have_value("")
        assert problems == []


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_load_from_the_crms_own_files(live_server, alice):
    with chromium_page() as (page, problems):
        sign_in(page, live_server.url, "alice")
        requested: list[str] = []
        page.on("request", lambda r: requested.append(r.url))
        page.goto(f"{live_server.url}/api/v1/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("CRM API")
        expect(page.locator(".opblock-tag-section").first).to_be_visible()
        assert problems == []
        assert all(url.startswith(live_server.url) for url in requested), requested
