"""Department heads import: the preset sales manager and service manager roles may import
the records of their departments, as in Kingdee; salespeople and service agents ask them."""

from django.db import migrations

DEPARTMENT_HEADS = ["sales_manager", "service_manager"]


def allow(apps, schema_editor):
    RolePermission = apps.get_model("org", "RolePermission")
    rows = RolePermission.objects.filter(
        role__code__in=DEPARTMENT_HEADS, role__is_system=True, type_key="*"
    )
    for row in rows:
        if "import" not in row.actions:
            row.actions = sorted([*row.actions, "import"])
            row.version += 1
            row.save(update_fields=["actions", "version"])


def disallow(apps, schema_editor):
    RolePermission = apps.get_model("org", "RolePermission")
    rows = RolePermission.objects.filter(
        role__code__in=DEPARTMENT_HEADS, role__is_system=True, type_key="*"
    )
    for row in rows:
        row.actions = [a for a in row.actions if a != "import"]
        row.save(update_fields=["actions"])


class Migration(migrations.Migration):
    dependencies = [("org", "0005_handovers")]

    operations = [migrations.RunPython(allow, disallow)]
