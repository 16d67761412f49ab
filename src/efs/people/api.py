"""People endpoints of the JSON API. Every read of people's data is scoped."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from efs.errors import NotFound, ValidationFailed
from efs.http import AuthedRequest, bounded_pagination, client_ip
from efs.limits import INT_MAX, Id, RegionCode, Word

from . import access, imports, queries, services
from .audit import audit_rows, audit_view
from .models import AuditAction, ConsentKind, Educator, ImportBatch, ImportKind, Region

Pagination = bounded_pagination()
router = Router(tags=["people"])


class MarkedOut(Schema):
    marked: int = Field(..., description="how many notifications were unread and are read now")


class RegionOut(Schema):
    id: int
    code: str
    name: str
    federal_district: str
    timezone: str


class MunicipalityOut(Schema):
    id: int
    name: str
    kind: str


class OrganizationOut(Schema):
    id: int
    region_code: str
    municipality: str | None
    kind: str
    name: str
    short_name: str
    inn: str
    licensed_for_dpo: bool

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code

    @staticmethod
    def resolve_municipality(obj) -> str | None:
        return obj.municipality.name if obj.municipality else None


class OrganizationRef(Schema):
    id: int
    name: str


class EducatorOut(Schema):
    id: int
    region_code: str
    full_name: str
    category: str
    position: str
    organization: OrganizationRef | None
    experience_years: int
    qualification_category: str

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code

    @staticmethod
    def resolve_organization(obj):
        return {"id": obj.organization_id, "name": obj.organization.display_name} if obj.organization else None


class EducatorDetailOut(EducatorOut):
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date | None
    email: str
    subjects: list[str]

    @staticmethod
    def resolve_subjects(obj) -> list[str]:
        return [s.name for s in obj.subjects.all()]


class RoleOut(Schema):
    role: str
    scope: str
    region_id: int | None
    municipality_id: int | None
    organization_id: int | None


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[RoleOut]
    educator_id: int | None


class ConsentOut(Schema):
    kind: str
    title: str
    version: str
    given: bool
    given_at: dt.datetime | None


class ImportOut(Schema):
    id: int
    kind: str
    region_code: str
    file_name: str
    status: str
    total_rows: int
    valid_rows: int
    imported_rows: int
    errors: list[dict]

    @staticmethod
    def resolve_region_code(obj) -> str:
        return obj.region.code


class CommitIn(Schema):
    only_valid: bool = False


@router.get("/me", response=MeOut, summary="Who am I: roles and scopes")
def me(request: AuthedRequest):
    educator = access.own_educator(request.user)
    return {
        "username": request.user.username,
        "display_name": request.user.display_name(),
        "roles": [
            {
                "role": g.role,
                "scope": g.scope,
                "region_id": g.region_id,
                "municipality_id": g.municipality_id,
                "organization_id": g.organization_id,
            }
            for g in access.grants(request.user)
        ],
        "educator_id": educator.pk if educator else None,
    }


@router.get("/regions", response=list[RegionOut], summary="The 89 subjects of the Russian Federation")
def regions(request: AuthedRequest):
    return Region.objects.all()


@router.get("/regions/{code}/municipalities", response=list[MunicipalityOut])
def municipalities(request: AuthedRequest, code: RegionCode):
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(_("Region not found."), code="region_not_found")
    return region.municipalities.all()


@router.get("/organizations", response=list[OrganizationOut], summary="The public directory of organizations")
@paginate(Pagination)
def organizations(
    request: AuthedRequest,
    region: str = Query("", max_length=2),
    municipality: int | None = Query(None, ge=1, le=INT_MAX),
    kind: str = Query("", max_length=40),
    q: str = Query("", max_length=200),
):
    # (Plain types with Query(): the paginate wrapper resolves annotations in ninja's module.)
    region_obj = Region.objects.filter(code=region).first() if region else None
    if region and region_obj is None:
        raise NotFound(_("Region not found."), code="region_not_found")
    return queries.organizations_directory(
        region_id=region_obj.pk if region_obj else None, municipality_id=municipality, kind=kind, search=q
    )


@router.get("/educators", response=list[EducatorOut], summary="Educators in the caller's scope")
@paginate(Pagination)
def educators(
    request: AuthedRequest,
    q: str = Query("", max_length=200),
    municipality: int | None = Query(None, ge=1, le=INT_MAX),
    organization: int | None = Query(None, ge=1, le=INT_MAX),
    category: str = Query("", max_length=20),
):
    qs = queries.educators_visible(
        request.user, search=q, municipality_id=municipality, organization_id=organization, category=category
    )
    return _AuditedList(qs, request)


class _AuditedList:
    """Records in the audit log how many records the page actually returned."""

    def __init__(self, qs, request):
        self.qs, self.request = qs, request

    def __getitem__(self, item):
        rows = list(self.qs[item])
        audit_rows(
            actor=self.request.user,
            action=AuditAction.VIEW,
            model=Educator,
            region_ids=[e.region_id for e in rows],
            description=_("List of educators through the API"),
            ip=client_ip(self.request),
        )
        return rows

    def count(self) -> int:
        return self.qs.count()

    def all(self):
        return self


@router.get("/educators/{int:educator_id}", response=EducatorDetailOut)
def educator(request: AuthedRequest, educator_id: Id):
    person = queries.educator_visible(request.user, educator_id)
    audit_view(actor=request.user, obj=person, ip=client_ip(request))
    return person


def _own(request: AuthedRequest) -> Educator:
    return access.require_own_educator(request.user)


def _consent_out(me: Educator, kind: str) -> dict:
    document = services.consent_current_document(kind)
    active = services.consent_active(me, kind)
    return {
        "kind": kind,
        "title": document.title,
        "version": document.version,
        "given": active is not None,
        "given_at": active.given_at if active else None,
    }


@router.get("/consents", response=list[ConsentOut], summary="My consents (current versions)")
def consents(request: AuthedRequest):
    me = _own(request)
    return [_consent_out(me, kind) for kind in ConsentKind.values]


def _consent_kind(kind: str) -> str:
    if kind not in ConsentKind.values:
        raise ValidationFailed(_("Unknown kind of consent."), code="consent_kind_unknown")
    return kind


@router.post("/consents/{kind}", response=ConsentOut, summary="Give consent (idempotent)")
def consent_give(request: AuthedRequest, kind: Word):
    me = _own(request)
    services.consent_give(actor=request.user, educator=me, kind=_consent_kind(kind), ip=client_ip(request))
    return _consent_out(me, kind)


@router.delete("/consents/{kind}", response=ConsentOut, summary="Withdraw consent (idempotent)")
def consent_withdraw(request: AuthedRequest, kind: Word):
    me = _own(request)
    services.consent_withdraw(actor=request.user, educator=me, kind=_consent_kind(kind), ip=client_ip(request))
    return _consent_out(me, kind)


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.get("/notifications", response=list[NotificationOut], summary="My latest 100 notifications, newest first")
def notifications(request: AuthedRequest, unread: bool = False):
    items = request.user.notifications.all()
    if unread:
        items = items.filter(read_at__isnull=True)
    return list(items[:100])


@router.post("/notifications/read", response=MarkedOut, summary="Mark all my notifications as read")
def notifications_read(request: AuthedRequest):
    return {"marked": services.notifications_read(user=request.user)}


@router.post("/imports", response={201: ImportOut}, summary="Upload a file and check it (nothing is imported yet)")
def import_upload(request: AuthedRequest, kind: Form[Word], region: Form[RegionCode], file: File[UploadedFile]):
    region_obj = Region.objects.filter(code=region).first()
    if region_obj is None:
        raise NotFound(_("Region not found."), code="region_not_found")
    if kind not in ImportKind.values:
        raise ValidationFailed(_("Unknown kind of import."), code="import_kind_unknown")
    batch = imports.import_preview(
        actor=request.user, region=region_obj, kind=kind, file_name=file.name or "", content=file.read()
    )
    return Status(201, batch)


def _batch(request: AuthedRequest, batch_id: Id) -> ImportBatch:
    access.require_role(request.user, imports.IMPORT_ROLES)
    return queries.import_batch(request.user, batch_id)


@router.get(
    "/imports/{int:batch_id}", response=ImportOut, summary="The check of an uploaded file: rows, valid rows, errors"
)
def import_get(request: AuthedRequest, batch_id: Id):
    return _batch(request, batch_id)


@router.post(
    "/imports/{int:batch_id}/commit",
    response=ImportOut,
    summary="Import the checked file (all rows, or only the valid ones)",
)
def import_commit(request: AuthedRequest, batch_id: Id, body: CommitIn):
    batch = _batch(request, batch_id)
    return imports.import_commit(actor=request.user, batch=batch, only_valid=body.only_valid, ip=client_ip(request))
