"""Deterministic synthetic directory: one believable region, or the whole country.

Everything here is pure Python over a seeded ``random.Random``: the same seed gives
the same rows, byte for byte (ids included, given the same starting ids). Writing to
the database is :mod:`efs.demo.writer`'s job.

The distributions are approximations chosen to resemble published figures about
Russian school staff (mean teacher age ≈ 46; ≈ 85 % women, fewer in physical
education and ОБЗР; about a fifth of school teachers in primary grades; highest and
first qualification categories for the majority of experienced teachers). They are
demo data, not statistics.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from efs.people.validators import inn_with_checksum, snils_with_checksum

DATA = Path(__file__).resolve().parent / "data"
# Ages and experience are counted at the start of a school year, so that the
# output does not depend on the day it is generated.
REFERENCE_DATE = dt.date(2026, 9, 1)
DEFAULT_REGION_CODE = "24"
COUNTRY_EDUCATORS = 1_200_000


@cache
def _json(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class MunicipalityRow:
    id: int
    region_id: int
    name: str
    kind: str


@dataclass(frozen=True)
class OrganizationRow:
    id: int
    region_id: int
    municipality_id: int | None
    kind: str
    name: str
    short_name: str
    inn: str
    address: str
    licensed_for_dpo: bool


@dataclass(frozen=True)
class EducatorRow:
    id: int
    region_id: int
    organization_id: int
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date
    snils: str
    category: str
    position: str
    experience_years: int
    qualification_category: str
    subjects: tuple[str, ...]


@dataclass
class RegionRows:
    region_code: str
    municipalities: list[MunicipalityRow] = field(default_factory=list)
    organizations: list[OrganizationRow] = field(default_factory=list)
    educators: list[EducatorRow] = field(default_factory=list)


@dataclass
class IdCounter:
    """Next free primary key per table, so rows can reference each other before insert."""

    municipality: int = 1
    organization: int = 1
    educator: int = 1

    def take(self, table: str) -> int:
        value = getattr(self, table)
        setattr(self, table, value + 1)
        return value


@dataclass
class Uniques:
    """Identifiers that must be unique across the whole run."""

    snils: set[str] = field(default_factory=set)
    inn: set[str] = field(default_factory=set)


# ---------------------------------------------------------------- staffing profiles

# position, subjects, weight, share of women
SCHOOL_TEACHERS: list[tuple[str, tuple[str, ...], float, float]] = [
    ("учитель начальных классов", ("primary",), 21.0, 0.98),
    ("учитель русского языка и литературы", ("russian", "literature"), 13.0, 0.97),
    ("учитель математики", ("mathematics",), 9.0, 0.88),
    ("учитель математики и информатики", ("mathematics", "informatics"), 2.0, 0.7),
    ("учитель информатики", ("informatics",), 2.5, 0.55),
    ("учитель английского языка", ("english",), 8.0, 0.95),
    ("учитель немецкого языка", ("german",), 1.0, 0.95),
    ("учитель истории и обществознания", ("history", "social_studies"), 6.0, 0.78),
    ("учитель физической культуры", ("physical_education",), 6.0, 0.42),
    ("учитель биологии", ("biology",), 3.0, 0.92),
    ("учитель химии", ("chemistry",), 2.0, 0.92),
    ("учитель химии и биологии", ("chemistry", "biology"), 1.0, 0.92),
    ("учитель физики", ("physics",), 3.0, 0.68),
    ("учитель географии", ("geography",), 3.0, 0.85),
    ("учитель труда (технологии)", ("labour",), 3.0, 0.5),
    ("учитель музыки", ("music",), 2.0, 0.9),
    ("учитель изобразительного искусства", ("fine_arts",), 2.0, 0.9),
    ("преподаватель-организатор ОБЗР", ("obzr",), 1.5, 0.2),
    ("учитель родного языка и литературы", ("native_language",), 0.5, 0.95),
    ("педагог-психолог", ("psychology",), 2.0, 0.95),
    ("учитель-логопед", ("speech_therapy",), 1.2, 0.99),
    ("учитель-дефектолог", ("special_education",), 0.6, 0.98),
    ("социальный педагог", (), 1.2, 0.95),
    ("педагог дополнительного образования", ("additional_education",), 3.0, 0.75),
    ("советник директора по воспитанию", (), 1.0, 0.8),
    ("педагог-библиотекарь", (), 0.5, 0.99),
]
SCHOOL_MANAGERS = [
    "директор",
    "заместитель директора по учебной работе",
    "заместитель директора по воспитательной работе",
    "заместитель директора по учебной работе",
]
KINDERGARTEN_STAFF: list[tuple[str, tuple[str, ...], float, float]] = [
    ("воспитатель", ("preschool",), 72.0, 0.99),
    ("старший воспитатель", ("preschool",), 4.0, 1.0),
    ("музыкальный руководитель", ("preschool", "music"), 6.0, 0.97),
    ("инструктор по физической культуре", ("preschool", "physical_education"), 5.0, 0.85),
    ("педагог-психолог", ("preschool", "psychology"), 4.0, 0.98),
    ("учитель-логопед", ("preschool", "speech_therapy"), 6.0, 0.99),
    ("педагог дополнительного образования", ("preschool", "additional_education"), 3.0, 0.9),
]
COLLEGE_STAFF: list[tuple[str, tuple[str, ...], float, float]] = [
    ("преподаватель педагогики и психологии", ("psychology",), 4.0, 0.85),
    ("преподаватель методики начального образования", ("primary",), 3.0, 0.95),
    ("преподаватель методики дошкольного образования", ("preschool",), 2.0, 0.98),
    ("преподаватель русского языка и литературы", ("russian", "literature"), 2.0, 0.95),
    ("преподаватель математики", ("mathematics",), 2.0, 0.8),
    ("преподаватель иностранного языка", ("english",), 1.5, 0.9),
]
STUDENT_PROFILES: list[tuple[str, tuple[str, ...]]] = [
    ("Начальное образование", ("primary",)),
    ("Математика и информатика", ("mathematics", "informatics")),
    ("Русский язык и литература", ("russian", "literature")),
    ("История и обществознание", ("history", "social_studies")),
    ("Иностранный язык", ("english",)),
    ("Биология и химия", ("biology", "chemistry")),
    ("Физическая культура", ("physical_education",)),
    ("Дошкольное образование", ("preschool",)),
    ("Психолого-педагогическое образование", ("psychology",)),
    ("Физика и информатика", ("physics", "informatics")),
]

TEACHER_AGE_BINS = [(22, 29, 0.13), (30, 39, 0.19), (40, 49, 0.26), (50, 59, 0.25), (60, 72, 0.17)]
MANAGER_AGE_BINS = [(30, 39, 0.12), (40, 49, 0.33), (50, 59, 0.38), (60, 70, 0.17)]

KRASNOYARSK_TAX_OFFICES = ("60", "61", "62", "63", "64", "65", "66", "43", "44", "50", "57")


def _weighted(rng: random.Random, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


def _female_surname(male: str) -> str:
    for ending, female in (("ский", "ская"), ("цкий", "цкая"), ("ой", "ая")):
        if male.endswith(ending):
            return male[: -len(ending)] + female
    if male.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return male + "а"
    return male


class RegionBuilder:
    """Builds the rows of one region; shares id counters and uniques with the run."""

    def __init__(self, rng: random.Random, ids: IdCounter, uniques: Uniques, region_id: int, region_code: str) -> None:
        self.rng = rng
        self.ids = ids
        self.uniques = uniques
        self.rows = RegionRows(region_code=region_code)
        self.region_id = region_id
        self.region_code = region_code
        names = _json("names.json")
        self.surnames: list[str] = names["surnames"]
        self.invariant: list[str] = names["invariant_surnames"]
        self.first: dict[str, dict[str, list[str]]] = {"f": names["female"], "m": names["male"]}
        self.patronymics: list[list[str]] = names["patronymics"]

    # ------------------------------------------------------------ identifiers

    def inn(self) -> str:
        while True:
            office = (
                self.rng.choice(KRASNOYARSK_TAX_OFFICES)
                if self.region_code == "24"
                else f"{self.rng.randrange(1, 99):02d}"
            )
            inn = inn_with_checksum(f"{self.region_code}{office}{self.rng.randrange(0, 100000):05d}")
            if inn not in self.uniques.inn:
                self.uniques.inn.add(inn)
                return inn

    def snils(self) -> str:
        while True:
            snils = snils_with_checksum(f"{self.rng.randrange(2_000_000, 999_999_999):09d}")
            if snils not in self.uniques.snils:
                self.uniques.snils.add(snils)
                return snils

    # ------------------------------------------------------------ rows

    def municipality(self, name: str, kind: str) -> MunicipalityRow:
        row = MunicipalityRow(self.ids.take("municipality"), self.region_id, name, kind)
        self.rows.municipalities.append(row)
        return row

    def organization(
        self,
        *,
        municipality: MunicipalityRow | None,
        kind: str,
        name: str,
        short_name: str,
        address: str,
        licensed: bool = False,
    ) -> OrganizationRow:
        row = OrganizationRow(
            self.ids.take("organization"),
            self.region_id,
            municipality.id if municipality else None,
            kind,
            name,
            short_name,
            self.inn(),
            address,
            licensed,
        )
        self.rows.organizations.append(row)
        return row

    def person(
        self,
        org: OrganizationRow,
        *,
        category: str,
        position: str,
        subjects: tuple[str, ...],
        female_share: float,
        age_bins=TEACHER_AGE_BINS,
        age: int | None = None,
    ) -> EducatorRow:
        rng = self.rng
        if age is None:
            low, high, _w = _weighted(rng, age_bins, [b[2] for b in age_bins])
            age = rng.randint(low, high)
        birth = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age) - dt.timedelta(days=rng.randrange(1, 365))
        sex = "f" if rng.random() < female_share else "m"
        generation = "young" if birth.year >= 1990 else "mid" if birth.year >= 1970 else "old"
        first_name = rng.choice(self.first[sex][generation])
        patronymic = rng.choice(self.patronymics)[0 if sex == "m" else 1]
        if rng.random() < 0.06:
            last_name = rng.choice(self.invariant)
        else:
            male = rng.choice(self.surnames)
            last_name = male if sex == "m" else _female_surname(male)
        if category == "student":
            experience, qualification = 0, "none"
        else:
            start = 21 + min(int(rng.expovariate(1 / 2.5)), 25)
            experience = max(0, min(age - start, 50))
            qualification = self._qualification(experience)
        row = EducatorRow(
            id=self.ids.take("educator"),
            region_id=self.region_id,
            organization_id=org.id,
            last_name=last_name,
            first_name=first_name,
            middle_name=patronymic,
            birth_date=birth,
            snils=self.snils(),
            category=category,
            position=position,
            experience_years=experience,
            qualification_category=qualification,
            subjects=subjects,
        )
        self.rows.educators.append(row)
        return row

    def _qualification(self, experience: int) -> str:
        rng = self.rng
        if experience < 2:
            table: tuple[tuple[str, int], ...] = (("none", 88), ("compliance", 12))
        elif experience < 5:
            table = (("none", 25), ("compliance", 40), ("first", 35))
        elif experience < 15:
            table = (("none", 4), ("compliance", 20), ("first", 46), ("highest", 30))
        else:
            table = (("none", 2), ("compliance", 11), ("first", 30), ("highest", 52), ("methodist", 3), ("mentor", 2))
        return _weighted(rng, [t[0] for t in table], [t[1] for t in table])

    # ------------------------------------------------------------ staffing

    def staff_school(self, org: OrganizationRow, size: int) -> None:
        rng = self.rng
        managers = 1 + min(3, size // 25)
        for index in range(managers):
            self.person(
                org,
                category="manager",
                position=SCHOOL_MANAGERS[index],
                subjects=("education_management",),
                female_share=0.72 if index == 0 else 0.85,
                age_bins=MANAGER_AGE_BINS,
            )
        weights = [p[2] for p in SCHOOL_TEACHERS]
        for _ in range(max(1, size - managers)):
            position, subjects, _w, female = _weighted(rng, SCHOOL_TEACHERS, weights)
            if subjects == ("primary",) and rng.random() < 0.15:
                subjects = ("primary", "orkse")
            self.person(org, category="teacher", position=position, subjects=subjects, female_share=female)

    def staff_kindergarten(self, org: OrganizationRow, size: int) -> None:
        self.person(
            org,
            category="manager",
            position="заведующий",
            subjects=("preschool", "education_management"),
            female_share=0.98,
            age_bins=MANAGER_AGE_BINS,
        )
        self._staff_from(org, KINDERGARTEN_STAFF, max(1, size - 1))

    def staff_college(self, org: OrganizationRow, size: int, students: int) -> None:
        self.person(
            org,
            category="manager",
            position="директор",
            subjects=("education_management",),
            female_share=0.7,
            age_bins=MANAGER_AGE_BINS,
        )
        self._staff_from(org, COLLEGE_STAFF, max(1, size - 1))
        self.students(org, students, college=True)

    def students(self, org: OrganizationRow, count: int, *, college: bool = False) -> None:
        rng = self.rng
        profiles = STUDENT_PROFILES[:1] + STUDENT_PROFILES[7:8] if college else STUDENT_PROFILES
        for _ in range(count):
            profile, subjects = rng.choice(profiles)
            course = rng.randint(2, 4 if college else 5)
            self.person(
                org,
                category="student",
                position=f"студент {course} курса, профиль «{profile}»",
                subjects=subjects,
                female_share=0.82,
                age=min(17 + course + rng.randint(0, 2), 26),
            )

    def _staff_from(self, org: OrganizationRow, table, count: int) -> None:
        rng = self.rng
        weights = [p[2] for p in table]
        for _ in range(count):
            position, subjects, _w, female = _weighted(rng, table, weights)
            self.person(org, category="teacher", position=position, subjects=subjects, female_share=female)


def _split(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Integers proportional to `weights` summing to `total` (largest remainders)."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest <= 0:
        return base
    wsum = sum(weights)
    exact = [rest * w / wsum for w in weights]
    floors = [int(x) for x in exact]
    remainders = sorted(range(len(weights)), key=lambda i: (exact[i] - floors[i], -i), reverse=True)
    for i in remainders[: rest - sum(floors)]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors, strict=True)]


def _address(rng: random.Random, place: str) -> str:
    street = rng.choice(_json("krasnoyarsk.json")["streets"])
    return f"{place}, {street}, {rng.randint(1, 120)}"


def _place(municipality: MunicipalityRow) -> str:
    if municipality.kind in ("city_district",) and not municipality.name.startswith("п. "):
        return f"г. {municipality.name}"
    return municipality.name


OWNERSHIP = {
    "МАОУ": "Муниципальное автономное общеобразовательное учреждение",
    "МБОУ": "Муниципальное бюджетное общеобразовательное учреждение",
    "МКОУ": "Муниципальное казённое общеобразовательное учреждение",
}
PRESCHOOL_OWNERSHIP = {
    "МАДОУ": "Муниципальное автономное дошкольное образовательное учреждение",
    "МБДОУ": "Муниципальное бюджетное дошкольное образовательное учреждение",
}


def _school_names(
    rng: random.Random, municipality: MunicipalityRow, adjective: str | None, count: int, big_city: bool
) -> list[tuple[str, str]]:
    """(full name, short name) of `count` schools of one municipality, numbers distinct."""
    names = []
    if adjective:
        for number in range(1, count + 1):
            owner = rng.choice(["МБОУ", "МБОУ", "МКОУ"])
            title = (
                f"{adjective} средняя общеобразовательная школа № {number}"
                if count > 1
                else f"{adjective} средняя общеобразовательная школа"
            )
            short = f"{owner} {adjective} СОШ" + (f" № {number}" if count > 1 else "")
            names.append((f"{OWNERSHIP[owner]} «{title}»", short))
        return names
    numbers = rng.sample(range(1, max(160 if big_city else 25, count + 10)), count)
    lyceums = iter(rng.sample(range(1, 13), 12))
    gymnasia = iter(rng.sample(range(1, 17), 16))
    for number in numbers:
        owner = rng.choice(["МАОУ", "МБОУ", "МБОУ"])
        kind = (
            _weighted(rng, ["school", "lyceum", "gymnasium"], [0.76, 0.11, 0.13])
            if big_city
            else _weighted(rng, ["school", "lyceum", "gymnasium"], [0.9, 0.04, 0.06])
        )
        if kind == "lyceum" and (n := next(lyceums, None)):
            title, short = f"Лицей № {n}", f"{owner} Лицей № {n}"
        elif kind == "gymnasium" and (n := next(gymnasia, None)):
            title, short = f"Гимназия № {n}", f"{owner} Гимназия № {n}"
        elif big_city:
            title, short = f"Средняя школа № {number}", f"{owner} СШ № {number}"
        else:
            title, short = f"Средняя общеобразовательная школа № {number}", f"{owner} СОШ № {number}"
        names.append((f"{OWNERSHIP[owner]} «{title}»", short))
    return names


def _kindergarten_names(rng: random.Random, count: int, big_city: bool) -> list[tuple[str, str]]:
    names = []
    if big_city:
        for number in rng.sample(range(1, max(330, count + 10)), count):
            owner = rng.choice(list(PRESCHOOL_OWNERSHIP))
            names.append((f"{PRESCHOOL_OWNERSHIP[owner]} «Детский сад № {number}»", f"{owner} № {number}"))
        return names
    titles = _json("krasnoyarsk.json")["kindergarten_names"]
    shuffled = rng.sample(titles, len(titles))
    for number in range(1, count + 1):
        title = shuffled[(number - 1) % len(shuffled)]
        owner = rng.choice(list(PRESCHOOL_OWNERSHIP))
        names.append(
            (
                f"{PRESCHOOL_OWNERSHIP[owner]} «Детский сад № {number} „{title}“»",
                f"{owner} детский сад № {number} «{title}»",
            )
        )
    return names


def build_krasnoyarsk(
    rng: random.Random, ids: IdCounter, uniques: Uniques, region_id: int, educators: int
) -> RegionRows:
    """The detailed region: real municipalities and regional institutions of Krasnoyarsk Krai."""
    data = _json("krasnoyarsk.json")
    builder = RegionBuilder(rng, ids, uniques, region_id, data["region_code"])
    municipalities = {m["name"]: (builder.municipality(m["name"], m["kind"]), m) for m in data["municipalities"]}
    institutions = {}
    for inst in data["institutions"]:
        municipality = municipalities[inst["municipality"]][0]
        institutions[inst["short_name"]] = builder.organization(
            municipality=municipality,
            kind=inst["kind"],
            name=inst["name"],
            short_name=inst["short_name"],
            address=inst["address"],
            licensed=inst["licensed"],
        )
    students_university = max(20, educators * 2 // 100)
    college_staff = 12
    colleges = [o for o in institutions.values() if o.kind == "college"]
    students_college = max(10, educators // 100) // max(1, len(colleges))
    school_budget = educators - students_university - len(colleges) * (college_staff + students_college)
    n_schools = max(len(municipalities), round(school_budget * 0.74 / 31))
    n_kindergartens = max(10, round(school_budget * 0.26 / 16))
    muni_list = list(municipalities.values())
    weights = [m[1]["population"] for m in muni_list]
    schools_per = _split(n_schools, weights, minimum=1)
    kinder_per = _split(n_kindergartens, weights, minimum=0)
    planned: list[tuple[OrganizationRow, str, float]] = []
    for (municipality, meta), n_s, n_k in zip(muni_list, schools_per, kinder_per, strict=True):
        big_city = meta["name"] == "Красноярск"
        urban = meta["adjective"] is None
        place = _place(municipality)
        for full, short in _school_names(rng, municipality, meta["adjective"], n_s, big_city):
            org = builder.organization(
                municipality=municipality, kind="school", name=full, short_name=short, address=_address(rng, place)
            )
            planned.append(
                (
                    org,
                    "school",
                    rng.uniform(55, 95) if big_city else rng.uniform(35, 65) if urban else rng.uniform(14, 38),
                )
            )
        for full, short in _kindergarten_names(rng, n_k, big_city):
            org = builder.organization(
                municipality=municipality,
                kind="kindergarten",
                name=full,
                short_name=short,
                address=_address(rng, place),
            )
            planned.append((org, "kindergarten", rng.uniform(18, 32) if urban else rng.uniform(7, 16)))
    _staff(builder, planned, school_budget)
    builder.students(institutions["КГПУ им. В.П. Астафьева"], students_university)
    for college in colleges:
        builder.staff_college(college, college_staff, students_college)
    return builder.rows


def build_synthetic(
    rng: random.Random, ids: IdCounter, uniques: Uniques, region_id: int, region_code: str, capital: str, educators: int
) -> RegionRows:
    """A region for the country-scale benchmark: its capital and numbered municipal okrugs."""
    builder = RegionBuilder(rng, ids, uniques, region_id, region_code)
    n_munis = max(3, min(60, 6 + educators // 600))
    capital_row = builder.municipality(capital, "city_district")
    others = [builder.municipality(f"Муниципальный округ № {i}", "municipal_okrug") for i in range(1, n_munis)]
    builder.organization(
        municipality=capital_row,
        kind="ministry",
        name=f"Орган управления образованием ({capital})",
        short_name="",
        address=f"г. {capital}",
    )
    builder.organization(
        municipality=capital_row,
        kind="ipk",
        name=f"Институт развития образования ({capital})",
        short_name="",
        address=f"г. {capital}",
        licensed=True,
    )
    builder.organization(
        municipality=capital_row,
        kind="cnppm",
        name=f"ЦНППМ ({capital})",
        short_name="",
        address=f"г. {capital}",
        licensed=True,
    )
    university = builder.organization(
        municipality=capital_row,
        kind="university",
        name=f"Педагогический университет ({capital})",
        short_name="",
        address=f"г. {capital}",
        licensed=True,
    )
    students = max(5, educators * 2 // 100)
    budget = educators - students
    n_schools = max(n_munis, round(budget * 0.74 / 31))
    n_kindergartens = max(2, round(budget * 0.26 / 16))
    weights = [6.0] + [1.0] * (n_munis - 1)
    planned = []
    for municipality, n_s, n_k in zip(
        [capital_row, *others], _split(n_schools, weights, 1), _split(n_kindergartens, weights), strict=True
    ):
        for number in range(1, n_s + 1):
            org = builder.organization(
                municipality=municipality,
                kind="school",
                name=f"Средняя общеобразовательная школа № {number}",
                short_name=f"СОШ № {number}",
                address=municipality.name,
            )
            planned.append((org, "school", rng.uniform(20, 60)))
        for number in range(1, n_k + 1):
            org = builder.organization(
                municipality=municipality,
                kind="kindergarten",
                name=f"Детский сад № {number}",
                short_name=f"ДС № {number}",
                address=municipality.name,
            )
            planned.append((org, "kindergarten", rng.uniform(8, 28)))
    _staff(builder, planned, budget)
    builder.students(university, students)
    return builder.rows


def _staff(builder: RegionBuilder, planned: list[tuple[OrganizationRow, str, float]], budget: int) -> None:
    sizes = _split(budget, [p[2] for p in planned], minimum=3)
    for (org, kind, _w), size in zip(planned, sizes, strict=True):
        if kind == "school":
            builder.staff_school(org, size)
        else:
            builder.staff_kindergarten(org, size)


def region_targets(total: int) -> dict[str, int]:
    """Educators per region code, proportional to population."""
    population: dict[str, int] = _json("population.json")
    codes = sorted(population)
    return dict(zip(codes, _split(total, [population[c] for c in codes]), strict=True))


def generate(
    *,
    seed: int,
    regions: dict[str, tuple[int, str]],
    scale: str = "region",
    educators: int = 5000,
    ids: IdCounter | None = None,
) -> Iterator[RegionRows]:
    """Rows region by region. `regions` maps a region code to (database id, capital).

    ``scale="region"``: the detailed Krasnoyarsk Krai with about `educators` people.
    ``scale="country"``: all regions, `educators` in total, proportional to population,
    Krasnoyarsk Krai detailed and the others synthetic.
    """
    rng = random.Random(seed)
    ids = ids or IdCounter()
    uniques = Uniques()
    if scale == "region":
        region_id, _capital = regions[DEFAULT_REGION_CODE]
        yield build_krasnoyarsk(rng, ids, uniques, region_id, educators)
        return
    for code, target in region_targets(educators).items():
        region_id, capital = regions[code]
        if code == DEFAULT_REGION_CODE:
            yield build_krasnoyarsk(rng, ids, uniques, region_id, target)
        else:
            yield build_synthetic(rng, ids, uniques, region_id, code, capital, target)
