"""`efs financing reconcile` — check the ledger's invariants; `efs financing expire` — release expired holds."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Ledger maintenance: reconcile (check every invariant) or expire (release holds past their expiry)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["reconcile", "expire"])

    def handle(self, *args, **options):
        from efs.financing import ledger, services

        if options["action"] == "expire":
            self.stdout.write(f"Released {services.holds_expire()} expired hold(s).")
            return
        report = ledger.reconcile()
        self.stdout.write(f"Checked {report.accounts:,} accounts and {report.transfers:,} transfers.")
        if report.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    "The ledger is consistent: counters match the transfers, every ledger sums to zero, no protected "
                    "account is below zero."
                )
            )
            return
        for breach in report.breaches:
            self.stderr.write(f"BREACH: {breach}")
        raise CommandError(f"{len(report.breaches)} breach(es) found")
