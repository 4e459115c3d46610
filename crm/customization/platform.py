"""What the customization app hands the platform (`crm.core.extensions.Customization`)."""

from crm.customization.custom_fields import (
    CustomFieldChecker,
    clean_custom_fields,
    dictionary_items,
    fields_for,
    form_field,
    item_labels,
    masked_names,
    to_json,
)
from crm.customization.models import DictionaryItem, SavedSearch
from crm.customization.numbering import take_numbers

__all__ = [
    "CustomFieldChecker",
    "DictionaryItem",
    "SavedSearch",
    "clean_custom_fields",
    "dictionary_items",
    "fields_for",
    "form_field",
    "item_labels",
    "masked_names",
    "take_numbers",
    "to_json",
]
