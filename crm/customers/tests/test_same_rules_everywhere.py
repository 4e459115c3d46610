"""A customer's and a contact's field rules (phone shape, a money amount not below zero,
the credit code with its check digit) hold the same in the form, the API and imports:
the same bad values are refused on each path with the field named, and nothing is written."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import translation

from crm.core.models import ObjectChange
from crm.core.tests.test_imports import csv_file, errors_of, run, summary
from crm.core.validators import validate_credit_code, validate_phone
from crm.customers.models import Contact, Customer
from crm.customers.tests.test_battery import make_customer
from crm.customization.models import CustomField

pytestmark = pytest.mark.django_db
ENGLISH = {"Accept-Language": "en"}
BAD_PHONE = "138-abc-12"
NEGATIVE = "-5"
WRONG_CHECK_DIGIT = "91310000MA1FL1234X"  # 91310000MA1FL1234Q is valid


@pytest.fixture(autouse=True)
def english_and_annual_purchase(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="annual_purchase",
        label_zh="年采购额",
        label_en="Annual purchase",
        field_type="money",
    )
    with translation.override("en"):
        yield


def nothing_written():
    assert not Customer.all_objects.exists()
    assert not ObjectChange.objects.exists()


def test_the_form_refuses_each_bad_value_on_its_field(alice, client_for):
    response = client_for(alice).post(
        "/customers/new/",
        {
            "name": "星海集团",
            "customer_type": "end",
            "status": "potential",
            "phone": BAD_PHONE,
            "credit_code": WRONG_CHECK_DIGIT,
            "cf_annual_purchase": NEGATIVE,
        },
    )
    errors = response.context["form"].errors
    assert errors["phone"] == ["Enter a valid phone number."]
    assert errors["cf_annual_purchase"] == ["An amount cannot be negative."]
    assert "check digit" in errors["credit_code"][0]
    nothing_written()


def test_the_api_refuses_each_bad_value_on_its_field(alice, api_for):
    api = api_for(alice)
    created = api.post(
        "/api/v1/customers/",
        {
            "name": "星海集团",
            "phone": BAD_PHONE,
            "credit_code": WRONG_CHECK_DIGIT,
            "custom_fields": {"annual_purchase": NEGATIVE},
        },
        headers=ENGLISH,
    )
    assert created.status_code == 422
    fields = created.json()["fields"]
    assert fields["phone"] == ["Enter a valid phone number."]
    assert fields["custom_fields.annual_purchase"] == ["An amount cannot be negative."]
    assert "check digit" in fields["credit_code"][0]
    nothing_written()


def test_a_patch_through_the_api_is_refused_and_changes_nothing(alice, api_for):
    customer = make_customer(alice, name="星海集团", phone="0755-86072000")
    changes = ObjectChange.objects.count()
    api = api_for(alice)
    for sent in ({"phone": BAD_PHONE}, {"custom_fields": {"annual_purchase": "-1"}}):
        response = api.patch(f"/api/v1/customers/{customer.pk}/", {**sent, "version": 1})
        assert response.status_code == 422, sent
    customer.refresh_from_db()
    assert (customer.phone, customer.custom_field_data.get("annual_purchase")) == (
        "0755-86072000",
        None,
    )
    assert customer.version == 1 and ObjectChange.objects.count() == changes


def test_an_import_refuses_each_bad_value_in_its_column(alice):
    upload = csv_file(
        [
            ["Customer name", "Phone", "Unified social credit code", "Annual purchase"],
            ["星海集团", BAD_PHONE, "", ""],
            ["华东精密", "", "", "-1"],
            ["苏州机械", "", WRONG_CHECK_DIGIT, ""],
        ]
    )
    job = run(alice, upload)
    assert job.summary == summary(failed=3)
    errors = errors_of(job)
    assert "Enter a valid phone number." in errors[2]
    assert "An amount cannot be negative." in errors[3]
    assert "check digit" in errors[4]
    nothing_written()


def test_a_contact_s_mobile_is_refused_in_the_api_too(alice, api_for):
    customer = make_customer(alice, name="星海集团")
    response = api_for(alice).post(
        "/api/v1/contacts/",
        {"customer": customer.pk, "name": "王芳", "mobile": BAD_PHONE},
        headers=ENGLISH,
    )
    assert response.status_code == 422
    assert response.json()["fields"] == {"mobile": ["Enter a valid phone number."]}
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9131000MA1FL1234Q", "A unified social credit code has 18 characters; this one has 17."),
        (
            "91310000MA1FL1234I",
            "A unified social credit code has only digits and capital letters other than "
            "I, O, S, V and Z.",
        ),
        (
            WRONG_CHECK_DIGIT,
            "The check digit (the last character) of this unified social credit code is "
            "wrong: check the code for a typing error.",
        ),
    ],
)
def test_the_credit_code_says_what_is_wrong(value, message):
    with pytest.raises(ValidationError) as refused:
        validate_credit_code(value)
    assert refused.value.messages == [message]


def test_the_credit_code_messages_are_in_chinese_too():
    wanted = "统一社会信用代码的校验位（最后一位）不正确，请检查是否输错。"
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as refused:
            validate_credit_code(WRONG_CHECK_DIGIT)
        assert refused.value.messages == [wanted]


@pytest.mark.parametrize("value", ["138-abc-12", "1-800-FLOWERS", "0755-8607abcd"])
def test_letters_are_not_read_as_keypad_digits(value):
    with pytest.raises(ValidationError):
        validate_phone(value)
