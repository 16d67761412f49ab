"""Small region: the decomposition against a general MILP solver and the LP bound.

    .venv/bin/python bench/planner/region_milp.py --teachers 500 --cohorts 150 \\
        --seat-scale 0.1 --seed 7 --milp-seconds 300

Builds the full cohort-level model (budgets, hours, one cohort per program,
date-overlap cliques, seats, fund, y_td ≤ Σ coverage, y_td ≤ 1) and gives it to
HiGHS (through SciPy) with a time limit; solves its LP relaxation; runs
``allocate_region`` and the greedy baseline on the same instance. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from efs.planner import RegionProblem, allocate_region, synth
from efs.planner.highs import solve_sparse
from efs.planner.regiondata import build


@dataclass
class Model:
    n_x: int = 0
    weights: list[float] = field(default_factory=list)
    rows: list[tuple[list[int], list[float], float]] = field(default_factory=list)

    def row(self, cols: list[int], coefs: list[float], upper: float) -> None:
        self.rows.append((cols, coefs, upper))


def full_model(problem: RegionProblem) -> tuple[Model, np.ndarray]:
    """Columns: one binary per (teacher, allowed cohort), then one y per (teacher, deficit)."""
    data = build(problem)
    model = Model()
    seat_cols: dict[int, list[int]] = {}
    fund: tuple[list[int], list[float]] = ([], [])
    coverage_rows: list[tuple[float, list[int], list[float]]] = []
    for t, row in enumerate(data.teachers):
        if not len(row.products):
            continue
        cohorts, local = data.teacher_cohorts(row)
        index = list(range(model.n_x, model.n_x + len(cohorts)))
        model.n_x += len(cohorts)
        model.row(index, [float(data.price[i]) for i in cohorts], float(data.budget[t]))
        model.row(index, [float(data.hours[i]) for i in cohorts], float(data.max_hours[t]))
        by_program: dict[int, list[int]] = {}
        exclusive: list[tuple[int, int]] = []
        for col, i in zip(index, cohorts.tolist(), strict=True):
            by_program.setdefault(int(data.program[i]), []).append(col)
            seat_cols.setdefault(i, []).append(col)
            fund[0].append(col)
            fund[1].append(float(data.price[i]))
            if data.exclusive[i]:
                exclusive.append((col, i))
        for cols in by_program.values():
            if len(cols) > 1:
                model.row(cols, [1.0] * len(cols), 1.0)
        for _, i in exclusive:
            day = data.first_day[i]
            clique = [c for c, j in exclusive if data.first_day[j] <= day <= data.last_day[j]]
            if len(clique) > 1:
                model.row(clique, [1.0] * len(clique), 1.0)
        for d, weight in enumerate(row.weights.tolist()):
            pairs = [
                (c, float(row.gains[k, d])) for c, k in zip(index, local.tolist(), strict=True)
            ]
            pairs = [(c, g) for c, g in pairs if g > 0]
            coverage_rows.append((weight, [c for c, _ in pairs], [-g for _, g in pairs]))
    for i, cols in seat_cols.items():
        if np.isfinite(data.seats[i]):
            model.row(cols, [1.0] * len(cols), float(data.seats[i]))
    model.row(fund[0], fund[1], float(problem.fund))
    for weight, cols, coefs in coverage_rows:
        y = model.n_x + len(model.weights)
        model.weights.append(weight)
        model.row([y, *cols], [1.0, *coefs], 0.0)
    n = model.n_x + len(model.weights)
    indptr = np.cumsum([0] + [len(c) for c, _, _ in model.rows])
    matrix = sparse.csr_matrix(
        (
            np.concatenate([np.asarray(c, dtype=np.float64) for _, c, _ in model.rows]),
            np.concatenate([np.asarray(c, dtype=np.int64) for c, _, _ in model.rows]),
            indptr,
        ),
        shape=(len(model.rows), n),
    )
    return model, matrix


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=500)
    parser.add_argument("--cohorts", type=int, default=150)
    parser.add_argument("--seat-scale", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--milp-seconds", type=float, default=300)
    args = parser.parse_args()
    config = synth.SynthConfig(
        n_teachers=args.teachers, n_cohorts=args.cohorts, seat_scale=args.seat_scale
    )
    problem = synth.region(config, args.seed)

    started = time.perf_counter()
    allocation = allocate_region(problem, workers=2)
    decomposition_s = time.perf_counter() - started

    model, matrix = full_model(problem)
    n = matrix.shape[1]
    cost = np.concatenate([np.zeros(model.n_x), np.asarray(model.weights)])
    upper = np.ones(n)
    integer = np.concatenate(
        [np.ones(model.n_x, dtype=bool), np.zeros(len(model.weights), dtype=bool)]
    )
    lower_rows = np.full(matrix.shape[0], -np.inf)
    upper_rows = np.array([u for _, _, u in model.rows])
    started = time.perf_counter()
    lp = solve_sparse(
        cost=cost,
        matrix=matrix,
        row_lower=lower_rows,
        row_upper=upper_rows,
        col_upper=upper,
        integer=None,
        maximize=True,
        time_limit_s=args.milp_seconds,
    )
    lp_s = time.perf_counter() - started
    started = time.perf_counter()
    milp = solve_sparse(
        cost=cost,
        matrix=matrix,
        row_lower=lower_rows,
        row_upper=upper_rows,
        col_upper=upper,
        integer=integer,
        maximize=True,
        time_limit_s=args.milp_seconds,
    )
    milp_s = time.perf_counter() - started
    print(
        json.dumps(
            {
                "instance": vars(args),
                "machine": f"{platform.machine()} {platform.python_version()}",
                "binaries": model.n_x,
                "rows": matrix.shape[0],
                "greedy": allocation.greedy_objective,
                "decomposition": allocation.objective,
                "decomposition_bound": allocation.upper_bound,
                "decomposition_s": round(decomposition_s, 1),
                "milp_incumbent": milp.objective,
                "milp_dual_bound": milp.dual_bound,
                "milp_optimal": milp.optimal,
                "milp_s": round(milp_s, 1),
                "lp_bound": lp.objective,
                "lp_s": round(lp_s, 1),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
