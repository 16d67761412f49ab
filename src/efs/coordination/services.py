"""Writes of the coordination council: members, meetings, agenda, votes, minutes, strategic tasks
and the pledges of the organizations that carry them out. One service = one transaction;
a refusal raises a DomainError with a stable code and leaves nothing half-saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from efs.limits import KOPECKS_MAX
from efs.people.access import grants, region_reach
from efs.people.public import Educator, Organization, Region, User, notify
from efs.practices.public import network as practices_network

from .access import OPERATORS
from .models import (
    OPEN_TASK,
    AgendaItem,
    Attendance,
    Council,
    CouncilMember,
    Decision,
    DecisionMethod,
    Execution,
    Meeting,
    MeetingStatus,
    MemberRole,
    Milestone,
    Minutes,
    MinutesApproval,
    MinutesStatus,
    Outcome,
    Part,
    Participation,
    PledgeState,
    StrategicTask,
    TaskRevision,
    TaskStatus,
    Vote,
    VoteChoice,
    WorkingGroup,
)

RUNNERS = frozenset({MemberRole.CHAIR, MemberRole.DEPUTY, MemberRole.SECRETARY})
STAFF_HOURS_MAX = 1_000_000


def _today() -> dt.date:
    return timezone.localdate()


def _text(value: str, *, limit: int, required: bool = True, field: str = "text") -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationFailed(_("The text contains a NUL character."), code="nul_character", details={"field": field})
    if required and not value:
        raise ValidationFailed(
            _("Fill in the field «%(field)s».") % {"field": field}, code="required", details={"field": field}
        )
    if len(value) > limit:
        raise ValidationFailed(
            _("The text is longer than %(n)s characters.") % {"n": limit}, code="too_long", details={"field": field}
        )
    return value


# ---------------------------------------------------------------- who may do what


def member_in_office(council: Council, user, day: dt.date | None = None) -> CouncilMember | None:
    """The user's membership of the council on `day` (today by default), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    day = day or _today()
    return (
        CouncilMember.objects.filter(council=council, user=user, term_start__lte=day)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=day))
        .select_related("organization")
        .first()
    )


def runs_council(council: Council, user) -> bool:
    """The chair, the deputy and the secretary run the council; so do the operators of its region."""
    if council.region_id in region_reach(user, roles=OPERATORS):
        return True
    member = member_in_office(council, user)
    return member is not None and member.role in RUNNERS


def _require_runner(council: Council, user) -> None:
    if not runs_council(council, user):
        raise PermissionDenied(
            _("Only the chair, the deputy chair, the secretary of the council or the region's operator may do this."),
            code="council_runners_only",
        )


def _require_secretary(council: Council, user) -> CouncilMember:
    member = member_in_office(council, user)
    if member is None or member.role != MemberRole.SECRETARY:
        raise PermissionDenied(_("The minutes are drafted by the secretary of the council."), code="secretary_only")
    return member


def represents(user, organization: Organization, council: Council | None = None) -> bool:
    """Whether the user speaks for the organization: works there, holds a role of that
    organization, or sits on the council as its representative."""
    if not getattr(user, "is_authenticated", False):
        return False
    if any(g.organization_id == organization.pk for g in grants(user)):
        return True
    if Educator.objects.filter(user=user, organization=organization, is_active=True).exists():
        return True
    if council is not None:
        member = member_in_office(council, user)
        return member is not None and member.organization_id == organization.pk
    return False


def _frozen_guard(meeting: Meeting) -> None:
    if Minutes.objects.filter(meeting=meeting, status=MinutesStatus.FROZEN).exists():
        raise Conflict(
            _("The minutes of this meeting are approved and frozen; a correction is a new version of the minutes."),
            code="minutes_frozen",
        )


# ---------------------------------------------------------------- council and members


@transaction.atomic
def council_create(*, actor: User, region: Region, name: str, basis: str = "", address: str = "") -> Council:
    if region.pk not in region_reach(actor, roles=OPERATORS):
        raise PermissionDenied(_("A council is set up by the operator of its region."), code="council_runners_only")
    if Council.objects.filter(region=region).exists():
        raise Conflict(_("The region already has a coordination council."), code="council_exists")
    return Council.objects.create(
        region=region,
        name=_text(name, limit=300, field=_("name")),
        basis=_text(basis, limit=300, required=False),
        address=_text(address, limit=300, required=False),
    )


@transaction.atomic
def member_add(
    *,
    actor: User,
    council: Council,
    user: User,
    organization: Organization,
    role: str,
    term_start: dt.date,
    term_end: dt.date | None = None,
) -> CouncilMember:
    _require_runner(council, actor)
    if role not in MemberRole.values:
        raise ValidationFailed(_("Unknown role on the council."), code="role_invalid")
    if organization.region_id != council.region_id:
        raise ValidationFailed(_("The organization is not of the council's region."), code="organization_other_region")
    if term_end is not None and term_end < term_start:
        raise ValidationFailed(_("The term ends before it starts."), code="term_order")
    if member_in_office(council, user, term_start) is not None:
        raise Conflict(_("This person is already on the council for that date."), code="already_member")
    if role in (MemberRole.CHAIR, MemberRole.SECRETARY):
        taken = CouncilMember.objects.filter(council=council, role=role, term_start__lte=term_start).filter(
            Q(term_end__isnull=True) | Q(term_end__gte=term_start)
        )
        if taken.exists():
            raise Conflict(_("The council already has a member in this role; end their term first."), code="role_taken")
    member = CouncilMember.objects.create(
        council=council,
        region_id=council.region_id,
        user=user,
        organization=organization,
        role=role,
        term_start=term_start,
        term_end=term_end,
    )
    notify(
        user=user,
        title=_("You are on the council «%(council)s»: %(role)s")
        % {"council": council.name, "role": member.get_role_display()},
        body=_("You represent %(organization)s.") % {"organization": organization.short_name or organization.name},
        url=f"/coordination/councils/{council.pk}/",
        key=f"coordination-member:{member.pk}",
    )
    return member


@transaction.atomic
def member_term_end(*, actor: User, member: CouncilMember, term_end: dt.date) -> CouncilMember:
    _require_runner(member.council, actor)
    if term_end < member.term_start:
        raise ValidationFailed(_("The term ends before it starts."), code="term_order")
    member.term_end = term_end
    member.save(update_fields=["term_end"])
    return member


@transaction.atomic
def group_create(
    *,
    actor: User,
    council: Council,
    name: str,
    purpose: str = "",
    leader: CouncilMember | None = None,
    members: Sequence[CouncilMember] = (),
) -> WorkingGroup:
    _require_runner(council, actor)
    everyone = list(members) + ([leader] if leader else [])
    if any(m.council_id != council.pk for m in everyone):
        raise ValidationFailed(_("A working group is made of members of this council."), code="not_a_member")
    name = _text(name, limit=300, field=_("name"))
    if WorkingGroup.objects.filter(council=council, name=name).exists():
        raise Conflict(_("The council already has a working group with this name."), code="group_exists")
    group = WorkingGroup.objects.create(
        council=council,
        region_id=council.region_id,
        name=name,
        purpose=_text(purpose, limit=2000, required=False),
        leader=leader,
    )
    group.members.set({m.pk for m in everyone})
    return group


# ---------------------------------------------------------------- meetings and agenda


@transaction.atomic
def meeting_schedule(*, actor: User, council: Council, starts_at: dt.datetime, place: str = "") -> Meeting:
    """A new meeting; the overdue tasks and the open decisions go onto its agenda at once."""
    _require_runner(council, actor)
    number = (Meeting.objects.filter(council=council).aggregate(n=Max("number"))["n"] or 0) + 1
    meeting = Meeting.objects.create(
        council=council,
        region_id=council.region_id,
        number=number,
        starts_at=starts_at,
        place=_text(place, limit=300, required=False),
    )
    agenda_carry_over(meeting=meeting)
    if starts_at > timezone.now():
        for member in members_in_office(council, timezone.localtime(starts_at).date()).select_related("user"):
            notify(
                user=member.user,
                title=_("Council meeting № %(n)s on %(day)s")
                % {"n": number, "day": f"{timezone.localtime(starts_at):%d.%m.%Y %H:%M}"},
                body=place,
                url=f"/coordination/meetings/{meeting.pk}/",
                key=f"coordination-meeting:{meeting.pk}",
            )
    return meeting


def agenda_carry_over(*, meeting: Meeting) -> int:
    """Put onto a planned meeting's agenda every task overdue by its date and every adopted decision
    of an earlier meeting not yet executed; each once (called again, it adds only what is new)."""
    if meeting.status != MeetingStatus.PLANNED:
        return 0
    day = timezone.localtime(meeting.starts_at).date()
    order = meeting.agenda.aggregate(n=Max("order"))["n"] or 0
    have_tasks = set(meeting.agenda.filter(carried=True, task__isnull=False).values_list("task_id", flat=True))
    have_decisions = set(
        meeting.agenda.filter(carried_decision__isnull=False).values_list("carried_decision_id", flat=True)
    )
    new: list[AgendaItem] = []

    def carry(title: str, **subject: object) -> None:
        new.append(
            AgendaItem(
                meeting=meeting,
                region_id=meeting.region_id,
                order=order + len(new) + 1,
                carried=True,
                title=title,
                **subject,
            )
        )

    overdue = StrategicTask.objects.filter(
        council_id=meeting.council_id, status__in=OPEN_TASK, deadline__lt=day
    ).exclude(pk__in=have_tasks)
    for task in overdue.order_by("deadline", "pk"):
        carry(
            _("Overdue task: «%(task)s» (deadline %(day)s)") % {"task": task.title, "day": f"{task.deadline:%d.%m.%Y}"},
            task=task,
        )
    open_decisions = (
        Decision.objects.filter(
            meeting__council_id=meeting.council_id,
            outcome=Outcome.ADOPTED,
            execution=Execution.OPEN,
            meeting__starts_at__lt=meeting.starts_at,
        )
        .exclude(pk__in=have_decisions)
        .select_related("meeting")
        .order_by("meeting__starts_at", "number")
    )
    for decision in open_decisions:
        carry(
            _("On the execution of decision %(n)s: %(text)s") % {"n": str(decision), "text": decision.text[:300]},
            carried_decision=decision,
        )
    AgendaItem.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def agenda_add(
    *,
    actor: User,
    meeting: Meeting,
    title: str,
    speaker: CouncilMember | None = None,
    materials: str = "",
    task: StrategicTask | None = None,
    indicator=None,
    program=None,
) -> AgendaItem:
    _require_runner(meeting.council, actor)
    if meeting.status != MeetingStatus.PLANNED:
        raise Conflict(_("The meeting has been held; its agenda is closed."), code="meeting_held")
    if speaker is not None and speaker.council_id != meeting.council_id:
        raise ValidationFailed(_("The speaker is not a member of this council."), code="not_a_member")
    if task is not None and task.council_id != meeting.council_id:
        raise ValidationFailed(_("The task is not of this council."), code="task_other_council")
    if program is not None and program.region_id != meeting.region_id:
        raise ValidationFailed(_("The program is of another region."), code="program_other_region")
    order = (meeting.agenda.aggregate(n=Max("order"))["n"] or 0) + 1
    return AgendaItem.objects.create(
        meeting=meeting,
        region_id=meeting.region_id,
        order=order,
        title=_text(title, limit=500, field=_("question")),
        speaker=speaker,
        materials=_text(materials, limit=2000, required=False),
        task=task,
        indicator=indicator,
        program=program,
    )


def members_in_office(council: Council, day: dt.date):
    return CouncilMember.objects.filter(council=council, term_start__lte=day).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=day)
    )


@transaction.atomic
def attendance_record(*, actor: User, meeting: Meeting, present: list[CouncilMember]) -> Meeting:
    """Who came; the meeting is held from now on, with or without a quorum (more than half of the
    members in office on its date)."""
    _require_runner(meeting.council, actor)
    _frozen_guard(meeting)
    if meeting.decisions.exists():
        raise Conflict(_("The meeting has decisions already: its attendance is fixed."), code="attendance_fixed")
    if meeting.starts_at > timezone.now():
        raise Conflict(_("The meeting has not started yet."), code="meeting_not_started")
    day = timezone.localtime(meeting.starts_at).date()
    office = {m.pk: m for m in members_in_office(meeting.council, day)}
    strangers = [m for m in present if m.pk not in office]
    if strangers:
        raise ValidationFailed(
            _("Only members of the council in office on the meeting's date are marked present."), code="not_a_member"
        )
    present_ids = {m.pk for m in present}
    Attendance.objects.filter(meeting=meeting).delete()
    Attendance.objects.bulk_create(
        [
            Attendance(meeting=meeting, member_id=pk, region_id=meeting.region_id, present=pk in present_ids)
            for pk in office
        ]
    )
    meeting.status = MeetingStatus.HELD
    meeting.members_in_office = len(office)
    meeting.quorum = len(present_ids) * 2 > len(office)
    meeting.save(update_fields=["status", "members_in_office", "quorum"])
    return meeting


def _present_member(meeting: Meeting, user) -> CouncilMember:
    day = timezone.localtime(meeting.starts_at).date()
    member = member_in_office(meeting.council, user, day)
    if member is None:
        if member_in_office(meeting.council, user) is not None:  # a member now, not on the meeting's day
            raise PermissionDenied(_("Only the members present at the meeting take part in this."), code="not_present")
        raise PermissionDenied(_("You are not a member of this council."), code="not_a_member")
    if not Attendance.objects.filter(meeting=meeting, member=member, present=True).exists():
        raise PermissionDenied(_("Only the members present at the meeting take part in this."), code="not_present")
    return member


# ---------------------------------------------------------------- decisions and votes


@transaction.atomic
def decision_add(
    *,
    actor: User,
    meeting: Meeting,
    text: str,
    method: str = DecisionMethod.VOTE,
    agenda_item: AgendaItem | None = None,
    due_date: dt.date | None = None,
) -> Decision:
    _require_runner(meeting.council, actor)
    _frozen_guard(meeting)
    if meeting.status != MeetingStatus.HELD:
        raise Conflict(_("Record who attended first: decisions are taken at a held meeting."), code="meeting_not_held")
    if method not in DecisionMethod.values:
        raise ValidationFailed(_("Unknown way of deciding."), code="method_invalid")
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationFailed(_("The agenda item is of another meeting."), code="agenda_other_meeting")
    if method == DecisionMethod.CONSENSUS and not meeting.quorum:
        raise Conflict(_("The meeting had no quorum: the council cannot decide."), code="no_quorum")
    number = (meeting.decisions.aggregate(n=Max("number"))["n"] or 0) + 1
    return Decision.objects.create(
        meeting=meeting,
        region_id=meeting.region_id,
        agenda_item=agenda_item,
        number=number,
        text=_text(text, limit=3000, field=_("decision")),
        method=method,
        due_date=due_date,
        outcome=Outcome.ADOPTED if method == DecisionMethod.CONSENSUS else Outcome.PENDING,
    )


@transaction.atomic
def vote_record(*, actor: User, decision: Decision, choice: str, member: CouncilMember | None = None) -> Vote:
    """A member's vote: cast by the member, or recorded by the secretary or the chair from the
    meeting's count. Only members present at the meeting vote; a vote can change until the count closes."""
    meeting = decision.meeting
    if choice not in VoteChoice.values:
        raise ValidationFailed(_("A vote is «for», «against» or «abstained»."), code="choice_invalid")
    if member is None:
        member = _present_member(meeting, actor)
    else:
        if member.council_id != meeting.council_id:
            raise PermissionDenied(
                _("This person is not a member of the council and does not vote."), code="not_a_member"
            )
        if member.user_id != actor.pk:
            _require_runner(meeting.council, actor)
        if not Attendance.objects.filter(meeting=meeting, member=member, present=True).exists():
            raise PermissionDenied(_("Only the members present at the meeting vote."), code="not_present")
    _frozen_guard(meeting)
    if decision.method != DecisionMethod.VOTE or decision.outcome != Outcome.PENDING:
        raise Conflict(_("The vote on this decision is closed."), code="voting_closed")
    vote, _created = Vote.objects.update_or_create(
        decision=decision,
        member=member,
        defaults={"choice": choice, "region_id": decision.region_id, "recorded_by": actor},
    )
    return vote


@transaction.atomic
def decision_close(*, actor: User, decision: Decision) -> Decision:
    """Count the votes: adopted when more than half of the members present voted for."""
    meeting = decision.meeting
    _require_runner(meeting.council, actor)
    _frozen_guard(meeting)
    if decision.outcome != Outcome.PENDING:
        raise Conflict(_("The vote on this decision is closed."), code="voting_closed")
    if not meeting.quorum:
        raise Conflict(_("The meeting had no quorum: the council cannot decide."), code="no_quorum")
    choices = list(Vote.objects.filter(decision=decision).values_list("choice", flat=True))
    present = Attendance.objects.filter(meeting=meeting, present=True).count()
    decision.votes_for = choices.count(VoteChoice.FOR)
    decision.votes_against = choices.count(VoteChoice.AGAINST)
    decision.votes_abstained = choices.count(VoteChoice.ABSTAINED)
    decision.outcome = Outcome.ADOPTED if decision.votes_for * 2 > present else Outcome.REJECTED
    decision.save(update_fields=["votes_for", "votes_against", "votes_abstained", "outcome"])
    return decision


@transaction.atomic
def decision_executed(*, actor: User, decision: Decision, on: dt.date | None = None) -> Decision:
    _require_runner(decision.meeting.council, actor)
    if decision.outcome != Outcome.ADOPTED:
        raise Conflict(_("Only an adopted decision is executed."), code="decision_not_adopted")
    if decision.execution == Execution.DONE:
        raise Conflict(_("The decision is already marked executed."), code="decision_executed")
    decision.execution, decision.executed_at = Execution.DONE, on or _today()
    decision.save(update_fields=["execution", "executed_at"])
    return decision


# ---------------------------------------------------------------- minutes


@transaction.atomic
def minutes_save(*, actor: User, meeting: Meeting, text: str) -> Minutes:
    """The secretary writes the draft; changing it withdraws the approvals it had."""
    _require_secretary(meeting.council, actor)
    if meeting.status != MeetingStatus.HELD:
        raise Conflict(_("Record who attended first: minutes are of a held meeting."), code="meeting_not_held")
    text = _text(text, limit=20000, field=_("text of the minutes"))
    latest = Minutes.objects.select_for_update().filter(meeting=meeting).order_by("-version").first()
    if latest is not None and latest.status == MinutesStatus.FROZEN:
        raise Conflict(
            _("The minutes are approved and frozen; a correction is a new version of the minutes."),
            code="minutes_frozen",
        )
    if latest is None:
        minutes = Minutes.objects.create(meeting=meeting, region_id=meeting.region_id, text=text, drafted_by=actor)
        _ask_approval(minutes)
        return minutes
    if latest.text != text:
        latest.approvals.all().delete()
        latest.text, latest.drafted_by = text, actor
        latest.save(update_fields=["text", "drafted_by"])
    return latest


def _ask_approval(minutes: Minutes) -> None:
    """Tell the members present that a version waits for their approval (for a meeting of the
    last 30 days: older minutes entered afterwards are not news to anyone)."""
    meeting = minutes.meeting
    if meeting.starts_at < timezone.now() - dt.timedelta(days=30):
        return
    for attendance in Attendance.objects.filter(meeting=meeting, present=True).select_related("member__user"):
        notify(
            user=attendance.member.user,
            title=_("The minutes of meeting № %(n)s wait for your approval") % {"n": meeting.number},
            url=f"/coordination/meetings/{meeting.pk}/",
            key=f"coordination-minutes:{minutes.pk}",
        )


@transaction.atomic
def minutes_correct(*, actor: User, minutes: Minutes, text: str, reason: str) -> Minutes:
    """A correction of frozen minutes: a new draft version; the frozen one stays as it was."""
    _require_secretary(minutes.meeting.council, actor)
    latest = Minutes.objects.select_for_update().filter(meeting_id=minutes.meeting_id).order_by("-version").first()
    if latest is None or latest.pk != minutes.pk or minutes.status != MinutesStatus.FROZEN:
        raise Conflict(
            _("Only the latest approved version of the minutes is corrected; a draft is simply edited."),
            code="minutes_not_frozen",
        )
    corrected = Minutes.objects.create(
        meeting_id=minutes.meeting_id,
        region_id=minutes.region_id,
        version=minutes.version + 1,
        text=_text(text, limit=20000, field=_("text of the minutes")),
        correction_reason=_text(reason, limit=500, field=_("what is corrected")),
        drafted_by=actor,
    )
    _ask_approval(corrected)
    return corrected


@transaction.atomic
def minutes_approve(*, actor: User, minutes: Minutes) -> Minutes:
    """A member who attended approves the draft; when more than half of those present have, the
    minutes freeze. A meeting without a quorum has no minutes to approve."""
    minutes = Minutes.objects.select_for_update().select_related("meeting__council").get(pk=minutes.pk)
    meeting = minutes.meeting
    if minutes.status == MinutesStatus.FROZEN:
        raise Conflict(_("The minutes are already approved and frozen."), code="minutes_frozen")
    member = _present_member(meeting, actor)
    if not meeting.quorum:
        raise Conflict(_("The meeting had no quorum: its minutes cannot be approved."), code="no_quorum")
    if meeting.decisions.filter(outcome=Outcome.PENDING).exists():
        raise Conflict(_("Close the voting on every decision before approving the minutes."), code="voting_open")
    MinutesApproval.objects.get_or_create(minutes=minutes, member=member, defaults={"region_id": minutes.region_id})
    present = Attendance.objects.filter(meeting=meeting, present=True).count()
    if minutes.approvals.count() * 2 > present:
        minutes.status, minutes.frozen_at = MinutesStatus.FROZEN, timezone.now()
        minutes.save(update_fields=["status", "frozen_at"])
    return minutes


# ---------------------------------------------------------------- strategic tasks and pledges


@transaction.atomic
def task_create(
    *,
    actor: User,
    council: Council,
    title: str,
    goal: str,
    starts_on: dt.date,
    deadline: dt.date,
    responsible: Organization,
    decision: Decision | None = None,
    indicators=(),
) -> StrategicTask:
    """A task of the council with its responsible organization; the organization's part counts
    once a person of that organization accepts it."""
    _require_runner(council, actor)
    if deadline < starts_on:
        raise ValidationFailed(_("The deadline is before the start."), code="dates_order")
    if decision is not None and (decision.meeting.council_id != council.pk or decision.outcome != Outcome.ADOPTED):
        raise ValidationFailed(_("A task follows from an adopted decision of this council."), code="decision_invalid")
    task = StrategicTask.objects.create(
        council=council,
        region_id=council.region_id,
        decision=decision,
        title=_text(title, limit=300, field=_("task")),
        goal=_text(goal, limit=3000, field=_("goal")),
        starts_on=starts_on,
        deadline=deadline,
        created_by=actor,
    )
    task.indicators.set(list(indicators))
    _pledge(actor=actor, task=task, organization=responsible, part=Part.RESPONSIBLE)
    return task


def _pledge(
    *,
    actor: User,
    task: StrategicTask,
    organization: Organization,
    part: str,
    money_kopecks: int = 0,
    staff_hours: int = 0,
    venues: str = "",
    note: str = "",
) -> Participation:
    if part not in Part.values:
        raise ValidationFailed(_("Unknown part in a task."), code="part_invalid")
    if organization.region_id != task.region_id:
        raise ValidationFailed(_("The organization is not of the council's region."), code="organization_other_region")
    if not 0 <= money_kopecks <= KOPECKS_MAX or not 0 <= staff_hours <= STAFF_HOURS_MAX:
        raise ValidationFailed(_("The pledged resources are out of range."), code="pledge_out_of_range")
    own = represents(actor, organization, task.council)
    if not own and not runs_council(task.council, actor):
        raise PermissionDenied(
            _("You may pledge only your own organization's resources; another organization pledges its own."),
            code="pledge_for_other_organization",
        )
    if (
        part == Part.RESPONSIBLE
        and Participation.objects.filter(task=task, part=Part.RESPONSIBLE).exclude(organization=organization).exists()
    ):
        raise Conflict(_("The task already has its responsible organization."), code="responsible_taken")
    now = timezone.now()
    participation, _created = Participation.objects.update_or_create(
        task=task,
        organization=organization,
        defaults={
            "region_id": task.region_id,
            "part": part,
            "money_kopecks": money_kopecks,
            "staff_hours": staff_hours,
            "venues": _text(venues, limit=500, required=False),
            "note": _text(note, limit=500, required=False),
            "recorded_by": actor,
            "state": PledgeState.ACCEPTED if own else PledgeState.PROPOSED,
            "answered_by": actor if own else None,
            "answered_at": now if own else None,
        },
    )
    if not own:
        _ask_organization(participation)
    return participation


def _ask_organization(participation: Participation) -> None:
    task = participation.task
    for member in CouncilMember.objects.filter(
        council_id=task.council_id, organization_id=participation.organization_id
    ).select_related("user"):
        notify(
            user=member.user,
            title=_("The council asks your organization to take part in «%(task)s»") % {"task": task.title},
            body=_("Accept or decline the part and the resources recorded for your organization."),
            url=f"/coordination/tasks/{task.pk}/",
            key=f"coordination-pledge:{participation.pk}:{participation.money_kopecks}:{participation.staff_hours}",
        )


@transaction.atomic
def pledge_record(
    *,
    actor: User,
    task: StrategicTask,
    organization: Organization,
    part: str = Part.CO_EXECUTOR,
    money_kopecks: int = 0,
    staff_hours: int = 0,
    venues: str = "",
    note: str = "",
) -> Participation:
    """An organization's part and resources: accepted at once when a person of that organization
    records it; otherwise (the council's runners) a proposal that the organization answers."""
    if task.status not in OPEN_TASK:
        raise Conflict(_("The task is closed."), code="task_closed")
    return _pledge(
        actor=actor,
        task=task,
        organization=organization,
        part=part,
        money_kopecks=money_kopecks,
        staff_hours=staff_hours,
        venues=venues,
        note=note,
    )


PLEDGE_ROWS_MAX = 50


@transaction.atomic
def pledges_record(*, actor: User, task: StrategicTask, rows: list[dict]) -> list[Participation]:
    """Several organizations' parts and resources in one go, all or nothing: every row is checked
    as `pledge_record` checks one, and if any row is refused nothing is saved and the refusal names
    each bad row (``details["rows"]``: row number, code, message). A row's ``organization`` is None
    when it named no organization of the council's region."""
    if task.status not in OPEN_TASK:
        raise Conflict(_("The task is closed."), code="task_closed")
    if not rows:
        raise ValidationFailed(_("Fill in at least one organization."), code="pledge_rows_empty")
    if len(rows) > PLEDGE_ROWS_MAX:
        raise ValidationFailed(
            _("At most %(n)s organizations at once.") % {"n": PLEDGE_ROWS_MAX}, code="pledge_rows_too_many"
        )
    saved: list[Participation] = []
    errors: list[dict] = []
    seen: set[int] = set()
    for number, row in enumerate(rows, start=1):
        organization = row.get("organization")
        try:
            if organization is None:
                raise ValidationFailed(
                    _("No such organization in the council's region."), code="organization_not_found"
                )
            if organization.pk in seen:
                raise ValidationFailed(_("The organization is listed twice."), code="organization_twice")
            seen.add(organization.pk)
            with transaction.atomic():
                saved.append(
                    _pledge(
                        actor=actor,
                        task=task,
                        organization=organization,
                        part=row.get("part") or Part.CO_EXECUTOR,
                        money_kopecks=row.get("money_kopecks") or 0,
                        staff_hours=row.get("staff_hours") or 0,
                        venues=row.get("venues") or "",
                        note=row.get("note") or "",
                    )
                )
        except DomainError as exc:
            errors.append({"row": number, "code": exc.code, "message": exc.message})
    if errors:
        raise ValidationFailed(
            " ".join(_("Row %(row)s: %(message)s") % e for e in errors),
            code="pledge_rows_invalid",
            details={"rows": errors},
        )
    return saved


@transaction.atomic
def pledge_answer(*, actor: User, participation: Participation, accept: bool) -> Participation:
    participation = (
        Participation.objects.select_for_update()
        .select_related("task__council", "organization")
        .get(pk=participation.pk)
    )
    if not represents(actor, participation.organization, participation.task.council):
        raise PermissionDenied(
            _("Only a person of the organization answers for it."), code="pledge_for_other_organization"
        )
    if participation.state != PledgeState.PROPOSED:
        raise Conflict(_("The organization has already answered."), code="pledge_answered")
    participation.state = PledgeState.ACCEPTED if accept else PledgeState.DECLINED
    participation.answered_by, participation.answered_at = actor, timezone.now()
    participation.save(update_fields=["state", "answered_by", "answered_at"])
    return participation


def _require_task_actor(task: StrategicTask, user) -> None:
    if runs_council(task.council, user):
        return
    responsible = (
        task.participations.filter(part=Part.RESPONSIBLE, state=PledgeState.ACCEPTED)
        .select_related("organization")
        .first()
    )
    if responsible is None or not represents(user, responsible.organization, task.council):
        raise PermissionDenied(
            _("Only the responsible organization or the council's runners report on the task."),
            code="task_reporters_only",
        )


@transaction.atomic
def milestone_add(*, actor: User, task: StrategicTask, title: str, due: dt.date) -> Milestone:
    _require_task_actor(task, actor)
    if not task.starts_on <= due <= task.deadline:
        raise ValidationFailed(
            _("A milestone lies between the task's start and its deadline."), code="milestone_outside_task"
        )
    return Milestone.objects.create(
        task=task, region_id=task.region_id, title=_text(title, limit=300, field=_("milestone")), due=due
    )


@transaction.atomic
def milestone_reach(*, actor: User, milestone: Milestone, on: dt.date | None = None) -> Milestone:
    _require_task_actor(milestone.task, actor)
    if milestone.done_on is not None:
        raise Conflict(_("The milestone is already reached."), code="milestone_reached")
    milestone.done_on = on or _today()
    milestone.save(update_fields=["done_on"])
    return milestone


@transaction.atomic
def task_status_set(*, actor: User, task: StrategicTask, status: str, evidence: str = "") -> StrategicTask:
    """Progress of the work; «done» needs the evidence of the result (a report, a link, an order)."""
    _require_task_actor(task, actor)
    if status not in TaskStatus.values:
        raise ValidationFailed(_("Unknown task status."), code="status_invalid")
    evidence = _text(evidence, limit=3000, required=False)
    if status == TaskStatus.DONE and not (evidence or task.evidence):
        raise ValidationFailed(
            _("Describe the evidence of the result before marking the task done."), code="evidence_required"
        )
    if status == TaskStatus.CANCELLED:
        _require_runner(task.council, actor)
    task.status = status
    if evidence:
        task.evidence = evidence
    task.done_on = _today() if status == TaskStatus.DONE else None
    task.save(update_fields=["status", "evidence", "done_on"])
    return task


TASK_TEXT_FIELDS = ("title", "goal", "deadline")


@transaction.atomic
def task_edit(
    *,
    actor: User,
    task: StrategicTask,
    title: str,
    goal: str,
    deadline: dt.date,
    reason: str = "",
) -> StrategicTask:
    """Correct a task's title, description (goal) or deadline; every edit keeps what each field was
    (a `TaskRevision`), so a moved deadline is never silent."""
    _require_runner(task.council, actor)
    task = StrategicTask.objects.select_for_update().get(pk=task.pk)
    if task.status not in OPEN_TASK:
        raise Conflict(_("The task is closed; its text no longer changes."), code="task_closed")
    after = {
        "title": _text(title, limit=300, field=_("task")),
        "goal": _text(goal, limit=3000, field=_("goal")),
        "deadline": deadline,
    }
    if deadline < task.starts_on:
        raise ValidationFailed(_("The deadline is before the start."), code="dates_order")
    if task.milestones.filter(due__gt=deadline).exists():
        raise ValidationFailed(
            _("A milestone of the task falls after the new deadline; move the milestone first."),
            code="milestone_outside_task",
        )
    changes = {
        field: [str(getattr(task, field)), str(value)]
        for field, value in after.items()
        if getattr(task, field) != value
    }
    if not changes:
        raise ValidationFailed(_("Nothing has changed."), code="no_change")
    for field, value in after.items():
        setattr(task, field, value)
    task.save(update_fields=list(changes))
    TaskRevision.objects.create(
        task=task,
        region_id=task.region_id,
        changes=changes,
        reason=_text(reason, limit=500, required=False),
        changed_by=actor,
    )
    if "deadline" in changes:
        _tell_deadline_moved(task, actor)
    return task


def _tell_deadline_moved(task: StrategicTask, actor: User) -> None:
    """The organizations that accepted a part in the task hear that its deadline moved."""
    for part in task.participations.filter(state=PledgeState.ACCEPTED, answered_by__isnull=False).select_related(
        "answered_by"
    ):
        if part.answered_by is None or part.answered_by_id == actor.pk:
            continue
        notify(
            user=part.answered_by,
            title=_("The deadline of «%(task)s» is now %(date)s")
            % {"task": task.title, "date": task.deadline.strftime("%d.%m.%Y")},
            body=_("The council's runners changed the task; its history shows what was changed and why."),
            url=f"/coordination/tasks/{task.pk}/",
            key=f"coordination-deadline:{task.pk}:{task.deadline.isoformat()}",
        )


@transaction.atomic
def task_evidence_publish(*, actor: User, task: StrategicTask, text: str) -> StrategicTask:
    """Put the evidence of a task's result on the public accountability page. Evidence is typed
    freely and may name a person, so it is public only as a runner of the council has read (and,
    if need be, shortened) it; an empty text takes it off the page."""
    _require_runner(task.council, actor)
    task.public_evidence = _text(text, limit=3000, required=False)
    task.public_evidence_by = actor if task.public_evidence else None
    task.public_evidence_at = timezone.now() if task.public_evidence else None
    task.save(update_fields=["public_evidence", "public_evidence_by", "public_evidence_at"])
    return task


@transaction.atomic
def task_indicator_link(*, actor: User, task: StrategicTask, indicator, linked: bool = True) -> StrategicTask:
    _require_runner(task.council, actor)
    if indicator.region_id not in (None, task.region_id):
        raise ValidationFailed(_("The indicator is of another region."), code="indicator_other_region")
    (task.indicators.add if linked else task.indicators.remove)(indicator)
    return task


# ---------------------------------------------------------------- the daily step


def overdue_tasks_process(*, today: dt.date | None = None) -> int:
    """Every day: tell the responsible organization and the secretary of each overdue task (once a
    month), and carry overdue tasks and open decisions onto the next planned meeting's agenda."""
    today = today or _today()
    sent = 0
    overdue = StrategicTask.objects.filter(status__in=OPEN_TASK, deadline__lt=today).select_related("council")
    secretaries = {
        m.council_id: m.user
        for m in CouncilMember.objects.filter(role=MemberRole.SECRETARY, term_start__lte=today)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .select_related("user")
    }
    for task in overdue:
        people = {
            p.answered_by
            for p in task.participations.filter(part=Part.RESPONSIBLE, state=PledgeState.ACCEPTED).select_related(
                "answered_by"
            )
            if p.answered_by is not None
        }
        if task.council_id in secretaries:
            people.add(secretaries[task.council_id])
        for user in people:
            sent += notify(
                user=user,
                title=_("The council's task «%(task)s» is overdue") % {"task": task.title},
                body=_("The deadline was %(day)s. The task goes onto the agenda of the next meeting.")
                % {"day": f"{task.deadline:%d.%m.%Y}"},
                url=f"/coordination/tasks/{task.pk}/",
                key=f"coordination-overdue:{task.pk}:{today:%Y-%m}",
            )
    seen: set[int] = set()
    for meeting in Meeting.objects.filter(status=MeetingStatus.PLANNED, starts_at__gte=timezone.now()).order_by(
        "council_id", "starts_at"
    ):
        if meeting.council_id not in seen:
            seen.add(meeting.council_id)
            agenda_carry_over(meeting=meeting)
    return sent


@transaction.atomic
def discussion_post(*, actor: User, subject: tuple[str, int], region: Region, title: str, body: str) -> int:
    """A message in the discussion of a council's task or decision: the communities' thread of that
    subject (practices), made on first use. The caller has checked that the actor reads the subject."""
    return practices_network.subject_post(actor=actor, subject=subject, region=region, title=title[:200], body=body)
