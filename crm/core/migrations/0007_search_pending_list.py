"""The search index takes new tokens into its pending list again (fastupdate on).

Web requests keep that list tiny (their connections set gin_pending_list_limit to 64 kB,
see settings), so a search never scans much of it; an import lets it grow for one batch
and then merges it into the index in bulk (crm.core.search.index_new), about four times
cheaper than inserting each token into the index on its own.
"""

from django.db import migrations


def _fastupdate(value: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER INDEX core_searchentry_tokens SET (fastupdate = {value})")

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0006_jobs_and_imports")]

    operations = [migrations.RunPython(_fastupdate("on"), _fastupdate("off"))]
