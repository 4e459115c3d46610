"""Changing one's password in a real browser, from the user menu."""

import pytest
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core.testing.browser import chromium_page

NEW = "lantern-orchard-1987"


@pytest.mark.django_db(transaction=True)
def test_a_user_changes_their_password_from_the_user_menu(live_server, make_user):
    user = make_user("sales1", full_name="张伟", language="zh-hans")
    with chromium_page(width=360) as (page, problems):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "sales1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.locator("header [data-bs-toggle=dropdown]", has_text="张伟").click()
        page.click("a[href='/org/security/password/']")
        expect(page.locator("h1")).to_have_text("修改密码")

        page.fill("input[name=current_password]", "not-my-password")
        page.fill("input[name=new_password]", NEW)
        page.fill("input[name=new_password_again]", NEW)
        page.click("#password-form button[type=submit]")
        expect(page.locator("#id_current_password")).to_have_class("form-control is-invalid")

        page.fill("input[name=current_password]", PASSWORD)
        page.fill("input[name=new_password]", NEW)
        page.fill("input[name=new_password_again]", NEW)
        page.click("#password-form button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/org/security/")
        expect(page.locator("#toasts")).to_contain_text("密码已修改")
        expect(page.locator("[data-session]")).to_have_count(1)
        assert problems == []
    user.refresh_from_db()
    assert user.check_password(NEW)
