"""Workforce endpoints: the latest forecast and risk of a region, the registry, runs."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from efs.errors import NotFound, ValidationFailed
from efs.http import AuthedRequest
from efs.limits import Id, Limit, Offset, Year
from efs.people import access
from efs.people.public import Municipality, Subject

from . import queries, services
from .access import FORECAST_READERS, READERS, REGION_LEVEL, post_actions

router = Router(tags=["workforce"])


class RegionIn(Schema):
    region: Id | None = None


class CellOut(Schema):
    municipality_id: int
    municipality: str
    subject: str
    year: int
    supply_fte: float
    demand_fte: float
    hidden_fte: float
    gap_fte: float
    leavers_fte: float
    entrants_fte: float


class ForecastOut(Schema):
    run_id: int
    base_year: int
    years: int
    cells: list[CellOut]


def _run(request: AuthedRequest, params: RegionIn):
    access.require_role(request.user, FORECAST_READERS)
    region = queries.region_for(request.user, params.region)
    run = queries.latest_run(region)
    if run is None:
        raise NotFound(_("There is no forecast yet."), code="no_forecast")
    return run


@router.get(
    "/forecast",
    response=ForecastOut,
    summary="The latest base forecast of a region (cells the caller may read)",
)
def forecast(request: AuthedRequest, params: Query[RegionIn]):
    run = _run(request, params)
    cells = (
        queries.cells_visible(request.user, run)
        .select_related("municipality", "subject")
        .order_by("municipality__name", "subject__name", "year")
    )
    return {
        "run_id": run.pk,
        "base_year": run.base_year,
        "years": run.years,
        "cells": [
            {
                "municipality_id": c.municipality_id,
                "municipality": c.municipality.name,
                "subject": c.subject.name,
                "year": c.year,
                "supply_fte": c.supply,
                "demand_fte": c.demand,
                "hidden_fte": c.hidden,
                "gap_fte": c.total_gap,
                "leavers_fte": c.leavers,
                "entrants_fte": c.entrants,
            }
            for c in cells
        ],
    }


class RiskOut(Schema):
    municipality_id: int
    municipality: str
    subject: str
    index: float
    aged_60: float
    vacancy: float
    overload: float
    gap: float
    deficits: float


@router.get("/risk", response=list[RiskOut], summary="Risk index per municipality × subject, with its parts")
def risk(request: AuthedRequest, params: Query[RegionIn]):
    run = _run(request, params)
    return [
        {
            "municipality_id": r.municipality_id,
            "municipality": r.municipality.name,
            "subject": r.subject.name,
            "index": r.index,
            "aged_60": r.aged_60,
            "vacancy": r.vacancy,
            "overload": r.overload,
            "gap": r.gap,
            "deficits": r.deficits,
        }
        for r in queries.risks_visible(request.user, run)
    ]


class PostOut(Schema):
    id: int
    organization: str
    subject: str | None
    position: str
    fte: float
    held_fte: float
    opened_on: str
    closed_on: str | None


class PostsIn(RegionIn):
    vacant: bool = False
    limit: Limit = 100
    offset: Offset = 0


@router.get("/posts", response=list[PostOut], summary="Posts of the staffing registry the caller may read")
def posts(request: AuthedRequest, params: Query[PostsIn]):
    access.require_role(request.user, READERS)
    region = queries.region_for(request.user, params.region)
    rows = queries.posts_visible(request.user, region=region).order_by("pk")
    if params.vacant:
        from django.db.models import F

        rows = rows.filter(closed_on__isnull=True, held__lt=F("fte"))
    limit = max(1, min(params.limit, 500))
    return [
        {
            "id": p.pk,
            "organization": str(p.organization),
            "subject": p.subject.name if p.subject else None,
            "position": p.position,
            "fte": float(p.fte),
            "held_fte": float(p.held),
            "opened_on": p.opened_on.isoformat(),
            "closed_on": p.closed_on.isoformat() if p.closed_on else None,
        }
        for p in rows[params.offset : params.offset + limit]
    ]


class PostActionsOut(Schema):
    """What the caller may do with the post now (efs.workforce.access.post_actions, the same answer
    the post page draws its forms from); each action is checked again when taken."""

    can_fill: bool  # give a holding of the post to an educator (an open post, its editor)
    can_end_holdings: bool  # end a holding (the post has open ones)
    can_change: bool  # change the position and FTE (an open post)
    can_close: bool  # close the post (open, nobody holds it now)


class PostDetailOut(PostOut):
    actions: PostActionsOut


@router.get(
    "/posts/{int:post_id}",
    response=PostDetailOut,
    summary="A post of the staffing registry, with what the caller may do with it",
)
def post_detail(request: AuthedRequest, post_id: Id):
    access.require_role(request.user, READERS)
    p = queries.post_visible(request.user, post_id)
    return {
        "id": p.pk,
        "organization": str(p.organization),
        "subject": p.subject.name if p.subject else None,
        "position": p.position,
        "fte": float(p.fte),
        "held_fte": float(services.post_held_fte(p)),
        "opened_on": p.opened_on.isoformat(),
        "closed_on": p.closed_on.isoformat() if p.closed_on else None,
        "actions": post_actions(request.user, p),
    }


class RunIn(Schema):
    region: Id
    years: int = Field(10, ge=1, le=30)
    scenario: Id | None = None


class RunOut(Schema):
    run_id: int
    base_year: int
    years: int
    cells: int


@router.post("/runs", response={201: RunOut}, summary="Recalculate a region's forecast (regional operator)")
def run_create(request: AuthedRequest, body: RunIn):
    region = queries.region_for(request.user, body.region)
    if region.pk != body.region:
        raise NotFound(_("Not found, or you have no access to it."))
    scenario = None
    if body.scenario is not None:
        from .models import Scenario

        scenario = Scenario.objects.filter(region=region, pk=body.scenario).first()
        if scenario is None:
            raise NotFound(_("Not found, or you have no access to it."))
    run = services.forecast_run(actor=request.user, region=region, years=body.years, scenario=scenario)
    return Status(
        201,
        {
            "run_id": run.pk,
            "base_year": run.base_year,
            "years": run.years,
            "cells": run.cells.count(),
        },
    )


# ---------------------------------------------------------------- the region's forecast inputs


class BandIO(Schema):
    from_age: Annotated[int, Field(ge=14, le=100)]
    to_age: Annotated[int, Field(ge=14, le=100)]
    rate: Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4)]


class CurriculumOut(Schema):
    subject_id: int
    subject: str
    grade: int
    hours: float | None
    own: bool  # the region's own value (else the federal curriculum's)


class EntryOut(Schema):
    municipality_id: int
    municipality: str
    year: int
    pupils: int


class EntrantOut(Schema):
    municipality_id: int
    municipality: str
    subject_id: int
    subject: str
    year: int
    source: str
    fte: float
    age: int


class BandOut(Schema):
    from_age: int
    to_age: int
    rate: float


def _bands(region) -> list[dict]:
    return [{"from_age": r.from_age, "to_age": r.to_age, "rate": float(r.rate)} for r in queries.leave_rates(region)]


class InputsOut(Schema):
    region_id: int
    leave_rates: list[BandOut]
    curriculum: list[CurriculumOut]
    first_grade_entry: list[EntryOut]
    entrant_plan: list[EntrantOut]


def _input_region(request: AuthedRequest, wanted: int | None):
    access.require_role(request.user, REGION_LEVEL)
    region = queries.region_for(request.user, wanted)
    if wanted is not None and region.pk != wanted:
        raise NotFound(_("Not found, or you have no access to it."))
    return region


@router.get(
    "/inputs",
    response=InputsOut,
    summary="A region's forecast inputs: leave rates, curriculum hours, first grade, entrants",
)
def inputs(request: AuthedRequest, params: Query[RegionIn]):
    region = _input_region(request, params.region)
    from .models import FirstGradeEntry

    return {
        "region_id": region.pk,
        "leave_rates": _bands(region),
        "curriculum": [
            {
                "subject_id": row.subject_id,
                "subject": row.subject,
                "grade": grade,
                "hours": cell.hours,
                "own": cell.own,
            }
            for row in queries.curriculum_table(region)
            for grade, cell in enumerate(row.grades, 1)
        ],
        "first_grade_entry": [
            {"municipality_id": m, "municipality": name, "year": y, "pupils": p}
            for m, name, y, p in FirstGradeEntry.objects.filter(region=region)
            .order_by("municipality__name", "year")
            .values_list("municipality_id", "municipality__name", "year", "pupils")
        ],
        "entrant_plan": [
            {
                "municipality_id": e.municipality_id,
                "municipality": e.municipality.name,
                "subject_id": e.subject_id,
                "subject": e.subject.name,
                "year": e.year,
                "source": e.source,
                "fte": float(e.fte),
                "age": e.age,
            }
            for e in queries.entrant_plan(region)
        ],
    }


class RatesIn(Schema):
    region: Id
    bands: Annotated[list[BandIO], Field(min_length=1, max_length=20)]


@router.put(
    "/leave-rates",
    response=list[BandOut],
    summary="Replace a region's default leave rates (regional operator; history kept)",
)
def leave_rates_put(request: AuthedRequest, body: RatesIn):
    region = _input_region(request, body.region)
    services.leave_rates_set(
        actor=request.user,
        region=region,
        bands=[services.Band(b.from_age, b.to_age, b.rate) for b in body.bands],
    )
    return _bands(region)


class GradeHours(Schema):
    grade: Annotated[int, Field(ge=1, le=11)]
    hours: Annotated[Decimal, Field(ge=0, le=20, max_digits=3, decimal_places=1)] | None = None


class CurriculumIn(Schema):
    region: Id
    subject_id: Id
    grades: Annotated[list[GradeHours], Field(min_length=1, max_length=11)]


class ChangedOut(Schema):
    changed: int


@router.put(
    "/curriculum",
    response=ChangedOut,
    summary="Set a subject's weekly hours per grade for a region; null = the federal value",
)
def curriculum_put(request: AuthedRequest, body: CurriculumIn):
    region = _input_region(request, body.region)
    subject = Subject.objects.filter(pk=body.subject_id).first()
    if subject is None:
        raise NotFound(_("Not found, or you have no access to it."))
    changed = services.curriculum_set(
        actor=request.user,
        region=region,
        subject=subject,
        hours={g.grade: g.hours for g in body.grades},
    )
    return {"changed": changed}


def _municipality(region, pk: int) -> Municipality:
    place = Municipality.objects.filter(pk=pk, region=region).first()
    if place is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return place


class EntryIn(Schema):
    region: Id
    municipality_id: Id
    year: Year
    pupils: Annotated[int, Field(ge=0, le=100_000)] | None = None


@router.put(
    "/first-grade-entry",
    response={200: EntryOut, 204: None},
    summary="Set (or with null pupils remove) a municipality's first-graders in a year",
)
def first_grade_entry_put(request: AuthedRequest, body: EntryIn):
    region = _input_region(request, body.region)
    place = _municipality(region, body.municipality_id)
    row = services.first_grade_entry_set(
        actor=request.user, region=region, municipality=place, year=body.year, pupils=body.pupils
    )
    if row is None:
        return Status(204, None)
    return {
        "municipality_id": place.pk,
        "municipality": place.name,
        "year": row.year,
        "pupils": row.pupils,
    }


class EntrantIn(Schema):
    region: Id
    municipality_id: Id
    subject_id: Id
    year: Year
    source: Literal["graduates", "returners"]
    fte: Annotated[Decimal, Field(ge=0, le=1000, max_digits=6, decimal_places=2)]
    age: Annotated[int, Field(ge=14, le=100)] = 23


@router.put(
    "/entrant-plan",
    response={200: EntrantOut, 204: None},
    summary="Set planned entrants of a municipality × subject × year × source (0 FTE removes)",
)
def entrant_plan_put(request: AuthedRequest, body: EntrantIn):
    region = _input_region(request, body.region)
    place = _municipality(region, body.municipality_id)
    subject = Subject.objects.filter(pk=body.subject_id).first()
    if subject is None:
        raise NotFound(_("Not found, or you have no access to it."))
    row = services.entrant_plan_set(
        actor=request.user,
        region=region,
        municipality=place,
        subject=subject,
        year=body.year,
        source=body.source,
        fte=body.fte,
        age=body.age,
    )
    if row is None:
        return Status(204, None)
    return {
        "municipality_id": place.pk,
        "municipality": place.name,
        "subject_id": subject.pk,
        "subject": subject.name,
        "year": row.year,
        "source": row.source,
        "fte": float(row.fte),
        "age": row.age,
    }


class GradeCountIn(Schema):
    grade: Annotated[int, Field(ge=1, le=11)]
    classes: Annotated[int, Field(ge=0, le=services.CLASSES_MAX)] | None = None
    pupils: Annotated[int, Field(ge=0, le=services.PUPILS_MAX)] | None = None


class ClassesIn(Schema):
    organization_id: Id
    year: Year
    grades: Annotated[list[GradeCountIn], Field(min_length=1, max_length=11)]


@router.put(
    "/classes",
    response=ChangedOut,
    summary="Set a school's classes and pupils per grade in a school year; nulls remove a grade",
)
def classes_put(request: AuthedRequest, body: ClassesIn):
    access.require_role(request.user, READERS)
    school = queries.school_editable(request.user, body.organization_id)
    grades: dict[int, services.GradeCount | None] = {}
    for row in body.grades:
        if row.grade in grades:
            raise ValidationFailed(_("Grade %(grade)s is given twice.") % {"grade": row.grade})
        if (row.classes is None) != (row.pupils is None):
            raise ValidationFailed(
                _("Grade %(grade)s: give both classes and pupils, or neither.") % {"grade": row.grade}
            )
        grades[row.grade] = None if row.classes is None else services.GradeCount(row.classes, row.pupils or 0)
    changed = services.classes_set(actor=request.user, organization=school, year=body.year, grades=grades)
    return {"changed": changed}
