"""Synthetic but realistic planner instances, deterministic for a seed.

A region has municipalities (the first is the regional centre), a competency
framework of 12–20 leaf competencies and a catalog of programs run as cohorts
across one year. Programs cover 1–4 competencies; about a quarter are free (state
assignment of a ЦНППМ), the rest cost roughly 100–300 ₽ per academic hour, capped
at 60 000 ₽. Most programs are meant for one or two educator categories (a subject, preschool,
school leaders), a fifth for everyone. Cohorts are online (not exclusive) or
in-person/blended (exclusive, held in a municipality, mostly the centre), with
15–30 seats. A few options are
not cohorts: mentoring (free, all year, not exclusive), internships (short,
in-person) and self-study (free, undated, weak coverage).

Teachers belong to one category, have 2–6 deficits (popular competencies more often) with severities
0.2–1.0, a certificate budget and a yearly hours cap, and accept in-person
cohorts in their own municipality and in the regional centre. The regional fund
cannot pay for everyone: it is ``fund_share`` of the smaller of the certificates'
sum and the price of every paid seat in the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import cast

import numpy as np

from efs.planner.model import (
    Option,
    Preferences,
    RegionProblem,
    RouteProblem,
    TeacherDemand,
)

COMPETENCIES = (
    "subject_knowledge",
    "lesson_design",
    "assessment_for_learning",
    "functional_literacy",
    "differentiated_instruction",
    "inclusive_education",
    "digital_tools",
    "classroom_management",
    "upbringing_work",
    "developmental_psychology",
    "work_with_parents",
    "legal_framework",
    "project_and_research",
    "career_guidance",
    "health_and_safety",
    "school_management",
    "mentoring_skills",
    "reflective_practice",
    "network_collaboration",
    "exam_preparation",
)

AUDIENCES = (
    "primary",
    "russian_literature",
    "mathematics",
    "foreign_languages",
    "history_social",
    "natural_sciences",
    "informatics",
    "arts_technology_pe",
    "preschool",
    "school_leaders",
)

YEAR_START = date(2025, 1, 13)
YEAR_DAYS = 330
ONLINE_SHARE = 0.3
CENTRE_SHARE = 0.45
GENERAL_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class SynthConfig:
    n_teachers: int = 1000
    n_cohorts: int = 3000
    n_competencies: int = 16
    n_municipalities: int = 40
    cohorts_per_program: float = 8.0
    fund_share: float = 0.5
    activity_share: float = 0.05
    seat_scale: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.n_competencies <= len(COMPETENCIES):
            raise ValueError(f"n_competencies must be 1..{len(COMPETENCIES)}")
        if self.n_cohorts < 1 or self.n_teachers < 0 or self.n_municipalities < 1:
            raise ValueError("n_cohorts and n_municipalities must be positive")


def _kopecks(rubles: float) -> int:
    return int(round(rubles)) * 100


def _popularity(rng: np.random.Generator, n: int) -> np.ndarray:
    raw = rng.permutation(1.0 / np.arange(1, n + 1) ** 0.7)
    return cast(np.ndarray, raw / raw.sum())


def _municipality_weights(n: int) -> np.ndarray:
    if n == 1:
        return np.ones(1)
    others = np.full(n - 1, (1 - CENTRE_SHARE) / (n - 1))
    return np.concatenate([[CENTRE_SHARE], others])


def _course_hours(rng: np.random.Generator) -> int:
    return int(rng.choice([16, 18, 24, 36, 36, 48, 72, 72, 108, 144, 250]))


def _course_price(rng: np.random.Generator, hours: int) -> int:
    if rng.random() < 0.25:
        return 0
    return _kopecks(min(60_000.0, hours * rng.uniform(100, 300)))


def _catalog(rng: np.random.Generator, config: SynthConfig, popularity: np.ndarray) -> list[Option]:
    competencies = COMPETENCIES[: config.n_competencies]
    municipalities = [f"m{i:02d}" for i in range(config.n_municipalities)]
    place_weights = _municipality_weights(len(municipalities))
    options: list[Option] = []
    program_number = 0
    while len(options) < config.n_cohorts:
        program_number += 1
        program = f"p{program_number:04d}"
        width = int(rng.choice([1, 2, 3, 4], p=[0.35, 0.35, 0.2, 0.1]))
        covered = rng.choice(
            len(competencies), size=min(width, len(competencies)), replace=False, p=popularity
        )
        coverage = {competencies[c]: round(float(rng.uniform(0.25, 1.0)), 2) for c in covered}
        audience = _audience(rng)
        if rng.random() < config.activity_share:
            options.extend(
                _activities(rng, config, program, coverage, audience, municipalities, place_weights)
            )
            continue
        hours = _course_hours(rng)
        price = _course_price(rng, hours)
        duration = max(2, int(hours / rng.choice([6, 8])))
        cohorts = max(1, int(rng.poisson(config.cohorts_per_program)))
        for number in range(min(cohorts, config.n_cohorts - len(options))):
            first = YEAR_START + timedelta(days=int(rng.integers(0, YEAR_DAYS - duration)))
            online = rng.random() < ONLINE_SHARE
            fmt = "online" if online else str(rng.choice(["in_person", "blended"], p=[0.7, 0.3]))
            options.append(
                Option(
                    id=f"{program}-c{number + 1:02d}",
                    program=program,
                    coverage=coverage,
                    hours=hours,
                    price=price,
                    start=first,
                    end=first + timedelta(days=duration - 1),
                    exclusive=not online,
                    kind="cohort",
                    format=fmt,
                    place=None if online else str(rng.choice(municipalities, p=place_weights)),
                    seats=_seats(rng, config),
                    audience=audience,
                )
            )
    return options


def _seats(rng: np.random.Generator, config: SynthConfig) -> int:
    """15–30 seats; ``seat_scale`` shrinks them for small regions with the same scarcity."""
    return max(1, round(int(rng.integers(15, 31)) * config.seat_scale))


def _audience(rng: np.random.Generator) -> frozenset[str] | None:
    if rng.random() < GENERAL_SHARE:
        return None
    size = int(rng.choice([1, 2], p=[0.7, 0.3]))
    return frozenset(str(a) for a in rng.choice(AUDIENCES, size=size, replace=False))


def _activities(
    rng: np.random.Generator,
    config: SynthConfig,
    program: str,
    coverage: dict[str, float],
    audience: frozenset[str] | None,
    municipalities: list[str],
    place_weights: np.ndarray,
) -> list[Option]:
    kind = str(rng.choice(["mentoring", "internship", "self_study"]))
    if kind == "mentoring":
        return [
            Option(
                id=f"{program}-mentoring",
                program=program,
                coverage={k: min(1.0, v * 0.8) for k, v in coverage.items()},
                hours=36,
                price=0,
                start=YEAR_START,
                end=YEAR_START + timedelta(days=YEAR_DAYS),
                kind=kind,
                format="mentoring",
                seats=_seats(rng, config),
                audience=audience,
            )
        ]
    if kind == "internship":
        first = YEAR_START + timedelta(days=int(rng.integers(0, YEAR_DAYS - 5)))
        return [
            Option(
                id=f"{program}-internship",
                program=program,
                coverage=coverage,
                hours=24,
                price=_kopecks(float(rng.uniform(3_000, 12_000))),
                start=first,
                end=first + timedelta(days=4),
                exclusive=True,
                kind=kind,
                format="in_person",
                place=str(rng.choice(municipalities, p=place_weights)),
                seats=_seats(rng, config),
                audience=audience,
            )
        ]
    return [
        Option(
            id=f"{program}-self",
            program=program,
            coverage={k: round(v * 0.4, 2) for k, v in coverage.items()},
            hours=int(rng.choice([16, 24, 36])),
            price=0,
            kind=kind,
            format="self_study",
            audience=audience,
        )
    ]


def _teachers(
    rng: np.random.Generator, config: SynthConfig, popularity: np.ndarray
) -> list[TeacherDemand]:
    competencies = COMPETENCIES[: config.n_competencies]
    municipalities = [f"m{i:02d}" for i in range(config.n_municipalities)]
    teachers: list[TeacherDemand] = []
    for number in range(config.n_teachers):
        count = int(rng.integers(2, 7))
        chosen = rng.choice(
            len(competencies), size=min(count, len(competencies)), replace=False, p=popularity
        )
        deficits = {competencies[c]: round(float(rng.uniform(0.2, 1.0)), 2) for c in chosen}
        home = municipalities[int(rng.integers(0, len(municipalities)))]
        audience = AUDIENCES[int(rng.integers(0, len(AUDIENCES)))]
        teachers.append(
            TeacherDemand(
                id=f"t{number:06d}",
                budget=_kopecks(float(rng.choice([20_000, 30_000, 40_000, 50_000]))),
                max_hours=int(rng.choice([72, 108, 144, 216])),
                deficits=deficits,
                preferences=Preferences(
                    places=frozenset({municipalities[0], home}), audience=audience
                ),
            )
        )
    return teachers


def region(config: SynthConfig, seed: int) -> RegionProblem:
    """A region: ``config.n_teachers`` teachers, ``config.n_cohorts`` options, a scarce fund."""
    popularity = _popularity(np.random.default_rng([seed, 0]), config.n_competencies)
    options = _catalog(np.random.default_rng([seed, 1]), config, popularity)
    teachers = _teachers(np.random.default_rng([seed, 2]), config, popularity)
    certificates = sum(t.budget for t in teachers)
    seats_value = sum(o.price * (o.seats or 0) for o in options)
    fund = int(min(certificates, seats_value) * config.fund_share)
    return RegionProblem(fund=fund, teachers=teachers, options=options)


def route(config: SynthConfig, seed: int) -> RouteProblem:
    """One teacher of a synthetic region facing the whole catalog."""
    problem = region(replace(config, n_teachers=1), seed)
    teacher = problem.teachers[0]
    return RouteProblem(
        budget=teacher.budget,
        max_hours=teacher.max_hours,
        deficits=teacher.deficits,
        options=problem.options,
        preferences=teacher.preferences,
    )
