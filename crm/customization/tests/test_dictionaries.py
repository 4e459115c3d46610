"""Dictionary and item rules: fixed codes, order, deactivation."""

from __future__ import annotations

import pytest

from crm.core.errors import AccessDenied, DomainError
from crm.customization.models import Dictionary, DictionaryItem
from crm.customization.services import (
    move_dictionary_item,
    reorder_dictionary_items,
    save_dictionary,
    save_dictionary_item,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def colours(admin):
    dictionary = save_dictionary(
        Dictionary(code="colour", name_zh="颜色", name_en="Colour"), actor=admin
    )
    for zh, en in (("红", "Red"), ("绿", "Green"), ("蓝", "Blue")):
        save_dictionary_item(
            DictionaryItem(dictionary=dictionary, label_zh=zh, label_en=en), actor=admin
        )
    return dictionary


def _order(dictionary):
    return list(dictionary.items.order_by("sort_order", "id").values_list("code", "sort_order"))


def test_new_items_get_a_code_from_their_english_label_and_go_last(colours):
    assert _order(colours) == [("red", 1), ("green", 2), ("blue", 3)]


def test_a_derived_code_that_is_taken_gets_a_suffix(colours, admin):
    item = save_dictionary_item(
        DictionaryItem(dictionary=colours, label_zh="深红", label_en="Red"), actor=admin
    )

    assert item.code == "red_2"


def test_moving_an_item_up_swaps_it_with_the_one_above(colours, admin):
    blue = colours.items.get(code="blue")

    move_dictionary_item(blue, actor=admin, offset=-1)

    assert _order(colours) == [("red", 1), ("blue", 2), ("green", 3)]


def test_moving_the_first_item_up_changes_nothing(colours, admin):
    red = colours.items.get(code="red")

    move_dictionary_item(red, actor=admin, offset=-1)

    assert _order(colours) == [("red", 1), ("green", 2), ("blue", 3)]
    assert colours.items.get(code="red").version == 1


def test_reordering_puts_the_named_items_first(colours, admin):
    ids = dict(colours.items.values_list("code", "pk"))

    reorder_dictionary_items(colours, [ids["blue"], ids["red"]], actor=admin)

    assert _order(colours) == [("blue", 1), ("red", 2), ("green", 3)]


def test_a_plain_user_cannot_reorder(colours, member):
    blue = colours.items.get(code="blue")

    with pytest.raises(AccessDenied):
        move_dictionary_item(blue, actor=member, offset=-1)

    assert _order(colours) == [("red", 1), ("green", 2), ("blue", 3)]


def test_an_item_code_cannot_change(colours, admin):
    red = colours.items.get(code="red")
    red.code = "crimson"

    with pytest.raises(DomainError) as refused:
        save_dictionary_item(red, actor=admin)

    assert refused.value.code == "dictionary_item_code_locked"
    assert colours.items.filter(code="red").count() == 1


def test_a_dictionary_code_cannot_change(admin):
    industry = Dictionary.objects.get(code="industry")
    industry.code = "sector"

    with pytest.raises(DomainError) as refused:
        save_dictionary(industry, actor=admin)

    assert refused.value.code == "dictionary_code_locked"
    assert Dictionary.objects.filter(code="industry").exists()


def test_a_deactivated_item_stays_but_is_marked_inactive(colours, admin):
    green = colours.items.get(code="green")
    green.is_active = False

    save_dictionary_item(green, actor=admin)

    assert list(colours.items.filter(is_active=True).values_list("code", flat=True)) == [
        "red",
        "blue",
    ]
    assert colours.items.count() == 3
