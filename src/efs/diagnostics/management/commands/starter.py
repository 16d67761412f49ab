"""`efs starter`: load the shipped frameworks, items and assessments that are missing."""

from django.core.management.base import BaseCommand
from django.db import transaction

from efs.competencies.services import starter_frameworks_load
from efs.diagnostics.bank import starter_assessments_load, starter_items_load


class Command(BaseCommand):
    help = "Load the shipped competency frameworks, starter item bank and assessments (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            frameworks = starter_frameworks_load()
            items = starter_items_load()
            assessments = starter_assessments_load()
        if frameworks or items or assessments:
            self.stdout.write(
                f"Starter content: {len(frameworks)} framework(s), {items} item(s), {len(assessments)} assessment(s) "
                "added."
            )
