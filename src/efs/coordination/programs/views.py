"""Pages of regional programs and macroregions. Thin: a form in, one service or query out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from efs.coordination import queries as council_queries
from efs.coordination import services as council_services
from efs.coordination.forms import DiscussionForm
from efs.errors import NotFound
from efs.http import AuthedRequest
from efs.people import access
from efs.people.public import Macroregion, Role
from efs.web.actions import act, after, back_to, form_page, on_object, submit

from . import forms, queries, services, starter
from .access import DRAFTERS, FEDERAL, is_federal, macroregions_of
from .models import (
    JointGoal,
    MacroregionProject,
    ProgramTemplate,
    RegionalProgram,
    RegionalProgramVersion,
    VersionStatus,
)

READ_ROLES = DRAFTERS | {Role.EXPERT}


def _detail_url(version: RegionalProgramVersion) -> str:
    return reverse("coordination:program_detail", args=[version.program_id]) + f"?version={version.number}"


@login_required
def program_list(request: AuthedRequest) -> HttpResponse:
    """The programs of the user's regions (the federal operator: all), and a new one."""
    access.require_role(request.user, READ_ROLES)
    regions = access.region_reach(request.user, roles=DRAFTERS).regions().order_by("name")
    form = forms.ProgramForm(request.POST or None, regions=regions)
    if request.method == "POST":
        access.require_role(request.user, DRAFTERS)

    def page(status: int) -> HttpResponse:
        context = {
            "programs": list(queries.programs_visible(request.user).prefetch_related("versions")),
            "reviews": list(queries.reviews_of_expert(request.user))
            if access.has_role(request.user, Role.EXPERT)
            else [],
            "form": form if access.has_role(request.user, *DRAFTERS) else None,
            "template": services.current_template(),
            "federal": is_federal(request.user),
            "may_draft": access.has_role(request.user, *DRAFTERS),
        }
        return render(request, "coordination/programs/list.html", context, status=status)

    return form_page(
        request,
        form,
        lambda d: services.program_create(
            actor=request.user, region=d["region"], title=d["title"], year_from=d["year_from"], year_to=d["year_to"]
        ),
        _("The program is created: fill in its first version."),
        then=lambda program: redirect("coordination:program_detail", pk=program.pk),
        page=page,
    )


@login_required
def program_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    program = queries.program_get(request.user, pk)
    versions = list(program.versions.select_related("template", "created_by").order_by("-number"))
    wanted = request.GET.get("version", "")
    version = next((v for v in versions if str(v.number) == wanted), versions[0] if versions else None)
    if version is None:
        raise NotFound(_("The program has no version."))
    view = queries.version_view(version)
    may_edit = version.editable and access.may_act_on_region(request.user, program.region_id, roles=DRAFTERS)
    federal = is_federal(request.user)
    item_forms = {}
    if may_edit:
        item_forms = {kind: cls(version=version, view=view, prefix=kind) for kind, cls in forms.ITEM_FORMS.items()}
        item_forms["summary"] = forms.SummaryForm(
            initial={"summary": version.summary, "educators_covered": version.educators_covered}, prefix="summary"
        )
    reviews = list(version.reviews.select_related("expert").order_by("assigned_at"))
    context = {
        "program": program,
        "versions": versions,
        "version": version,
        "view": view,
        "may_edit": may_edit,
        "federal": federal,
        "item_forms": item_forms,
        "reviews": reviews,
        "may_new": not any(
            v.status in (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.IN_REVIEW) for v in versions
        ),
        "experts_form": forms.ExpertsForm()
        if federal and version.status in (VersionStatus.SUBMITTED, VersionStatus.IN_REVIEW)
        else None,
        "decision_form": forms.DecisionForm() if federal and version.status == VersionStatus.IN_REVIEW else None,
        "new_form": forms.NewVersionForm(),
        "criteria": version.template.criteria,
        "posts": council_queries.discussion("program", program.pk),
        "discussion_form": DiscussionForm(),
    }
    return render(request, "coordination/programs/detail.html", context)


@login_required
@require_POST
@on_object(
    queries.program_get,
    DiscussionForm,
    gettext_lazy("Your message is in the discussion."),
    reply=back_to("coordination:program_detail"),
)
def program_discuss(request: AuthedRequest, program: RegionalProgram, d: Mapping[str, Any]) -> object:
    """A message in the program's discussion (the communities' thread of the program, as for tasks)."""
    return council_services.discussion_post(
        actor=request.user,
        subject=("coordination.program", program.pk),
        region=program.region,
        title=program.title,
        body=d["body"],
    )


@login_required
@require_POST
def program_item_add(request: AuthedRequest, pk: int) -> HttpResponse:
    version = queries.version_visible(request.user, pk)
    kind = request.POST.get("kind", "")
    if kind == "summary":
        submit(
            request,
            forms.SummaryForm(request.POST, prefix="summary"),
            lambda d: services.version_summary_set(
                actor=request.user, version=version, summary=d["summary"], educators_covered=d["educators_covered"]
            ),
            _("Saved."),
        )
        return redirect(_detail_url(version))
    if kind not in forms.ITEM_FORMS:
        messages.error(request, _("Unknown kind of item."))
        return redirect(_detail_url(version))
    form = forms.ITEM_FORMS[kind](request.POST, version=version, view=queries.version_view(version), prefix=kind)

    def add(_data):
        item, goal, task = form.item()
        return services.version_item_add(
            actor=request.user, version=version, kind=kind, item=item, goal=goal, task=task
        )

    submit(request, form, add, _("Added."))
    return redirect(_detail_url(version))


@login_required
@require_POST
@on_object(
    queries.version_visible,
    forms.RemoveForm,
    gettext_lazy("Removed."),
    reply=lambda request, version, outcome: after(request, outcome, redirect(_detail_url(version))),
)
def program_item_remove(request: AuthedRequest, version: RegionalProgramVersion, d: Mapping[str, Any]) -> object:
    return services.version_item_remove(actor=request.user, version=version, path=d["path"])


@login_required
@require_POST
def program_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    version = queries.version_visible(request.user, pk)
    outcome = act(
        request,
        lambda: services.version_submit(actor=request.user, version=version),
        _("The version is submitted for expert review; it no longer changes."),
    )
    return after(request, outcome, redirect(_detail_url(version)))


@login_required
@require_POST
def program_version_new(request: AuthedRequest, pk: int) -> HttpResponse:
    program = queries.program_get(request.user, pk)
    outcome = submit(
        request,
        forms.NewVersionForm(request.POST),
        lambda d: services.version_new(actor=request.user, program=program, note=d["note"]),
        _("A new version is drafted from the previous one."),
    )
    if outcome:
        return redirect(_detail_url(outcome.value))
    return after(request, outcome, redirect("coordination:program_detail", pk=program.pk))


@login_required
@require_POST
def program_experts(request: AuthedRequest, pk: int) -> HttpResponse:
    access.require_role(request.user, FEDERAL)
    version = queries.version_visible(request.user, pk)
    outcome = submit(
        request,
        forms.ExpertsForm(request.POST),
        lambda d: services.experts_assign(actor=request.user, version=version, experts=list(d["experts"])),
        _("The experts are assigned."),
    )
    return after(request, outcome, redirect(_detail_url(version)))


@login_required
@require_POST
def program_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    access.require_role(request.user, FEDERAL)
    version = queries.version_visible(request.user, pk)
    outcome = submit(
        request,
        forms.DecisionForm(request.POST),
        lambda d: services.version_decide(
            actor=request.user, version=version, approve=d["decision"] == "approve", comment=d["comment"]
        ),
        _("The decision is recorded."),
    )
    return after(request, outcome, redirect(_detail_url(version)))


@login_required
def program_review(request: AuthedRequest, pk: int) -> HttpResponse:
    """The assigned expert's review: the version's contents and the criteria of its template."""
    review = queries.review_for_expert(request.user, pk)
    version = review.version
    form = forms.ReviewForm(request.POST or None, criteria=version.template.criteria)
    return form_page(
        request,
        form,
        lambda d: services.review_submit(
            actor=request.user,
            review=review,
            scores=form.scores(),
            comments=form.comments(),
            strengths=d["strengths"],
            weaknesses=d["weaknesses"],
            verdict=d["verdict"],
        ),
        _("The review is submitted."),
        then=lambda _review: redirect("coordination:program_list"),
        page=lambda status: render(
            request,
            "coordination/programs/review.html",
            {"review": review, "version": version, "view": queries.version_view(version), "form": form},
            status=status,
        ),
    )


@login_required
def program_template(request: AuthedRequest) -> HttpResponse:
    """The federal template: its versions; the federal operator publishes a new one."""
    access.require_role(request.user, DRAFTERS)
    current = services.current_template()
    federal = is_federal(request.user)
    initial = {
        "title": current.title if current else starter.TITLE,
        "components": starter.as_lines(current.components if current else starter.COMPONENTS, scored=False),
        "criteria": starter.as_lines(current.criteria if current else starter.CRITERIA, scored=True),
    }
    form = forms.TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        access.require_role(request.user, FEDERAL)
    return form_page(
        request,
        form,
        lambda d: services.template_publish(
            actor=request.user, title=d["title"], components=d["components"], criteria=d["criteria"], note=d["note"]
        ),
        _("A new version of the template is published."),
        then=lambda _template: redirect("coordination:program_template"),
        page=lambda status: render(
            request,
            "coordination/programs/template.html",
            {
                "current": current,
                "history": ProgramTemplate.objects.select_related("created_by")[:20],
                "form": form if federal else None,
            },
            status=status,
        ),
    )


@login_required
def program_compare(request: AuthedRequest) -> HttpResponse:
    """The federal operator compares any regions; a regional operator sees where their region stands."""
    access.require_role(request.user, DRAFTERS)
    from efs.people.public import Region

    form = forms.CompareForm(request.GET or None, regions=Region.objects.order_by("name"))
    year = dt.date.today().year
    if form.is_bound and form.is_valid() and form.cleaned_data.get("year"):
        year = form.cleaned_data["year"]
    federal = is_federal(request.user)
    context: dict = {"form": form, "federal": federal, "year": year}
    if federal:
        chosen = [r.pk for r in form.cleaned_data["regions"]] if form.is_bound and form.is_valid() else []
        context["result"] = queries.comparison(region_ids=chosen or queries.regions_with_programs(), year=year)
        # Plain options: 89 regions through the select widget's per-option templates cost more than the table.
        context["region_options"] = list(Region.objects.order_by("name").values_list("pk", "name"))
        context["chosen"] = set(chosen)
    else:
        reach = access.region_reach(request.user, roles=DRAFTERS)
        result = queries.comparison(region_ids=queries.regions_with_programs(), year=year)
        mine = [r for r in result.rows if r.region_id in reach]
        context["standings"] = [(row, queries.standing(result, row.region_id)) for row in mine]
        context["compared"] = sum(1 for r in result.rows if r.program_id is not None)
        context["indicators"] = result.indicators
    return render(request, "coordination/programs/compare.html", context)


@login_required
def macroregion_list(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, DRAFTERS)
    items = macroregions_of(request.user).prefetch_related("regions").order_by("name")
    return render(request, "coordination/programs/macroregions.html", {"items": items})


@login_required
def macroregion_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    macroregion = queries.macroregion_get(request.user, pk)
    page = queries.macroregion_page(macroregion)
    member_ids = [m.region_id for m in page.members]
    context = {
        "page": page,
        "practices": queries.practices_links(macroregion.pk),
        "project_form": forms.ProjectForm(),
        "goal_form": forms.JointGoalForm(components=page.components),
        "task_form": forms.SharedTaskForm(region_ids=member_ids),
    }
    return render(request, "coordination/programs/macroregion.html", context)


@login_required
@require_POST
def macroregion_project_new(request: AuthedRequest, pk: int) -> HttpResponse:
    macroregion = queries.macroregion_get(request.user, pk)
    outcome = submit(
        request,
        forms.ProjectForm(request.POST),
        lambda d: services.macro_project_create(
            actor=request.user, macroregion=macroregion, title=d["title"], description=d["description"]
        ),
        _("The project is created."),
    )
    return after(request, outcome, redirect("coordination:macroregion_detail", pk=macroregion.pk))


def _project(request: HttpRequest, pk: int) -> MacroregionProject:
    project = MacroregionProject.objects.select_related("macroregion").filter(pk=pk).first()
    if project is None:
        raise NotFound(_("Not found, or you have no access to it."))
    queries.macroregion_get(request.user, project.macroregion_id)
    return project


@login_required
@require_POST
def macroregion_goal_add(request: AuthedRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    template = services.current_template()
    outcome = submit(
        request,
        forms.JointGoalForm(request.POST, components=template.component_titles() if template else {}),
        lambda d: services.joint_goal_add(
            actor=request.user, project=project, component=d["component"], title=d["title"]
        ),
        _("The joint goal is added."),
    )
    return after(request, outcome, redirect("coordination:macroregion_detail", pk=project.macroregion_id))


@login_required
@require_POST
def macroregion_task_add(request: AuthedRequest, pk: int) -> HttpResponse:
    goal = JointGoal.objects.select_related("project__macroregion").filter(pk=pk).first()
    if goal is None:
        raise NotFound(_("Not found, or you have no access to it."))
    macroregion: Macroregion = queries.macroregion_get(request.user, goal.project.macroregion_id)
    form = forms.SharedTaskForm(request.POST, region_ids=list(macroregion.regions.values_list("pk", flat=True)))
    outcome = submit(
        request,
        form,
        lambda d: services.shared_task_add(
            actor=request.user, goal=goal, title=d["title"], executors=list(d["executors"]), due=d["due"]
        ),
        _("The shared task is added."),
    )
    return after(request, outcome, redirect("coordination:macroregion_detail", pk=macroregion.pk))
