"""In a real browser, in both languages: one user @mentions another with the type-ahead,
the other's bell counts it without a reload and opens it; the inbox at desk and phone
widths."""

import re

import pytest
from playwright.sync_api import expect

from crm.conftest import sales_role
from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.customers.tests.test_battery import make_customer
from crm.messaging.models import Notification
from crm.org.models import Role, RolePermission

PEOPLE = {
    "en": {"author": "Alice Wang", "reader": "Li Na", "typed": "Li", "note": "please call them"},
    "zh-hans": {"author": "王芳", "reader": "李娜", "typed": "li", "note": "请跟进"},
}
MENTIONED = {"en": "Alice Wang mentioned you", "zh-hans": "王芳 提到了你"}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def sees_every_customer() -> Role:
    role = Role.objects.create(code="see_all", name_zh="查看全部", name_en="See all")
    RolePermission.objects.create(
        role=role, type_key="*", view_scope="all", edit_scope="own", actions=["view"]
    )
    return role


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_mention_reaches_the_bell_and_opens_the_record(
    live_server, make_user, browser, language, tmp_path
):
    words = PEOPLE[language]
    author = make_user("author", full_name=words["author"], language=language)
    make_user(
        "reader",
        full_name=words["reader"],
        language=language,
        roles=[sales_role(), sees_every_customer()],
    )
    customer = make_customer(author, name="金蝶软件")

    with (
        chromium_page(browser=browser) as (reader, reader_problems),
        chromium_page(browser=browser) as (writer, writer_problems),
    ):
        sign_in(reader, live_server.url, "reader")
        badge = reader.locator("#inbox-badge")
        expect(badge).to_have_attribute("data-count", "0")

        sign_in(writer, live_server.url, "author")
        writer.goto(f"{live_server.url}/customers/{customer.pk}/")
        box = writer.locator("#comment-body")
        box.click()
        box.press_sequentially(f"@{words['typed']}")
        menu = writer.locator(".crm-mention-menu [role=option]")
        expect(menu).to_have_count(1)
        expect(menu.first).to_contain_text(words["reader"])
        assert_accessible(writer)
        box.press("Enter")
        expect(box).to_have_value(f"@{words['reader']} ")
        box.press_sequentially(words["note"])
        writer.locator("form[hx-post$='/comments/'] button[type=submit]").click()
        expect(writer.locator("#timeline .crm-mention")).to_have_text(f"@{words['reader']}")
        expect(box).to_have_value("")
        assert Notification.objects.filter(user__username="reader").count() == 1

        # The bell counts it without a reload (it asks every 30 seconds).
        expect(badge).to_have_attribute("data-count", "1", timeout=40_000)
        reader.click(".crm-inbox-bell")
        expect(reader.locator("h1")).to_have_text(re.compile("Inbox|信息中心"))
        item = reader.locator(".crm-inbox-item").first
        expect(item).to_contain_text(MENTIONED[language])
        expect(item).to_contain_text("金蝶软件")
        assert_accessible(reader)
        for width in (1280, 360):
            reader.set_viewport_size({"width": width, "height": 900})
            assert_fits(reader)
            reader.screenshot(path=tmp_path / f"inbox-{language}-{width}.png", full_page=True)
        reader.set_viewport_size({"width": 1280, "height": 900})
        item.locator(".crm-inbox-title").click()
        expect(reader).to_have_url(f"{live_server.url}/customers/{customer.pk}/")
        expect(reader.locator("#inbox-badge")).to_have_attribute("data-count", "0")
        assert reader_problems == [] and writer_problems == []
