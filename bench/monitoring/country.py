"""The analytics build and the dashboards at country scale, beside a raw group-by peer.

    DATABASE_URL=postgres://…/efs_x EFS_DATA_DIR=… \
        .venv/bin/python bench/monitoring/country.py [--rounds 20] [--activity | --reuse] [--backdate]

Run it on a database filled by ``efs demo --scale country [--activity]`` (or any other).
``--activity`` first simulates the country's year of activity on that database if it has none
(``efs demo --scale country --activity``, timed). ``--reuse`` measures the database as it is
(the way to re-run on a quiet machine: nothing is created, only analytics builds are added and
old ones dropped). ``--backdate`` dates every educator a year back (a directory made before
the country demo dated its records itself). It prints the data set (rows of the activity
tables, and per data element the country's value at the last full month and how many
regions have one), then runs, each as its own process under ``/usr/bin/time`` (wall, CPU,
peak resident memory):

1. ``efs monitoring build`` (full: 24 months, every data element, rolled up);
2. ``efs monitoring build --incremental`` (the daily run: the last two months);

then, in this process through Django's test client (no network, the same database), each
dashboard ``--rounds`` times as the user it is for: the federal dashboard, the regions side
by side (89 regions), a region's dashboard, a municipality's and the quarterly report page;
p50/p95/max in ms (the exact query counts are asserted in tests/monitoring). The peer, in
the same run: the group-by of educators per region over the directory that the federal
home page made before it read the analytics table, against reading the same figures from
the table.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def timed(command: list[str]) -> dict:
    started = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%e %U %S %M", *command], check=True, capture_output=True, text=True
    )
    wall, user, system, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return {
        "wall_s": float(wall),
        "cpu_s": round(float(user) + float(system), 1),
        "peak_rss_mb": round(int(peak_kb) / 1024),
        "measured_s": round(time.perf_counter() - started, 1),
        "out": result.stdout.strip()[-200:],
    }


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1), "max_ms": round(ordered[-1], 1)}


def pages(rounds: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.test import Client

    from efs.monitoring.queries import published_build
    from efs.people.models import Municipality, Region, Role, Scope, User
    from efs.people.services import role_grant

    # Keep one connection across requests, as a long-lived worker does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)

    def user_with(role: str, scope: str, **where) -> User:
        user, _ = User.objects.get_or_create(username=f"bench-{role}")
        role_grant(user=user, role=role, scope=scope, **where)
        return user

    region = max(Region.objects.all(), key=lambda r: r.municipalities.count())
    muni = Municipality.objects.filter(region=region).order_by("pk").first()
    year = time.gmtime().tm_year
    quarter = f"{year}-Q{(time.gmtime().tm_mon - 1) // 3 + 1}"
    federal = user_with(Role.FEDERAL_OPERATOR, Scope.FEDERAL)
    regional = user_with(Role.REGIONAL_OPERATOR, Scope.REGION, region=region)
    cases = [
        ("federal dashboard", federal, "/monitoring/"),
        ("regions side by side (89)", federal, f"/monitoring/regions/?period={year}"),
        ("region dashboard", regional, f"/monitoring/?level=region&unit={region.pk}"),
        ("municipality dashboard", regional, f"/monitoring/?level=municipality&unit={muni.pk}"),
        ("quarterly report page", regional, f"/monitoring/report/?region={region.pk}&quarter={quarter}"),
        ("federal home page", federal, "/"),
    ]
    out = {
        "build": published_build().pk,
        "region": region.code,
        "municipalities_in_region": region.municipalities.count(),
    }
    for label, user, url in cases:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        assert client.get(url, secure=True).status_code == 200, url  # warm up
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        out[label] = percentiles(samples)
    out["peer"] = peer(rounds)
    return out


def peer(rounds: int) -> dict:
    """The old home-page group-by over the directory against one read of the analytics table."""
    from django.db.models import Count

    from efs.monitoring.queries import region_totals
    from efs.people.models import Educator

    raw, table = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        dict(Educator.objects.filter(is_active=True).values_list("region_id").annotate(n=Count("id")).order_by())
        raw.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        region_totals("educators")
        table.append((time.perf_counter() - started) * 1000)
    return {
        "educators per region, group-by over the directory": percentiles(raw),
        "educators per region, from the analytics table": percentiles(table),
    }


def backdate() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import datetime as dt

    import django

    django.setup()
    from django.utils import timezone

    from efs.people.models import Educator

    started = time.perf_counter()
    year_ago = timezone.now() - dt.timedelta(days=365)
    changed = Educator.objects.filter(created_at__gt=year_ago).update(created_at=year_ago)
    return {"educators": changed, "wall_s": round(time.perf_counter() - started, 1)}


DATA_TABLES = [
    "people_educator",
    "diagnostics_attempt",
    "diagnostics_competencyresult",
    "routes_route",
    "routes_routegoal",
    "routes_routeitem",
    "financing_account",
    "financing_enrollment",
    "workforce_post",
    "workforce_assignment",
    "people_supportassignment",
    "support_consultation",
    "support_mentorship",
    "support_reflectioncycle",
    "practices_practice",
    "practices_replication",
    "practices_event",
    "practices_membership",
]


def simulated() -> bool:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from efs.diagnostics.models import Assessment

    return Assessment.objects.filter(code__endswith="-country-wave").exists()


def data_set() -> dict:
    """Rows of the activity tables (PostgreSQL's estimates after ANALYZE) and, per data element
    of the published build, the country's value at the last full month and regions with a value."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.db import connection

    out: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples::bigint FROM pg_class WHERE relname = ANY(%s) ORDER BY relname", [DATA_TABLES]
        )
        out["rows"] = dict(cursor.fetchall())
        cursor.execute(
            "SELECT element, sum(value) FILTER (WHERE level = 'federal'), "
            "count(DISTINCT unit_id) FILTER (WHERE level = 'region') FROM monitoring_fact "
            "WHERE build_id = (SELECT max(id) FROM monitoring_build WHERE status = 'published') "
            "AND month = (SELECT last_month - interval '1 month' FROM monitoring_build "
            "WHERE status = 'published' ORDER BY id DESC LIMIT 1) GROUP BY element ORDER BY element"
        )
        out["elements at the last full month (country, regions with a value)"] = {
            code: [int(total or 0), regions] for code, total, regions in cursor.fetchall()
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument(
        "--backdate",
        action="store_true",
        help="first date every educator a year back, as the region's demo does (a directory with a history)",
    )
    parser.add_argument(
        "--activity",
        action="store_true",
        help="first simulate the country's year of activity on this database (if it has none)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database as it is (its directory, activity and builds); create nothing",
    )
    args = parser.parse_args()
    if args.reuse and (args.activity or args.backdate):
        parser.error("--reuse creates nothing: drop --activity and --backdate")
    sys.path.insert(0, str(ROOT / "src"))
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_before": os.getloadavg()}
    }
    if args.backdate:
        result["backdate"] = backdate()
    if args.activity and not simulated():
        result["activity"] = timed([str(BIN / "efs"), "demo", "--scale", "country", "--activity"])
    if not args.skip_build:
        result["full build"] = timed([str(BIN / "efs"), "monitoring", "build"])
        result["incremental build"] = timed([str(BIN / "efs"), "monitoring", "build", "--incremental"])
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr, flush=True)
    result["data set"] = data_set()
    result["pages"] = pages(args.rounds)
    result["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
