"""Pages of methodological support: consultations, private records and their shares,
the overview of heads and operators (counts and dates only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efs.diagnostics.public import current_deficits
from efs.errors import DomainError, NotFound, PermissionDenied
from efs.http import AuthedRequest, int_param, post_int
from efs.people import access
from efs.people.access import EDUCATOR_READERS
from efs.people.public import Role, assigned_educators
from efs.web.actions import Outcome, after, answer, back_to, form_page, on_object, submit

from . import caseloads as caseload_queries
from . import cycles as cycles_services
from . import effects as effects_queries
from . import ics, queries, rubric, services
from . import mentoring as mentoring_services
from .access import OVERSEERS
from .forms import (
    CancelForm,
    CapacityForm,
    ConfirmForm,
    ConsultationRecordForm,
    ConsultationRequestForm,
    CycleOpenForm,
    CycleTextForm,
    DecideForm,
    FeedbackForm,
    MeetingForm,
    MentorshipCreateForm,
    MovesForm,
    ObserveForm,
    PlanItemForm,
    RecordForm,
    ReflectForm,
    ScheduleForm,
    ShareForm,
)
from .models import (
    STAGE_ORDER,
    ChangeReason,
    Consultation,
    ConsultationStatus,
    CycleStage,
    Mentorship,
    MentorshipForm,
    MentorshipStatus,
    RecordKind,
)


def _me(request):
    return access.require_own_educator(request.user)


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, EDUCATOR_READERS)
    if not access.has_role(request.user, Role.TEACHER, Role.TUTOR, Role.MENTOR):
        return redirect("support:overview")
    me = access.own_educator(request.user)
    consultations = list(queries.consultations_visible(request.user)[:100])
    context = {
        "me": me,
        "waiting": [
            c for c in consultations if c.status == ConsultationStatus.REQUESTED and c.tutor_id == request.user.pk
        ],
        "consultations": consultations,
        "records": list(queries.records_visible(request.user)[:10]),
        # the mentoring page is for mentors, mentees and school heads; a tutor has none there
        "may_mentor": access.has_role(request.user, Role.TEACHER, Role.MENTOR, Role.SCHOOL_HEAD),
    }
    return render(request, "support/index.html", context)


@login_required
def consultation_new(request: AuthedRequest) -> HttpResponse:
    me = _me(request)
    deficits, items = services.consultation_subjects(me)
    form = ConsultationRequestForm(request.POST or None, deficits=deficits, items=items)
    return form_page(
        request,
        form,
        lambda data: services.consultation_request(
            actor=request.user,
            educator=me,
            topic=data["topic"],
            format=data["format"],
            preferred_times=data["preferred_times"],
            competency_id=form.subject_ids()[0],
            route_item_id=form.subject_ids()[1],
        ),
        _("The request is sent to your tutor."),
        then=lambda consultation: redirect("support:consultation", pk=consultation.pk),
        page=lambda status: render(
            request,
            "support/consultation_new.html",
            {"form": form, "me": me, "tutor": services.tutor_of(me)},
            status=status,
        ),
    )


def _consultation_context(request, consultation) -> dict:
    is_tutor = consultation.tutor_id == request.user.pk
    note = queries.consultation_note(request.user, consultation)
    initial = {}
    if note is not None:
        initial = {"notes": note.body, "outcome": note.outcome, "next_steps": note.next_steps}
    schedule_initial = {"duration_minutes": 45, "place": consultation.place, "online_link": consultation.online_link}
    if consultation.starts_at:
        schedule_initial["starts_at"] = consultation.starts_at
        schedule_initial["duration_minutes"] = int(
            (consultation.ends_at - consultation.starts_at).total_seconds() // 60
        )
    return {
        "c": consultation,
        "note": note,
        "is_tutor": is_tutor,
        "is_educator": consultation.educator.user_id == request.user.pk,
        "schedule_form": ScheduleForm(initial=schedule_initial),
        "record_form": ConsultationRecordForm(initial=initial),
        "cancel_form": CancelForm(),
        "confirm_form": ConfirmForm(),
    }


def _consultation_answer(request: AuthedRequest, obj, outcome: Outcome) -> HttpResponse:
    """Back to the consultation after success; after a refusal its page again with the status."""
    return answer(
        outcome,
        then=lambda: redirect("support:consultation", pk=obj.pk),
        again=lambda status: render(
            request,
            "support/consultation.html",
            _consultation_context(request, queries.consultation_visible(request.user, obj.pk)),
            status=status,
        ),
    )


@login_required
def consultation(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.consultation_visible(request.user, pk)
    return render(request, "support/consultation.html", _consultation_context(request, obj))


@login_required
@require_POST
@on_object(
    queries.consultation_visible,
    ScheduleForm,
    gettext_lazy("The consultation is scheduled; the educator is notified."),
    reply=_consultation_answer,
)
def consultation_schedule(request: AuthedRequest, obj: Consultation, data: Mapping[str, Any]) -> object:
    return services.consultation_schedule(actor=request.user, consultation=obj, **data)


@login_required
@require_POST
@on_object(
    queries.consultation_visible,
    ConsultationRecordForm,
    gettext_lazy("The notes are saved. Only you and the educator read them."),
    reply=_consultation_answer,
)
def consultation_record(request: AuthedRequest, obj: Consultation, data: Mapping[str, Any]) -> object:
    return services.consultation_record(actor=request.user, consultation=obj, **data)


@login_required
@require_POST
@on_object(
    queries.consultation_visible,
    CancelForm,
    gettext_lazy("The consultation is cancelled."),
    reply=_consultation_answer,
)
def consultation_cancel(request: AuthedRequest, obj: Consultation, data: Mapping[str, Any]) -> object:
    return services.consultation_cancel(actor=request.user, consultation=obj, reason=data["reason"])


@login_required
@require_POST
@on_object(
    queries.consultation_visible,
    ConfirmForm,
    gettext_lazy("The outcome is sent to the tutor as evidence of the route activity."),
    reply=_consultation_answer,
)
def consultation_evidence(request: AuthedRequest, obj: Consultation, _data: Mapping[str, Any]) -> object:
    return services.consultation_to_evidence(actor=request.user, consultation=obj)


def _ics_response(request, consultations, filename: str) -> HttpResponse:
    body = ics.calendar(consultations, host=request.get_host().split(":")[0] or "efs", name=_("Consultations"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def consultation_ics(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.consultation_visible(request.user, pk)
    if obj.starts_at is None:
        raise NotFound(_("The consultation has no date yet."), code="consultation_not_scheduled")
    return _ics_response(request, [obj], f"consultation-{obj.pk}.ics")


@login_required
def calendar_ics(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.TEACHER, Role.TUTOR])
    return _ics_response(request, queries.calendar(request.user), "consultations.ics")


# ---------------------------------------------------------------- private records


@login_required
def records(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, EDUCATOR_READERS)
    kind = request.GET.get("kind", "")
    kind = kind if kind in RecordKind.values else ""
    rows = list(queries.records_visible(request.user, kind=kind)[:200])
    return render(
        request,
        "support/records.html",
        {"records": rows, "kind": kind, "kinds": RecordKind.choices, "can_write": bool(_writable(request.user))},
    )


def _writable(user) -> list:
    """(educator, kinds) pairs the user may write records about: themselves and the people they support."""
    pairs = []
    me = access.own_educator(user)
    if me is not None:
        pairs.append(me)
    for role in (Role.TUTOR, Role.MENTOR):
        pairs.extend(assigned_educators(user, role=role))
    seen, result = set(), []
    for educator in pairs:
        if educator.pk in seen:
            continue
        seen.add(educator.pk)
        kinds = services.writable_kinds(user, educator)
        if kinds:
            result.append((educator, kinds))
    return result


@login_required
def record_new(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, EDUCATOR_READERS)
    writable = _writable(request.user)
    if not writable:
        return render(
            request, "web/error.html", {"error": DomainError(_("You have nobody to write records about."))}, status=403
        )
    kinds = sorted({k for _e, ks in writable for k in ks}, key=list(RecordKind.values).index)
    form = RecordForm(request.POST or None, educators=[e for e, _k in writable], kinds=kinds)
    return form_page(
        request,
        form,
        lambda data: services.record_create(
            actor=request.user,
            educator=next(e for e, _k in writable if e.pk == data["educator"]),
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
        ),
        _("The record is saved. It is private: share it if you want someone else to read it."),
        then=lambda record: redirect("support:record", pk=record.pk),
        page=lambda status: render(request, "support/record_new.html", {"form": form}, status=status),
    )


@login_required
def record(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.record_visible(request.user, pk)
    is_owner = obj.educator.user_id == request.user.pk
    context = {"record": obj, "is_owner": is_owner, "shares": [], "share_form": None, "confirm_form": ConfirmForm()}
    if is_owner:
        context["shares"] = list(obj.shares.all())  # record_visible has read the owner's shares
        context["share_form"] = ShareForm(candidates=services.share_candidates(obj.educator))
    return render(request, "support/record.html", context)


@login_required
@require_POST
def record_share(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.record_visible(request.user, pk)
    if obj.educator.user_id != request.user.pk:
        raise PermissionDenied(_("Only the educator the record belongs to shares it."), code="record_not_owner")
    form = ShareForm(request.POST, candidates=services.share_candidates(obj.educator))
    outcome = submit(
        request,
        form,
        lambda data: services.record_share(actor=request.user, record=obj, user_id=data["user"]),
        _("The record is shared. You can revoke it at any time."),
    )
    return after(request, outcome, redirect("support:record", pk=obj.pk))


@login_required
@require_POST
def record_revoke(request: AuthedRequest, pk: int, share_pk: int) -> HttpResponse:
    obj = queries.record_visible(request.user, pk)
    outcome = submit(
        request,
        ConfirmForm(request.POST),
        lambda _data: services.record_unshare(actor=request.user, record=obj, share_id=share_pk),
        _("Access is revoked."),
    )
    return after(request, outcome, redirect("support:record", pk=obj.pk))


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, OVERSEERS)
    data = queries.overview(request.user, page=int_param(request, "page") or 1)
    return render(
        request,
        "support/overview.html",
        {
            "o": data,
            "kinds": queries.KIND_ORDER,
            "statuses": queries.STATUS_ORDER,
            "kind_labels": dict(RecordKind.choices),
            "status_labels": dict(ConsultationStatus.choices),
        },
    )


# ---------------------------------------------------------------- mentorship


def _school_staff(user):
    return list(
        assigned_educators(user, role=Role.SCHOOL_HEAD)
        .filter(is_active=True)
        .order_by("last_name", "first_name", "pk")[:1000]
    )


@login_required
def mentoring(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.TEACHER, Role.MENTOR, Role.SCHOOL_HEAD])
    context: dict = {
        "mine": list(queries.mentorships_mine(request.user)[:200]),
        "is_head": access.has_role(request.user, Role.SCHOOL_HEAD),
    }
    if context["is_head"]:
        staff = _school_staff(request.user)
        context.update(
            school=queries.school_mentoring(request.user),
            young=[
                e
                for org in queries.head_organizations(request.user)
                for e in mentoring_services.young_without_mentor(org)
            ],
            create_form=MentorshipCreateForm(mentors=[e for e in staff if e.user_id], mentees=staff),
            decide_form=DecideForm(),
            confirm_form=ConfirmForm(),
            today=timezone.localdate(),
            form_labels=dict(MentorshipForm.choices),
            status_labels=dict(MentorshipStatus.choices),
        )
    return render(request, "support/mentoring.html", context)


@login_required
@require_POST
def mentoring_propose(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.SCHOOL_HEAD])
    made = 0
    if ConfirmForm(request.POST).is_valid():
        for org in queries.head_organizations(request.user):
            made += len(mentoring_services.mentors_propose(actor=request.user, organization_id=org))
    messages.info(request, _("Mentors proposed: %(n)s. Confirm or decline each proposal.") % {"n": made})
    return redirect("support:mentoring")


@login_required
@require_POST
@on_object(
    queries.mentorship_of_school,
    DecideForm,
    gettext_lazy("The decision is saved; the mentor and the mentee are notified."),
    reply=lambda request, _obj, outcome: after(request, outcome, redirect("support:mentoring")),
)
def mentorship_decide(request: AuthedRequest, obj: Mentorship, data: Mapping[str, Any]) -> object:
    return mentoring_services.mentorship_decide(actor=request.user, mentorship=obj, accept=data["accept"])


@login_required
@require_POST
def mentorship_create(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.SCHOOL_HEAD])
    staff = _school_staff(request.user)
    form = MentorshipCreateForm(request.POST, mentors=[e for e in staff if e.user_id], mentees=staff)
    by_pk = {e.pk: e for e in staff}
    outcome = submit(
        request,
        form,
        lambda data: mentoring_services.mentorship_create(
            actor=request.user,
            mentor_educator=by_pk[data["mentor"]],
            mentees=[by_pk[pk] for pk in data["mentees"]],
            form=data["form"],
            group_name=data["group_name"],
        ),
        _("The mentorship is set up; the mentor and the mentee are notified."),
    )
    return after(request, outcome, redirect("support:mentoring"))


@login_required
def mentorship(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.mentorship_visible(request.user, pk)
    is_mentor = obj.mentor_id == request.user.pk
    context = {
        "m": obj,
        "is_mentor": is_mentor,
        "is_mentee": obj.mentee.user_id == request.user.pk,
        "plan_form": PlanItemForm(deficits=current_deficits(educator_id=obj.mentee_id)),
        "meeting_form": MeetingForm(initial={"held_on": timezone.localdate(), "minutes": 45}),
        "feedback_form": FeedbackForm(),
        "confirm_form": ConfirmForm(),
        "notes": queries.readable_meeting_notes(request.user, [obj]),
        "today": timezone.localdate(),
    }
    return render(request, "support/mentorship.html", context)


@login_required
@require_POST
def mentorship_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.mentorship_visible(request.user, pk)
    form = PlanItemForm(request.POST, deficits=current_deficits(educator_id=obj.mentee_id))
    outcome = submit(
        request,
        form,
        lambda data: mentoring_services.plan_add(
            actor=request.user,
            mentorship=obj,
            kind=data["kind"],
            title=data["title"],
            due_on=data["due_on"],
            competency_id=data["competency"],
        ),
    )
    return after(request, outcome, redirect("support:mentorship", pk=obj.pk))


@login_required
@require_POST
def mentorship_plan_done(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    obj = queries.mentorship_visible(request.user, pk)
    item = next((i for i in obj.plan.all() if i.pk == item_pk), None)
    if item is None:
        raise NotFound(_("Not found, or you have no access to it."))
    outcome = submit(
        request, ConfirmForm(request.POST), lambda _data: mentoring_services.plan_done(actor=request.user, item=item)
    )
    return after(request, outcome, redirect("support:mentorship", pk=obj.pk))


@login_required
@require_POST
@on_object(
    queries.mentorship_visible,
    MeetingForm,
    gettext_lazy("The meeting is in the log."),
    reply=back_to("support:mentorship"),
)
def mentorship_meeting(request: AuthedRequest, obj: Mentorship, data: Mapping[str, Any]) -> object:
    return mentoring_services.meeting_log(actor=request.user, mentorship=obj, **data)


@login_required
@require_POST
@on_object(
    queries.mentorship_visible,
    FeedbackForm,
    gettext_lazy("Thank you: the mentorship is finished, your feedback is with the mentor."),
    reply=back_to("support:mentorship"),
)
def mentorship_feedback(request: AuthedRequest, obj: Mentorship, data: Mapping[str, Any]) -> object:
    return mentoring_services.mentorship_feedback(
        actor=request.user, mentorship=obj, text=data["text"], rating=data["rating"]
    )


# ---------------------------------------------------------------- reflective cycles


@login_required
def cycles(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.TEACHER, Role.TUTOR, Role.MENTOR])
    return render(
        request,
        "support/cycles.html",
        {"cycles": list(queries.cycles_visible(request.user)[:200]), "me": access.own_educator(request.user)},
    )


@login_required
def cycle_new(request: AuthedRequest) -> HttpResponse:
    me = _me(request)
    deficits, items = services.consultation_subjects(me)
    form = CycleOpenForm(request.POST or None, deficits=deficits, items=items)
    return form_page(
        request,
        form,
        lambda data: cycles_services.cycle_open(
            actor=request.user,
            educator=me,
            competency_id=form.subject_ids()[0],
            route_item_id=form.subject_ids()[1],
        ),
        then=lambda cycle: redirect("support:cycle", pk=cycle.pk),
        page=lambda status: render(request, "support/cycle_new.html", {"form": form}, status=status),
    )


def _stage_form(cycle, data=None):
    if cycle.stage in (CycleStage.PLAN, CycleStage.ACT):
        return CycleTextForm(data)
    if cycle.stage == CycleStage.OBSERVE:
        return ObserveForm(data)
    if cycle.stage == CycleStage.REFLECT:
        return ReflectForm(data, prompts=cycles_services.REFLECT_PROMPTS)
    return None


@login_required
def cycle(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.cycle_visible(request.user, pk)
    records = queries.cycle_records(request.user, obj)
    is_self = obj.educator.user_id == request.user.pk
    observer_turn = obj.stage == CycleStage.OBSERVE and not is_self
    context = {
        "c": obj,
        "records": records,
        "is_self": is_self,
        "stages": STAGE_ORDER,
        "form": _stage_form(obj) if (is_self and obj.stage != CycleStage.OBSERVE) or observer_turn else None,
        "reflected": CycleStage.REFLECT in records
        or (obj.stage == CycleStage.REFLECT and obj.records.filter(cycle_stage=CycleStage.REFLECT).exists()),
        "confirm_form": ConfirmForm(),
        "rubric": rubric.rubric(),
    }
    if context["reflected"]:
        context["form"] = None
    return render(request, "support/cycle.html", context)


@login_required
@require_POST
def cycle_step(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.cycle_visible(request.user, pk)
    form = _stage_form(obj, request.POST)
    if form is None:
        raise PermissionDenied(_("The cycle is closed."), code="cycle_closed")

    def step(data):
        if obj.stage == CycleStage.PLAN:
            return cycles_services.cycle_plan(actor=request.user, cycle=obj, text=data["text"])
        if obj.stage == CycleStage.ACT:
            return cycles_services.cycle_act(actor=request.user, cycle=obj, text=data["text"])
        if obj.stage == CycleStage.OBSERVE:
            return cycles_services.cycle_observe(
                actor=request.user, cycle=obj, levels=form.levels(), notes=data["notes"]
            )
        return cycles_services.cycle_reflect(actor=request.user, cycle=obj, answers=data)

    outcome = submit(
        request, form, step, _("Saved. Only the educator and the author read it unless the educator shares it.")
    )
    return after(request, outcome, redirect("support:cycle", pk=obj.pk))


@login_required
@require_POST
def cycle_close(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.cycle_visible(request.user, pk)
    outcome = submit(
        request,
        ConfirmForm(request.POST),
        lambda _data: cycles_services.cycle_close(actor=request.user, cycle=obj),
        _("The cycle is closed on the re-diagnosis."),
    )
    return after(request, outcome, redirect("support:cycle", pk=obj.pk))


# ---------------------------------------------------------------- caseloads (the ЦНППМ head)


@login_required
def caseloads(request: AuthedRequest) -> HttpResponse:
    data = caseload_queries.caseloads(
        request.user, region_id=int_param(request, "region"), propose_now=request.GET.get("propose") == "1"
    )
    return render(
        request,
        "support/caseloads.html",
        {"c": data, "reasons": dict(ChangeReason.choices), "moves_max": caseload_queries.MOVES_MAX},
    )


def _back_to_caseloads(region_id: int | None, *, propose: bool = False) -> HttpResponseRedirect:
    response = redirect("support:caseloads")
    query = [f"region={region_id}"] if region_id else []
    if propose:  # after a confirmed batch the head sees the next one
        query.append("propose=1")
    if query:
        response["Location"] += "?" + "&".join(query)
    return response


@login_required
@require_POST
def caseload_capacity(request: AuthedRequest) -> HttpResponse:
    region_id = caseload_queries.head_region(request.user, post_int(request, "region") or None)
    form = CapacityForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: caseload_queries.capacity_set(
            actor=request.user,
            region_id=region_id,
            tutor_id=data["tutor"],
            capacity=data["capacity"],
        ),
        _("The capacity is saved."),
    )
    return after(request, outcome, _back_to_caseloads(region_id))


@login_required
@require_POST
def caseload_moves(request: AuthedRequest) -> HttpResponse:
    region_id = caseload_queries.head_region(request.user, post_int(request, "region") or None)
    form = MovesForm(request.POST)
    outcome = submit(
        request,
        form,
        lambda data: caseload_queries.caseload_move(
            actor=request.user, region_id=region_id, moves=data["moves"], note=data["note"], proposed=True
        ),
    )
    if outcome:
        messages.success(
            request, _("Educators reassigned: %(n)s. They and their tutors are notified.") % {"n": len(outcome.value)}
        )
    return after(request, outcome, _back_to_caseloads(region_id, propose=True))


@login_required
def effects(request: AuthedRequest) -> HttpResponse:
    region_id = caseload_queries.head_region(request.user, int_param(request, "region"))
    rows, control, computed = effects_queries.effects(region_id)
    return render(
        request,
        "support/effects.html",
        {
            "rows": rows,
            "control": control,
            "computed": computed,
            "region_id": region_id,
            "min_n": effects_queries.MIN_EPISODES,
        },
    )
