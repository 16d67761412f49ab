"""Reads of the support app, all through the scoping mechanism.

Private records are read with `access.scoped` (the privacy wall in `access.py`). The
overview for heads and operators starts from the educators their scope reaches and
returns counts and dates only: no title, topic or text leaves these functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import NotFound
from efs.people import access
from efs.people.public import Educator, Role

from .access import MENTORING_PARTIES, OVERSEERS, PARTIES
from .models import (
    Consultation,
    ConsultationStatus,
    Mentorship,
    MentorshipStatus,
    PrivateRecord,
    RecordKind,
    RecordShare,
    ReflectionCycle,
)

PAGE_SIZE = 50


def records_visible(user, *, kind: str = "", educator_id: int | None = None) -> QuerySet[PrivateRecord]:
    qs = access.scoped(PrivateRecord.objects.select_related("educator", "author"), user)
    if kind:
        qs = qs.filter(kind=kind)
    if educator_id:
        qs = qs.filter(educator_id=educator_id)
    return qs.order_by("-created_at", "-pk")


def owner_shares(user) -> Prefetch:
    """The shares of the records that belong to ``user``, newest first: only the educator a
    record is about sees whom it is shared with (one query for any number of records)."""
    return Prefetch(
        "shares",
        queryset=RecordShare.objects.filter(record__educator__user=user).select_related("user").order_by("-shared_at"),
    )


def record_visible(user, pk: int) -> PrivateRecord:
    return access.get_scoped(
        PrivateRecord.objects.select_related("educator__organization", "author", "consultation").prefetch_related(
            owner_shares(user)
        ),
        user,
        pk=pk,
    )


def consultations_visible(user, *, status: str = "") -> QuerySet[Consultation]:
    qs = access.scoped(
        Consultation.objects.select_related("educator__organization", "tutor", "competency", "route_item"),
        user,
        roles=PARTIES,
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-pk")


def consultation_visible(user, pk: int) -> Consultation:
    return access.get_scoped(
        Consultation.objects.select_related(
            "educator__organization", "educator__region", "tutor", "competency", "route_item", "evidence"
        ),
        user,
        roles=PARTIES,
        pk=pk,
    )


def consultation_notes(user, consultations) -> dict[int, PrivateRecord]:
    """The notes of each consultation the user may read (the wall decides), by consultation id:
    two queries for any number of consultations."""
    rows = (
        access.scoped(PrivateRecord.objects.filter(consultation__in=[c.pk for c in consultations]), user)
        .select_related("educator", "author")
        .prefetch_related(owner_shares(user))
        .order_by("pk")
    )
    notes: dict[int, PrivateRecord] = {}
    for note in rows:
        notes.setdefault(note.consultation_id, note)
    return notes


def consultation_note(user, consultation: Consultation) -> PrivateRecord | None:
    """The notes of a consultation, when the user may read them (the wall decides)."""
    return consultation_notes(user, [consultation]).get(consultation.pk)


def calendar(user) -> QuerySet[Consultation]:
    """Scheduled and held consultations where the user is the educator or the tutor."""
    return (
        consultations_visible(user)
        .filter(
            Q(educator__user=user) | Q(tutor=user), status__in=[ConsultationStatus.SCHEDULED, ConsultationStatus.HELD]
        )
        .order_by("starts_at", "pk")
    )


# ---------------------------------------------------------------- the overview (counts and dates)


@dataclass
class OverviewRow:
    educator_id: int
    name: str
    organization: str
    consultations: dict[str, int] = field(default_factory=dict)  # status -> count
    last_consultation: dt.datetime | None = None
    next_consultation: dt.datetime | None = None
    records: dict[str, int] = field(default_factory=dict)  # kind -> count
    last_record: dt.datetime | None = None

    @property
    def records_total(self) -> int:
        return sum(self.records.values())


@dataclass
class Overview:
    educators: int  # educators in scope with any support
    consultations: dict[str, int]
    records: dict[str, int]
    last_record: dt.datetime | None
    rows: list[OverviewRow]
    page: int
    pages: int


def _supported(user) -> QuerySet[Educator]:
    reached = access.scoped(Educator.objects.all(), user, roles=OVERSEERS)
    return reached.filter(
        Q(Exists(Consultation.objects.filter(educator=OuterRef("pk"))))
        | Q(Exists(PrivateRecord.objects.filter(educator=OuterRef("pk"))))
    )


def overview(user, *, page: int = 1, now: dt.datetime | None = None) -> Overview:
    """That support happened, for heads and operators: per educator and in total, counts
    by status and kind and the dates of the last and next activity. Six queries."""
    now = now or timezone.now()
    supported = _supported(user)
    total = supported.count()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    people = list(
        supported.select_related("organization").order_by("last_name", "first_name", "pk")[
            (page - 1) * PAGE_SIZE : page * PAGE_SIZE
        ]
    )
    rows = {e.pk: OverviewRow(e.pk, e.full_name, e.organization.display_name if e.organization else "") for e in people}
    for c in (
        Consultation.objects.filter(educator_id__in=rows)
        .values("educator_id", "status")
        .annotate(
            n=Count("pk"),
            last=Max("starts_at", filter=Q(starts_at__lte=now)),
            upcoming=Min("starts_at", filter=Q(starts_at__gt=now)),
        )
    ):
        row = rows[c["educator_id"]]
        row.consultations[c["status"]] = c["n"]
        if c["status"] == ConsultationStatus.HELD and c["last"]:
            row.last_consultation = max(filter(None, [row.last_consultation, c["last"]]))
        if c["status"] == ConsultationStatus.SCHEDULED and c["upcoming"]:
            row.next_consultation = c["upcoming"]
    for r in (
        PrivateRecord.objects.filter(educator_id__in=rows)
        .values("educator_id", "kind")
        .annotate(n=Count("pk"), last=Max("created_at"))
    ):
        row = rows[r["educator_id"]]
        row.records[r["kind"]] = r["n"]
        row.last_record = max(filter(None, [row.last_record, r["last"]]))
    consultations = dict(
        Consultation.objects.filter(educator__in=supported.values("pk"))
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    records = {}
    last_record = None
    for kind_row in (
        PrivateRecord.objects.filter(educator__in=supported.values("pk"))
        .values("kind")
        .annotate(n=Count("pk"), last=Max("created_at"))
        .order_by()
    ):
        records[kind_row["kind"]] = kind_row["n"]
        last_record = max(filter(None, [last_record, kind_row["last"]]))
    return Overview(total, consultations, records, last_record, list(rows.values()), page, pages)


KIND_ORDER = [RecordKind.CONSULTATION_NOTE, RecordKind.MENTORING_NOTE, RecordKind.JOURNAL_ENTRY, RecordKind.OBSERVATION]
STATUS_ORDER = [
    ConsultationStatus.REQUESTED,
    ConsultationStatus.SCHEDULED,
    ConsultationStatus.HELD,
    ConsultationStatus.CANCELLED,
]


def is_overseer(user) -> bool:
    return access.has_role(user, *OVERSEERS)


def is_party(user) -> bool:
    return access.has_role(user, Role.TEACHER, Role.TUTOR)


# ---------------------------------------------------------------- mentorship


def mentorships_mine(user) -> QuerySet[Mentorship]:
    """Mentorships where the user is the mentor or the mentee. A finished mentorship has
    ended the mentor's assignment (so the scope no longer reaches the mentee); the mentor
    still reads that pair's own row — the plan, the log they kept and the feedback given to
    them — and nothing else of the former mentee."""
    rows = Mentorship.objects.select_related("mentee__organization", "mentor")
    reached = access.scoped(rows, user, roles=MENTORING_PARTIES).filter(Q(mentor=user) | Q(mentee__user=user))
    if access.has_role(user, Role.MENTOR):
        reached = reached | rows.filter(mentor=user, status=MentorshipStatus.FINISHED)
    return reached.order_by("status", "-created_at", "-pk")


def mentorships_full(user) -> QuerySet[Mentorship]:
    """``mentorships_mine`` with each one's plan and log (three queries for any number)."""
    return mentorships_mine(user).select_related("region").prefetch_related("plan__competency", "meetings")


def mentorship_visible(user, pk: int) -> Mentorship:
    """One mentorship with its plan and log, for its mentor and its mentee only."""
    try:
        return mentorships_full(user).get(pk=pk)
    except Mentorship.DoesNotExist:
        raise NotFound(_("Not found, or you have no access to it.")) from None


def readable_meeting_notes(user, mentorships) -> set[int]:
    """The private notes of these mentorships' meetings the user may read (the wall decides)."""
    note_ids = {x.note_id for m in mentorships for x in m.meetings.all() if x.note_id}
    if not note_ids:
        return set()
    readable = records_visible(user, kind=RecordKind.MENTORING_NOTE).filter(pk__in=note_ids)
    return set(readable.values_list("pk", flat=True))


def mentorship_of_school(user, pk: int) -> Mentorship:
    """A mentorship of the head's school, for the head's decision (no plan, no log)."""
    return access.get_scoped(
        Mentorship.objects.select_related("mentee", "mentor"), user, roles=[Role.SCHOOL_HEAD], pk=pk
    )


@dataclass
class SchoolMentoringRow:
    pk: int
    mentor: str
    mentee: str
    form: str
    group_name: str
    status: str
    reason: str
    created_at: dt.datetime
    meetings: int
    last_meeting: dt.date | None
    overdue: int


def school_mentoring(user, *, today: dt.date | None = None) -> list[SchoolMentoringRow]:
    """The school head's view: who mentors whom, the status, how many meetings and when
    the last one was, how many plan items are overdue. No plan titles, no notes, no feedback."""
    today = today or timezone.localdate()
    rows = (
        access.scoped(Mentorship.objects.select_related("mentee", "mentor"), user, roles=[Role.SCHOOL_HEAD])
        .annotate(
            n_meetings=Count("meetings", distinct=True),
            last_meeting=Max("meetings__held_on"),
            n_overdue=Count("plan", filter=Q(plan__done_at__isnull=True, plan__due_on__lt=today), distinct=True),
        )
        .order_by("status", "mentee__last_name", "pk")[:500]
    )
    return [
        SchoolMentoringRow(
            m.pk,
            m.mentor.display_name(),
            m.mentee.full_name,
            m.form,
            m.group_name,
            m.status,
            m.reason,
            m.created_at,
            m.n_meetings,
            m.last_meeting,
            m.n_overdue,
        )
        for m in rows
    ]


def head_organizations(user) -> list[int]:
    return sorted({g.organization_id for g in access.grants(user) if g.role == Role.SCHOOL_HEAD and g.organization_id})


# ---------------------------------------------------------------- reflective cycles


def cycles_visible(user) -> QuerySet[ReflectionCycle]:
    return access.scoped(
        ReflectionCycle.objects.select_related("educator", "competency", "route_item"), user
    ).order_by("stage", "-opened_at", "-pk")


def cycle_visible(user, pk: int) -> ReflectionCycle:
    return access.get_scoped(
        ReflectionCycle.objects.select_related("educator__organization", "competency", "route_item"), user, pk=pk
    )


def cycles_records(user, cycles) -> dict[int, dict[str, PrivateRecord]]:
    """The texts of each cycle by stage, as far as the wall lets the user read them, by cycle
    id: one query for any number of cycles (a later text of a stage stands for it)."""
    texts: dict[int, dict[str, PrivateRecord]] = {c.pk: {} for c in cycles}
    for r in access.scoped(
        PrivateRecord.objects.filter(cycle__in=list(texts)).select_related("author"), user
    ).order_by("created_at"):
        texts[r.cycle_id][r.cycle_stage] = r
    return texts


def cycle_records(user, cycle: ReflectionCycle) -> dict[str, PrivateRecord]:
    """The texts of the cycle by stage, as far as the wall lets the user read them."""
    return cycles_records(user, [cycle])[cycle.pk]
