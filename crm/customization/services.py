"""Rules of the configuration pages: dictionaries, custom fields and numbering rules.

Plain edits go through the core write path (validation, version, change log, admin-only
access for configuration rows); the functions here add the rules that span rows or time.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Max
from django.db.models.fields.json import KeyTransform
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.core import access
from crm.core.errors import AccessDenied, DomainError, ValidationFailed
from crm.core.services import save as core_save
from crm.customization.custom_fields import RANGED_KINDS, form_field, to_json
from crm.customization.models import (
    CustomField,
    DatePart,
    Dictionary,
    DictionaryItem,
    FieldType,
    NumberingRule,
    ResetPeriod,
)

# Lowercase letters and digits, single underscores between them, starting with a letter:
# safe as a JSON key, an API attribute, an import header and a `cf__<key>` filter name.
CUSTOM_FIELD_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTICHOICE})
_TRUE_WORDS = {"1", "true", "yes", "on", "是"}


def _require_editable(model, actor) -> None:
    # Configuration rows: whoever may create them may rearrange them (administrators).
    if not access.can_create(actor, model):
        raise AccessDenied(_("Only administrators may change the settings."))


def custom_field_has_values(field: CustomField) -> bool:
    """Whether any record (recycle bin included) holds a non-empty value for this field."""
    model = field.content_type.model_class()
    if model is None:
        return False
    try:
        model._meta.get_field("custom_field_data")
    except FieldDoesNotExist:
        return False
    value = KeyTransform(field.name, "custom_field_data")
    return (
        model._base_manager.annotate(_cf_value=value)
        .filter(_cf_value__isnull=False)  # the key is present ...
        .exclude(_cf_value=None)  # ... and not JSON null, "" or []
        .exclude(_cf_value="")
        .exclude(_cf_value=[])
        .exists()
    )


def _clean_default(field: CustomField):
    """The field's default as stored JSON; raises ValidationError when it is not a valid value."""
    raw = field.default
    if raw is None or raw == "" or raw == []:
        return None
    if field.field_type == FieldType.MULTICHOICE and isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if field.field_type == FieldType.BOOLEAN and isinstance(raw, str):
        raw = raw.strip().lower() in _TRUE_WORDS
    probe = copy.copy(field)
    probe.required = False
    return to_json(form_field(probe).clean(raw))


def _range_errors(field: CustomField) -> dict[str, list[str]]:
    """What is wrong with a field's minimum and maximum; kinds without a range lose theirs."""
    if field.field_type not in RANGED_KINDS:
        field.min_value = field.max_value = None
        return {}
    errors: dict[str, list[str]] = {}
    for name in ("min_value", "max_value"):
        try:
            limit = CustomField._meta.get_field(name).to_python(getattr(field, name))
        except ValidationError as exc:
            errors[name] = list(exc.messages)
            continue
        setattr(field, name, limit)
        if limit is None:
            continue
        if field.field_type == FieldType.INTEGER and limit != limit.to_integral_value():
            errors[name] = [_("An integer field's limits are whole numbers.")]
        elif field.field_type == FieldType.MONEY and limit < 0:
            errors[name] = [_("An amount cannot be negative.")]
    low, high = field.min_value, field.max_value
    if low is not None and high is not None and high < low and not errors:
        errors["max_value"] = [_("The maximum cannot be less than the minimum.")]
    return errors


@transaction.atomic
def save_custom_field(
    field: CustomField, *, actor, expected_version: int | None = None
) -> CustomField:
    """Create or update a custom field definition.

    The key (`name`) must be an identifier (lowercase letters, digits and single
    underscores, starting with a letter), may not shadow a field of the model, and with the
    object type it cannot change after creation. Choice types need a dictionary (others
    lose theirs). Numbers and money may have a minimum and a maximum, the maximum not below
    the minimum (other types lose theirs). The default must be a valid value of the field,
    within its range. Once any record holds a value, the type and the dictionary are fixed.

    Raises DomainError "custom_field_key_locked", "custom_field_type_locked", and
    ValidationFailed / AccessDenied / StaleVersion. Nothing is written on error.
    """
    creating = field._state.adding
    if not creating:
        current = CustomField.objects.select_for_update().get(pk=field.pk)
        if field.name != current.name or field.content_type_id != current.content_type_id:
            raise DomainError(
                "custom_field_key_locked",
                _(
                    "The key and object type of a custom field cannot change after it is "
                    "created; add a new field instead."
                ),
                {"name": [_("The key cannot change.")]},
            )
        retyped = (
            field.field_type != current.field_type or field.dictionary_id != current.dictionary_id
        )
        if retyped and custom_field_has_values(current):
            raise DomainError(
                "custom_field_type_locked",
                _(
                    "Records already hold values of “%(label)s”, so its type and dictionary "
                    "cannot change. Add a new field, or deactivate this one."
                )
                % {"label": current.label},
                {"field_type": [_("Fixed: records hold values of this field.")]},
            )
    errors: dict[str, list[str]] = {}
    model = field.content_type.model_class() if field.content_type_id else None
    if not CUSTOM_FIELD_KEY.match(field.name or ""):
        errors["name"] = [
            _(
                "Use lowercase letters, digits and single underscores, starting "
                "with a letter (for example: contract_term)."
            )
        ]
    elif model is not None and field.name in {f.name for f in model._meta.get_fields()}:
        errors["name"] = [
            _("“%(name)s” is already a field of this object type.") % {"name": field.name}
        ]
    if field.field_type in CHOICE_TYPES:
        if field.dictionary_id is None:
            errors["dictionary"] = [_("Choose the dictionary this field draws its choices from.")]
    else:
        field.dictionary = None
    errors.update(_range_errors(field))
    if not errors.keys() & {"dictionary", "min_value", "max_value"}:
        try:
            field.default = _clean_default(field)
        except ValidationError as exc:
            errors["default"] = list(exc.messages)
    if errors:
        raise ValidationFailed(errors)
    return core_save(field, actor=actor, expected_version=expected_version)


@transaction.atomic
def save_dictionary(
    dictionary: Dictionary, *, actor, expected_version: int | None = None
) -> Dictionary:
    """Create or update a dictionary; its code is what fields refer to, so it is fixed.

    Raises DomainError "dictionary_code_locked", and ValidationFailed / AccessDenied /
    StaleVersion.
    """
    if not dictionary._state.adding:
        current = Dictionary.objects.select_for_update().get(pk=dictionary.pk)
        if current.code != dictionary.code:
            raise DomainError(
                "dictionary_code_locked",
                _("The code of a dictionary cannot change after it is created."),
                {"code": [_("The code cannot change.")]},
            )
    return core_save(dictionary, actor=actor, expected_version=expected_version)


def _item_code(item: DictionaryItem) -> str:
    base = slugify(item.label_en).replace("-", "_")[:40] or "item"
    taken = set(
        DictionaryItem.objects.filter(
            dictionary_id=item.dictionary_id, code__startswith=base
        ).values_list("code", flat=True)
    )
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


@transaction.atomic
def save_dictionary_item(
    item: DictionaryItem, *, actor, expected_version: int | None = None
) -> DictionaryItem:
    """Create or update a dictionary item.

    A new item without a code gets one from its English label; without an order it goes
    last. Stored values refer to the code, so code and dictionary are fixed afterwards.
    Deactivating an item keeps existing values but hides it from new choices.
    Raises DomainError "dictionary_item_code_locked", and ValidationFailed / AccessDenied /
    StaleVersion.
    """
    if item._state.adding:
        # Lock the dictionary so concurrent additions do not share an order value.
        Dictionary.objects.select_for_update().filter(pk=item.dictionary_id).first()
        if not item.code:
            item.code = _item_code(item)
        if not item.sort_order:
            last = DictionaryItem.objects.filter(dictionary_id=item.dictionary_id).aggregate(
                m=Max("sort_order")
            )["m"]
            item.sort_order = (last or 0) + 1
    else:
        current = DictionaryItem.objects.select_for_update().get(pk=item.pk)
        if current.code != item.code or current.dictionary_id != item.dictionary_id:
            raise DomainError(
                "dictionary_item_code_locked",
                _("The code of a dictionary item cannot change: records store it."),
                {"code": [_("The code cannot change.")]},
            )
    return core_save(item, actor=actor, expected_version=expected_version)


@transaction.atomic
def reorder_dictionary_items(dictionary: Dictionary, item_ids: Sequence[int], *, actor) -> None:
    """Put a dictionary's items in the order of `item_ids` (items not named keep their
    relative order after them) and number them 1, 2, 3 ...; each moved item is logged."""
    _require_editable(DictionaryItem, actor)
    items = list(
        DictionaryItem.objects.select_for_update()
        .filter(dictionary=dictionary)
        .order_by("sort_order", "id")
    )
    by_id = {i.pk: i for i in items}
    named = [by_id[pk] for pk in dict.fromkeys(item_ids) if pk in by_id]
    rest = [i for i in items if i not in named]
    for position, item in enumerate([*named, *rest], start=1):
        if item.sort_order != position:
            item.sort_order = position
            core_save(item, actor=actor)


@transaction.atomic
def move_dictionary_item(item: DictionaryItem, *, actor, offset: int) -> None:
    """Move an item `offset` places up (negative) or down (positive) in its dictionary."""
    _require_editable(DictionaryItem, actor)
    ids = list(
        DictionaryItem.objects.select_for_update()
        .filter(dictionary_id=item.dictionary_id)
        .order_by("sort_order", "id")
        .values_list("pk", flat=True)
    )
    old = ids.index(item.pk)
    new = min(max(old + offset, 0), len(ids) - 1)
    ids.insert(new, ids.pop(old))
    reorder_dictionary_items(item.dictionary, ids, actor=actor)


# The reset period a date part makes safe: without the date in the number, a sequence that
# restarts would hand out a number already issued.
_RESET_NEEDS = {
    ResetPeriod.NEVER: set(DatePart.values),
    ResetPeriod.YEARLY: {DatePart.YEAR, DatePart.MONTH, DatePart.DAY},
    ResetPeriod.MONTHLY: {DatePart.MONTH, DatePart.DAY},
    ResetPeriod.DAILY: {DatePart.DAY},
}
MAX_WIDTH = 12


@transaction.atomic
def save_numbering_rule(
    rule: NumberingRule, *, actor, expected_version: int | None = None
) -> NumberingRule:
    """Create or update the numbering rule of an object type.

    The sequence width is 1 to 12 digits, and the number must carry the date at least as
    finely as the reset period (a yearly reset needs the year in the number), otherwise a
    restarted sequence would repeat numbers. Raises DomainError "numbering_reset_without_date"
    and ValidationFailed / AccessDenied / StaleVersion.
    """
    if not 1 <= (rule.width or 0) <= MAX_WIDTH:
        raise ValidationFailed(
            {"width": [_("Choose a width from 1 to %(max)s digits.") % {"max": MAX_WIDTH}]}
        )
    if rule.date_part not in _RESET_NEEDS[ResetPeriod(rule.reset)]:
        message = _(
            "A number that restarts every %(period)s must contain a date part at "
            "least that fine, or numbers would repeat."
        ) % {
            "period": {
                ResetPeriod.YEARLY: _("year"),
                ResetPeriod.MONTHLY: _("month"),
                ResetPeriod.DAILY: _("day"),
            }[ResetPeriod(rule.reset)]
        }
        raise DomainError("numbering_reset_without_date", message, {"date_part": [message]})
    return core_save(rule, actor=actor, expected_version=expected_version)
