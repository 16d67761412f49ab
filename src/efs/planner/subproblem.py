"""Exact priced route of one educator, the oracle of the region-wide decomposition.

Given a cost per option (the seat price and the fund price of the option's money,
from the Lagrangian multipliers), find a feasible route maximising

    Σ_d w_d · min(1, Σ_{i∈S} g_id)  −  Σ_{i∈S} cost_i

under the educator's budget, hours cap, one option per program and no two
exclusive options sharing a day. This is called for every educator of a region in
every pricing round, so it is a small hand-written depth-first branch and bound
instead of a CP-SAT model (whose set-up alone costs more than the search; see
docs/decisions/0103-planner-priced-route-branch-and-bound.md):

- the objective is monotone submodular minus a modular cost, so an option's
  marginal profit only shrinks as a route grows: options whose marginal profit is
  not positive are dropped at every node, and the sum over programs of the best
  remaining marginal profit, capped by the weight still uncovered, bounds a node;
- the program with the best marginal profit is branched on first (take one of its
  options, or none), which finds the greedy route on the first dive;
- in the "none of this program" branch, options that one of the program's
  options beats on every count are dropped too (swapping them for it never hurts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from efs.planner.model import fits_instead

EPS = 1e-9


@dataclass(frozen=True, slots=True)
class Item:
    """One option as the oracle sees it; ``gains`` are coverages per deficit, in 0..1."""

    gains: tuple[float, ...]
    cost: float
    price: int
    hours: int
    program: int
    first_day: int
    last_day: int
    exclusive: bool


@dataclass(slots=True)
class _Search:
    weights: tuple[float, ...]
    items: Sequence[Item]
    best_profit: float
    best_route: tuple[int, ...] | None
    nodes: int
    node_limit: int
    open_bound: float


def best_priced_route(
    weights: Sequence[float],
    items: Sequence[Item],
    *,
    budget: int,
    max_hours: int,
    node_limit: int = 200_000,
    incumbent: float = 0.0,
) -> tuple[float, tuple[int, ...] | None, bool, float]:
    """Best reduced profit, chosen item positions, whether the search finished, a bound.

    ``incumbent`` is the profit of a route the caller already has (the empty route
    has 0); the route returned is ``None`` when nothing beats it. When
    ``node_limit`` stops the search the flag is false and the last value is an upper
    bound on the optimum (otherwise it equals the profit).
    """
    search = _Search(tuple(weights), items, incumbent, None, 0, node_limit, incumbent)
    start: list[tuple[float, int]] = []
    for position, item in enumerate(items):
        if item.price > budget or item.hours > max_hours:
            continue
        profit = _marginal(search.weights, item, None) - item.cost
        if profit > EPS:
            start.append((profit, position))
    start = _undominated(items, start)
    covered = [0.0] * len(weights)
    _dive(search, covered, 0.0, budget, max_hours, [], [], start)
    finished = search.open_bound <= search.best_profit
    return (
        search.best_profit,
        search.best_route,
        finished,
        max(search.best_profit, search.open_bound),
    )


def _marginal(weights: tuple[float, ...], item: Item, covered: list[float] | None) -> float:
    gain = 0.0
    if covered is None:
        for w, g in zip(weights, item.gains, strict=True):
            gain += w * min(g, 1.0)
        return gain
    for w, g, c in zip(weights, item.gains, covered, strict=True):
        if g > 0.0 and c < 1.0:
            gain += w * min(g, 1.0 - c)
    return gain


def _undominated(items: Sequence[Item], pool: list[tuple[float, int]]) -> list[tuple[float, int]]:
    """Drop options another option of the same program beats on every count."""
    by_program: dict[int, list[tuple[float, int]]] = {}
    for entry in pool:
        by_program.setdefault(items[entry[1]].program, []).append(entry)
    kept: list[tuple[float, int]] = []
    for group in by_program.values():
        if len(group) == 1:
            kept.extend(group)
            continue
        group.sort(key=lambda e: (items[e[1]].cost, e[1]))
        survivors: list[tuple[float, int]] = []
        for entry in group:
            item = items[entry[1]]
            if not any(_beats(items[other[1]], item) for other in survivors):
                survivors.append(entry)
        kept.extend(survivors)
    return kept


def _knapsack(
    pool: list[tuple[float, int]], items: Sequence[Item], capacity: int, resource: str
) -> float:
    """Fractional knapsack over the pool on one resource: a bound on the profit to come.

    It ignores one-option-per-program and the other resource, so it can only be
    larger than the true best completion.
    """
    free = 0.0
    ranked: list[tuple[float, float, int]] = []
    for marginal, position in pool:
        size = getattr(items[position], resource)
        if size == 0:
            free += marginal
        else:
            ranked.append((marginal / size, marginal, size))
    ranked.sort(reverse=True)
    total = free
    left = capacity
    for density, marginal, size in ranked:
        if size <= left:
            total += marginal
            left -= size
        else:
            return total + density * left
    return total


def _beats(a: Item, b: Item) -> bool:
    return (
        a.cost <= b.cost
        and fits_instead(a, b)
        and all(x >= y for x, y in zip(a.gains, b.gains, strict=True))
    )


def _dive(
    search: _Search,
    covered: list[float],
    profit: float,
    money: int,
    hours: int,
    chosen: list[int],
    intervals: list[tuple[int, int]],
    pool: list[tuple[float, int]],
) -> None:
    search.nodes += 1
    if profit > search.best_profit + EPS:
        search.best_profit = profit
        search.best_route = tuple(chosen)
    if not pool:
        return
    items = search.items
    best_of: dict[int, float] = {}
    for marginal, position in pool:
        program = items[position].program
        if marginal > best_of.get(program, 0.0):
            best_of[program] = marginal
    uncovered = 0.0
    for w, c in zip(search.weights, covered, strict=True):
        if c < 1.0:
            uncovered += w * (1.0 - c)
    room = min(uncovered, sum(best_of.values()))
    if profit + room <= search.best_profit + EPS:
        return
    if search.nodes >= search.node_limit:
        search.open_bound = max(search.open_bound, profit + room)
        return
    room = min(room, _knapsack(pool, items, hours, "hours"), _knapsack(pool, items, money, "price"))
    if profit + room <= search.best_profit + EPS:
        return
    program = max(best_of, key=best_of.__getitem__)
    branch = sorted((e for e in pool if items[e[1]].program == program), reverse=True)
    rest = [e for e in pool if items[e[1]].program != program]
    for marginal, position in branch:
        item = items[position]
        child_covered = [c + g for c, g in zip(covered, item.gains, strict=True)]
        child_money = money - item.price
        child_hours = hours - item.hours
        child_intervals = (
            intervals + [(item.first_day, item.last_day)] if item.exclusive else intervals
        )
        child_pool: list[tuple[float, int]] = []
        for _, other_position in rest:
            other = items[other_position]
            if other.price > child_money or other.hours > child_hours:
                continue
            if other.exclusive and any(
                other.first_day <= last and first <= other.last_day
                for first, last in child_intervals
            ):
                continue
            gain = _marginal(search.weights, other, child_covered) - other.cost
            if gain > EPS:
                child_pool.append((gain, other_position))
        chosen.append(position)
        _dive(
            search,
            child_covered,
            profit + marginal,
            child_money,
            child_hours,
            chosen,
            child_intervals,
            child_pool,
        )
        chosen.pop()
    # Without this program, a route holding an option one of its options beats
    # (cheaper or equal on every count, at least the same still-useful coverage)
    # would be no worse with the swap, so such options can go too.
    room_left = [max(0.0, 1.0 - c) for c in covered]
    rest = [
        e for e in rest if not any(_beats_here(items[a], items[e[1]], room_left) for _, a in branch)
    ]
    _dive(search, covered, profit, money, hours, chosen, intervals, rest)


def _beats_here(a: Item, b: Item, room: list[float]) -> bool:
    return (
        a.cost <= b.cost
        and fits_instead(a, b)
        and all(x >= min(y, r) for x, y, r in zip(a.gains, b.gains, room, strict=True))
    )
