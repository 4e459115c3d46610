"""A yes/no custom field's default reads on its edit form as users type it: Yes/No, 是/否."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm.customization.models import CustomField, FieldType
from crm.customization.services import save_custom_field

pytestmark = pytest.mark.django_db


@pytest.fixture
def vip(object_type, admin):
    return save_custom_field(
        CustomField(
            content_type=ContentType.objects.get_for_model(object_type.model),
            name="vip",
            label_zh="贵宾",
            label_en="VIP",
            field_type=FieldType.BOOLEAN,
            default="true",
        ),
        actor=admin,
    )


def _shown_default(client, field) -> str:
    """The default value in the edit form's box, as the page sends it."""
    page = client.get(reverse("customization:customfield_edit", args=[field.pk]))
    return re.search(r'name="default" value="([^"]*)"', page.content.decode()).group(1)


def _edit(client, field, default: str):
    return client.post(
        reverse("customization:customfield_edit", args=[field.pk]),
        {
            "label_zh": field.label_zh,
            "label_en": field.label_en,
            "field_type": field.field_type,
            "default": default,
            "max_length": field.max_length,
            "sort_order": field.sort_order,
            "is_active": "on",
            "version": field.version,
        },
    )


@pytest.mark.parametrize(("language", "yes", "no"), [("en", "Yes", "No"), ("zh-hans", "是", "否")])
def test_a_yes_no_default_shows_as_typed_and_saves_back_unchanged(
    admin_client, admin, vip, language, yes, no
):
    admin.language = language
    admin.save(update_fields=["language"])

    shown = _shown_default(admin_client, vip)
    _edit(admin_client, vip, shown)
    kept = CustomField.objects.get(pk=vip.pk)
    _edit(admin_client, kept, no)
    turned_off = CustomField.objects.get(pk=vip.pk)
    shown_off = _shown_default(admin_client, turned_off)

    assert (shown, kept.default, kept.version) == (yes, True, 2)
    assert (turned_off.default, shown_off) == (False, no)


def test_a_yes_no_default_still_takes_true_and_false(admin_client, vip):
    _edit(admin_client, vip, "false")
    turned_off = CustomField.objects.get(pk=vip.pk)
    _edit(admin_client, turned_off, "true")

    assert (turned_off.default, CustomField.objects.get(pk=vip.pk).default) == (False, True)
