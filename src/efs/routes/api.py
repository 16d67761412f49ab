"""Individual route endpoints: build, edit, approve, track, evidence, region-wide plans."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from efs.catalog.models import Cohort
from efs.errors import NotFound
from efs.http import AuthedRequest
from efs.limits import (
    KOPECKS_MAX,
    NOTE_MAX_CHARS,
    Comment,
    Day,
    Id,
    Limit,
    Offset,
    PriceKopecks,
    RegionCode,
    Search,
    Word,
)
from efs.people import access
from efs.people.models import Region
from efs.people.public import api_auth

from . import queries, regional, services
from .access import STATUS_READERS, item_actions, route_actions
from .building import BuildOptions
from .models import ACTIVE, AllocationRun

router = Router(tags=["routes"])


class EvidenceOut(Schema):
    id: int
    file_name: str
    file_url: str | None  # the scoped, audited download of the file
    note: str
    uploaded_at: dt.datetime
    accepted: bool | None
    review_comment: str


class ItemActionsOut(Schema):
    """What the caller may do with the activity now (efs.routes.access.item_actions, the same
    answer the route page draws its buttons from); the action itself is checked again."""

    can_remove: bool  # DELETE …/items/{id} (a draft route, its educator)
    can_swap: bool  # POST …/items with replace_item (a cohort of a draft route)
    can_start: bool  # POST …/items/{id}/start
    can_send_evidence: bool  # POST …/items/{id}/evidence
    can_review_evidence: bool  # POST …/evidence/{id}/review (the tutor; evidence awaits review)


class ItemOut(Schema):
    id: int
    kind: str
    title: str
    cohort: int | None
    program: int | None
    coverage: dict[str, float]  # competency code -> share of it the activity covers
    task: str
    reason: str
    start: dt.date | None
    end: dt.date | None
    hours: int
    price_kopecks: int
    in_person: bool
    expected_result: str
    evidence_form: str
    status: str
    evidence: list[EvidenceOut]
    actions: ItemActionsOut


class RouteSummaryOut(Schema):
    price_kopecks: int
    hours: int
    covered_share: float
    progress: float
    over_budget: bool
    over_hours: bool
    clashes: list[list[int]]


class GoalOut(Schema):
    competency: str
    title: str
    probability_of_deficit: float
    current_level: str
    target_level: str
    status: str
    planned_coverage: float
    done_coverage: float
    result_decision: str | None
    why_uncovered: str | None  # a plain reason when no activity covers the deficit


class DriftOut(Schema):
    """Deficits that appeared or went at a later diagnostics than the one the route was built from."""

    attempt: int
    new: list[str]
    gone: list[str]
    current_covered_share: float


class RouteActionsOut(Schema):
    """What the caller may do with the route now (efs.routes.access.route_actions, the same answer
    the route page draws its buttons from); the action itself is checked again when taken."""

    can_edit: bool  # change a draft: add, swap, remove activities, change the limits (its educator)
    can_propose: bool  # action "propose"
    can_approve: bool  # action "approve" (the tutor, a proposed route)
    can_return: bool  # action "return"
    can_abandon: bool  # action "abandon" (the educator or the tutor, a route not closed)
    can_rebuild: bool  # rebuild for the current deficits (they changed since the route was built)
    can_rediagnose: bool  # a re-diagnosis of the goals whose activities are done
    can_track: bool  # start activities and send evidence (an approved route)
    can_review_evidence: bool  # accept or return evidence (the tutor)
    own: bool  # the caller is the route's educator
    tutors: bool  # the caller is the route's tutor (or a tutor assigned to the educator)


class RouteOut(Schema):
    id: int
    educator: int
    status: str
    origin: str
    tutor: str | None
    period_start: dt.date
    period_end: dt.date
    budget_kopecks: int
    copay_kopecks: int
    max_hours: int
    optimal_when_built: bool | None
    summary: RouteSummaryOut
    goals: list[GoalOut]
    items: list[ItemOut]
    deficits_changed: DriftOut | None
    actions: RouteActionsOut


class StaffSummaryOut(Schema):
    educators: int
    with_route: int
    by_status: dict[str, int]


class StaffRowOut(Schema):
    educator: int
    name: str
    organization: str
    status: str
    done: int
    total: int
    overdue: int


class StaffOut(Schema):
    summary: StaffSummaryOut
    count: int
    items: list[StaffRowOut]


class AlternativeOut(Schema):
    cohort: int
    program: int
    title: str
    start: dt.date
    end: dt.date
    price_kopecks: int
    online: bool
    coverage: dict[str, float]  # competency code -> share of it the activity covers


class EvidenceCreatedOut(Schema):
    id: int
    file_name: str
    note: str


class EvidenceReviewedOut(Schema):
    id: int
    accepted: bool | None
    item_status: str


class PlanOut(Schema):
    id: int
    region: str
    status: str
    progress: float
    message: str
    results: Any


def _item_out(item, on_route: dict[str, bool]) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "cohort": item.cohort_id,
        "program": item.program_id,
        "coverage": item.coverage,
        "task": item.task,
        "reason": item.reason,
        "start": item.planned_start,
        "end": item.planned_end,
        "hours": item.hours,
        "price_kopecks": item.price,
        "in_person": item.exclusive,
        "expected_result": item.expected_result,
        "evidence_form": item.evidence_form,
        "status": item.status,
        "evidence": [
            {
                "id": e.pk,
                "file_name": e.file_name,
                "file_url": reverse("routes:evidence_file", args=[item.route_id, e.pk]) if e.file else None,
                "note": e.note,
                "uploaded_at": e.uploaded_at,
                "accepted": e.accepted,
                "review_comment": e.review_comment,
            }
            for e in item.evidence.all()
        ],
        "actions": item_actions(on_route, item),
    }


def _route_out(user, route) -> dict:
    state = services.summary(route)
    drift = services.deficit_drift(route) if route.status in ACTIVE else None
    actions = route_actions(user, route, drift=drift)
    return {
        "id": route.pk,
        "educator": route.educator_id,
        "status": route.status,
        "origin": route.origin,
        "tutor": route.tutor.display_name() if route.tutor else None,
        "period_start": route.period_start,
        "period_end": route.period_end,
        "budget_kopecks": route.budget,
        "copay_kopecks": route.copay,
        "max_hours": route.max_hours,
        "optimal_when_built": route.optimal,
        "summary": {
            "price_kopecks": state["price"],
            "hours": state["hours"],
            "covered_share": round(state["covered_share"], 4),
            "progress": round(state["progress"], 4),
            "over_budget": state["over_budget"],
            "over_hours": state["over_hours"],
            "clashes": [[a.pk, b.pk] for a, b in state["clashes"]],
        },
        "goals": [
            {
                "competency": g.competency.code,
                "title": g.competency.title,
                "probability_of_deficit": g.weight,
                "current_level": g.current_level,
                "target_level": g.target_level,
                "status": g.status,
                "planned_coverage": round(planned, 4),
                "done_coverage": round(done, 4),
                "result_decision": g.result_decision or None,
                "why_uncovered": state["uncovered"].get(g.competency.code),
            }
            for g, planned, done in state["goals"]
        ],
        "items": [_item_out(i, actions) for i in route.items.all()],
        "deficits_changed": _drift_out(drift),
        "actions": actions,
    }


def _drift_out(drift) -> dict | None:
    if drift is None:
        return None
    return {
        "attempt": drift.attempt.pk,
        "new": [d.competency.code for d in drift.new],
        "gone": [g.competency.code for g in drift.gone],
        "current_covered_share": round(drift.current_share, 4),
    }


class BuildIn(Schema):
    period_start: Day | None = None
    period_end: Day | None = None
    budget_kopecks: PriceKopecks = 0  # at most the certificate balance plus copay_kopecks
    copay_kopecks: PriceKopecks = 0  # what the educator declares to pay above the certificate
    max_hours: int = Field(108, ge=1, le=4000)
    formats: list[Literal["online", "in_person"]] = Field([], max_length=2)
    places: list[Id] = Field([], max_length=100)


def _me(request):
    return access.require_own_educator(request.user)


@router.get("/mine", response=RouteOut, summary="My active route")
def mine(request: AuthedRequest):
    route = queries.my_route(_me(request))
    if route is None:
        raise NotFound(_("You have no active route; build one from your diagnostics."), code="route_none")
    return _route_out(request.user, queries.route_full(request.user, route.pk))


@router.post("/build", response={201: RouteOut}, summary="Build the optimal route from my latest diagnostics")
def build(request: AuthedRequest, body: BuildIn):
    me = _me(request)
    defaults = services.default_options(me)
    options = BuildOptions(
        period_start=body.period_start or defaults.period_start,
        period_end=body.period_end or defaults.period_end,
        budget=body.budget_kopecks,
        max_hours=body.max_hours,
        formats=body.formats,
        places=body.places,
        copay=body.copay_kopecks,
    )
    route = services.route_build(actor=request.user, educator=me, options=options)
    return Status(201, _route_out(request.user, queries.route_full(request.user, route.pk)))


@router.get(
    "/staff",
    response=StaffOut,
    summary="Statuses and progress of routes in my scope (heads and operators), 100 per page",
)
def staff(
    request: AuthedRequest,
    status: Word = "",
    overdue: bool = False,
    q: Search = "",
    offset: Offset = 0,
    limit: Limit = 100,
):
    access.require_role(request.user, STATUS_READERS)
    roles = [r for r in STATUS_READERS if access.has_role(request.user, r)]
    routes = queries.staff_routes(request.user, roles=roles, status=status, overdue=overdue, search=q.strip())
    summary = queries.routes_summary(request.user, roles=roles)
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    rows = [queries.staff_row(r) for r in routes[offset : offset + limit]]
    return {
        "summary": {"educators": summary.educators, "with_route": summary.with_route, "by_status": summary.by_status},
        "count": routes.count(),
        "items": [
            {
                "educator": r.educator_id,
                "name": r.name,
                "organization": r.organization,
                "status": r.status,
                "done": r.done,
                "total": r.total,
                "overdue": r.overdue,
            }
            for r in rows
        ],
    }


@router.get("/{int:route_id}", response=RouteOut, summary="A route with its goals, items and evidence")
def route(request: AuthedRequest, route_id: Id):
    return _route_out(request.user, queries.route_full(request.user, route_id))


class RouteActionIn(Schema):
    action: Literal["propose", "approve", "return", "abandon"]
    comment: Comment = ""


@router.post(
    "/{int:route_id}/actions", response=RouteOut, summary="Send to the tutor, approve, return with comments, stop"
)
def route_action(request: AuthedRequest, route_id: Id, body: RouteActionIn):
    from efs.errors import ValidationFailed

    obj = queries.route_full(request.user, route_id)
    handlers = {
        "propose": services.route_propose,
        "approve": services.route_approve,
        "return": services.route_return,
        "abandon": services.route_abandon,
    }
    if body.action not in handlers:
        raise ValidationFailed(_("Unknown action."), code="action_unknown")
    handlers[body.action](actor=request.user, route=obj, comment=body.comment)
    return _route_out(request.user, queries.route_full(request.user, route_id))


class RouteCohortIn(Schema):
    cohort: Id
    replace_item: Id | None = None


@router.post(
    "/{int:route_id}/items", response={201: ItemOut}, summary="Add a cohort to a draft route, or swap an item for it"
)
def item_add(request: AuthedRequest, route_id: Id, body: RouteCohortIn):
    obj = queries.route_full(request.user, route_id)
    cohort = Cohort.objects.filter(pk=body.cohort).first()
    if cohort is None:
        raise NotFound(_("Not found, or you have no access to it."))
    replace = obj.items.filter(pk=body.replace_item).first() if body.replace_item else None
    item = services.item_add_cohort(actor=request.user, route=obj, cohort=cohort, replace=replace)
    return Status(201, _item_out(item, route_actions(request.user, queries.route_full(request.user, route_id))))


def _item(request, route_id: int, item_id: int):
    obj = queries.route_full(request.user, route_id)
    item = obj.items.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return item


@router.delete("/{int:route_id}/items/{int:item_id}", response={204: None}, summary="Remove an item from a draft route")
def item_remove(request: AuthedRequest, route_id: Id, item_id: Id):
    services.item_remove(actor=request.user, item=_item(request, route_id, item_id))
    return Status(204, None)


@router.get(
    "/{int:route_id}/items/{int:item_id}/alternatives",
    response=list[AlternativeOut],
    summary="Cohorts that address the same deficits",
)
def item_alternatives(request: AuthedRequest, route_id: Id, item_id: Id):
    item = _item(request, route_id, item_id)
    return [
        {
            "cohort": c.pk,
            "program": c.program_id,
            "title": c.program.title,
            "start": c.start_date,
            "end": c.end_date,
            "price_kopecks": c.price,
            "online": c.online,
            "coverage": coverage,
        }
        for c, coverage in services.alternatives(actor=request.user, item=item)
    ]


@router.post("/{int:route_id}/items/{int:item_id}/start", response=ItemOut, summary="Mark an activity as started")
def item_start(request: AuthedRequest, route_id: Id, item_id: Id):
    item = services.item_start(actor=request.user, item=_item(request, route_id, item_id))
    return _item_out(item, route_actions(request.user, queries.route_full(request.user, route_id)))


@router.post(
    "/{int:route_id}/items/{int:item_id}/evidence",
    response={201: EvidenceCreatedOut},
    summary="Send evidence of an activity (a file and/or a note)",
)
def item_evidence(
    request: AuthedRequest,
    route_id: Id,
    item_id: Id,
    file: File[UploadedFile | None] = None,
    note: str = Form("", max_length=NOTE_MAX_CHARS),
):
    evidence = services.evidence_submit(
        actor=request.user, item=_item(request, route_id, item_id), file=file, note=note
    )
    return Status(201, {"id": evidence.pk, "file_name": evidence.file_name, "note": evidence.note})


class EvidenceReviewIn(Schema):
    accept: bool
    comment: Comment = ""


@router.post(
    "/{int:route_id}/evidence/{int:evidence_id}/review",
    response=EvidenceReviewedOut,
    summary="The tutor accepts or returns evidence",
)
def evidence_review(request: AuthedRequest, route_id: Id, evidence_id: Id, body: EvidenceReviewIn):
    obj = queries.route_full(request.user, route_id)
    evidence = queries.evidence_in(request.user, evidence_id, item__route=obj)
    evidence = services.evidence_review(actor=request.user, evidence=evidence, accept=body.accept, comment=body.comment)
    return {"id": evidence.pk, "accepted": evidence.accepted, "item_status": evidence.item.status}


class PlanIn(Schema):
    region: RegionCode
    fund_kopecks: int = Field(ge=0, le=KOPECKS_MAX, strict=True)
    budget_kopecks: PriceKopecks = 0
    max_hours: int = Field(144, ge=1, le=4000)


def _plan_out(run) -> dict:
    return {
        "id": run.pk,
        "region": run.region.code,
        "status": run.status,
        "progress": run.progress,
        "message": run.message,
        "results": run.results,
    }


@router.post(
    "/region-plans",
    response={201: PlanOut},
    auth=api_auth(*regional.PLANNERS),
    summary="Start a region-wide plan (background job)",
)
def plan_start(request: AuthedRequest, body: PlanIn):
    region = Region.objects.filter(code=body.region).first()
    if region is None:
        raise NotFound(_("Region not found."), code="region_not_found")
    run = regional.allocation_start(
        actor=request.user,
        region=region,
        fund=body.fund_kopecks,
        max_hours=body.max_hours,
        budget_per_educator=body.budget_kopecks,
    )
    run.refresh_from_db()
    return Status(201, _plan_out(run))


@router.get("/region-plans/{int:run_id}", response=PlanOut, summary="Progress and results of a region-wide plan")
def plan_get(request: AuthedRequest, run_id: Id):
    access.require_role(request.user, regional.PLANNERS)
    run = AllocationRun.objects.select_related("region").filter(pk=run_id).first()
    if run is None or not access.may_act_on_region(request.user, run.region_id, roles=regional.PLANNERS):
        raise NotFound(_("Not found, or you have no access to it."))
    return _plan_out(run)
