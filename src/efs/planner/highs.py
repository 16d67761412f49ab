"""HiGHS back end: the same integer route model, and a small sparse MIP/LP helper.

HiGHS is reached through SciPy (``scipy.optimize.milp`` / ``linprog``), which links
its own copy statically: the ``highspy`` wheel and OR-Tools both ship a
``libhighs.so.1`` of different versions, and whichever loads second fails with an
undefined symbol, so ``highspy`` cannot live in a process that uses CP-SAT.

HiGHS works in floating point, so the route model keeps the integer data, asks for
a zero relative gap, and the caller re-evaluates the chosen set exactly in integers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from efs.planner.compile import Candidate, Compiled, overlap_cliques, program_groups
from efs.planner.model import COVERAGE_SCALE


@dataclass(frozen=True, slots=True)
class MipResult:
    x: np.ndarray | None
    objective: float
    dual_bound: float
    optimal: bool
    row_duals: np.ndarray | None


def solve_sparse(
    *,
    cost: np.ndarray,
    matrix: sparse.csr_matrix,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    col_upper: np.ndarray,
    integer: np.ndarray | None,
    maximize: bool,
    time_limit_s: float,
) -> MipResult:
    """Solve max/min cost·x, row_lower ≤ A x ≤ row_upper, 0 ≤ x ≤ col_upper.

    ``integer`` marks integer columns; ``None`` solves the LP relaxation and also
    returns the row duals (of the maximisation, so non-negative on ≤ rows).
    """
    sign = -1.0 if maximize else 1.0
    cost = sign * np.asarray(cost, dtype=np.float64)
    if integer is None:
        finite_upper = np.isfinite(row_upper)
        finite_lower = np.isfinite(row_lower)
        assert not np.any(finite_lower & finite_upper & (row_lower != row_upper))
        rows = sparse.vstack([matrix[finite_upper], -matrix[finite_lower]]).tocsr()
        rhs = np.concatenate([row_upper[finite_upper], -row_lower[finite_lower]])
        lp = linprog(
            cost,
            A_ub=rows,
            b_ub=rhs,
            bounds=np.column_stack([np.zeros(len(cost)), col_upper]),
            method="highs",
            options={"time_limit": time_limit_s, "presolve": True},
        )
        if lp.x is None:
            return MipResult(None, float("nan"), float("nan"), False, None)
        marginals = -np.asarray(lp.ineqlin.marginals)
        duals = np.zeros(matrix.shape[0])
        upper_count = int(finite_upper.sum())
        duals[finite_upper] += marginals[:upper_count]
        duals[finite_lower] -= marginals[upper_count:]
        objective = sign * float(lp.fun)
        return MipResult(lp.x, objective, objective, lp.status == 0, duals)
    result = milp(
        cost,
        integrality=np.asarray(integer, dtype=np.int64),
        bounds=Bounds(np.zeros(len(cost)), col_upper),
        constraints=LinearConstraint(matrix, row_lower, row_upper),
        options={"time_limit": time_limit_s, "mip_rel_gap": 0.0},
    )
    bound = result.get("mip_dual_bound")
    return MipResult(
        result.x,
        sign * float(result.fun) if result.x is not None else float("nan"),
        sign * float(bound) if bound is not None else float("nan"),
        result.status == 0,
        None,
    )


def solve_highs(
    compiled: Compiled, candidates: Sequence[Candidate], time_limit_s: float
) -> tuple[list[Candidate], bool] | None:
    """The lexicographic route model with HiGHS: weight, then price, then hours.

    Returns ``None`` when the time limit stops the first solve before optimality.
    """
    n, k = len(candidates), len(compiled.weights)
    rows: list[tuple[list[int], list[float], float, float]] = []
    for d in range(k):
        cols = [i for i, c in enumerate(candidates) if c.gains[d]]
        coefs = [-float(candidates[i].gains[d]) for i in cols]
        rows.append(([n + d, *cols], [1.0, *coefs], -np.inf, 0.0))
    rows.append((list(range(n)), [float(c.price) for c in candidates], -np.inf, compiled.budget))
    rows.append((list(range(n)), [float(c.hours) for c in candidates], -np.inf, compiled.max_hours))
    for members in program_groups(candidates) + overlap_cliques(candidates):
        rows.append((members, [1.0] * len(members), -np.inf, 1.0))
    value = np.concatenate([np.zeros(n), np.asarray(compiled.weights, dtype=np.float64)])
    price = np.concatenate([[float(c.price) for c in candidates], np.zeros(k)])
    hours = np.concatenate([[float(c.hours) for c in candidates], np.zeros(k)])
    col_upper = np.concatenate([np.ones(n), np.full(k, float(COVERAGE_SCALE))])
    integer = np.concatenate([np.ones(n, dtype=bool), np.zeros(k, dtype=bool)])
    x: np.ndarray | None = None
    for objective, maximize in ((value, True), (price, False), (hours, False)):
        matrix, lower, upper = _assemble(rows, n + k)
        result = solve_sparse(
            cost=objective,
            matrix=matrix,
            row_lower=lower,
            row_upper=upper,
            col_upper=col_upper,
            integer=integer,
            maximize=maximize,
            time_limit_s=time_limit_s,
        )
        if not result.optimal or result.x is None:
            if x is None:
                return None
            return [c for i, c in enumerate(candidates) if x[i] > 0.5], False
        x = np.round(result.x)
        best = round(float(objective @ x))
        nonzero = [int(i) for i in np.flatnonzero(objective)]
        coefs = [float(objective[i]) for i in nonzero]
        if maximize:
            rows.append((nonzero, coefs, best - 0.5, np.inf))
        else:
            rows.append((nonzero, coefs, -np.inf, best + 0.5))
    assert x is not None
    return [c for i, c in enumerate(candidates) if x[i] > 0.5], True


def _assemble(
    rows: list[tuple[list[int], list[float], float, float]], n: int
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    indptr = np.cumsum([0] + [len(cols) for cols, _, _, _ in rows])
    indices = np.concatenate([np.asarray(cols, dtype=np.int64) for cols, _, _, _ in rows])
    data = np.concatenate([np.asarray(coefs, dtype=np.float64) for _, coefs, _, _ in rows])
    matrix = sparse.csr_matrix((data, indices, indptr), shape=(len(rows), n))
    lower = np.array([lo for _, _, lo, _ in rows], dtype=np.float64)
    upper = np.array([hi for _, _, _, hi in rows], dtype=np.float64)
    return matrix, lower, upper
