"""The coordination app's JSON API (mounted at /api/coordination/): councils, meetings with
agenda, votes and minutes, tasks with progress and pledges, and the public accountability report."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from efs.coordination.programs.api import router as programs_router
from efs.errors import NotFound
from efs.http import AuthedRequest
from efs.limits import KOPECKS_MAX, Day, Id
from efs.people.public import Organization, Region, User

from . import queries, services
from .services import STAFF_HOURS_MAX

router = Router(tags=["coordination"])


def _actor(request: AuthedRequest) -> User:
    """The signed-in user (the operation requires a login)."""
    return request.user


router.add_router("/programs", programs_router)


class CouncilOut(Schema):
    id: int
    region_code: str
    region: str
    name: str
    basis: str


@router.get(
    "/councils",
    response=list[CouncilOut],
    summary="The councils the caller sits on or operates",
    url_name="coordination_councils",
)
def councils(request: AuthedRequest):
    return [
        {"id": c.pk, "region_code": c.region.code, "region": c.region.name, "name": c.name, "basis": c.basis}
        for c in queries.councils_visible(request.user)
    ]


class MeetingRow(Schema):
    id: int
    number: int
    starts_at: dt.datetime
    place: str
    status: str
    quorum: bool


@router.get(
    "/councils/{council_id}/meetings",
    response=list[MeetingRow],
    summary="A council's meetings, newest first",
    url_name="coordination_meetings",
)
def meetings(request: AuthedRequest, council_id: Id):
    council = queries.council_for(request.user, council_id)
    return [
        {
            "id": m.pk,
            "number": m.number,
            "starts_at": m.starts_at,
            "place": m.place,
            "status": m.status,
            "quorum": m.quorum,
        }
        for m in queries.meetings(council, request.user)
    ]


class AgendaOut(Schema):
    order: int
    title: str
    speaker_organization: str | None
    task_id: int | None
    indicator: str | None
    program_id: int | None
    carried: bool


class VoteOut(Schema):
    member_id: int
    choice: str


class DecisionOut(Schema):
    id: int
    number: int
    text: str
    method: str
    outcome: str
    execution: str
    due_date: dt.date | None
    votes: list[VoteOut]


class MinutesOut(Schema):
    id: int
    version: int
    status: str
    text: str
    approvals: int


class CouncilMeetingOut(MeetingRow):
    members_in_office: int
    present_member_ids: list[int]
    agenda: list[AgendaOut]
    decisions: list[DecisionOut]
    minutes: list[MinutesOut]


@router.get(
    "/meetings/{meeting_id}",
    response=CouncilMeetingOut,
    summary="A meeting: agenda, attendance, decisions with votes, minutes",
    url_name="coordination_meeting",
)
def meeting(request: AuthedRequest, meeting_id: Id):
    m = queries.meeting_for(request.user, meeting_id)
    d = queries.meeting_detail(m, request.user)
    return {
        "id": m.pk,
        "number": m.number,
        "starts_at": m.starts_at,
        "place": m.place,
        "status": m.status,
        "quorum": m.quorum,
        "members_in_office": m.members_in_office,
        "present_member_ids": [a.member_id for a in d["present"]],
        "agenda": [
            {
                "order": a.order,
                "title": a.title,
                "task_id": a.task_id,
                "carried": a.carried,
                "speaker_organization": str(a.speaker.organization) if a.speaker else None,
                "indicator": a.indicator.code if a.indicator else None,
                "program_id": a.program_id,
            }
            for a in d["agenda"]
        ],
        "decisions": [
            {
                "id": x.pk,
                "number": x.number,
                "text": x.text,
                "method": x.method,
                "outcome": x.outcome,
                "execution": x.execution,
                "due_date": x.due_date,
                "votes": [{"member_id": v.member_id, "choice": v.choice} for v in x.votes.all()],
            }
            for x in d["decisions"]
        ],
        "minutes": [
            {"id": v.pk, "version": v.version, "status": v.status, "text": v.text, "approvals": len(v.approvals.all())}
            for v in d["versions"]
        ],
    }


class VoteIn(Schema):
    choice: Literal["for", "against", "abstained"]
    member_id: Id | None = Field(
        None, description="recorded by the secretary or the chair for a member present; omit to vote yourself"
    )


@router.post(
    "/decisions/{decision_id}/votes",
    response={201: VoteOut},
    summary="Vote on a decision (a member present at the meeting)",
    url_name="coordination_vote",
)
def vote(request: AuthedRequest, decision_id: Id, body: VoteIn):
    decision = queries.decision_for(request.user, decision_id)
    member = None
    if body.member_id is not None:
        member = queries.members(decision.meeting.council, request.user).filter(pk=body.member_id).first()
        if member is None:
            raise NotFound(_("This person is not a member of the council and does not vote."), code="not_a_member")
    v = services.vote_record(actor=request.user, decision=decision, choice=body.choice, member=member)
    return Status(201, {"member_id": v.member_id, "choice": v.choice})


class MinutesIn(Schema):
    text: Annotated[str, Field(min_length=1, max_length=20000)]


@router.put(
    "/meetings/{meeting_id}/minutes",
    response=MinutesOut,
    summary="The secretary's draft of the minutes (refused once frozen)",
    url_name="coordination_minutes_save",
)
def minutes_save(request: AuthedRequest, meeting_id: Id, body: MinutesIn):
    m = queries.meeting_for(request.user, meeting_id)
    minutes = services.minutes_save(actor=request.user, meeting=m, text=body.text)
    return {
        "id": minutes.pk,
        "version": minutes.version,
        "status": minutes.status,
        "text": minutes.text,
        "approvals": minutes.approvals.count(),
    }


@router.post(
    "/minutes/{minutes_id}/approvals",
    response=MinutesOut,
    summary="Approve the minutes (a member who attended); they freeze when more than half of those present have",
    url_name="coordination_minutes_approve",
)
def minutes_approve(request: AuthedRequest, minutes_id: Id):
    minutes = services.minutes_approve(actor=request.user, minutes=queries.minutes_for(request.user, minutes_id))
    return {
        "id": minutes.pk,
        "version": minutes.version,
        "status": minutes.status,
        "text": minutes.text,
        "approvals": minutes.approvals.count(),
    }


class TaskIndicatorOut(Schema):
    code: str
    name: str
    value: str
    target: str
    status: str
    share: float | None


class PledgeOut(Schema):
    id: int
    organization_id: int
    organization: str
    part: str
    money_kopecks: int
    staff_hours: int
    venues: str
    state: str


class TaskOut(Schema):
    id: int
    title: str
    goal: str
    starts_on: dt.date
    deadline: dt.date
    status: str
    evidence: str
    public_evidence: str = Field(description="the evidence as published on the public page by a runner of the council")
    progress_percent: int | None
    overdue: bool
    at_risk: bool
    risk_reasons: list[str]
    indicators: list[TaskIndicatorOut]
    pledges: list[PledgeOut]


def _pledge_out(p) -> dict:
    return {
        "id": p.pk,
        "organization_id": p.organization_id,
        "organization": p.organization.short_name or p.organization.name,
        "part": p.part,
        "money_kopecks": p.money_kopecks,
        "staff_hours": p.staff_hours,
        "venues": p.venues,
        "state": p.state,
    }


@router.get(
    "/councils/{council_id}/tasks",
    response=list[TaskOut],
    summary="A council's strategic tasks with the responsibility matrix and the progress computed from indicators",
    url_name="coordination_tasks",
)
def tasks(request: AuthedRequest, council_id: Id):
    council = queries.council_for(request.user, council_id)
    return [
        {
            "id": t.pk,
            "title": t.title,
            "goal": t.goal,
            "starts_on": t.starts_on,
            "deadline": t.deadline,
            "status": t.status,
            "evidence": t.evidence,
            "public_evidence": t.public_evidence,
            "progress_percent": t.progress.percent,
            "overdue": t.progress.overdue,
            "at_risk": t.progress.at_risk,
            "risk_reasons": t.progress.reasons,
            "indicators": [
                {
                    "code": i.code,
                    "name": i.name,
                    "value": i.value,
                    "target": i.target,
                    "status": i.status,
                    "share": i.share,
                }
                for i in t.progress.indicators
            ],
            "pledges": [_pledge_out(p) for p in t.participations.all()],
        }
        for t in queries.tasks_board(council, request.user)
    ]


class PledgeIn(Schema):
    organization_id: Id
    part: Literal["responsible", "co_executor"] = "co_executor"
    money_kopecks: Annotated[int, Field(ge=0, le=KOPECKS_MAX)] = 0
    staff_hours: Annotated[int, Field(ge=0, le=STAFF_HOURS_MAX)] = 0
    venues: Annotated[str, Field(max_length=500)] = ""
    note: Annotated[str, Field(max_length=500)] = ""


@router.post(
    "/tasks/{task_id}/pledges",
    response={201: PledgeOut},
    summary="An organization's part and resources in a task (accepted at once when its own person records it)",
    url_name="coordination_pledge",
)
def pledge(request: AuthedRequest, task_id: Id, body: PledgeIn):
    task = queries.task_for(request.user, task_id)
    organization = Organization.objects.filter(pk=body.organization_id, region_id=task.region_id).first()
    if organization is None:
        raise NotFound(_("No such organization in the council's region."), code="organization_not_found")
    p = services.pledge_record(
        actor=request.user,
        task=task,
        organization=organization,
        part=body.part,
        money_kopecks=body.money_kopecks,
        staff_hours=body.staff_hours,
        venues=body.venues,
        note=body.note,
    )
    return Status(201, _pledge_out(p))


class BulkPledgeIn(Schema):
    rows: Annotated[list[PledgeIn], Field(min_length=1, max_length=services.PLEDGE_ROWS_MAX)]


@router.post(
    "/tasks/{task_id}/pledges/bulk",
    response={201: list[PledgeOut]},
    summary="Several organizations' parts in a task at once: all saved, or none (error details name each bad row)",
    url_name="coordination_pledges_bulk",
)
def pledges_bulk(request: AuthedRequest, task_id: Id, body: BulkPledgeIn):
    task = queries.task_for(request.user, task_id)
    ids = {row.organization_id for row in body.rows}
    organizations = {o.pk: o for o in Organization.objects.filter(pk__in=ids, region_id=task.region_id)}
    rows = [
        {
            "organization": organizations.get(row.organization_id),
            "part": row.part,
            "money_kopecks": row.money_kopecks,
            "staff_hours": row.staff_hours,
            "venues": row.venues,
            "note": row.note,
        }
        for row in body.rows
    ]
    saved = services.pledges_record(actor=_actor(request), task=task, rows=rows)
    return Status(201, [_pledge_out(p) for p in saved])


class TaskEditIn(Schema):
    title: Annotated[str, Field(min_length=1, max_length=300)]
    goal: Annotated[str, Field(min_length=1, max_length=3000)]
    deadline: Day
    reason: Annotated[str, Field(max_length=500)] = ""


class TaskRevisionOut(Schema):
    changed_at: dt.datetime
    changed_by: str
    reason: str
    changes: dict[str, list[str]] = Field(description="field → [before, after]")


class TaskEditOut(Schema):
    id: int
    title: str
    goal: str
    deadline: dt.date
    revisions: list[TaskRevisionOut]


def _task_edit_out(task, user) -> dict:
    return {
        "id": task.pk,
        "title": task.title,
        "goal": task.goal,
        "deadline": task.deadline,
        "revisions": [
            {
                "changed_at": r.changed_at,
                "changed_by": (r.changed_by.get_full_name() or r.changed_by.username) if r.changed_by else "",
                "reason": r.reason,
                "changes": r.changes,
            }
            for r in queries.task_revisions(task, user)
        ],
    }


@router.get(
    "/tasks/{task_id}/revisions",
    response=TaskEditOut,
    summary="A task's text and deadline with the history of their changes",
    url_name="coordination_task_revisions",
)
def task_revisions(request: AuthedRequest, task_id: Id):
    return _task_edit_out(queries.task_for(request.user, task_id), request.user)


@router.put(
    "/tasks/{task_id}",
    response=TaskEditOut,
    summary="Change a task's title, goal or deadline (the council's runners); the previous text is kept",
    url_name="coordination_task_edit",
)
def task_edit(request: AuthedRequest, task_id: Id, body: TaskEditIn):
    task = services.task_edit(
        actor=_actor(request),
        task=queries.task_for(request.user, task_id),
        title=body.title,
        goal=body.goal,
        deadline=body.deadline,
        reason=body.reason,
    )
    return _task_edit_out(task, request.user)


class EvidencePublishIn(Schema):
    text: str = Field(
        "", max_length=3000, description="the text for the public page without personal data; empty takes it off"
    )


class EvidencePublishOut(Schema):
    id: int
    public_evidence: str
    published_at: dt.datetime | None


@router.put(
    "/tasks/{task_id}/public-evidence",
    response=EvidencePublishOut,
    summary="Publish a task's evidence on the public accountability page (the council's runners)",
    url_name="coordination_task_evidence_publish",
)
def task_evidence_publish(request: AuthedRequest, task_id: Id, body: EvidencePublishIn):
    task = services.task_evidence_publish(
        actor=_actor(request), task=queries.task_for(request.user, task_id), text=body.text
    )
    return {"id": task.pk, "public_evidence": task.public_evidence, "published_at": task.public_evidence_at}


class PledgeAnswerIn(Schema):
    accept: bool


@router.post(
    "/pledges/{pledge_id}/answer",
    response=PledgeOut,
    summary="The organization accepts or declines the part proposed to it",
    url_name="coordination_pledge_answer",
)
def pledge_answer(request: AuthedRequest, pledge_id: Id, body: PledgeAnswerIn):
    p = services.pledge_answer(
        actor=request.user, participation=queries.participation_for(request.user, pledge_id), accept=body.accept
    )
    return _pledge_out(p)


class PublicDecisionOut(Schema):
    meeting_number: int
    meeting_date: dt.date
    number: int
    text: str
    executed: bool
    executed_at: dt.date | None
    due_date: dt.date | None


class PublicTaskOut(Schema):
    title: str
    goal: str
    status: str
    deadline: dt.date
    done_on: dt.date | None
    responsible: str
    co_executors: list[str]
    progress_percent: int | None
    overdue: bool
    at_risk: bool
    evidence: str


class AccountabilityOut(Schema):
    region_code: str
    council: str
    meetings_held: int
    decisions: list[PublicDecisionOut]
    tasks: list[PublicTaskOut]


@router.get(
    "/public/{region_code}",
    response=AccountabilityOut,
    auth=None,
    summary="Public: what a region's council decided and what is done (no personal data, no login)",
    url_name="coordination_public",
)
def public(request: HttpRequest, region_code: Annotated[str, Field(min_length=2, max_length=2, pattern=r"^[0-9]{2}$")]):
    region = Region.objects.filter(code=region_code).first()
    report = queries.public_accountability(region) if region else None
    if region is None or report is None:
        raise NotFound(_("This region has no coordination council on the platform."))
    return {
        "region_code": region.code,
        "council": report.council_name,
        "meetings_held": report.meetings_held,
        "decisions": [vars(d) for d in report.decisions],
        "tasks": [
            {
                "title": t.title,
                "goal": t.goal,
                "status": t.status,
                "deadline": t.deadline,
                "done_on": t.done_on,
                "responsible": t.responsible,
                "co_executors": t.co_executors,
                "progress_percent": t.percent,
                "overdue": t.overdue,
                "at_risk": t.at_risk,
                "evidence": t.evidence,
            }
            for t in report.tasks
        ],
    }
