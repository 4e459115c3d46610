"""Fixtures the platform's import tests share."""

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.customers.models import Customer
from crm.customization.models import CustomField, Dictionary, DictionaryItem, FieldType


@pytest.fixture
def channels(db):
    """A multi-choice custom field of customers, 获客渠道, on its own dictionary."""
    dictionary = Dictionary.objects.create(code="channel", name_zh="渠道", name_en="Channel")
    for code, zh, en in (("expo", "展会", "Trade show"), ("referral", "客户介绍", "Referral")):
        DictionaryItem.objects.create(dictionary=dictionary, code=code, label_zh=zh, label_en=en)
    CustomField.objects.create(
        content_type=ContentType.objects.get_for_model(Customer),
        name="channels",
        label_zh="获客渠道",
        label_en="Channels",
        field_type=FieldType.MULTICHOICE,
        dictionary=dictionary,
    )
    return dictionary
