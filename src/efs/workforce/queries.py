"""Reads of the workforce app. Pages read the stored runs (pre-aggregated cells and risk),
never the registry in bulk; people's rows are read only through ``efs.people.access``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import NotFound
from efs.people import access
from efs.people.public import Educator, Municipality, Region, Role, Subject

from . import forecasting
from .access import FORECAST_READERS, READERS
from .models import (
    Assignment,
    ContractStatus,
    ForecastCell,
    ForecastRun,
    Post,
    RiskScore,
    Scenario,
    TargetedContract,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

AGE_BANDS = ("<30", "30–39", "40–49", "50–59", "60+")


def regions_readable(user) -> QuerySet[Region]:
    """Regions whose workforce figures the user reads in part or in full."""
    return access.regions_touched(user, roles=READERS).regions()


def region_for(user, wanted: int | None) -> Region:
    regions = regions_readable(user)
    region = regions.filter(pk=wanted).first() if wanted else None
    region = region or regions.order_by("code").first()
    if region is None:
        raise NotFound(access._not_found_message(Region))
    return region


def latest_run(region: Region, scenario: Scenario | None = None) -> ForecastRun | None:
    return ForecastRun.objects.filter(region=region, scenario=scenario).order_by("-created_at", "-pk").first()


def cells_visible(user, run: ForecastRun) -> QuerySet[ForecastCell]:
    return access.scoped(ForecastCell.objects.filter(run=run), user, roles=FORECAST_READERS)


def risks_visible(user, run: ForecastRun) -> QuerySet[RiskScore]:
    return access.scoped(RiskScore.objects.filter(run=run), user, roles=FORECAST_READERS).select_related(
        "municipality", "subject"
    )


@dataclass(frozen=True)
class YearTotal:
    year: int
    supply: float
    demand: float
    hidden: float
    leavers: float
    entrants: float

    @property
    def gap(self) -> float:
        return self.demand - self.supply

    @property
    def total_gap(self) -> float:
        return self.demand - self.supply + self.hidden


def totals_by_year(cells: QuerySet[ForecastCell]) -> list[YearTotal]:
    rows = (
        cells.values("year")
        .annotate(s=Sum("supply"), d=Sum("demand"), h=Sum("hidden"), lv=Sum("leavers"), en=Sum("entrants"))
        .order_by("year")
    )
    return [
        YearTotal(r["year"], r["s"] or 0.0, r["d"] or 0.0, r["h"] or 0.0, r["lv"] or 0.0, r["en"] or 0.0) for r in rows
    ]


@dataclass(frozen=True)
class SubjectRow:
    subject: str
    subject_id: int
    first: YearTotal
    horizon: YearTotal


@dataclass(frozen=True)
class ForecastSummary:
    totals: list[YearTotal]  # per year, over every cell read
    subjects: list[SubjectRow]  # per subject: the first projected year and the horizon


def forecast_summary(cells: QuerySet[ForecastCell], first_year: int, horizon_year: int) -> ForecastSummary:
    """``totals_by_year`` and ``by_subject`` from one grouped query (subject × year)."""
    rows = (
        cells.values("subject_id", "subject__name", "year")
        .annotate(s=Sum("supply"), d=Sum("demand"), h=Sum("hidden"), lv=Sum("leavers"), en=Sum("entrants"))
        .order_by()
    )
    per_year: dict[int, list[float]] = defaultdict(lambda: [0.0] * 5)
    grouped: dict[tuple[int, str], dict[int, YearTotal]] = defaultdict(dict)
    for r in rows:
        values = [r["s"] or 0.0, r["d"] or 0.0, r["h"] or 0.0, r["lv"] or 0.0, r["en"] or 0.0]
        sums = per_year[r["year"]]
        for index, value in enumerate(values):
            sums[index] += value
        if r["year"] in (first_year, horizon_year):
            grouped[(r["subject_id"], r["subject__name"])][r["year"]] = YearTotal(r["year"], *values)
    subjects = [
        SubjectRow(name, pk, years[first_year], years[horizon_year])
        for (pk, name), years in grouped.items()
        if first_year in years and horizon_year in years
    ]
    return ForecastSummary(
        [YearTotal(year, *per_year[year]) for year in sorted(per_year)],
        sorted(subjects, key=lambda row: (-row.horizon.total_gap, row.subject)),
    )


@dataclass(frozen=True)
class MunicipalityRisk:
    municipality: Municipality
    index: float
    worst_subject: str
    worst_index: float
    parts: dict[str, float]


RISK_PARTS = ("aged_60", "vacancy", "overload", "gap", "deficits")


def municipality_risk(risks: QuerySet[RiskScore]) -> list[MunicipalityRisk]:
    """Per municipality: the mean index over subjects, the worst subject, the mean parts
    (one query of plain values, no model instances)."""
    grouped: dict[int, list[dict]] = defaultdict(list)
    places: dict[int, Municipality] = {}
    for row in risks.values("municipality_id", "municipality__name", "subject__name", "index", *RISK_PARTS):
        grouped[row["municipality_id"]].append(row)
    result = []
    for pk, scores in grouped.items():
        worst = max(scores, key=lambda r: r["index"])
        place = places.setdefault(pk, Municipality(pk=pk, name=worst["municipality__name"]))
        result.append(
            MunicipalityRisk(
                place,
                sum(r["index"] for r in scores) / len(scores),
                worst["subject__name"],
                worst["index"],
                {name: sum(r[name] for r in scores) / len(scores) for name in RISK_PARTS},
            )
        )
    return sorted(result, key=lambda row: -row.index)


def _born_by(day: dt.date, age: int) -> dt.date:
    """The latest date of birth of someone ``age`` or older on ``day`` (a 1 September)."""
    return day.replace(year=day.year - age)


def age_structure(
    user,
    *,
    region: Region,
    municipality: Municipality | None = None,
    organization_id: int | None = None,
) -> dict[str, float]:
    """FTE by age band of the holdings the user may read, on 1 September of the school year.

    One aggregate query (a conditional sum per band over the dates of birth): no holding is
    read into Python, so a region's page does not grow with its registry."""
    day = forecasting.snapshot_date(forecasting.school_year(timezone.localdate()))
    rows = forecasting.held_on(access.scoped(Assignment.objects.filter(region=region), user, roles=READERS), day)
    if municipality is not None:
        rows = rows.filter(post__organization__municipality=municipality)
    if organization_id is not None:
        rows = rows.filter(post__organization_id=organization_id)
    edges = [_born_by(day, age) for age in (30, 40, 50, 60)]
    birth = "educator__birth_date"
    conditions = [
        Q(**{f"{birth}__gt": edges[0]}),
        Q(**{f"{birth}__gt": edges[1], f"{birth}__lte": edges[0]}),
        Q(**{f"{birth}__gt": edges[2], f"{birth}__lte": edges[1]}),
        Q(**{f"{birth}__gt": edges[3], f"{birth}__lte": edges[2]}),
        Q(**{f"{birth}__lte": edges[3]}),
        Q(**{f"{birth}__isnull": True}),
    ]
    sums = rows.aggregate(
        **{f"band{index}": Sum("fte", filter=condition) for index, condition in enumerate(conditions)}
    )
    bands = {name: float(sums[f"band{index}"] or 0) for index, name in enumerate(AGE_BANDS)}
    if sums["band5"]:
        bands["?"] = float(sums["band5"])
    return bands


class _Held(TypedDict):
    held: Decimal  # the FTE held today


def posts_visible(user, *, region: Region | None = None) -> QuerySet[WithAnnotations[Post, _Held]]:
    """Posts the user reads, with the FTE held today (``held``)."""
    today = timezone.localdate()
    posts = access.scoped(Post.objects.all(), user, roles=READERS)
    if region is not None:
        posts = posts.filter(region=region)
    open_now = Q(assignments__started_on__lte=today) & (
        Q(assignments__ended_on__isnull=True) | Q(assignments__ended_on__gt=today)
    )
    return posts.select_related("organization__municipality", "subject").annotate(
        held=Coalesce(
            Sum("assignments__fte", filter=open_now),
            Value(0),
            output_field=DecimalField(max_digits=6, decimal_places=2),
        )
    )


def post_visible(user, pk: int) -> Post:
    return access.get_scoped(Post.objects.select_related("organization", "subject"), user, roles=READERS, pk=pk)


def educator_visible(user, pk: int) -> Educator:
    """An educator of the directory the user may read (to fill a post with)."""
    return access.get_scoped(Educator.objects.all(), user, pk=pk)


def holdings_of(user, post: Post) -> QuerySet[Assignment]:
    return (
        access.scoped(Assignment.objects.filter(post=post), user, roles=READERS)
        .select_related("educator")
        .order_by("-started_on")
    )


def contracts_visible(user, *, region: Region | None = None) -> QuerySet[TargetedContract]:
    contracts = access.scoped(TargetedContract.objects.all(), user, roles=READERS)
    if region is not None:
        contracts = contracts.filter(region=region)
    return contracts.select_related("student", "university", "subject", "municipality")


@dataclass(frozen=True)
class PipelineRow:
    graduation_year: int
    subject: str
    studying: int
    placed: int
    broken: int


def pipeline(contracts: QuerySet[TargetedContract]) -> list[PipelineRow]:
    rows = (
        contracts.values("graduation_year", "subject__name", "status")
        .annotate(n=Sum(Value(1)))
        .order_by("graduation_year", "subject__name")
    )
    grouped: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        grouped[(r["graduation_year"], r["subject__name"])][r["status"]] += r["n"]
    return [
        PipelineRow(
            year,
            subject,
            counts[ContractStatus.STUDYING],
            counts[ContractStatus.PLACED],
            counts[ContractStatus.BROKEN],
        )
        for (year, subject), counts in grouped.items()
    ]


@dataclass(frozen=True)
class Accuracy:
    run: ForecastRun
    year: int
    predicted: float
    actual: float
    mean_abs_error: float
    cells: int


def forecast_accuracy(user, region: Region) -> list[Accuracy]:
    """Each earlier base run's supply for its first year against the registry of that year."""
    current = forecasting.school_year(timezone.localdate())
    result: list[Accuracy] = []
    for run in ForecastRun.objects.filter(region=region, scenario__isnull=True, base_year__lt=current).order_by(
        "-base_year", "-created_at"
    ):
        if any(a.run.base_year == run.base_year for a in result):
            continue
        year = run.base_year + 1
        predicted = {
            (municipality, subject): supply
            for municipality, subject, supply in cells_visible(user, run)
            .filter(year=year)
            .values_list("municipality_id", "subject_id", "supply")
        }
        if not predicted:
            continue
        actual = {
            cell: fte
            for cell, fte in forecasting.supply_on(region.pk, forecasting.snapshot_date(year)).items()
            if cell in predicted
        }
        errors = [abs(value - actual.get(cell, 0.0)) for cell, value in predicted.items()]
        result.append(
            Accuracy(
                run,
                year,
                sum(predicted.values()),
                sum(actual.values()),
                sum(errors) / len(errors),
                len(errors),
            )
        )
    return result


def deficit_shares(region_id: int, holdings: list[forecasting.Holding]) -> dict[forecasting.Cell, float]:
    """Share of a cell's holders whose latest finished diagnostics found a deficit."""
    from efs.diagnostics.public import educators_with_deficit

    with_deficit = educators_with_deficit(region_id=region_id, educator_ids={h.educator_id for h in holdings})
    people: dict[forecasting.Cell, set[int]] = defaultdict(set)
    for holding in holdings:
        people[holding.cell].add(holding.educator_id)
    return {cell: len(ids & with_deficit) / len(ids) for cell, ids in people.items() if ids}


def subjects_with_hours() -> QuerySet[Subject]:
    from .models import CurriculumHours

    return Subject.objects.filter(pk__in=CurriculumHours.objects.values("subject_id")).order_by("name")


def is_region_level(user) -> bool:
    return access.has_role(user, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR)


def school_year_start() -> dt.date:
    return forecasting.snapshot_date(forecasting.school_year(timezone.localdate()))


# ---------------------------------------------------------------- the region's forecast inputs


@dataclass(frozen=True)
class CurriculumCell:
    hours: float | None
    own: bool  # the region's own value (else the federal one)


@dataclass(frozen=True)
class CurriculumRow:
    subject_id: int
    subject: str
    grades: list[CurriculumCell]  # grades 1–11
    weekly_total: float


def curriculum_table(region: Region) -> list[CurriculumRow]:
    """Weekly hours per subject and grade as the forecast uses them: the region's own rows
    over the federal curriculum (two queries)."""
    from .models import CurriculumHours

    federal: dict[tuple[int, int], float] = {}
    own: dict[tuple[int, int], float] = {}
    for region_id, subject, grade, hours in CurriculumHours.objects.filter(
        Q(region__isnull=True) | Q(region=region)
    ).values_list("region_id", "subject_id", "grade", "hours"):
        (own if region_id else federal)[(subject, grade)] = float(hours)
    subject_ids = {subject for subject, _ in federal} | {subject for subject, _ in own}
    rows = []
    for pk, name in Subject.objects.filter(pk__in=subject_ids).order_by("name").values_list("pk", "name"):
        cells = []
        for grade in range(1, 12):
            if (pk, grade) in own:
                cells.append(CurriculumCell(own[(pk, grade)], True))
            else:
                cells.append(CurriculumCell(federal.get((pk, grade)), False))
        rows.append(CurriculumRow(pk, name, cells, sum(c.hours or 0.0 for c in cells)))
    return rows


def input_history(region: Region, kind: str, limit: int = 30) -> QuerySet:
    from .models import InputChange

    return InputChange.objects.filter(region=region, kind=kind).select_related("actor")[:limit]


def leave_rates(region: Region) -> list:
    from .models import LeaveRate

    return list(LeaveRate.objects.filter(region=region).order_by("from_age"))


@dataclass(frozen=True)
class EntryRow:
    municipality_id: int
    municipality: str
    pupils: list[int | None]  # per year of ``years``


def first_grade_table(region: Region, years: list[int]) -> list[EntryRow]:
    """First-grade entry per municipality (rows) and year (columns); None where not given."""
    from .models import FirstGradeEntry

    given = {
        (m, y): p
        for m, y, p in FirstGradeEntry.objects.filter(region=region, year__in=years).values_list(
            "municipality_id", "year", "pupils"
        )
    }
    return [
        EntryRow(pk, name, [given.get((pk, year)) for year in years])
        for pk, name in Municipality.objects.filter(region=region).order_by("name").values_list("pk", "name")
    ]


def entrant_plan(region: Region) -> QuerySet:
    from .models import EntrantPlan

    return (
        EntrantPlan.objects.filter(region=region)
        .select_related("municipality", "subject")
        .order_by("year", "municipality__name", "subject__name", "source")
    )


def organizations_editable(user, region: Region) -> QuerySet:
    """The region's organizations whose staffing the user may change (to open a post in)."""
    from efs.people.public import Organization

    from .access import REGISTRY_EDITORS

    return access.scoped(
        Organization.objects.filter(region=region, kind="school"), user, roles=REGISTRY_EDITORS
    ).order_by("name")


# ---------------------------------------------------------------- a school's classes and pupils


@dataclass(frozen=True)
class ClassYear:
    year: int
    classes: int
    pupils: int
    grades: int  # grades with a row


def classes_years(organization) -> list[ClassYear]:
    """A school's classes and pupils per school year (sums over its grades)."""
    from django.db.models import Count

    from .models import ClassCount

    return [
        ClassYear(row["year"], row["c"] or 0, row["p"] or 0, row["n"])
        for row in ClassCount.objects.filter(organization=organization)
        .values("year")
        .annotate(c=Sum("classes"), p=Sum("pupils"), n=Count("pk"))
        .order_by("-year")
    ]


def classes_initial(organization, year: int) -> dict[str, int]:
    """The classes form's initial values: the school's rows of the year."""
    from .models import ClassCount

    initial: dict[str, int] = {}
    for grade, classes, pupils in ClassCount.objects.filter(organization=organization, year=year).values_list(
        "grade", "classes", "pupils"
    ):
        initial[f"classes_{grade}"] = classes
        initial[f"pupils_{grade}"] = pupils
    return initial


def classes_history(organization, limit: int = 30) -> QuerySet:
    from .models import InputChange

    return InputChange.objects.filter(organization=organization, kind=InputChange.Kind.CLASSES).select_related("actor")[
        :limit
    ]


def school_editable(user, pk: int):
    """A school whose staffing and classes the user may change; else not found."""
    from efs.people.public import Organization

    from .access import REGISTRY_EDITORS

    school = access.scoped(Organization.objects.filter(pk=pk, kind="school"), user, roles=REGISTRY_EDITORS).first()
    if school is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return school


@dataclass(frozen=True)
class RegionRisk:
    region_id: int
    index: float  # the mean risk index over the region's municipality × subject cells
    display: str


def region_risk(user) -> list[RegionRisk]:
    """Each region the user reads in full, with its latest base forecast's mean risk index
    (for the map of Russia's regions; empty unless the user reads more than one region)."""
    from django.db.models import Avg, OuterRef, Subquery

    from .access import REGION_LEVEL

    reach = access.region_reach(user, roles=REGION_LEVEL)
    if reach.everywhere or len(reach.region_ids) > 1:
        regions = reach.regions()
    else:  # one region or none: its municipalities' map says it all
        return []
    latest = (
        ForecastRun.objects.filter(region=OuterRef("region"), scenario__isnull=True)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    runs = ForecastRun.objects.filter(scenario__isnull=True, region__in=regions, pk=Subquery(latest))
    return [
        RegionRisk(row["run__region_id"], row["index"], f"{row['index']:.0f}")
        for row in RiskScore.objects.filter(run__in=runs)
        .values("run__region_id")
        .annotate(index=Avg("index"))
        .order_by("run__region_id")
    ]
