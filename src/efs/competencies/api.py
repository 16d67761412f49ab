"""Competency framework endpoints (frameworks are public reference data)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from efs.errors import NotFound
from efs.limits import Id, RegionCode
from efs.people.models import Region
from efs.people.public import api_auth

from . import queries, services
from .models import Framework

router = Router(tags=["competencies"])


class FrameworkOut(Schema):
    id: int
    code: str
    version: str
    title: str
    audience: str
    status: str
    region: str | None

    @staticmethod
    def resolve_region(obj) -> str | None:
        return obj.region.code if obj.region else None


class FrameworkIn(Schema):
    framework: dict[str, Any]
    region: RegionCode | None = None
    publish: bool = False


@router.get("/frameworks", response=list[FrameworkOut])
def frameworks(request: HttpRequest):
    return list(queries.frameworks_listed())


class LevelOut(Schema):
    code: str
    title: str


class CompetencyOut(Schema):
    code: str
    parent: str | None
    title: str
    description: str
    block: str | None
    labour_functions: list[str]
    cuts: list[float] | None = None  # leaves only
    subjects: list[str] | None = None  # leaves only


class FrameworkDetailOut(Schema):
    id: int
    status: str
    code: str
    version: str
    title: str
    description: str
    audience: str
    levels: list[LevelOut]
    competencies: list[CompetencyOut]


@router.get(
    "/frameworks/{int:framework_id}", response=FrameworkDetailOut, summary="A framework with its competency tree"
)
def framework(request: HttpRequest, framework_id: Id):
    obj = Framework.objects.filter(pk=framework_id).first()
    if obj is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return {"id": obj.pk, "status": obj.status, **services.framework_to_dict(obj)}


@router.post(
    "/frameworks",
    response={201: FrameworkOut},
    auth=api_auth(*services.EDITORS),
    summary="Import a framework (federal or regional operator)",
)
def framework_import(request: HttpRequest, body: FrameworkIn):
    region = None
    if body.region:
        region = Region.objects.filter(code=body.region).first()
        if region is None:
            raise NotFound(_("Region not found."), code="region_not_found")
    obj = services.framework_import(actor=request.user, data=body.framework, region=region, publish=body.publish)
    return Status(201, obj)
