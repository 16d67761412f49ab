"""Support endpoints: consultations, private records and their shares, the overview.

Private contents come only from `queries.record_visible` / `records_visible` (the privacy
wall); the overview returns counts and dates.
"""

from __future__ import annotations

import datetime as dt

from ninja import Field, Router, Schema, Status

from efs.http import AuthedRequest
from efs.limits import Word
from efs.people import access
from efs.people.access import EDUCATOR_READERS
from efs.people.public import Role, educator_visible

from . import caseloads as caseload_services
from . import cycles as cycles_services
from . import effects as effects_services
from . import mentoring, queries, services
from .access import MENTORING_PARTIES, OVERSEERS
from .models import TEXT_MAX, ConsultationStatus, RecordKind

router = Router(tags=["support"])


class ShareOut(Schema):
    id: int
    user: int
    user_name: str
    shared_at: dt.datetime
    revoked_at: dt.datetime | None


class RecordOut(Schema):
    id: int
    educator: int
    educator_name: str
    kind: str
    title: str
    body: str
    outcome: str
    next_steps: str
    author: str | None
    consultation: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    shares: list[ShareOut] | None = Field(None, description="only for the educator the record belongs to")


class RecordIn(Schema):
    educator: int
    kind: str = Field(..., max_length=40, description="journal_entry, mentoring_note or observation")
    title: str = Field(..., max_length=200)
    body: str = Field(..., max_length=TEXT_MAX)


class ShareIn(Schema):
    user: int


class ConsultationOut(Schema):
    id: int
    educator: int
    educator_name: str
    tutor: int
    tutor_name: str
    competency: int | None
    competency_code: str | None
    competency_title: str | None
    route_item: int | None
    route_item_title: str | None
    topic: str
    format: str
    preferred_times: str
    status: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    place: str
    online_link: str
    evidence: int | None
    requested_at: dt.datetime
    notes: RecordOut | None = Field(None, description="present only for those who may read the notes")


class ConsultationIn(Schema):
    topic: str = Field(..., max_length=300)
    format: str = Field(..., max_length=40, description="online or in_person")
    preferred_times: str = Field("", max_length=500)
    competency: int | None = None
    route_item: int | None = None


class ScheduleIn(Schema):
    starts_at: dt.datetime = Field(..., description="ISO 8601 with a time zone")
    duration_minutes: int = Field(45, ge=services.DURATION_MIN, le=services.DURATION_MAX)
    place: str = Field("", max_length=300)
    online_link: str = Field("", max_length=500)


class RecordConsultationIn(Schema):
    notes: str = Field(..., max_length=TEXT_MAX)
    outcome: str = Field("", max_length=TEXT_MAX)
    next_steps: str = Field("", max_length=TEXT_MAX)


class CancelIn(Schema):
    reason: str = Field("", max_length=500)


class ConsultationEvidenceOut(Schema):
    evidence: int
    route_item: int


class OverviewRowOut(Schema):
    educator: int
    name: str
    organization: str
    consultations: dict[str, int]
    last_consultation: dt.datetime | None
    next_consultation: dt.datetime | None
    records: dict[str, int]
    last_record: dt.datetime | None


class SupportOverviewOut(Schema):
    educators: int
    consultations: dict[str, int]
    records: dict[str, int]
    last_record: dt.datetime | None
    page: int
    pages: int
    items: list[OverviewRowOut]


def _share_out(share) -> dict:
    return {
        "id": share.pk,
        "user": share.user_id,
        "user_name": share.user.display_name(),
        "shared_at": share.shared_at,
        "revoked_at": share.revoked_at,
    }


def _record_out(record, user) -> dict:
    out = {
        "id": record.pk,
        "educator": record.educator_id,
        "educator_name": record.educator.full_name,
        "kind": record.kind,
        "title": record.title,
        "body": record.body,
        "outcome": record.outcome,
        "next_steps": record.next_steps,
        "author": record.author.display_name() if record.author else None,
        "consultation": record.consultation_id,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "shares": None,
    }
    if record.educator.user_id == user.pk:
        out["shares"] = [_share_out(s) for s in record.shares.all()]  # queries.owner_shares
    return out


def _consultation_out(c, user, note) -> dict:
    """A consultation; ``note``, its notes the user may read (queries.consultation_notes)."""
    return {
        "id": c.pk,
        "educator": c.educator_id,
        "educator_name": c.educator.full_name,
        "tutor": c.tutor_id,
        "tutor_name": c.tutor.display_name(),
        "competency": c.competency_id,
        "competency_code": c.competency.code if c.competency else None,
        "competency_title": c.competency.title if c.competency else None,
        "route_item": c.route_item_id,
        "route_item_title": c.route_item.title if c.route_item else None,
        "topic": c.topic,
        "format": c.format,
        "preferred_times": c.preferred_times,
        "status": c.status,
        "starts_at": c.starts_at,
        "ends_at": c.ends_at,
        "place": c.place,
        "online_link": c.online_link,
        "evidence": c.evidence_id,
        "requested_at": c.requested_at,
        "notes": _record_out(note, user) if note else None,
    }


def _consultations_out(consultations, user) -> list[dict]:
    """Consultations with their notes, in a fixed number of queries whatever their number."""
    notes = queries.consultation_notes(user, consultations)
    return [_consultation_out(c, user, notes.get(c.pk)) for c in consultations]


def _one_consultation_out(user, pk: int) -> dict:
    return _consultations_out([queries.consultation_visible(user, pk)], user)[0]


def _me(request):
    return access.require_own_educator(request.user)


# ---------------------------------------------------------------- consultations


@router.get(
    "/consultations", response=list[ConsultationOut], summary="Consultations where I am the educator or the tutor"
)
def consultations(request: AuthedRequest, status: Word = ""):
    access.require_role(request.user, EDUCATOR_READERS)
    status = status if status in ConsultationStatus.values else ""
    return _consultations_out(list(queries.consultations_visible(request.user, status=status)[:500]), request.user)


@router.post("/consultations", response={201: ConsultationOut}, summary="Ask my tutor for a consultation")
def consultation_request(request: AuthedRequest, payload: ConsultationIn):
    c = services.consultation_request(
        actor=request.user,
        educator=_me(request),
        topic=payload.topic,
        format=payload.format,
        preferred_times=payload.preferred_times,
        competency_id=payload.competency,
        route_item_id=payload.route_item,
    )
    return Status(201, _one_consultation_out(request.user, c.pk))


@router.get("/consultations/{pk}", response=ConsultationOut, summary="One consultation")
def consultation_get(request: AuthedRequest, pk: int):
    return _one_consultation_out(request.user, pk)


@router.post(
    "/consultations/{pk}/schedule", response=ConsultationOut, summary="The tutor sets or moves the appointment"
)
def consultation_schedule(request: AuthedRequest, pk: int, payload: ScheduleIn):
    c = queries.consultation_visible(request.user, pk)
    services.consultation_schedule(
        actor=request.user,
        consultation=c,
        starts_at=payload.starts_at,
        duration_minutes=payload.duration_minutes,
        place=payload.place,
        online_link=payload.online_link,
    )
    return _one_consultation_out(request.user, pk)


@router.post(
    "/consultations/{pk}/record", response=ConsultationOut, summary="The tutor records notes, outcome and next steps"
)
def consultation_record(request: AuthedRequest, pk: int, payload: RecordConsultationIn):
    c = queries.consultation_visible(request.user, pk)
    services.consultation_record(
        actor=request.user, consultation=c, notes=payload.notes, outcome=payload.outcome, next_steps=payload.next_steps
    )
    return _one_consultation_out(request.user, pk)


@router.post("/consultations/{pk}/cancel", response=ConsultationOut, summary="The educator or the tutor cancels")
def consultation_cancel(request: AuthedRequest, pk: int, payload: CancelIn):
    c = queries.consultation_visible(request.user, pk)
    services.consultation_cancel(actor=request.user, consultation=c, reason=payload.reason)
    return _one_consultation_out(request.user, pk)


@router.post(
    "/consultations/{pk}/evidence",
    response={201: ConsultationEvidenceOut},
    summary="The educator hands the outcome over as route evidence",
)
def consultation_evidence(request: AuthedRequest, pk: int):
    c = queries.consultation_visible(request.user, pk)
    evidence = services.consultation_to_evidence(actor=request.user, consultation=c)
    return Status(201, {"evidence": evidence.pk, "route_item": evidence.item_id})


# ---------------------------------------------------------------- private records


@router.get(
    "/records", response=list[RecordOut], summary="Private records I may read: mine, written by me, shared with me"
)
def support_records(request: AuthedRequest, kind: Word = ""):
    access.require_role(request.user, EDUCATOR_READERS)
    kind = kind if kind in RecordKind.values else ""
    rows = queries.records_visible(request.user, kind=kind).prefetch_related(queries.owner_shares(request.user))
    return [_record_out(r, request.user) for r in rows[:500]]


@router.post(
    "/records", response={201: RecordOut}, summary="Write a journal entry, a mentoring note or an observation protocol"
)
def record_create(request: AuthedRequest, payload: RecordIn):
    educator = educator_visible(request.user, payload.educator, roles=sorted(EDUCATOR_READERS - OVERSEERS))
    record = services.record_create(
        actor=request.user, educator=educator, kind=payload.kind, title=payload.title, body=payload.body
    )
    return Status(201, _record_out(queries.record_visible(request.user, record.pk), request.user))


@router.get("/records/{pk}", response=RecordOut, summary="One private record")
def record_get(request: AuthedRequest, pk: int):
    return _record_out(queries.record_visible(request.user, pk), request.user)


@router.post(
    "/records/{pk}/shares",
    response={201: ShareOut},
    summary="The educator shares the record with a supporter or the school head",
)
def record_share(request: AuthedRequest, pk: int, payload: ShareIn):
    share = services.record_share(
        actor=request.user, record=queries.record_visible(request.user, pk), user_id=payload.user
    )
    return Status(201, _share_out(share))


@router.delete("/records/{pk}/shares/{share_pk}", response={204: None}, summary="The educator revokes a share")
def record_unshare(request: AuthedRequest, pk: int, share_pk: int):
    services.record_unshare(actor=request.user, record=queries.record_visible(request.user, pk), share_id=share_pk)
    return Status(204, None)


@router.get("/overview", response=SupportOverviewOut, summary="Support in my scope: counts and dates only")
def support_overview(request: AuthedRequest, page: int = 1):
    access.require_role(request.user, OVERSEERS)
    data = queries.overview(request.user, page=page)
    return {
        "educators": data.educators,
        "consultations": data.consultations,
        "records": data.records,
        "last_record": data.last_record,
        "page": data.page,
        "pages": data.pages,
        "items": [
            {
                "educator": r.educator_id,
                "name": r.name,
                "organization": r.organization,
                "consultations": r.consultations,
                "last_consultation": r.last_consultation,
                "next_consultation": r.next_consultation,
                "records": r.records,
                "last_record": r.last_record,
            }
            for r in data.rows
        ],
    }


# ---------------------------------------------------------------- mentorship


class PlanItemOut(Schema):
    id: int
    kind: str
    title: str
    competency: int | None
    competency_code: str | None
    competency_title: str | None
    due_on: dt.date
    done_at: dt.datetime | None


class MeetingOut(Schema):
    id: int
    held_on: dt.date
    minutes: int
    topic: str
    note: int | None = Field(None, description="the private mentoring note, when the caller may read it")


class MentorshipOut(Schema):
    id: int
    mentor: int
    mentor_name: str
    mentee: int
    mentee_name: str
    form: str
    group_name: str
    status: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    feedback: str
    feedback_rating: int | None
    plan: list[PlanItemOut]
    meetings: list[MeetingOut]


class MentorshipStatusOut(Schema):
    status: str = Field(..., description="active when confirmed, declined when declined")


class SchoolMentorshipOut(Schema):
    id: int
    mentor: str
    mentee: str
    form: str
    group_name: str
    status: str
    reason: str
    created_at: dt.datetime
    meetings: int
    last_meeting: dt.date | None
    overdue_plan_items: int


class PlanItemIn(Schema):
    kind: str = Field(..., max_length=40, description="goal, meeting or task")
    title: str = Field(..., max_length=300)
    due_on: dt.date
    competency: int | None = Field(None, description="for a goal: one of the mentee's current deficits")


class MeetingIn(Schema):
    held_on: dt.date
    minutes: int = Field(45, ge=5, le=480)
    topic: str = Field(..., max_length=300)
    notes: str = Field("", max_length=TEXT_MAX)


class FeedbackIn(Schema):
    text: str = Field(..., max_length=TEXT_MAX)
    rating: int = Field(..., ge=1, le=5)


class MentorshipDecisionIn(Schema):
    accept: bool


def _plan_item_out(item) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "title": item.title,
        "competency": item.competency_id,
        "competency_code": item.competency.code if item.competency else None,
        "competency_title": item.competency.title if item.competency else None,
        "due_on": item.due_on,
        "done_at": item.done_at,
    }


def _meeting_out(meeting, *, readable: bool) -> dict:
    """A meeting of the log; its private note's id only for who may read the note."""
    return {
        "id": meeting.pk,
        "held_on": meeting.held_on,
        "minutes": meeting.minutes,
        "topic": meeting.topic,
        "note": meeting.note_id if readable else None,
    }


def _school_row_out(row: queries.SchoolMentoringRow) -> dict:
    return {
        "id": row.pk,
        "mentor": row.mentor,
        "mentee": row.mentee,
        "form": row.form,
        "group_name": row.group_name,
        "status": row.status,
        "reason": row.reason,
        "created_at": row.created_at,
        "meetings": row.meetings,
        "last_meeting": row.last_meeting,
        "overdue_plan_items": row.overdue,
    }


def _mentorship_out(m, readable: set[int]) -> dict:
    """A mentorship with its plan and log; ``readable``, the meeting notes the caller may read
    (queries.readable_meeting_notes)."""
    return {
        "id": m.pk,
        "mentor": m.mentor_id,
        "mentor_name": m.mentor.display_name(),
        "mentee": m.mentee_id,
        "mentee_name": m.mentee.full_name,
        "form": m.form,
        "group_name": m.group_name,
        "status": m.status,
        "created_at": m.created_at,
        "finished_at": m.finished_at,
        "feedback": m.feedback,
        "feedback_rating": m.feedback_rating,
        "plan": [_plan_item_out(i) for i in m.plan.all()],
        "meetings": [_meeting_out(x, readable=x.note_id in readable) for x in m.meetings.all()],
    }


def _one_mentorship_out(user, pk: int) -> dict:
    m = queries.mentorship_visible(user, pk)
    return _mentorship_out(m, queries.readable_meeting_notes(user, [m]))


@router.get("/mentorships", response=list[MentorshipOut], summary="Mentorships where I am the mentor or the mentee")
def mentorships(request: AuthedRequest):
    access.require_role(request.user, MENTORING_PARTIES)
    rows = list(queries.mentorships_full(request.user)[:100])
    readable = queries.readable_meeting_notes(request.user, rows)
    return [_mentorship_out(m, readable) for m in rows]


@router.get(
    "/mentorships/school",
    response=list[SchoolMentorshipOut],
    summary="The school head's mentorships: who, status, meetings, overdue items",
)
def mentorships_school(request: AuthedRequest):
    access.require_role(request.user, [Role.SCHOOL_HEAD])
    return [_school_row_out(r) for r in queries.school_mentoring(request.user)]


@router.post(
    "/mentorships/propose",
    response={201: list[SchoolMentorshipOut]},
    summary="Propose mentors to the young specialists of my school",
)
def mentorships_propose(request: AuthedRequest):
    access.require_role(request.user, [Role.SCHOOL_HEAD])
    made = {
        m.pk
        for org in queries.head_organizations(request.user)
        for m in mentoring.mentors_propose(actor=request.user, organization_id=org)
    }
    rows = [r for r in queries.school_mentoring(request.user) if r.pk in made]
    return Status(201, [_school_row_out(r) for r in rows])


@router.post(
    "/mentorships/{pk}/decision", response=dict[str, str], summary="The school head confirms or declines a proposal"
)
def mentorship_decision(request: AuthedRequest, pk: int, payload: MentorshipDecisionIn):
    m = mentoring.mentorship_decide(
        actor=request.user, mentorship=queries.mentorship_of_school(request.user, pk), accept=payload.accept
    )
    return {"status": m.status}


@router.get("/mentorships/{pk}", response=MentorshipOut, summary="One mentorship with its plan and meeting log")
def mentorship_get(request: AuthedRequest, pk: int):
    return _one_mentorship_out(request.user, pk)


@router.post(
    "/mentorships/{pk}/plan", response={201: PlanItemOut}, summary="Add a goal, a meeting or a task to the plan"
)
def mentorship_plan_add(request: AuthedRequest, pk: int, payload: PlanItemIn):
    item = mentoring.plan_add(
        actor=request.user,
        mentorship=queries.mentorship_visible(request.user, pk),
        kind=payload.kind,
        title=payload.title,
        due_on=payload.due_on,
        competency_id=payload.competency,
    )
    return Status(201, _plan_item_out(item))


@router.post(
    "/mentorships/{pk}/meetings", response={201: MeetingOut}, summary="The mentor logs a meeting (notes stay private)"
)
def mentorship_meeting_log(request: AuthedRequest, pk: int, payload: MeetingIn):
    meeting = mentoring.meeting_log(
        actor=request.user,
        mentorship=queries.mentorship_visible(request.user, pk),
        held_on=payload.held_on,
        minutes=payload.minutes,
        topic=payload.topic,
        notes=payload.notes,
    )
    return Status(201, _meeting_out(meeting, readable=True))  # the mentor wrote the note


@router.post(
    "/mentorships/{pk}/feedback",
    response=MentorshipOut,
    summary="The mentee's final feedback; it finishes the mentorship",
)
def mentorship_feedback_give(request: AuthedRequest, pk: int, payload: FeedbackIn):
    mentoring.mentorship_feedback(
        actor=request.user,
        mentorship=queries.mentorship_visible(request.user, pk),
        text=payload.text,
        rating=payload.rating,
    )
    return _one_mentorship_out(request.user, pk)


# ---------------------------------------------------------------- reflective cycles


class CycleRecordOut(Schema):
    id: int
    stage: str
    kind: str
    author: str | None
    body: str
    rubric: dict[str, int]
    created_at: dt.datetime


class CycleOut(Schema):
    id: int
    educator: int
    educator_name: str
    competency: int
    competency_code: str
    competency_title: str
    route_item: int | None
    route_item_title: str | None
    stage: str
    before_p_deficit: float
    before_measured_at: dt.datetime
    after_p_deficit: float | None
    after_measured_at: dt.datetime | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    records: list[CycleRecordOut] = Field(..., description="the texts of the cycle the caller may read")


class CycleIn(Schema):
    competency: int | None = None
    route_item: int | None = None


class CycleTextIn(Schema):
    text: str = Field(..., max_length=TEXT_MAX)


class ObserveIn(Schema):
    levels: dict[str, int] = Field(..., description="labour function code (A/01.6, A/02.6, A/03.6) -> level 1..3")
    notes: str = Field(..., max_length=TEXT_MAX)


class ReflectIn(Schema):
    went: str = Field(..., max_length=TEXT_MAX)
    showed: str = Field(..., max_length=TEXT_MAX)
    next: str = Field(..., max_length=TEXT_MAX)


def _cycle_out(c, records: dict) -> dict:
    """A cycle with ``records``, its texts by stage the caller may read (queries.cycles_records)."""
    return {
        "id": c.pk,
        "educator": c.educator_id,
        "educator_name": c.educator.full_name,
        "competency": c.competency_id,
        "competency_code": c.competency.code,
        "competency_title": c.competency.title,
        "route_item": c.route_item_id,
        "route_item_title": c.route_item.title if c.route_item else None,
        "stage": c.stage,
        "before_p_deficit": c.before_p_deficit,
        "before_measured_at": c.before_measured_at,
        "after_p_deficit": c.after_p_deficit,
        "after_measured_at": c.after_measured_at,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
        "records": [
            {
                "id": r.pk,
                "stage": stage,
                "kind": r.kind,
                "author": r.author.display_name() if r.author else None,
                "body": r.body,
                "rubric": r.rubric,
                "created_at": r.created_at,
            }
            for stage, r in records.items()
        ],
    }


def _one_cycle_out(user, pk: int) -> dict:
    c = queries.cycle_visible(user, pk)
    return _cycle_out(c, queries.cycle_records(user, c))


@router.get("/cycles", response=list[CycleOut], summary="Reflective cycles of me or of the educators I support")
def cycles(request: AuthedRequest):
    access.require_role(request.user, [Role.TEACHER, Role.TUTOR, Role.MENTOR])
    rows = list(queries.cycles_visible(request.user)[:200])
    texts = queries.cycles_records(request.user, rows)
    return [_cycle_out(c, texts[c.pk]) for c in rows]


@router.post("/cycles", response={201: CycleOut}, summary="Open a cycle on one of my deficits or route items")
def cycle_open(request: AuthedRequest, payload: CycleIn):
    c = cycles_services.cycle_open(
        actor=request.user, educator=_me(request), competency_id=payload.competency, route_item_id=payload.route_item
    )
    return Status(201, _one_cycle_out(request.user, c.pk))


@router.get("/cycles/{pk}", response=CycleOut, summary="One cycle")
def cycle_get(request: AuthedRequest, pk: int):
    return _one_cycle_out(request.user, pk)


@router.post("/cycles/{pk}/plan", response=CycleOut, summary="Stage 1: the educator's plan")
def cycle_plan(request: AuthedRequest, pk: int, payload: CycleTextIn):
    cycles_services.cycle_plan(actor=request.user, cycle=queries.cycle_visible(request.user, pk), text=payload.text)
    return _one_cycle_out(request.user, pk)


@router.post("/cycles/{pk}/act", response=CycleOut, summary="Stage 2: what the educator did in class")
def cycle_act(request: AuthedRequest, pk: int, payload: CycleTextIn):
    cycles_services.cycle_act(actor=request.user, cycle=queries.cycle_visible(request.user, pk), text=payload.text)
    return _one_cycle_out(request.user, pk)


@router.post("/cycles/{pk}/observe", response=CycleOut, summary="Stage 3: the tutor's or mentor's observation protocol")
def cycle_observe(request: AuthedRequest, pk: int, payload: ObserveIn):
    cycles_services.cycle_observe(
        actor=request.user, cycle=queries.cycle_visible(request.user, pk), levels=payload.levels, notes=payload.notes
    )
    return _one_cycle_out(request.user, pk)


@router.post("/cycles/{pk}/reflect", response=CycleOut, summary="Stage 4: the educator's reflection on the prompts")
def cycle_reflect(request: AuthedRequest, pk: int, payload: ReflectIn):
    cycles_services.cycle_reflect(
        actor=request.user, cycle=queries.cycle_visible(request.user, pk), answers=payload.dict()
    )
    return _one_cycle_out(request.user, pk)


@router.post("/cycles/{pk}/close", response=CycleOut, summary="Close on the re-diagnosis of the competency")
def cycle_close(request: AuthedRequest, pk: int):
    cycles_services.cycle_close(actor=request.user, cycle=queries.cycle_visible(request.user, pk))
    return _one_cycle_out(request.user, pk)


# ---------------------------------------------------------------- caseloads (the ЦНППМ head)


class TutorLoadOut(Schema):
    id: int
    name: str
    capacity: int | None
    load: int
    overloaded: bool


class ProposalOut(Schema):
    educator: int
    educator_name: str
    organization: str
    municipality: str
    from_tutor: int | None
    from_tutor_name: str
    to_tutor: int
    to_tutor_name: str
    reason: str


class CaseloadsOut(Schema):
    region: int
    educators: int
    unassigned: int
    unassigned_by_municipality: list[tuple[str, int]]
    tutors: list[TutorLoadOut]
    proposals: list[ProposalOut]
    no_place: int
    mentors: int
    mentorships_stale: int
    plans_overdue: int


class CapacityIn(Schema):
    region: int | None = None
    tutor: int
    capacity: int = Field(..., ge=0, le=caseload_services.CAPACITY_MAX)


class CapacityOut(Schema):
    tutor: int
    capacity: int


class MoveIn(Schema):
    educator: int
    tutor: int


class MovesIn(Schema):
    region: int | None = None
    moves: list[MoveIn] = Field(..., min_length=1, max_length=caseload_services.MOVES_MAX)
    note: str = Field("", max_length=300)


class ChangeOut(Schema):
    educator: int
    educator_name: str
    from_tutor: int | None
    from_tutor_name: str | None
    to_tutor: int | None
    to_tutor_name: str | None
    reason: str
    changed_at: dt.datetime


@router.get(
    "/caseloads",
    response=CaseloadsOut,
    summary="Tutors' loads, educators without a tutor and a proposed rebalancing (the ЦНППМ head)",
)
def caseloads(request: AuthedRequest, region: int | None = None):
    c = caseload_services.caseloads(request.user, region_id=region)
    return {
        "region": c.region_id,
        "educators": c.educators,
        "unassigned": c.unassigned,
        "unassigned_by_municipality": c.unassigned_by_municipality,
        "tutors": [
            {"id": t.id, "name": t.name, "capacity": t.capacity, "load": t.load, "overloaded": t.overloaded}
            for t in c.tutors
        ],
        "proposals": [
            {
                "educator": p.educator_id,
                "educator_name": p.educator_name,
                "organization": p.organization,
                "municipality": p.municipality,
                "from_tutor": p.from_id,
                "from_tutor_name": p.from_name,
                "to_tutor": p.to_id,
                "to_tutor_name": p.to_name,
                "reason": p.reason,
            }
            for p in c.proposals
        ],
        "no_place": c.no_place,
        "mentors": c.mentors_total,
        "mentorships_stale": c.mentorships_stale,
        "plans_overdue": c.plans_overdue,
    }


@router.post("/caseloads/capacity", response=CapacityOut, summary="Set a tutor's capacity (the ЦНППМ head)")
def caseload_capacity(request: AuthedRequest, payload: CapacityIn):
    row = caseload_services.capacity_set(
        actor=request.user, region_id=payload.region, tutor_id=payload.tutor, capacity=payload.capacity
    )
    return {"tutor": row.tutor_id, "capacity": row.capacity}


@router.post(
    "/caseloads/moves",
    response={201: list[ChangeOut]},
    summary="Reassign educators to tutors, all or nothing (the ЦНППМ head)",
)
def caseload_moves(request: AuthedRequest, payload: MovesIn):
    changes = caseload_services.caseload_move(
        actor=request.user,
        region_id=payload.region,
        moves=[(m.educator, m.tutor) for m in payload.moves],
        note=payload.note,
    )
    return Status(
        201,
        [
            {
                "educator": c.educator_id,
                "educator_name": c.educator.full_name,
                "from_tutor": c.from_supporter_id,
                "from_tutor_name": c.from_supporter.display_name() if c.from_supporter else None,
                "to_tutor": c.to_supporter_id,
                "to_tutor_name": c.to_supporter.display_name() if c.to_supporter else None,
                "reason": c.reason,
                "changed_at": c.changed_at,
            }
            for c in changes
        ],
    )


class EffectOut(Schema):
    label: str
    group: str
    episodes: int
    closed: int
    share: float | None
    compared: int
    expected: float | None
    effect: float | None = Field(
        None, description="share closed minus the expected share; null below the minimum number of compared deficits"
    )


class EffectsOut(Schema):
    region: int
    control: int | None
    computed_at: dt.datetime | None
    rows: list[EffectOut]


@router.get(
    "/effects",
    response=EffectsOut,
    summary="Does support work: supported deficits closed at the re-diagnosis against comparable ones",
)
def support_effects(request: AuthedRequest, region: int | None = None):
    region_id = caseload_services.head_region(request.user, region)
    rows, control, computed = effects_services.effects(region_id)
    return {"region": region_id, "control": control, "computed_at": computed, "rows": [r.__dict__ for r in rows]}
