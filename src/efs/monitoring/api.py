"""Monitoring endpoints: passports, values of a unit (and its children), targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from efs.errors import ErrorOut, NotFound, ValidationFailed
from efs.http import client_ip
from efs.limits import OFFSET_MAX, PAGE_MAX
from efs.people import access
from efs.people.public import Organization, Region

from . import access as reach
from . import queries, services
from .elements import ELEMENTS
from .models import Indicator, Level
from .views import CHILD_LEVEL, PARENT_FIELD

router = Router(tags=["monitoring"])

LevelName = Literal["organization", "municipality", "region", "macroregion", "federal"]
PERIOD = r"^\d{4}(-(\d{2}|Q[1-4]))?$"


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    periodicity: str
    direction: str
    region: int | None
    formula_version: int
    numerator: list[str]
    denominator: list[str]
    factor: float


class ValueOut(Schema):
    unit_id: int
    unit_name: str
    level: str
    numerator: int | None
    denominator: int | None
    value: float | None
    suppressed: bool
    target: float | None
    expected: float | None
    status: str
    formula_version: int


class ValuesQuery(Schema):
    indicator: str = Field(..., max_length=40)
    level: LevelName
    unit: int = Field(..., ge=0, le=2_147_483_647)
    period: str = Field(..., pattern=PERIOD)
    children: bool = False


class TargetIn(Schema):
    indicator: str = Field(..., max_length=40)
    year: int = Field(..., ge=2000, le=2100)
    level: Literal["region", "municipality"]
    unit: int = Field(..., ge=1, le=2_147_483_647)
    value: Decimal = Field(..., ge=0, le=10**11, max_digits=14, decimal_places=2)
    cascade: bool = False


class TargetOut(Schema):
    indicator: str
    year: int
    level: str
    unit: int
    value: float
    cascaded: bool


def _value_out(v: queries.IndicatorValue) -> dict:
    return {
        "unit_id": v.unit_id,
        "unit_name": v.unit_name,
        "level": v.level,
        "numerator": v.numerator,
        "denominator": v.denominator,
        "value": v.value,
        "suppressed": v.suppressed,
        "target": v.target,
        "expected": v.expected,
        "status": v.status,
        "formula_version": v.formula_version,
    }


@router.get(
    "/indicators", response={200: list[IndicatorOut], 401: ErrorOut, 403: ErrorOut}, summary="Indicator passports"
)
def indicators(request: HttpRequest):
    reach.home_unit(request.user)  # monitoring readers only
    out = []
    for ind in Indicator.objects.prefetch_related("versions"):
        formula = max(ind.versions.all(), key=lambda v: v.version)
        out.append(
            {
                "code": ind.code,
                "name": ind.name,
                "unit": ind.unit,
                "periodicity": ind.periodicity,
                "direction": ind.direction,
                "region": ind.region_id,
                "formula_version": formula.version,
                "numerator": formula.numerator,
                "denominator": formula.denominator,
                "factor": float(formula.factor),
            }
        )
    return out


@router.get(
    "/values",
    response={200: list[ValueOut], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Values of an indicator for a unit and its parts in a period",
)
def values(request: HttpRequest, q: Query[ValuesQuery]):
    reach.require_unit(request.user, q.level, q.unit)
    indicator = Indicator.objects.filter(code=q.indicator).first()
    if indicator is None:
        raise NotFound(_("Indicator not found."), code="indicator_not_found")
    rows = queries.indicator_values(
        indicator=indicator, level=q.level, period=q.period, unit_ids=[q.unit], suppress=True
    )
    if q.children and q.level in CHILD_LEVEL:
        kwargs: dict = {}
        if q.level in PARENT_FIELD:
            kwargs[PARENT_FIELD[q.level]] = q.unit
        elif q.level == Level.MACROREGION:
            from efs.people.public import Macroregion

            kwargs["unit_ids"] = list(Macroregion.objects.filter(pk=q.unit).values_list("regions__pk", flat=True))
        rows += queries.indicator_values(
            indicator=indicator, level=CHILD_LEVEL[q.level], period=q.period, suppress=True, **kwargs
        )
    return [_value_out(v) for v in rows]


@router.post(
    "/targets",
    response={201: TargetOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Set the target of an indicator for a region or a municipality",
)
def target_set(request: HttpRequest, body: TargetIn):
    reach.home_unit(request.user)
    indicator = Indicator.objects.filter(code=body.indicator).first()
    if indicator is None:
        raise NotFound(_("Indicator not found."), code="indicator_not_found")
    if not body.value.is_finite():
        raise ValidationFailed(_("The target is a number."), code="target_invalid")
    target = services.target_set(
        actor=request.user,
        indicator=indicator,
        year=body.year,
        level=body.level,
        unit_id=body.unit,
        value=body.value,
        cascade=body.cascade,
    )
    return Status(
        201,
        {
            "indicator": indicator.code,
            "year": target.year,
            "level": target.level,
            "unit": target.unit_id,
            "value": float(target.value),
            "cascaded": target.cascaded,
        },
    )


class CompareQuery(Schema):
    indicator: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        default_factory=list, max_length=queries.COMPARE_MAX
    )
    period: str = Field(..., pattern=PERIOD)
    sort: str = Field("", max_length=40)


class RegionCompareOut(Schema):
    region_id: int
    code: str
    name: str
    values: list[ValueOut | None]


class CompareOut(Schema):
    indicators: list[str]
    regions: list[RegionCompareOut]


@router.get(
    "/regions",
    response={200: CompareOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Regions side by side: chosen federal indicators with their targets (federal operator)",
)
def compare(request: HttpRequest, q: Query[CompareQuery]):
    reach.require_federal(request.user)
    federal = list(Indicator.objects.filter(region__isnull=True).prefetch_related("versions"))
    wanted = [c for c in q.indicator if c]
    unknown = sorted(set(wanted) - {i.code for i in federal})
    if unknown:
        raise ValidationFailed(
            _("Unknown indicators: %(codes)s.") % {"codes": ", ".join(unknown)[:200]}, code="indicator_unknown"
        )
    chosen = [i for i in federal if i.code in wanted] if wanted else federal[:4]
    rows = queries.regions_side_by_side(chosen, q.period, sort=q.sort)
    return {
        "indicators": [i.code for i in chosen],
        "regions": [
            {
                "region_id": r.region_id,
                "code": r.code,
                "name": r.name,
                "values": [None if v is None else _value_out(v) for v in r.values],
            }
            for r in rows
        ],
    }


class PeopleQuery(Schema):
    level: Literal["organization", "municipality", "region"]
    unit: int = Field(..., ge=1, le=2_147_483_647)
    limit: int = Field(50, ge=1, le=PAGE_MAX)
    offset: int = Field(0, ge=0, le=OFFSET_MAX)


class PersonOut(Schema):
    id: int
    full_name: str
    organization: str
    position: str


class PeopleOut(Schema):
    count: int
    items: list[PersonOut]


@router.get(
    "/people",
    response={200: PeopleOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Educators of a unit (from an indicator to the people; within the caller's scope, logged)",
)
def people(request: HttpRequest, q: Query[PeopleQuery]):
    reach.require_unit(request.user, q.level, q.unit)
    name = queries.unit_names(q.level, [q.unit]).get(q.unit, "")
    count, items = reach.people_logged(
        request.user, q.level, q.unit, offset=q.offset, limit=q.limit, unit_name=name, ip=client_ip(request)
    )
    return {
        "count": count,
        "items": [
            {
                "id": e.pk,
                "full_name": e.full_name,
                "organization": e.organization.short_name if e.organization else "",
                "position": e.position,
            }
            for e in items
        ],
    }


class ReportLineOut(Schema):
    indicator: str
    name: str
    unit: str
    region: ValueOut | None
    municipalities_with_data: int
    municipalities: list[ValueOut]


class ReportOut(Schema):
    region_id: int
    period: str
    months: list[str]
    organizations_reporting: int | None
    organizations_with_educators: int | None
    municipality_count: int
    lines: list[ReportLineOut]


class ReportQuery(Schema):
    region: int = Field(..., ge=1, le=2_147_483_647)
    quarter: str = Field(..., pattern=r"^\d{4}-Q[1-4]$")


@router.get(
    "/report",
    response={200: ReportOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="A region's quarterly report: indicators, targets, statuses and the municipalities' values",
)
def report(request: HttpRequest, q: Query[ReportQuery]):
    region = Region.objects.filter(pk=q.region).first()
    if region is None:
        access.require_role(request.user, services.EDITORS)
        raise NotFound(_("Region not found."), code="region_not_found")
    access.require_region(request.user, region.pk, roles=services.EDITORS)
    found = queries.quarterly_report(region=region, quarter=q.quarter)
    covered = found.coverage or (None, None)
    return {
        "region_id": region.pk,
        "period": found.period,
        "months": [f"{m:%Y-%m}" for m in found.months],
        "organizations_reporting": covered[0],
        "organizations_with_educators": covered[1],
        "municipality_count": found.municipality_count,
        "lines": [
            {
                "indicator": line.indicator.code,
                "name": line.indicator.name,
                "unit": line.indicator.unit,
                "region": _value_out(line.value) if line.value else None,
                "municipalities_with_data": line.reported,
                "municipalities": [_value_out(m) for m in line.municipalities],
            }
            for line in found.lines
        ],
    }


# ---------------------------------------------------------------- a region's own passports

ElementCode = Annotated[str, StringConstraints(max_length=40)]
ELEMENTS_MAX = 20  # data elements summed in a numerator or a denominator


class ElementOut(Schema):
    code: str
    title: str
    app: str
    aggregation: str
    people: bool


@router.get(
    "/elements",
    response={200: list[ElementOut], 401: ErrorOut, 403: ErrorOut},
    summary="The registry of data elements passports are composed of",
)
def elements(request: HttpRequest):
    reach.home_unit(request.user)  # monitoring readers only
    return [
        {"code": e.code, "title": str(e.title), "app": e.app, "aggregation": e.aggregation, "people": e.people}
        for e in ELEMENTS.values()
    ]


class PassportFields(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    numerator: list[ElementCode] = Field(..., min_length=1, max_length=ELEMENTS_MAX)
    denominator: list[ElementCode] = Field(default_factory=list, max_length=ELEMENTS_MAX)
    factor: Decimal = Field(..., ge=Decimal("0.0001"), le=1_000_000, max_digits=12, decimal_places=4)
    unit: str = Field("%", max_length=20)
    periodicity: Literal["month", "quarter", "year"] = "year"
    direction: Literal["up", "down"] = "up"
    source: str = Field("", max_length=200)
    owner: int | None = Field(None, ge=1, le=2_147_483_647)
    owner_organization: int | None = Field(None, ge=1, le=2_147_483_647)


class PassportIn(PassportFields):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    region: int = Field(..., ge=1, le=2_147_483_647)


class PassportChangeIn(PassportFields):
    note: str = Field("", max_length=300)


def _owners(region_id: int, body: PassportFields) -> dict:
    """The responsible person and organization by id, each within the region's choices."""
    from efs.people.public import User

    owner = organization = None
    if body.owner is not None:
        owner = User.objects.filter(pk=body.owner).first()
        if owner is None:
            raise ValidationFailed(_("The responsible person is not found."), code="owner_not_found")
    if body.owner_organization is not None:
        organization = Organization.objects.filter(pk=body.owner_organization, region_id=region_id).first()
        if organization is None:
            raise ValidationFailed(
                _("The responsible organization is not in this region."), code="owner_organization_other_region"
            )
    return {"owner": owner, "owner_organization": organization}


def _passport_out(indicator: Indicator) -> dict:
    formula = queries.current_formula(indicator)
    return {
        "code": indicator.code,
        "name": indicator.name,
        "unit": indicator.unit,
        "periodicity": indicator.periodicity,
        "direction": indicator.direction,
        "region": indicator.region_id,
        "formula_version": formula.version if formula else 0,
        "numerator": list(formula.numerator) if formula else [],
        "denominator": list(formula.denominator) if formula else [],
        "factor": float(formula.factor) if formula else 0.0,
    }


def _finite(body: PassportFields) -> None:
    if not body.factor.is_finite():
        raise ValidationFailed(_("The factor is a number."), code="factor_invalid")


@router.post(
    "/indicators",
    response={
        201: IndicatorOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Create a region's own indicator passport from the registry's data elements",
)
def passport_create(request: HttpRequest, body: PassportIn):
    region = Region.objects.filter(pk=body.region).first()
    if region is None:
        raise NotFound(_("Region not found."), code="region_not_found")
    services.require_passport_editor(request.user, region.pk)
    _finite(body)
    data = body.model_dump(exclude={"owner", "owner_organization", "region"})
    indicator = services.indicator_create(actor=request.user, region=region, **data, **_owners(region.pk, body))
    return Status(201, _passport_out(Indicator.objects.prefetch_related("versions").get(pk=indicator.pk)))


@router.put(
    "/indicators/{code}",
    response={200: IndicatorOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Change a region's own passport (a changed formula becomes a new version)",
)
def passport_update(
    request: HttpRequest, code: Annotated[str, StringConstraints(max_length=40)], body: PassportChangeIn
):
    indicator = Indicator.objects.select_related("region").filter(code=code, region__isnull=False).first()
    if indicator is None:
        raise NotFound(_("Indicator not found."), code="indicator_not_found")
    services.require_passport_editor(request.user, indicator.region_id)
    _finite(body)
    data = body.model_dump(exclude={"owner", "owner_organization"})
    services.indicator_update(actor=request.user, indicator=indicator, **data, **_owners(indicator.region_id, body))
    return _passport_out(Indicator.objects.prefetch_related("versions").get(pk=indicator.pk))
