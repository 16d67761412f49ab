"""The priced route oracle of the region decomposition against enumeration."""

from __future__ import annotations

from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efs.planner.subproblem import Item, best_priced_route


def profit(weights: list[float], items: list[Item], chosen: tuple[int, ...]) -> float:
    value = sum(w * min(1.0, sum(items[i].gains[d] for i in chosen)) for d, w in enumerate(weights))
    return value - sum(items[i].cost for i in chosen)


def feasible(items: list[Item], chosen: tuple[int, ...], budget: int, max_hours: int) -> bool:
    picked = [items[i] for i in chosen]
    if sum(i.price for i in picked) > budget or sum(i.hours for i in picked) > max_hours:
        return False
    if len({i.program for i in picked}) != len(picked):
        return False
    return not any(
        a.exclusive and b.exclusive and a.first_day <= b.last_day and b.first_day <= a.last_day
        for a, b in combinations(picked, 2)
    )


def enumerate_best(weights: list[float], items: list[Item], budget: int, max_hours: int) -> float:
    best = 0.0
    for size in range(1, len(items) + 1):
        for chosen in combinations(range(len(items)), size):
            if feasible(items, chosen, budget, max_hours):
                best = max(best, profit(weights, items, chosen))
    return best


@st.composite
def priced_problems(draw: st.DrawFn) -> tuple[list[float], list[Item], int, int]:
    k = draw(st.integers(1, 3))
    weights = [draw(st.integers(1, 100)) / 100 for _ in range(k)]
    items = []
    for _ in range(draw(st.integers(1, 9))):
        first = draw(st.integers(0, 10))
        items.append(
            Item(
                gains=tuple(draw(st.integers(0, 10)) / 10 for _ in range(k)),
                cost=draw(st.integers(0, 60)) / 100,
                price=draw(st.sampled_from([0, 10, 30])),
                hours=draw(st.sampled_from([0, 16, 36])),
                program=draw(st.integers(0, 4)),
                first_day=first,
                last_day=first + draw(st.integers(0, 4)),
                exclusive=draw(st.booleans()),
            )
        )
    return weights, items, draw(st.sampled_from([0, 30, 100])), draw(st.sampled_from([16, 50, 200]))


@settings(max_examples=300, deadline=None)
@given(priced_problems())
def test_branch_and_bound_finds_the_enumerated_optimum(
    case: tuple[list[float], list[Item], int, int],
) -> None:
    weights, items, budget, max_hours = case
    best, route, finished, bound = best_priced_route(
        weights, items, budget=budget, max_hours=max_hours
    )
    assert finished
    assert best == pytest.approx(enumerate_best(weights, items, budget, max_hours), abs=1e-9)
    assert bound == best
    chosen = route or ()
    assert feasible(items, chosen, budget, max_hours)
    assert profit(weights, items, chosen) == pytest.approx(best, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(priced_problems(), st.integers(1, 4))
def test_node_limit_still_gives_a_valid_bound(
    case: tuple[list[float], list[Item], int, int], limit: int
) -> None:
    weights, items, budget, max_hours = case
    optimum = enumerate_best(weights, items, budget=budget, max_hours=max_hours)
    best, route, finished, bound = best_priced_route(
        weights, items, budget=budget, max_hours=max_hours, node_limit=limit
    )
    assert best <= optimum + 1e-9 <= bound + 2e-9
    assert finished == (bound <= best)
    assert feasible(items, route or (), budget, max_hours)


def test_incumbent_is_kept_when_nothing_beats_it() -> None:
    item = Item(
        gains=(0.5,),
        cost=0.1,
        price=0,
        hours=0,
        program=0,
        first_day=0,
        last_day=0,
        exclusive=False,
    )
    best, route, finished, bound = best_priced_route(
        [1.0], [item], budget=0, max_hours=0, incumbent=0.4
    )
    assert (best, route, finished, bound) == (0.4, None, True, 0.4)
