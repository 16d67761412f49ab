"""Workforce endpoints: the latest forecast and risk of a region, the registry, runs."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from efs.errors import NotFound
from efs.people import access

from . import queries, services
from .access import FORECAST_READERS, READERS

router = Router(tags=["workforce"])


class RegionIn(Schema):
    region: int | None = None


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


def _run(request: HttpRequest, params: RegionIn):
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
def forecast(request: HttpRequest, params: Query[RegionIn]):
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


@router.get(
    "/risk", response=list[RiskOut], summary="Risk index per municipality × subject, with its parts"
)
def risk(request: HttpRequest, params: Query[RegionIn]):
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
    limit: int = 100
    offset: int = 0


@router.get(
    "/posts", response=list[PostOut], summary="Posts of the staffing registry the caller may read"
)
def posts(request: HttpRequest, params: Query[PostsIn]):
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


class RunIn(Schema):
    region: int
    years: int = 10
    scenario: int | None = None


class RunOut(Schema):
    run_id: int
    base_year: int
    years: int
    cells: int


@router.post(
    "/runs", response={201: RunOut}, summary="Recalculate a region's forecast (regional operator)"
)
def run_create(request: HttpRequest, body: RunIn):
    region = queries.region_for(request.user, body.region)
    if region.pk != body.region:
        raise NotFound(_("Not found, or you have no access to it."))
    scenario = None
    if body.scenario is not None:
        from .models import Scenario

        scenario = Scenario.objects.filter(region=region, pk=body.scenario).first()
        if scenario is None:
            raise NotFound(_("Not found, or you have no access to it."))
    run = services.forecast_run(
        actor=request.user, region=region, years=body.years, scenario=scenario
    )
    return Status(
        201,
        {
            "run_id": run.pk,
            "base_year": run.base_year,
            "years": run.years,
            "cells": run.cells.count(),
        },
    )
