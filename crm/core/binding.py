"""What a user sends, bound onto a record the same way from a page's form and from the API:
a masked number sent back unchanged keeps the stored one, a foreign key points only at
records the user may see (and its `limit_choices_to` allows), and custom field values are
merged over the stored ones (keys the user did not send are kept)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, cast

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from crm.core import access, masking, registry
from crm.core.errors import ValidationFailed


def masked_names(model: type[models.Model]) -> frozenset[str]:
    """The fields of `model` that pages show masked (own by name, custom as `cf.<name>`)."""
    object_type = registry.for_model(model)
    return masking.on_pages(object_type) if object_type else frozenset()


def kept(value: Any, stored: Any) -> Any:
    """`value`, or the stored number when `value` is only its masked form sent back."""
    return stored if masking.is_masked_echo(value, stored) else value


def targets(queryset: models.QuerySet[Any], user: Any) -> models.QuerySet[Any]:
    """The rows of `queryset` a foreign key set by `user` may point at: those they see."""
    return cast("models.QuerySet[Any]", access.visible(queryset, user))  # type: ignore[no-untyped-call]


def merge_custom(
    obj: models.Model, sent: Mapping[str, Any], masked: Collection[str]
) -> dict[str, Any]:
    """The record's custom field values with those `sent` over them; a masked one sent back
    unchanged keeps the stored value."""
    stored = dict(getattr(obj, "custom_field_data", None) or {})
    return {**stored, **masking.without_echoes(dict(sent), stored, masked)}


def bind(obj: models.Model, data: Mapping[str, Any], user: Any) -> None:
    """Copy the values in `data` (field name -> value; `custom_fields` -> a dict) onto
    `obj`. A foreign key is given as an id: sent back as read it is kept (even a choice
    deactivated since), else it must name a record `user` may see. Raises ValidationFailed
    naming the foreign keys that do not."""
    masked = masked_names(type(obj))
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name == "custom_fields":
            obj.custom_field_data = merge_custom(obj, value or {}, masked)  # type: ignore[attr-defined]
            continue
        field = obj._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            if value is None or value == getattr(obj, field.attname):
                setattr(obj, field.attname, value)
            elif not _point(obj, field, value, user):
                errors[name] = [_("Choose an existing record you may see.")]
            continue
        if name in masked:
            value = kept(value, getattr(obj, name))
        null = isinstance(field, models.Field) and field.null
        setattr(obj, name, "" if value is None and not null else value)
    if errors:
        raise ValidationFailed(errors)


def _point(obj: models.Model, field: models.ForeignKey[Any, Any], pk: Any, user: Any) -> bool:
    """Set `field` to the record `pk` if `user` may point it there."""
    related = cast("type[models.Model]", field.related_model)
    choices = related._default_manager.complex_filter(field.get_limit_choices_to())
    try:
        setattr(obj, field.name, targets(choices, user).get(pk=pk))
    except (ObjectDoesNotExist, ValueError, TypeError):
        return False
    return True


def references(
    obj: models.Model, data: dict[str, Any], user: Any, narrowed: Mapping[str, Any]
) -> dict[str, Any]:
    """`data` with each foreign key given as an id replaced by the record it names: one
    `user` sees, among `narrowed[name]` when given (what a transition allows). Raises
    ValidationFailed naming the ids that name no such record."""
    errors: dict[str, list[str]] = {}
    found = dict(data)
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if not isinstance(field, models.ForeignKey) or value is None:
            continue
        related = cast("type[models.Model]", field.related_model)
        choices = narrowed.get(name, related._default_manager.all())
        found[name] = targets(choices, user).filter(pk=value).first()
        if found[name] is None:
            errors[name] = [_("Choose an existing record you may see.")]
    if errors:
        raise ValidationFailed(errors)
    return found
