"""The price a customer pays: customer list, then level list, then a list for everyone,
then the standard price; tiers by quantity, validity dates, currencies; and the API."""

import datetime
from decimal import Decimal

import pytest

from crm.core import registry, services
from crm.customization.models import DictionaryItem
from crm.products import services as pricing
from crm.products.models import PriceList, Product

TODAY = datetime.date(2026, 6, 15)
D = Decimal


def level(code: str) -> DictionaryItem:
    return DictionaryItem.objects.get(dictionary__code="customer_level", code=code)


@pytest.fixture
def setup(admin):
    customer_model = registry.get("customer").model
    servo = services.save(
        Product(owner=admin, code="0101101", name="交流伺服电机", standard_price=D("2800")),
        actor=admin,
    )
    plc = services.save(
        Product(owner=admin, code="0102101", name="小型 PLC", standard_price=D("3600")),
        actor=admin,
    )
    key = services.save(customer_model(owner=admin, name="华星电子", level=level("a")), actor=admin)
    other = services.save(customer_model(owner=admin, name="明德贸易"), actor=admin)
    return {"servo": servo, "plc": plc, "key": key, "other": other, "admin": admin}


def price_list(admin, lines, **fields) -> PriceList:
    fields.setdefault("name", f"价格表{PriceList.all_objects.count() + 1}")
    rows = [{"product": p.pk, "min_quantity": D(q), "unit_price": D(u)} for p, q, u in lines]
    return services.save(PriceList(owner=admin, **fields), actor=admin, lines=rows)


def price(product, quantity="1", **kwargs):
    kwargs.setdefault("on", TODAY)
    return pricing.price_for(product, D(quantity), **kwargs)


@pytest.mark.django_db
def test_the_lookup_order_is_customer_then_level_then_everyone_then_standard(setup):
    admin, servo, key = setup["admin"], setup["servo"], setup["key"]
    assert price(servo, customer=key).source == "standard"
    assert price(servo, customer=key).unit_price == D("2800")

    general = price_list(admin, [(servo, "1", "2700")])
    assert (price(servo, customer=key).unit_price, price(servo, customer=key).source) == (
        D("2700"),
        "everyone",
    )
    assert price(servo, customer=key).price_list == general

    price_list(admin, [(servo, "1", "2600")], customer_level=level("a"))
    assert price(servo, customer=key).unit_price == D("2600")
    assert price(servo, customer=key).source == "level"
    # A customer of another level is still priced by the list for everyone.
    assert price(servo, customer=setup["other"]).unit_price == D("2700")

    price_list(admin, [(servo, "1", "2500")], customer=key)
    assert price(servo, customer=key).unit_price == D("2500")
    assert price(servo, customer=key).source == "customer"
    # A product the customer's list leaves out falls back to the next one that prices it.
    assert price(setup["plc"], customer=key).source == "standard"


@pytest.mark.django_db
def test_tiers_apply_from_their_quantity_up(setup):
    admin, servo, key = setup["admin"], setup["servo"], setup["key"]
    price_list(
        admin,
        [(servo, "1", "2600"), (servo, "10", "2500"), (servo, "50", "2400")],
        customer_level=level("a"),
    )
    assert [
        price(servo, q, customer=key).unit_price for q in ("1", "9.5", "10", "49", "50", "500")
    ] == [
        D("2600"),
        D("2600"),
        D("2500"),
        D("2500"),
        D("2400"),
        D("2400"),
    ]
    # Below the smallest tier of the customer's list, the next source prices it.
    price_list(admin, [(servo, "20", "2300")], customer=key)
    assert price(servo, "5", customer=key).unit_price == D("2600")
    assert price(servo, "20", customer=key).unit_price == D("2300")


@pytest.mark.django_db
def test_only_active_lists_valid_on_the_day_in_the_currency_asked(setup):
    admin, servo, key = setup["admin"], setup["servo"], setup["key"]
    price_list(
        admin,
        [(servo, "1", "2000")],
        customer=key,
        valid_from=datetime.date(2026, 7, 1),
    )
    price_list(admin, [(servo, "1", "2100")], customer=key, valid_to=datetime.date(2026, 6, 14))
    price_list(admin, [(servo, "1", "2200")], customer=key, is_active=False)
    price_list(admin, [(servo, "1", "390")], customer=key, currency="USD")
    assert price(servo, customer=key).source == "standard"
    assert price(servo, customer=key, on=datetime.date(2026, 7, 1)).unit_price == D("2000")
    assert price(servo, customer=key, on=datetime.date(2026, 6, 14)).unit_price == D("2100")
    in_dollars = price(servo, customer=key, currency="USD")
    assert (in_dollars.unit_price, in_dollars.currency) == (D("390"), "USD")
    # The standard price is in the product's currency: none in euros.
    assert price(servo, customer=key, currency="EUR") is None


@pytest.mark.django_db
def test_of_two_lists_of_a_kind_the_later_one_wins(setup):
    admin, servo, key = setup["admin"], setup["servo"], setup["key"]
    price_list(
        admin, [(servo, "1", "2600")], customer_level=level("a"), valid_from=TODAY.replace(month=1)
    )
    price_list(
        admin, [(servo, "1", "2550")], customer_level=level("a"), valid_from=TODAY.replace(month=3)
    )
    price_list(admin, [(servo, "1", "2500")], customer_level=level("a"))
    assert price(servo, customer=key).unit_price == D("2550")


@pytest.mark.django_db
def test_many_products_are_priced_in_one_query(setup, django_assert_num_queries):
    admin, key = setup["admin"], setup["key"]
    price_list(admin, [(setup["servo"], "1", "2600")], customer_level=level("a"))
    wanted = [(setup["servo"], D(3)), (setup["plc"], D(3))]
    with django_assert_num_queries(1):
        found = pricing.prices(wanted, customer=key, on=TODAY)
    assert [p.unit_price for p in found] == [D("2600"), D("3600")]


@pytest.mark.django_db
def test_the_api_answers_the_price_and_where_it_comes_from(setup, api_for):
    admin, servo, key = setup["admin"], setup["servo"], setup["key"]
    plist = price_list(
        admin, [(servo, "1", "2600"), (servo, "10", "2500")], customer_level=level("a")
    )
    api = api_for(admin)
    url = f"/api/v1/products/{servo.pk}/price/"
    answer = api.get(url, {"customer": key.pk, "quantity": "12"})
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {
        "unit_price": "2500.00",
        "currency": "CNY",
        "source": "level",
        "price_list": {"id": plist.pk, "name": plist.name},
    }
    assert api.get(url).json()["source"] == "standard"
    assert api.get(url, {"currency": "EUR"}).status_code == 404
    assert api.get(url, {"quantity": "0"}).status_code == 422
    assert api.get(url, {"customer": 999999}).status_code == 422


@pytest.mark.django_db
def test_the_api_hides_products_and_customers_the_user_may_not_see(setup, alice, api_for):
    servo, key = setup["servo"], setup["key"]
    api = api_for(alice)
    assert api.get(f"/api/v1/products/{servo.pk}/price/").status_code == 404
    mine = services.save(Product(owner=alice, code="X1", name="我的产品"), actor=alice)
    refused = api.get(f"/api/v1/products/{mine.pk}/price/", {"customer": key.pk})
    assert refused.status_code == 422
    assert "customer" in refused.json()["fields"]
