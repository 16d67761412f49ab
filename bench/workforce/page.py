"""Latency of the workforce pages on the demo region (after ``efs demo``).

    EFS_DATA_DIR=var/demo .venv/bin/python bench/workforce/page.py [--rounds 3]

Logs in as the demo regional operator through the Django test client (no network) and
requests every municipality's page and the regional overview; prints p50/p95/max in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.test import Client

    from efs.people.models import Municipality, Region, User

    region = Region.objects.get(code="24")
    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="regional"))
    places = list(Municipality.objects.filter(region=region).values_list("pk", flat=True))
    figures = {}
    for name, urls in (
        ("municipality", [f"/workforce/municipalities/{pk}/" for pk in places]),
        ("overview", ["/workforce/"] * 10),
    ):
        times = []
        for _ in range(args.rounds):
            for url in urls:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (url, response.status_code)
        times.sort()
        figures[name] = {
            "requests": len(times),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1),
        }
    print(json.dumps({**figures, "load_average_after": os.getloadavg()}, indent=1))


if __name__ == "__main__":
    main()
