"""Workforce demo data for the demo region, built from its directory through the
workforce app's public functions.

- Every school teacher of the directory holds a post in their first subject; load is
  higher in rural schools, and mathematics, physics and foreign-language teachers there
  are often overloaded (> 1.5 ставки) or teach outside the subject of their diploma.
- History: about 7 % of teachers left in each of the last three school years (older ones
  more often; their holdings ended in June and most of their posts in rural schools stay
  vacant); teachers in their first two years started on 1 September.
- Vacancies: rural schools carry unfilled posts, most in mathematics, physics and
  foreign languages.
- Demand: classes and pupils per school and grade for the last two school years (the
  demographic wave: grades 3–7 are the largest cohorts), first-grade entry declining by
  2 % a year, the federal curriculum.
- The pipeline: students of the pedagogical university hold targeted contracts with
  rural municipalities; earlier graduates (young teachers) were placed under contracts,
  some contracts were terminated.
- Leave-rate defaults, an entrant plan, three scenarios and forecasts from last year and
  this year (so that the page shows how last year's forecast came true).

The figures are demo data, not statistics.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from decimal import Decimal

from efs.people.public import (
    Educator,
    EducatorCategory,
    Municipality,
    Organization,
    Region,
    Subject,
)
from efs.workforce import public as workforce

RURAL_KINDS = {"municipal_district", "municipal_okrug"}
SHORTAGE_SUBJECTS = ("mathematics", "physics", "english")
DEFAULT_BANDS = [
    (14, 29, "0.10"),
    (30, 39, "0.05"),
    (40, 49, "0.035"),
    (50, 54, "0.04"),
    (55, 59, "0.07"),
    (60, 64, "0.15"),
    (65, 69, "0.25"),
    (70, 79, "0.40"),
]
# Pupils per grade relative to grade 1 (the demographic wave of the 2010s births).
COHORT_SHAPE = [0, 1.0, 1.04, 1.10, 1.14, 1.15, 1.13, 1.10, 1.05, 1.0, 0.55, 0.52]
PUPILS_PER_TEACHER = {True: 6.0, False: 11.0}  # rural, urban
BASE_YEAR = 2026


def _leave_probability(age: int) -> float:
    for low, high, rate in DEFAULT_BANDS:
        if low <= age <= high:
            return float(rate)
    return 1.0


def _age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _posts(rng: random.Random, subjects: dict, weekly: dict, schools: dict, teachers: list) -> tuple:
    """The posts of the registry (held, left, vacant), the teachers' profiles, teachers per school, vacancies."""
    day = dt.date(BASE_YEAR, 9, 1)
    posts: list[workforce.PostRow] = []
    profiles: dict[int, tuple[str, int | None]] = {}
    teachers_per_school: dict[int, int] = defaultdict(int)
    vacancies = 0
    for teacher in teachers:
        codes = sorted(
            (s.code for s in teacher.subjects.all() if s.code in subjects),
            key=lambda c: -weekly.get(c, 0.0),
        )
        if not codes or teacher.birth_date is None:
            continue
        school = schools[teacher.organization_id]
        rural = school.municipality.kind in RURAL_KINDS
        code = codes[0]
        teachers_per_school[school.pk] += 1
        shortage = code in SHORTAGE_SUBJECTS
        # Load: urban teachers around one ставка, rural ones more; shortage subjects most.
        load = rng.choice([1.0, 1.0, 1.25, 1.25, 1.5] if not rural else [1.25, 1.5, 1.5, 1.75])
        if shortage and rng.random() < (0.35 if rural else 0.12):
            load = rng.choice([1.75, 2.0])
        out_of_field = rural and shortage and rng.random() < 0.2
        diploma = (
            subjects[
                "mathematics"
                if code == "physics"
                else "physics"
                if code == "mathematics"
                else "russian"
            ]
            if out_of_field
            else subjects[code]
        )
        profiles[teacher.pk] = ("college_ped" if rng.random() < 0.12 else "higher_ped", diploma)
        experience_start = max(
            dt.date(1985, 9, 1), dt.date(BASE_YEAR - max(0, teacher.experience_years), 9, 1)
        )
        started = (
            experience_start
            if teacher.experience_years > 2
            else day
            if teacher.experience_years == 0
            else dt.date(BASE_YEAR - teacher.experience_years, 9, 1)
        )
        # Some teachers left in one of the last three school years (older ones more often).
        left_year = None
        keep_vacant = rng.random()
        for year in (2023, 2024, 2025):
            if (
                started <= dt.date(year, 9, 1)
                and rng.random()
                < _leave_probability(_age(teacher.birth_date, dt.date(year, 9, 1))) * 0.6
            ):
                left_year = year
                break
        # A teacher of two subjects (Russian and literature, history and social studies)
        # holds a post in each, the load split by the subjects' curriculum hours.
        weights = [weekly.get(c, 1.0) for c in codes[:2]]
        for code_here, weight in zip(codes[:2], weights, strict=True):
            share = max(Decimal("0.05"), Decimal(str(round(load * weight / sum(weights), 2))))
            holdings = []
            closed_on = None
            if left_year is not None:
                ended = dt.date(left_year + 1, 6, 30)
                reason = "retired" if _age(teacher.birth_date, ended) >= 60 else "left"
                holdings.append(
                    workforce.HoldingRow(teacher.pk, share, started, ended, reason, out_of_field)
                )
                # A city refills the post (a new post of a young teacher stands for it, so
                # the old one closes); a village often cannot, and the post stays vacant.
                if not rural or keep_vacant < 0.3:
                    closed_on = ended
                else:
                    vacancies += 1
            else:
                holdings.append(
                    workforce.HoldingRow(teacher.pk, share, started, None, "", out_of_field)
                )
            opened = min(started, dt.date(2015, 9, 1))
            posts.append(
                workforce.PostRow(
                    school.pk,
                    subjects[code_here],
                    teacher.position,
                    share,
                    opened,
                    tuple(holdings),
                    closed_on,
                )
            )
    # Extra rural vacancies in the shortage subjects.
    rural_schools = [s for s in schools.values() if s.municipality.kind in RURAL_KINDS]
    for school in rng.sample(rural_schools, k=len(rural_schools) // 3):
        code = rng.choice(SHORTAGE_SUBJECTS + ("russian", "chemistry"))
        posts.append(
            workforce.PostRow(
                school.pk,
                subjects[code],
                f"учитель ({code})",
                Decimal(rng.choice(["1.00", "1.50"])),
                dt.date(BASE_YEAR - rng.randint(0, 2), 9, 1),
                (),
            )
        )
        vacancies += 1
    return posts, profiles, teachers_per_school, vacancies


def _demand(subjects: dict, schools: dict, teachers_per_school: dict, municipalities: list) -> tuple:
    """Classes and pupils for the last two school years, entry to school, the cities' entrant plan."""
    classes, entry, entrants = [], [], []
    first_graders: dict[int, int] = defaultdict(int)
    for school_id, count in teachers_per_school.items():
        school = schools[school_id]
        rural = school.municipality.kind in RURAL_KINDS
        size = 12 if rural else 24
        grade_1 = max(4, round(count * PUPILS_PER_TEACHER[rural] / sum(COHORT_SHAPE)))
        for year, shift in ((BASE_YEAR, 0), (BASE_YEAR - 1, 1)):
            for grade in range(1, 12):
                # Last year's grade g is this year's grade g+1 (one cohort back), roughly.
                shape = (
                    COHORT_SHAPE[max(1, grade - shift)]
                    if grade > shift
                    else COHORT_SHAPE[grade] * 1.02
                )
                pupils = max(0, round(grade_1 * shape))
                classes.append(
                    (
                        school_id,
                        year,
                        grade,
                        max(1, math.ceil(pupils / size)) if pupils else 0,
                        pupils,
                    )
                )
        first_graders[school.municipality_id] += grade_1
    for municipality, pupils in first_graders.items():
        for step in range(1, 11):
            entry.append((municipality, BASE_YEAR + step, round(pupils * 0.98**step)))
    cities = [m for m in municipalities if m.kind not in RURAL_KINDS]
    for municipality in cities:
        for code in (
            "primary",
            "russian",
            "english",
            "mathematics",
            "history",
            "physical_education",
        ):
            for year in range(BASE_YEAR + 1, BASE_YEAR + 11):
                entrants.append(
                    (
                        municipality.pk,
                        subjects[code],
                        year,
                        "graduates",
                        Decimal("1.00") if municipality.name != "Красноярск" else Decimal("6.00"),
                    )
                )
    return classes, entry, entrants


def _contracts(
    rng: random.Random, region: Region, subjects: dict, teachers: list, profiles: dict, schools: dict,
    municipalities: list,
) -> list[dict]:
    """Targeted contracts of the university's students with rural municipalities."""
    university = (
        Organization.objects.filter(
            region=region, kind="university", name__icontains="педагог"
        ).first()
        or Organization.objects.filter(region=region, kind="university").first()
    )
    contracts = []
    rural = [m for m in municipalities if m.kind in RURAL_KINDS]
    if university is not None and rural:
        students = (
            Educator.objects.filter(organization=university, category=EducatorCategory.STUDENT)
            .prefetch_related("subjects")
            .order_by("pk")
        )
        for student in students:
            codes = [s.code for s in student.subjects.all() if s.code in subjects]
            if not codes or rng.random() > 0.6:
                continue
            year_of_study = rng.randint(1, 5)
            contracts.append(
                {
                    "student_id": student.pk,
                    "university_id": university.pk,
                    "subject_id": subjects[codes[0]],
                    "municipality_id": rng.choice(rural).pk,
                    "year_of_study": year_of_study,
                    "graduation_year": BASE_YEAR + 1 + (5 - year_of_study),
                    "status": "studying",
                }
            )
        young = [
            t
            for t in teachers
            if t.experience_years in (1, 2, 3)
            and t.pk in profiles
            and schools[t.organization_id].municipality.kind in RURAL_KINDS
        ]
        for teacher in young[:60]:
            placed = rng.random() < 0.75
            graduated = BASE_YEAR - teacher.experience_years
            contracts.append(
                {
                    "student_id": teacher.pk,
                    "university_id": university.pk,
                    "subject_id": profiles[teacher.pk][1],
                    "municipality_id": schools[teacher.organization_id].municipality_id,
                    "year_of_study": 5,
                    "graduation_year": graduated,
                    "status": "placed" if placed else "broken",
                    "placed_on": dt.date(graduated, 9, 1) if placed else None,
                }
            )
    return contracts


def create_demo_workforce(region: Region, *, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    subjects = dict(Subject.objects.values_list("code", "id"))
    workforce.federal_curriculum_load()
    weekly = workforce.weekly_hours()
    workforce.leave_rates_load(
        region=region, bands=[(low, high, Decimal(rate)) for low, high, rate in DEFAULT_BANDS]
    )

    schools = {
        o.pk: o
        for o in Organization.objects.filter(
            region=region, kind="school", municipality__isnull=False
        ).select_related("municipality")
    }
    teachers = list(
        Educator.objects.filter(
            region=region, organization_id__in=list(schools), category=EducatorCategory.TEACHER
        )
        .prefetch_related("subjects")
        .order_by("pk")
    )
    posts, profiles, teachers_per_school, vacancies = _posts(rng, subjects, weekly, schools, teachers)
    made_posts = workforce.registry_load(region=region, posts=posts, profiles=profiles)

    # Demand: classes and pupils for the last two school years, entry, entrant plan.
    municipalities = list(Municipality.objects.filter(region=region))
    classes, entry, entrants = _demand(subjects, schools, teachers_per_school, municipalities)
    workforce.demand_load(region=region, classes=classes, entry=entry, entrants=entrants)

    # The pipeline: targeted contracts of the university's students with rural municipalities.
    contracts = _contracts(rng, region, subjects, teachers, profiles, schools, municipalities)
    workforce.contracts_load(region=region, contracts=contracts)

    # Forecasts: last year's (to check against this year) and this year's, and scenarios.
    workforce.forecast_run(actor=None, region=region, years=10, base_year=BASE_YEAR - 1)
    workforce.forecast_run(actor=None, region=region, years=10, base_year=BASE_YEAR)
    city = next((m for m in municipalities if m.name == "Красноярск"), municipalities[0])
    scenarios = [
        workforce.scenario_create(
            actor=None,
            region=region,
            name="Целевое обучение: +40 мест в год по математике",
            extra_targeted=40,
            extra_subject=Subject.objects.get(code="mathematics"),
        ),
        workforce.scenario_create(
            actor=None,
            region=region,
            name="Удержание: уходят на 25 % меньше",
            retention_gain=Decimal(25),
        ),
        workforce.scenario_create(
            actor=None,
            region=region,
            name="Новая школа на 1 100 мест в Красноярске (2028)",
            new_school_municipality=city,
            new_school_pupils=1100,
            new_school_year=BASE_YEAR + 2,
        ),
    ]
    for scenario in scenarios:
        workforce.forecast_run(
            actor=None, region=region, years=10, scenario=scenario, base_year=BASE_YEAR
        )
    return {
        "posts": made_posts,
        "vacancies": vacancies,
        "contracts": len(contracts),
        "classes": len(classes),
    }
