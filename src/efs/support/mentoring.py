"""Writes of mentorship: proposals for young specialists, the school head's decision,
the plan, the meeting log and the mentee's final feedback. One transaction each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.diagnostics.public import current_deficits
from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.people.access import require_role, unit_reach
from efs.people.public import (
    AssignmentKind,
    Educator,
    MailKind,
    Role,
    Scope,
    User,
    notify,
    role_grant,
    support_assign,
    support_end,
)

from .caseloads import record_change
from .models import (
    TEXT_MAX,
    ChangeReason,
    MentoringMeeting,
    Mentorship,
    MentorshipForm,
    MentorshipStatus,
    PlanItem,
    PlanItemKind,
    PrivateRecord,
    RecordKind,
)

YOUNG_SPECIALIST_YEARS = 3  # at most this many years of experience
MENTOR_MIN_YEARS = 5
OPEN = (MentorshipStatus.PROPOSED, MentorshipStatus.ACTIVE)
# The form of a proposed pair follows who the mentor is.
FORM_BY_MENTOR_CATEGORY = {"manager": MentorshipForm.HEAD_TEACHER, "student": MentorshipForm.STUDENT_TEACHER}


def _head_of(actor: User, organization_id: int | None) -> None:
    require_role(actor, [Role.SCHOOL_HEAD])
    if organization_id not in unit_reach(actor, roles=[Role.SCHOOL_HEAD]).organization_ids:
        raise PermissionDenied(
            _("Only the head of the mentee's school decides on mentors."), code="mentorship_not_head"
        )


def young_without_mentor(organization_id: int):
    """Young specialists of the school (≤ 3 years) with no active mentor and no open proposal."""
    return (
        Educator.objects.filter(
            organization_id=organization_id,
            is_active=True,
            category="teacher",
            experience_years__lte=YOUNG_SPECIALIST_YEARS,
        )
        .exclude(support_assignments__kind=AssignmentKind.MENTOR, support_assignments__active=True)
        .exclude(mentorships__status__in=OPEN)
        .order_by("last_name", "first_name", "pk")
    )


@dataclass(frozen=True)
class Candidate:
    educator: Educator
    same_school: bool
    shared_subjects: int
    load: int

    @property
    def key(self) -> tuple:
        return (not self.same_school, -min(self.shared_subjects, 1), self.load, self.educator.pk)


def mentor_candidates(mentee: Educator, limit: int = 5) -> list[Candidate]:
    """Experienced teachers with a login, of the same school first, then the municipality;
    sharing a subject before not; the lighter mentoring load first."""
    subjects = set(mentee.subjects.values_list("pk", flat=True))
    pool = (
        Educator.objects.filter(
            region_id=mentee.region_id, is_active=True, user__isnull=False, experience_years__gte=MENTOR_MIN_YEARS
        )
        .filter(
            Q(organization_id=mentee.organization_id)
            | Q(organization__municipality_id=mentee.organization.municipality_id if mentee.organization else None)
        )
        .exclude(pk=mentee.pk)
        .annotate(load=Count("user__mentorships", filter=Q(user__mentorships__status__in=OPEN), distinct=True))
        .prefetch_related("subjects")
    )
    found = [
        Candidate(
            e, e.organization_id == mentee.organization_id, len(subjects & {s.pk for s in e.subjects.all()}), e.load
        )
        for e in pool[:500]
    ]
    return sorted(found, key=lambda c: c.key)[:limit]


def _reason(candidate: Candidate) -> str:
    where = _("same school") if candidate.same_school else _("same municipality")
    subject = _("shares a subject") if candidate.shared_subjects else _("another subject")
    return _("%(where)s, %(subject)s, mentees now: %(load)s") % {
        "where": where,
        "subject": subject,
        "load": candidate.load,
    }


@transaction.atomic
def mentors_propose(*, actor: User, organization_id: int) -> list[Mentorship]:
    """A proposal for each young specialist of the school without a mentor."""
    _head_of(actor, organization_id)
    proposals = []
    for mentee in young_without_mentor(organization_id).select_related("organization"):
        best = next(iter(mentor_candidates(mentee, limit=1)), None)
        if best is None:
            continue
        proposals.append(
            Mentorship.objects.create(
                mentor=cast(User, best.educator.user),  # mentor_candidates keeps educators with a login
                mentee=mentee,
                region_id=mentee.region_id,
                organization_id=mentee.organization_id,
                form=FORM_BY_MENTOR_CATEGORY.get(best.educator.category, MentorshipForm.TEACHER_TEACHER),
                status=MentorshipStatus.PROPOSED,
                reason=_reason(best),
                proposed_by=actor,
            )
        )
    return proposals


def _activate(mentorship: Mentorship, actor: User) -> None:
    mentor = mentorship.mentor
    role_grant(user=mentor, role=Role.MENTOR, scope=Scope.ASSIGNED, region=mentorship.region)
    support_assign(supporter=mentor, educator=mentorship.mentee, kind=Role.MENTOR)
    record_change(
        educator=mentorship.mentee,
        kind=AssignmentKind.MENTOR,
        from_user=None,
        to_user=mentor,
        reason=ChangeReason.ASSIGNED,
        actor=actor,
    )
    url = reverse("support:mentorship", args=[mentorship.pk])
    notify(
        kind=MailKind.MENTORING,
        user=mentor,
        title=_("You are the mentor of %(name)s") % {"name": mentorship.mentee.full_name},
        url=url,
    )
    if mentorship.mentee.user is not None:
        notify(
            kind=MailKind.MENTORING,
            user=mentorship.mentee.user,
            title=_("%(name)s is your mentor") % {"name": mentor.display_name()},
            url=url,
        )


@transaction.atomic
def mentorship_decide(*, actor: User, mentorship: Mentorship, accept: bool) -> Mentorship:
    mentorship = (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentee__user", "mentor", "region")
        .get(pk=mentorship.pk)
    )
    _head_of(actor, mentorship.organization_id)
    if mentorship.status != MentorshipStatus.PROPOSED:
        raise Conflict(_("The proposal is already decided."), code="mentorship_decided")
    mentorship.status = MentorshipStatus.ACTIVE if accept else MentorshipStatus.DECLINED
    mentorship.decided_by, mentorship.decided_at = actor, timezone.now()
    mentorship.save(update_fields=["status", "decided_by", "decided_at"])
    if accept:
        _activate(mentorship, actor)
    return mentorship


@transaction.atomic
def mentorship_create(
    *, actor: User, mentor_educator: Educator, mentees: list[Educator], form: str, group_name: str = ""
) -> list[Mentorship]:
    """The school head pairs a mentor with one mentee, or a group with several."""
    if form not in MentorshipForm.values:
        raise ValidationFailed(_("Unknown form of mentoring."), code="mentorship_form_unknown")
    if not mentees or (form != MentorshipForm.GROUP and len(mentees) != 1):
        raise ValidationFailed(_("A pair has one mentee; a group has one or more."), code="mentorship_mentees")
    group_name = (group_name or "").strip()[:200]
    if form == MentorshipForm.GROUP and not group_name:
        raise ValidationFailed(_("Name the group."), code="mentorship_group_name")
    if mentor_educator.user is None:
        raise Conflict(_("The mentor has no login on the platform yet."), code="mentor_no_login")
    made = []
    for mentee in mentees:
        _head_of(actor, mentee.organization_id)
        if mentee.pk == mentor_educator.pk:
            raise ValidationFailed(_("A mentor does not mentor themselves."), code="mentorship_self")
        if Mentorship.objects.filter(mentor=mentor_educator.user, mentee=mentee, status__in=OPEN).exists():
            raise Conflict(_("This pair already exists."), code="mentorship_exists")
        mentorship = Mentorship.objects.create(
            mentor=mentor_educator.user,
            mentee=mentee,
            region_id=mentee.region_id,
            organization_id=mentee.organization_id,
            form=form,
            group_name=group_name if form == MentorshipForm.GROUP else "",
            status=MentorshipStatus.ACTIVE,
            proposed_by=actor,
            decided_by=actor,
            decided_at=timezone.now(),
        )
        _activate(mentorship, actor)
        made.append(mentorship)
    return made


def _locked(mentorship: Mentorship) -> Mentorship:
    return (
        Mentorship.objects.select_for_update(of=("self",))
        .select_related("mentee__user", "mentor")
        .get(pk=mentorship.pk)
    )


def _mentor(actor: User, mentorship: Mentorship) -> None:
    if mentorship.mentor_id != actor.pk:
        raise PermissionDenied(_("Only the mentor does this."), code="mentorship_not_mentor")
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise Conflict(_("The mentorship is not active."), code="mentorship_not_active")


@transaction.atomic
def plan_add(
    *,
    actor: User,
    mentorship: Mentorship,
    kind: str,
    title: str,
    due_on: dt.date,
    competency_id: int | None = None,
    today: dt.date | None = None,
) -> PlanItem:
    mentorship = _locked(mentorship)
    if mentorship.mentor_id != actor.pk and mentorship.mentee.user_id != actor.pk:
        raise PermissionDenied(_("Only the mentor and the mentee plan."), code="mentorship_not_party")
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise Conflict(_("The mentorship is not active."), code="mentorship_not_active")
    if kind not in PlanItemKind.values:
        raise ValidationFailed(_("Unknown kind of plan item."), code="plan_kind_unknown")
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise ValidationFailed(_("Give a title of up to 300 characters."), code="plan_title")
    if due_on < (today or timezone.localdate()):
        raise ValidationFailed(_("The date and time are in the past."), code="date_in_past")
    if kind == PlanItemKind.GOAL:
        if not competency_id or all(
            d.competency_id != competency_id for d in current_deficits(educator_id=mentorship.mentee_id)
        ):
            raise NotFound(_("A goal is set on one of the mentee's current deficits."), code="competency_not_found")
    else:
        competency_id = None
    return PlanItem.objects.create(
        mentorship=mentorship, kind=kind, title=title, due_on=due_on, competency_id=competency_id
    )


@transaction.atomic
def plan_done(*, actor: User, item: PlanItem) -> PlanItem:
    item = PlanItem.objects.select_for_update(of=("self",)).select_related("mentorship__mentee").get(pk=item.pk)
    mentorship = item.mentorship
    if mentorship.mentor_id != actor.pk and mentorship.mentee.user_id != actor.pk:
        raise PermissionDenied(_("Only the mentor and the mentee plan."), code="mentorship_not_party")
    if item.done_at is None:
        item.done_at = timezone.now()
        item.save(update_fields=["done_at"])
    return item


@transaction.atomic
def meeting_log(
    *,
    actor: User,
    mentorship: Mentorship,
    held_on: dt.date,
    minutes: int,
    topic: str,
    notes: str = "",
    today: dt.date | None = None,
) -> MentoringMeeting:
    mentorship = _locked(mentorship)
    _mentor(actor, mentorship)
    if held_on > (today or timezone.localdate()):
        raise ValidationFailed(_("A meeting is logged after it took place."), code="meeting_in_future")
    if not 5 <= minutes <= 480:
        raise ValidationFailed(_("A meeting lasts from 5 to 480 minutes."), code="meeting_minutes_range")
    topic = (topic or "").strip()
    if not topic or len(topic) > 300:
        raise ValidationFailed(_("Give a topic of up to 300 characters."), code="meeting_topic")
    notes = (notes or "").strip()
    if len(notes) > TEXT_MAX:
        raise ValidationFailed(_("The notes are too long."), code="field_too_long")
    note = None
    if notes:
        note = PrivateRecord.objects.create(
            educator=mentorship.mentee,
            region_id=mentorship.region_id,
            organization_id=mentorship.organization_id,
            author=actor,
            kind=RecordKind.MENTORING_NOTE,
            title=_("Mentoring meeting of %(date)s: %(topic)s")
            % {"date": held_on.strftime("%d.%m.%Y"), "topic": topic[:120]},
            body=notes,
        )
    return MentoringMeeting.objects.create(
        mentorship=mentorship, held_on=held_on, minutes=minutes, topic=topic, note=note
    )


@transaction.atomic
def mentorship_feedback(*, actor: User, mentorship: Mentorship, text: str, rating: int) -> Mentorship:
    """The mentee's final word; it ends the mentorship."""
    mentorship = _locked(mentorship)
    if mentorship.mentee.user_id != actor.pk:
        raise PermissionDenied(_("Only the mentee gives the final feedback."), code="mentorship_not_mentee")
    if mentorship.status != MentorshipStatus.ACTIVE:
        raise Conflict(_("The mentorship is not active."), code="mentorship_not_active")
    text = (text or "").strip()
    if not text or len(text) > TEXT_MAX:
        raise ValidationFailed(_("Write your feedback."), code="feedback_required")
    if not 1 <= rating <= 5:
        raise ValidationFailed(_("Rate from 1 to 5."), code="feedback_rating_range")
    mentorship.feedback, mentorship.feedback_rating = text, rating
    mentorship.status, mentorship.finished_at = MentorshipStatus.FINISHED, timezone.now()
    mentorship.save(update_fields=["feedback", "feedback_rating", "status", "finished_at"])
    # The pair has ended: the mentor's scope no longer reaches the mentee (people keeps the
    # row inactive; the history is ours).
    if support_end(supporter=mentorship.mentor, educator=mentorship.mentee, kind=Role.MENTOR):
        record_change(
            educator=mentorship.mentee,
            kind=AssignmentKind.MENTOR,
            from_user=mentorship.mentor,
            to_user=None,
            reason=ChangeReason.MENTORSHIP_ENDED,
            actor=actor,
        )
    notify(
        kind=MailKind.MENTORING,
        user=mentorship.mentor,
        title=_("%(name)s finished the mentorship and left feedback") % {"name": mentorship.mentee.full_name},
        url=reverse("support:mentorship", args=[mentorship.pk]),
    )
    return mentorship
