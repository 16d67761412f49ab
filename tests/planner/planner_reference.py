"""Reference solutions by enumeration, written independently of the solvers."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from itertools import combinations

from efs.planner.model import Option, RouteProblem


def clash(a: Option, b: Option) -> bool:
    """Inclusive-date overlap of two exclusive options."""
    if not (a.exclusive and b.exclusive):
        return False
    assert a.start and a.end and b.start and b.end
    return a.start <= b.end and b.start <= a.end


def route_is_feasible(problem: RouteProblem, chosen: Sequence[Option]) -> bool:
    if sum(o.price for o in chosen) > problem.budget:
        return False
    if sum(o.hours for o in chosen) > problem.max_hours:
        return False
    if len({o.program for o in chosen}) != len(chosen):
        return False
    if not all(problem.preferences.accepts(o) for o in chosen):
        return False
    return not any(clash(a, b) for a, b in combinations(chosen, 2))


def exact_value(deficits: dict[str, float], chosen: Sequence[Option]) -> Fraction:
    """Σ weight × min(1, Σ coverage) in exact arithmetic on 4-decimal data."""
    total = Fraction(0)
    for name, weight in deficits.items():
        covered = sum(
            (Fraction(round(o.coverage.get(name, 0.0) * 10_000), 10_000) for o in chosen),
            Fraction(0),
        )
        total += Fraction(round(weight * 10_000), 10_000) * min(Fraction(1), covered)
    return total


def best_route(problem: RouteProblem) -> tuple[Fraction, int, int]:
    """(covered weight, price, hours) of the lexicographically best route."""
    best = (Fraction(0), 0, 0)
    options = list(problem.options)
    for size in range(1, len(options) + 1):
        for chosen in combinations(options, size):
            if not route_is_feasible(problem, chosen):
                continue
            value = exact_value(dict(problem.deficits), chosen)
            price = sum(o.price for o in chosen)
            hours = sum(o.hours for o in chosen)
            if (value, -price, -hours) > (best[0], -best[1], -best[2]):
                best = (value, price, hours)
    return best
