"""Latency of the ЦНППМ head's caseload page, with the people directory page as the peer
measured in the same run.

    # a region of 30 000 educators, in a database of its own:
    DATABASE_URL=postgres://…/efs_bench EFS_DATA_DIR=var/bench .venv/bin/efs migrate
    DATABASE_URL=… EFS_DATA_DIR=var/bench .venv/bin/efs demo --educators 30000 --no-diagnostics
    DATABASE_URL=… EFS_DATA_DIR=var/bench .venv/bin/python bench/support/caseloads.py --prepare [--rounds 30]
    # the demo region (after `efs demo`): no --prepare, the demo's own caseloads
    DATABASE_URL=… EFS_DATA_DIR=var/demo .venv/bin/python bench/support/caseloads.py

``--prepare`` (idempotent) gives the region realistic caseloads: 60 tutors (a login each,
the tutor role), 85 % of the active educators assigned to a tutor of their municipality
group (some tutors over capacity, 15 % without a tutor), a capacity for each tutor.
Then logs in as the demo regional operator (the ЦНППМ head) through the Django test client
(no network) and requests the caseload page and the API and, as the peer, the people
directory of the region; prints p50/p95/max in ms, the queries per request and the load
average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time

TUTORS = 60
ASSIGNED_SHARE = 0.85


def prepare(region) -> dict:
    from django.db import transaction

    from efs.people.models import Educator, Role, RoleAssignment, Scope, SupportAssignment, User
    from efs.support.models import TutorCapacity

    tutors = list(User.objects.filter(username__startswith="bench-tutor-").order_by("pk"))
    if len(tutors) >= TUTORS:
        return {"prepared": False, "tutors": len(tutors)}
    rng = random.Random(14)
    with transaction.atomic():
        for n in range(len(tutors) + 1, TUTORS + 1):
            user = User.objects.create(username=f"bench-tutor-{n}", first_name="Тьютор", last_name=f"Бенч-{n:02d}")
            RoleAssignment.objects.create(user=user, role=Role.TUTOR, scope=Scope.ASSIGNED, region=region)
            tutors.append(user)
        educators = list(
            Educator.objects.filter(region=region, is_active=True)
            .order_by("organization__municipality_id", "pk")
            .values_list("pk", flat=True)
        )
        chosen = [e for e in educators if rng.random() < ASSIGNED_SHARE]
        per_tutor = -(-len(chosen) // len(tutors))
        rows = [
            SupportAssignment(supporter=tutors[i // per_tutor], educator_id=e, kind=Role.TUTOR, region=region)
            for i, e in enumerate(chosen)
        ]
        SupportAssignment.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
        for i, tutor in enumerate(tutors):
            # a quarter of the tutors are over capacity, the rest have a few places
            capacity = per_tutor - 40 if i % 4 == 0 else per_tutor + rng.randint(5, 60)
            TutorCapacity.objects.update_or_create(tutor=tutor, region=region, defaults={"capacity": max(1, capacity)})
    return {"prepared": True, "tutors": len(tutors), "educators": len(educators), "assigned": len(chosen)}


def measure(client, url: str, rounds: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm: the session and the caches of the first request
    times = []
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {
        "requests": len(times),
        "queries": len(ctx.captured_queries),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--prepare", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    os.environ.setdefault("EFS_SECURE", "0")  # plain http inside the test client, as `make run`
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from efs.people.models import Educator, Region, SupportAssignment, User

    region = Region.objects.get(code="24")
    prepared = prepare(region) if args.prepare else {"prepared": False}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics after the bulk load, as autovacuum would give
            cursor.execute("ANALYZE")
    load_before = os.getloadavg()
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="regional"))
    figures = {
        "caseload_page": measure(client, "/support/caseloads/", args.rounds),
        "caseload_page_proposed": measure(client, "/support/caseloads/?propose=1", args.rounds),
        "caseload_api": measure(client, "/api/support/caseloads", args.rounds),
        "peer_people_directory": measure(client, f"/people/educators/?region={region.pk}", args.rounds),
    }
    size = {
        "educators": Educator.objects.filter(region=region, is_active=True).count(),
        "assignments": SupportAssignment.objects.filter(region=region, kind="tutor", active=True).count(),
    }
    print(
        json.dumps(
            {**prepared, **size, **figures, "load_average_before": load_before, "load_average_after": os.getloadavg()},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
