"""Roles: the matrix, how roles add up, and who may change them."""

import pytest
from django.contrib.contenttypes.models import ContentType

from crm.core import access, registry
from crm.core.errors import AccessDenied
from crm.core.models import ObjectChange
from crm.org import services
from crm.org.models import Role, RolePermission


def grant(actions, view="own", edit="own"):
    return {"actions": actions, "view_scope": view, "edit_scope": edit}


@pytest.mark.django_db
def test_a_role_and_its_matrix_are_saved_and_logged(admin):
    role = Role(code="viewer", name_zh="查看", name_en="Viewer", specials=["unmask"])
    services.save_role(
        role,
        actor=admin,
        permissions={
            "*": grant(["view"], "company", "none"),
            "customer": grant(["view", "edit"], "all", "own"),
            "contact": None,
        },
    )
    rows = {r.type_key: r for r in RolePermission.objects.filter(role=role)}
    assert set(rows) == {"*", "customer"}
    assert rows["customer"].actions == ["edit", "view"]
    assert rows["customer"].view_scope == "all"
    logged = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(RolePermission)
    )
    assert logged.count() == 2
    services.save_role(
        role,
        actor=admin,
        expected_version=role.version,
        permissions={"*": grant(["view"], "company", "none"), "customer": None},
    )
    assert set(RolePermission.objects.filter(role=role).values_list("type_key", flat=True)) == {"*"}
    assert logged.filter(action="delete").count() == 1


@pytest.mark.django_db
def test_roles_add_up_and_a_types_own_row_wins_over_every_type(make_user):
    broad = Role.objects.create(code="broad", name_zh="宽", name_en="Broad")
    RolePermission.objects.create(
        role=broad, type_key="*", actions=["view"], view_scope="all", edit_scope="none"
    )
    RolePermission.objects.create(
        role=broad, type_key="contact", actions=[], view_scope="none", edit_scope="none"
    )
    narrow = Role.objects.create(code="narrow", name_zh="窄", name_en="Narrow")
    RolePermission.objects.create(
        role=narrow, type_key="*", actions=["view", "edit"], view_scope="own", edit_scope="own"
    )
    user = make_user("carol", roles=[broad, narrow])
    perms = access.permissions(user)
    assert perms.allows("view", "customer") and perms.allows("edit", "customer")
    assert perms.owner_ids("view", "customer") is None  # "all" from the broad role
    assert perms.owner_ids("edit", "customer") == {user.pk}
    assert perms.allows("view", "contact")  # the narrow role's "*" still grants it
    assert not perms.allows("delete", "customer")


@pytest.mark.django_db
def test_without_a_role_nothing_is_reachable(make_user):
    from crm.customers.tests.test_battery import make_customer

    owner = make_user("owner")
    make_customer(owner)
    nobody = make_user("nobody", roles=[])
    from crm.customers.models import Customer

    assert not Customer.objects.visible_to(nobody).exists()
    assert not access.can_create(nobody, Customer)


@pytest.mark.django_db
def test_only_user_managers_may_change_roles_and_nothing_changes_otherwise(alice):
    role = Role.objects.get(code="salesperson")
    before = list(RolePermission.objects.filter(role=role).values())
    with pytest.raises(AccessDenied):
        services.save_role(role, actor=alice, permissions={"*": grant(["view"], "all")})
    assert list(RolePermission.objects.filter(role=role).values()) == before


@pytest.mark.django_db
def test_a_user_manager_cannot_grant_user_management_without_being_admin(make_user):
    managers = Role.objects.create(
        code="hr", name_zh="人事", name_en="HR", specials=["manage_users"]
    )
    hr = make_user("hr", roles=[managers])
    role = Role(code="sneaky", name_zh="越权", name_en="Sneaky", specials=["manage_users"])
    with pytest.raises(AccessDenied):
        services.save_role(role, actor=hr, permissions={})
    assert not Role.objects.filter(code="sneaky").exists()
    fine = Role(code="fine", name_zh="普通", name_en="Fine", specials=["unmask"])
    services.save_role(fine, actor=hr, permissions={"*": grant(["view"])})
    assert Role.objects.filter(code="fine").exists()


@pytest.mark.django_db
def test_assigning_roles_is_logged(admin, alice):
    role = Role.objects.get(code="finance")
    services.save_user(alice, actor=admin, roles=[role])
    last = ObjectChange.objects.filter(object_id=alice.pk).latest("id")
    assert last.changes["roles"] == [["test_sales"], ["finance"]]
    alice.refresh_from_db()
    assert list(alice.roles.values_list("code", flat=True)) == ["finance"]


@pytest.mark.django_db
def test_changing_a_role_needs_a_recent_password_check(admin):
    from django.test import Client

    client = Client()
    client.force_login(admin)  # signed in long ago: no recent password check in the session
    role = Role.objects.get(code="finance")
    before = list(RolePermission.objects.filter(role=role).values())
    response = client.post(
        f"/org/roles/{role.pk}/edit/",
        {
            "code": "finance",
            "name_zh": "财务",
            "name_en": "Finance",
            "*__actions": ["view", "delete"],
            "*__view_scope": "all",
            "*__edit_scope": "all",
        },
    )
    assert response.status_code == 302
    assert "reauthenticate" in response["Location"]
    assert list(RolePermission.objects.filter(role=role).values()) == before


@pytest.mark.django_db
def test_the_role_page_saves_the_matrix(admin, client_for):
    role = Role.objects.get(code="finance")
    data = {
        "code": "finance",
        "name_zh": "财务",
        "name_en": "Finance",
        "version": role.version,
        "specials": ["view_logs"],
        "*__actions": ["view", "export"],
        "*__view_scope": "company",
        "*__edit_scope": "none",
        "customer__own": "on",
        "customer__actions": ["view"],
        "customer__view_scope": "all",
        "customer__edit_scope": "none",
    }
    for object_type in registry.all_types():  # the types that follow "*" post their scopes too
        data.setdefault(f"{object_type.key}__view_scope", "own")
        data.setdefault(f"{object_type.key}__edit_scope", "own")
    response = client_for(admin).post(f"/org/roles/{role.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    role.refresh_from_db()
    assert role.specials == ["view_logs"]
    rows = {r.type_key: r for r in role.permissions.all()}
    assert set(rows) == {"*", "customer"}
    assert (rows["customer"].actions, rows["customer"].view_scope) == (["view"], "all")
