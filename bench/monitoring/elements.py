"""The analytics build per data element: seconds each element takes (its query, the insert of
its organization rows and the roll-ups), and EXPLAIN ANALYZE of an element's query.

    DATABASE_URL=postgres://…/efs_x EFS_DATA_DIR=… \
        .venv/bin/python bench/monitoring/elements.py [--incremental] [--explain CODE …]

Runs one build (full, or ``--incremental``) in this process, timing each element between the
progress calls, and prints JSON: per element the seconds and the fact rows it wrote, slowest
first, with the load average before and after (the machine may be shared: say so). With
``--explain`` it builds nothing and prints the plans of the named elements' queries over the
months a full build covers (``--months 2``: an incremental run's); with no code, of every
element that has a query.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incremental", action="store_true")
    parser.add_argument("--explain", nargs="*", default=None, help="element codes: print their plans, build nothing")
    parser.add_argument(
        "--months", type=int, default=None, help="with --explain: the last N months (default: a full build's)"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from efs.monitoring import services
    from efs.monitoring.elements import ELEMENTS
    from efs.monitoring.models import Fact
    from efs.periods import add_months, month_start

    out: dict = {"load_before": os.getloadavg()}
    if args.explain is not None:
        last = month_start(timezone.now().date())
        count = args.months or services.FULL_MONTHS
        months = [add_months(last, i + 1 - count) for i in range(count)]
        for code in args.explain or [code for code, element in ELEMENTS.items() if element.sql is not None]:
            sql, params = ELEMENTS[code].sql(months)
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) s", params)
                print(f"== {code}\n" + "\n".join(row[0] for row in cursor.fetchall()))
        return
    marks: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(step: int, total: int, code: str) -> None:
        marks.append((code, time.perf_counter()))

    build = services.analytics_build(incremental=args.incremental, progress=progress)
    total = time.perf_counter() - started
    rows = dict(
        Fact.objects.filter(build=build).values_list("element").annotate(n=django.db.models.Count("id")).order_by()
    )
    per_element, previous = [], started
    for code, at in marks:
        per_element.append((code, round(at - previous, 1), rows.get(code, 0)))
        previous = at
    out.update(
        {
            "build": build.pk,
            "incremental": build.incremental,
            "rows": build.rows,
            "wall_s": round(total, 1),
            "after_last_element_s": round(time.perf_counter() - previous, 1),
            "elements (code, s, rows), slowest first": sorted(per_element, key=lambda e: -e[1]),
            "load_after": os.getloadavg(),
        }
    )
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
