"""Diagnostics endpoints. The test taker sees item content, never keys or parameters;
scores are computed on the server only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from efs.competencies.models import Framework
from efs.errors import Conflict, NotFound
from efs.http import AuthedRequest, bounded_pagination, client_ip
from efs.limits import Id, Word
from efs.people import access
from efs.people.audit import audit_view

from . import bank as bank_services
from . import queries, services
from .access import AGGREGATE_READERS
from .itemformat import public_content
from .models import Assessment, AttemptStatus, CalibrationRun, Item

Pagination = bounded_pagination()
router = Router(tags=["diagnostics"])


class AssessmentOut(Schema):
    code: str
    title: str
    description: str
    mode: str
    time_limit_minutes: int
    max_items: int


class ItemShown(Schema):
    position: int
    kind: str
    content: dict[str, Any]


class AttemptOut(Schema):
    id: int
    assessment: str
    status: str
    started_at: dt.datetime
    deadline_at: dt.datetime
    finished_at: dt.datetime | None
    answered: int
    competencies_decided: int
    competencies_total: int
    at_most_items_left: int
    time_is_up: bool = False  # still open but past the deadline: POST …/finish gets the results
    current: ItemShown | None


class AnswerIn(Schema):
    position: int
    answer: Any


class StartIn(Schema):
    assessment: Word


class ResultOut(Schema):
    competency: str
    title: str
    block: str
    decision: str
    probability_of_deficit: float
    confidence: float
    theta: float
    se: float
    level: str
    items: int


class AttemptResultOut(Schema):
    attempt: AttemptOut
    results: list[ResultOut]


class MapRowOut(Schema):
    competency: str
    title: str
    people: int
    deficit: int | None
    uncertain: int | None
    no_deficit: int | None


class BankItemOut(Schema):
    id: int
    code: str
    competency: str
    kind: str
    status: str
    irt_model: str
    a: float
    b: float | None
    steps: list[float]
    provisional: bool
    exposure_count: int
    stats: dict[str, Any]

    @staticmethod
    def resolve_competency(obj) -> str:
        return obj.competency.code


class ChoiceOut(Schema):
    id: str
    text: str


class ItemIrtOut(Schema):
    model: str
    a: float
    b: float | None = None
    c: float | None = None
    steps: list[float] | None = None


class ItemDetailOut(Schema):
    """One item in the bank's exchange format (the layout of `efs diagnostics` import/export)."""

    id: int
    code: str
    competency: str
    audience: str
    kind: str
    stem: str
    options: list[ChoiceOut] | None = None
    left: list[ChoiceOut] | None = None
    right: list[ChoiceOut] | None = None
    unit: str | None = None
    key: Any
    irt: ItemIrtOut
    status: str
    source: str
    rationale: str
    stats: dict[str, Any]
    exposure_count: int


class CalibrationIn(Schema):
    framework: int
    anchor_operational: bool = True


class CalibrationOut(Schema):
    id: int
    framework: int
    status: str
    progress: float
    message: str
    persons: int
    responses: int
    applied: bool
    items: list[dict[str, Any]]


def _attempt_out(attempt) -> dict:
    time_is_up = attempt.time_is_up()
    current = (
        queries.current_response(attempt) if attempt.status == AttemptStatus.IN_PROGRESS and not time_is_up else None
    )
    return {
        "id": attempt.pk,
        "assessment": attempt.assessment.code,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "deadline_at": attempt.deadline_at,
        "finished_at": attempt.finished_at,
        "answered": attempt.answered,
        "competencies_decided": attempt.decided,
        "competencies_total": len(attempt.competency_codes),
        "at_most_items_left": attempt.remaining_max,
        "time_is_up": time_is_up,
        "current": {
            "position": current.position,
            "kind": current.item.kind,
            "content": public_content(current.item.as_format()),
        }
        if current
        else None,
    }


def _me(request):
    return access.require_own_educator(request.user)


@router.get("/assessments", response=list[AssessmentOut], summary="Diagnostics open to me")
def assessments(request: AuthedRequest):
    return list(services.assessments_for(_me(request)))


@router.get("/attempts", response=list[AttemptOut], summary="My attempts")
def attempts(request: AuthedRequest):
    me = _me(request)
    return [
        _attempt_out(a) for a in queries.attempts_visible(request.user, educator_id=me.pk).select_related("assessment")
    ]


@router.post(
    "/attempts", response={201: AttemptOut}, summary="Start (or resume) an attempt; needs consent to participate"
)
def attempt_start(request: AuthedRequest, body: StartIn):
    assessment = Assessment.objects.filter(code=body.assessment).first()
    if assessment is None:
        raise NotFound(_("This diagnostics is not open to you."), code="assessment_not_available")
    attempt = services.attempt_start(actor=request.user, educator=_me(request), assessment=assessment)
    return Status(201, _attempt_out(attempt))


@router.get("/attempts/{int:attempt_id}", response=AttemptOut, summary="The state of my attempt and the item to answer")
def attempt_get(request: AuthedRequest, attempt_id: Id):
    return _attempt_out(queries.own_attempt(request.user, attempt_id))


@router.post(
    "/attempts/{int:attempt_id}/answers",
    response=AttemptOut,
    summary="Answer the item at a position (a retry is harmless)",
)
def attempt_answer(request: AuthedRequest, attempt_id: Id, body: AnswerIn):
    attempt = queries.own_attempt(request.user, attempt_id)
    outcome = services.attempt_answer(actor=request.user, attempt=attempt, position=body.position, answer=body.answer)
    return _attempt_out(outcome.attempt)


@router.post("/attempts/{int:attempt_id}/finish", response=AttemptOut, summary="Finish now with the answers given")
def attempt_finish(request: AuthedRequest, attempt_id: Id):
    attempt = services.attempt_finish_early(actor=request.user, attempt=queries.own_attempt(request.user, attempt_id))
    return _attempt_out(attempt)


@router.get(
    "/attempts/{int:attempt_id}/result", response=AttemptResultOut, summary="The deficit profile of a finished attempt"
)
def attempt_result(request: AuthedRequest, attempt_id: Id):
    attempt = queries.attempt_visible(request.user, attempt_id)
    if attempt.time_is_up():
        raise Conflict(_("Time is up: finish the attempt (POST …/finish) to get the results."), code="attempt_time_up")
    if attempt.status == AttemptStatus.IN_PROGRESS:
        raise NotFound(_("The results appear when the attempt is finished."), code="attempt_not_finished")
    audit_view(actor=request.user, obj=attempt.educator, ip=client_ip(request))
    rows = queries.results_of(attempt)
    return {
        "attempt": _attempt_out(attempt),
        "results": [
            {
                "competency": r.competency.code,
                "title": r.competency.title,
                "block": r.competency.block,
                "decision": r.decision,
                "probability_of_deficit": round(r.p_deficit, 4),
                "confidence": round(r.confidence, 4),
                "theta": round(r.theta, 4),
                "se": round(r.se, 4),
                "level": r.level,
                "items": r.items,
            }
            for r in rows
        ],
    }


@router.get(
    "/deficit-map", response=list[MapRowOut], summary="Deficits in my scope, aggregated (groups under 5 people hidden)"
)
def deficit_map(request: AuthedRequest):
    access.require_role(request.user, AGGREGATE_READERS)
    return [
        {
            "competency": r.competency_code,
            "title": r.competency_title,
            "people": r.people,
            "deficit": r.deficit if r.shown else None,
            "uncertain": r.uncertain if r.shown else None,
            "no_deficit": r.no_deficit if r.shown else None,
        }
        for r in queries.deficit_map(request.user)
    ]


# ---------------------------------------------------------------- item bank (federal operator)


@router.get("/items", response=list[BankItemOut], summary="The item bank with statistics (federal operator)")
@paginate(Pagination)
def items(
    request: AuthedRequest,
    framework: int | None = None,
    status: str = Query("", max_length=40),
    kind: str = Query("", max_length=40),
    q: str = Query("", max_length=200),
):
    bank_services.require_bank_manager(request.user)
    return queries.items_listed(framework_id=framework, status=status, kind=kind, search=q)


@router.get("/items/{int:item_id}", response=ItemDetailOut, summary="One item with its key (federal operator)")
def item(request: AuthedRequest, item_id: Id):
    bank_services.require_bank_manager(request.user)
    obj = Item.objects.select_related("competency").filter(pk=item_id).first()
    if obj is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return bank_services.item_to_dict(obj) | {"id": obj.pk, "stats": obj.stats, "exposure_count": obj.exposure_count}


def _calibration_out(run: CalibrationRun) -> dict:
    return {
        "id": run.pk,
        "framework": run.framework_id,
        "status": run.status,
        "progress": run.progress,
        "message": run.message,
        "persons": run.persons,
        "responses": run.responses,
        "applied": run.promoted_at is not None,
        "items": run.results.get("items", []),
    }


@router.post("/calibrations", response={201: CalibrationOut}, summary="Start a calibration run (background job)")
def calibration_start(request: AuthedRequest, body: CalibrationIn):
    framework = Framework.objects.filter(pk=body.framework).first()
    if framework is None:
        raise NotFound(_("Not found, or you have no access to it."))
    run = bank_services.calibration_start(
        actor=request.user, framework=framework, anchor_operational=body.anchor_operational
    )
    run.refresh_from_db()
    return Status(201, _calibration_out(run))


def _run(request, run_id: int) -> CalibrationRun:
    bank_services.require_bank_manager(request.user)
    run = CalibrationRun.objects.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return run


@router.get("/calibrations/{int:run_id}", response=CalibrationOut, summary="Progress and results of a calibration run")
def calibration_get(request: AuthedRequest, run_id: Id):
    return _calibration_out(_run(request, run_id))


@router.post("/calibrations/{int:run_id}/apply", response=CalibrationOut, summary="Apply a finished run to the bank")
def calibration_apply(request: AuthedRequest, run_id: Id):
    run = _run(request, run_id)
    bank_services.calibration_apply(actor=request.user, run=run)
    run.refresh_from_db()
    return _calibration_out(run)
