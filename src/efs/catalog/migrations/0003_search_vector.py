"""PostgreSQL: keep the tsvector of each card in a stored generated column.

Ranking with ts_rank needs the vector of every matching row; computing it from the text
per query (the expression index of 0002 only serves the match) cost ~0.3 s on common
queries over 50 000 cards. A stored column is read instead of re-parsed.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE catalog_program ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('russian', search_document)) STORED"
    )
    schema_editor.execute("CREATE INDEX IF NOT EXISTS catalog_program_search_vector ON catalog_program USING GIN (search_vector)")
    schema_editor.execute("DROP INDEX IF EXISTS catalog_program_search")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE INDEX IF NOT EXISTS catalog_program_search ON catalog_program USING GIN (to_tsvector('russian', search_document))")
    schema_editor.execute("DROP INDEX IF EXISTS catalog_program_search_vector")
    schema_editor.execute("ALTER TABLE catalog_program DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_and_criteria")]
    operations = [migrations.RunPython(forwards, backwards)]
