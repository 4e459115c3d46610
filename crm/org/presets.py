"""What the apps give the preset roles for their own types and actions
(`crm.core.contributions.PresetDefault`): written after every migrate, once per role and
type, so a setting an administrator changed later is kept."""

from django.db import connections

from crm.core import contributions
from crm.org.models import DataScope, Role, RolePermission


def apply_preset_defaults(*, using: str = "default", **kwargs) -> None:
    """Give each preset role the type settings the apps declare and it does not have yet:
    its "*" row's actions (or the declared ones) plus those added, with the "*" row's
    scopes unless given."""
    if Role._meta.db_table not in connections[using].introspection.table_names():
        return  # the organisation app is migrated backwards
    for default in contributions.preset_defaults():
        role = Role.objects.using(using).filter(code=default.role, is_system=True).first()
        if role is None or role.permissions.filter(type_key=default.type_key).exists():
            continue
        every = role.permissions.filter(type_key="*").first()
        granted = every.actions if every and default.actions is None else default.actions or []
        RolePermission.objects.using(using).create(
            role=role,
            type_key=default.type_key,
            actions=sorted({*granted, *default.adds}),
            view_scope=default.view_scope or (every.view_scope if every else DataScope.OWN),
            edit_scope=default.edit_scope or (every.edit_scope if every else DataScope.OWN),
            version=1,
        )
