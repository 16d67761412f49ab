"""The per-educator priced route (the decomposition's oracle): branch and bound vs CP-SAT.

    .venv/bin/python bench/planner/oracle.py --teachers 10000 --seat-scale 0.1 \
        --sample 300 --stage first

Runs the decomposition of a synthetic region to get realistic seat and fund
prices (``--stage first``: those of the first pricing round, where the priced
routes are largest; ``final``: after the last round), then solves the priced route of
``--sample`` educators twice: with the hand-written branch and bound used in production and with an equivalent CP-SAT
model (integers: coverage × 10⁴, weight and cost × 10⁴). Reports wall times per
educator (including building the model) and the largest difference in optimum.
This is the measurement behind docs/decisions/0103-planner-priced-route-branch-and-bound.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model

from efs.planner import region as region_module
from efs.planner import synth
from efs.planner.regiondata import build
from efs.planner.subproblem import Item, best_priced_route

SCALE = 10_000


def cpsat_priced(weights: list[float], items: list[Item], budget: int, max_hours: int) -> float:
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(items))]
    value = []
    for d, weight in enumerate(weights):
        y = model.new_int_var(0, SCALE, f"y{d}")
        model.add(y <= sum(round(item.gains[d] * SCALE) * x[i] for i, item in enumerate(items)))
        value.append(round(weight * SCALE) * y)
    model.add(sum(item.price * x[i] for i, item in enumerate(items)) <= budget)
    model.add(sum(item.hours * x[i] for i, item in enumerate(items)) <= max_hours)
    programs: dict[int, list[int]] = {}
    for i, item in enumerate(items):
        programs.setdefault(item.program, []).append(i)
    for members in programs.values():
        model.add_at_most_one(x[i] for i in members)
    cost = sum(round(item.cost * SCALE * SCALE) * x[i] for i, item in enumerate(items))
    model.maximize(sum(value) - cost)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.solve(model)
    return solver.objective_value / (SCALE * SCALE)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=20000)
    parser.add_argument("--cohorts", type=int, default=3000)
    parser.add_argument("--seat-scale", type=float, default=0.2)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--stage",
        choices=("first", "final"),
        default="final",
        help="multipliers of the first pricing round (hardest) or after the last one",
    )
    args = parser.parse_args()
    problem = synth.region(
        synth.SynthConfig(
            n_teachers=args.teachers, n_cohorts=args.cohorts, seat_scale=args.seat_scale
        ),
        args.seed,
    )
    data = build(problem)
    greedy = region_module.region_greedy(data)
    pool = region_module._initial_pool(data, greedy)
    decomposition = region_module._Decomposition(
        data, pool, region_module._objective(data, greedy), 2
    )
    try:
        if args.stage == "first":
            decomposition.subgradient(region_module.SUBGRADIENT_STEPS)
        else:
            decomposition.run(time.perf_counter() + 600, lambda f, m: None)
    finally:
        decomposition.close()
    pair_cost, _ = data.pair_min(decomposition.lam)
    rng = np.random.default_rng(args.seed)
    sample = rng.choice(data.n_teachers, size=args.sample, replace=False)
    own, cpsat, differences, sizes = [], [], [], []
    for t in sample.tolist():
        row = data.teachers[t]
        # The production pricing's items, rounded to the grid both solvers can represent exactly.
        _positive, priced = region_module.priced_items(data, t, pair_cost, decomposition.mu)
        items = [
            replace(
                item,
                gains=tuple(round(g * SCALE) / SCALE for g in item.gains),
                cost=round(item.cost * SCALE * SCALE) / (SCALE * SCALE),
            )
            for item in priced
        ]
        weights = [round(w * SCALE) / SCALE for w in row.weights.tolist()]
        budget, hours = int(data.budget[t]), int(data.max_hours[t])
        started = time.perf_counter()
        best, _, _, _ = best_priced_route(weights, items, budget=budget, max_hours=hours)
        own.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference = cpsat_priced(weights, items, budget, hours) if items else 0.0
        cpsat.append(time.perf_counter() - started)
        differences.append(abs(best - reference))
        sizes.append(len(items))

    def describe(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "mean_ms": round(statistics.mean(values) * 1000, 3),
            "median_ms": round(statistics.median(values) * 1000, 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 3),
            "max_ms": round(ordered[-1] * 1000, 3),
        }

    print(
        json.dumps(
            {
                "instance": vars(args),
                "items_per_educator_median": statistics.median(sizes),
                "items_per_educator_max": max(sizes),
                "branch_and_bound": describe(own),
                "cpsat": describe(cpsat),
                "max_abs_difference": max(differences),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
