"""Who may see and change what. Every user-facing read goes through `visible`.

Today: administrators see everything; other users see the records they own or
collaborate on, and records whose access parent (a contact's customer) they see.
Configuration rows are readable by every signed-in user and changed by administrators,
unless the model narrows it with `visible_rule(user)` / `editable_rule(user)` (a user's
own saved views, for instance).
The role and data-scope model replaces the record rule here, and only here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q


def is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user: Any) -> bool:
    return is_active_user(user) and user.is_superuser


def _is_record(model: type) -> bool:
    return getattr(model, "access_policy", "config") == "record"


def record_rule(model: type, user: Any) -> Q:
    """The condition a record of `model` must meet for a non-admin `user` to see it."""
    from django.contrib.contenttypes.models import ContentType

    from crm.core.models import Collaborator

    if model.access_parent:
        parent = model._meta.get_field(model.access_parent).related_model
        return Q(**{f"{model.access_parent}__in": parent.objects.visible_to(user).values("pk")})
    content_type = ContentType.objects.get_for_model(model)
    shared = Collaborator.objects.filter(content_type=content_type, user=user)
    return Q(owner=user) | Q(pk__in=shared.values("object_id"))


def visible(queryset, user):
    """Filter `queryset` to the rows `user` may see."""
    if not is_active_user(user):
        return queryset.none()
    if is_admin(user):
        return queryset
    if hasattr(queryset.model, "visible_rule"):
        return queryset.filter(queryset.model.visible_rule(user))
    if not _is_record(queryset.model):
        return queryset
    return queryset.filter(record_rule(queryset.model, user))


def editable(queryset, user):
    """Filter `queryset` to the rows `user` may change."""
    if not is_active_user(user):
        return queryset.none()
    if is_admin(user):
        return queryset
    if hasattr(queryset.model, "editable_rule"):
        return queryset.filter(queryset.model.editable_rule(user))
    if not _is_record(queryset.model):
        return queryset.none()
    return queryset.filter(record_rule(queryset.model, user))


def can_create(user: Any, model: type) -> bool:
    """Whether `user` may create rows of `model`."""
    if is_admin(user):
        return True
    user_owned = _is_record(model) or hasattr(model, "editable_rule")
    return is_active_user(user) and user_owned


def can_purge(user: Any, model: type) -> bool:
    """Whether `user` may erase records from the recycle bin for good."""
    return is_admin(user)
