"""The settings pages: administrators change configuration, everyone else reads or gets 403."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm.core.models import ObjectChange
from crm.customization.models import (
    CustomField,
    Dictionary,
    DictionaryItem,
    FieldType,
    NumberingRule,
)
from crm.customization.services import save_custom_field

pytestmark = pytest.mark.django_db


def _industry():
    return Dictionary.objects.get(code="industry")


def test_the_dictionary_list_shows_the_presets_to_everyone(member_client):
    response = member_client.get(reverse("customization:dictionary_list"))

    assert response.status_code == 200
    assert [d.code for d in response.context["dictionaries"]][:1] == ["contact_role"]
    assert len(response.context["dictionaries"]) == Dictionary.objects.count()
    assert reverse("customization:dictionary_create").encode() not in response.content


def test_a_dictionary_shows_its_items_in_order(member_client):
    response = member_client.get(reverse("customization:dictionary_detail", args=[_industry().pk]))

    assert response.status_code == 200
    assert [i.code for i in response.context["items"]][:3] == [
        "manufacturing",
        "wholesale_retail",
        "software_it",
    ]
    assert response.context["can_edit"] is False


def test_an_administrator_adds_a_dictionary(admin_client, admin):
    response = admin_client.post(
        reverse("customization:dictionary_create"),
        {
            "code": "payment_term",
            "name_zh": "付款方式",
            "name_en": "Payment terms",
        },
    )

    created = Dictionary.objects.get(code="payment_term")
    assert response.status_code == 302
    assert response.url == reverse("customization:dictionary_detail", args=[created.pk])
    assert (created.name_zh, created.is_system, created.created_by) == ("付款方式", False, admin)
    assert ObjectChange.objects.filter(object_id=created.pk, action="create").count() == 1


def test_a_plain_user_cannot_add_a_dictionary(member_client):
    before = Dictionary.objects.count()

    page = member_client.get(reverse("customization:dictionary_create"))
    response = member_client.post(
        reverse("customization:dictionary_create"),
        {
            "code": "payment_term",
            "name_zh": "付款方式",
            "name_en": "Payment terms",
        },
    )

    assert (page.status_code, response.status_code) == (403, 403)
    assert Dictionary.objects.count() == before
    assert ObjectChange.objects.count() == 0


def test_a_dictionary_form_shows_errors_next_to_the_field(admin_client):
    response = admin_client.post(
        reverse("customization:dictionary_create"),
        {
            "code": "industry",
            "name_zh": "",
            "name_en": "Industry",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"code", "name_zh"}
    assert b"invalid-feedback" in response.content


def test_an_administrator_adds_an_item_that_goes_last(admin_client):
    industry = _industry()
    count = industry.items.count()

    response = admin_client.post(
        reverse("customization:dictionaryitem_create", args=[industry.pk]),
        {"code": "", "label_zh": "新能源", "label_en": "New energy", "is_active": "on"},
    )

    assert response.status_code == 302
    item = industry.items.get(code="new_energy")
    assert (item.label_zh, item.sort_order, item.is_active) == ("新能源", count + 1, True)


def test_a_plain_user_cannot_add_an_item(member_client):
    industry = _industry()
    count = industry.items.count()

    response = member_client.post(
        reverse("customization:dictionaryitem_create", args=[industry.pk]),
        {"label_zh": "新能源", "label_en": "New energy"},
    )

    assert response.status_code == 403
    assert industry.items.count() == count


def test_an_item_moves_up_with_the_button(admin_client):
    industry = _industry()
    software = industry.items.get(code="software_it")

    response = admin_client.post(
        reverse("customization:dictionaryitem_move", args=[software.pk, "up"])
    )

    assert response.status_code == 302
    assert list(industry.items.order_by("sort_order").values_list("code", flat=True))[:3] == [
        "manufacturing",
        "software_it",
        "wholesale_retail",
    ]


def test_a_plain_user_cannot_move_an_item(member_client):
    industry = _industry()
    software = industry.items.get(code="software_it")

    response = member_client.post(
        reverse("customization:dictionaryitem_move", args=[software.pk, "up"])
    )

    assert response.status_code == 403
    assert DictionaryItem.objects.get(pk=software.pk).sort_order == 3


def test_an_item_is_deactivated_and_reactivated(admin_client):
    item = _industry().items.get(code="energy")
    url = reverse("customization:dictionaryitem_toggle", args=[item.pk])

    admin_client.post(url)
    assert DictionaryItem.objects.get(pk=item.pk).is_active is False
    admin_client.post(url)
    assert DictionaryItem.objects.get(pk=item.pk).is_active is True


def test_an_item_code_is_read_only_on_the_edit_form(admin_client):
    item = _industry().items.get(code="energy")

    response = admin_client.post(
        reverse("customization:dictionaryitem_edit", args=[item.pk]),
        {
            "code": "power",
            "label_zh": "电力",
            "label_en": "Power",
            "is_active": "on",
            "version": item.version,
        },
    )

    assert response.status_code == 302
    stored = DictionaryItem.objects.get(pk=item.pk)
    assert (stored.code, stored.label_zh, stored.version) == ("energy", "电力", 2)


def test_a_stale_item_edit_shows_a_conflict_and_keeps_the_newer_value(admin_client):
    item = _industry().items.get(code="energy")
    url = reverse("customization:dictionaryitem_edit", args=[item.pk])
    data = {"label_zh": "能源", "label_en": "Energy", "is_active": "on", "version": 1}
    admin_client.post(url, {**data, "label_zh": "电力"})

    response = admin_client.post(url, {**data, "label_zh": "能源电力行业"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert DictionaryItem.objects.get(pk=item.pk).label_zh == "电力"


def test_the_custom_field_pages_list_the_registered_types(admin_client, object_type):
    response = admin_client.get(reverse("customization:customfield_list"))

    assert response.status_code == 200
    assert [row["type"].key for row in response.context["rows"]].count(object_type.key) == 1


def test_an_administrator_adds_a_custom_field(admin_client, object_type, admin):
    response = admin_client.post(
        reverse("customization:customfield_create", args=[object_type.key]),
        {
            "name": "region_code",
            "label_zh": "区域",
            "label_en": "Region",
            "field_type": FieldType.CHOICE,
            "dictionary": Dictionary.objects.get(code="region").pk,
            "required": "",
            "default": "east",
            "help_text": "",
            "max_length": 255,
            "sort_order": 1,
            "show_in_list": "on",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    assert response.url == reverse("customization:customfield_type_list", args=[object_type.key])
    field = CustomField.objects.get(name="region_code")
    assert (field.content_type.model_class(), field.field_type, field.default) == (
        object_type.model,
        FieldType.CHOICE,
        "east",
    )


def test_a_bad_custom_field_key_is_shown_next_to_the_field(admin_client, object_type):
    response = admin_client.post(
        reverse("customization:customfield_create", args=[object_type.key]),
        {
            "name": "Region-Code",
            "label_zh": "区域",
            "label_en": "Region",
            "field_type": FieldType.TEXT,
            "max_length": 255,
            "sort_order": 1,
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["name"]
    assert CustomField.objects.count() == 0


def test_a_plain_user_sees_custom_fields_but_cannot_add_one(member_client, object_type):
    listing = member_client.get(
        reverse("customization:customfield_type_list", args=[object_type.key])
    )
    response = member_client.post(
        reverse("customization:customfield_create", args=[object_type.key]),
        {
            "name": "region_code",
            "label_zh": "区域",
            "label_en": "Region",
            "field_type": FieldType.TEXT,
            "max_length": 255,
            "sort_order": 1,
        },
    )

    assert (listing.status_code, response.status_code) == (200, 403)
    assert CustomField.objects.count() == 0


def test_a_plain_user_cannot_edit_a_custom_field(member_client, object_type, admin):
    field = save_custom_field(
        CustomField(
            content_type=ContentType.objects.get_for_model(object_type.model),
            name="grade",
            label_zh="等级",
            label_en="Grade",
            field_type=FieldType.TEXT,
        ),
        actor=admin,
    )

    response = member_client.post(
        reverse("customization:customfield_edit", args=[field.pk]),
        {
            "label_zh": "级别",
            "label_en": "Grade",
            "field_type": FieldType.INTEGER,
            "max_length": 255,
            "sort_order": 1,
            "version": 1,
        },
    )

    assert response.status_code == 403
    stored = CustomField.objects.get(pk=field.pk)
    assert (stored.label_zh, stored.field_type, stored.version) == ("等级", FieldType.TEXT, 1)


def test_an_unknown_object_type_is_not_found(admin_client):
    response = admin_client.get(reverse("customization:customfield_type_list", args=["spaceship"]))

    assert response.status_code == 404


def test_an_administrator_sets_up_numbering_with_a_preview(admin_client, object_type):
    url = reverse("customization:numberingrule_edit", args=[object_type.key])
    preview = admin_client.get(
        reverse("customization:numberingrule_preview", args=[object_type.key]),
        {"prefix": "TM", "date_part": "", "width": 3, "reset": "never", "is_active": "on"},
    )

    response = admin_client.post(
        url, {"prefix": "TM", "date_part": "", "width": 3, "reset": "never", "is_active": "on"}
    )

    assert preview.content == b"<code>TM001</code>"
    assert response.status_code == 302
    rule = NumberingRule.objects.get(
        content_type=ContentType.objects.get_for_model(object_type.model)
    )
    assert (rule.prefix, rule.width, rule.reset) == ("TM", 3, "never")


def test_a_numbering_rule_that_would_repeat_numbers_is_refused_on_the_form(
    admin_client, object_type
):
    response = admin_client.post(
        reverse("customization:numberingrule_edit", args=[object_type.key]),
        {"prefix": "TM", "date_part": "", "width": 3, "reset": "yearly", "is_active": "on"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["date_part"]
    assert NumberingRule.objects.count() == 0


def test_a_plain_user_reads_numbering_but_cannot_change_it(member_client, object_type):
    listing = member_client.get(reverse("customization:numberingrule_list"))
    response = member_client.post(
        reverse("customization:numberingrule_edit", args=[object_type.key]),
        {"prefix": "TM", "date_part": "", "width": 3, "reset": "never", "is_active": "on"},
    )

    assert (listing.status_code, response.status_code) == (200, 403)
    assert NumberingRule.objects.count() == 0


def test_settings_need_a_signed_in_user(client):
    response = client.get(reverse("customization:dictionary_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_every_settings_page_renders_for_an_administrator(admin_client, admin, object_type):
    field = save_custom_field(
        CustomField(
            content_type=ContentType.objects.get_for_model(object_type.model),
            name="grade",
            label_zh="等级",
            label_en="Grade",
            field_type=FieldType.TEXT,
        ),
        actor=admin,
    )
    admin_client.post(
        reverse("customization:numberingrule_edit", args=[object_type.key]),
        {"prefix": "TM", "date_part": "%Y", "width": 3, "reset": "yearly", "is_active": "on"},
    )
    industry = _industry()
    urls = [
        reverse("customization:index"),
        reverse("customization:dictionary_list"),
        reverse("customization:dictionary_create"),
        reverse("customization:dictionary_detail", args=[industry.pk]),
        reverse("customization:dictionary_edit", args=[industry.pk]),
        reverse("customization:dictionaryitem_create", args=[industry.pk]),
        reverse("customization:dictionaryitem_edit", args=[industry.items.first().pk]),
        reverse("customization:customfield_list"),
        reverse("customization:customfield_type_list", args=[object_type.key]),
        reverse("customization:customfield_create", args=[object_type.key]),
        reverse("customization:customfield_edit", args=[field.pk]),
        reverse("customization:numberingrule_list"),
        reverse("customization:numberingrule_edit", args=[object_type.key]),
    ]

    statuses = {url: admin_client.get(url).status_code for url in urls}

    assert statuses == dict.fromkeys(urls, 200)
    assert NumberingRule.objects.get().prefix == "TM"


def test_the_settings_pages_speak_chinese_to_a_chinese_user(member_client, member):
    member.language = "zh-hans"
    member.save(update_fields=["language"])

    response = member_client.get(reverse("customization:dictionary_list"))

    content = response.content.decode()
    assert "<title>数据字典" in content
    assert "客户来源" in content
