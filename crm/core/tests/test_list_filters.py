"""List filters: money, numbers and dates as ranges (from / to) that take amounts as
people write them; a choice left empty reads All / 全部, not dashes."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from crm.core import services
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import CustomField

pytestmark = pytest.mark.django_db


@pytest.fixture
def purchases(alice):
    CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="annual_purchase",
        label_zh="年采购额",
        label_en="Annual purchase",
        field_type="money",
    )
    CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="signed_on",
        label_zh="签约日期",
        label_en="Signed on",
        field_type="date",
    )
    for name, amount, signed in [
        ("小", "900000.00", "2026-01-31"),
        ("中", "2800000.00", "2026-02-01"),
        ("大", "12000000.00", "2026-03-15"),
        ("空", None, None),
    ]:
        make_customer(
            alice, name=name, custom_field_data={"annual_purchase": amount, "signed_on": signed}
        )


def names(client, **params) -> set[str]:
    response = client.get("/customers/", {"col": "name", "per_page": 100, **params})
    assert response.status_code == 200
    return {row["cells"][0][0] for row in response.context["rows"]}


@pytest.mark.parametrize("typed", ["2800000", "2,800,000", "280万", "¥280万"])
def test_a_custom_amount_is_filtered_from_a_bound_typed_as_people_write_it(
    alice, client_for, purchases, typed
):
    client = client_for(alice)
    assert names(client, cf_annual_purchase_min=typed) == {"中", "大"}
    assert names(client, cf_annual_purchase_max=typed) == {"小", "中"}
    assert names(client, cf_annual_purchase_min=typed, cf_annual_purchase_max="1000万") == {"中"}


def test_a_custom_date_is_filtered_by_days_both_included(alice, client_for, purchases):
    client = client_for(alice)
    assert names(client, cf_signed_on_after="2026-02-01") == {"中", "大"}
    assert names(client, cf_signed_on_before="2026-02-01") == {"小", "中"}
    both = {"cf_signed_on_after": "2026-02-01", "cf_signed_on_before": "2026-03-01"}
    assert names(client, **both) == {"中"}


def test_a_bound_that_is_not_an_amount_matches_nothing(alice, client_for, purchases):
    assert names(client_for(alice), cf_annual_purchase_min="很多") == set()


def test_the_filter_panel_offers_from_and_to_boxes(alice, client_for, purchases):
    with translation.override("en"):
        panel = client_for(alice).get("/customers/", {"_panel": "filters"}).content.decode()
    for param in (
        "cf_annual_purchase_min",
        "cf_annual_purchase_max",
        "cf_signed_on_after",
        "cf_signed_on_before",
        "updated_after",
        "updated_before",
    ):
        assert f'name="{param}"' in panel, param
    assert 'aria-label="Annual purchase: From"' in panel


def test_updated_on_is_a_range_of_days(alice, client_for):
    old = make_customer(alice, name="旧")
    Customer.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=10)
    )
    make_customer(alice, name="新")
    client = client_for(alice)
    today = timezone.localdate()
    week_ago = (today - datetime.timedelta(days=7)).isoformat()
    assert names(client, updated_after=week_ago) == {"新"}
    assert names(client, updated_before=week_ago) == {"旧"}
    assert names(client, updated_after=today.isoformat(), updated_before=today.isoformat()) == {
        "新"
    }


def test_a_contact_s_birthday_is_a_range(alice, client_for):
    customer = make_customer(alice, name="星海")
    for name, born in [("王芳", datetime.date(1990, 5, 1)), ("李强", datetime.date(1985, 1, 9))]:
        services.save(Contact(customer=customer, name=name, birthday=born), actor=alice)
    response = client_for(alice).get(
        "/contacts/",
        {"col": "name", "birthday_after": "1989-01-01", "birthday_before": "1991-01-01"},
    )
    assert [row["cells"][0][0] for row in response.context["rows"]] == ["王芳"]


@pytest.mark.parametrize(("language", "word"), [("en", "All"), ("zh-hans", "全部")])
def test_empty_choices_read_all(make_user, client_for, language, word):
    user = make_user("reader", language=language)
    panel = client_for(user).get("/customers/", {"_panel": "filters"}).content.decode()
    assert "---------" not in panel
    assert panel.count(f'<option value="" selected>{word}</option>') >= 8  # type, status ...


def test_the_api_takes_the_same_ranges(alice, api_for, purchases):
    api = api_for(alice)
    body = api.get("/api/v1/customers/", {"cf_annual_purchase_min": "280万"}).json()
    assert {item["name"] for item in body["items"]} == {"中", "大"}
    refused = api.get("/api/v1/customers/", {"updated_after": "yesterday"})
    assert refused.status_code == 422 and "updated" in refused.json()["fields"]
