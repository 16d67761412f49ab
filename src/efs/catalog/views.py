"""Pages of the depository."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from efs import xlsx
from efs.competencies.models import Competency, FrameworkStatus
from efs.errors import DomainError, NotFound, ValidationFailed
from efs.forms import first_error
from efs.http import AuthedRequest, int_param, upload_name
from efs.people import access as people_access
from efs.people.models import Municipality, Organization, Role, Subject
from efs.web.actions import answer, submit

from . import importexport, queries, services
from .access import (
    MODERATORS,
    moderated_filter,
    program_actions,
    program_visible,
    provider_organizations,
    require_provider,
)
from .forms import (
    MODULE_ROWS,
    OUTCOME_ROWS,
    CohortCancelForm,
    CommentForm,
    ConfirmForm,
    DecisionForm,
    ProgramsImportForm,
    ReviewForm,
    card_from_post,
    cohort_data,
    program_data,
)
from .models import (
    Availability,
    Program,
    ProgramKind,
    ProgramStatus,
    Review,
    ReviewCriterion,
    ReviewStatus,
    StudyForm,
    Verdict,
)

PAGE = 20


def _filters(request: HttpRequest, region_id: int | None) -> queries.SearchFilters:
    g = request.GET

    def date(name):
        import datetime as dt

        try:
            return dt.date.fromisoformat(g.get(name, ""))
        except ValueError:
            return None

    price = g.get("max_price", "").replace(" ", "")
    return queries.SearchFilters(
        query=g.get("q", "")[:200],
        competency=g.get("competency", ""),
        region_id=region_id if g.get("anywhere") != "1" else None,
        form=g.get("form", "") if g.get("form") in StudyForm.values else "",
        date_from=date("from"),
        date_to=date("to"),
        max_price=int(price) * 100 if price.isdigit() else None,
        free_seats=g.get("free") == "1",
        audience=g.get("audience", ""),
        subject=g.get("subject", ""),
        kind=g.get("kind", "") if g.get("kind") in ProgramKind.values else "",
    )


def _home_region_id(user) -> int | None:
    from efs.people.queries import home_region

    region = home_region(user)
    return region.pk if region else None


@login_required
def catalog(request: AuthedRequest) -> HttpResponse:
    region_id = _home_region_id(request.user)
    filters = _filters(request, region_id)
    ids, total = queries.programs_search(filters)
    page = Paginator(ids, PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "programs": queries.programs_page(list(page.object_list), region_id=filters.region_id),
        "total": total,
        "filters": filters,
        "suggestion": None if total else queries.search_suggestion(filters),
        "competencies": Competency.objects.filter(
            is_leaf=True, framework__status=FrameworkStatus.PUBLISHED, framework__region__isnull=True
        )
        .select_related("framework")
        .order_by("framework__audience", "order"),
        "forms": StudyForm.choices,
        "kinds": ProgramKind.choices,
        "subjects": Subject.objects.all(),
        # «Programs that close my deficits» is offered only to a login with an educator record of its own.
        "has_own_record": people_access.own_educator(request.user) is not None,
    }
    template = "catalog/catalog.html#results" if request.htmx else "catalog/catalog.html"
    return render(request, template, context)


@login_required
def for_me(request: AuthedRequest) -> HttpResponse:
    me = people_access.require_own_educator(request.user)
    deficits, matches = queries.programs_for_educator(me)
    return render(request, "catalog/for_me.html", {"me": me, "deficits": deficits, "matches": matches})


@login_required
@require_safe
def program(request: AuthedRequest, pk: int) -> HttpResponse:
    return _program_page(request, program_visible(request.user, pk))


def _program_page(request: HttpRequest, obj: Program, status: int = 200) -> HttpResponse:
    actions = program_actions(request.user, obj)
    cohorts = (
        obj.cohorts.select_related("municipality").order_by("start_date")
        if actions["own"] or actions["moderates"]
        else queries.open_cohorts(_home_region_id(request.user))
        .filter(program=obj)
        .select_related("municipality")
        .order_by("start_date")
    )
    reviews = []
    if actions["sees_reviews"]:
        reviews = list(
            obj.reviews.filter(status=ReviewStatus.SUBMITTED)
            .select_related("expert")
            .order_by("-program_version", "submitted_at")
        )
    outcomes = list(obj.outcomes.select_related("competency__framework"))
    for outcome in outcomes:  # the effect measured by re-diagnoses of completers (docs/routes.md)
        outcome.measured = (obj.effect or {}).get(outcome.competency.code)
    context = {
        "program": obj,
        "outcomes": outcomes,
        "modules": obj.modules.all(),
        "cohorts": cohorts,
        "reviews": reviews,
        "criteria": ReviewCriterion.objects.all(),
        "pending_reviews": obj.reviews.filter(program_version=obj.version, status=ReviewStatus.ASSIGNED).select_related(
            "expert"
        )
        if actions["moderates"]
        else [],
        "transitions": obj.transitions.select_related("by") if actions["sees_reviews"] else [],
        "versions": obj.versions.all() if actions["sees_reviews"] else [],
        **actions,
    }
    return render(request, "catalog/program.html", context, status=status)


def _program_action(request: AuthedRequest, pk: int, form, call, success: str) -> HttpResponse:
    """One action on a program card: its form, one service call (which checks who may take it),
    then the card; a refusal is the card again with the refusal's status and message."""
    obj = program_visible(request.user, pk)
    outcome = submit(request, form, lambda data: call(obj, data), success)
    return answer(
        outcome,
        then=lambda: redirect("catalog:program", pk=obj.pk),
        again=lambda status: _program_page(request, obj, status),
    )


@login_required
@require_POST
def program_submit(request: AuthedRequest, pk: int) -> HttpResponse:
    return _program_action(
        request,
        pk,
        ConfirmForm(request.POST),
        lambda obj, _data: services.program_submit(actor=request.user, program=obj),
        _("Submitted for expert review."),
    )


@login_required
@require_POST
def program_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    def assign(obj, _data):
        created = services.reviews_assign(actor=request.user, program=obj)
        messages.success(request, _("Experts assigned: %(n)s.") % {"n": len(created)})

    return _program_action(request, pk, ConfirmForm(request.POST), assign, "")


@login_required
@require_POST
def program_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    return _program_action(
        request,
        pk,
        DecisionForm(request.POST),
        lambda obj, data: services.program_decide(
            actor=request.user, program=obj, decision=data["verdict"], comment=data["comment"]
        ),
        _("Decision recorded."),
    )


@login_required
@require_POST
def program_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    return _program_action(
        request,
        pk,
        ConfirmForm(request.POST),
        lambda obj, _data: services.program_publish(actor=request.user, program=obj),
        _("Published in the depository."),
    )


@login_required
@require_POST
def program_archive(request: AuthedRequest, pk: int) -> HttpResponse:
    return _program_action(
        request,
        pk,
        CommentForm(request.POST),
        lambda obj, data: services.program_archive(actor=request.user, program=obj, comment=data["comment"]),
        _("Moved to the archive."),
    )


@login_required
@require_POST
def cohort_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    def cancel(obj, data):
        cohort = obj.cohorts.filter(pk=data["cohort"]).first()
        if cohort is None:
            raise NotFound(_("Not found, or you have no access to it."))
        return services.cohort_cancel(actor=request.user, cohort=cohort)

    return _program_action(request, pk, CohortCancelForm(request.POST), cancel, _("The cohort is cancelled."))


def _form_context(request, program: Program | None, data=None, errors=None) -> dict:
    card: dict | None
    if data is not None:
        card = card_from_post(data)
    else:
        card = services.program_card(program) if program else None
    return {
        "program": program,
        "card": card,
        "errors": errors or [],
        "kinds": ProgramKind.choices,
        "forms": StudyForm.choices,
        "subjects": Subject.objects.all(),
        "competencies": Competency.objects.filter(
            is_leaf=True, framework__status=FrameworkStatus.PUBLISHED, framework__region__isnull=True
        )
        .select_related("framework")
        .order_by("framework__audience", "order"),
        "outcome_rows": range(OUTCOME_ROWS),
        "module_rows": range(MODULE_ROWS),
    }


def _provider_org(request) -> Organization:
    ids = provider_organizations(request.user)
    org = Organization.objects.filter(pk__in=ids).order_by("pk").first()
    if org is None:
        raise NotFound(_("Only the provider's staff manage its programs."))
    return org


@login_required
def program_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    obj = program_visible(request.user, pk) if pk else None
    if obj:
        require_provider(request.user, program=obj)
    provider = obj.provider if obj else _provider_org(request)
    if request.method == "POST":
        try:
            data = program_data(request.POST)
            if obj:
                obj = services.program_update(actor=request.user, program=obj, data=data)
            else:
                obj = services.program_create(actor=request.user, provider=provider, data=data)
        except DomainError as exc:
            errors = exc.details if isinstance(exc.details, list) else [{"field": "", "message": exc.message}]
            return render(
                request,
                "catalog/program_form.html",
                _form_context(request, obj, data=request.POST, errors=errors),
                status=422,
            )
        messages.success(request, _("The card is saved as a draft. Submit it for expert review when it is ready."))
        return redirect("catalog:program", pk=obj.pk)
    return render(request, "catalog/program_form.html", _form_context(request, obj))


@login_required
def cohorts(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = program_visible(request.user, pk)
    require_provider(request.user, program=obj)
    error = None
    if request.method == "POST":
        try:
            services.cohort_create(actor=request.user, program=obj, data=cohort_data(request.POST))
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The cohort is scheduled."))
            return redirect("catalog:cohorts", pk=obj.pk)
    context = {
        "program": obj,
        "cohorts": obj.cohorts.select_related("municipality").order_by("start_date"),
        "municipalities": Municipality.objects.filter(region_id=obj.region_id),
        "availability": Availability.choices,
        "error": error,
        "post": request.POST if error else None,
    }
    return render(request, "catalog/cohorts.html", context, status=422 if error else 200)


@login_required
def provider(request: AuthedRequest) -> HttpResponse:
    org = _provider_org(request)
    report = None
    status = 200
    if request.method == "POST":
        form = ProgramsImportForm(request.POST, request.FILES)
        refused_rows: list = []

        def run(data):
            try:
                return importexport.programs_import(
                    actor=request.user,
                    provider=org,
                    file_name=upload_name(data["file"]),
                    content=data["file"].read(),
                    only_valid=data["only_valid"],
                    dry_run=data["check"],
                )
            except DomainError as exc:  # the rows' errors are shown under the refusal
                if isinstance(exc.details, list):
                    refused_rows.extend(exc.details)
                raise

        outcome = submit(request, form, run)
        status = outcome.status
        if outcome:
            report = outcome.value
            if report.created:
                messages.success(request, _("Imported as drafts: %(n)s.") % {"n": len(report.created)})
        elif refused_rows:
            report = importexport.ImportReport(total=0, errors=refused_rows)
    programs = Program.objects.filter(provider=org).order_by("status", "title")
    if request.GET.get("export") in ("json", "xlsx"):
        return _export(programs, request.GET["export"])
    by_status: dict[str, list[Program]] = {}
    for p in programs.annotate(cohort_count=Count("cohorts")):
        by_status.setdefault(p.get_status_display(), []).append(p)
    return render(
        request,
        "catalog/provider.html",
        {"org": org, "by_status": by_status, "report": report, "criteria": ReviewCriterion.objects.all()},
        status=status,
    )


def _export(programs, fmt: str) -> HttpResponse:
    programs = programs.prefetch_related("subjects", "modules", "outcomes__competency")
    stamp = timezone.localdate().isoformat()
    if fmt == "json":
        body = json.dumps([services.program_card(p) for p in programs], ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="programs-{stamp}.json"'
        return response
    response = xlsx.response(importexport.programs_to_xlsx(programs), f"programs-{stamp}.xlsx")
    return response


@login_required
def reviews(request: AuthedRequest) -> HttpResponse:
    people_access.require_role(request.user, [Role.EXPERT])
    queue = (
        Review.objects.filter(expert=request.user)
        .select_related("program__provider")
        .order_by("status", "-assigned_at")
    )
    return render(request, "catalog/reviews.html", {"queue": queue})


@login_required
def review(request: AuthedRequest, pk: int) -> HttpResponse:
    people_access.require_role(request.user, [Role.EXPERT])
    obj = Review.objects.select_related("program__provider").filter(pk=pk, expert=request.user).first()
    if obj is None:
        raise NotFound(_("Not found, or you have no access to it."))
    criteria = list(ReviewCriterion.objects.all())
    error = None
    form = ReviewForm(request.POST or None, criteria=criteria)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationFailed(first_error(form), code="review_invalid")
            services.review_submit(
                actor=request.user,
                review=obj,
                scores=form.scores(),
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Review submitted. Thank you."))
            return redirect("catalog:review", pk=obj.pk)
    program_obj = obj.program
    context = {
        "review": obj,
        "program": program_obj,
        "outcomes": program_obj.outcomes.select_related("competency"),
        "modules": program_obj.modules.all(),
        "criteria": criteria,
        "verdicts": Verdict.choices,
        "error": error,
        "post": request.POST if error else None,
        "sent": [(c, (obj.scores or {}).get(c.code)) for c in criteria] if obj.status != "assigned" else None,
    }
    return render(request, "catalog/review.html", context, status=422 if error else 200)


@login_required
def moderation(request: AuthedRequest) -> HttpResponse:
    people_access.require_role(request.user, MODERATORS)
    moderated = moderated_filter(request.user)
    base = Program.objects.filter(moderated) if moderated is not None else Program.objects.none()
    queues = [
        (ProgramStatus.SUBMITTED.label, base.filter(status=ProgramStatus.SUBMITTED)),
        (ProgramStatus.IN_REVIEW.label, base.filter(status=ProgramStatus.IN_REVIEW)),
        (ProgramStatus.APPROVED.label, base.filter(status=ProgramStatus.APPROVED)),
    ]
    groups = [(label, list(qs.select_related("provider").order_by("updated_at")[:100])) for label, qs in queues]
    return render(request, "catalog/moderation.html", {"groups": groups})


@login_required
def coverage(request: AuthedRequest) -> HttpResponse:
    from efs.diagnostics.access import AGGREGATE_READERS

    roles = [r for r in AGGREGATE_READERS if people_access.has_role(request.user, r)]
    providers = provider_organizations(request.user)
    if not roles and not providers:
        people_access.require_role(request.user, list(AGGREGATE_READERS) + [Role.PROVIDER])
    from efs.people.models import Region

    region = Region.objects.filter(pk=int_param(request, "region") or _home_region_id(request.user) or 0).first()
    rows = queries.coverage(request.user, region_id=region.pk, roles=roles or list(AGGREGATE_READERS)) if region else []
    return render(
        request,
        "catalog/coverage.html",
        {"rows": rows, "providers_view": not roles, "region": region, "regions": Region.objects.all()},
    )
