"""Region-wide allocation: always feasible, never below greedy, bound above the optimum."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from itertools import combinations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efs.planner import (
    Option,
    PlannerError,
    Preferences,
    RegionProblem,
    TeacherDemand,
    allocate_region,
    allocate_region_greedy,
    synth,
)
from efs.planner.model import Allocation
from tests.planner.planner_reference import clash

DAY0 = date(2025, 3, 1)


def assert_feasible(problem: RegionProblem, allocation: Allocation) -> None:
    """Every rule, checked from the plain problem and the ids alone."""
    options = {o.id: o for o in problem.options}
    seats: Counter[str] = Counter()
    spent = 0
    assert set(allocation.assignments) == {t.id for t in problem.teachers}
    for teacher in problem.teachers:
        chosen = [options[i] for i in allocation.assignments[teacher.id]]
        assert sum(o.price for o in chosen) <= teacher.budget
        assert sum(o.hours for o in chosen) <= teacher.max_hours
        assert len({o.program for o in chosen}) == len(chosen)
        assert all(teacher.preferences.accepts(o) for o in chosen)
        assert not any(clash(a, b) for a, b in combinations(chosen, 2))
        seats.update(o.id for o in chosen)
        spent += sum(o.price for o in chosen)
    assert all(options[i].seats is None or n <= options[i].seats for i, n in seats.items())
    assert spent <= problem.fund
    assert allocation.fund_used == spent


def covered_weight(problem: RegionProblem, assignments: dict[str, tuple[str, ...]]) -> float:
    options = {o.id: o for o in problem.options}
    total = 0.0
    for teacher in problem.teachers:
        chosen = [options[i] for i in assignments[teacher.id]]
        for name, weight in teacher.deficits.items():
            total += weight * min(1.0, sum(o.coverage.get(name, 0.0) for o in chosen))
    return total


def brute_force_optimum(problem: RegionProblem) -> float:
    options = list(problem.options)
    subsets = [s for size in range(len(options) + 1) for s in combinations(options, size)]
    best = 0.0
    for choice in product(subsets, repeat=len(problem.teachers)):
        assignments = {
            t.id: tuple(o.id for o in s) for t, s in zip(problem.teachers, choice, strict=True)
        }
        try:
            assert_feasible(problem, Allocation(assignments, 0.0, None, 0.0, _spent(choice)))
        except AssertionError:
            continue
        best = max(best, covered_weight(problem, assignments))
    return best


def _spent(choice: tuple[tuple[Option, ...], ...]) -> int:
    return sum(o.price for s in choice for o in s)


@st.composite
def tiny_regions(draw: st.DrawFn) -> RegionProblem:
    options = []
    for i in range(draw(st.integers(1, 4))):
        exclusive = draw(st.booleans())
        start = DAY0 + timedelta(days=draw(st.integers(0, 6)))
        options.append(
            Option(
                id=f"c{i}",
                program=f"p{draw(st.integers(0, 2))}",
                coverage={
                    c: draw(st.integers(1, 100)) / 100
                    for c in draw(st.lists(st.sampled_from("abc"), min_size=1, unique=True))
                },
                hours=draw(st.sampled_from([16, 36])),
                price=draw(st.sampled_from([0, 1_000, 3_000])),
                start=start,
                end=start + timedelta(days=draw(st.integers(0, 3))),
                exclusive=exclusive,
                seats=draw(st.one_of(st.none(), st.integers(1, 2))),
            )
        )
    teachers = [
        TeacherDemand(
            id=f"t{k}",
            budget=draw(st.sampled_from([0, 2_000, 5_000])),
            max_hours=draw(st.sampled_from([16, 40, 100])),
            deficits={
                c: draw(st.integers(1, 100)) / 100
                for c in draw(st.lists(st.sampled_from("abc"), unique=True))
            },
        )
        for k in range(draw(st.integers(1, 3)))
    ]
    return RegionProblem(
        fund=draw(st.sampled_from([0, 2_000, 4_000, 10_000])), teachers=teachers, options=options
    )


@settings(max_examples=40, deadline=None)
@given(tiny_regions())
def test_allocation_is_feasible_and_bracketed_by_greedy_and_the_bound(
    problem: RegionProblem,
) -> None:
    optimum = brute_force_optimum(problem)
    allocation = allocate_region(problem, time_limit_s=30)
    assert_feasible(problem, allocation)
    assert allocation.objective == pytest.approx(covered_weight(problem, allocation.assignments))
    assert allocation.greedy_objective - 1e-9 <= allocation.objective <= optimum + 1e-9
    assert allocation.upper_bound is not None
    assert allocation.upper_bound >= optimum - 1e-6


def test_seats_go_to_those_who_gain_most() -> None:
    # given one seat and two teachers; the first in line needs it less
    seat = Option(id="only", program="p", coverage={"a": 1.0}, hours=16, price=0, seats=1)
    teachers = [
        TeacherDemand(id="first", budget=0, max_hours=100, deficits={"a": 0.2}),
        TeacherDemand(id="second", budget=0, max_hours=100, deficits={"a": 0.9}),
    ]
    problem = RegionProblem(fund=0, teachers=teachers, options=[seat])
    # when allocating region-wide, and greedily
    allocation = allocate_region(problem)
    greedy = allocate_region_greedy(problem)
    # then greedy serves the first in line and the allocation the one who gains most
    assert greedy.assignments == {"first": ("only",), "second": ()}
    assert allocation.assignments == {"first": (), "second": ("only",)}
    assert allocation.objective == pytest.approx(0.9)
    assert allocation.greedy_objective == pytest.approx(0.2)
    assert allocation.upper_bound == pytest.approx(0.9)


def test_fund_goes_where_a_rouble_closes_most() -> None:
    course = Option(id="course", program="p", coverage={"a": 1.0}, hours=16, price=10_000, seats=10)
    teachers = [
        TeacherDemand(id="t1", budget=10_000, max_hours=100, deficits={"a": 0.3}),
        TeacherDemand(id="t2", budget=10_000, max_hours=100, deficits={"a": 1.0}),
    ]
    problem = RegionProblem(fund=10_000, teachers=teachers, options=[course])
    allocation = allocate_region(problem)
    assert_feasible(problem, allocation)
    assert allocation.assignments == {"t1": (), "t2": ("course",)}
    assert allocation.fund_used == 10_000


def test_synthetic_region_beats_greedy_and_reports_progress() -> None:
    config = synth.SynthConfig(n_teachers=400, n_cohorts=120, seat_scale=0.3)
    problem = synth.region(config, seed=5)
    seen: list[tuple[float, str]] = []
    allocation = allocate_region(
        problem, progress=lambda f, m: seen.append((f, m)), time_limit_s=60
    )
    assert_feasible(problem, allocation)
    assert allocation.objective > allocation.greedy_objective
    assert allocation.upper_bound is not None
    assert allocation.objective <= allocation.upper_bound + 1e-6
    assert allocation.gap is not None and 0 <= allocation.gap < 1
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in seen)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_regions_are_feasible_and_never_below_greedy(seed: int) -> None:
    problem = synth.region(synth.SynthConfig(n_teachers=250, n_cohorts=90, seat_scale=0.3), seed)
    allocation = allocate_region(problem, time_limit_s=60)
    greedy = allocate_region_greedy(problem)
    assert_feasible(problem, allocation)
    assert_feasible(problem, greedy)
    assert greedy.objective == pytest.approx(allocation.greedy_objective)
    assert greedy.objective == pytest.approx(covered_weight(problem, greedy.assignments))
    assert allocation.objective >= greedy.objective
    assert allocation.upper_bound is not None
    assert allocation.objective <= allocation.upper_bound + 1e-6


def test_two_workers_give_the_same_allocation_as_one() -> None:
    problem = synth.region(synth.SynthConfig(n_teachers=150, n_cohorts=60, seat_scale=0.3), seed=9)
    one = allocate_region(problem, workers=1)
    two = allocate_region(problem, workers=2)
    assert_feasible(problem, two)
    assert two.assignments == one.assignments
    assert two.upper_bound == pytest.approx(one.upper_bound)


def test_teachers_without_deficits_or_options_get_nothing() -> None:
    online = Option(id="o", program="p", coverage={"a": 0.5}, hours=16, price=0)
    teachers = [
        TeacherDemand(id="none", budget=0, max_hours=100, deficits={}),
        TeacherDemand(id="other", budget=0, max_hours=100, deficits={"b": 1.0}),
        TeacherDemand(
            id="picky",
            budget=0,
            max_hours=100,
            deficits={"a": 1.0},
            preferences=Preferences(formats=frozenset({"in_person"})),
        ),
        TeacherDemand(id="served", budget=0, max_hours=100, deficits={"a": 1.0}),
    ]
    problem = RegionProblem(fund=0, teachers=teachers, options=[online])
    allocation = allocate_region(problem)
    assert allocation.assignments == {"none": (), "other": (), "picky": (), "served": ("o",)}
    assert allocation.objective == pytest.approx(0.5)


def test_empty_region_is_an_error() -> None:
    online = Option(id="o", program="p", coverage={"a": 0.5}, hours=16, price=0)
    with pytest.raises(PlannerError) as error:
        RegionProblem(fund=0, teachers=[], options=[online])
    assert error.value.code == "empty_input"
    with pytest.raises(PlannerError) as error:
        RegionProblem(
            fund=0, teachers=[TeacherDemand(id="t", budget=0, max_hours=1, deficits={})], options=[]
        )
    assert error.value.code == "empty_input"
