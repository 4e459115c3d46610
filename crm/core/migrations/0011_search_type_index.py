"""The search table loses its index on the type alone (the (type, id) index serves every
lookup by type); on PostgreSQL it misled plans for rare words. SQLite keeps its table as
it is (altering it would rebuild it without the FTS5 triggers)."""

import django.db.models.deletion
from django.db import migrations, models


def _type_indexes(schema_editor) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "core_searchentry")
    return [
        name
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and c["columns"] == ["content_type_id"]
    ]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in _type_indexes(schema_editor):
            schema_editor.execute(f'DROP INDEX "{name}"')


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and not _type_indexes(schema_editor):
        schema_editor.execute(
            "CREATE INDEX core_searchentry_content_type_id ON core_searchentry (content_type_id)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0010_search_tokens_per_type"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="searchentry",
                    name="content_type",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                )
            ],
            database_operations=[migrations.RunPython(drop, restore)],
        )
    ]
