"""The catalogue in a real browser, in both languages: an administrator keeps a price list,
picking products by name or code from the catalogue (the code and specification shown beside
the name), with a price from a quantity up; the list and the product's page show them, and
they fit a phone's width."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from crm.core import services
from crm.core.testing.browser import assert_fits, chromium, chromium_page, sign_in
from crm.customization.models import Dictionary, DictionaryItem
from crm.products.models import PriceList, PriceListItem, Product


def key_account() -> DictionaryItem:
    """The customer level the list is for (a browser test's database starts empty)."""
    dictionary, _created = Dictionary.objects.get_or_create(
        code="customer_level", defaults={"name_zh": "客户等级", "name_en": "Customer level"}
    )
    return DictionaryItem.objects.get_or_create(
        dictionary=dictionary,
        code="a",
        defaults={"label_zh": "A 重要客户", "label_en": "A - Key account"},
    )[0]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def pick_product(page, row: int, typed: str, shown: str) -> None:
    """Search the catalogue from a line's product cell and take the offered product."""
    control = page.locator(f"#id_lines-{row}-product-ts-control")
    control.locator("..").click()
    expect(control).to_be_focused()
    control.fill(typed)
    page.locator(f"#id_lines-{row}-product-ts-dropdown .option", has_text=shown).first.click()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "level", "saved"),
    [("zh-hans", "A 重要客户", "保存"), ("en", "A - Key account", "Save")],
)
def test_an_administrator_keeps_a_price_list_with_prices_by_quantity(
    live_server, make_user, browser, settings, language, level, saved
):
    settings.CRM_ADMIN_MFA_REQUIRED = False
    key = key_account()
    boss = make_user("boss", is_superuser=True, language=language, full_name="王总")
    servo = services.save(
        Product(owner=boss, code="0101101", name="交流伺服电机", specification="0.4kW"),
        actor=boss,
    )
    services.save(
        Product(owner=boss, code="0101102", name="交流伺服电机", specification="0.75kW"),
        actor=boss,
    )
    with chromium_page(browser=browser) as (page, problems):
        sign_in(page, live_server.url, "boss")
        page.goto(f"{live_server.url}/price-lists/new/")
        page.fill("input[name=name]", "A 级客户价格表")
        page.locator("select[name=customer_level]").select_option(label=level)
        pick_product(page, 0, "0101101", "0.4kW")
        page.fill("input[name=lines-0-unit_price]", "2600")
        page.click("button[value=add]")
        pick_product(page, 1, "伺服", "0.4kW")
        page.fill("input[name=lines-1-min_quantity]", "10")
        page.fill("input[name=lines-1-unit_price]", "2500")
        page.get_by_role("button", name=saved, exact=True).click()

        expect(page).to_have_url(re.compile(r"/price-lists/\d+/$"))
        expect(page.locator("#lines")).to_contain_text("¥2,500.00")
        plist = PriceList.objects.get(name="A 级客户价格表")
        rows = PriceListItem.objects.filter(price_list=plist).order_by("position")
        assert [(r.product_id, r.min_quantity, r.unit_price) for r in rows] == [
            (servo.pk, Decimal(1), Decimal(2600)),
            (servo.pk, Decimal(10), Decimal(2500)),
        ]
        assert plist.customer_level == key

        page.goto(f"{live_server.url}/products/{servo.pk}/")
        prices = page.locator("[data-prices]")
        expect(prices).to_contain_text("A 级客户价格表")
        expect(prices).to_contain_text("¥2,600.00")
        page.set_viewport_size({"width": 360, "height": 740})
        assert_fits(page)
        page.goto(f"{live_server.url}/price-lists/{plist.pk}/edit/")
        expect(page.locator("#id_lines-1-product-ts-control").locator("..")).to_contain_text(
            "交流伺服电机 0.4kW"
        )
        assert_fits(page)
        assert problems == []
