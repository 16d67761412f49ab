"""In-process cost of one request: queries and CPU per page, optionally a cProfile of it.

    EFS_DATA_DIR=… [DATABASE_URL=…] .venv/bin/python bench/web/cost.py [--user bench-t1] [--runs 30]
        [--profile /healthz] [--top 40]

Logs in with Django's test client as the given user (password «bench», or «demo» for the demo
logins) on a database prepared with bench/web/prepare.py, then for each page: 3 warm-up
requests, then `--runs` requests, each timed with `time.process_time` (CPU of this process:
the whole WSGI stack, middleware included, and closing or keeping the database connection at
the end of the request as the server does) and its queries counted. Prints the median and
p90 CPU milliseconds and the queries of the last request. `--profile PATH` also runs that
page `--runs` more times under cProfile and prints the top functions by cumulative and own
time. Repeat views with no write between them: the cached page parts are hits, as they are
for a teacher reloading a page.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import statistics
import sys
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--user", default="bench-t1")
    parser.add_argument("--password", default=None)
    parser.add_argument("--pages", default="/healthz,/,ROUTE")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", default=None, help="a page to run under cProfile")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sql", action="store_true", help="print the SQL of each page's last request")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.db import close_old_connections, connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    password = args.password or ("bench" if args.user.startswith("bench-") else "demo")
    client = Client(HTTP_HOST="127.0.0.1")
    response = client.post("/accounts/login/", {"username": args.user, "password": password})
    if response.status_code != 302:
        raise SystemExit(f"cannot log in as {args.user}: {response.status_code}")
    pages = args.pages.split(",")
    if "ROUTE" in pages:
        home = client.get("/").content.decode()
        found = re.search(r'href="(/routes/\d+/)"', home)
        pages[pages.index("ROUTE")] = found.group(1) if found else "/routes/"
    print(f"user {args.user}, {args.runs} runs, database {connection.vendor}")
    for page in pages:
        for _ in range(3):
            client.get(page)
        cpu = []
        for _ in range(args.runs):
            started = time.process_time()
            with CaptureQueriesContext(connection) as queries:  # connects first, as the request's first query would
                response = client.get(page)
            close_old_connections()  # what the server's request_finished does (the test client skips it)
            cpu.append(1000 * (time.process_time() - started))
        cpu.sort()
        print(
            f"{page:<24} status {response.status_code} queries {len(queries.captured_queries):>3} "
            f"CPU median {statistics.median(cpu):6.2f} ms p90 {cpu[int(0.9 * len(cpu))]:6.2f} ms"
        )
        if args.sql:
            for q in queries.captured_queries:
                print("      ", q["sql"][:200])
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            client.get(args.profile)
            close_old_connections()
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
