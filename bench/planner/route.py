"""One educator against the full catalog: CP-SAT vs HiGHS vs the greedy rule.

    .venv/bin/python bench/planner/route.py --instances 200 --cohorts 3000

Each instance is the first teacher of a synthetic region (``synth.route``): a
catalog of ``--cohorts`` cohorts of which a few dozen to a few hundred fit the
teacher's deficits, category and places. Times are wall times of the whole call
(filtering, dominance, model building, the three lexicographic solves), one
instance after another; medians and p95 are reported because other processes
share the machine. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

from efs.planner import PlannerError, plan_route, plan_route_greedy, synth
from efs.planner.compile import compile_problem, drop_dominated


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--cohorts", type=int, default=3000)
    parser.add_argument("--first-seed", type=int, default=0)
    args = parser.parse_args()
    config = synth.SynthConfig(n_teachers=1, n_cohorts=args.cohorts)
    times: dict[str, list[float]] = {"cpsat": [], "highs": [], "greedy": []}
    relevant, kept, ratios = [], [], []
    disagreements = infeasible = greedy_optimal = 0
    for seed in range(args.first_seed, args.first_seed + args.instances):
        problem = synth.route(config, seed)
        compiled = compile_problem(
            deficits=problem.deficits,
            options=problem.options,
            budget=problem.budget,
            max_hours=problem.max_hours,
            preferences=problem.preferences,
        )
        plans = {}
        try:
            for name in ("cpsat", "highs"):
                started = time.perf_counter()
                plans[name] = plan_route(problem, solver=name)
                times[name].append(time.perf_counter() - started)
            started = time.perf_counter()
            plans["greedy"] = plan_route_greedy(problem)
            times["greedy"].append(time.perf_counter() - started)
        except PlannerError:
            infeasible += 1
            continue
        relevant.append(len(compiled.candidates))
        kept.append(len(drop_dominated(compiled.candidates)))
        a, b, g = plans["cpsat"], plans["highs"], plans["greedy"]
        if (round(a.objective, 8), a.price, a.hours) != (round(b.objective, 8), b.price, b.hours):
            disagreements += 1
        ratios.append(g.objective / a.objective)
        greedy_optimal += g.objective >= a.objective - 1e-9
    solved = len(ratios)
    print(
        json.dumps(
            {
                "instances": args.instances,
                "solved": solved,
                "infeasible": infeasible,
                "cohorts_in_catalog": args.cohorts,
                "relevant_median": statistics.median(relevant),
                "relevant_range": [min(relevant), max(relevant)],
                "after_dominance_median": statistics.median(kept),
                "after_dominance_range": [min(kept), max(kept)],
                "cpsat": summary(times["cpsat"]),
                "highs": summary(times["highs"]),
                "greedy": summary(times["greedy"]),
                "cpsat_highs_disagreements": disagreements,
                "greedy_share_of_optimum_mean": round(statistics.mean(ratios), 4),
                "greedy_share_of_optimum_min": round(min(ratios), 4),
                "greedy_optimal_instances": greedy_optimal,
                "machine": f"{platform.machine()} Python {platform.python_version()}",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
