"""Every stored search token starts with its type (`t` and the content type id, four
digits), so the index answers per type and the planner's statistics are per type."""

from django.db import migrations

POSTGRES = """
UPDATE core_searchentry SET tokens = array_to_tsvector(ARRAY(
    SELECT 't' || lpad(content_type_id::text, 4, '0') || u.lexeme FROM unnest(tokens) u
))
"""


def prefix_tokens(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)
        return
    SearchEntry = apps.get_model("core", "SearchEntry")
    for entry in SearchEntry.objects.only("content_type_id", "tokens").iterator():
        prefix = f"t{entry.content_type_id:04d}"
        entry.tokens = " ".join(prefix + t for t in entry.tokens.split())
        entry.save(update_fields=["tokens"])


class Migration(migrations.Migration):
    dependencies = [("core", "0009_search_title")]

    operations = [migrations.RunPython(prefix_tokens, migrations.RunPython.noop)]
