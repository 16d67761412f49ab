"""`efs demo`: the demo region (default) or the whole country (`--scale country`)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from efs.demo import generator, writer
from efs.demo.catalog import create_demo_catalog
from efs.demo.coordination import create_demo_coordination
from efs.demo.country import create_country_activity, simulated
from efs.demo.diagnostics import simulate_first_wave
from efs.demo.financing import create_demo_financing
from efs.demo.monitoring import create_demo_monitoring
from efs.demo.network import create_demo_network
from efs.demo.practices import create_demo_practices
from efs.demo.programs import create_demo_programs
from efs.demo.routes import create_demo_routes
from efs.demo.settlement import create_demo_settlement
from efs.demo.support import create_demo_support
from efs.demo.users import DEMO_PASSWORD, create_demo_logins, create_demo_macroregions
from efs.demo.workforce import create_demo_workforce
from efs.people.models import Educator, Region


@dataclass(frozen=True)
class Step:
    """One app's part of the demo region: what it makes, and the line that reports it."""

    name: str
    run: Callable[[Region, int], Any]
    text: Callable[[Any], str]
    needs_diagnostics: bool = False


# In order: each step reads what the steps before it made.
REGION_STEPS = [
    Step("Simulated first wave of diagnostics", lambda r, seed: simulate_first_wave(r, seed=seed),
         lambda wave: f"{wave:,} attempts.", needs_diagnostics=True),
    Step("Program depository", lambda r, seed: create_demo_catalog(r, seed=seed),
         lambda m: f"{m['programs']} programs, {m['published']} published, {m['cohorts']} cohorts."),
    Step("Financing", lambda r, seed: create_demo_financing(r),
         lambda m: f"{m['certificates']:,} certificates, {m['contracts']} contracts."),
    Step("Routes", lambda r, seed: create_demo_routes(r, seed=seed),
         lambda m: f"the demo teacher answered {m['answered']} items, route of {m['items']} activities; "
         f"region-wide plan {m['plan']}: {m['routes']} routes proposed; "
         f"{m['enrollments']} enrollments with certificates.",
         needs_diagnostics=True),
    Step("Support", lambda r, seed: create_demo_support(r, seed=seed),
         lambda m: f"{m['tutors']} more tutors with {m['caseload']} educators, {m['consultations']} consultations, "
         f"{m['records']} private records, {m['mentorships']} mentorships, {m['proposals']} mentor proposals waiting "
         f"for the head; reflective cycles by stage {m['cycles']}; {m['capacities']} tutor capacities, "
         f"{m['moved']} educators rebalanced, {m['held']} consultations held by the tutors outside the capital, "
         f"{m['rediagnosed']} educators re-diagnosed, {m['measures']} measures of support.",
         needs_diagnostics=True),
    Step("Past season", lambda r, seed: create_demo_settlement(r),
         lambda m: f"{m['cohorts']} finished cohorts, {m['completed']} completed with payment, "
         f"{m['waiting']} waiting for the provider's outcome."),
    Step("Workforce", lambda r, seed: create_demo_workforce(r, seed=seed),
         lambda m: f"{m['posts']:,} posts ({m['vacancies']} vacant), {m['contracts']} targeted contracts, "
         "forecasts and three scenarios."),
    Step("Practices", lambda r, seed: create_demo_practices(r, seed=seed),
         lambda m: f"{m['practices']} practices ({m['public']} in the bank), {m['replications']} replication reports, "
         f"a contest with {m['contest']} practices, {m['files']} result files."),
    Step("Network school", lambda r, seed: create_demo_network(r, seed=seed),
         lambda m: f"{m['communities']} communities, {m['threads']} threads with {m['posts']} posts, "
         f"{m['events']} events ({m['registrations']} registrations), {m['courses']} blended courses "
         f"({m['enrollments']} learners), {m['projects']} joint projects."),
    Step("Monitoring", lambda r, seed: create_demo_monitoring(r),
         lambda m: f"{m['targets']} targets, analytics table of {m['rows']:,} rows."),
    Step("Coordination council", lambda r, seed: create_demo_coordination(r),
         lambda m: f"{m['members']} members, {m['meetings']} meetings, {m['decisions']} decisions, "
         f"{m['tasks']} strategic tasks."),
    Step("Regional programs", lambda r, seed: create_demo_programs(r),
         lambda m: f"{m['programs']} regions' programs, {m['projects']} macroregion project."),
]


class Command(BaseCommand):
    help = "Create the demo region (Krasnoyarsk Krai) or the whole country for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=["region", "country"], default="region")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--educators", type=int, help="how many educators (default 5 000 for a region, 1 200 000 for the country)"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when the directory already has educators"
        )
        parser.add_argument(
            "--activity",
            action="store_true",
            help="with --scale country: also simulate a year of activity in bulk (PostgreSQL); "
            "on a directory that has no activity yet, adds it to the existing directory",
        )
        parser.add_argument(
            "--no-diagnostics", action="store_true", help="do not simulate the first wave of diagnostics"
        )

    def handle(self, *args, **options):
        if options["activity"] and options["scale"] != "country":
            raise CommandError("--activity is for --scale country (the region's demo always has its activity).")
        if options["activity"] and Educator.objects.exists():
            if simulated():
                raise CommandError("The country's activity is already simulated in this database.")
            self._activity(options["seed"])
            return
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
        # The country stands for regions that have used the platform for a year: the directory's
        # records date from a year back (the region's demo backdates its own in its monitoring step).
        created_at = timezone.now() - dt.timedelta(days=365) if scale == "country" else None
        with transaction.atomic():
            for rows in generator.generate(
                seed=options["seed"], regions=regions, scale=scale, educators=total, ids=writer.next_ids()
            ):
                writer.write_region(rows, subject_ids, created_at=created_at)
                counts["regions"] += 1
                counts["municipalities"] += len(rows.municipalities)
                counts["organizations"] += len(rows.organizations)
                counts["educators"] += len(rows.educators)
                if scale == "country" and counts["regions"] % 10 == 0:
                    self.stdout.write(
                        f"  {counts['regions']} regions, {counts['educators']:,} educators, "
                        f"{time.perf_counter() - started:.0f} s"
                    )
            writer.reset_sequences()
            logins = create_demo_logins(Region.objects.get(code=generator.DEFAULT_REGION_CODE))
            create_demo_macroregions()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Directory created in {elapsed:.1f} s: {counts['regions']} region(s), {counts['municipalities']:,} "
                "municipalities, "
                f"{counts['organizations']:,} organizations, {counts['educators']:,} educators."
            )
        )
        call_command("starter")
        if scale == "region":
            region = Region.objects.get(code=generator.DEFAULT_REGION_CODE)
            for step in REGION_STEPS:
                if step.needs_diagnostics and options["no_diagnostics"]:
                    continue
                started = time.perf_counter()
                made = step.run(region, options["seed"])
                self.stdout.write(f"{step.name} in {time.perf_counter() - started:.1f} s: {step.text(made)}")
        if scale == "country" and options["activity"]:
            self._activity(options["seed"])
        self.stdout.write(f"Demo logins (password «{DEMO_PASSWORD}»):")
        for login in logins:
            self.stdout.write(f"  {login.username:<10} {login.role:<32} {login.who}")

    def _activity(self, seed: int) -> None:
        started = time.perf_counter()

        def progress(step: str, rows: int, seconds: float) -> None:
            self.stdout.write(f"  {step}: {rows:,} rows in {seconds:.1f} s")

        made = create_country_activity(seed=seed, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"A year of activity simulated in {time.perf_counter() - started:.1f} s: {sum(made.values()):,} rows."
            )
        )
