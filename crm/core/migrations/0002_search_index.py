"""The search index: a GIN index over the tokens on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

POSTGRES = [
    # fastupdate off: new tokens go straight into the index, so the planner never shuns it
    # for a long pending list after a bulk load.
    "CREATE INDEX core_searchentry_tokens ON core_searchentry USING gin ((tokens::tsvector))"
    " WITH (fastupdate = off)",
]
POSTGRES_REVERSE = ["DROP INDEX core_searchentry_tokens"]

SQLITE = [
    "CREATE VIRTUAL TABLE core_searchentry_fts USING fts5("
    "tokens, content='core_searchentry', content_rowid='id', "
    "tokenize=\"unicode61 tokenchars '@._+-'\")",
    "CREATE TRIGGER core_searchentry_ai AFTER INSERT ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER core_searchentry_ad AFTER DELETE ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER core_searchentry_au AFTER UPDATE ON core_searchentry BEGIN "
    "INSERT INTO core_searchentry_fts(core_searchentry_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO core_searchentry_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_REVERSE = [
    "DROP TRIGGER core_searchentry_au",
    "DROP TRIGGER core_searchentry_ad",
    "DROP TRIGGER core_searchentry_ai",
    "DROP TABLE core_searchentry_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRES_REVERSE, "sqlite": SQLITE_REVERSE}),
        )
    ]
