"""From the registry to the engine and back: the app's richer forecast model.

Units are municipalities, subjects are ``people.Subject`` rows, the base year ``Y`` is a
school year that starts on 1 September (``snapshot_date``). The pieces:

- **Staff**: the assignments open on 1 September of ``Y`` (posts with a subject), each
  with its holder's age on that day. Holdings whose holder has no date of birth are
  left out and counted (``Inputs.without_age``).
- **Demand**: per school and grade, classes × weekly curriculum hours ÷ 18. Pupils move
  up a grade a year; grade 10 takes the school's base-year share of grade 9 that went
  on; grade 1 comes from the region's first-grade entry per municipality (shared by the
  schools' base-year grade-1 pupils), else holds its last value. Classes are pupils ÷
  the school's base-year average class size, rounded up.
- **Leave rates**: estimated per age band from the last three years of assignments
  (FTE that left or retired ÷ FTE held on 1 September) when a band has at least
  ``MIN_EXPOSURE_FTE`` of exposure, else the region's default for that band.
- **Entrants**: the region's entrant plan (graduates, returners) and the targeted
  contracts graduating in the horizon, each counted with the share of earlier contracts
  that ended in a placement (in full while fewer than ``MIN_CONTRACTS`` have ended).
- **Hidden shortage** of a cell: FTE held outside the subject of one's education, plus
  the part of overloaded people's FTE above 1.5 ставки (shared over their holdings).

A scenario changes only inputs (fewer leavers, extra targeted places, a new school), so
with every extra at zero the scenario run equals the base run.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db.models import QuerySet, Sum
from django.utils import timezone

from efs.workforce.engine import LeaveBand, Problem, build_problem

from .models import (
    OVERLOAD_FTE,
    TEACHING_HOURS_PER_FTE,
    Assignment,
    ClassCount,
    ContractStatus,
    CurriculumHours,
    EndReason,
    EntrantPlan,
    FirstGradeEntry,
    LeaveRate,
    Post,
    Scenario,
    TargetedContract,
)

MIN_EXPOSURE_FTE = 30.0
MIN_CONTRACTS = 20
ESTIMATION_YEARS = 3
DEFAULT_CLASS_SIZE = 25
GRADUATE_AGE = 22  # the age of a graduate whose date of birth is unknown
EXTRA_PLACES_LEAD_YEARS = 4  # extra targeted places admitted now graduate this many years later

Cell = tuple[int, int]  # (municipality id, subject id)


def snapshot_date(year: int) -> dt.date:
    return dt.date(year, 9, 1)


def school_year(today: dt.date) -> int:
    return today.year if today >= snapshot_date(today.year) else today.year - 1


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass
class Holding:
    educator_id: int
    cell: Cell
    organization_id: int
    age: int | None
    fte: float
    out_of_field: bool


@dataclass
class Inputs:
    region_id: int
    base_year: int
    years: int
    holdings: list[Holding]
    bands: list[LeaveBand]
    band_sources: list[str]  # "history" or "default" per band
    demand: dict[tuple[int, int, int], float]  # (municipality, subject, year) -> FTE
    entrants: list[tuple[Cell, int, int, float]]  # (cell, year, age, fte)
    placement_rate: float
    placement_history: int
    hidden: dict[Cell, float] = field(default_factory=dict)
    overload_fte: dict[Cell, float] = field(default_factory=dict)
    vacant_fte: dict[Cell, float] = field(default_factory=dict)
    post_fte: dict[Cell, float] = field(default_factory=dict)

    @property
    def without_age(self) -> int:
        return sum(1 for h in self.holdings if h.age is None)


def held_on(assignments: QuerySet[Assignment], day: dt.date) -> QuerySet[Assignment]:
    """Those of ``assignments`` held on ``day``: started by it and not ended by it (an
    assignment ended on ``day`` is no longer held that day). The one definition that the
    forecast, the vacancies, the registry's pages and a post's held FTE share."""
    return assignments.filter(started_on__lte=day).exclude(ended_on__lte=day)


def post_held_fte(post: Post, *, on: dt.date | None = None) -> Decimal:
    """The FTE of ``post`` held on ``on`` (today by default): what filling it may add to."""
    held = held_on(post.assignments.all(), on or timezone.localdate()).aggregate(total=Sum("fte"))["total"]
    return held or Decimal("0")


def _cell_holdings(region_id: int, day: dt.date) -> QuerySet[Assignment]:
    """The region's assignments held on ``day`` in subject posts of a municipality (a cell)."""
    return held_on(
        Assignment.objects.filter(
            region_id=region_id, post__subject__isnull=False, post__organization__municipality__isnull=False
        ),
        day,
    )


def holdings_on(region_id: int, day: dt.date) -> list[Holding]:
    """Assignments open on ``day`` in subject posts, with the holder's age that day."""
    rows = _cell_holdings(region_id, day).values_list(
        "educator_id",
        "post__organization__municipality_id",
        "post__subject_id",
        "post__organization_id",
        "educator__birth_date",
        "fte",
        "out_of_field",
    )
    return [
        Holding(
            educator,
            (municipality, subject),
            organization,
            age_on(birth, day) if birth else None,
            float(fte),
            out_of_field,
        )
        for educator, municipality, subject, organization, birth, fte, out_of_field in rows.iterator()
    ]


def supply_on(region_id: int, day: dt.date) -> dict[Cell, float]:
    """FTE held on ``day`` per (municipality, subject) — the same holdings as
    ``holdings_on``, summed by the database (one grouped query)."""
    rows = (
        _cell_holdings(region_id, day)
        .values_list("post__organization__municipality_id", "post__subject_id")
        .annotate(total=Sum("fte"))
        .order_by()
    )
    return {(municipality, subject): float(total) for municipality, subject, total in rows}


def hidden_shortage(holdings: list[Holding]) -> tuple[dict[Cell, float], dict[Cell, float]]:
    """Hidden shortage per cell, and the FTE held by overloaded people per cell."""
    load: dict[int, float] = defaultdict(float)
    for holding in holdings:
        load[holding.educator_id] += holding.fte
    hidden: dict[Cell, float] = defaultdict(float)
    overloaded: dict[Cell, float] = defaultdict(float)
    for holding in holdings:
        total = load[holding.educator_id]
        if total > OVERLOAD_FTE:
            overloaded[holding.cell] += holding.fte
        if holding.out_of_field:
            hidden[holding.cell] += holding.fte
        elif total > OVERLOAD_FTE:
            hidden[holding.cell] += holding.fte * (total - OVERLOAD_FTE) / total
    return dict(hidden), dict(overloaded)


def vacancies_on(region_id: int, day: dt.date) -> tuple[dict[Cell, float], dict[Cell, float]]:
    """Vacant FTE and post FTE per cell for the posts open on ``day``."""
    posts = (
        Post.objects.filter(
            region_id=region_id,
            opened_on__lte=day,
            subject__isnull=False,
            organization__municipality__isnull=False,
        )
        .exclude(closed_on__lte=day)
        .values_list("pk", "organization__municipality_id", "subject_id", "fte")
    )
    held: dict[int, float] = defaultdict(float)
    for post_id, fte in held_on(Assignment.objects.filter(region_id=region_id), day).values_list("post_id", "fte"):
        held[post_id] += float(fte)
    vacant: dict[Cell, float] = defaultdict(float)
    total: dict[Cell, float] = defaultdict(float)
    for post_id, municipality, subject, fte in posts:
        total[(municipality, subject)] += float(fte)
        vacant[(municipality, subject)] += max(0.0, float(fte) - held[post_id])
    return dict(vacant), dict(total)


def default_bands(region_id: int) -> list[LeaveBand]:
    return [
        LeaveBand(r.from_age, r.to_age, float(r.rate))
        for r in LeaveRate.objects.filter(region_id=region_id).order_by("from_age")
    ]


def estimated_bands(region_id: int, base_year: int) -> tuple[list[LeaveBand], list[str]]:
    """The region's bands with each rate estimated from history where there is enough."""
    defaults = default_bands(region_id)
    exposure = [0.0] * len(defaults)
    left = [0.0] * len(defaults)
    for year in range(base_year - ESTIMATION_YEARS, base_year):
        start, end = snapshot_date(year), snapshot_date(year + 1)
        rows = held_on(
            Assignment.objects.filter(region_id=region_id, educator__birth_date__isnull=False), start
        ).values_list("educator__birth_date", "fte", "ended_on", "end_reason")
        for birth, fte, ended_on, reason in rows.iterator():
            assert birth is not None  # filtered educator__birth_date__isnull=False
            age = age_on(birth, start)
            for index, band in enumerate(defaults):
                if band.from_age <= age <= band.to_age:
                    exposure[index] += float(fte)
                    if ended_on is not None and ended_on <= end and reason in (EndReason.LEFT, EndReason.RETIRED):
                        left[index] += float(fte)
                    break
    bands, sources = [], []
    for index, band in enumerate(defaults):
        if exposure[index] >= MIN_EXPOSURE_FTE:
            bands.append(LeaveBand(band.from_age, band.to_age, min(1.0, left[index] / exposure[index])))
            sources.append("history")
        else:
            bands.append(band)
            sources.append("default")
    return bands, sources


def curriculum(region_id: int) -> dict[tuple[int, int], float]:
    """(subject, grade) -> weekly hours per class: the region's own rows over the federal ones."""
    hours: dict[tuple[int, int], float] = {}
    for row in CurriculumHours.objects.filter(region__isnull=True):
        hours[(row.subject_id, row.grade)] = float(row.hours)
    for row in CurriculumHours.objects.filter(region_id=region_id):
        hours[(row.subject_id, row.grade)] = float(row.hours)
    return hours


def projected_classes(region_id: int, base_year: int, years: int) -> dict[tuple[int, int], np.ndarray]:
    """(organization, municipality) -> classes per grade (index 1…11) for years Y…Y+N."""
    counts: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    municipality_of: dict[int, int] = {}
    for org, municipality, grade, n_classes, n_pupils in ClassCount.objects.filter(
        region_id=region_id, year=base_year, organization__municipality__isnull=False
    ).values_list("organization_id", "organization__municipality_id", "grade", "classes", "pupils"):
        counts[org][grade] = (n_classes, n_pupils)
        municipality_of[org] = municipality
    entry = {
        (m, y): p
        for m, y, p in FirstGradeEntry.objects.filter(region_id=region_id).values_list(
            "municipality_id", "year", "pupils"
        )
    }
    first_graders: dict[int, int] = defaultdict(int)
    for org, grades in counts.items():
        first_graders[municipality_of[org]] += grades.get(1, (0, 0))[1]

    result: dict[tuple[int, int], np.ndarray] = {}
    for org, grades in counts.items():
        municipality = municipality_of[org]
        pupils = np.zeros(12)
        classes = np.zeros((years + 1, 12))
        for grade, (n_classes, n_pupils) in grades.items():
            pupils[grade] = n_pupils
            classes[0, grade] = n_classes
        total_classes = sum(c for c, _ in grades.values())
        size = (sum(p for _, p in grades.values()) / total_classes) if total_classes else DEFAULT_CLASS_SIZE
        size = size or DEFAULT_CLASS_SIZE
        staying = min(1.0, pupils[10] / pupils[9]) if pupils[9] else 0.0
        share = pupils[1] / first_graders[municipality] if first_graders[municipality] else 0.0
        for step in range(1, years + 1):
            moved = np.zeros(12)
            moved[2:10] = pupils[1:9]
            moved[10] = pupils[9] * staying
            moved[11] = pupils[10]
            incoming = entry.get((municipality, base_year + step))
            moved[1] = incoming * share if incoming is not None else pupils[1]
            pupils = moved
            classes[step, 1:] = np.ceil(np.round(pupils[1:] / size, 9))
        result[(org, municipality)] = classes
    return result


def demand_of(
    region_id: int, base_year: int, years: int, scenario: Scenario | None
) -> dict[tuple[int, int, int], float]:
    hours = curriculum(region_id)
    subjects = sorted({subject for subject, _ in hours})
    demand: dict[tuple[int, int, int], float] = defaultdict(float)
    for (_, municipality), classes in projected_classes(region_id, base_year, years).items():
        for subject in subjects:
            weekly = np.array([0.0] + [hours.get((subject, grade), 0.0) for grade in range(1, 12)])
            if not weekly.any():
                continue
            fte = classes @ weekly / TEACHING_HOURS_PER_FTE
            for step in range(years + 1):
                demand[(municipality, subject, base_year + step)] += float(fte[step])
    if scenario is not None and scenario.new_school_municipality_id and scenario.new_school_pupils:
        per_grade = scenario.new_school_pupils / 11
        new_classes = math.ceil(round(per_grade / DEFAULT_CLASS_SIZE, 9))
        opens = scenario.new_school_year or base_year + 1
        for subject in subjects:
            extra = (
                sum(hours.get((subject, grade), 0.0) for grade in range(1, 12)) * new_classes / TEACHING_HOURS_PER_FTE
            )
            if not extra:
                continue
            for step in range(years + 1):
                if base_year + step >= opens:
                    demand[(scenario.new_school_municipality_id, subject, base_year + step)] += extra
    return dict(demand)


def placement(region_id: int, base_year: int) -> tuple[float, int]:
    """Share of ended contracts (graduated before Y) that ended in a placement, and how many ended."""
    ended = TargetedContract.objects.filter(region_id=region_id, graduation_year__lt=base_year).exclude(
        status=ContractStatus.STUDYING
    )
    total = ended.count()
    if total < MIN_CONTRACTS:
        return 1.0, total
    return ended.filter(status=ContractStatus.PLACED).count() / total, total


def entrants_of(
    region_id: int,
    base_year: int,
    years: int,
    rate: float,
    scenario: Scenario | None,
    vacant: dict[Cell, float],
) -> list[tuple[Cell, int, int, float]]:
    horizon = range(base_year + 1, base_year + years + 1)
    result: list[tuple[Cell, int, int, float]] = []
    for municipality, subject, year, age, fte in EntrantPlan.objects.filter(
        region_id=region_id, year__in=list(horizon)
    ).values_list("municipality_id", "subject_id", "year", "age", "fte"):
        result.append(((municipality, subject), year, age, float(fte)))
    for municipality, subject, year, birth in TargetedContract.objects.filter(
        region_id=region_id, status=ContractStatus.STUDYING, graduation_year__in=list(horizon)
    ).values_list("municipality_id", "subject_id", "graduation_year", "student__birth_date"):
        age = age_on(birth, snapshot_date(year)) if birth else GRADUATE_AGE
        result.append(((municipality, subject), year, min(100, max(14, age)), rate))
    if scenario is not None and scenario.extra_targeted:
        # Extra places go where posts stand vacant now (in the scenario's subject, if set).
        weights = {
            cell: v
            for cell, v in vacant.items()
            if v > 0 and (scenario.extra_subject_id is None or cell[1] == scenario.extra_subject_id)
        }
        total = sum(weights.values())
        if total:
            for year in horizon:
                if year - base_year < EXTRA_PLACES_LEAD_YEARS:
                    continue
                for cell, weight in weights.items():
                    result.append((cell, year, GRADUATE_AGE, scenario.extra_targeted * rate * weight / total))
    return result


def gather(region_id: int, base_year: int, years: int, scenario: Scenario | None = None) -> Inputs:
    day = snapshot_date(base_year)
    holdings = holdings_on(region_id, day)
    bands, sources = estimated_bands(region_id, base_year)
    vacant, posts = vacancies_on(region_id, day)
    rate, history = placement(region_id, base_year)
    hidden, overloaded = hidden_shortage(holdings)
    return Inputs(
        region_id=region_id,
        base_year=base_year,
        years=years,
        holdings=holdings,
        bands=bands,
        band_sources=sources,
        demand=demand_of(region_id, base_year, years, scenario),
        entrants=entrants_of(region_id, base_year, years, rate, scenario, vacant),
        placement_rate=rate,
        placement_history=history,
        hidden=hidden,
        overload_fte=overloaded,
        vacant_fte=vacant,
        post_fte=posts,
    )


def problem_of(inputs: Inputs) -> tuple[Problem, list[Cell]]:
    """The engine's problem; cells are every (municipality, subject) in any input."""
    aged = [h for h in inputs.holdings if h.age is not None]
    cells = sorted({h.cell for h in aged} | {(m, s) for m, s, _ in inputs.demand} | {c for c, *_ in inputs.entrants})
    index = {cell: position for position, cell in enumerate(cells)}
    labels = [(str(m), str(s)) for m, s in cells]
    problem = build_problem(
        base_year=inputs.base_year,
        years=inputs.years,
        bands=inputs.bands,
        staff=(
            [index[h.cell] for h in aged],
            [min(100, max(14, h.age or 0)) for h in aged],
            [h.fte for h in aged],
        ),
        entrants=(
            [index[c] for c, *_ in inputs.entrants],
            [y for _, y, _, _ in inputs.entrants],
            [a for _, _, a, _ in inputs.entrants],
            [f for *_, f in inputs.entrants],
        ),
        demand=(
            [index[(m, s)] for m, s, _ in inputs.demand],
            [y for *_, y in inputs.demand],
            list(inputs.demand.values()),
        ),
        cells=labels,
    )
    return problem, cells


def as_decimal(value: float, places: int = 2) -> Decimal:
    return Decimal(str(round(value, places)))
