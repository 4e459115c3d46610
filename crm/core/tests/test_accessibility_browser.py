"""axe-core finds no critical or serious problem on the pages a new user meets first, in
both languages at 1280 and 360 px: sign-in, list, detail, form, import and roles."""

import pytest
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core.testing.axe import violations
from crm.core.testing.browser import chromium, chromium_page
from crm.customers.models import Customer
from crm.org.models import Role

CSV = "客户名称,电话\n华东精密机械有限公司,021-55501234\n".encode()


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.django_db(transaction=True)
def test_first_pages_have_no_serious_accessibility_problem(
    live_server, make_user, browser, language, width, settings
):
    settings.CRM_ADMIN_MFA_REQUIRED = False  # the roles pages, without a second factor
    user = make_user("boss", is_superuser=True, is_staff=True, language=language)
    customer = Customer.objects.create(
        name="华东精密机械有限公司", phone="02155501234", owner=user, created_by=user
    )
    role = Role.objects.create(code="sales", name_zh="销售", name_en="Sales")
    found: dict[str, list[str]] = {}
    with chromium_page(browser=browser, width=width) as (page, problems):
        page.goto(f"{live_server.url}/login/")
        found["login"] = violations(page)
        page.fill("input[name=username]", "boss")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/")
        for name, path in [
            ("workbench", "/"),
            ("list", "/customers/"),
            ("detail", f"/customers/{customer.pk}/"),
            ("form", f"/customers/{customer.pk}/edit/"),
            ("new form", "/contacts/new/"),
            ("import", "/customers/import/"),
            ("roles", "/org/roles/"),
            ("role", f"/org/roles/{role.pk}/edit/"),
        ]:
            page.goto(live_server.url + path)
            found[name] = violations(page)
        page.goto(f"{live_server.url}/customers/import/")
        page.set_input_files(
            "input[name=file]", files=[{"name": "c.csv", "mimeType": "text/csv", "buffer": CSV}]
        )
        page.click("#import-upload button[type=submit]")
        expect(page.locator("[data-mapping]")).to_be_visible()
        found["import mapping"] = violations(page)
        assert problems == []
    report = [f"{name}: {line}" for name, lines in found.items() for line in lines]
    assert not report, "\n".join(report)
