"""Custom field definitions and dictionary items are read from a per-process copy, which
a committed change renews in every process and a rolled-back one never touches."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction

from crm.core import kept
from crm.customization.custom_fields import dictionary_items, fields_for
from crm.customization.models import CustomField, Dictionary, DictionaryItem, FieldType
from crm.customization.services import save_custom_field, save_dictionary_item
from crm.org.models import Team

pytestmark = pytest.mark.django_db


def _field(name: str) -> CustomField:
    return CustomField(
        content_type=ContentType.objects.get_for_model(Team),
        name=name,
        label_zh="区域",
        label_en="Zone",
        field_type=FieldType.TEXT,
    )


def names() -> list[str]:
    return [f.name for f in fields_for(Team)]


def test_the_copy_answers_without_a_query(django_assert_num_queries):
    names()
    dictionary_items()
    with django_assert_num_queries(0):
        names()
        dictionary_items()


def test_a_committed_change_reaches_every_process(admin, django_capture_on_commit_callbacks):
    before = names()  # this process's copy, as every other process holds one
    stamp = cache.get(kept.STAMP_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        save_custom_field(_field("zone"), actor=admin)
    assert cache.get(kept.STAMP_KEY) != stamp
    assert names() == [*before, "zone"]


def test_inside_the_changing_transaction_reads_are_fresh_and_a_rollback_leaves_no_copy(admin):
    before = names()
    items_before = set(dictionary_items())
    dictionary = Dictionary.objects.get(code="customer_level")
    with pytest.raises(RuntimeError), transaction.atomic():
        save_custom_field(_field("zone"), actor=admin)
        item = save_dictionary_item(
            DictionaryItem(dictionary=dictionary, label_zh="钻石", label_en="Diamond"), actor=admin
        )
        assert names() == [*before, "zone"]
        assert item.pk in dictionary_items()
        raise RuntimeError("roll back")
    assert names() == before
    assert set(dictionary_items()) == items_before
