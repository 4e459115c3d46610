"""What a record is about (`crm.core.models.RelatedTo`): one record of any registered type.

Setting the link checks its target: a registered type, a record that exists, one the actor
may see. Reading it shows the target only to those who see it, and a list of records about
others hides those whose target the reader may not see (a hidden target hides the link).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from crm.core import access, registry
from crm.core.errors import ValidationFailed
from crm.core.models import Record, RelatedTo, target_visible

R = TypeVar("R", bound=RelatedTo)

TYPE = "related_type"
ID = "related_id"


@dataclass(frozen=True)
class Target:
    """The record a link points to, as its reader is shown it."""

    type_key: str
    pk: int
    type_label: str
    name: str
    url: str


def registered_type(key: str) -> registry.ObjectType | None:
    """The registered type named `key` ("customer"), or None."""
    return next((t for t in registry.all_types() if t.key == key), None)


def set_related(obj: RelatedTo, target: Record | None) -> None:
    """Point `obj` at `target` (None: at nothing). Saving `obj` checks the target
    (`check_related`); a record of an unregistered type is refused here."""
    if target is None:
        obj.related_type, obj.related_id = "", None
        return
    object_type = registry.for_model(type(target))
    if object_type is None:
        raise ValidationFailed({TYPE: [_("Records of this kind cannot be linked to.")]})
    obj.related_type, obj.related_id = object_type.key, target.pk


def check_related(obj: RelatedTo, before: dict[str, Any], actor: Any) -> None:
    """The write path's rule for a record's link (every `RelatedTo` record, on every
    page, API call and imported row): the target must be a record of a registered type
    that exists and that `actor` may see; raises ValidationError naming the field.

    A link left as it was is not checked again, so whoever may edit a record keeps its link
    to a record they do not see."""
    key, pk = obj.related_type, obj.related_id
    if before and (key, pk) == (before.get(TYPE, ""), before.get(ID)):
        return
    if not key and pk is None:
        return
    if not key:
        raise ValidationError({TYPE: _("Choose the type of the record this one is about.")})
    object_type = registered_type(key)
    if object_type is None:
        raise ValidationError({TYPE: _("Records of this kind cannot be linked to.")})
    if pk is None:
        raise ValidationError({ID: _("Choose the record this one is about.")})
    if not object_type.model.objects.visible_to(actor).filter(pk=pk).exists():
        raise ValidationError({ID: _("Choose an existing record you may see.")})


def target(obj: Record, user: Any) -> Target | None:
    """The record `obj` is about, or None when its type has no link, it is about nothing or
    `user` may not see that record."""
    if not isinstance(obj, RelatedTo):
        return None
    object_type = registered_type(obj.related_type)
    if object_type is None or obj.related_id is None:
        return None
    record = object_type.model.objects.visible_to(user).filter(pk=obj.related_id).first()
    if record is None:
        return None
    return Target(
        type_key=object_type.key,
        pk=record.pk,
        type_label=object_type.label,
        name=str(record),
        url=reverse(object_type.url_name("detail"), args=[record.pk]),
    )


def about(record: Record) -> Q:
    """The condition of records about `record`."""
    return Q(**{TYPE: access.type_key(type(record)), ID: record.pk})


def visible_links(qs: QuerySet[R], user: Any) -> QuerySet[R]:
    """The rows of `qs` about nothing or about a record `user` may see: one correlated
    subquery per target type, over that type's `visible_to(user)`."""
    return qs.filter(Q(**{f"{ID}__isnull": True}) | target_visible(user, TYPE, ID, access.type_key))
