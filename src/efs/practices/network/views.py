"""Pages of the network part: communities, threads, events, blended courses, joint projects.
Thin: a form, one service or query, a render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efs import ics
from efs.errors import NotFound
from efs.http import AuthedRequest, int_param
from efs.people.access import ALL_ROLES, has_role, require_role
from efs.people.public import Macroregion, Region, User, home_region
from efs.web.actions import act, after, back_to, form_errors, form_page, on_object, submit

from .. import queries as bank_queries
from .. import services as bank_services
from ..access import affiliations, practice_visible
from . import queries, services
from .access import OPERATORS, oversees_region
from .forms import (
    AnswerForm,
    AttendanceForm,
    CheckForm,
    CommunityForm,
    ConfirmForm,
    CourseForm,
    DecideForm,
    EventForm,
    EvidenceForm,
    ModuleForm,
    OutputForm,
    PostForm,
    ProjectForm,
    ProjectPracticeForm,
    ReasonForm,
    StatusForm,
    TaskForm,
    ThreadForm,
)
from .models import Course, Event, JointProject, ModuleKind, Post, ProjectStatus


def _member_of_network(request) -> None:
    require_role(request.user, ALL_ROLES)


# ------------------------------------------------------------------ communities


@login_required
def community_list(request: AuthedRequest) -> HttpResponse:
    _member_of_network(request)
    search = request.GET.get("q", "")[:100].replace("\x00", "")
    page = queries.communities(request.user, search=search, page=int_param(request, "page") or 1)
    mine = queries.my_memberships(request.user, [c.pk for c in page.object_list])
    context = {
        "page": page,
        "q": search,
        "rows": [(c, mine.get(c.pk)) for c in page.object_list],
        "may_create": _may_open_here(request.user),
        "my_events": queries.my_events(request.user),
    }
    return render(request, "practices/network/communities.html", context)


def _may_open_here(user) -> bool:
    """What community_new and project_new check: an overseer of a region of their own (the
    federal operator has none, so is not offered the button that would refuse them)."""
    if not has_role(user, *OPERATORS):  # no query for everyone else
        return False
    region = home_region(user)
    return region is not None and oversees_region(user, region.pk)


@login_required
def community_new(request: AuthedRequest) -> HttpResponse:
    require_role(request.user, OPERATORS)
    region = home_region(request.user)
    if region is None or not oversees_region(request.user, region.pk):
        raise NotFound(_("Your login has no region of its own to open a community in."))
    form = CommunityForm(request.POST or None)
    return form_page(
        request,
        form,
        lambda data: services.community_create(
            actor=request.user,
            region=region,
            title=data["title"],
            description=data["description"],
            membership=data["membership"],
            macroregion=(
                Macroregion.objects.filter(regions=region).order_by("pk").first()
                if data["across_macroregion"]
                else None
            ),
        ),
        _("The community is open."),
        then=lambda community: redirect("practices:community", pk=community.pk),
        page=lambda status: render(
            request,
            "practices/network/form.html",
            {"form": form, "title": _("New network community"), "region": region},
            status=status,
        ),
    )


@login_required
def community(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.community(request.user, pk)
    moderator = queries.moderates(request.user, obj)
    readable = queries.reads_content(request.user, obj)
    membership = queries.my_memberships(request.user, [obj.pk]).get(obj.pk)
    context = {
        "c": obj,
        "moderator": moderator,
        "readable": readable,
        "membership": membership,
        "threads": queries.threads(request.user, obj, moderator=moderator) if readable else [],
        "events": queries.events(request.user, obj) if readable else [],
        "courses": queries.courses(request.user, obj) if readable else [],
        "pending": queries.pending_members(request.user, obj) if moderator else [],
        "moderators": queries.moderators(request.user, obj),
        "thread_form": ThreadForm(),
        "confirm_form": ConfirmForm(),
        "event_form": EventForm(),
        "course_form": CourseForm(),
    }
    return render(request, "practices/network/community.html", context)


@login_required
@require_POST
def community_join(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.community(request.user, pk)
    outcome = submit(
        request, ConfirmForm(request.POST), lambda _data: services.community_join(actor=request.user, community=obj)
    )
    if outcome:
        messages.success(
            request,
            _("You are a member.") if outcome.value.status == "active" else _("The request is sent to the moderators."),
        )
    return after(request, outcome, redirect("practices:community", pk=obj.pk))


@login_required
@require_POST
def member_decide(request: AuthedRequest, pk: int, member_pk: int) -> HttpResponse:
    obj = queries.community(request.user, pk)
    membership = next((m for m in queries.pending_members(request.user, obj) if m.pk == member_pk), None)
    if membership is None:
        raise NotFound(_("Not found, or you have no access to it."))
    outcome = submit(
        request,
        DecideForm(request.POST),
        lambda data: services.membership_decide(actor=request.user, membership=membership, approve=data["approve"]),
    )
    return after(request, outcome, redirect("practices:community", pk=obj.pk))


@login_required
@require_POST
def thread_new(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.community(request.user, pk)
    outcome = submit(
        request,
        ThreadForm(request.POST, request.FILES),
        lambda data: services.thread_create(
            actor=request.user, community=obj, title=data["title"], body=data["body"], files=data["files"]
        ),
    )
    if outcome:
        return redirect("practices:thread", pk=outcome.value.pk)
    return after(request, outcome, redirect("practices:community", pk=obj.pk))


# ------------------------------------------------------------------ threads


@login_required
def thread(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.thread(request.user, pk)
    if obj.community is None:
        raise NotFound(_("This discussion is shown on the page of its subject."))
    moderator = queries.moderates(request.user, obj.community)
    if obj.hidden_at is not None and not moderator:
        raise NotFound(_("Not found, or you have no access to it."))
    page = queries.posts(request.user, obj, page=int_param(request, "page") or 1)
    reports = queries.open_reports(request.user, obj) if moderator else {}
    for post in page.object_list:
        post.reports_count = reports.get(post.pk, 0)
    context = {
        "t": obj,
        "page": page,
        "moderator": moderator,
        "membership": queries.my_memberships(request.user, [obj.community.pk]).get(obj.community.pk),
        "post_form": PostForm(),
        "reason_form": ReasonForm(),
        # One reverse() per page, not three per post: the post's id goes between prefix and suffix.
        "posts_base": reverse("practices:thread_post_report", args=[1]).rsplit("1/report/", 1)[0],
        "files_base": reverse("practices:thread_attachment", args=[1]).rsplit("1/", 1)[0],
    }
    return render(request, "practices/network/thread.html", context)


@login_required
@require_POST
def thread_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.thread(request.user, pk)
    if obj.community is None:
        raise NotFound(_("This discussion is shown on the page of its subject."))
    outcome = submit(
        request,
        PostForm(request.POST, request.FILES),
        lambda data: services.post_create(actor=request.user, thread=obj, body=data["body"], files=data["files"]),
        _("The reply is posted."),
    )
    if outcome:
        last_page = (obj.posts_count + 1 + queries.POSTS_PER_PAGE - 1) // queries.POSTS_PER_PAGE
        return redirect(f"{reverse('practices:thread', args=[obj.pk])}?page={last_page}#end")
    return after(request, outcome, redirect("practices:thread", pk=obj.pk))


_TO_THREAD = back_to("practices:thread", "thread_id")


@login_required
@require_POST
@on_object(queries.post, ReasonForm, gettext_lazy("The message is hidden."), reply=_TO_THREAD)
def post_hide(request: AuthedRequest, post: Post, data: Mapping[str, Any]) -> object:
    return services.post_hide(actor=request.user, post=post, reason=data["reason"])


@login_required
@require_POST
@on_object(queries.post, ReasonForm, gettext_lazy("The moderators are told."), reply=_TO_THREAD)
def post_report(request: AuthedRequest, post: Post, data: Mapping[str, Any]) -> object:
    return services.post_report(actor=request.user, post=post, reason=data["reason"])


@login_required
def attachment(request: AuthedRequest, pk: int) -> FileResponse:
    obj = queries.attachment(request.user, pk)
    return FileResponse(obj.file.open("rb"), as_attachment=True, filename=obj.file_name)


# ------------------------------------------------------------------ events


def _event_form_values(cleaned) -> dict:
    data = dict(cleaned)
    data["ends_at"] = data["starts_at"] + dt.timedelta(minutes=data.pop("duration_minutes"))
    return data


@login_required
@require_POST
def event_new(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.community(request.user, pk)
    outcome = submit(
        request,
        EventForm(request.POST),
        lambda data: services.event_create(actor=request.user, community=obj, **_event_form_values(data)),
    )
    if outcome:
        return redirect("practices:event", pk=outcome.value.pk)
    return after(request, outcome, redirect("practices:community", pk=obj.pk))


@login_required
def event(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.event(request.user, pk)
    moderator = queries.moderates(request.user, obj.community)
    registrations = queries.registrations(request.user, obj) if moderator else []
    mine = queries.registration(request.user, obj)
    items = services.evidence_items(request.user) if mine and mine.attended and mine.evidence_id is None else []
    context = {
        "e": obj,
        "registration_open": obj.registration_deadline >= timezone.now() and obj.registered_count < obj.capacity,
        "moderator": moderator,
        "registrations": registrations,
        "mine": mine,
        "items": items,
        "attendance_form": AttendanceForm(
            registrations=registrations, initial={"attended": [r.user_id for r in registrations if r.attended]}
        ),
        "evidence_form": EvidenceForm(items=items),
        "confirm_form": ConfirmForm(),
    }
    return render(request, "practices/network/event.html", context)


@login_required
@require_POST
@on_object(
    queries.event,
    ConfirmForm,
    gettext_lazy("You are registered. Add the event to your calendar."),
    reply=back_to("practices:event"),
)
def event_register(request: AuthedRequest, event: Event, _data: Mapping[str, Any]) -> object:
    return services.event_register(actor=request.user, event=event)


@login_required
@require_POST
@on_object(
    queries.event, ConfirmForm, gettext_lazy("Your registration is cancelled."), reply=back_to("practices:event")
)
def event_unregister(request: AuthedRequest, event: Event, _data: Mapping[str, Any]) -> object:
    return services.event_unregister(actor=request.user, event=event)


@login_required
@require_POST
def event_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.event(request.user, pk)
    services.require_moderator(request.user, obj.community)
    outcome = submit(
        request,
        AttendanceForm(request.POST, registrations=queries.registrations(request.user, obj)),
        lambda data: services.attendance_record(actor=request.user, event=obj, attended_user_ids=set(data["attended"])),
    )
    if outcome:
        messages.success(request, _("Attendance is recorded: %(n)s came.") % {"n": outcome.value})
    return after(request, outcome, redirect("practices:event", pk=obj.pk))


@login_required
@require_POST
def event_evidence(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.event(request.user, pk)
    outcome = submit(
        request,
        EvidenceForm(request.POST, items=services.evidence_items(request.user, kinds=tuple(services.ItemKind.values))),
        lambda data: services.attendance_to_evidence(actor=request.user, event=obj, route_item_id=data["route_item"]),
        _("The attendance is sent to your tutor as evidence of the route activity."),
    )
    return after(request, outcome, redirect("practices:event", pk=obj.pk))


def calendar_event(request: HttpRequest, event_obj) -> ics.CalendarEvent:
    host = request.get_host().split(":")[0] or "efs"
    return ics.CalendarEvent(
        uid=f"network-event-{event_obj.pk}@{host}",
        starts_at=event_obj.starts_at,
        ends_at=event_obj.ends_at,
        summary=f"{event_obj.get_kind_display()}: {event_obj.title}",
        location=event_obj.online_link or event_obj.place,
        url=event_obj.online_link,
    )


@login_required
def event_ics(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.event(request.user, pk)
    body = ics.calendar([calendar_event(request, obj)], name=obj.community.title, product="network")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{obj.pk}.ics"'
    return response


# ------------------------------------------------------------------ blended courses


@login_required
@require_POST
def course_new(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.community(request.user, pk)
    outcome = submit(
        request,
        CourseForm(request.POST),
        lambda data: services.course_create(actor=request.user, community=obj, **data),
    )
    if outcome:
        return redirect("practices:course", pk=outcome.value.pk)
    return after(request, outcome, redirect("practices:community", pk=obj.pk))


@login_required
def course(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.course(request.user, pk)
    moderator = queries.moderates(request.user, obj.community)
    modules = queries.modules(obj)
    enrollment = queries.enrollment(request.user, obj)
    progress = {p.module_id: p for p in enrollment.progress.all()} if enrollment else {}
    context = {
        "course": obj,
        "modules": modules,
        "moderator": moderator,
        "enrollment": enrollment,
        "progress": progress,
        "learners": queries.learners(request.user, obj) if moderator else [],
        "module_form": ModuleForm(),
        "answer_form": AnswerForm(),
        "confirm_form": ConfirmForm(),
        "kinds": ModuleKind,
    }
    return render(request, "practices/network/course.html", context)


@login_required
@require_POST
def course_module_new(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.course(request.user, pk)
    outcome = submit(
        request, ModuleForm(request.POST), lambda data: services.module_add(actor=request.user, course=obj, **data)
    )
    return after(request, outcome, redirect("practices:course", pk=obj.pk))


@login_required
@require_POST
@on_object(queries.course, ConfirmForm, gettext_lazy("You are enrolled."), reply=back_to("practices:course"))
def course_enroll(request: AuthedRequest, course: Course, _data: Mapping[str, Any]) -> object:
    return services.course_enroll(actor=request.user, course=course)


@login_required
@require_POST
def course_submit(request: AuthedRequest, pk: int, module_pk: int) -> HttpResponse:
    obj = queries.course(request.user, pk)
    module = next((m for m in queries.modules(obj) if m.pk == module_pk), None)
    if module is None:
        raise NotFound(_("Not found, or you have no access to it."))
    outcome = submit(
        request,
        AnswerForm(request.POST),
        lambda data: services.module_submit(actor=request.user, module=module, answer=data["answer"]),
        _("The answer is sent to the moderator."),
    )
    return after(request, outcome, redirect("practices:course", pk=obj.pk))


@login_required
@require_POST
def course_check(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.course(request.user, pk)
    form = CheckForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("practices:course", pk=obj.pk)
    module = next((m for m in queries.modules(obj) if m.pk == form.cleaned_data["module"]), None)
    enrollment = queries.enrollment_visible(request.user, form.cleaned_data["enrollment"])
    if module is None or enrollment.course_id != obj.pk:
        raise NotFound(_("Not found, or you have no access to it."))
    outcome = act(
        request,
        lambda: services.module_check(
            actor=request.user,
            enrollment=enrollment,
            module=module,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
        ),
    )
    return after(request, outcome, redirect("practices:course", pk=obj.pk))


# ------------------------------------------------------------------ joint projects


@login_required
def project_list(request: AuthedRequest) -> HttpResponse:
    _member_of_network(request)
    status = request.GET.get("status", "")
    status = status if status in ProjectStatus.values else ""
    context = {
        "projects": queries.projects(request.user, status=status),
        "status": status,
        "statuses": ProjectStatus.choices,
        "may_create": _may_open_here(request.user),
    }
    return render(request, "practices/network/projects.html", context)


def _partner_regions(region: Region) -> list[int]:
    """Partners come from the macroregions the lead region belongs to."""
    ids = Region.objects.filter(macroregions__regions=region).exclude(pk=region.pk).values_list("pk", flat=True)
    return sorted(set(ids))


@login_required
def project_new(request: AuthedRequest) -> HttpResponse:
    require_role(request.user, OPERATORS)
    region = home_region(request.user)
    if region is None or not oversees_region(request.user, region.pk):
        raise NotFound(_("Your login has no region of its own to register a project in."))
    form = ProjectForm(request.POST or None, region_ids=[region.pk], partner_region_ids=_partner_regions(region))
    return form_page(
        request,
        form,
        lambda data: services.project_create(
            actor=request.user,
            lead_organization=data["lead_organization"],
            partners=tuple(data["partners"]),
            title=data["title"],
            goals=data["goals"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ),
        _("The joint project is registered."),
        then=lambda project: redirect("practices:project", pk=project.pk),
        page=lambda status: render(
            request,
            "practices/network/form.html",
            {"form": form, "title": _("New joint project"), "region": region},
            status=status,
        ),
    )


@login_required
def project(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.project(request.user, pk)
    practices = bank_queries.project_practices(obj)
    participants = {pp.organization_id for pp in obj.participants.all()}
    context = {
        "p": obj,
        "tasks": queries.project_tasks(request.user, obj),
        "outputs": queries.project_outputs(request.user, obj),
        "practices": practices["public"],
        "practices_preparing": practices["preparing"],
        "may_submit_practice": bool(participants & affiliations(request.user)),
        "practice_form": ProjectPracticeForm(),
        "editor": obj.coordinator_id == request.user.pk or oversees_region(request.user, obj.region_id),
        "task_form": TaskForm(),
        "output_form": OutputForm(),
        "status_form": StatusForm(initial={"status": obj.status}),
        "confirm_form": ConfirmForm(),
        "regions": sorted({pp.organization.region.name for pp in obj.participants.all()}),
    }
    return render(request, "practices/network/project.html", context)


@login_required
@require_POST
def project_task_new(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.project(request.user, pk)
    form = TaskForm(request.POST)
    if not form.is_valid():
        form_errors(request, form)
        return redirect("practices:project", pk=obj.pk)
    owner = User.objects.filter(username=form.cleaned_data["owner"], is_active=True).first()
    if owner is None:
        messages.error(request, _("No user with this login."))
        return redirect("practices:project", pk=obj.pk)
    outcome = act(
        request,
        lambda: services.project_task_add(
            actor=request.user,
            project=obj,
            title=form.cleaned_data["title"],
            owner=owner,
            deadline=form.cleaned_data["deadline"],
        ),
    )
    return after(request, outcome, redirect("practices:project", pk=obj.pk))


@login_required
@require_POST
def project_task_done(request: AuthedRequest, pk: int) -> HttpResponse:
    task = queries.project_task(request.user, pk)
    outcome = submit(
        request, ConfirmForm(request.POST), lambda _data: services.project_task_done(actor=request.user, task=task)
    )
    return after(request, outcome, redirect("practices:project", pk=task.project_id))


@login_required
@require_POST
@on_object(
    queries.project, OutputForm, gettext_lazy("The output is added."), reply=back_to("practices:project"), files=True
)
def project_output_new(request: AuthedRequest, project: JointProject, data: Mapping[str, Any]) -> object:
    return services.project_output_add(actor=request.user, project=project, title=data["title"], file=data["file"])


@login_required
def project_output(request: AuthedRequest, pk: int) -> FileResponse:
    obj = queries.project_output(request.user, pk)
    return FileResponse(obj.file.open("rb"), as_attachment=True, filename=obj.file_name)


@login_required
@require_POST
@on_object(queries.project, StatusForm, reply=back_to("practices:project"))
def project_status(request: AuthedRequest, project: JointProject, data: Mapping[str, Any]) -> object:
    return services.project_status_set(actor=request.user, project=project, status=data["status"])


@login_required
@require_POST
def project_practice_link(request: AuthedRequest, pk: int) -> HttpResponse:
    """Register a published bank card as the project's output."""
    obj = queries.project(request.user, pk)

    def link(data):
        return bank_services.practice_project_link(
            actor=request.user, practice=practice_visible(request.user, data["practice"]), project=obj
        )

    outcome = submit(
        request, ProjectPracticeForm(request.POST), link, _("The practice is registered as the project's output.")
    )
    return after(request, outcome, redirect("practices:project", pk=obj.pk))


@login_required
@require_POST
def project_practice_unlink(request: AuthedRequest, pk: int, practice_pk: int) -> HttpResponse:
    obj = queries.project(request.user, pk)
    item = practice_visible(request.user, practice_pk)
    if item.project_id != obj.pk:
        raise NotFound(_("Not found, or you have no access to it."))
    outcome = submit(
        request,
        ConfirmForm(request.POST),
        lambda _data: bank_services.practice_project_unlink(actor=request.user, practice=item),
        _("The practice is no longer listed among the project's outputs."),
    )
    return after(request, outcome, redirect("practices:project", pk=obj.pk))
