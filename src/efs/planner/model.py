"""Plain data types of the route planner and their validation.

Everything here is immutable and checked on construction, so a solver never sees a
negative price, a coverage outside 0..1 or a cohort that ends before it starts.
Money is integer kopecks, hours are integer academic hours, dates are inclusive.

Precision: coverages and deficit weights are taken at four decimal places
(``COVERAGE_SCALE`` and ``WEIGHT_SCALE``). The solvers work on the integers
``round(value * scale)``, so the optimum they report is exact for the data at that
precision; a value given with more decimals is rounded half to even.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

COVERAGE_SCALE = 10_000
WEIGHT_SCALE = 10_000
MAX_WEIGHT = 1_000_000.0
MAX_MONEY = 10**13
MAX_HOURS = 100_000


class PlannerError(ValueError):
    """The one error family of the planner.

    ``code`` is stable and meant for callers (the Django side maps it to a Russian
    message); ``message`` is a plain English explanation naming the offending item.

    Codes:
    - ``invalid_input``: a value is malformed (negative price, coverage outside 0..1,
      end before start, unknown or missing field, duplicate id, wrong type).
    - ``empty_input``: nothing to plan: no deficits, no options or no teachers.
    - ``infeasible``: the input is valid but no option covering a deficit fits the
      budget, the hours cap and the filters, so no route can be built.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _fail(message: str) -> PlannerError:
    return PlannerError("invalid_input", message)


def _check_int(value: object, what: str, upper: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"{what} must be an integer, got {value!r}")
    if value < 0:
        raise _fail(f"{what} must not be negative, got {value}")
    if value > upper:
        raise _fail(f"{what} must be at most {upper}, got {value}")


def _check_key(value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise _fail(f"{what} must be a non-empty string, got {value!r}")


def _check_fraction(value: object, what: str, upper: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(f"{what} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0 or value > upper:
        raise _fail(f"{what} must be between 0 and {upper:g}, got {value!r}")


def _check_deficits(deficits: object, owner: str) -> None:
    if not isinstance(deficits, Mapping):
        raise _fail(f"{owner}: deficits must be a mapping competency -> weight")
    for competency, weight in deficits.items():
        _check_key(competency, f"{owner}: a deficit competency")
        _check_fraction(weight, f"{owner}: weight of deficit {competency!r}", MAX_WEIGHT)


def _check_filter(values: object, what: str) -> None:
    if values is None:
        return
    if not isinstance(values, frozenset):
        raise _fail(f"{what} must be a frozenset of strings or None")
    for value in values:
        _check_key(value, f"an element of {what}")



class Slot(Protocol):
    """What the engines compare of two activities: money, hours and dates."""

    @property
    def price(self) -> int: ...
    @property
    def hours(self) -> int: ...
    @property
    def first_day(self) -> int: ...
    @property
    def last_day(self) -> int: ...
    @property
    def exclusive(self) -> bool: ...


def fits_instead(a: Slot, b: Slot) -> bool:
    """``a`` costs no more money and hours than ``b`` and fits wherever ``b`` does: a
    non-exclusive ``a`` clashes with nothing, an exclusive one only inside ``b``'s own
    exclusive window. The dominance rule of the compiler and of the pricing oracle, which
    add their own comparison of what each covers."""
    if a.price > b.price or a.hours > b.hours:
        return False
    return not a.exclusive or (b.exclusive and b.first_day <= a.first_day and a.last_day <= b.last_day)

@dataclass(frozen=True, slots=True)
class Option:
    """One thing a route can contain: a program cohort, mentoring, an internship, self-study.

    ``program`` is the group key: at most one option per program enters a route.
    ``exclusive`` marks in-person or blended attendance: two exclusive options of one
    route must not share a single day (``start`` and ``end`` are inclusive).
    ``seats`` only matters for region-wide allocation; ``None`` means unlimited.
    ``audience`` names the educator categories a program is meant for (for example
    a subject); ``None`` means everyone.
    """

    id: str
    program: str
    coverage: Mapping[str, float]
    hours: int
    price: int
    start: date | None = None
    end: date | None = None
    exclusive: bool = False
    kind: str = "cohort"
    format: str = "online"
    place: str | None = None
    seats: int | None = None
    audience: frozenset[str] | None = None

    def __post_init__(self) -> None:
        _check_key(self.id, "option id")
        where = f"option {self.id!r}"
        _check_key(self.program, f"{where}: program")
        _check_key(self.kind, f"{where}: kind")
        _check_key(self.format, f"{where}: format")
        if self.place is not None:
            _check_key(self.place, f"{where}: place")
        _check_filter(self.audience, f"{where}: audience")
        if not isinstance(self.coverage, Mapping):
            raise _fail(f"{where}: coverage must be a mapping competency -> 0..1")
        for competency, share in self.coverage.items():
            _check_key(competency, f"{where}: a coverage competency")
            _check_fraction(share, f"{where}: coverage of {competency!r}", 1.0)
        _check_int(self.hours, f"{where}: hours", MAX_HOURS)
        _check_int(self.price, f"{where}: price (kopecks)", MAX_MONEY)
        if self.seats is not None:
            _check_int(self.seats, f"{where}: seats", MAX_MONEY)
        if not isinstance(self.exclusive, bool):
            raise _fail(f"{where}: exclusive must be true or false")
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise _fail(f"{where}: {name} must be a date, got {value!r}")
        if (self.start is None) != (self.end is None):
            raise _fail(f"{where}: give both start and end dates or neither")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise _fail(f"{where}: end {self.end} is before start {self.start}")
        if self.exclusive and self.start is None:
            raise _fail(f"{where}: an exclusive (in-person) option needs start and end dates")


@dataclass(frozen=True, slots=True)
class Preferences:
    """Which options a person accepts at all (an allowed-filter applied before solving).

    ``formats``/``places``: ``None`` accepts any. An option without a place (online,
    self-study) passes any place filter. ``audience`` is the person's category: an
    option meant for other categories is dropped. ``earliest_start``/``latest_end``
    keep only dated options inside that window; undated options always pass.
    """

    formats: frozenset[str] | None = None
    places: frozenset[str] | None = None
    audience: str | None = None
    earliest_start: date | None = None
    latest_end: date | None = None

    def __post_init__(self) -> None:
        _check_filter(self.formats, "formats")
        _check_filter(self.places, "places")
        if self.audience is not None:
            _check_key(self.audience, "preferences: audience")
        for name in ("earliest_start", "latest_end"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, date):
                raise _fail(f"preferences: {name} must be a date, got {value!r}")

    def accepts(self, option: Option) -> bool:
        if self.formats is not None and option.format not in self.formats:
            return False
        if self.places is not None and option.place is not None:
            if option.place not in self.places:
                return False
        if self.audience is not None and option.audience is not None:
            if self.audience not in option.audience:
                return False
        if option.start is not None and self.earliest_start is not None:
            if option.start < self.earliest_start:
                return False
        if option.end is not None and self.latest_end is not None:
            if option.end > self.latest_end:
                return False
        return True


ANY = Preferences()


def _check_unique_ids(options: Sequence[Option]) -> None:
    seen: set[str] = set()
    for option in options:
        if not isinstance(option, Option):
            raise _fail(f"options must be Option instances, got {type(option).__name__}")
        if option.id in seen:
            raise _fail(f"duplicate option id {option.id!r}")
        seen.add(option.id)


@dataclass(frozen=True, slots=True)
class RouteProblem:
    """One educator: deficits with weights, certificate balance, hours cap, the catalog."""

    budget: int
    max_hours: int
    deficits: Mapping[str, float]
    options: Sequence[Option]
    preferences: Preferences = ANY

    def __post_init__(self) -> None:
        _check_int(self.budget, "budget (kopecks)", MAX_MONEY)
        _check_int(self.max_hours, "max_hours", MAX_HOURS)
        _check_deficits(self.deficits, "route problem")
        if not isinstance(self.preferences, Preferences):
            raise _fail("preferences must be a Preferences instance")
        _check_unique_ids(self.options)
        if not any(weight > 0 for weight in self.deficits.values()):
            raise PlannerError("empty_input", "no deficit with a positive weight to close")
        if not self.options:
            raise PlannerError("empty_input", "the catalog has no options")


@dataclass(frozen=True, slots=True)
class ChosenItem:
    """One option of a route and, per deficit of the educator, the coverage it brings."""

    id: str
    program: str
    price: int
    hours: int
    start: date | None
    end: date | None
    covers: dict[str, float]


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """The chosen options (ordered by start date, undated last), totals and coverage.

    ``objective`` is the covered deficit weight Σ weight × min(1, Σ coverage) at the
    planner's precision; ``covered`` gives min(1, Σ coverage) per deficit;
    ``optimal`` says whether the solver proved optimality (false only for greedy or
    when a time limit stopped the search).
    """

    chosen: tuple[str, ...]
    objective: float
    price: int
    hours: int
    covered: dict[str, float]
    items: tuple[ChosenItem, ...]
    optimal: bool


@dataclass(frozen=True, slots=True)
class TeacherDemand:
    """One educator in a region-wide allocation."""

    id: str
    budget: int
    max_hours: int
    deficits: Mapping[str, float]
    preferences: Preferences = ANY

    def __post_init__(self) -> None:
        _check_key(self.id, "teacher id")
        where = f"teacher {self.id!r}"
        _check_int(self.budget, f"{where}: budget (kopecks)", MAX_MONEY)
        _check_int(self.max_hours, f"{where}: max_hours", MAX_HOURS)
        _check_deficits(self.deficits, where)
        if not isinstance(self.preferences, Preferences):
            raise _fail(f"{where}: preferences must be a Preferences instance")


@dataclass(frozen=True, slots=True)
class RegionProblem:
    """All educators of a region, the cohorts with seat limits, and the regional fund."""

    fund: int
    teachers: Sequence[TeacherDemand]
    options: Sequence[Option]

    def __post_init__(self) -> None:
        _check_int(self.fund, "fund (kopecks)", MAX_MONEY * 1000)
        _check_unique_ids(self.options)
        seen: set[str] = set()
        for teacher in self.teachers:
            if not isinstance(teacher, TeacherDemand):
                raise _fail("teachers must be TeacherDemand instances")
            if teacher.id in seen:
                raise _fail(f"duplicate teacher id {teacher.id!r}")
            seen.add(teacher.id)
        if not self.teachers:
            raise PlannerError("empty_input", "the region has no teachers")
        if not self.options:
            raise PlannerError("empty_input", "the catalog has no options")


@dataclass(frozen=True, slots=True)
class Allocation:
    """A feasible region-wide allocation and how good it is.

    ``objective``: total covered deficit weight; ``upper_bound``: a proven bound on the
    best possible objective (``None`` for the greedy baseline);
    ``greedy_objective``: the region greedy baseline on the same problem.
    ``stats`` holds solver figures (iterations, timings) for benchmarks and logs.
    """

    assignments: dict[str, tuple[str, ...]]
    objective: float
    upper_bound: float | None
    greedy_objective: float
    fund_used: int
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        """Relative distance to the bound, (bound − objective) / bound."""
        if self.upper_bound is None or self.upper_bound <= 0:
            return None
        return (self.upper_bound - self.objective) / self.upper_bound
