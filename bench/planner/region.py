"""Region-wide allocation at full size through the command line, checked independently.

    .venv/bin/python bench/planner/region.py --teachers 100000 --cohorts 3000 --seed 7

Writes ``bench/out/region-<teachers>-<seed>.json`` with ``efs planner synth`` (once),
runs ``efs planner allocate`` on it as a separate process and measures its wall
time (reading the JSON included), then re-checks every rule of the allocation from
the two JSON files alone (seats, fund, budgets, hours, one cohort per program,
inclusive-date overlaps, preferences) and prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from itertools import combinations
from pathlib import Path

from efs.planner.jsonio import region_problem


def check(region: dict, allocation: dict) -> dict[str, float]:
    problem = region_problem(region)
    options = {o.id: o for o in problem.options}
    seats: Counter[str] = Counter()
    spent = 0
    served = 0
    for teacher in problem.teachers:
        chosen = [options[i] for i in allocation["assignments"][teacher.id]]
        served += bool(chosen)
        assert sum(o.price for o in chosen) <= teacher.budget, teacher.id
        assert sum(o.hours for o in chosen) <= teacher.max_hours, teacher.id
        assert len({o.program for o in chosen}) == len(chosen), teacher.id
        assert all(teacher.preferences.accepts(o) for o in chosen), teacher.id
        for a, b in combinations(chosen, 2):
            if a.exclusive and b.exclusive:
                assert isinstance(a.start, date) and a.end and b.start and b.end
                assert a.end < b.start or b.end < a.start, teacher.id
        seats.update(o.id for o in chosen)
        spent += sum(o.price for o in chosen)
    assert all(options[i].seats is None or n <= options[i].seats for i, n in seats.items())
    assert spent <= problem.fund
    return {"served_teachers": served, "fund_used_share": spent / problem.fund}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=100_000)
    parser.add_argument("--cohorts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    out = Path("bench/out")
    out.mkdir(parents=True, exist_ok=True)
    instance = out / f"region-{args.teachers}-{args.cohorts}-{args.seed}.json"
    result = out / f"allocation-{args.teachers}-{args.cohorts}-{args.seed}.json"
    efs = [sys.executable, "-m", "efs.planner"]
    if not instance.exists():
        subprocess.run(
            [
                *efs,
                "synth",
                "region",
                "--seed",
                str(args.seed),
                "--teachers",
                str(args.teachers),
                "--cohorts",
                str(args.cohorts),
                "--out",
                str(instance),
            ],
            check=True,
        )
    started = time.perf_counter()
    subprocess.run(
        [
            *efs,
            "allocate",
            "--instance",
            str(instance),
            "--out",
            str(result),
            "--quiet",
            "--workers",
            str(args.workers),
        ],
        check=True,
    )
    wall = time.perf_counter() - started
    region = json.loads(instance.read_text(encoding="utf-8"))
    allocation = json.loads(result.read_text(encoding="utf-8"))
    figures = check(region, allocation)
    objective, greedy, bound = (
        allocation["objective"],
        allocation["greedy_objective"],
        allocation["upper_bound"],
    )
    print(
        json.dumps(
            {
                "teachers": args.teachers,
                "cohorts": args.cohorts,
                "seed": args.seed,
                "workers": args.workers,
                "wall_s": round(wall, 1),
                "objective": round(objective, 2),
                "greedy_objective": round(greedy, 2),
                "over_greedy_percent": round((objective / greedy - 1) * 100, 1),
                "upper_bound": round(bound, 2),
                "gap_percent": round(allocation["gap"] * 100, 2),
                "feasible": True,
                **figures,
                "stats": {k: round(v, 2) for k, v in allocation["stats"].items()},
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
