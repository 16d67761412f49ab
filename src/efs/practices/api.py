"""The practices app's JSON API (mounted at /api/practices/): the bank of practices —
search, cards, submission, evidence, the blind expert review, decisions, contests,
«Мы внедрили» reports, the regional ranking, practices for my deficits, experts' leniency.
The network part adds its router under /network."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from efs.errors import NotFound, PermissionDenied, ValidationFailed
from efs.http import AuthedRequest
from efs.limits import Day, Id, Limit, Offset, Search, ShortText
from efs.people import access as people_access
from efs.people.public import Organization, Role, User
from efs.practices.network.api import router as network_router

from . import queries, services
from .access import MODERATORS, affiliations, practice_visible, require_moderator
from .models import STEPS_MAX, TEXT_MAX, Contest, PracticeReview

router = Router(tags=["practices"])
router.add_router("/network", network_router)

Text = Annotated[str, Field(max_length=TEXT_MAX)]
Code = Annotated[str, Field(max_length=40)]


class PracticeIn(Schema):
    organization: Id
    title: Annotated[str, Field(max_length=300)]
    problem: Text
    target_group: Annotated[str, Field(max_length=500)]
    steps: Annotated[list[Annotated[str, Field(max_length=1000)]], Field(max_length=STEPS_MAX)]
    resources: Text
    results: Text
    conditions: Text
    level: Code = Field(..., description="school, municipal, regional or federal")
    competencies: Annotated[list[Code], Field(max_length=50)]
    subjects: Annotated[list[Code], Field(max_length=50)] = []
    hours: Annotated[int, Field(ge=1, le=500)] = 8
    authors: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=services.AUTHORS_MAX)] = Field(
        [], description="co-authors besides you"
    )
    contest: Id | None = None
    project: Id | None = Field(None, description="the joint project the practice is an output of")


class PracticeOut(Schema):
    id: int
    title: str
    status: str
    level: str
    confirmed_level: str
    region: int
    region_name: str
    organization: int
    organization_name: str
    municipality: str
    competencies: list[str]
    replication_count: int
    effect: float | None
    url: str


class PracticeEvidenceOut(Schema):
    id: int
    file_name: str
    caption: str
    size: int


class PracticeDetailOut(PracticeOut):
    problem: str
    target_group: str
    steps: list[str]
    resources: str
    results: str
    conditions: str
    subjects: list[str]
    hours: int
    authors: list[str]
    contest: int | None
    project: int | None
    version: int
    evidence: list[PracticeEvidenceOut]


def _out(p) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "status": p.status,
        "level": p.level,
        "confirmed_level": p.confirmed_level,
        "region": p.region_id,
        "region_name": p.region.name,
        "organization": p.organization_id,
        "organization_name": p.organization.display_name,
        "municipality": p.municipality.name if p.municipality_id else "",
        "competencies": [c.code for c in p.competencies.all()],
        "replication_count": p.replication_count,
        "effect": queries.mean_effect(p),
        "url": f"/practices/{p.pk}/",
    }


def _detail(p) -> dict:
    return _out(p) | {
        "problem": p.problem,
        "target_group": p.target_group,
        "steps": p.steps,
        "resources": p.resources,
        "results": p.results,
        "conditions": p.conditions,
        "subjects": [s.code for s in p.subjects.all()],
        "hours": p.hours,
        "authors": [a.name for a in p.authors.all()],
        "contest": p.contest_id,
        "project": p.project_id,
        "version": p.version,
        "evidence": [
            {"id": e.pk, "file_name": e.file_name, "caption": e.caption, "size": e.size} for e in p.evidence.all()
        ],
    }


def _data(body: PracticeIn) -> services.PracticeData:
    return services.PracticeData(
        title=body.title,
        problem=body.problem,
        target_group=body.target_group,
        steps=body.steps,
        resources=body.resources,
        results=body.results,
        conditions=body.conditions,
        level=body.level,
        competencies=body.competencies,
        subjects=body.subjects,
        hours=body.hours,
        authors=body.authors,
        contest_id=body.contest,
        project_id=body.project,
    )


@router.get(
    "/",
    response=list[PracticeOut],
    summary="Search the bank: Russian search and filters by competency, level, region, subject",
    url_name="practices_list",
)
def practices_list(
    request: AuthedRequest,
    q: Search = "",
    competency: Code = "",
    level: Code = "",
    region: Id | None = None,
    subject: Code = "",
    recommended: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
):
    filters = queries.Filters(
        q=q,
        competency=competency,
        level=level,
        region_id=region,
        subject=subject,
        status="recommended" if recommended else "",
    )
    rows, _total = queries.practices_search(filters, limit=limit, offset=offset)
    return [_out(p) for p in rows]


@router.post(
    "/",
    response={201: PracticeDetailOut},
    summary="Create a draft card of my organization's practice",
    url_name="practice_create",
)
def practice_create(request: AuthedRequest, body: PracticeIn):
    organization = Organization.objects.filter(pk=body.organization, pk__in=affiliations(request.user)).first()
    if organization is None:
        raise PermissionDenied(_("You can submit practices of your own organization only."))
    practice = services.practice_create(actor=request.user, organization=organization, data=_data(body))
    return Status(201, _detail(practice_visible(request.user, practice.pk)))


class DeficitPracticeOut(Schema):
    practice: PracticeOut
    deficits: list[str]
    weight: float


@router.get(
    "/for-me",
    response=list[DeficitPracticeOut],
    summary="Practices that close my deficits (from my latest diagnostics)",
    url_name="practices_for_me",
)
def for_me(request: AuthedRequest):
    me = people_access.require_own_educator(request.user)
    _deficits, matches = queries.practices_for_deficits(
        educator_id=me.pk, region_id=me.region_id, subject_codes=set(me.subjects.values_list("code", flat=True))
    )
    return [{"practice": _out(m.practice), "deficits": m.competencies, "weight": m.weight} for m in matches]


class RankingOut(Schema):
    rank: int
    practice: PracticeOut


@router.get(
    "/ranking",
    response=list[RankingOut],
    summary="A region's practices ranked by replication and measured effect",
    url_name="practices_ranking",
)
def ranking(request: AuthedRequest, region: Id):
    return [
        {"rank": n, "practice": _out(p)} for n, (p, _effect) in enumerate(queries.regional_ranking(region), start=1)
    ]


class LeniencyOut(Schema):
    expert: int
    expert_name: str
    reviews: int
    compared: int
    mean_share: float
    delta: float | None = Field(
        None, description="mean of own share − the other experts' mean share on the same practice version"
    )


@router.get(
    "/leniency",
    response=list[LeniencyOut],
    summary="Experts' leniency compared with the other experts on the same practices (operators)",
    url_name="practices_leniency",
)
def leniency(request: AuthedRequest):
    people_access.require_role(request.user, MODERATORS)
    return [
        {
            "expert": r.expert_id,
            "expert_name": r.expert,
            "reviews": r.reviews,
            "compared": r.compared,
            "mean_share": r.mean_share,
            "delta": r.delta,
        }
        for r in queries.leniency(request.user)
    ]


class ContestIn(Schema):
    region: Id
    title: ShortText
    description: Text
    deadline: Day
    jury: Annotated[list[Id], Field(max_length=50)]
    criteria: Annotated[list[ShortText], Field(max_length=12)] = []


class ContestOut(Schema):
    id: int
    region: int
    title: str
    description: str
    deadline: dt.date
    criteria: list[dict]
    jury: list[int]
    open: bool


def _contest_out(c: Contest) -> dict:
    from django.utils import timezone

    return {
        "id": c.pk,
        "region": c.region_id,
        "title": c.title,
        "description": c.description,
        "deadline": c.deadline,
        "criteria": c.criteria,
        "jury": [u.pk for u in c.jury.all()],
        "open": timezone.localdate() <= c.deadline,
    }


@router.get("/contests", response=list[ContestOut], summary="Contests of practices", url_name="practices_contests")
def contests(request: AuthedRequest, region: Id | None = None):
    qs = Contest.objects.prefetch_related("jury").order_by("-deadline", "pk")
    if region:
        qs = qs.filter(region_id=region)
    return [_contest_out(c) for c in qs[:200]]


@router.post(
    "/contests",
    response={201: ContestOut},
    summary="Announce a region's contest (the region's operator)",
    url_name="practices_contest_create",
)
def contest_create(request: AuthedRequest, body: ContestIn):
    jury = list(User.objects.filter(pk__in=body.jury))
    if len(jury) != len(set(body.jury)):
        raise ValidationFailed(_("Unknown jury members."), code="contest_invalid")
    contest = services.contest_create(
        actor=request.user,
        region_id=body.region,
        title=body.title,
        description=body.description,
        deadline=body.deadline,
        jury=jury,
        criteria=body.criteria,
    )
    return Status(201, _contest_out(contest))


class PracticeReviewOut(Schema):
    id: int
    practice: int
    practice_title: str
    version: int
    status: str
    scores: dict[str, int]
    comments: dict[str, str]
    verdict: str
    level: str
    comment: str


def _review_out(r: PracticeReview) -> dict:
    return {
        "id": r.pk,
        "practice": r.practice_id,
        "practice_title": r.practice.title,
        "version": r.practice_version,
        "status": r.status,
        "scores": r.scores,
        "comments": r.comments,
        "verdict": r.verdict,
        "level": r.level,
        "comment": r.comment,
    }


@router.get(
    "/reviews",
    response=list[PracticeReviewOut],
    summary="Reviews assigned to me (experts)",
    url_name="practices_my_reviews",
)
def my_reviews(request: AuthedRequest):
    people_access.require_role(request.user, [Role.EXPERT])
    return [_review_out(r) for r in queries.reviews_of_expert(request.user)[:500]]


class PracticeReviewIn(Schema):
    scores: Annotated[dict[Code, int], Field(max_length=20)]
    comments: Annotated[
        dict[Code, Annotated[str, Field(max_length=services.CRITERION_COMMENT_MAX)]], Field(max_length=20)
    ] = {}
    verdict: Code = Field(..., description="recommend, include, revise or reject")
    level: Code = Field("", description="for recommend and include: school, municipal, regional or federal")
    comment: Text = ""


@router.post(
    "/reviews/{int:review_id}",
    response=PracticeReviewOut,
    summary="Submit my review: criteria scores with comments, verdict and level",
    url_name="practices_review_submit",
)
def review_submit(request: AuthedRequest, review_id: Id, body: PracticeReviewIn):
    review = PracticeReview.objects.select_related("practice").filter(pk=review_id, expert=request.user).first()
    if review is None:
        raise NotFound(_("Not found, or you have no access to it."))
    review = services.review_submit(
        actor=request.user,
        review=review,
        scores=body.scores,
        comments=body.comments,
        verdict=body.verdict,
        level=body.level,
        comment=body.comment,
    )
    return _review_out(review)


@router.get("/{int:practice_id}", response=PracticeDetailOut, summary="One practice card", url_name="practice_get")
def practice_get(request: AuthedRequest, practice_id: Id):
    return _detail(practice_visible(request.user, practice_id))


class PracticeUpdateIn(PracticeIn):
    organization: Id | None = None  # type: ignore[assignment]


@router.put(
    "/{int:practice_id}",
    response=PracticeDetailOut,
    summary="Change a draft or returned card (its authors)",
    url_name="practice_update",
)
def practice_update(request: AuthedRequest, practice_id: Id, body: PracticeUpdateIn):
    practice = practice_visible(request.user, practice_id)
    data = _data(body)
    data.contest_id = practice.contest_id
    data.project_id = practice.project_id
    services.practice_update(actor=request.user, practice=practice, data=data)
    return _detail(practice_visible(request.user, practice_id))


@router.post(
    "/{int:practice_id}/submit",
    response=PracticeDetailOut,
    summary="Submit the card for expert review",
    url_name="practice_submit",
)
def practice_submit(request: AuthedRequest, practice_id: Id):
    services.practice_submit(actor=request.user, practice=practice_visible(request.user, practice_id))
    return _detail(practice_visible(request.user, practice_id))


@router.post(
    "/{int:practice_id}/evidence",
    response={201: PracticeEvidenceOut},
    summary="Attach a file with the results (checked by content, up to 10 MB)",
    url_name="practices_evidence_add",
)
def evidence_add(
    request: AuthedRequest, practice_id: Id, file: File[UploadedFile], caption: str = Form(..., max_length=300)
):
    evidence = services.evidence_add(
        actor=request.user, practice=practice_visible(request.user, practice_id), file=file, caption=caption
    )
    return Status(
        201, {"id": evidence.pk, "file_name": evidence.file_name, "caption": evidence.caption, "size": evidence.size}
    )


class AssignIn(Schema):
    experts: Annotated[list[Id], Field(max_length=10)] | None = Field(
        None, description="none: the least loaded experts without a conflict of interest"
    )


class PracticeAssignedOut(Schema):
    id: int
    expert: int
    status: str


@router.post(
    "/{int:practice_id}/reviews",
    response={201: list[PracticeAssignedOut]},
    summary="Assign experts to a submitted practice (the operator)",
    url_name="practices_reviews_assign",
)
def reviews_assign(request: AuthedRequest, practice_id: Id, body: AssignIn):
    practice = practice_visible(request.user, practice_id)
    require_moderator(request.user, practice)
    experts = None
    if body.experts:
        experts = list(User.objects.filter(pk__in=body.experts))
        if len(experts) != len(set(body.experts)):
            raise ValidationFailed(_("Unknown experts."), code="review_not_expert")
    created = services.reviews_assign(actor=request.user, practice=practice, experts=experts)
    return Status(201, [{"id": r.pk, "expert": r.expert_id, "status": r.status} for r in created])


class DecisionIn(Schema):
    decision: Code = Field(..., description="recommend (рекомендовано к тиражированию), include, revise or reject")
    level: Code = ""
    comment: Text = ""


@router.post(
    "/{int:practice_id}/decision",
    response=PracticeDetailOut,
    summary="The operator's decision on the reviews",
    url_name="practice_decide",
)
def practice_decide(request: AuthedRequest, practice_id: Id, body: DecisionIn):
    practice = practice_visible(request.user, practice_id)
    services.practice_decide(
        actor=request.user, practice=practice, decision=body.decision, level=body.level, comment=body.comment
    )
    return _detail(practice_visible(request.user, practice_id))


class ReplicationIn(Schema):
    organization: Id
    implemented_on: Day
    adapted: Text
    results: Text


class ReplicationOut(Schema):
    id: int
    organization: int
    organization_name: str
    region: int
    municipality: str
    implemented_on: dt.date
    adapted: str
    results: str


def _replication_out(r) -> dict:
    return {
        "id": r.pk,
        "organization": r.organization_id,
        "organization_name": r.organization.display_name,
        "region": r.region_id,
        "municipality": r.municipality.name if r.municipality_id else "",
        "implemented_on": r.implemented_on,
        "adapted": r.adapted,
        "results": r.results,
    }


@router.get(
    "/{int:practice_id}/replications",
    response=list[ReplicationOut],
    summary="Who replicated the practice",
    url_name="practices_replications",
)
def replications(request: AuthedRequest, practice_id: Id):
    return [_replication_out(r) for r in queries.replications_of(practice_visible(request.user, practice_id))[:1000]]


@router.post(
    "/{int:practice_id}/replications",
    response={201: ReplicationOut},
    summary="«Мы внедрили»: report that my organization replicated the practice",
    url_name="practices_replication_report",
)
def replication_report(request: AuthedRequest, practice_id: Id, body: ReplicationIn):
    practice = practice_visible(request.user, practice_id)
    organization = Organization.objects.filter(pk=body.organization, pk__in=affiliations(request.user)).first()
    if organization is None:
        raise PermissionDenied(_("You can report for your own organization only."))
    replication = services.replication_report(
        actor=request.user,
        practice=practice,
        organization=organization,
        implemented_on=body.implemented_on,
        adapted=body.adapted,
        results=body.results,
    )
    return Status(201, _replication_out(queries.replications_of(practice).get(pk=replication.pk)))
