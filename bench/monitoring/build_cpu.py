"""One analytics build, timed with the PostgreSQL backend's CPU (the backend does the work;
`/usr/bin/time` on `efs monitoring build` sees only the client's).

    DATABASE_URL=postgres://…/efs_x EFS_DATA_DIR=… .venv/bin/python bench/monitoring/build_cpu.py [--incremental]

Prints one JSON line: the build, whether it is incremental (and its base), rows written, wall
seconds, this process's CPU seconds, the backend's CPU seconds (from /proc/<pid>/stat, so the
database must run on this machine; its parallel workers are not counted) and the load average
before and after (the machine may be shared: say so).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def backend_cpu(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "efs.settings")
    import django

    django.setup()
    from django.db import connection

    from efs.monitoring import services

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    load_before = os.getloadavg()[0]
    cpu_before, usage_before, started = backend_cpu(pid), resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    build = services.analytics_build(incremental="--incremental" in sys.argv)
    wall = time.perf_counter() - started
    usage, cpu_after = resource.getrusage(resource.RUSAGE_SELF), backend_cpu(pid)
    own = usage.ru_utime + usage.ru_stime - usage_before.ru_utime - usage_before.ru_stime
    print(
        json.dumps(
            {
                "build": build.pk,
                "incremental": build.incremental,
                "base": build.base_id,
                "rows": build.rows,
                "wall_s": round(wall, 1),
                "process_cpu_s": round(own, 1),
                "backend_cpu_s": None if cpu_before is None or cpu_after is None else round(cpu_after - cpu_before, 1),
                "load_before": load_before,
                "load_after": os.getloadavg()[0],
            }
        )
    )


if __name__ == "__main__":
    main()
