"""The preset dictionaries the data migration installs."""

from __future__ import annotations

import pytest
from django.utils import translation

from crm.customization.models import Dictionary, DictionaryItem

pytestmark = pytest.mark.django_db

PRESET_CODES = {
    "industry",
    "customer_category",
    "customer_level",
    "customer_source",
    "region",
    "contact_role",
    "lost_reason",
    "lead_invalid_reason",  # the sales app's
    "product_unit",  # the catalogue's
    "payment_method",  # the orders app's
}


def test_every_preset_dictionary_is_installed_as_a_system_dictionary():
    presets = Dictionary.objects.filter(is_system=True)

    assert set(presets.values_list("code", flat=True)) == PRESET_CODES


def test_each_preset_has_between_6_and_15_items_labelled_in_both_languages():
    for dictionary in Dictionary.objects.filter(is_system=True):
        items = list(dictionary.items.all())
        assert 6 <= len(items) <= 15, dictionary.code
        assert all(i.label_zh and i.label_en and i.is_active for i in items), dictionary.code
        assert [i.sort_order for i in items] == list(range(1, len(items) + 1)), dictionary.code


def test_contact_roles_are_the_buying_roles():
    items = DictionaryItem.objects.filter(dictionary__code="contact_role")

    assert list(items.values_list("code", "label_zh", "label_en")) == [
        ("decision_maker", "决策者", "Decision maker"),
        ("buyer", "采购", "Buyer"),
        ("user", "使用者", "User"),
        ("influencer", "影响者", "Influencer"),
        ("technical_evaluator", "技术评估", "Technical evaluator"),
        ("other", "其他", "Other"),
    ]


def test_regions_cover_the_seven_chinese_sales_regions():
    labels = set(
        DictionaryItem.objects.filter(dictionary__code="region").values_list("label_zh", flat=True)
    )

    assert {"华东", "华南", "华北", "华中", "西南", "西北", "东北"} <= labels


def test_labels_follow_the_active_language():
    item = DictionaryItem.objects.get(dictionary__code="customer_source", code="trade_show")
    dictionary = item.dictionary

    with translation.override("zh-hans"):
        assert (str(dictionary), item.label) == ("客户来源", "展会")
    with translation.override("en"):
        assert (str(dictionary), item.label) == ("Customer source", "Trade show")
