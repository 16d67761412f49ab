"""Search by terms (catalog/search.py): one index the same on SQLite and PostgreSQL.

Replaces the FTS5 table (SQLite) and the tsvector column (PostgreSQL): rewrites each
card's searchable text (the title on the first line) and indexes the published cards.
"""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    from efs.catalog import search

    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS catalog_program_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_program_search_vector")
        schema_editor.execute("ALTER TABLE catalog_program DROP COLUMN IF EXISTS search_vector")
    Program = apps.get_model("catalog", "Program")
    SearchTerm = apps.get_model("catalog", "SearchTerm")
    SearchSpelling = apps.get_model("catalog", "SearchSpelling")
    words: set[str] = set()
    for program in Program.objects.prefetch_related("outcomes__competency", "subjects", "modules").iterator(chunk_size=200):
        outcomes = list(program.outcomes.all())
        program.search_document = search.document(
            program.title, program.annotation, search.audience(teachers=program.for_teachers, managers=program.for_managers, students=program.for_students),
            " ".join(program.positions or []), " ".join(o.text for o in outcomes),
            " ".join(o.competency.title for o in outcomes), " ".join(s.name for s in program.subjects.all()),
            " ".join(m.title for m in program.modules.all()),
        )
        program.save(update_fields=["search_document"])
        if program.status == "published":
            SearchTerm.objects.bulk_create([SearchTerm(program_id=program.pk, term=t, weight=w) for t, w in search.terms(program.search_document).items()])
            words |= search.spelling_words(program.search_document)
    SearchSpelling.objects.bulk_create([SearchSpelling(variant=v, word=w) for w in words for v in {w} | search.deletions(w)], batch_size=1000)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("CREATE VIRTUAL TABLE IF NOT EXISTS catalog_program_fts USING fts5(document, tokenize='unicode61 remove_diacritics 0')")
    elif vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE catalog_program ADD COLUMN IF NOT EXISTS search_vector tsvector "
            "GENERATED ALWAYS AS (to_tsvector('russian', search_document)) STORED"
        )
        schema_editor.execute("CREATE INDEX IF NOT EXISTS catalog_program_search_vector ON catalog_program USING GIN (search_vector)")


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_search_vector'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchSpelling',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('variant', models.CharField(max_length=64)),
                ('word', models.CharField(max_length=64)),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('variant', 'word'), name='search_spelling_once')],
            },
        ),
        migrations.CreateModel(
            name='SearchTerm',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term', models.CharField(max_length=64)),
                ('weight', models.PositiveSmallIntegerField()),
                ('program', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.program')),
            ],
            options={
                'indexes': [models.Index(fields=['term', 'program', 'weight'], name='search_term_lookup')],
                'constraints': [models.UniqueConstraint(fields=('program', 'term'), name='search_term_once_per_program')],
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
