"""The preset roles (预置角色). Their permissions use the type key "*": every object type,
including types added later, until an administrator sets a type on its own."""

from django.db import migrations

ALL_ACTIONS = ["view", "create", "edit", "delete", "export", "import", "transfer", "approve"]
ALL_SPECIALS = ["unmask", "manage_users", "manage_settings", "view_logs", "restore"]

ROLES = [
    # code, Chinese name, English name, actions, view scope, edit scope, specials
    ("admin", "系统管理员", "System administrator", ALL_ACTIONS, "all", "all", ALL_SPECIALS),
    ("sales_director", "销售总监", "Sales director",
     ALL_ACTIONS, "all", "all", ["unmask", "restore"]),
    ("sales_manager", "销售经理", "Sales manager",
     ["view", "create", "edit", "delete", "export", "transfer", "approve"],
     "subordinates", "subordinates", ["unmask"]),
    ("salesperson", "销售员", "Salesperson",
     ["view", "create", "edit", "delete", "export"], "own", "own", ["unmask"]),
    ("marketing", "市场专员", "Marketing",
     ["view", "create", "edit", "export"], "company", "own", []),
    ("service_manager", "服务经理", "Service manager",
     ["view", "create", "edit", "delete", "export", "approve"], "company", "department_tree",
     ["unmask"]),
    ("service_agent", "服务专员", "Service agent", ["view", "create", "edit"], "company", "own",
     ["unmask"]),
    ("finance", "财务", "Finance", ["view", "export"], "company", "none", []),
    ("readonly", "只读用户", "Read-only", ["view"], "all", "none", []),
]


def create(apps, schema_editor):
    Role = apps.get_model("org", "Role")
    RolePermission = apps.get_model("org", "RolePermission")
    for code, zh, en, actions, view_scope, edit_scope, specials in ROLES:
        role, _ = Role.objects.get_or_create(
            code=code,
            defaults={"name_zh": zh, "name_en": en, "specials": specials, "is_system": True,
                      "version": 1},
        )
        RolePermission.objects.get_or_create(
            role=role, type_key="*",
            defaults={"actions": actions, "view_scope": view_scope, "edit_scope": edit_scope,
                      "version": 1},
        )


def remove(apps, schema_editor):
    apps.get_model("org", "Role").objects.filter(code__in=[r[0] for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("org", "0002_roles_and_shares")]

    operations = [migrations.RunPython(create, remove)]
