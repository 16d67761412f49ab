"""Reads of the coordination council. Everything about a council starts from the scoping
mechanism (its members and the operators of its region), except the public accountability page,
which reads only what carries no personal data.

A task's progress is never typed: it is the mean, over the task's linked indicators, of how far
the region's value of the current year has come to the region's target (monitoring's values and
targets), capped at 100 %."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.errors import NotFound
from efs.monitoring.public import Indicator, Level, indicator_values, published_build
from efs.people.public import Organization, Region
from efs.practices.public import network as practices_network

from .access import get_visible, visible
from .models import (
    OPEN_TASK,
    Council,
    CouncilMember,
    Decision,
    Execution,
    Meeting,
    MeetingStatus,
    Milestone,
    Minutes,
    MinutesStatus,
    Outcome,
    Part,
    Participation,
    PledgeState,
    StrategicTask,
    TaskRevision,
    TaskStatus,
)

SOON_DAYS = 30  # a deadline this close with progress behind schedule puts the task at risk


def councils_visible(user):
    return visible(Council.objects.select_related("region"), user).order_by("region__code")


def council_for(user, pk: int) -> Council:
    return get_visible(Council.objects.select_related("region"), user, pk=pk)


def meeting_for(user, pk: int) -> Meeting:
    return get_visible(Meeting.objects.select_related("council__region"), user, pk=pk)


def decision_for(user, pk: int) -> Decision:
    return get_visible(Decision.objects.select_related("meeting__council"), user, pk=pk)


def minutes_for(user, pk: int) -> Minutes:
    return get_visible(Minutes.objects.select_related("meeting__council"), user, pk=pk)


def task_for(user, pk: int) -> StrategicTask:
    return get_visible(StrategicTask.objects.select_related("council__region", "decision__meeting"), user, pk=pk)


def task_revisions(task: StrategicTask, user):
    """The history of a task's text and deadline, newest first."""
    return visible(TaskRevision.objects.filter(task=task), user).select_related("changed_by")


def participation_for(user, pk: int) -> Participation:
    return get_visible(Participation.objects.select_related("task__council", "organization"), user, pk=pk)


def member_for(user, pk: int) -> CouncilMember:
    return get_visible(CouncilMember.objects.select_related("council", "user"), user, pk=pk)


def milestone_for(user, pk: int) -> Milestone:
    task_ids = visible(StrategicTask.objects.all(), user).values("pk")
    found = Milestone.objects.select_related("task__council").filter(pk=pk, task__in=task_ids).first()
    if found is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return found


def discussion(kind: str, pk: int) -> list:
    """The visible posts of a task's or a decision's discussion (the caller checked access to it)."""
    return practices_network.subject_posts((f"coordination.{kind}", pk))


def members(council: Council, user):
    """The council's members, all terms, through the scoping mechanism."""
    return (
        visible(CouncilMember.objects.filter(council=council), user)
        .select_related("user", "organization")
        .order_by("term_end", "role", "user__last_name", "pk")
    )


def in_office(council: Council, user, day: dt.date | None = None):
    day = day or timezone.localdate()
    return members(council, user).filter(term_start__lte=day).filter(Q(term_end__isnull=True) | Q(term_end__gte=day))


def meetings(council: Council, user):
    return (
        visible(Meeting.objects.filter(council=council), user)
        .annotate(items=Count("agenda", distinct=True), decided=Count("decisions", distinct=True))
        .order_by("-starts_at")
    )


def meeting_detail(meeting: Meeting, user) -> dict:
    """Agenda, attendance, decisions with their votes, and every version of the minutes."""
    from .models import AgendaItem, Attendance, MinutesApproval, Vote

    agenda = list(
        visible(AgendaItem.objects.filter(meeting=meeting), user).select_related(
            "speaker__user", "speaker__organization", "task", "indicator", "program", "carried_decision__meeting"
        )
    )
    attendance = list(
        visible(Attendance.objects.filter(meeting=meeting), user)
        .select_related("member__user", "member__organization")
        .order_by("-present", "member__user__last_name")
    )
    votes = (
        visible(Vote.objects.all(), user)
        .select_related("member__user", "member__organization")
        .order_by("member__user__last_name")
    )
    decisions = list(
        visible(Decision.objects.filter(meeting=meeting), user)
        .select_related("agenda_item")
        .prefetch_related(Prefetch("votes", queryset=votes), "tasks")
    )
    approvals = visible(MinutesApproval.objects.all(), user).select_related("member__user")
    versions = list(
        visible(Minutes.objects.filter(meeting=meeting), user)
        .select_related("drafted_by")
        .prefetch_related(Prefetch("approvals", queryset=approvals))
        .order_by("-version")
    )
    present = [a for a in attendance if a.present]
    return {
        "agenda": agenda,
        "attendance": attendance,
        "present": present,
        "decisions": decisions,
        "minutes": versions[0] if versions else None,
        "versions": versions,
        "approvals_needed": len(present) // 2 + 1,
        "frozen": any(v.status == MinutesStatus.FROZEN for v in versions[:1]),
    }


# ---------------------------------------------------------------- task progress


@dataclass(frozen=True)
class IndicatorProgress:
    code: str
    name: str
    value: str
    target: str
    status: str
    status_word: str
    share: float | None  # 0..1, None when the value or the target is missing


@dataclass
class TaskProgress:
    share: float | None
    indicators: list[IndicatorProgress] = field(default_factory=list)
    overdue: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons) and not self.overdue


class _Progressed(TypedDict):
    progress: TaskProgress


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    TaskWithProgress = WithAnnotations[StrategicTask, _Progressed]  # what with_progress gives


def _share(direction: str, value: float | None, target: float | None) -> float | None:
    if value is None or target is None:
        return None
    if direction == "down":
        share = 1.0 if value <= target else (target / value if value > 0 else 0.0)
    else:
        share = 1.0 if value >= target else (value / target if target > 0 else 0.0)
    return max(0.0, min(1.0, share))


def _indicator_progress(
    indicators: set[Indicator], region_ids: set[int], year: int
) -> dict[tuple[int, int], IndicatorProgress]:
    """One read of monitoring per indicator for all the regions concerned."""
    out = {}
    build = published_build()
    for indicator in indicators:
        found = (
            indicator_values(
                indicator=indicator, level=Level.REGION, period=str(year), unit_ids=sorted(region_ids), build=build
            )
            if build is not None
            else []
        )
        values = {v.unit_id: v for v in found}
        for region_id in region_ids:
            v = values.get(region_id)
            out[(indicator.pk, region_id)] = IndicatorProgress(
                code=indicator.code,
                name=indicator.name,
                value=v.display if v else "—",
                target=v.target_display if v else "—",
                status=v.status if v else "no_data",
                status_word=v.status_word if v else _("no data"),
                share=_share(indicator.direction, v.value, v.target) if v else None,
            )
    return out


def with_progress(tasks, today: dt.date | None = None) -> list[TaskWithProgress]:
    """The tasks (any iterable, prefetched or not) with `.progress` set: the indicators' shares,
    overdue, and the reasons the task is at risk."""
    today = today or timezone.localdate()
    tasks = list(tasks)
    if not tasks:
        return tasks
    indicators: set[Indicator] = set()
    for task in tasks:
        indicators |= set(task.indicators.all())
    region_ids = {t.region_id for t in tasks}
    per = _indicator_progress(indicators, region_ids, today.year) if indicators else {}
    for task in tasks:
        rows = [per[(ind.pk, task.region_id)] for ind in sorted(task.indicators.all(), key=lambda i: (i.order, i.code))]
        shares = [r.share for r in rows if r.share is not None]
        progress = TaskProgress(share=sum(shares) / len(shares) if shares else None, indicators=rows)
        if task.status in OPEN_TASK:
            progress.overdue = task.deadline < today
            progress.reasons = _risk_reasons(task, progress, rows, today)
        task.progress = progress
    return tasks


def _risk_reasons(
    task: StrategicTask, progress: TaskProgress, rows: list[IndicatorProgress], today: dt.date
) -> list[str]:
    reasons = []
    if progress.overdue:
        reasons.append(_("the deadline has passed"))
    behind = [r.name for r in rows if r.status == "behind"]
    if behind:
        reasons.append(_("behind the target: %(names)s") % {"names": "; ".join(behind)})
    late = [m.title for m in task.milestones.all() if m.done_on is None and m.due < today]
    if late:
        reasons.append(_("milestones missed: %(names)s") % {"names": "; ".join(late)})
    parts = list(task.participations.all())
    if not any(p.part == Part.RESPONSIBLE and p.state == PledgeState.ACCEPTED for p in parts):
        reasons.append(_("the responsible organization has not accepted the task"))
    span = (task.deadline - task.starts_on).days or 1
    elapsed = min(1.0, max(0.0, (today - task.starts_on).days / span))
    if progress.share is not None and (task.deadline - today).days <= SOON_DAYS and progress.share + 0.1 < elapsed:
        reasons.append(
            _("progress %(p)s %% with %(t)s %% of the time gone") % {"p": progress.percent, "t": round(elapsed * 100)}
        )
    return reasons


def tasks_board(council: Council, user, *, today: dt.date | None = None) -> list[TaskWithProgress]:
    parts = Participation.objects.select_related("organization", "answered_by").order_by("part", "organization__name")
    tasks = (
        visible(StrategicTask.objects.filter(council=council), user)
        .select_related("decision__meeting")
        .prefetch_related("indicators__versions", "milestones", Prefetch("participations", queryset=parts))
        .order_by("deadline", "pk")
    )
    return with_progress(tasks, today)


def responsibility_matrix(tasks: Sequence[StrategicTask]) -> dict:
    """Organizations × tasks: each cell the organization's part, its pledge and whether it accepted."""
    organizations: dict[int, Organization] = {}
    cells: dict[tuple[int, int], Participation] = {}
    for task in tasks:
        for p in task.participations.all():
            organizations[p.organization_id] = p.organization
            cells[(p.organization_id, task.pk)] = p
    orgs = sorted(organizations.values(), key=lambda o: (o.kind, o.short_name or o.name))
    rows = [
        {
            "organization": o,
            "cells": [cells.get((o.pk, t.pk)) for t in tasks],
            "money": sum(
                p.money_kopecks for (oid, _t), p in cells.items() if oid == o.pk and p.state == PledgeState.ACCEPTED
            ),
            "hours": sum(
                p.staff_hours for (oid, _t), p in cells.items() if oid == o.pk and p.state == PledgeState.ACCEPTED
            ),
        }
        for o in orgs
    ]
    return {"tasks": tasks, "rows": rows}


def council_summary(council: Council, user) -> dict:
    today = timezone.localdate()
    tasks = tasks_board(council, user, today=today)
    upcoming = (
        visible(Meeting.objects.filter(council=council, status=MeetingStatus.PLANNED), user)
        .order_by("starts_at")
        .first()
    )
    last = (
        visible(Meeting.objects.filter(council=council, status=MeetingStatus.HELD), user).order_by("-starts_at").first()
    )
    return {
        "tasks": tasks,
        "open_tasks": sum(1 for t in tasks if t.status in OPEN_TASK),
        "done_tasks": sum(1 for t in tasks if t.status == TaskStatus.DONE),
        "overdue": [t for t in tasks if t.progress.overdue],
        "at_risk": [t for t in tasks if t.progress.at_risk],
        "upcoming": upcoming,
        "last": last,
        "open_decisions": visible(
            Decision.objects.filter(meeting__council=council, outcome=Outcome.ADOPTED, execution=Execution.OPEN), user
        ).count(),
    }


# ---------------------------------------------------------------- the public accountability page


@dataclass(frozen=True)
class PublicDecision:
    meeting_number: int
    meeting_date: dt.date
    number: int
    text: str
    executed: bool
    executed_at: dt.date | None
    due_date: dt.date | None


@dataclass(frozen=True)
class PublicTask:
    pk: int
    title: str
    goal: str
    status: str
    status_label: str
    deadline: dt.date
    done_on: dt.date | None
    responsible: str
    co_executors: list[str]
    percent: int | None
    overdue: bool
    at_risk: bool
    evidence: str
    indicators: list[IndicatorProgress]


@dataclass(frozen=True)
class Accountability:
    region: Region
    council_name: str
    basis: str
    meetings_held: int
    decisions: list[PublicDecision]
    tasks: list[PublicTask]


def public_accountability(region: Region) -> Accountability | None:
    """What the region's council decided and what is done: adopted decisions, tasks with the
    organizations that carry them and their progress. No person's name, vote or minutes."""
    council = Council.objects.filter(region=region).first()
    if council is None:
        return None
    decisions = (
        Decision.objects.filter(meeting__council=council, outcome=Outcome.ADOPTED)
        .select_related("meeting")
        .order_by("-meeting__starts_at", "number")
    )
    parts = (
        Participation.objects.filter(state=PledgeState.ACCEPTED)
        .select_related("organization")
        .order_by("organization__name")
    )
    tasks = with_progress(
        StrategicTask.objects.filter(council=council)
        .exclude(status=TaskStatus.CANCELLED)
        .prefetch_related("indicators__versions", "milestones", Prefetch("participations", queryset=parts))
        .order_by("deadline", "pk")
    )
    return Accountability(
        region=region,
        council_name=council.name,
        basis=council.basis,
        meetings_held=Meeting.objects.filter(council=council, status=MeetingStatus.HELD).count(),
        decisions=[
            PublicDecision(
                meeting_number=d.meeting.number,
                meeting_date=timezone.localtime(d.meeting.starts_at).date(),
                number=d.number,
                text=d.text,
                executed=d.execution == Execution.DONE,
                executed_at=d.executed_at,
                due_date=d.due_date,
            )
            for d in decisions
        ],
        tasks=[
            PublicTask(
                pk=t.pk,
                title=t.title,
                goal=t.goal,
                status=t.status,
                status_label=t.get_status_display(),
                deadline=t.deadline,
                done_on=t.done_on,
                responsible=next((_org(p) for p in t.participations.all() if p.part == Part.RESPONSIBLE), ""),
                co_executors=[_org(p) for p in t.participations.all() if p.part == Part.CO_EXECUTOR],
                percent=t.progress.percent,
                overdue=t.progress.overdue,
                at_risk=t.progress.at_risk,
                evidence=t.public_evidence,  # only what a runner published: free text may name a person
                indicators=t.progress.indicators,
            )
            for t in tasks
        ],
    )


def _org(p: Participation) -> str:
    return p.organization.short_name or p.organization.name
