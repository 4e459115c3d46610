"""A custom number or money field's minimum and maximum: set by an administrator, a
maximum below the minimum refused, and the range holding the same in the record form,
the API and imports, with the same message and nothing written on refusal."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from crm.core.errors import ValidationFailed
from crm.core.models import ObjectChange
from crm.core.tests.test_imports import csv_file, errors_of, run, summary
from crm.customers.models import Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.custom_fields import clean_custom_fields
from crm.customization.models import CustomField, FieldType
from crm.customization.services import save_custom_field

pytestmark = pytest.mark.django_db
ENGLISH = {"Accept-Language": "en"}
TOO_HIGH = "150"
TOO_LOW = "-1"
ABOVE = "Must be at most 100."
BELOW = "Must be at least 0."


def _field(**values) -> CustomField:
    values = {
        "name": "discount",
        "label_zh": "折扣率",
        "label_en": "Discount",
        "field_type": FieldType.INTEGER,
        **values,
    }
    return CustomField(content_type=ContentType.objects.get_for_model(Customer), **values)


@pytest.fixture
def discount(admin):
    with translation.override("en"):
        yield save_custom_field(_field(min_value=Decimal(0), max_value=Decimal(100)), actor=admin)


def nothing_written():
    assert not Customer.all_objects.exists()
    assert not ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(Customer)
    ).exists()


def test_the_record_form_refuses_a_value_outside_the_range(discount, alice, client_for):
    client = client_for(alice)
    for value, message in ((TOO_HIGH, ABOVE), (TOO_LOW, BELOW)):
        response = client.post(
            "/customers/new/",
            {
                "name": "星海集团",
                "customer_type": "end",
                "status": "potential",
                "cf_discount": value,
            },
        )
        assert response.context["form"].errors["cf_discount"] == [message]
    nothing_written()


def test_the_api_refuses_a_value_outside_the_range(discount, alice, api_for):
    api = api_for(alice)
    for value, message in ((TOO_HIGH, ABOVE), (TOO_LOW, BELOW)):
        response = api.post(
            "/api/v1/customers/",
            {"name": "星海集团", "custom_fields": {"discount": value}},
            headers=ENGLISH,
        )
        assert response.status_code == 422
        assert response.json()["fields"] == {"custom_fields.discount": [message]}
    nothing_written()


def test_an_api_patch_outside_the_range_changes_nothing(discount, alice, api_for):
    customer = make_customer(alice, name="星海集团", custom_field_data={"discount": 20})
    changes = ObjectChange.objects.count()

    response = api_for(alice).patch(
        f"/api/v1/customers/{customer.pk}/",
        {"custom_fields": {"discount": TOO_HIGH}, "version": 1},
        headers=ENGLISH,
    )

    assert response.status_code == 422
    customer.refresh_from_db()
    assert (customer.custom_field_data["discount"], customer.version) == (20, 1)
    assert ObjectChange.objects.count() == changes


def test_an_import_refuses_a_value_outside_the_range_in_its_row(discount, alice):
    with translation.override("en"):
        rows = [["Customer name", "Discount"], ["星海集团", TOO_HIGH], ["华东精密", TOO_LOW]]
        job = run(alice, csv_file(rows))
        assert job.summary == summary(failed=2)
        errors = errors_of(job)
    assert ABOVE in errors[2]
    assert BELOW in errors[3]
    nothing_written()


def test_values_within_the_range_and_on_its_ends_are_kept(discount):
    cleaned, errors = clean_custom_fields(Customer, {"discount": "100"})
    assert (cleaned["discount"], errors) == (100, {})
    cleaned, errors = clean_custom_fields(Customer, {"discount": "0"})
    assert (cleaned["discount"], errors) == (0, {})


def test_the_messages_are_in_chinese_too(discount):
    with translation.override("zh-hans"):
        _cleaned, errors = clean_custom_fields(Customer, {"discount": TOO_HIGH})
        assert errors == {"discount": ["不能大于 100。"]}
        _cleaned, errors = clean_custom_fields(Customer, {"discount": TOO_LOW})
        assert errors == {"discount": ["不能小于 0。"]}


def test_a_money_range_shows_its_limits_as_written(admin):
    save_custom_field(
        _field(name="budget", field_type=FieldType.MONEY, min_value=Decimal("1000.50")),
        actor=admin,
    )
    with translation.override("en"):
        _cleaned, errors = clean_custom_fields(Customer, {"budget": "999"})
    assert errors == {"budget": ["Must be at least 1000.5."]}


def test_the_range_filter_of_a_ranged_field_still_works(discount, alice, client_for):
    for name, value in (("低", 5), ("中", 40), ("高", 90)):
        make_customer(alice, name=name, custom_field_data={"discount": value})

    response = client_for(alice).get(
        "/customers/", {"col": "name", "cf_discount_min": "10", "cf_discount_max": "50"}
    )

    assert {row["cells"][0][0] for row in response.context["rows"]} == {"中"}


def test_a_maximum_below_the_minimum_is_refused(admin):
    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        save_custom_field(_field(min_value=Decimal(10), max_value=Decimal(5)), actor=admin)

    assert refused.value.fields == {"max_value": ["The maximum cannot be less than the minimum."]}
    assert not CustomField.objects.exists()


@pytest.mark.parametrize(
    ("kind", "limits", "wrong"),
    [
        (FieldType.INTEGER, {"min_value": Decimal("0.5")}, "min_value"),
        (FieldType.MONEY, {"min_value": Decimal(-1)}, "min_value"),
        (FieldType.INTEGER, {"min_value": Decimal(0), "default": 101, "max_value": 100}, "default"),
    ],
)
def test_limits_and_defaults_that_do_not_fit_the_kind_are_refused(admin, kind, limits, wrong):
    with pytest.raises(ValidationFailed) as refused:
        save_custom_field(_field(field_type=kind, **limits), actor=admin)

    assert list(refused.value.fields) == [wrong]
    assert not CustomField.objects.exists()


def test_a_field_without_numbers_drops_its_limits(admin):
    field = save_custom_field(
        _field(field_type=FieldType.TEXT, min_value=Decimal(1), max_value=Decimal(9)), actor=admin
    )

    stored = CustomField.objects.get(pk=field.pk)
    assert (stored.min_value, stored.max_value) == (None, None)


def test_the_settings_page_refuses_a_maximum_below_the_minimum(admin_client):
    response = admin_client.post(
        reverse("customization:customfield_create", args=["customer"]),
        {
            "name": "discount",
            "label_zh": "折扣率",
            "label_en": "Discount",
            "field_type": FieldType.DECIMAL,
            "max_length": 255,
            "min_value": "10",
            "max_value": "5",
            "sort_order": 1,
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["max_value"] == [
        "The maximum cannot be less than the minimum."
    ]
    assert not CustomField.objects.exists()


def test_the_settings_page_saves_a_range(admin_client):
    response = admin_client.post(
        reverse("customization:customfield_create", args=["customer"]),
        {
            "name": "discount",
            "label_zh": "折扣率",
            "label_en": "Discount",
            "field_type": FieldType.DECIMAL,
            "max_length": 255,
            "min_value": "0",
            "max_value": "99.5",
            "sort_order": 1,
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    stored = CustomField.objects.get(name="discount")
    assert (stored.min_value, stored.max_value) == (Decimal(0), Decimal("99.5"))
