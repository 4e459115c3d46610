"""The catalogue's rules, each refusal leaving everything as it was: a product code used
once, a floor price not above the standard one, a category never inside itself, a price
list for a level or one customer, one price per product and quantity; and lines linking
only to products the user sees (a product deactivated since stays on a list)."""

from decimal import Decimal

import pytest

from crm.core import registry, services
from crm.core.errors import ValidationFailed
from crm.customization.models import DictionaryItem
from crm.products.models import PriceList, PriceListItem, Product, ProductCategory

D = Decimal


def product(owner, code, **fields) -> Product:
    fields.setdefault("name", f"产品{code}")
    return services.save(Product(owner=owner, code=code, **fields), actor=owner)


@pytest.mark.django_db
def test_a_product_code_names_one_live_product(admin):
    first = product(admin, "0101101")
    with pytest.raises(ValidationFailed) as refused:
        product(admin, "0101101")
    assert "0101101" in refused.value.fields["code"][0]
    assert Product.objects.count() == 1
    services.delete(first, actor=admin)
    assert product(admin, "0101101").pk != first.pk  # a deleted product's code is free


@pytest.mark.django_db
def test_the_floor_price_is_not_above_the_standard_price(admin):
    with pytest.raises(ValidationFailed) as refused:
        product(admin, "A1", standard_price=D("100"), floor_price=D("120"))
    assert list(refused.value.fields) == ["floor_price"]
    assert not Product.all_objects.exists()


@pytest.mark.django_db
def test_a_category_is_never_inside_itself(admin):
    top = services.save(ProductCategory(owner=admin, name="工业自动化"), actor=admin)
    child = services.save(ProductCategory(owner=admin, name="伺服系统", parent=top), actor=admin)
    top.parent = child
    with pytest.raises(ValidationFailed) as refused:
        services.save(top, actor=admin)
    assert "parent" in refused.value.fields
    top.refresh_from_db()
    assert top.parent is None


@pytest.mark.django_db
def test_a_price_list_is_not_for_a_level_and_a_customer_at_once(admin):
    customer = services.save(registry.get("customer").model(owner=admin, name="华星"), actor=admin)
    level = DictionaryItem.objects.get(dictionary__code="customer_level", code="a")
    with pytest.raises(ValidationFailed) as refused:
        services.save(
            PriceList(owner=admin, name="两者", customer=customer, customer_level=level),
            actor=admin,
        )
    assert "customer_level" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        services.save(
            PriceList(
                owner=admin,
                name="倒序",
                valid_from="2026-06-01",
                valid_to="2026-05-01",
            ),
            actor=admin,
        )
    assert "valid_to" in refused.value.fields
    assert not PriceList.all_objects.exists()


@pytest.mark.django_db
def test_a_product_has_one_price_from_each_quantity(admin):
    servo = product(admin, "S1")
    lines = [
        {"product": servo.pk, "min_quantity": D(10), "unit_price": D(90)},
        {"product": servo.pk, "min_quantity": D("10.0"), "unit_price": D(85)},
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.save(PriceList(owner=admin, name="重复"), actor=admin, lines=lines)
    assert list(refused.value.fields) == ["lines.1.min_quantity"]
    assert not PriceList.all_objects.exists() and not PriceListItem.objects.exists()


@pytest.mark.django_db
def test_lines_link_only_to_products_the_user_sees(alice, bob):
    hidden = product(bob, "B1")
    mine = product(alice, "A1")
    plist = services.save(PriceList(owner=alice, name="我的"), actor=alice)
    bad = [
        {"product": mine.pk, "unit_price": D(1)},
        {"product": hidden.pk, "unit_price": D(1)},
        {"product": 987654, "unit_price": D(1)},
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.save(plist, actor=alice, lines=bad)
    assert set(refused.value.fields) == {"lines.1.product", "lines.2.product"}
    assert not PriceListItem.objects.exists()


@pytest.mark.django_db
def test_a_product_deactivated_since_stays_on_the_list_but_is_not_added(admin):
    kept, other = product(admin, "K1"), product(admin, "K2")
    plist = services.save(
        PriceList(owner=admin, name="年度"),
        actor=admin,
        lines=[{"product": kept.pk, "unit_price": D(10)}],
    )
    for item in (kept, other):
        item.is_active = False
        services.save(item, actor=admin)
    again = [{"product": kept.pk, "unit_price": D(9)}]
    services.save(plist, actor=admin, lines=again)
    assert PriceListItem.objects.get(price_list=plist).unit_price == D(9)
    with pytest.raises(ValidationFailed) as refused:
        services.save(plist, actor=admin, lines=[*again, {"product": other.pk, "unit_price": D(1)}])
    assert list(refused.value.fields) == ["lines.1.product"]
    assert PriceListItem.objects.filter(price_list=plist).count() == 1


@pytest.mark.django_db
def test_a_line_without_its_product_is_refused(admin):
    with pytest.raises(ValidationFailed) as refused:
        services.save(PriceList(owner=admin, name="空"), actor=admin, lines=[{"unit_price": D(1)}])
    assert list(refused.value.fields) == ["lines.0.product"]
    assert not PriceList.all_objects.exists()


@pytest.mark.django_db
def test_the_product_page_lists_its_prices(admin, client_for):
    servo = product(admin, "S9", name="交流伺服电机")
    services.save(
        PriceList(owner=admin, name="A 级客户价格表"),
        actor=admin,
        lines=[
            {"product": servo.pk, "min_quantity": D(1), "unit_price": D("2600")},
            {"product": servo.pk, "min_quantity": D(100), "unit_price": D("2400.5")},
        ],
    )
    html = client_for(admin).get(f"/products/{servo.pk}/").content.decode()
    assert "A 级客户价格表" in html
    assert "¥2,400.50" in html and ">100<" in html
