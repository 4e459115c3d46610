"""A type's own detail page (the sample document's template, panel and button) and its extra
board in a real browser, on a phone and a desktop, in both languages."""

import pytest
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core import services
from crm.core.testing.browser import assert_fits, chromium, chromium_page
from crm.core.tests.test_states import make_document
from crm.core.tests.test_type_pages import _role

TEXTS = {
    "en": ("Approval summary", "Copy to a new draft", "copied to a new draft"),
    "zh-hans": ("审批概要", "复制为新草稿", "已复制为新草稿"),
}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", [360, 1280])
def test_the_sample_documents_own_pages_work_and_fit(
    live_server, make_user, browser, language, width
):
    from crm.conftest import sales_role

    approver = make_user(
        "approver",
        language=language,
        roles=[sales_role(), _role("approver", "sampledocument", ["view", "edit", "approve"])],
    )
    doc = services.transition(make_document(approver, name="差旅申请"), "submit", actor=approver)
    doc = services.transition(doc, "approve", actor=approver)
    panel_label, button_label, copied = TEXTS[language]
    with chromium_page(width=width, browser=browser) as (page, problems):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "approver")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/")

        page.goto(f"{live_server.url}/sample-documents/{doc.pk}/")
        expect(page.locator("[data-panel=approval] .card-title")).to_have_text(panel_label)
        expect(page.locator("[data-panel=approval] [data-capitals]")).to_have_text("壹佰元整")
        expect(page.locator("[data-status-badge]")).to_be_visible()
        assert_fits(page)
        expect(page.locator("button[data-action=copy]")).to_have_text(button_label)
        page.locator("button[data-action=copy]").click()  # the confirmation is accepted
        expect(page.locator(".toast-body").first).to_contain_text(copied)
        expect(page.locator("button[data-action=copy]")).to_have_count(0)  # a draft now
        assert page.url != f"{live_server.url}/sample-documents/{doc.pk}/"
        page.wait_for_load_state("networkidle")  # the new draft's parts, before leaving it

        page.goto(f"{live_server.url}/sample-documents/board/")
        expect(page.locator("[data-board-column=draft] [data-count]")).to_have_text("1")
        expect(page.locator("[data-board-column=approved] [data-count]")).to_have_text("1")
        assert_fits(page)
        assert problems == []
