"""Pages of the individual educational route."""

from __future__ import annotations

from typing import TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from efs import fragments, xlsx
from efs.catalog.models import Cohort
from efs.errors import Conflict, NotFound
from efs.financing.services import certificate_of
from efs.http import AuthedRequest, client_ip, pdf_response
from efs.people import access
from efs.people.models import Municipality, Role
from efs.people.public import AuditAction, audit_record, audit_rows, audit_view, processing_allowed
from efs.web.actions import Outcome, act, answer, submit

from . import queries, regional, services
from .access import STATUS_READERS, item_actions, route_actions
from .building import BuildOptions
from .forms import (
    BuildForm,
    CommentForm,
    ConfirmForm,
    EvidenceForm,
    LimitsForm,
    RebuildForm,
    RegionPlanForm,
    ReviewForm,
    SwapForm,
    kopecks,
    roubles_text,
)
from .models import ACTIVE, AllocationRun, AllocationStatus, Route, RouteItem, RouteStatus
from .presentation import timeline


def _me(request):
    return access.require_own_educator(request.user)


def _options(form: BuildForm, defaults: BuildOptions) -> BuildOptions:
    data = form.cleaned_data
    return BuildOptions(
        period_start=data["period_start"] or defaults.period_start,
        period_end=data["period_end"] or defaults.period_end,
        budget=kopecks(data["budget"]),
        max_hours=data["max_hours"],
        formats=list(data["formats"]),
        places=list(data["places"]),
        copay=kopecks(data["copay"]),
    )


def _form_errors(request, form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    me = _me(request)
    route = queries.my_route(me)
    if route is not None:
        return redirect("routes:route", pk=route.pk)
    municipalities = Municipality.objects.filter(region_id=me.region_id)
    status = 200
    if request.method == "POST":
        form = BuildForm(request.POST, municipalities=municipalities)
        outcome = _submit(
            request,
            form,
            lambda _data: services.route_build(
                actor=request.user, educator=me, options=_options(form, services.default_options(me))
            ),
        )
        if outcome:
            return redirect("routes:route", pk=outcome.value.pk)
        status = outcome.status
    from .building import latest_deficits

    attempt, deficits = latest_deficits(me)
    defaults = services.default_options(me)
    context = {
        "me": me,
        "attempt": attempt,
        "budget_roubles": defaults.budget // 100,
        "deficits": deficits,
        "defaults": defaults,
        "certificate": certificate_of(me),
        "municipalities": municipalities,
        "history": queries.my_routes(request.user, me),
        "processing_allowed": processing_allowed(me),
    }
    return render(request, "routes/build.html", context, status=status)


def _route_context(request, route) -> dict:
    state = services.summary(route)
    drift = services.deficit_drift(route) if route.status in ACTIVE else None
    processing = processing_allowed(route.educator)
    actions = route_actions(request.user, route, drift=drift, processing=processing)
    items = list(route.items.all())
    return {
        "route": route,
        "state": state,
        "items": items,
        "actions": actions,
        "item_actions": {item.pk: item_actions(actions, item) for item in items},
        "timeline": timeline(route.items.all(), route.period_start, route.period_end),
        "upcoming": queries.upcoming(route),
        "today": timezone.localdate(),
        "enrollments": queries.enrollments_of(route) if actions["own"] or actions["tutors"] else {},
        "processing_allowed": processing,
        "limits": {"budget": roubles_text(route.budget), "copay": roubles_text(route.copay)},
        "drift": drift,
    }


def _own_route_page(request: HttpRequest, pk: int, loaded: dict[str, Route]) -> HttpResponse | None:
    """The educator's own route, from the cache until a table it shows is written
    (efs.fragments); None for someone else's route (each view is audited, nothing cached)."""

    def body() -> dict[str, str] | None:
        obj = loaded["route"] = queries.route_full(request.user, pk)
        if obj.educator.user_id != request.user.pk:
            return None
        context = {**fragments.placeholders(request), **_route_context(request, obj)}
        return {"body": render_to_string("routes/route.html#body", context), "title": escape(obj.educator.full_name)}

    parts = fragments.cached(request, "route", body, vary=(pk,))
    if parts is None:
        return None
    return render(request, "routes/route.html", {"body": parts["body"], "title": parts["title"]})


@login_required
@require_safe
def route(request: AuthedRequest, pk: int) -> HttpResponse:
    loaded: dict[str, Route] = {}
    page = _own_route_page(request, pk, loaded)
    if page is not None:
        return page
    obj = loaded.get("route") or queries.route_full(request.user, pk)
    audit_view(
        actor=request.user,
        obj=obj,
        owner_user_id=obj.educator.user_id,
        description=_("Route of %(name)s") % {"name": obj.educator.full_name},
        ip=client_ip(request),
    )
    return render(request, "routes/route.html", _route_context(request, obj))


def _answer(request: HttpRequest, obj: Route, outcome: Outcome) -> HttpResponse:
    """Back to the route after success; after a refusal the route page again, with the refusal's
    status and its message (efs.web.actions.answer)."""
    return answer(
        outcome,
        then=lambda: redirect("routes:route", pk=obj.pk),
        again=lambda status: render(request, "routes/route.html", _route_context(request, obj), status=status),
    )


def _route_step(request: AuthedRequest, pk: int, step, success: str) -> HttpResponse:
    """One transition of the route with the comment of its form (send, approve, return, stop)."""
    obj = queries.route_full(request.user, pk)
    form = CommentForm(request.POST)
    outcome = _submit(request, form, lambda data: step(actor=request.user, route=obj, comment=data["comment"]), success)
    return _answer(request, obj, outcome)


def _submit(request: HttpRequest, form, call, success: str | None = None) -> Outcome:
    """efs.web.actions.submit with the route pages' field errors, each named by its label."""
    outcome = submit(request, form, call, success, quiet=True)
    if not form.is_valid():
        _form_errors(request, form)
    return outcome


@login_required
@require_POST
def route_propose(request: AuthedRequest, pk: int) -> HttpResponse:
    return _route_step(request, pk, services.route_propose, _("The route is sent to the tutor."))


@login_required
@require_POST
def route_approve(request: AuthedRequest, pk: int) -> HttpResponse:
    return _route_step(request, pk, services.route_approve, _("The route is approved."))


@login_required
@require_POST
def route_return(request: AuthedRequest, pk: int) -> HttpResponse:
    return _route_step(
        request, pk, services.route_return, _("The route is returned to the educator with your comments.")
    )


@login_required
@require_POST
def route_abandon(request: AuthedRequest, pk: int) -> HttpResponse:
    return _route_step(request, pk, services.route_abandon, _("The route is stopped."))


@login_required
@require_POST
def route_rebuild(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.route_full(request.user, pk)
    outcome = _submit(
        request,
        RebuildForm(request.POST),
        lambda _data: services.route_rebuild(actor=request.user, route=obj),
        _(
            "The route is rebuilt for your current deficits; the activities under way are kept. Send "
            "it to the tutor again."
        ),
    )
    return _answer(request, obj, outcome)


@login_required
@require_POST
def route_limits(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.route_full(request.user, pk)
    outcome = _submit(
        request,
        LimitsForm(request.POST),
        lambda data: services.route_limits_set(
            actor=request.user,
            route=obj,
            max_hours=data["max_hours"],
            budget=kopecks(data["budget"]),
            copay=kopecks(data["copay"]),
        ),
        _("The route's limits are changed."),
    )
    return _answer(request, obj, outcome)


@login_required
@require_POST
def route_rediagnose(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.route_full(request.user, pk)
    outcome = _submit(
        request, ConfirmForm(request.POST), lambda _data: services.rediagnosis_start(actor=request.user, route=obj)
    )
    if outcome:
        return redirect("diagnostics:take", pk=outcome.value.pk)
    return _answer(request, obj, outcome)


def _item(request, pk: int, item_pk: int) -> RouteItem:
    obj = queries.route_full(request.user, pk)
    item = next((i for i in obj.items.all() if i.pk == item_pk), None)
    if item is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return item


@login_required
@require_POST
def item_remove(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    outcome = _submit(
        request,
        ConfirmForm(request.POST),
        lambda _data: services.item_remove(actor=request.user, item=item),
        _("The activity is removed from the route."),
    )
    return _answer(request, item.route, outcome)


@login_required
@require_POST
def item_start(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    outcome = _submit(
        request,
        ConfirmForm(request.POST),
        lambda _data: services.item_start(actor=request.user, item=item),
        _("The activity is marked as started."),
    )
    return _answer(request, item.route, outcome)


@login_required
@require_POST
def item_evidence(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    outcome = _submit(
        request,
        EvidenceForm(request.POST, request.FILES),
        lambda data: services.evidence_submit(actor=request.user, item=item, file=data["file"], note=data["note"]),
        _("Evidence sent to the tutor."),
    )
    return _answer(request, item.route, outcome)


def _evidence_review(request: AuthedRequest, pk: int, item_pk: int, *, accept: bool) -> HttpResponse:
    item = _item(request, pk, item_pk)
    outcome = _submit(
        request,
        ReviewForm(request.POST),
        lambda data: services.evidence_review(
            actor=request.user,
            evidence=queries.evidence_in(request.user, data["evidence"], item=item),
            accept=accept,
            comment=data["comment"],
        ),
        _("The evidence is accepted.") if accept else _("The evidence is returned to the educator."),
    )
    return _answer(request, item.route, outcome)


@login_required
@require_POST
def evidence_accept(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    return _evidence_review(request, pk, item_pk, accept=True)


@login_required
@require_POST
def evidence_return(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    return _evidence_review(request, pk, item_pk, accept=False)


@login_required
@require_POST
def item_swap(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)

    def swap(data):
        cohort = Cohort.objects.filter(pk=data["cohort"]).first()
        if cohort is None:
            raise NotFound(_("Not found, or you have no access to it."))
        return services.item_add_cohort(actor=request.user, route=item.route, cohort=cohort, replace=item)

    outcome = _submit(request, SwapForm(request.POST), swap, _("The cohort is changed."))
    return _answer(request, item.route, outcome)


@login_required
def evidence_file(request: AuthedRequest, pk: int, evidence_pk: int) -> FileResponse:
    """The file of a piece of evidence, for the educator and those who may review it (tutor,
    mentor) through the scoping mechanism; 404 for everyone else; recorded in the audit log."""

    evidence = queries.evidence_in(request.user, evidence_pk, item__route_id=pk)
    if not evidence.file:
        raise NotFound(_("Not found, or you have no access to it."))
    educator = evidence.item.route.educator
    if educator.user_id != request.user.pk:
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            obj=educator,
            fields=[f"evidence:{evidence.pk}"],
            ip=client_ip(request),
        )
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:  # the record survived, the stored file did not (restored database)
        raise NotFound(_("The file is no longer in the storage; ask the educator to upload it again.")) from exc
    response = FileResponse(handle, as_attachment=True, filename=evidence.file_name or "evidence")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def alternatives(request: AuthedRequest, pk: int, item_pk: int) -> HttpResponse:
    item = _item(request, pk, item_pk)
    options = services.alternatives(actor=request.user, item=item)
    return render(request, "routes/_alternatives.html", {"route": item.route, "item": item, "options": options})


@login_required
@require_POST
def add_cohort(request: AuthedRequest, cohort_pk: int) -> HttpResponse:
    me = _me(request)
    route_obj = queries.my_route(me)
    cohort = Cohort.objects.filter(pk=cohort_pk).first()
    if cohort is None:
        raise NotFound(_("Not found, or you have no access to it."))
    if route_obj is None:
        raise Conflict(
            _("Build your route first: it is made from the deficits of your diagnostics."), code="route_missing"
        )
    outcome = act(
        request,
        lambda: services.item_add_cohort(actor=request.user, route=route_obj, cohort=cohort),
        _("Added to your route."),
    )
    return _answer(request, route_obj, outcome)


@login_required
def route_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    obj = queries.route_full(request.user, pk)
    if obj.educator.user_id != request.user.pk:
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            obj=obj,
            description=_("Route of %(name)s, PDF") % {"name": obj.educator.full_name},
            ip=client_ip(request),
        )
    return pdf_response(request, "routes/route_print.html", _route_context(request, obj), f"iom-{obj.pk}.pdf")


@login_required
def tutor(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, [Role.TUTOR, Role.MENTOR])
    return render(request, "routes/tutor.html", queries.tutor_queue(request.user))


class _StaffFilters(TypedDict):
    status: str
    overdue: bool
    search: str


@login_required
def staff(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, STATUS_READERS)
    roles = [r for r in STATUS_READERS if access.has_role(request.user, r)]
    filters: _StaffFilters = {
        "status": request.GET.get("status", ""),
        "overdue": request.GET.get("overdue") == "1",
        "search": request.GET.get("q", "").strip(),
    }
    routes = queries.staff_routes(request.user, roles=roles, **filters)
    if request.GET.get("export") == "xlsx":
        regions: list[int | None] = []

        def staff_rows():
            for r in routes.iterator(chunk_size=2000):
                regions.append(r.region_id)
                yield queries.staff_row(r)

        rows = staff_rows()
        header = [
            _("Educator"),
            _("Organization"),
            _("Status"),
            _("Activities done"),
            _("Activities in the route"),
            _("Overdue"),
        ]
        content = xlsx.table_bytes(
            _("Routes"),
            [str(h) for h in header],
            ((r.name, r.organization, str(r.status_label), r.done, r.total, r.overdue) for r in rows),
        )
        audit_rows(
            actor=request.user,
            action=AuditAction.EXPORT,
            model=Route,
            region_ids=regions,
            description=_("Export of educators' routes to Excel"),
            ip=client_ip(request),
        )
        return xlsx.response(content, f"routes-{timezone.localdate():%Y-%m-%d}.xlsx")
    page = Paginator(routes, 50).get_page(request.GET.get("page"))
    audit_rows(
        actor=request.user,
        action=AuditAction.VIEW,
        model=Route,
        region_ids=[r.region_id for r in page.object_list],
        description=_("List of educators' routes, page %(n)s") % {"n": page.number},
        ip=client_ip(request),
    )
    context = {
        "page": page,
        "rows": [queries.staff_row(r) for r in page.object_list],
        "summary": queries.routes_summary(request.user, roles=roles),
        "statuses": RouteStatus.choices,
        "filters": filters,
        "awaiting": list(queries.awaiting_tutor(request.user)[:50]),
    }
    return render(request, "routes/staff.html", context)


@login_required
def forecast(request: AuthedRequest) -> HttpResponse:
    """Spending the region can expect: priced cohorts of approved routes nobody has enrolled in yet
    (a fragment of the financing page)."""
    access.require_role(request.user, regional.PLANNERS)
    region_id = int(request.GET.get("region") or 0) if (request.GET.get("region") or "").isdigit() else 0
    if not access.may_act_on_region(request.user, region_id, roles=regional.PLANNERS):
        raise NotFound(_("Not found, or you have no access to it."))
    year = int(request.GET["year"]) if (request.GET.get("year") or "").isdigit() else timezone.localdate().year
    return render(request, "routes/_forecast.html", {"f": queries.spending_forecast(region_id, year), "year": year})


@login_required
def region_plans(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, regional.PLANNERS)
    regions = access.region_reach(request.user, roles=regional.PLANNERS).regions()
    status = 200
    if request.method == "POST":
        form = RegionPlanForm(request.POST)
        region = regions.filter(pk=form.data["region"] if str(form.data.get("region", "")).isdigit() else 0).first()
        if region is None:
            raise NotFound(_("Choose a region."))

        def start(data):
            return regional.allocation_start(
                actor=request.user,
                region=region,
                fund=data["fund"],
                max_hours=data["max_hours"],
                budget_per_educator=data["budget"] or 0,
            )

        outcome = submit(request, form, start)
        if outcome:
            return redirect("routes:region_plan", pk=outcome.value.pk)
        status = outcome.status
    runs = AllocationRun.objects.filter(region__in=regions).select_related("region", "started_by")[:20]
    return render(request, "routes/region_plans.html", {"runs": runs, "regions": regions}, status=status)


PLAN_ROUTES_SHOWN = 100  # the page lists the first ones; the spreadsheet has them all


@login_required
def region_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    access.require_role(request.user, regional.PLANNERS)
    run = AllocationRun.objects.select_related("region").filter(pk=pk).first()
    if run is None or not access.may_act_on_region(request.user, run.region_id, roles=regional.PLANNERS):
        raise NotFound(_("Not found, or you have no access to it."))
    running = run.status in (AllocationStatus.QUEUED, AllocationStatus.RUNNING)
    if request.htmx and not running:
        done = HttpResponse(status=204)
        done["HX-Refresh"] = "true"
        return done
    results = run.results or {}
    routes = (
        queries.plan_routes(request.user, results.get("route_ids", [])) if run.status == AllocationStatus.DONE else []
    )
    exporting = request.GET.get("format") == "xlsx"
    if routes:
        audit_rows(
            actor=request.user,
            action=AuditAction.EXPORT if exporting else AuditAction.VIEW,
            model=Route,
            region_ids=[run.region_id] * (len(routes) if exporting else min(len(routes), PLAN_ROUTES_SHOWN)),
            description=_("Routes proposed by the region-wide plan of %(date)s")
            % {"date": f"{run.created_at:%d.%m.%Y}"},
            ip=client_ip(request),
        )
    if exporting and run.status == AllocationStatus.DONE:
        header = [_("Educator"), _("Organization"), _("Municipality"), _("Status"), _("Activities"), _("Cost, ₽")]
        rows = ((r.name, r.organization, r.municipality, r.status, r.activities, r.price / 100) for r in routes)
        return xlsx.response(
            xlsx.table_bytes(_("Proposed routes"), [str(h) for h in header], rows), f"region-plan-{run.pk}.xlsx"
        )
    template = "routes/region_plan.html#progress" if request.htmx else "routes/region_plan.html"
    context = {
        "run": run,
        "running": running,
        "percent": round(run.progress * 100),
        "s": results.get("summary"),
        "results": results,
        "routes": routes[:PLAN_ROUTES_SHOWN],
        "routes_total": len(routes),
    }
    return render(request, template, context)
