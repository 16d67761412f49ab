"""One educator's route: the exact mixed-integer model and the greedy baseline.

Model (after ``compile``): binary x_i per candidate, integer y_d in [0, C] per
deficit with y_d ≤ Σ_i c_id x_i, and

    maximise   Σ_d w_d y_d                       (covered weight, exact integers)
    subject to Σ_i price_i x_i ≤ budget,   Σ_i hours_i x_i ≤ max_hours,
               Σ_{i in program} x_i ≤ 1,   Σ_{i in clique} x_i ≤ 1 (date overlaps).

Ties are broken exactly in two more solves: the covered weight is fixed at its
optimum and the price minimised, then the price is fixed and the hours minimised.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ortools.sat.python import cp_model

from efs.planner.compile import (
    Candidate,
    Compiled,
    compile_problem,
    drop_dominated,
    overlap_cliques,
    overlaps,
    program_groups,
    to_objective,
)
from efs.planner.model import COVERAGE_SCALE, ChosenItem, PlannerError, RoutePlan, RouteProblem

SOLVERS = ("cpsat", "highs")


def plan_route(
    problem: RouteProblem, *, time_limit_s: float = 10.0, solver: str = "cpsat"
) -> RoutePlan:
    """The best route: most covered deficit weight, then cheapest, then fewest hours.

    ``solver`` is ``"cpsat"`` (default, measured faster) or ``"highs"``; both solve the
    same integer model exactly. Raises ``PlannerError("infeasible")`` when no option
    covering a deficit fits the budget, hours cap and preferences.
    """
    if solver not in SOLVERS:
        raise PlannerError("invalid_input", f"unknown solver {solver!r}, use one of {SOLVERS}")
    compiled = _compile(problem)
    candidates = drop_dominated(compiled.candidates)
    if solver == "cpsat":
        chosen, optimal = _solve_cpsat(compiled, candidates, time_limit_s)
    else:
        # SciPy's optimizer is imported only by this back end (it slows start-up)
        from efs.planner.highs import solve_highs

        solved = solve_highs(compiled, candidates, time_limit_s)
        chosen, optimal = (
            solved if solved is not None else (greedy_choice(compiled, candidates), False)
        )
    return build_plan(compiled, chosen, optimal=optimal)


def plan_route_greedy(problem: RouteProblem) -> RoutePlan:
    """The baseline rule: repeatedly take the option with the best coverage per rouble.

    Marginal covered weight divided by price; free options come first (largest
    marginal weight first). Stops when nothing that still fits adds coverage.
    """
    compiled = _compile(problem)
    chosen = greedy_choice(compiled, compiled.candidates)
    return build_plan(compiled, chosen, optimal=False)


def _compile(problem: RouteProblem) -> Compiled:
    compiled = compile_problem(
        deficits=problem.deficits,
        options=problem.options,
        budget=problem.budget,
        max_hours=problem.max_hours,
        preferences=problem.preferences,
    )
    if not compiled.candidates:
        raise PlannerError(
            "infeasible",
            f"no option covering the deficits fits the budget of {problem.budget} kopecks, "
            f"the cap of {problem.max_hours} hours and the preferences",
        )
    return compiled


def greedy_choice(
    compiled: Compiled,
    candidates: Sequence[Candidate],
    *,
    budget: int | None = None,
) -> list[Candidate]:
    """The greedy rule on compiled candidates; ``budget`` overrides the educator's."""
    money = compiled.budget if budget is None else budget
    hours = compiled.max_hours
    covered = [0] * len(compiled.weights)
    chosen: list[Candidate] = []
    programs: set[str] = set()
    while True:
        best: tuple[Fraction | float, int, int, int, int] | None = None
        best_candidate: Candidate | None = None
        for candidate in candidates:
            if candidate.price > money or candidate.hours > hours:
                continue
            if candidate.option.program in programs:
                continue
            if candidate.exclusive and any(overlaps(candidate, c) for c in chosen):
                continue
            gain = 0
            for d, weight in enumerate(compiled.weights):
                room = COVERAGE_SCALE - covered[d]
                if room > 0 and candidate.gains[d]:
                    gain += weight * min(room, candidate.gains[d])
            if gain <= 0:
                continue
            ratio: Fraction | float = (
                float("inf") if candidate.price == 0 else Fraction(gain, candidate.price)
            )
            key = (ratio, gain, -candidate.price, -candidate.hours, -candidate.position)
            if best is None or key > best:
                best, best_candidate = key, candidate
        if best_candidate is None:
            return chosen
        chosen.append(best_candidate)
        programs.add(best_candidate.option.program)
        money -= best_candidate.price
        hours -= best_candidate.hours
        for d in range(len(covered)):
            covered[d] += best_candidate.gains[d]


def _solve_cpsat(
    compiled: Compiled, candidates: Sequence[Candidate], time_limit_s: float
) -> tuple[list[Candidate], bool]:
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(len(candidates))]
    covered = []
    for d in range(len(compiled.weights)):
        y = model.new_int_var(0, COVERAGE_SCALE, f"y{d}")
        model.add(y <= sum(c.gains[d] * x[i] for i, c in enumerate(candidates) if c.gains[d]))
        covered.append(y)
    price = sum(c.price * x[i] for i, c in enumerate(candidates))
    hours = sum(c.hours * x[i] for i, c in enumerate(candidates))
    model.add(price <= compiled.budget)
    model.add(hours <= compiled.max_hours)
    for members in program_groups(candidates):
        model.add_at_most_one(x[i] for i in members)
    for clique in overlap_cliques(candidates):
        model.add_at_most_one(x[i] for i in clique)
    value = sum(w * y for w, y in zip(compiled.weights, covered, strict=True))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit_s
    incumbent = set(map(id, greedy_choice(compiled, candidates)))
    hint = [id(c) in incumbent for c in candidates]
    for objective, sense in ((value, "max"), (price, "min"), (hours, "min")):
        model.clear_hints()  # type: ignore[no-untyped-call]  # unannotated in OR-Tools
        for var, taken in zip(x, hint, strict=True):
            model.add_hint(var, taken)
        if sense == "max":
            model.maximize(objective)
        else:
            model.minimize(objective)
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return [c for c, taken in zip(candidates, hint, strict=True) if taken], False
        hint = [solver.boolean_value(var) for var in x]
        if status != cp_model.OPTIMAL:
            return [c for c, taken in zip(candidates, hint, strict=True) if taken], False
        best = round(solver.objective_value)
        model.add(objective >= best if sense == "max" else objective <= best)
    return [c for c, taken in zip(candidates, hint, strict=True) if taken], True


def build_plan(compiled: Compiled, chosen: Sequence[Candidate], *, optimal: bool) -> RoutePlan:
    ordered = sorted(chosen, key=lambda c: (c.option.start is None, c.first_day, c.option.id))
    totals = [0] * len(compiled.weights)
    for candidate in ordered:
        for d, gain in enumerate(candidate.gains):
            totals[d] += gain
    items = tuple(
        ChosenItem(
            id=c.option.id,
            program=c.option.program,
            price=c.price,
            hours=c.hours,
            start=c.option.start,
            end=c.option.end,
            covers={
                name: c.gains[d] / COVERAGE_SCALE
                for d, name in enumerate(compiled.deficits)
                if c.gains[d]
            },
        )
        for c in ordered
    )
    return RoutePlan(
        chosen=tuple(c.option.id for c in ordered),
        objective=to_objective(compiled.value(ordered)),
        price=sum(c.price for c in ordered),
        hours=sum(c.hours for c in ordered),
        covered={
            name: min(COVERAGE_SCALE, totals[d]) / COVERAGE_SCALE
            for d, name in enumerate(compiled.deficits)
        },
        items=items,
        optimal=optimal,
    )
