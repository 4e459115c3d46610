"""Two-factor sign-in in a real browser: an administrator is made to set it up, then signs
in with password and code."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core.testing.browser import chromium_page
from crm.org.models import LoginEvent, LoginResult
from crm.org.tests.test_security import fresh_totp


@pytest.mark.django_db(transaction=True)
def test_an_administrator_sets_up_two_factor_sign_in_and_uses_it(live_server, make_user):
    make_user("chief", is_superuser=True, full_name="Chief")
    with chromium_page() as (page, problems):
        # the password alone leads to the set-up page
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "chief")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/accounts/2fa/totp/activate/")
        page.goto(f"{live_server.url}/customers/")
        expect(page).to_have_url(f"{live_server.url}/accounts/2fa/totp/activate/")

        # scanning is typing the key here: the code turns it on and shows recovery codes
        secret = page.input_value("[data-crm-totp-secret]")
        page.fill("input[name=code]", fresh_totp(secret))
        page.click("form[action$='/activate/'] button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/accounts/2fa/recovery-codes/")
        expect(page.locator("[data-crm-recovery-codes]")).to_be_visible()
        page.click("a.btn-primary")
        expect(page).to_have_url(f"{live_server.url}/org/security/")

        # sign out, then in again: the password, then a code
        page.locator("header [data-bs-toggle=dropdown]", has_text="Chief").click()
        page.click("form[data-crm-logout] button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/login/")
        page.fill("input[name=username]", "chief")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/accounts/2fa/authenticate/")
        page.fill("input[name=code]", "000000")
        page.click("form[action$='/authenticate/'] button[type=submit]")
        expect(page.locator("#code-errors")).to_be_visible()
        page.fill("input[name=code]", fresh_totp(secret))
        page.click("form[action$='/authenticate/'] button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/")
        assert problems == []

    results = list(LoginEvent.objects.order_by("pk").values_list("result", flat=True))
    assert results == [
        LoginResult.SUCCESS,
        LoginResult.LOGOUT,
        LoginResult.MFA_FAILURE,
        LoginResult.SUCCESS,
    ]
