"""JSON form of planner problems and results (the command-line contract).

Unknown fields are rejected, so a typo never silently changes a plan.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from efs.planner.model import (
    Allocation,
    Option,
    PlannerError,
    Preferences,
    RegionProblem,
    RoutePlan,
    RouteProblem,
    TeacherDemand,
)

ROUTE_FIELDS = {"budget", "max_hours", "deficits", "cohorts", "preferences"}
REGION_FIELDS = {"fund", "teachers", "cohorts"}
TEACHER_FIELDS = {"id", "budget", "max_hours", "deficits", "preferences"}
COHORT_REQUIRED = {"id", "program", "coverage", "hours", "price"}
COHORT_FIELDS = COHORT_REQUIRED | {
    "start",
    "end",
    "exclusive",
    "kind",
    "format",
    "place",
    "seats",
    "audience",
}
PREFERENCE_FIELDS = {"formats", "places", "audience", "earliest_start", "latest_end"}


def _invalid(message: str) -> PlannerError:
    return PlannerError("invalid_input", message)


def _object(value: object, where: str, allowed: set[str], required: set[str]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _invalid(f"{where} must be a JSON object")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _invalid(f"{where}: unknown field(s) {', '.join(unknown)}")
    missing = sorted(required - set(value))
    if missing:
        raise _invalid(f"{where}: missing field(s) {', '.join(missing)}")
    return value


def _date(value: object, where: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(f"{where} must be a date YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _invalid(f"{where} must be a date YYYY-MM-DD, got {value!r}") from None


def _integer(value: object, where: str) -> int:
    """JSON numbers that are whole (``36`` or ``36.0``) are integers; others are errors."""
    if isinstance(value, bool):
        raise _invalid(f"{where} must be a whole number, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    raise _invalid(f"{where} must be a whole number, got {value!r}")


def _strings(value: object, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(f"{where} must be a list of strings")
    return frozenset(value)


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _invalid(f"{where} must be a JSON array")
    return value


def _preferences(value: object, where: str) -> Preferences:
    if value is None:
        return Preferences()
    data = _object(value, where, PREFERENCE_FIELDS, set())
    audience = data.get("audience")
    if audience is not None and not isinstance(audience, str):
        raise _invalid(f"{where}.audience must be a string")
    return Preferences(
        formats=_strings(data.get("formats"), f"{where}.formats"),
        places=_strings(data.get("places"), f"{where}.places"),
        audience=audience,
        earliest_start=_date(data.get("earliest_start"), f"{where}.earliest_start"),
        latest_end=_date(data.get("latest_end"), f"{where}.latest_end"),
    )


def _cohort(value: object, index: int) -> Option:
    where = f"cohorts[{index}]"
    data = _object(value, where, COHORT_FIELDS, COHORT_REQUIRED)
    seats = data.get("seats")
    place = data.get("place")
    return Option(
        id=data["id"],
        program=data["program"],
        coverage=data["coverage"],
        hours=_integer(data["hours"], f"{where}.hours"),
        price=_integer(data["price"], f"{where}.price"),
        start=_date(data.get("start"), f"{where}.start"),
        end=_date(data.get("end"), f"{where}.end"),
        exclusive=data.get("exclusive", False),
        kind=data.get("kind", "cohort"),
        format=data.get("format", "in_person" if data.get("exclusive") else "online"),
        place=place,
        seats=None if seats is None else _integer(seats, f"{where}.seats"),
        audience=_strings(data.get("audience"), f"{where}.audience"),
    )


def route_problem(document: object) -> RouteProblem:
    data = _object(document, "the instance", ROUTE_FIELDS, ROUTE_FIELDS - {"preferences"})
    return RouteProblem(
        budget=_integer(data["budget"], "budget"),
        max_hours=_integer(data["max_hours"], "max_hours"),
        deficits=data["deficits"],
        options=[_cohort(c, i) for i, c in enumerate(_list(data["cohorts"], "cohorts"))],
        preferences=_preferences(data.get("preferences"), "preferences"),
    )


def region_problem(document: object) -> RegionProblem:
    data = _object(document, "the instance", REGION_FIELDS, REGION_FIELDS)
    teachers = []
    for i, value in enumerate(_list(data["teachers"], "teachers")):
        where = f"teachers[{i}]"
        teacher = _object(value, where, TEACHER_FIELDS, TEACHER_FIELDS - {"preferences"})
        teachers.append(
            TeacherDemand(
                id=teacher["id"],
                budget=_integer(teacher["budget"], f"{where}.budget"),
                max_hours=_integer(teacher["max_hours"], f"{where}.max_hours"),
                deficits=teacher["deficits"],
                preferences=_preferences(teacher.get("preferences"), f"{where}.preferences"),
            )
        )
    return RegionProblem(
        fund=_integer(data["fund"], "fund"),
        teachers=teachers,
        options=[_cohort(c, i) for i, c in enumerate(_list(data["cohorts"], "cohorts"))],
    )


def plan_document(plan: RoutePlan) -> dict[str, Any]:
    return {
        "chosen": list(plan.chosen),
        "objective": plan.objective,
        "price": plan.price,
        "hours": plan.hours,
        "optimal": plan.optimal,
        "covered": plan.covered,
        "items": [
            {
                "id": item.id,
                "program": item.program,
                "price": item.price,
                "hours": item.hours,
                "start": item.start.isoformat() if item.start else None,
                "end": item.end.isoformat() if item.end else None,
                "covers": item.covers,
            }
            for item in plan.items
        ],
    }


def allocation_document(allocation: Allocation) -> dict[str, Any]:
    return {
        "assignments": {t: list(ids) for t, ids in allocation.assignments.items()},
        "objective": allocation.objective,
        "upper_bound": allocation.upper_bound,
        "greedy_objective": allocation.greedy_objective,
        "gap": allocation.gap,
        "fund_used": allocation.fund_used,
        "stats": allocation.stats,
    }


def _preferences_document(preferences: Preferences) -> dict[str, Any] | None:
    document: dict[str, Any] = {}
    if preferences.formats is not None:
        document["formats"] = sorted(preferences.formats)
    if preferences.places is not None:
        document["places"] = sorted(preferences.places)
    if preferences.audience is not None:
        document["audience"] = preferences.audience
    if preferences.earliest_start is not None:
        document["earliest_start"] = preferences.earliest_start.isoformat()
    if preferences.latest_end is not None:
        document["latest_end"] = preferences.latest_end.isoformat()
    return document or None


def _cohort_document(option: Option) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": option.id,
        "program": option.program,
        "coverage": dict(option.coverage),
        "hours": option.hours,
        "price": option.price,
        "start": option.start.isoformat() if option.start else None,
        "end": option.end.isoformat() if option.end else None,
        "exclusive": option.exclusive,
        "kind": option.kind,
        "format": option.format,
    }
    if option.place is not None:
        document["place"] = option.place
    if option.seats is not None:
        document["seats"] = option.seats
    if option.audience is not None:
        document["audience"] = sorted(option.audience)
    return document


def route_document(problem: RouteProblem) -> dict[str, Any]:
    document: dict[str, Any] = {
        "budget": problem.budget,
        "max_hours": problem.max_hours,
        "deficits": dict(problem.deficits),
        "cohorts": [_cohort_document(o) for o in problem.options],
    }
    preferences = _preferences_document(problem.preferences)
    if preferences is not None:
        document["preferences"] = preferences
    return document


def region_document(problem: RegionProblem) -> dict[str, Any]:
    teachers = []
    for teacher in problem.teachers:
        entry: dict[str, Any] = {
            "id": teacher.id,
            "budget": teacher.budget,
            "max_hours": teacher.max_hours,
            "deficits": dict(teacher.deficits),
        }
        preferences = _preferences_document(teacher.preferences)
        if preferences is not None:
            entry["preferences"] = preferences
        teachers.append(entry)
    return {
        "fund": problem.fund,
        "teachers": teachers,
        "cohorts": [_cohort_document(o) for o in problem.options],
    }
