"""Rules of custom field definitions: key format, fixed key, fixed type once values exist."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.models import ObjectChange
from crm.core.services import save as core_save
from crm.customization.models import CustomField, Dictionary, FieldType
from crm.customization.services import custom_field_has_values, save_custom_field
from crm.org.models import Team

pytestmark = pytest.mark.django_db


def _field(model=Team, **values) -> CustomField:
    values = {
        "name": "grade",
        "label_zh": "等级",
        "label_en": "Grade",
        "field_type": FieldType.TEXT,
        **values,
    }
    return CustomField(content_type=ContentType.objects.get_for_model(model), **values)


@pytest.mark.parametrize("key", ["contract_term", "x", "budget2026", "a1_b2"])
def test_identifier_keys_are_accepted(admin, key):
    field = save_custom_field(_field(name=key), actor=admin)

    assert CustomField.objects.get(pk=field.pk).name == key


@pytest.mark.parametrize(
    "key", ["Grade", "2grade", "_grade", "grade_", "gr__ade", "grade-x", "等级", ""]
)
def test_keys_that_are_not_identifiers_are_refused(admin, key):
    with pytest.raises(ValidationFailed) as refused:
        save_custom_field(_field(name=key), actor=admin)

    assert list(refused.value.fields) == ["name"]
    assert CustomField.objects.count() == 0


def test_a_key_may_not_shadow_a_field_of_the_model(admin):
    with pytest.raises(ValidationFailed) as refused, translation.override("en"):
        save_custom_field(_field(name="leader"), actor=admin)

    assert refused.value.fields == {"name": ["“leader” is already a field of this object type."]}
    assert CustomField.objects.count() == 0


def test_a_key_is_unique_per_object_type(admin):
    save_custom_field(_field(), actor=admin)

    with pytest.raises(ValidationFailed):
        save_custom_field(_field(label_en="Grade again"), actor=admin)

    assert CustomField.objects.count() == 1


def test_the_key_cannot_change_after_creation(admin):
    field = save_custom_field(_field(), actor=admin)
    field.name = "level"

    with pytest.raises(DomainError) as refused:
        save_custom_field(field, actor=admin)

    assert refused.value.code == "custom_field_key_locked"
    stored = CustomField.objects.get(pk=field.pk)
    assert (stored.name, stored.version) == ("grade", 1)


def test_a_choice_field_needs_a_dictionary(admin):
    with pytest.raises(ValidationFailed) as refused:
        save_custom_field(_field(field_type=FieldType.CHOICE), actor=admin)

    assert list(refused.value.fields) == ["dictionary"]
    assert CustomField.objects.count() == 0


def test_a_non_choice_field_drops_its_dictionary(admin):
    field = _field(dictionary=Dictionary.objects.get(code="industry"))

    save_custom_field(field, actor=admin)

    assert CustomField.objects.get(pk=field.pk).dictionary_id is None


def test_a_default_must_be_a_valid_value(admin):
    with pytest.raises(ValidationFailed) as refused:
        save_custom_field(_field(field_type=FieldType.INTEGER, default="many"), actor=admin)

    assert list(refused.value.fields) == ["default"]
    assert CustomField.objects.count() == 0


def test_a_multichoice_default_is_stored_as_a_list_of_codes(admin):
    field = save_custom_field(
        _field(
            field_type=FieldType.MULTICHOICE,
            default="website, referral",
            dictionary=Dictionary.objects.get(code="customer_source"),
        ),
        actor=admin,
    )

    assert CustomField.objects.get(pk=field.pk).default == ["website", "referral"]


def test_the_type_may_change_while_no_record_holds_a_value(admin):
    field = save_custom_field(_field(), actor=admin)
    field.field_type = FieldType.INTEGER

    save_custom_field(field, actor=admin, expected_version=1)

    assert CustomField.objects.get(pk=field.pk).field_type == FieldType.INTEGER


def _record_model():
    # A real business record type with the custom-field column (looked up by label, so the
    # platform does not import a domain app).
    return apps.get_model("customers", "Customer")


def test_the_type_is_fixed_once_a_record_holds_a_value(admin):
    model = _record_model()
    field = save_custom_field(_field(model=model), actor=admin)
    core_save(model(name="苏州精工机械有限公司", custom_field_data={"grade": "金牌"}), actor=admin)
    logged = ObjectChange.objects.count()
    field.field_type = FieldType.INTEGER

    with pytest.raises(DomainError) as refused:
        save_custom_field(field, actor=admin, expected_version=1)

    assert refused.value.code == "custom_field_type_locked"
    stored = CustomField.objects.get(pk=field.pk)
    assert (stored.field_type, stored.version) == (FieldType.TEXT, 1)
    assert ObjectChange.objects.count() == logged


def test_empty_values_do_not_fix_the_type(admin):
    model = _record_model()
    field = save_custom_field(_field(model=model), actor=admin)
    core_save(model(name="苏州精工机械有限公司", custom_field_data={}), actor=admin)
    assert not custom_field_has_values(field)
    field.field_type = FieldType.INTEGER

    save_custom_field(field, actor=admin)

    assert CustomField.objects.get(pk=field.pk).field_type == FieldType.INTEGER


def test_labels_and_flags_may_change_while_values_exist(admin):
    model = _record_model()
    field = save_custom_field(_field(model=model), actor=admin)
    core_save(model(name="苏州精工机械有限公司", custom_field_data={"grade": "金牌"}), actor=admin)
    field.label_en = "Customer grade"
    field.is_active = False

    save_custom_field(field, actor=admin)

    stored = CustomField.objects.get(pk=field.pk)
    assert (stored.label_en, stored.is_active, stored.version) == ("Customer grade", False, 2)


def test_only_administrators_define_custom_fields(member):
    with pytest.raises(AccessDenied):
        save_custom_field(_field(), actor=member)

    assert CustomField.objects.count() == 0


@pytest.mark.parametrize(("stored", "fixed"), [([], False), (["website"], True)])
def test_an_empty_choice_list_does_not_fix_the_type(admin, stored, fixed):
    model = _record_model()
    field = save_custom_field(
        _field(
            model=model,
            field_type=FieldType.MULTICHOICE,
            dictionary=Dictionary.objects.get(code="customer_source"),
        ),
        actor=admin,
    )

    core_save(model(name="苏州精工机械有限公司", custom_field_data={"grade": stored}), actor=admin)

    assert custom_field_has_values(field) is fixed
