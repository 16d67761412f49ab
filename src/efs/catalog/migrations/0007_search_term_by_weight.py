"""The search index by (term, weight, program): the title tier of catalog/search.py reads
a term's title entries alone, in program order (ADR 0007, follow-up of 7 December 2026,
night)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_program_network_form"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="searchterm",
            index=models.Index(fields=["term", "weight", "program"], name="search_term_by_weight"),
        ),
    ]
