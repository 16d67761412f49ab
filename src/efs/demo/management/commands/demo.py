"""`efs demo`: the demo region (default) or the whole country (`--scale country`)."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from efs.demo import generator, writer
from efs.demo.catalog import create_demo_catalog
from efs.demo.diagnostics import simulate_first_wave
from efs.demo.financing import create_demo_financing
from efs.demo.monitoring import create_demo_monitoring
from efs.demo.practices import create_demo_practices
from efs.demo.routes import create_demo_routes
from efs.demo.settlement import create_demo_settlement
from efs.demo.support import create_demo_support
from efs.demo.users import DEMO_PASSWORD, create_demo_logins, create_demo_macroregions
from efs.demo.workforce import create_demo_workforce
from efs.people.models import Educator, Region


class Command(BaseCommand):
    help = "Create the demo region (Krasnoyarsk Krai) or the whole country for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["region", "country"], default="region")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--educators", type=int, help="how many educators (default 5 000 for a region, 1 200 000 for the country)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the directory already has educators")
        parser.add_argument("--no-diagnostics", action="store_true", help="do not simulate the first wave of diagnostics")

    def handle(self, *args, **options):
        if Educator.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The directory already has data; the demo is not created again.")
                return
            raise CommandError("The directory already has educators. Use a fresh data dir (EFS_DATA_DIR) or database.")
        scale = options["scale"]
        total = options["educators"] or (generator.COUNTRY_EDUCATORS if scale == "country" else 5000)
        regions = {r.code: (r.pk, r.capital) for r in Region.objects.all()}
        started = time.perf_counter()
        subject_ids = writer.subject_ids()
        counts = {"regions": 0, "municipalities": 0, "organizations": 0, "educators": 0}
        with transaction.atomic():
            for rows in generator.generate(seed=options["seed"], regions=regions, scale=scale, educators=total, ids=writer.next_ids()):
                writer.write_region(rows, subject_ids)
                counts["regions"] += 1
                counts["municipalities"] += len(rows.municipalities)
                counts["organizations"] += len(rows.organizations)
                counts["educators"] += len(rows.educators)
                if scale == "country" and counts["regions"] % 10 == 0:
                    self.stdout.write(f"  {counts['regions']} regions, {counts['educators']:,} educators, {time.perf_counter() - started:.0f} s")
            writer.reset_sequences()
            logins = create_demo_logins(Region.objects.get(code=generator.DEFAULT_REGION_CODE))
            create_demo_macroregions()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Directory created in {elapsed:.1f} s: {counts['regions']} region(s), {counts['municipalities']:,} municipalities, "
                f"{counts['organizations']:,} organizations, {counts['educators']:,} educators."
            )
        )
        call_command("starter")
        if scale == "region" and not options["no_diagnostics"]:
            started = time.perf_counter()
            wave = simulate_first_wave(Region.objects.get(code=generator.DEFAULT_REGION_CODE), seed=options["seed"])
            self.stdout.write(f"Simulated first wave of diagnostics in {time.perf_counter() - started:.1f} s: {wave:,} attempts.")
        if scale == "region":
            started = time.perf_counter()
            made = create_demo_catalog(Region.objects.get(code=generator.DEFAULT_REGION_CODE), seed=options["seed"])
            self.stdout.write(
                f"Program depository in {time.perf_counter() - started:.1f} s: {made['programs']} programs, "
                f"{made['published']} published, {made['cohorts']} cohorts."
            )
        if scale == "region":
            started = time.perf_counter()
            made = create_demo_financing(Region.objects.get(code=generator.DEFAULT_REGION_CODE))
            self.stdout.write(f"Financing in {time.perf_counter() - started:.1f} s: {made['certificates']:,} certificates, {made['contracts']} contracts.")
        if scale == "region" and not options["no_diagnostics"]:
            started = time.perf_counter()
            made = create_demo_routes(Region.objects.get(code=generator.DEFAULT_REGION_CODE), seed=options["seed"])
            self.stdout.write(
                f"Routes in {time.perf_counter() - started:.1f} s: the demo teacher answered {made['answered']} items, route of {made['items']} activities; "
                f"region-wide plan {made['plan']}: {made['routes']} routes proposed; {made['enrollments']} enrollments with certificates."
            )
        if scale == "region" and not options["no_diagnostics"]:
            started = time.perf_counter()
            made = create_demo_support(Region.objects.get(code=generator.DEFAULT_REGION_CODE), seed=options["seed"])
            self.stdout.write(
                f"Support in {time.perf_counter() - started:.1f} s: {made['tutors']} more tutors with {made['caseload']} educators, "
                f"{made['consultations']} consultations, {made['records']} private records, {made['mentorships']} mentorships, "
                f"{made['proposals']} mentor proposals waiting for the head; reflective cycles by stage {made['cycles']}."
            )
        if scale == "region":
            started = time.perf_counter()
            made = create_demo_settlement(Region.objects.get(code=generator.DEFAULT_REGION_CODE))
            self.stdout.write(
                f"Past season in {time.perf_counter() - started:.1f} s: {made['cohorts']} finished cohorts, {made['completed']} completed with payment, "
                f"{made['waiting']} waiting for the provider's outcome."
            )
        if scale == "region":
            started = time.perf_counter()
            made = create_demo_workforce(Region.objects.get(code=generator.DEFAULT_REGION_CODE), seed=options["seed"])
            self.stdout.write(
                f"Workforce in {time.perf_counter() - started:.1f} s: {made['posts']:,} posts ({made['vacancies']} vacant), "
                f"{made['contracts']} targeted contracts, forecasts and three scenarios."
            )
        if scale == "region":
            started = time.perf_counter()
            made = create_demo_practices(Region.objects.get(code=generator.DEFAULT_REGION_CODE), seed=options["seed"])
            self.stdout.write(
                f"Practices in {time.perf_counter() - started:.1f} s: {made['practices']} practices "
                f"({made['public']} in the bank), {made['replications']} replication reports, "
                f"a contest with {made['contest']} practices, {made['files']} result files."
            )
        if scale == "region":
            started = time.perf_counter()
            made = create_demo_monitoring(Region.objects.get(code=generator.DEFAULT_REGION_CODE))
            self.stdout.write(f"Monitoring in {time.perf_counter() - started:.1f} s: {made['targets']} targets, analytics table of {made['rows']:,} rows.")
        self.stdout.write(f"Demo logins (password «{DEMO_PASSWORD}»):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<32} {login.who}")
