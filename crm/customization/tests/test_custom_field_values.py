"""`clean_custom_fields`: every field type with a good and a bad value."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from crm.customization.custom_fields import clean_custom_fields
from crm.customization.models import CustomField, Dictionary, DictionaryItem, FieldType
from crm.customization.services import save_custom_field
from crm.org.models import Team

pytestmark = pytest.mark.django_db

# Team stands in for any object type: custom fields are keyed by content type.
MODEL = Team


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def define(admin):
    """Define one custom field on MODEL: define("grade", FieldType.TEXT, max_length=10)."""

    def make(name: str, field_type: str, **extra) -> CustomField:
        if field_type in {FieldType.CHOICE, FieldType.MULTICHOICE}:
            extra.setdefault("dictionary", Dictionary.objects.get(code="customer_source"))
        return save_custom_field(
            CustomField(
                content_type=ContentType.objects.get_for_model(MODEL),
                name=name,
                label_zh=name,
                label_en=name,
                field_type=field_type,
                **extra,
            ),
            actor=admin,
        )

    return make


def _clean(data):
    return clean_custom_fields(MODEL, data)


GOOD = [
    (FieldType.TEXT, "蓝色客户", "蓝色客户"),
    (FieldType.LONGTEXT, "第一行\n第二行", "第一行\n第二行"),
    (FieldType.INTEGER, "42", 42),
    (FieldType.DECIMAL, "3.141593", "3.141593"),
    (FieldType.MONEY, "1999.90", "1999.90"),
    (FieldType.DATE, "2026-03-05", "2026-03-05"),
    (FieldType.DATETIME, "2026-03-05T09:30", "2026-03-05T09:30:00+08:00"),
    (FieldType.BOOLEAN, "是", True),
    (FieldType.CHOICE, "trade_show", "trade_show"),
    (FieldType.MULTICHOICE, ["website", "referral"], ["website", "referral"]),
    (FieldType.URL, "https://example.com/catalogue", "https://example.com/catalogue"),
    (FieldType.EMAIL, "buyer@example.cn", "buyer@example.cn"),
    (FieldType.PHONE, "13800138000", "13800138000"),
]


@pytest.mark.parametrize(("field_type", "raw", "stored"), GOOD)
def test_a_good_value_is_stored_in_its_json_form(define, field_type, raw, stored):
    define("extra", field_type)

    assert _clean({"extra": raw}) == ({"extra": stored}, {})


BAD = [
    (FieldType.TEXT, "x" * 11, "Ensure this value has at most 10 characters (it has 11)."),
    (
        FieldType.LONGTEXT,
        "x" * 10001,
        "Ensure this value has at most 10000 characters (it has 10001).",
    ),
    (FieldType.INTEGER, "4.5", "Enter a whole number."),
    (FieldType.DECIMAL, "three", "Enter a number."),
    (FieldType.MONEY, "12.345", "Ensure that there are no more than 2 decimal places."),
    (FieldType.DATE, "2026-02-30", "Enter a valid date."),
    (FieldType.DATETIME, "yesterday", "Enter a valid date/time."),
    (
        FieldType.CHOICE,
        "steel",
        "Select a valid choice. steel is not one of the available choices.",
    ),
    (
        FieldType.MULTICHOICE,
        ["website", "pigeon"],
        "Select a valid choice. pigeon is not one of the available choices.",
    ),
    (FieldType.URL, "not a link", "Enter a valid URL."),
    (FieldType.EMAIL, "buyer@", "Enter a valid email address."),
    (FieldType.PHONE, "12", "Enter a valid phone number."),
]


@pytest.mark.parametrize(("field_type", "raw", "message"), BAD)
def test_a_bad_value_is_refused_with_its_message(define, field_type, raw, message):
    define("extra", field_type, max_length=10 if field_type == FieldType.TEXT else 255)

    cleaned, errors = _clean({"extra": raw})

    assert errors == {"extra": [message]}
    assert "extra" not in cleaned


def test_a_user_field_takes_the_id_of_an_active_user(define, member):
    define("handler", FieldType.USER)

    assert _clean({"handler": member.pk}) == ({"handler": member.pk}, {})
    assert _clean({"handler": member.pk + 1000})[1] == {
        "handler": ["Select a valid choice. That choice is not one of the available choices."]
    }


def test_a_boolean_reads_words_and_is_never_missing(define):
    define("vip", FieldType.BOOLEAN)

    assert _clean({"vip": "false"}) == ({"vip": False}, {})
    assert _clean({"vip": "yes"}) == ({"vip": True}, {})
    assert _clean({}) == ({"vip": False}, {})


def test_a_deactivated_dictionary_item_is_no_longer_a_valid_choice(define):
    define("source", FieldType.CHOICE)
    DictionaryItem.objects.filter(dictionary__code="customer_source", code="advertising").update(
        is_active=False
    )

    assert _clean({"source": "advertising"})[1] == {
        "source": ["Select a valid choice. advertising is not one of the available choices."]
    }


def test_a_required_field_must_have_a_value(define):
    define("grade", FieldType.TEXT, required=True)

    assert _clean({"grade": ""}) == ({}, {"grade": ["This field is required."]})
    assert _clean({}) == ({}, {"grade": ["This field is required."]})


def test_a_missing_value_takes_the_default(define):
    define("grade", FieldType.INTEGER, default="3")

    assert _clean({}) == ({"grade": 3}, {})
    assert _clean({"grade": 5}) == ({"grade": 5}, {})


def test_an_empty_optional_value_is_stored_as_null(define):
    define("grade", FieldType.TEXT)

    assert _clean({"grade": ""}) == ({"grade": None}, {})


def test_an_unknown_key_is_an_error(define):
    define("grade", FieldType.TEXT)

    assert _clean({"colour": "red"}) == (
        {"grade": None},
        {"colour": ["There is no custom field named “colour”."]},
    )


def test_values_of_a_deactivated_field_are_kept_as_they_were(define, admin):
    field = define("legacy", FieldType.INTEGER)
    field.is_active = False
    save_custom_field(field, actor=admin)

    assert _clean({"legacy": "not even a number"}) == ({"legacy": "not even a number"}, {})
