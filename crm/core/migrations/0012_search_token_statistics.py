"""PostgreSQL samples ten times more rows for the statistics of the search tokens, so it
knows how common a word or a prefix is among the records of a type (a salesperson's quick
search for 张 or zhang among 3M contacts was planned for 3k matches, not 55k). SQLite has no
such statistics."""

from django.db import migrations

TARGET = 1000  # PostgreSQL's default is 100


def _set(target: int):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE core_searchentry ALTER COLUMN tokens SET STATISTICS {target}"
            )
            schema_editor.execute("ANALYZE core_searchentry")

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0011_search_type_index")]

    operations = [migrations.RunPython(_set(TARGET), _set(-1))]
