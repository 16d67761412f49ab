"""Monitoring endpoints: passports, values of a unit (and its children), targets."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from efs.errors import NotFound, ValidationFailed

from . import access as reach
from . import queries, services
from .models import Indicator, Level
from .views import CHILD_LEVEL, PARENT_FIELD

router = Router(tags=["monitoring"])

LevelName = Literal["organization", "municipality", "region", "macroregion", "federal"]
PERIOD = r"^\d{4}(-(\d{2}|Q[1-4]))?$"


class ErrorOut(Schema):
    error: dict


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
    return {"unit_id": v.unit_id, "unit_name": v.unit_name, "level": v.level, "numerator": v.numerator, "denominator": v.denominator,
            "value": v.value, "suppressed": v.suppressed, "target": v.target, "expected": v.expected, "status": v.status,
            "formula_version": v.formula_version}


@router.get("/indicators", response={200: list[IndicatorOut], 401: ErrorOut, 403: ErrorOut}, summary="Паспорта показателей")
def indicators(request: HttpRequest):
    reach.home_unit(request.user)  # monitoring readers only
    out = []
    for ind in Indicator.objects.prefetch_related("versions"):
        formula = max(ind.versions.all(), key=lambda v: v.version)
        out.append({"code": ind.code, "name": ind.name, "unit": ind.unit, "periodicity": ind.periodicity, "direction": ind.direction,
                    "region": ind.region_id, "formula_version": formula.version, "numerator": formula.numerator,
                    "denominator": formula.denominator, "factor": float(formula.factor)})
    return out


@router.get("/values", response={200: list[ValueOut], 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
            summary="Значения показателя для единицы и её подразделений за период")
def values(request: HttpRequest, q: Query[ValuesQuery]):
    reach.require_unit(request.user, q.level, q.unit)
    indicator = Indicator.objects.filter(code=q.indicator).first()
    if indicator is None:
        raise NotFound(_("Indicator not found."), code="indicator_not_found")
    rows = queries.indicator_values(indicator=indicator, level=q.level, period=q.period, unit_ids=[q.unit], suppress=True)
    if q.children and q.level in CHILD_LEVEL:
        kwargs: dict = {}
        if q.level in PARENT_FIELD:
            kwargs[PARENT_FIELD[q.level]] = q.unit
        elif q.level == Level.MACROREGION:
            from efs.people.public import Macroregion

            kwargs["unit_ids"] = list(Macroregion.objects.filter(pk=q.unit).values_list("regions__pk", flat=True))
        rows += queries.indicator_values(indicator=indicator, level=CHILD_LEVEL[q.level], period=q.period, suppress=True, **kwargs)
    return [_value_out(v) for v in rows]


@router.post("/targets", response={201: TargetOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             summary="Задать целевое значение показателя для региона или муниципалитета")
def target_set(request: HttpRequest, body: TargetIn):
    reach.home_unit(request.user)
    indicator = Indicator.objects.filter(code=body.indicator).first()
    if indicator is None:
        raise NotFound(_("Indicator not found."), code="indicator_not_found")
    if not body.value.is_finite():
        raise ValidationFailed(_("The target is a number."), code="target_invalid")
    target = services.target_set(actor=request.user, indicator=indicator, year=body.year, level=body.level, unit_id=body.unit,
                                 value=body.value, cascade=body.cascade)
    return Status(201, {"indicator": indicator.code, "year": target.year, "level": target.level, "unit": target.unit_id,
                        "value": float(target.value), "cascaded": target.cascaded})


class CompareQuery(Schema):
    indicator: list[str] = Field(default_factory=list, max_length=queries.COMPARE_MAX)
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


@router.get("/regions", response={200: CompareOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
            summary="Регионы рядом: значения выбранных федеральных показателей с целями (федеральный оператор)")
def compare(request: HttpRequest, q: Query[CompareQuery]):
    reach.require_federal(request.user)
    federal = list(Indicator.objects.filter(region__isnull=True).prefetch_related("versions"))
    wanted = [c for c in q.indicator if c]
    unknown = sorted(set(wanted) - {i.code for i in federal})
    if unknown:
        raise ValidationFailed(_("Unknown indicators: %(codes)s.") % {"codes": ", ".join(unknown)[:200]}, code="indicator_unknown")
    chosen = [i for i in federal if i.code in wanted] if wanted else federal[:4]
    rows = queries.regions_side_by_side(chosen, q.period, sort=q.sort)
    return {"indicators": [i.code for i in chosen],
            "regions": [{"region_id": r.region_id, "code": r.code, "name": r.name,
                         "values": [None if v is None else _value_out(v) for v in r.values]} for r in rows]}
