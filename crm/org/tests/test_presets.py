"""Defaults the apps give the preset roles for their own types and actions."""

import pytest

from crm.core import access, contributions
from crm.core.testing.sample.models import SampleDocument
from crm.customers.models import Customer
from crm.org.models import Role, RolePermission
from crm.org.presets import apply_preset_defaults


@pytest.mark.django_db
def test_a_preset_role_gets_the_action_an_app_declares_for_its_type(make_user):
    admin_role = Role.objects.get(code="admin")
    every = admin_role.permissions.get(type_key="*")
    row = admin_role.permissions.get(type_key="sampledocument")
    assert row.actions == sorted({*every.actions, "reopen"})
    assert (row.view_scope, row.edit_scope) == (every.view_scope, every.edit_scope)
    holder = make_user("holder", roles=[admin_role])
    assert access.can(holder, "reopen", SampleDocument)
    assert not access.can(holder, "reopen", Customer)
    # A preset role has its "*" row and a row for each type an app sets for it, no more.
    declared = {d.type_key for d in contributions.preset_defaults() if d.role == "finance"}
    finance = Role.objects.get(code="finance").permissions.values_list("type_key", flat=True)
    assert set(finance) == {"*", *declared}


@pytest.mark.django_db
def test_a_setting_the_administrator_changed_is_kept_on_the_next_migrate():
    row = RolePermission.objects.get(role__code="admin", type_key="sampledocument")
    row.actions = ["view"]
    row.save()
    apply_preset_defaults(using="default")
    assert RolePermission.objects.get(pk=row.pk).actions == ["view"]
    declared = {d.type_key for d in contributions.preset_defaults() if d.role == "admin"}
    assert RolePermission.objects.filter(role__code="admin").count() == 1 + len(declared)


@pytest.mark.django_db
def test_a_new_default_is_written_once(monkeypatch):
    declared = contributions.PresetDefault("readonly", "customer", adds=("export",))
    monkeypatch.setattr(contributions._stores, "presets", [declared])
    apply_preset_defaults(using="default")
    apply_preset_defaults(using="default")
    rows = RolePermission.objects.filter(role__code="readonly", type_key="customer")
    assert [(r.actions, r.view_scope, r.edit_scope) for r in rows] == [
        (["export", "view"], "all", "none")
    ]
