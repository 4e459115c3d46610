"""Keyboard shortcuts pressed in a real browser, and none acting while an input method
composes."""

import re

import pytest
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core.testing.browser import chromium, chromium_page
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer

# A key pressed outside any field; True when a shortcut acted on it (it cancels the key).
PRESS = """([key, init]) => !document.body.dispatchEvent(
  new KeyboardEvent("keydown", {key, bubbles: true, cancelable: true, ...init}))"""

# Records the keys a shortcut acted on in this page (it cancels them).
ACTED = """() => {
  window.acted = [];
  window.addEventListener("keydown", (event) => event.defaultPrevented && acted.push(event.key));
}"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def signed_in(live_server, alice, browser):
    """Alice's page, signed in, and the problems it meets."""
    with chromium_page(browser=browser) as (page, problems):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/")
        page.wait_for_load_state("networkidle")  # the workbench's parts, before leaving it
        yield page, problems


@pytest.mark.django_db(transaction=True)
def test_slash_j_k_enter_and_n_on_a_list(live_server, alice, signed_in):
    page, problems = signed_in
    for name in ("金蝶软件", "用友网络", "华为技术"):
        make_customer(alice, name=name)
    page.goto(f"{live_server.url}/customers/")
    page.keyboard.press("/")
    expect(page.locator("#global-search")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#global-search")).not_to_be_focused()

    rows = page.locator("#results [data-row]")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile("crm-selected"))
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile("crm-selected"))
    expect(page.locator("#results .crm-selected")).to_have_count(1)
    name = rows.nth(0).locator("a").first.inner_text()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(name)
    page.wait_for_load_state("networkidle")  # the record's related parts, before leaving

    page.goto(f"{live_server.url}/customers/")
    page.locator("#list-q").press_sequentially("jn")  # typed into a field: text, not shortcuts
    expect(page.locator("#list-q")).to_have_value("jn")
    expect(page).to_have_url(re.compile(r"\?q=jn&"))  # the list searched for it
    expect(page.locator("#results .crm-selected")).to_have_count(0)
    page.locator("#list-q").blur()
    page.wait_for_load_state("networkidle")  # leaving the field searches once more
    page.keyboard.press("n")
    expect(page).to_have_url(f"{live_server.url}/customers/new/")
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_e_ctrl_s_and_esc_on_a_record(live_server, alice, signed_in):
    page, problems = signed_in
    customer = make_customer(alice)
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.wait_for_load_state("networkidle")  # the record's related parts, before leaving
    page.keyboard.press("e")
    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/edit/")
    page.fill("input[name=address]", "深圳")
    page.keyboard.press("Control+s")
    expect(page.locator("[data-field=address]")).to_have_text("深圳")
    customer.refresh_from_db()
    assert customer.address == "深圳"
    page.wait_for_load_state("networkidle")

    page.keyboard.press("e")
    page.fill("input[name=address]", "广州")
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server.url}/customers/{customer.pk}/")
    expect(page.locator("[data-field=address]")).to_have_text("深圳")

    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/customers/new/")
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{live_server.url}/customers/")
    assert problems == []


@pytest.mark.django_db(transaction=True)
def test_no_shortcut_acts_while_an_input_method_composes(live_server, alice, signed_in):
    page, problems = signed_in
    make_customer(alice)
    page.goto(f"{live_server.url}/customers/")
    for key in ("/", "n", "j", "k", "?"):
        assert page.evaluate(PRESS, [key, {"isComposing": True}]) is False, key
        assert page.evaluate(PRESS, [key, {"keyCode": 229}]) is False, key
    expect(page.locator("#global-search")).not_to_be_focused()
    expect(page.locator("#results .crm-selected")).to_have_count(0)
    assert page.evaluate(PRESS, ["j", {}]) is True  # the same key, not composing, acts
    expect(page.locator("#results .crm-selected")).to_have_count(1)

    # 拼音 typed into a field: Esc and Ctrl+S belong to the input method until it commits.
    page.goto(f"{live_server.url}/customers/new/")
    page.evaluate(ACTED)
    page.focus("input[name=name]")
    ime = page.context.new_cdp_session(page)
    ime.send("Input.imeSetComposition", {"text": "huawei", "selectionStart": 6, "selectionEnd": 6})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    ime.send("Input.insertText", {"text": "华为"})
    expect(page.locator("input[name=name]")).to_have_value("华为")
    assert page.evaluate("window.acted") == []
    page.keyboard.press("Control+s")  # committed: now the key saves
    expect(page.locator("h1")).to_contain_text("华为")
    assert Customer.objects.filter(name="华为").count() == 1
    assert problems == []
