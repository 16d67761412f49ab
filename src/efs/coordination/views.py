"""Pages of the coordination council. Thin: a form in, one service or query out. A council is
seen by its members and the operators of its region; the accountability page by everyone."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efs.errors import NotFound, ValidationFailed
from efs.http import AuthedRequest, pdf_response
from efs.people.access import region_reach
from efs.people.public import Region, User
from efs.web.actions import Outcome as ActionOutcome
from efs.web.actions import Reply, act, after, answer, back_to, form_page, on_object, submit

from . import forms, queries, services
from .access import OPERATORS, visible
from .models import (
    AgendaItem,
    CouncilMember,
    Decision,
    Meeting,
    Milestone,
    Minutes,
    Outcome,
    Participation,
    PledgeState,
    StrategicTask,
)
from .programs.models import RegionalProgram


def _actor(request: HttpRequest) -> User:
    """The signed-in user (the view or operation requires a login)."""
    return cast(User, request.user)


# ---------------------------------------------------------------- councils


@login_required
def councils(request: AuthedRequest) -> HttpResponse:
    reach = region_reach(request.user, roles=OPERATORS)
    form = forms.CouncilForm(request.POST or None)

    def create(d):
        region = Region.objects.filter(pk=d["region"]).first()
        if region is None:
            raise NotFound(_("Not found, or you have no access to it."))
        return services.council_create(
            actor=request.user, region=region, name=d["name"], basis=d["basis"], address=d["address"]
        )

    def page(status: int) -> HttpResponse:
        items = list(queries.councils_visible(request.user))
        have = {c.region_id for c in items}
        without = [r for r in reach.regions().order_by("code") if r.pk not in have] if reach else []
        context = {"items": items, "without": without[:100], "form": form}
        return render(request, "coordination/councils.html", context, status=status)

    return form_page(
        request,
        form,
        create,
        then=lambda council: redirect("coordination:council", pk=council.pk),
        page=page,
        quiet=False,
    )


@login_required
def council(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.council_for(request.user, pk)
    context = {
        "council": item,
        "runs": services.runs_council(item, request.user),
        "me": services.member_in_office(item, request.user),
        **queries.council_summary(item, request.user),
    }
    context["in_office"] = list(queries.in_office(item, request.user))
    context["groups"] = list(item.groups.prefetch_related("members__user").select_related("leader__user"))
    return render(request, "coordination/council.html", context)


@login_required
def members(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.council_for(request.user, pk)
    form = forms.MemberForm(request.POST or None, region_id=item.region_id)

    def page(status: int) -> HttpResponse:
        today = timezone.localdate()
        rows = list(queries.members(item, request.user))
        context = {
            "council": item,
            "form": form,
            "runs": services.runs_council(item, request.user),
            "current": [m for m in rows if m.active_on(today)],
            "former": [m for m in rows if not m.active_on(today)],
        }
        return render(request, "coordination/members.html", context, status=status)

    return form_page(
        request,
        form,
        lambda d: services.member_add(
            actor=request.user,
            council=item,
            user=d["username"],
            organization=d["organization"],
            role=d["role"],
            term_start=d["term_start"],
            term_end=d["term_end"],
        ),
        _("The member is added to the council."),
        then=lambda _member: redirect("coordination:members", pk=item.pk),
        page=page,
        quiet=False,
    )


@login_required
@require_POST
@on_object(
    queries.member_for,
    forms.TermEndForm,
    gettext_lazy("The member's term is ended."),
    reply=back_to("coordination:members", "council_id"),
)
def member_end(request: AuthedRequest, member: CouncilMember, d: Mapping[str, Any]) -> object:
    return services.member_term_end(actor=request.user, member=member, term_end=d["term_end"])


@login_required
def groups(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.council_for(request.user, pk)
    office = queries.in_office(item, request.user)
    form = forms.GroupForm(request.POST or None, members=office)

    def page(status: int) -> HttpResponse:
        context = {
            "council": item,
            "form": form,
            "runs": services.runs_council(item, request.user),
            "groups": list(
                item.groups.prefetch_related("members__user", "members__organization").select_related("leader__user")
            ),
        }
        return render(request, "coordination/groups.html", context, status=status)

    return form_page(
        request,
        form,
        lambda d: services.group_create(
            actor=request.user,
            council=item,
            name=d["name"],
            purpose=d["purpose"],
            leader=d["leader"],
            members=list(d["members"]),
        ),
        _("The working group is created."),
        then=lambda _group: redirect("coordination:groups", pk=item.pk),
        page=page,
        quiet=False,
    )


# ---------------------------------------------------------------- meetings


@login_required
def meetings(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.council_for(request.user, pk)
    form = forms.MeetingForm(request.POST or None)

    def page(status: int) -> HttpResponse:
        context = {
            "council": item,
            "form": form,
            "runs": services.runs_council(item, request.user),
            "items": list(queries.meetings(item, request.user)),
        }
        return render(request, "coordination/meetings.html", context, status=status)

    return form_page(
        request,
        form,
        lambda d: services.meeting_schedule(
            actor=request.user, council=item, starts_at=d["starts_at"], place=d["place"]
        ),
        _("The meeting is scheduled; overdue tasks and open decisions are on its agenda."),
        then=lambda meeting: redirect("coordination:meeting", pk=meeting.pk),
        page=page,
        quiet=False,
    )


def _meeting_forms(meeting, user, data=None) -> dict:
    office = queries.in_office(meeting.council, user, timezone.localtime(meeting.starts_at).date())
    tasks = visible(StrategicTask.objects.filter(council=meeting.council), user)
    agenda = visible(AgendaItem.objects.filter(meeting=meeting), user)
    return {
        "agenda_form": forms.AgendaForm(
            data, members=office, tasks=tasks, programs=RegionalProgram.objects.filter(region=meeting.council.region_id)
        ),
        "attendance_form": forms.AttendanceForm(data, members=office),
        "decision_form": forms.DecisionForm(data, agenda=agenda),
    }


def _meeting_action(
    request: AuthedRequest,
    pk: int,
    form_name: str,
    call: Callable[[Meeting, Mapping[str, Any]], object],
    success: str,
) -> HttpResponse:
    """A POST of one of the meeting page's forms (its choices are the meeting's members, tasks
    and agenda): ``call(meeting, cleaned_data)`` is the service, then back to the meeting."""
    item = queries.meeting_for(request.user, pk)
    form = _meeting_forms(item, request.user, request.POST)[form_name]
    outcome = submit(request, form, lambda d: call(item, d), success)
    return after(request, outcome, redirect("coordination:meeting", pk=item.pk))


@login_required
def meeting(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.meeting_for(request.user, pk)
    detail = queries.meeting_detail(item, request.user)
    me = services.member_in_office(item.council, request.user, timezone.localtime(item.starts_at).date())
    context = {
        "meeting": item,
        "council": item.council,
        "runs": services.runs_council(item.council, request.user),
        "me": me,
        "secretary": me is not None and me.role == "secretary",
        "i_was_present": me is not None and any(a.member_id == me.pk for a in detail["present"]),
        "minutes_form": forms.MinutesForm(initial={"text": detail["minutes"].text} if detail["minutes"] else None),
        "correction_form": forms.CorrectionForm(
            initial={"text": detail["minutes"].text} if detail["minutes"] else None
        ),
        **detail,
        **_meeting_forms(item, request.user),
    }
    context["discussions"] = {d.pk: queries.discussion("decision", d.pk) for d in detail["decisions"]}
    context["discussion_form"] = forms.DiscussionForm()
    if me is not None:
        context["my_votes"] = {
            v.decision_id: v.choice for d in detail["decisions"] for v in d.votes.all() if v.member_id == me.pk
        }
    return render(request, "coordination/meeting.html", context)


@login_required
@require_POST
def agenda_add(request: AuthedRequest, pk: int) -> HttpResponse:
    return _meeting_action(
        request,
        pk,
        "agenda_form",
        lambda meeting, d: services.agenda_add(
            actor=request.user,
            meeting=meeting,
            title=d["title"],
            speaker=d["speaker"],
            materials=d["materials"],
            task=d["task"],
            indicator=d["indicator"],
            program=d["program"],
        ),
        _("The question is on the agenda."),
    )


@login_required
@require_POST
def attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    return _meeting_action(
        request,
        pk,
        "attendance_form",
        lambda meeting, d: services.attendance_record(actor=request.user, meeting=meeting, present=list(d["present"])),
        _("Attendance is recorded."),
    )


@login_required
@require_POST
def decision_add(request: AuthedRequest, pk: int) -> HttpResponse:
    return _meeting_action(
        request,
        pk,
        "decision_form",
        lambda meeting, d: services.decision_add(
            actor=request.user,
            meeting=meeting,
            text=d["text"],
            method=d["method"],
            agenda_item=d["agenda_item"],
            due_date=d["due_date"],
        ),
        _("The decision is recorded."),
    )


@login_required
@require_POST
def vote(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = queries.decision_for(request.user, pk)
    form = forms.VoteForm(request.POST)

    def cast_vote(d):
        member = None
        if d["member"]:
            member = queries.members(decision.meeting.council, request.user).filter(pk=d["member"]).first()
            if member is None:
                raise ValidationFailed(
                    _("This person is not a member of the council and does not vote."), code="not_a_member"
                )
        services.vote_record(actor=request.user, decision=decision, choice=d["choice"], member=member)

    outcome = submit(request, form, cast_vote, _("The vote is recorded."))
    return after(request, outcome, redirect("coordination:meeting", pk=decision.meeting_id))


@login_required
@require_POST
def decision_close(request: AuthedRequest, pk: int) -> HttpResponse:
    decision = queries.decision_for(request.user, pk)
    outcome = act(request, lambda: services.decision_close(actor=request.user, decision=decision))
    if outcome:
        messages.success(
            request, _("The vote is counted: %(outcome)s.") % {"outcome": outcome.value.get_outcome_display()}
        )
    return after(request, outcome, redirect("coordination:meeting", pk=decision.meeting_id))


@login_required
@require_POST
@on_object(
    queries.decision_for,
    forms.ExecutedForm,
    gettext_lazy("The decision is marked executed."),
    reply=back_to("coordination:meeting", "meeting_id"),
)
def decision_executed(request: AuthedRequest, decision: Decision, d: Mapping[str, Any]) -> object:
    return services.decision_executed(actor=request.user, decision=decision, on=d["on"])


# ---------------------------------------------------------------- minutes


@login_required
@require_POST
@on_object(
    queries.meeting_for,
    forms.MinutesForm,
    gettext_lazy("The draft of the minutes is saved."),
    reply=back_to("coordination:meeting"),
)
def minutes_save(request: AuthedRequest, meeting: Meeting, d: Mapping[str, Any]) -> object:
    return services.minutes_save(actor=request.user, meeting=meeting, text=d["text"])


@login_required
@require_POST
def minutes_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    minutes = queries.minutes_for(request.user, pk)
    outcome = act(request, lambda: services.minutes_approve(actor=request.user, minutes=minutes))
    if outcome:
        messages.success(
            request,
            _("The minutes are approved and frozen.")
            if outcome.value.status == "frozen"
            else _("Your approval is recorded."),
        )
    return after(request, outcome, redirect("coordination:meeting", pk=minutes.meeting_id))


@login_required
@require_POST
@on_object(
    queries.minutes_for,
    forms.CorrectionForm,
    gettext_lazy("A new version of the minutes is drafted; the approved one stays as it was."),
    reply=back_to("coordination:meeting", "meeting_id"),
)
def minutes_correct(request: AuthedRequest, minutes: Minutes, d: Mapping[str, Any]) -> object:
    return services.minutes_correct(actor=request.user, minutes=minutes, text=d["text"], reason=d["reason"])


@login_required
def minutes_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    minutes = queries.minutes_for(request.user, pk)
    meeting = minutes.meeting
    detail = queries.meeting_detail(meeting, request.user)
    context = {
        "minutes": minutes,
        "meeting": meeting,
        "council": meeting.council,
        **detail,
        "members_in_office": meeting.members_in_office,
    }
    return pdf_response(
        request, "coordination/minutes_pdf.html", context, f"protocol-{meeting.number}-v{minutes.version}.pdf"
    )


# ---------------------------------------------------------------- strategic tasks


@login_required
def tasks(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.council_for(request.user, pk)
    decisions = visible(
        Decision.objects.filter(meeting__council=item, outcome=Outcome.ADOPTED), request.user
    ).select_related("meeting")
    form = forms.TaskForm(request.POST or None, region_id=item.region_id, decisions=decisions)

    def page(status: int) -> HttpResponse:
        board = queries.tasks_board(item, request.user)
        context = {
            "council": item,
            "form": form,
            "runs": services.runs_council(item, request.user),
            "tasks": board,
            "matrix": queries.responsibility_matrix(board),
        }
        return render(request, "coordination/tasks.html", context, status=status)

    return form_page(
        request,
        form,
        lambda d: services.task_create(
            actor=request.user,
            council=item,
            title=d["title"],
            goal=d["goal"],
            starts_on=d["starts_on"],
            deadline=d["deadline"],
            responsible=d["responsible"],
            decision=d["decision"],
            indicators=list(d["indicators"]),
        ),
        _("The task is set; the responsible organization is asked to accept it."),
        then=lambda task: redirect("coordination:task", pk=task.pk),
        page=page,
        quiet=False,
    )


@login_required
def risks(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.council_for(request.user, pk)
    board = queries.tasks_board(item, request.user)
    return render(
        request,
        "coordination/risks.html",
        {
            "council": item,
            "overdue": [t for t in board if t.progress.overdue],
            "at_risk": [t for t in board if t.progress.at_risk],
        },
    )


@login_required
def task(request: AuthedRequest, pk: int) -> HttpResponse:
    return _task_page(request, pk)


def _task_answer(request: AuthedRequest, outcome: ActionOutcome, pk: int) -> HttpResponse:
    """Back to the task after success; after a refusal the task's page again with the
    refusal's status and message (its forms at hand to correct the input)."""
    return answer(
        outcome,
        then=lambda: redirect("coordination:task", pk=pk),
        again=lambda status: _task_page(request, pk, status),
    )


def _back_to_task(attribute: str = "pk") -> Reply[Any]:
    """The reply of ``_task_answer`` for an action on the task (or on a part of it: ``"task_id"``)."""
    return lambda request, obj, outcome: _task_answer(request, outcome, getattr(obj, attribute))


def _task_page(request: AuthedRequest, pk: int, status: int = 200) -> HttpResponse:
    item = queries.task_for(request.user, pk)
    board = [t for t in queries.tasks_board(item.council, request.user) if t.pk == item.pk]
    if not board:
        raise NotFound(_("Not found, or you have no access to it."))
    item = board[0]
    parts = list(item.participations.all())
    return render(
        request,
        "coordination/task.html",
        {
            "task": item,
            "council": item.council,
            "parts": parts,
            "runs": services.runs_council(item.council, request.user),
            "mine": [
                p
                for p in parts
                if p.state == PledgeState.PROPOSED and services.represents(request.user, p.organization, item.council)
            ],
            "pledge_form": forms.PledgeForm(region_id=item.region_id),
            "bulk_form": forms.BulkPledgeForm(region_id=item.region_id),
            "edit_form": forms.TaskEditForm(
                initial={"title": item.title, "goal": item.goal, "deadline": item.deadline}
            ),
            "publish_form": forms.EvidencePublishForm(initial={"text": item.public_evidence or item.evidence}),
            "revisions": list(queries.task_revisions(item, request.user)),
            "milestone_form": forms.MilestoneForm(),
            "status_form": forms.StatusForm(initial={"status": item.status, "evidence": item.evidence}),
            "indicator_form": forms.IndicatorLinkForm(),
            "posts": queries.discussion("task", item.pk),
            "discussion_form": forms.DiscussionForm(),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
@require_POST
def pledge(request: AuthedRequest, pk: int) -> HttpResponse:
    item = queries.task_for(request.user, pk)
    outcome = submit(
        request,
        forms.PledgeForm(request.POST, region_id=item.region_id),
        lambda d: services.pledge_record(
            actor=request.user,
            task=item,
            organization=d["organization"],
            part=d["part"],
            money_kopecks=d["money"] or 0,
            staff_hours=d["staff_hours"] or 0,
            venues=d["venues"],
            note=d["note"],
        ),
        _("The organization's part is recorded."),
    )
    return _task_answer(request, outcome, item.pk)


@login_required
@require_POST
def pledges_bulk(request: AuthedRequest, pk: int) -> HttpResponse:
    """Several organizations' pledges in one form: all are saved, or none and each bad row is named."""
    item = queries.task_for(request.user, pk)
    form = forms.BulkPledgeForm(request.POST, region_id=item.region_id)
    outcome = submit(
        request,
        form,
        lambda _d: services.pledges_record(actor=_actor(request), task=item, rows=form.rows()),
        _("The organizations' parts are recorded."),
    )
    return _task_answer(request, outcome, item.pk)


@login_required
@require_POST
@on_object(
    queries.task_for,
    forms.TaskEditForm,
    gettext_lazy("The task is changed; its previous text is kept in the history."),
    reply=_back_to_task(),
)
def task_edit(request: AuthedRequest, task: StrategicTask, d: Mapping[str, Any]) -> object:
    return services.task_edit(
        actor=_actor(request), task=task, title=d["title"], goal=d["goal"], deadline=d["deadline"], reason=d["reason"]
    )


@login_required
@require_POST
@on_object(
    queries.task_for,
    forms.EvidencePublishForm,
    gettext_lazy("The public accountability page is updated."),
    reply=_back_to_task(),
)
def task_evidence_publish(request: AuthedRequest, task: StrategicTask, d: Mapping[str, Any]) -> object:
    return services.task_evidence_publish(actor=_actor(request), task=task, text=d["text"])


@login_required
@require_POST
@on_object(
    queries.participation_for,
    forms.AnswerForm,
    gettext_lazy("The organization's answer is recorded."),
    reply=_back_to_task("task_id"),
)
def pledge_answer(request: AuthedRequest, part: Participation, d: Mapping[str, Any]) -> object:
    return services.pledge_answer(actor=request.user, participation=part, accept=d["accept"])


@login_required
@require_POST
@on_object(queries.task_for, forms.MilestoneForm, gettext_lazy("The milestone is added."), reply=_back_to_task())
def milestone_add(request: AuthedRequest, task: StrategicTask, d: Mapping[str, Any]) -> object:
    return services.milestone_add(actor=request.user, task=task, title=d["title"], due=d["due"])


@login_required
@require_POST
@on_object(
    queries.milestone_for,
    forms.ExecutedForm,
    gettext_lazy("The milestone is reached."),
    reply=_back_to_task("task_id"),
)
def milestone_reach(request: AuthedRequest, milestone: Milestone, d: Mapping[str, Any]) -> object:
    return services.milestone_reach(actor=request.user, milestone=milestone, on=d["on"])


@login_required
@require_POST
@on_object(queries.task_for, forms.StatusForm, gettext_lazy("The task's status is saved."), reply=_back_to_task())
def task_status(request: AuthedRequest, task: StrategicTask, d: Mapping[str, Any]) -> object:
    return services.task_status_set(actor=request.user, task=task, status=d["status"], evidence=d["evidence"])


@login_required
@require_POST
@on_object(
    queries.task_for,
    forms.IndicatorLinkForm,
    gettext_lazy("The task's indicators are saved."),
    reply=_back_to_task(),
)
def task_indicator(request: AuthedRequest, task: StrategicTask, d: Mapping[str, Any]) -> object:
    return services.task_indicator_link(actor=request.user, task=task, indicator=d["indicator"], linked=d["linked"])


# ---------------------------------------------------------------- discussions (the communities' threads)


@login_required
@require_POST
@on_object(
    queries.task_for,
    forms.DiscussionForm,
    gettext_lazy("Your message is in the discussion."),
    reply=_back_to_task(),
)
def task_discuss(request: AuthedRequest, task: StrategicTask, d: Mapping[str, Any]) -> object:
    return services.discussion_post(
        actor=request.user, subject=("coordination.task", task.pk), region=task.region, title=task.title, body=d["body"]
    )


@login_required
@require_POST
@on_object(
    queries.decision_for,
    forms.DiscussionForm,
    gettext_lazy("Your message is in the discussion."),
    reply=back_to("coordination:meeting", "meeting_id"),
)
def decision_discuss(request: AuthedRequest, decision: Decision, d: Mapping[str, Any]) -> object:
    return services.discussion_post(
        actor=request.user,
        subject=("coordination.decision", decision.pk),
        region=decision.meeting.council.region,
        title=str(decision) + " " + decision.text[:150],
        body=d["body"],
    )


# ---------------------------------------------------------------- public


def accountability(request: HttpRequest, code: str) -> HttpResponse:
    """Public, no login: what the region's council decided and what is done, without personal data."""
    region = Region.objects.filter(code=code).first()
    report = queries.public_accountability(region) if region else None
    if report is None:
        raise NotFound(_("This region has no coordination council on the platform."))
    return render(
        request,
        "coordination/accountability.html",
        {"report": report, "region": region, "council_url": reverse("coordination:councils")},
    )
