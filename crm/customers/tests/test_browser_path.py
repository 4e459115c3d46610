"""A salesperson's first path through the CRM, in a real browser."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import expect

from crm.conftest import PASSWORD
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.customers.models import Contact, Customer
from crm.customization.models import CustomField


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.mark.django_db(transaction=True)
def test_customer_path_from_login_to_recycle_bin_in_both_languages(live_server, make_user, browser):
    make_user("sales1", full_name="张伟", language="zh-hans")
    CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="annual_purchase",
        label_zh="年采购额",
        label_en="Annual purchase",
        field_type="money",
    )
    with chromium_page(browser=browser) as (page, problems):
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "sales1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator("html")).to_have_attribute("lang", re.compile("zh", re.I))

        page.goto(f"{live_server.url}/customers/")
        page.click("[data-shortcut=new]")
        page.fill("input[name=name]", "金蝶软件")
        page.fill("input[name=phone]", "0755-86072000")
        page.fill("input[name=cf_annual_purchase]", "2800000")
        page.click("#record-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("金蝶软件")
        customer = Customer.objects.get()
        assert customer.custom_field_data == {"annual_purchase": "2800000.00"}
        expect(page.locator("[data-custom-field]")).to_contain_text("2,800,000.00")

        page.locator("#related-contact a", has_text=re.compile(".+")).last.click()
        page.fill("input[name=name]", "张三")
        page.fill("input[name=mobile]", "13812345678")
        page.click("#record-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("张三")
        assert Contact.objects.get().customer == customer

        page.goto(f"{live_server.url}/contacts/new/")
        page.locator("#id_customer-ts-control").fill("jdrj")
        page.locator(".ts-dropdown .option", has_text="金蝶软件").click()
        page.wait_for_load_state("networkidle")  # no type-ahead request still in flight
        page.fill("input[name=name]", "李四")
        page.click("#record-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text("李四")
        assert Contact.objects.get(name="李四").customer == customer

        page.goto(f"{live_server.url}/customers/")
        page.click("[data-bs-target='#list-more']")
        page.select_option("#list-filter-fields select[name=status]", "formal")
        expect(page.locator("#results [data-row]")).to_have_count(0)
        expect(page).to_have_url(re.compile("status=formal"))
        page.select_option("#list-filter-fields select[name=status]", "potential")
        expect(page.locator("#results [data-row]")).to_have_count(1)

        page.fill("#global-search", "jdrj")
        hit = page.locator("#search-results a", has_text="金蝶软件")
        expect(hit).to_be_visible()
        hit.click()
        expect(page.locator("h1")).to_contain_text("金蝶软件")

        page.click("[data-shortcut=edit]")
        page.fill("input[name=address]", "深圳")
        page.click("#record-form button[type=submit]")
        expect(page.locator("[data-timeline]")).to_contain_text("深圳")

        page.locator("form[action$='/delete/'] button").click()
        expect(page).to_have_url(re.compile(r"/customers/$"))
        assert Customer.objects.count() == 0
        page.goto(f"{live_server.url}/customers/trash/")
        page.locator("button[formaction$='/restore/']").click()
        expect(page.locator("h1")).to_contain_text("金蝶软件")
        assert Customer.objects.count() == 1

        page.get_by_role("button", name=re.compile("^(Language|语言)")).click()
        page.click("button[name=language][value=en]")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("[data-shortcut=edit]")).to_have_text("Edit")
        page.get_by_role("button", name=re.compile("^(Language|语言)")).click()
        page.click("button[name=language][value=zh-hans]")
        expect(page.locator("html")).to_have_attribute("lang", re.compile("zh", re.I))
        assert problems == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "name", "edit"),
    [("zh-hans", "华东精密机械有限公司", "编辑"), ("en", "Acme Trading", "Edit")],
)
def test_customer_path_fits_a_phone_in_both_languages(
    live_server, make_user, browser, language, name, edit
):
    make_user("sales1", full_name="张伟", language=language)
    with chromium_page(width=360, height=740, browser=browser) as (page, problems):
        sign_in(page, live_server.url, "sales1")
        page.click(".navbar-toggler")
        page.click("#sidebar-menu a[href='/customers/']")
        expect(page).to_have_url(f"{live_server.url}/customers/")
        assert_fits(page)

        page.click("[data-shortcut=new]")
        expect(page).to_have_url(f"{live_server.url}/customers/new/")
        assert_fits(page)
        page.fill("input[name=name]", name)
        page.fill("input[name=phone]", "021-55501234")
        page.click("#record-form button[type=submit]")
        expect(page.locator("h1")).to_contain_text(name)
        assert_fits(page)

        page.click("[data-shortcut=edit]")
        expect(page.locator("h1")).to_have_text(f"{edit} {name}")
        assert_fits(page)
        page.fill("input[name=address]", "上海")
        page.click("#record-form button[type=submit]")
        expect(page.locator("[data-field=address]")).to_have_text("上海")
        assert_fits(page)
        assert problems == []
