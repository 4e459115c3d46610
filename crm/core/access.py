"""Who may see and change what. Every user-facing read goes through `visible`, every
change through `editable` and `can` — nowhere else decides.

Records: a user's roles grant function permissions per object type (view, create, edit,
delete, export, import, transfer, approve) and data scopes (own, own + subordinates,
department, department + sub-departments, company, all), one for reading and one for
changing. A record is also reached by its collaborators (read and change) and through
explicit shares with a user, their team or their department (read, or read and change).
A type with an access parent (a contact's customer) is reached through that record.
Administrators (superusers) reach everything.

Configuration rows are readable by every signed-in user and changed by administrators
and by holders of the model's `manage_permission`, unless the model narrows it with
`visible_rule(user)` / `editable_rule(user)` (a user's own saved views, for instance).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q

from crm.core import extensions

# Scopes that reach at most this many owners are read owner by owner (see visible_parts).
PART_OWNERS = 16


def is_active_user(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user: Any) -> bool:
    return is_active_user(user) and user.is_superuser


def _is_record(model: type[Model]) -> bool:
    return getattr(model, "access_policy", "config") == "record"


def type_key(model: type[Model]) -> str:
    name = model._meta.model_name
    assert name is not None  # set on every model class Django has prepared
    return name


def permissions(user) -> extensions.UserPermissions:
    return extensions.organisation().permissions_of(user)


def has_special(user: Any, code: str | None) -> bool:
    """Whether `user` holds a special permission (administrators hold them all)."""
    if not is_active_user(user):
        return False
    return is_admin(user) or (code is not None and permissions(user).has_special(code))


def can(user: Any, action: str, model: type[Model]) -> bool:
    """Whether `user` may do `action` ("view", "create", "edit", "delete", "export",
    "import", "transfer", "approve") on rows of `model` at all (scopes aside)."""
    if not is_active_user(user):
        return False
    if is_admin(user):
        return True
    if _is_record(model):
        return permissions(user).allows(action, type_key(model))
    if action == "view":
        return True
    if hasattr(model, "editable_rule"):
        return True
    return has_special(user, getattr(model, "manage_permission", None))


# `model` is a record type, left `Any`: crm.core.models imports this module, so no Record here.
def _reach(model: Any, user: Any, kind: str) -> Q:
    """The condition a record of `model` meets when `user` may view or edit it."""
    if model.access_parent:
        parent = model._meta.get_field(model.access_parent).related_model
        manager = parent.objects
        reachable = manager.visible_to(user) if kind == "view" else manager.editable_by(user)
        return Q(**{f"{model.access_parent}__in": reachable.values("pk")})
    owners = permissions(user).owner_ids(kind, type_key(model))
    if owners is None:
        return Q()
    return Q(owner_id__in=owners) | _granted(model, user, kind)


def _granted(model: type[Model], user: Any, kind: str) -> Q:
    """Records `user` collaborates on or that are shared with them, their team or their
    department: a condition built once per user object (that is, per request), its
    subqueries read whenever a query uses it."""
    built = user.__dict__.setdefault("_crm_granted", {})
    key = (model._meta.label, kind)
    if key not in built:
        built[key] = _grants(model, user, kind)
    return built[key]


def _grants(model: type[Model], user: Any, kind: str) -> Q:
    # By name: the models' querysets call this module (crm.core.models imports it).
    collaborator, share = apps.get_model("core", "Collaborator"), apps.get_model("core", "Share")
    content_type = ContentType.objects.get_for_model(model)
    collaborations = collaborator.objects.filter(content_type=content_type, user=user)
    shares = share.objects.filter(content_type=content_type).filter(
        Q(user=user)
        | Q(team__members__user=user)
        | Q(department_id__in=permissions(user).unit_ancestors)
    )
    if kind == "edit":
        shares = shares.filter(can_edit=True)
    return Q(pk__in_subquery=collaborations.values("object_id")) | Q(
        pk__in_subquery=shares.values("object_id")
    )


def visible_parts(queryset, user) -> list | None:
    """`visible(queryset, user)` as disjoint querysets whose union it is, for reading a
    list part by part: each part walks its own index in the list's order (one owner's
    records by name), where the OR of their conditions makes the database sort them all.

    None when `visible` is as good: administrators, company-wide scopes, types reached
    through a parent, configuration."""
    model = queryset.model
    if (
        not can(user, "view", model)
        or is_admin(user)
        or not _is_record(model)
        or model.access_parent
        or hasattr(model, "visible_rule")
    ):
        return None
    owners = permissions(user).owner_ids("view", type_key(model))
    if owners is None:
        return None
    owned = sorted(owners)
    if len(owned) <= PART_OWNERS:
        parts = [queryset.filter(owner_id=owner) for owner in owned]
    else:
        parts = [queryset.filter(owner_id__in=owned)]
    granted = queryset.filter(_granted(model, user, "view"))
    return [*parts, granted.exclude(owner_id__in=owned) if owned else granted]


def owner_scope(model, user) -> tuple[frozenset[int] | None, Any] | None:
    """What `user` sees of record type `model` by owner, for totals kept per owner
    (crm.core.rollups): (the owners whose records they see, None for every record; the
    live records granted to them beyond those owners). None when the type is not seen by
    owner (reached through a parent, or by a rule of its own)."""
    if not _is_record(model) or model.access_parent or hasattr(model, "visible_rule"):
        return None
    nothing = model.objects.none()
    if not can(user, "view", model):
        return frozenset(), nothing
    owners = None if is_admin(user) else permissions(user).owner_ids("view", type_key(model))
    if owners is None:
        return None, nothing
    granted = model.objects.filter(_granted(model, user, "view")).exclude(owner_id__in=owners)
    return frozenset(owners), granted


def visible(queryset, user):
    """Filter `queryset` to the rows `user` may see."""
    model = queryset.model
    if not is_active_user(user):
        return queryset.none()
    if is_admin(user):
        return queryset
    if hasattr(model, "visible_rule"):
        return queryset.filter(model.visible_rule(user))
    if not _is_record(model):
        return queryset
    if not can(user, "view", model):
        return queryset.none()
    return queryset.filter(_reach(model, user, "view"))


def editable(queryset, user):
    """Filter `queryset` to the rows `user` may change."""
    model = queryset.model
    if not is_active_user(user):
        return queryset.none()
    if is_admin(user):
        return queryset
    if hasattr(model, "editable_rule"):
        return queryset.filter(model.editable_rule(user))
    if not can(user, "edit", model):
        return queryset.none()
    if not _is_record(model):
        return queryset
    # The edit scope never reaches further than the view scope.
    return visible(queryset, user).filter(_reach(model, user, "edit"))


def can_create(user: Any, model: type[Model]) -> bool:
    """Whether `user` may create rows of `model`."""
    return can(user, "create", model)


# `model` is a record type, left `Any`: crm.core.models imports this module, so no Record here.
def owners_within(user: Any, model: Any, kind: str = "view") -> set[int] | None:
    """The owners whose records of `model` the user reaches by role scope (None: anyone).

    A new record, not yet shared with anybody, is reached only this way."""
    if is_admin(user) or model.access_parent:
        return None
    if not can(user, kind, model):
        return set()
    return permissions(user).owner_ids(kind, type_key(model))


def can_purge(user: Any, model: type[Model]) -> bool:
    """Whether `user` may erase records from the recycle bin for good."""
    return is_admin(user)


def forget(user: Any) -> None:
    """Drop the permissions cached on a user object (after their roles changed)."""
    user.__dict__.pop("_crm_permissions", None)
