"""Turn one educator's problem into integer candidates the solvers share.

A candidate is an option the educator accepts, can afford alone, fits the hours cap
alone and that covers at least one deficit. Coverages and weights become integers
(see ``model.COVERAGE_SCALE`` and ``model.WEIGHT_SCALE``), so objectives are exact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from efs.planner.model import COVERAGE_SCALE, WEIGHT_SCALE, Option, Preferences, fits_instead


@dataclass(frozen=True, slots=True)
class Candidate:
    option: Option
    position: int
    gains: tuple[int, ...]
    price: int
    hours: int
    first_day: int
    last_day: int
    exclusive: bool


@dataclass(frozen=True, slots=True)
class Compiled:
    """Integer view of one educator: deficits, their weights and the candidates."""

    deficits: tuple[str, ...]
    weights: tuple[int, ...]
    candidates: tuple[Candidate, ...]
    budget: int
    max_hours: int

    def value(self, chosen: Sequence[Candidate]) -> int:
        """Σ weight × min(1, Σ coverage), in units of 1 / (WEIGHT_SCALE × COVERAGE_SCALE)."""
        total = 0
        for d, weight in enumerate(self.weights):
            total += weight * min(COVERAGE_SCALE, sum(c.gains[d] for c in chosen))
        return total


def scaled_weight(weight: float) -> int:
    return round(weight * WEIGHT_SCALE)


def scaled_coverage(share: float) -> int:
    return round(share * COVERAGE_SCALE)


def to_objective(value: int) -> float:
    return value / (WEIGHT_SCALE * COVERAGE_SCALE)


def overlaps(a: Candidate, b: Candidate) -> bool:
    """Two exclusive candidates clash when they share a day; dates are inclusive."""
    return a.exclusive and b.exclusive and a.first_day <= b.last_day and b.first_day <= a.last_day


def compile_problem(
    *,
    deficits: Mapping[str, float],
    options: Sequence[Option],
    budget: int,
    max_hours: int,
    preferences: Preferences,
) -> Compiled:
    names = tuple(sorted(name for name, weight in deficits.items() if scaled_weight(weight) > 0))
    weights = tuple(scaled_weight(deficits[name]) for name in names)
    candidates: list[Candidate] = []
    for position, option in enumerate(options):
        if option.price > budget or option.hours > max_hours:
            continue
        gains = tuple(scaled_coverage(option.coverage.get(name, 0.0)) for name in names)
        if not any(gains) or not preferences.accepts(option):
            continue
        first_day = option.start.toordinal() if option.start is not None else 0
        last_day = option.end.toordinal() if option.end is not None else 0
        candidates.append(
            Candidate(
                option=option,
                position=position,
                gains=gains,
                price=option.price,
                hours=option.hours,
                first_day=first_day,
                last_day=last_day,
                exclusive=option.exclusive,
            )
        )
    return Compiled(names, weights, tuple(candidates), budget, max_hours)


def program_groups(candidates: Sequence[Candidate]) -> list[list[int]]:
    """Indices of candidates sharing a program, for groups of two or more."""
    groups: dict[str, list[int]] = {}
    for i, candidate in enumerate(candidates):
        groups.setdefault(candidate.option.program, []).append(i)
    return [members for members in groups.values() if len(members) > 1]


def _dominates(a: Candidate, b: Candidate) -> bool:
    """``a`` can replace ``b`` in any route without losing coverage or feasibility."""
    return fits_instead(a, b) and all(x >= y for x, y in zip(a.gains, b.gains, strict=True))


def drop_dominated(candidates: Sequence[Candidate]) -> tuple[Candidate, ...]:
    """Remove candidates another option of the same program dominates.

    Only options of one program compete for the same slot (at most one per program
    is chosen), so swapping a dominated option for its dominator keeps a route
    feasible and no worse in coverage, price and hours: some lexicographically best
    route survives. Of two identical options the earlier one in the catalog stays.
    """
    by_program: dict[str, list[Candidate]] = {}
    for candidate in candidates:
        by_program.setdefault(candidate.option.program, []).append(candidate)
    kept: list[Candidate] = []
    for group in by_program.values():
        for candidate in group:
            if not any(
                other is not candidate
                and _dominates(other, candidate)
                and (not _dominates(candidate, other) or other.position < candidate.position)
                for other in group
            ):
                kept.append(candidate)
    kept.sort(key=lambda c: c.position)
    return tuple(kept)


def overlap_cliques(candidates: Sequence[Candidate]) -> list[list[int]]:
    """Maximal sets of exclusive candidates that share a day (indices into ``candidates``).

    In an interval graph every maximal clique is the set of intervals containing
    some interval's first day, so "at most one per clique" forbids every overlap.
    Such a set is contained in another one exactly when it is contained in the set
    of the neighbouring first day (an interval holding two days holds those between).
    """
    exclusive = [i for i, c in enumerate(candidates) if c.exclusive]
    days = sorted({candidates[i].first_day for i in exclusive})
    sets = [
        frozenset(i for i in exclusive if candidates[i].first_day <= day <= candidates[i].last_day)
        for day in days
    ]
    cliques: list[list[int]] = []
    for k, members in enumerate(sets):
        if len(members) < 2:
            continue
        if k > 0 and members <= sets[k - 1]:
            continue
        if k + 1 < len(sets) and members <= sets[k + 1]:
            continue
        cliques.append(sorted(members))
    return cliques
