"""Invalid and empty input is refused with a stable error code."""

from __future__ import annotations

from datetime import date

import pytest

from efs.planner import Option, PlannerError, Preferences, RouteProblem, TeacherDemand


def option(**changes: object) -> Option:
    fields: dict[str, object] = {
        "id": "x",
        "program": "p",
        "coverage": {"a": 0.5},
        "hours": 16,
        "price": 100,
    }
    fields.update(changes)
    return Option(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"price": -1}, "price (kopecks) must not be negative"),
        ({"price": 10.5}, "price (kopecks) must be an integer"),
        ({"hours": True}, "hours must be an integer"),
        ({"coverage": {"a": 1.2}}, "coverage of 'a' must be between 0 and 1"),
        ({"coverage": {"a": -0.1}}, "coverage of 'a' must be between 0 and 1"),
        ({"coverage": {"a": float("nan")}}, "coverage of 'a' must be between 0 and 1"),
        ({"coverage": {"": 0.5}}, "a coverage competency must be a non-empty string"),
        (
            {"start": date(2025, 3, 2), "end": date(2025, 3, 1)},
            "end 2025-03-01 is before start 2025-03-02",
        ),
        ({"start": date(2025, 3, 2)}, "give both start and end dates or neither"),
        ({"exclusive": True}, "an exclusive (in-person) option needs start and end dates"),
        ({"id": ""}, "option id must be a non-empty string"),
        ({"seats": -3}, "seats must not be negative"),
        ({"audience": {"math"}}, "audience must be a frozenset"),
    ],
)
def test_invalid_option_is_refused(changes: dict[str, object], fragment: str) -> None:
    with pytest.raises(PlannerError) as error:
        option(**changes)
    assert error.value.code == "invalid_input"
    assert fragment in error.value.message


def test_unknown_field_is_refused() -> None:
    with pytest.raises(TypeError):
        option(colour="red")


def test_invalid_problem_values_are_refused() -> None:
    for kwargs, fragment in [
        ({"budget": -5}, "budget (kopecks) must not be negative"),
        ({"max_hours": -1}, "max_hours must not be negative"),
        ({"deficits": {"a": -1.0}}, "weight of deficit 'a' must be between 0"),
        ({"options": [option(), option()]}, "duplicate option id 'x'"),
    ]:
        fields: dict[str, object] = {
            "budget": 0,
            "max_hours": 10,
            "deficits": {"a": 1.0},
            "options": [option()],
        }
        fields.update(kwargs)
        with pytest.raises(PlannerError) as error:
            RouteProblem(**fields)  # type: ignore[arg-type]
        assert error.value.code == "invalid_input"
        assert fragment in error.value.message


def test_empty_problems_are_refused() -> None:
    with pytest.raises(PlannerError) as error:
        RouteProblem(budget=0, max_hours=10, deficits={}, options=[option()])
    assert error.value.code == "empty_input"
    with pytest.raises(PlannerError) as error:
        RouteProblem(budget=0, max_hours=10, deficits={"a": 0.0}, options=[option()])
    assert error.value.code == "empty_input"
    with pytest.raises(PlannerError) as error:
        RouteProblem(budget=0, max_hours=10, deficits={"a": 1.0}, options=[])
    assert error.value.code == "empty_input"


def test_invalid_teacher_and_preferences_are_refused() -> None:
    with pytest.raises(PlannerError) as error:
        TeacherDemand(id="t", budget=-1, max_hours=10, deficits={})
    assert "teacher 't': budget (kopecks) must not be negative" in error.value.message
    with pytest.raises(PlannerError) as error:
        Preferences(places={"m01"})  # type: ignore[arg-type]
    assert error.value.code == "invalid_input"


def test_error_text_carries_the_code() -> None:
    error = PlannerError("infeasible", "nothing fits")
    assert str(error) == "infeasible: nothing fits"
    assert (error.code, error.message) == ("infeasible", "nothing fits")
