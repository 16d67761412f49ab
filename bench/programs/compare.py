"""Latency of the federal comparison of 89 regions' programs, on its own database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/efs_programs \\
        .venv/bin/python bench/programs/compare.py [--rounds 40]

Migrates the database named in DATABASE_URL (create it first), then, once,
writes what the comparison reads: the starter indicator passports, the federal template,
in each of the 89 regions three subjects (authority, institute, ЦНППМ) and one program —
six goals with tasks and activities, four indicators with targets for this year and the
next, three resources — taken through draft, submission, two expert reviews and approval
by the real services; and a published analytics build with region-level facts for every
month of this year (synthetic counts: the directory has no people). Then requests, through
the Django test client (no network) as the federal operator:

- ``/coordination/programs/compare/`` — every region with a program (89) side by side;
- ``/monitoring/?level=federal`` — the peer: the monitoring dashboard of the country, the
  page that reads the same analytics table;

and prints p50/p95/max wall time in ms, the median CPU time of the web process, the number of queries
of one comparison, and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import time
from decimal import Decimal


def prepare() -> None:
    from django.utils import timezone

    from efs.coordination.programs import services, starter
    from efs.coordination.programs.content import (
        ActivityData,
        Content,
        GoalData,
        ResourceData,
        TargetData,
        TaskData,
    )
    from efs.coordination.programs.models import RegionalProgram
    from efs.monitoring.models import Build, BuildStatus, Fact, Level
    from efs.monitoring.services import starter_indicators_load
    from efs.people.models import Organization, Region, Role, User
    from efs.people.services import role_grant
    from efs.people.validators import inn_with_checksum

    if RegionalProgram.objects.count() >= 89:
        return
    rng = random.Random(0)
    year = timezone.now().year
    starter_indicators_load()
    federal, _ = User.objects.get_or_create(username="bench_federal")
    role_grant(user=federal, role=Role.FEDERAL_OPERATOR, scope="federal")
    experts = []
    for name in ("bench_expert1", "bench_expert2"):
        user, _ = User.objects.get_or_create(username=name)
        role_grant(user=user, role=Role.EXPERT, scope="assigned", region=Region.objects.get(code="77"))
        experts.append(user)
    template = services.current_template() or services.template_publish(
        actor=federal, title=starter.TITLE, components=starter.COMPONENTS, criteria=starter.CRITERIA
    )
    codes = [c["code"] for c in template.components]
    for region in Region.objects.order_by("code"):
        orgs = {}
        for n, kind in enumerate(("ministry", "ipk", "cnppm"), start=1):
            orgs[kind] = Organization.objects.filter(region=region, kind=kind).first() or Organization.objects.create(
                region=region,
                kind=kind,
                name=f"{kind} {region.name}",
                short_name=f"{kind} {region.code}",
                inn=inn_with_checksum(f"{region.code}8{n:02d}{region.pk:04d}"[:9]),
            )
        goals = tuple(
            GoalData(
                component=code,
                title=f"Цель {code}",
                tasks=tuple(
                    TaskData(
                        title=f"Задача {code} {t}",
                        responsible_id=orgs["cnppm"].pk,
                        co_executor_ids=(orgs["ipk"].pk,),
                        activities=(ActivityData(title="Мероприятие"),),
                    )
                    for t in range(2)
                ),
            )
            for code in rng.sample(codes, 6)
        )
        targets = tuple(
            TargetData(indicator=code, year=y, value=Decimal(rng.randint(10, 70)))
            for code in ("diagnosed_share", "route_share", "certificate_use_share", "trained_cnppm_share")
            for y in (year, year + 1)
        )
        resources = (
            ResourceData(kind="money", amount=rng.randint(10, 300) * 10**8, organization_id=orgs["ministry"].pk),
            ResourceData(kind="staff_hours", amount=rng.randint(5, 60) * 1000, organization_id=orgs["cnppm"].pk),
            ResourceData(kind="venues", amount=rng.randint(1, 6), organization_id=orgs["ipk"].pk),
        )
        program = services.program_create(
            actor=federal,
            region=region,
            title=f"Программа ЕФС: {region.name}",
            year_from=year,
            year_to=year + 2,
            content=Content(
                summary="",
                educators_covered=rng.randint(5, 60) * 1000,
                goals=goals,
                targets=targets,
                resources=resources,
            ),
        )
        version = program.versions.get()
        services.version_submit(actor=federal, version=version)
        services.experts_assign(actor=federal, version=version, experts=experts)
        for review in version.reviews.all():
            scores = {c["code"]: rng.randint(1, c["max_score"]) for c in template.criteria}
            comments = {
                c["code"]: "Обоснование оценки по критерию."
                for c in template.criteria
                if scores[c["code"]] < c["max_score"]
            }
            services.review_submit(
                actor=review.expert,
                review=review,
                scores=scores,
                comments=comments,
                verdict="revise",
                strengths="Сильные стороны программы названы.",
                weaknesses="Слабые стороны программы названы.",
            )
        services.version_decide(actor=federal, version=version, approve=True)
    months = [dt.date(year, m, 1) for m in range(1, 13)]
    build = Build.objects.create(first_month=months[0], last_month=months[-1], status=BuildStatus.BUILDING)
    facts = []
    elements = (
        "educators",
        "educators_diagnosed",
        "educators_with_route",
        "certificates_issued",
        "certificates_used",
        "educators_trained_cnppm",
    )
    for region in Region.objects.all():
        base = rng.randint(5, 60) * 1000
        for month in months:
            for element in elements:
                value = base if element in ("educators", "certificates_issued") else int(base * rng.uniform(0.05, 0.6))
                facts.append(
                    Fact(
                        build=build,
                        element=element,
                        level=Level.REGION,
                        unit_id=region.pk,
                        region_id=region.pk,
                        month=month,
                        value=value,
                    )
                )
    from efs.monitoring.services import facts_partition

    facts_partition(build)  # the analytics table is partitioned by build on PostgreSQL
    Fact.objects.bulk_create(facts, batch_size=5000)
    Build.objects.filter(status=BuildStatus.PUBLISHED).update(status=BuildStatus.SUPERSEDED)
    build.status, build.rows = BuildStatus.PUBLISHED, len(facts)
    build.save()


def measure(client, url: str, rounds: int) -> dict:
    times, cpu = [], []
    for _ in range(rounds):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {
        # The web process's own CPU per request (the database's work excluded): what the load does not stretch.
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "requests": len(times),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from efs.people.models import User

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    prepare()
    prepared = time.perf_counter() - started
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="bench_federal"))
    client.get("/coordination/programs/compare/")  # warm
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/coordination/programs/compare/")
    body = page.content.decode()
    figures = {
        "database": connection.vendor,
        "prepare_s": round(prepared, 1),
        "regions_on_page": body.count("?version="),
        "queries_per_comparison": len(ctx.captured_queries),
        "load_average_before": os.getloadavg(),
        "compare_89": measure(client, "/coordination/programs/compare/", args.rounds),
        "peer_monitoring_federal": measure(client, "/monitoring/?level=federal&unit=0", args.rounds),
        "load_average_after": os.getloadavg(),
    }
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
