"""In a real browser, on a phone and a desktop: the lead form warns of a duplicate held by
another department as the company name is typed, saving still goes ahead, and the lead is
converted from its page into a customer, a contact and an opportunity."""

import pytest
from playwright.sync_api import expect

from crm.core import registry, services
from crm.core.testing.axe import assert_accessible
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.org.models import Employee, OrgUnit, Role, RolePermission
from crm.sales.models import Lead, LeadStatus
from crm.sales.testing import make_process


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", [360, 1280])
def test_a_duplicate_is_warned_of_and_the_lead_converted(live_server, make_user, browser, width):
    role = Role.objects.create(code="test_converter", name_zh="转化", name_en="Converter")
    RolePermission.objects.create(
        role=role,
        type_key="*",
        view_scope="own",
        edit_scope="own",
        actions=["view", "create", "edit", "delete", "convert"],
    )
    make_user("carol", roles=[role])
    wang = make_user("wang", full_name="王建国")
    south = OrgUnit.objects.create(name="华南销售部", kind="department")
    Employee.objects.create(user=wang, name="王建国", department=south)
    held = registry.get("customer").model(owner=wang, name="深圳华星电子有限公司")
    services.save(held, actor=wang)
    make_process()

    with chromium_page(width=width, browser=browser) as (page, problems):
        sign_in(page, live_server.url, "carol")
        page.goto(f"{live_server.url}/leads/new/")
        page.fill("#id_company_name", "华星电子")
        page.fill("#id_contact_name", "陈晓明")  # leaving the company name: it changed
        warning = page.locator("[data-similar-warning]")
        expect(warning).to_contain_text("A similar customer is held by 华南销售部.")
        expect(warning).not_to_contain_text("深圳华星电子有限公司")
        assert_fits(page)
        assert_accessible(page)
        # Refused for want of a name, the form is answered in place: its new fields still
        # bring the warning up to date.
        page.click("#record-form button[type=submit]")
        expect(page.locator("#id_name.is-invalid")).to_be_visible()
        page.fill("#id_company_name", "独一无二")
        page.fill("#id_name", "华星电子 MES 项目")
        expect(warning).to_have_count(0)
        page.fill("#id_company_name", "华星电子有限公司")
        page.locator("#id_name").focus()
        expect(warning).to_contain_text("华南销售部")
        page.click("#record-form button[type=submit]")
        expect(page.locator("[data-panel=similar]")).to_contain_text("华南销售部")
        lead = Lead.objects.get(name="华星电子 MES 项目")

        page.click("[data-transition=convert] a")
        expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/convert/")
        expect(page.locator("#id_customer_name")).to_have_value("华星电子有限公司")
        assert_fits(page)
        assert_accessible(page)
        page.check("#id_create_opportunity")
        page.fill("#id_amount", "38万")
        page.click("#convert-form button[type=submit]")
        expect(page).to_have_url(f"{live_server.url}/leads/{lead.pk}/")
        toast = page.locator(".toast-body").first
        expect(toast).to_contain_text("converted")
        expect(toast.locator("a")).to_have_count(3)
        expect(page.locator("[data-state]")).to_have_attribute("data-state", "converted")
        page.wait_for_load_state("networkidle")
        assert problems == []

    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED
    assert lead.customer.name == "华星电子有限公司" and lead.contact.name == "陈晓明"
    assert lead.opportunity.expected_amount == 380000
