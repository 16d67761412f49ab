"""The search vocabulary (catalog/search.py): each index term with the number of published
cards that hold it, filled from the existing index."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    from efs.catalog import search

    search.rebuild_vocabulary(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_search_terms_and_spelling"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchVocabulary",
            fields=[
                ("term", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("cards", models.IntegerField()),
            ],
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
