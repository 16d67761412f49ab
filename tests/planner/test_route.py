"""One educator: exact optimum, every rule, ties, errors."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from efs.planner import (
    Option,
    PlannerError,
    Preferences,
    RouteProblem,
    plan_route,
    plan_route_greedy,
    synth,
)
from efs.planner.compile import compile_problem, drop_dominated, overlap_cliques
from tests.planner.planner_reference import best_route, clash, exact_value, route_is_feasible

DAY0 = date(2025, 3, 1)


def cohort(
    id_: str,
    program: str,
    coverage: dict[str, float],
    *,
    price: int = 0,
    hours: int = 16,
    start: int | None = None,
    days: int = 5,
    exclusive: bool = False,
    **extra: object,
) -> Option:
    first = None if start is None else DAY0 + timedelta(days=start)
    last = None if first is None else first + timedelta(days=days - 1)
    return Option(
        id=id_,
        program=program,
        coverage=coverage,
        hours=hours,
        price=price,
        start=first,
        end=last,
        exclusive=exclusive,
        **extra,  # type: ignore[arg-type]
    )


@st.composite
def route_problems(draw: st.DrawFn) -> RouteProblem:
    competencies = ["a", "b", "c"][: draw(st.integers(1, 3))]
    n = draw(st.integers(1, 8))
    options = []
    for i in range(n):
        exclusive = draw(st.booleans())
        dated = exclusive or draw(st.booleans())
        coverage = {
            c: draw(st.integers(0, 10_000)) / 10_000
            for c in draw(st.lists(st.sampled_from(competencies), min_size=1, unique=True))
        }
        options.append(
            cohort(
                f"o{i}",
                f"p{draw(st.integers(0, 4))}",
                coverage,
                price=draw(st.sampled_from([0, 100, 250, 1_000, 2_500, 4_000])),
                hours=draw(st.sampled_from([0, 16, 24, 36, 72])),
                start=draw(st.integers(0, 20)) if dated else None,
                days=draw(st.integers(1, 6)),
                exclusive=exclusive,
            )
        )
    deficits = {c: draw(st.integers(1, 10_000)) / 10_000 for c in competencies}
    return RouteProblem(
        budget=draw(st.sampled_from([0, 500, 3_000, 6_000, 100_000])),
        max_hours=draw(st.sampled_from([16, 40, 80, 1_000])),
        deficits=deficits,
        options=options,
    )


def _check_against_brute_force(problem: RouteProblem, solver: str) -> None:
    value, price, hours = best_route(problem)
    if value == 0:
        with pytest.raises(PlannerError) as error:
            plan_route(problem, solver=solver)
        assert error.value.code == "infeasible"
        return
    plan = plan_route(problem, solver=solver)
    chosen = [o for o in problem.options if o.id in plan.chosen]
    assert route_is_feasible(problem, chosen)
    assert exact_value(dict(problem.deficits), chosen) == value
    # objectives are multiples of 1 / (WEIGHT_SCALE × COVERAGE_SCALE) = 1e-8
    assert Fraction(round(plan.objective * 10**8), 10**8) == value
    assert (plan.price, plan.hours) == (price, hours)
    assert plan.optimal


@settings(max_examples=150, deadline=None)
@given(route_problems())
def test_cpsat_matches_brute_force_including_ties(problem: RouteProblem) -> None:
    _check_against_brute_force(problem, "cpsat")


@settings(max_examples=60, deadline=None)
@given(route_problems())
def test_highs_matches_brute_force_including_ties(problem: RouteProblem) -> None:
    _check_against_brute_force(problem, "highs")


@settings(max_examples=100, deadline=None)
@given(route_problems())
def test_greedy_is_feasible_and_never_beats_the_optimum(problem: RouteProblem) -> None:
    value, _, _ = best_route(problem)
    if value == 0:
        return
    plan = plan_route_greedy(problem)
    chosen = [o for o in problem.options if o.id in plan.chosen]
    assert route_is_feasible(problem, chosen)
    assert exact_value(dict(problem.deficits), chosen) <= value
    assert not plan.optimal


@settings(max_examples=100, deadline=None)
@given(route_problems())
def test_overlap_cliques_forbid_exactly_the_clashing_pairs(problem: RouteProblem) -> None:
    compiled = compile_problem(
        deficits=problem.deficits,
        options=problem.options,
        budget=10**9,
        max_hours=10**5,
        preferences=Preferences(),
    )
    candidates = compiled.candidates
    cliques = overlap_cliques(candidates)
    for i, a in enumerate(candidates):
        for j, b in enumerate(candidates):
            if i < j:
                together = any(i in clique and j in clique for clique in cliques)
                assert together == clash(a.option, b.option)


def test_cohort_ending_on_the_day_another_starts_overlaps() -> None:
    # given two in-person cohorts of different programs: the first ends on day 4, the second starts on day 4
    first = cohort("first", "p1", {"a": 1.0}, start=0, days=5, exclusive=True)
    second = cohort("second", "p2", {"b": 1.0}, start=4, days=3, exclusive=True)
    later = cohort("later", "p3", {"b": 0.9}, start=5, days=3, exclusive=True)
    problem = RouteProblem(
        budget=0, max_hours=100, deficits={"a": 1.0, "b": 1.0}, options=[first, second, later]
    )
    # when planning
    plan = plan_route(problem)
    # then the touching pair is not taken together; the next-day cohort is
    assert plan.chosen == ("first", "later")
    assert plan.objective == pytest.approx(1.9)


def test_online_cohorts_may_overlap_anything() -> None:
    in_person = cohort("in-person", "p1", {"a": 1.0}, start=0, days=10, exclusive=True)
    online = cohort("online", "p2", {"b": 1.0}, start=2, days=3, exclusive=False)
    problem = RouteProblem(
        budget=0, max_hours=100, deficits={"a": 1, "b": 1}, options=[in_person, online]
    )
    assert plan_route(problem).chosen == ("in-person", "online")


def test_at_most_one_option_per_program() -> None:
    spring = cohort("spring", "p1", {"a": 0.5}, start=0)
    autumn = cohort("autumn", "p1", {"a": 0.5}, start=100)
    problem = RouteProblem(budget=0, max_hours=100, deficits={"a": 1.0}, options=[spring, autumn])
    plan = plan_route(problem)
    assert plan.chosen == ("spring",)
    assert plan.objective == pytest.approx(0.5)


def test_ties_go_to_the_cheaper_then_the_shorter_route() -> None:
    # given three ways to close the same deficit fully
    costly = cohort("costly", "p1", {"a": 1.0}, price=5_000, hours=16)
    long = cohort("long", "p2", {"a": 1.0}, price=1_000, hours=72)
    short = cohort("short", "p3", {"a": 1.0}, price=1_000, hours=36)
    problem = RouteProblem(
        budget=10_000, max_hours=100, deficits={"a": 1.0}, options=[costly, long, short]
    )
    for solver in ("cpsat", "highs"):
        plan = plan_route(problem, solver=solver)
        assert plan.chosen == ("short",)
        assert (plan.price, plan.hours) == (1_000, 36)


def test_coverage_beats_price_however_small_the_difference() -> None:
    # two cohorts of one program: a 0.0001 coverage difference beats any price difference
    better = cohort("better", "p1", {"a": 0.5001}, price=900_000)
    cheaper = cohort("cheaper", "p1", {"a": 0.5}, price=0)
    problem = RouteProblem(
        budget=900_000, max_hours=100, deficits={"a": 0.0001}, options=[better, cheaper]
    )
    plan = plan_route(problem)
    assert plan.chosen == ("better",)


def test_budget_and_hours_caps_hold() -> None:
    a = cohort("a", "p1", {"a": 1.0}, price=6_000, hours=10)
    b = cohort("b", "p2", {"b": 1.0}, price=5_000, hours=10)
    c = cohort("c", "p3", {"c": 1.0}, price=5_000, hours=50)
    problem = RouteProblem(
        budget=10_000, max_hours=30, deficits={"a": 1.0, "b": 0.9, "c": 0.8}, options=[a, b, c]
    )
    plan = plan_route(problem)
    assert plan.chosen == ("a",)
    assert plan.price <= 10_000 and plan.hours <= 30


def test_plan_explains_what_each_item_covers() -> None:
    course = cohort("course", "p1", {"a": 0.6, "b": 0.3, "unrelated": 1.0}, price=100, start=3)
    mentoring = cohort("mentoring", "p2", {"a": 0.7}, kind="mentoring", format="mentoring")
    problem = RouteProblem(
        budget=1_000, max_hours=100, deficits={"a": 2.0, "b": 1.0}, options=[course, mentoring]
    )
    plan = plan_route(problem)
    assert plan.chosen == ("course", "mentoring")
    assert {item.id: item.covers for item in plan.items} == {
        "course": {"a": 0.6, "b": 0.3},
        "mentoring": {"a": 0.7},
    }
    assert plan.covered == {"a": 1.0, "b": 0.3}
    assert plan.objective == pytest.approx(2.3)
    assert (plan.price, plan.hours) == (100, 32)


def test_preferences_filter_format_place_audience_and_dates() -> None:
    options = [
        cohort(
            "far", "p1", {"a": 1.0}, start=0, exclusive=True, place="elsewhere", format="in_person"
        ),
        cohort("math-only", "p2", {"a": 1.0}, audience=frozenset({"mathematics"})),
        cohort("too-late", "p3", {"a": 1.0}, start=300),
        cohort(
            "blended", "p4", {"a": 1.0}, start=0, exclusive=True, place="home", format="blended"
        ),
        cohort("fits", "p5", {"a": 0.4}, start=0, place="home", format="online"),
    ]
    preferences = Preferences(
        formats=frozenset({"online", "in_person"}),
        places=frozenset({"home"}),
        audience="history_social",
        latest_end=DAY0 + timedelta(days=200),
    )
    problem = RouteProblem(
        budget=0, max_hours=100, deficits={"a": 1.0}, options=options, preferences=preferences
    )
    assert plan_route(problem).chosen == ("fits",)


def test_nothing_affordable_is_an_infeasible_error() -> None:
    problem = RouteProblem(
        budget=100,
        max_hours=100,
        deficits={"a": 1.0},
        options=[cohort("x", "p", {"a": 1.0}, price=101)],
    )
    for planner in (plan_route, plan_route_greedy):
        with pytest.raises(PlannerError) as error:
            planner(problem)
        assert error.value.code == "infeasible"


def test_no_option_covers_the_deficits_is_infeasible() -> None:
    problem = RouteProblem(
        budget=100, max_hours=100, deficits={"a": 1.0}, options=[cohort("x", "p", {"b": 1.0})]
    )
    with pytest.raises(PlannerError) as error:
        plan_route(problem)
    assert error.value.code == "infeasible"


@pytest.mark.parametrize("solver", ["cpsat", "highs"])
def test_a_spent_time_limit_still_gives_a_feasible_route(solver: str) -> None:
    # whether the solver finishes in a microsecond or not, the answer is a valid route
    problem = synth.route(synth.SynthConfig(n_teachers=1, n_cohorts=600), seed=3)
    plan = plan_route(problem, solver=solver, time_limit_s=1e-6)
    chosen = [o for o in problem.options if o.id in plan.chosen]
    assert chosen and route_is_feasible(problem, chosen)
    best = plan_route(problem, solver=solver)
    assert plan.objective <= best.objective + 1e-9
    if plan.optimal:
        assert (plan.objective, plan.price, plan.hours) == (best.objective, best.price, best.hours)


def test_unknown_solver_is_rejected() -> None:
    problem = RouteProblem(
        budget=0, max_hours=10, deficits={"a": 1.0}, options=[cohort("x", "p", {"a": 1.0})]
    )
    with pytest.raises(PlannerError) as error:
        plan_route(problem, solver="glpk")
    assert error.value.code == "invalid_input"


def test_greedy_takes_best_coverage_per_rouble_and_can_be_beaten() -> None:
    # the cheap option has the best ratio but leaves no money for the valuable one
    cheap = cohort("cheap", "p1", {"a": 0.3}, price=1_000)
    valuable = cohort("valuable", "p2", {"a": 1.0, "b": 1.0}, price=9_500)
    problem = RouteProblem(
        budget=10_000, max_hours=100, deficits={"a": 1.0, "b": 1.0}, options=[cheap, valuable]
    )
    assert plan_route_greedy(problem).chosen == ("cheap",)
    assert plan_route(problem).chosen == ("valuable",)


def test_dominated_cohorts_of_a_program_are_dropped_before_solving() -> None:
    options = [
        cohort("online", "p1", {"a": 0.5}, price=100),
        cohort("in-person", "p1", {"a": 0.5}, price=100, start=0, exclusive=True),
        cohort("online-twin", "p1", {"a": 0.5}, price=100),
        cohort("cheaper-in-person", "p1", {"a": 0.5}, price=50, start=0, exclusive=True),
        cohort("other-program", "p2", {"a": 0.5}, price=100),
    ]
    compiled = compile_problem(
        deficits={"a": 1.0}, options=options, budget=1_000, max_hours=100, preferences=Preferences()
    )
    kept = [c.option.id for c in drop_dominated(compiled.candidates)]
    assert kept == ["online", "cheaper-in-person", "other-program"]
