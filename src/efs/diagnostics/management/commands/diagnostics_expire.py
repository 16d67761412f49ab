"""`efs diagnostics_expire`: finish attempts whose time is up (for cron or a timer)."""

from django.core.management.base import BaseCommand

from efs.diagnostics.services import expire_overdue


class Command(BaseCommand):
    help = "Finish the diagnostics attempts whose time limit has passed."

    def handle(self, *args, **options):
        self.stdout.write(f"Finished {expire_overdue()} attempt(s) whose time was up.")
