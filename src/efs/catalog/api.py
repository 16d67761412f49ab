"""Depository endpoints: search, «close my deficits», cards, cohorts, reviews, moderation."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from efs.errors import NotFound
from efs.http import AuthedRequest
from efs.limits import (
    PRICE_KOPECKS_MAX,
    Comment,
    Day,
    Id,
    Limit,
    Offset,
    RegionCode,
    Search,
    ShortText,
    Word,
)
from efs.people import access as people_access
from efs.people.models import Organization, Role

from . import importexport, queries, services
from .access import program_actions, program_visible, provider_organizations
from .models import Review, ReviewStatus

router = Router(tags=["catalog"])


class CohortOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date
    enrollment_deadline: dt.date
    seats: int
    seats_free: int
    online: bool
    place: str | None
    price_kopecks: int
    status: str
    availability: str


def _cohort(c) -> dict:
    return {
        "id": c.pk,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "enrollment_deadline": c.enrollment_deadline,
        "seats": c.seats,
        "seats_free": c.seats_free,
        "online": c.online,
        "place": c.municipality.name if c.municipality_id else None,
        "price_kopecks": c.price,
        "status": c.status,
        "availability": c.availability,
    }


class ProgramOut(Schema):
    id: int
    code: str
    title: str
    provider: str
    kind: str
    hours: int
    form: str
    price_kopecks: int
    status: str
    outcomes: list[dict[str, Any]]
    cohorts: list[CohortOut]


def _program(p) -> dict:
    return {
        "id": p.pk,
        "code": p.code,
        "title": p.title,
        "provider": p.provider.display_name,
        "kind": p.kind,
        "hours": p.hours,
        "form": p.form,
        "price_kopecks": p.price,
        "status": p.status,
        "outcomes": [{"competency": o.competency.code, "weight": o.weight} for o in p.outcomes.all()],
        "cohorts": [_cohort(c) for c in getattr(p, "open_cohorts", [])],
    }


class SearchOut(Schema):
    count: int
    items: list[ProgramOut]
    suggestion: str | None = None  # «did you mean»: a corrected query that finds programs, when this one finds none


class SearchIn(Schema):
    q: Search = ""
    competency: Search = ""
    form: Search = ""
    kind: Search = ""
    audience: Search = ""
    subject: Search = ""
    date_from: Day | None = None
    date_to: Day | None = None
    max_price_kopecks: int | None = Field(None, ge=0, le=PRICE_KOPECKS_MAX)
    free_seats: bool = False
    anywhere: bool = False
    limit: Limit = 20
    offset: Offset = 0


def _home_region_id(user) -> int | None:
    from efs.people.queries import home_region

    region = home_region(user)
    return region.pk if region else None


@router.get("/programs", response=SearchOut, summary="Search published programs (morphology-aware Russian)")
def search(request: AuthedRequest, params: Query[SearchIn]):
    region_id = None if params.anywhere else _home_region_id(request.user)
    filters = queries.SearchFilters(
        query=params.q[:200], competency=params.competency, region_id=region_id, form=params.form, kind=params.kind,
        audience=params.audience, subject=params.subject, date_from=params.date_from, date_to=params.date_to,
        max_price=params.max_price_kopecks, free_seats=params.free_seats,
    )
    ids, total = queries.programs_search(filters)
    limit = max(1, min(params.limit, 100))
    page = ids[params.offset : params.offset + limit]
    suggestion = None if total else queries.search_suggestion(filters)
    return {
        "count": total,
        "items": [_program(p) for p in queries.programs_page(page, region_id=region_id)],
        "suggestion": suggestion,
    }


class MatchOut(Schema):
    program: ProgramOut
    score: float
    share_of_deficits: float
    closes: list[dict[str, Any]]


@router.get(
    "/for-me", response=list[MatchOut], summary="Published programs ranked by how much of my deficits they cover"
)
def for_me(request: AuthedRequest):
    me = people_access.require_own_educator(request.user)
    _deficits, matches = queries.programs_for_educator(me)
    return [
        {
            "program": _program(m.program),
            "score": round(m.score, 4),
            "share_of_deficits": round(m.share, 4),
            "closes": [
                {"competency": d.code, "title": d.title, "probability_of_deficit": d.weight, "coverage": w}
                for d, w in m.covers
            ],
        }
        for m in matches
    ]


class AudienceOut(Schema):
    categories: list[str]
    positions: list[str]
    subjects: list[str]


class OutcomeOut(Schema):
    competency: str
    weight: float
    text: str


class ModuleOut(Schema):
    title: str
    hours: int


class PartnerOut(Schema):
    inn: str
    name: str


class CardOut(Schema):
    """A program card: the import/export format, with its id and status."""

    id: int
    status: str
    code: str
    kind: str
    title: str
    annotation: str
    audience: AudienceOut
    hours: int
    form: str
    distance_learning: bool
    e_learning: bool
    final_assessment: str
    price_rub: float
    developer: str
    outcomes: list[OutcomeOut]
    modules: list[ModuleOut]
    network_partners: list[PartnerOut]  # network form: the organizations it is implemented with


class ProgramActionsOut(Schema):
    """What the caller may do with the program now (efs.catalog.access.program_actions, the same
    answer the program card page draws its buttons from); each action is checked again when taken."""

    can_edit: bool  # PUT /programs/{id}: the provider, a draft or returned card
    can_submit: bool  # submit the card for review (the provider)
    can_schedule: bool  # POST /programs/{id}/cohorts (the provider, a card not rejected or archived)
    can_assign: bool  # assign experts (the moderating operator, a submitted card or one in review)
    can_decide: bool  # approve, return or reject (the moderating operator, a card in review)
    can_publish: bool  # publish an approved card (the moderating operator)
    can_archive: bool  # archive a published card (the provider or the moderating operator)
    sees_reviews: bool  # the experts' reviews are shown to the caller
    can_enroll: bool  # a teacher may enroll in its cohorts (a published card)
    own: bool  # the caller is on the provider's staff
    moderates: bool  # the caller moderates the provider's region


class ProgramCardOut(CardOut):
    version: int
    cohorts: list[CohortOut]
    actions: ProgramActionsOut


class ProgramStateOut(Schema):
    id: int
    status: str
    version: int


@router.get("/programs/{int:program_id}", response=ProgramCardOut, summary="A program card with its status and cohorts")
def program(request: AuthedRequest, program_id: Id):
    p = program_visible(request.user, program_id)
    return {
        "id": p.pk,
        "status": p.status,
        "version": p.version,
        **services.program_card(p),
        "cohorts": [_cohort(c) for c in p.cohorts.select_related("municipality")],
        "actions": program_actions(request.user, p),
    }


class CardIn(Schema):
    card: dict[str, Any]


def _provider(request) -> Organization:
    org = Organization.objects.filter(pk__in=provider_organizations(request.user)).order_by("pk").first()
    if org is None:
        raise NotFound(_("Only the provider's staff manage its programs."), code="not_a_provider")
    return org


def _data(card: dict):
    from efs.errors import ValidationFailed

    try:
        return importexport.card_to_data(card)
    except (KeyError, TypeError, ValueError):
        raise ValidationFailed(
            _("The card does not follow the format of an exported card."), code="program_invalid"
        ) from None


@router.post("/programs", response={201: CardOut}, summary="Create a draft card (provider)")
def program_create(request: AuthedRequest, body: CardIn):
    p = services.program_create(actor=request.user, provider=_provider(request), data=_data(body.card))
    return Status(201, {"id": p.pk, "status": p.status, **services.program_card(p)})


@router.put("/programs/{int:program_id}", response=CardOut, summary="Change a draft or returned card (provider)")
def program_update(request: AuthedRequest, program_id: Id, body: CardIn):
    p = services.program_update(
        actor=request.user, program=program_visible(request.user, program_id), data=_data(body.card)
    )
    return {"id": p.pk, "status": p.status, **services.program_card(p)}


class ProgramActionIn(Schema):
    action: Literal["submit", "assign", "approve", "revise", "reject", "publish", "archive"]
    comment: Comment = ""


@router.post(
    "/programs/{int:program_id}/actions",
    response=ProgramStateOut,
    summary="Move the card through the inclusion workflow",
)
def program_action(request: AuthedRequest, program_id: Id, body: ProgramActionIn):
    from efs.errors import ValidationFailed

    p = program_visible(request.user, program_id)
    if body.action == "submit":
        p = services.program_submit(actor=request.user, program=p)
    elif body.action == "assign":
        services.reviews_assign(actor=request.user, program=p)
        p.refresh_from_db()
    elif body.action in ("approve", "revise", "reject"):
        p = services.program_decide(actor=request.user, program=p, decision=body.action, comment=body.comment)
    elif body.action == "publish":
        p = services.program_publish(actor=request.user, program=p)
    elif body.action == "archive":
        p = services.program_archive(actor=request.user, program=p, comment=body.comment)
    else:
        raise ValidationFailed(_("Unknown action."), code="action_unknown")
    return {"id": p.pk, "status": p.status, "version": p.version}


class CohortCreateIn(Schema):
    start_date: dt.date
    end_date: dt.date
    enrollment_deadline: dt.date
    seats: int
    price_kopecks: int
    online: bool = False
    municipality: int | None = None
    address: ShortText = ""
    availability: Word = "region"


@router.post("/programs/{int:program_id}/cohorts", response={201: CohortOut}, summary="Schedule a cohort (provider)")
def cohort_create(request: AuthedRequest, program_id: Id, body: CohortCreateIn):
    p = program_visible(request.user, program_id)
    data = services.CohortData(
        start_date=body.start_date,
        end_date=body.end_date,
        enrollment_deadline=body.enrollment_deadline,
        seats=body.seats,
        price=body.price_kopecks,
        online=body.online,
        municipality_id=body.municipality,
        address=body.address,
        availability=body.availability,
    )
    return Status(201, _cohort(services.cohort_create(actor=request.user, program=p, data=data)))


class ProgramsImportOut(Schema):
    total: int
    valid: int
    created: list[int]
    errors: list[dict[str, Any]]


@router.post(
    "/import",
    response=ProgramsImportOut,
    summary="Import cards from JSON or XLSX (drafts; all or, explicitly, only valid ones)",
)
def programs_import(
    request: AuthedRequest, file: File[UploadedFile], only_valid: Form[bool] = False, check: Form[bool] = False
):
    report = importexport.programs_import(
        actor=request.user,
        provider=_provider(request),
        file_name=file.name or "",
        content=file.read(),
        only_valid=only_valid,
        dry_run=check,
    )
    return {
        "total": report.total,
        "valid": report.valid,
        "created": [p.pk for p in report.created],
        "errors": report.errors,
    }


class ReviewOut(Schema):
    id: int
    program: int
    program_title: str
    version: int
    status: str
    verdict: str


def _review_out(r: Review) -> dict[str, Any]:
    return {
        "id": r.pk,
        "program": r.program_id,
        "program_title": r.program.title,
        "version": r.program_version,
        "status": r.status,
        "verdict": r.verdict,
    }


@router.get("/reviews", response=list[ReviewOut], summary="My review queue (expert)")
def reviews(request: AuthedRequest):
    people_access.require_role(request.user, [Role.EXPERT])
    return [_review_out(r) for r in Review.objects.filter(expert=request.user).select_related("program")]


class ProgramReviewIn(Schema):
    scores: dict[str, int]
    verdict: Word
    comment: Comment = ""


@router.post(
    "/reviews/{int:review_id}", response=ReviewOut, summary="Submit a review against the published criteria (expert)"
)
def review_submit(request: AuthedRequest, review_id: Id, body: ProgramReviewIn):
    people_access.require_role(request.user, [Role.EXPERT])
    review = Review.objects.filter(pk=review_id, expert=request.user, status=ReviewStatus.ASSIGNED).first()
    if review is None:
        raise NotFound(_("Not found, or you have no access to it."))
    r = services.review_submit(
        actor=request.user, review=review, scores=body.scores, verdict=body.verdict, comment=body.comment
    )
    return _review_out(r)


class CoverageOut(Schema):
    competency: str
    title: str
    audience: str
    people_with_deficit: int | None
    programs: int
    free_seats: int


@router.get("/coverage", response=list[CoverageOut], summary="Deficits against programs in a region: the demand map")
def coverage(request: AuthedRequest, region: RegionCode = ""):
    from efs.diagnostics.access import AGGREGATE_READERS
    from efs.people.models import Region

    roles = [r for r in AGGREGATE_READERS if people_access.has_role(request.user, r)]
    if not roles and not provider_organizations(request.user):
        people_access.require_role(request.user, list(AGGREGATE_READERS) + [Role.PROVIDER])
    region_obj = Region.objects.filter(code=region).first() if region else None
    region_id = region_obj.pk if region_obj else _home_region_id(request.user)
    if region_id is None:
        raise NotFound(_("Region not found."), code="region_not_found")
    rows = queries.coverage(request.user, region_id=region_id, roles=roles or list(AGGREGATE_READERS))
    return [
        {
            "competency": r.competency.code,
            "title": r.competency.title,
            "audience": r.competency.framework.audience,
            "people_with_deficit": r.people_with_deficit if roles else None,
            "programs": r.programs,
            "free_seats": r.seats,
        }
        for r in rows
    ]
