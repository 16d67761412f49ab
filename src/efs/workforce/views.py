"""Pages of workforce security: the regional forecast and risk, a municipality, the staffing
registry, the student pipeline and scenarios. Thin: forms in, services and queries out."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from efs import xlsx
from efs.errors import DomainError, NotFound
from efs.http import AuthedRequest, int_param
from efs.people import access
from efs.people.public import Municipality, Region
from efs.web.actions import Outcome, act, after, answer, refused, submit

from . import forms, importexport, queries, services
from .access import FORECAST_READERS, READERS, REGION_LEVEL, post_actions
from .models import ForecastRun, InputChange, Scenario, TargetedContract


def _region(request: HttpRequest) -> Region:
    wanted = int_param(request, "region") or (
        int(request.POST["region"]) if request.POST.get("region", "").isdigit() else None
    )
    return queries.region_for(request.user, wanted)


def _region_posted(request: HttpRequest) -> Region:
    """The region a form names; one the user cannot read is not found (never another one)."""
    wanted = request.POST.get("region", "")
    region = queries.region_for(request.user, int(wanted) if wanted.isdigit() else None)
    if wanted and str(region.pk) != wanted:
        raise NotFound(_("Not found, or you have no access to it."))
    return region


def _forecast_to_export(request: AuthedRequest) -> tuple[Region, ForecastRun]:
    """The region asked for and its latest forecast, for the exports (none yet: not found)."""
    access.require_role(request.user, FORECAST_READERS)
    region = _region(request)
    run = queries.latest_run(region)
    if run is None:
        raise NotFound(_("There is no forecast yet."))
    return region, run


def _url(name: str, region: Region, **kwargs) -> str:
    return f"{reverse(name, kwargs=kwargs or None)}?region={region.pk}"


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, FORECAST_READERS)
    region = _region(request)
    form = forms.RunForm(request.POST or None)
    status = 200
    if request.method == "POST":
        outcome = submit(
            request,
            form,
            lambda data: services.forecast_run(actor=request.user, region=region, years=data["years"]),
            _("The forecast is recalculated."),
        )
        if outcome:
            return redirect(_url("workforce:overview", region))
        status = outcome.status
    run = queries.latest_run(region)
    context: dict = {
        "region": region,
        "regions": queries.regions_readable(request.user).order_by("code"),
        "run": run,
        "form": form,
        "can_run": queries.is_region_level(request.user),
    }
    if run is not None:
        summary = queries.forecast_summary(
            queries.cells_visible(request.user, run), run.base_year + 1, run.base_year + run.years
        )
        totals = summary.totals
        risks = queries.risks_visible(request.user, run)
        context.update(
            totals=totals,
            first=totals[0] if totals else None,
            horizon=totals[-1] if totals else None,
            subjects=summary.subjects,
            municipalities=queries.municipality_risk(risks),
            region_risks=queries.region_risk(request.user),
            chart={
                "years": [t.year for t in totals],
                "supply": [round(t.supply, 1) for t in totals],
                "demand": [round(t.demand, 1) for t in totals],
                "hidden": [round(t.demand + t.hidden, 1) for t in totals],
            },
            ages=queries.age_structure(request.user, region=region),
            accuracy=queries.forecast_accuracy(request.user, region),
            rates=[r for r in run.rates if "from_age" in r],
            run_notes=next((r for r in run.rates if "placement_rate" in r), {}),
        )
    return render(request, "workforce/overview.html", context, status=status)


@login_required
def municipality(request: AuthedRequest, pk: int) -> HttpResponse:
    access.require_role(request.user, FORECAST_READERS)
    place = Municipality.objects.select_related("region").filter(pk=pk).first()
    if place is None:
        raise NotFound(_("Not found, or you have no access to it."))
    run = queries.latest_run(place.region)
    if run is None:
        raise NotFound(_("Not found, or you have no access to it."))
    cells = queries.cells_visible(request.user, run).filter(municipality=place)
    summary = queries.forecast_summary(cells, run.base_year + 1, run.base_year + run.years)
    if not summary.totals:  # no cell of this municipality the user may read
        raise NotFound(_("Not found, or you have no access to it."))
    totals = summary.totals
    context = {
        "place": place,
        "region": place.region,
        "run": run,
        "totals": totals,
        "subjects": summary.subjects,
        "risks": list(queries.risks_visible(request.user, run).filter(municipality=place)),
        "ages": queries.age_structure(request.user, region=place.region, municipality=place),
        "chart": {
            "years": [t.year for t in totals],
            "supply": [round(t.supply, 1) for t in totals],
            "demand": [round(t.demand, 1) for t in totals],
            "hidden": [round(t.demand + t.hidden, 1) for t in totals],
        },
    }
    return render(request, "workforce/municipality.html", context)


@login_required
def export_forecast(request: AuthedRequest) -> HttpResponse:
    region, run = _forecast_to_export(request)
    rows = (
        (
            c.municipality.name,
            c.subject.name,
            c.year,
            round(c.supply, 2),
            round(c.demand, 2),
            round(c.hidden, 2),
            round(c.total_gap, 2),
            round(c.leavers, 2),
            round(c.entrants, 2),
        )
        for c in queries.cells_visible(request.user, run)
        .select_related("municipality", "subject")
        .order_by("municipality__name", "subject__name", "year")
        .iterator()
    )
    return xlsx.response(importexport.forecast_xlsx(rows), f"workforce-forecast-{region.code}-{run.base_year}.xlsx")


@login_required
def export_risk(request: AuthedRequest) -> HttpResponse:
    region, run = _forecast_to_export(request)
    rows = (
        (
            r.municipality.name,
            r.subject.name,
            r.index,
            r.aged_60,
            r.vacancy,
            r.overload,
            r.gap,
            r.deficits,
        )
        for r in queries.risks_visible(request.user, run).order_by("-index")
    )
    return xlsx.response(importexport.risk_xlsx(rows), f"workforce-risk-{region.code}-{run.base_year}.xlsx")


@login_required
def registry(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, READERS)
    region = _region(request)
    upload = forms.UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":

        def run_import(data) -> int:
            importer = importexport.staffing_import if data["kind"] == "staffing" else importexport.classes_import
            try:
                return importer(actor=request.user, region=region, content=data["file"].read())
            except DomainError as exc:  # the rows at fault; the refusal's message follows
                for row in (exc.details or [])[:50]:
                    messages.warning(request, _("Row %(row)s, «%(column)s»: %(message)s") % row)
                raise

        imported = submit(request, upload, run_import)
        if imported:
            messages.success(request, _("Imported rows: %(n)s.") % {"n": imported.value})
            return redirect(_url("workforce:registry", region))
        status = imported.status
    posts = queries.posts_visible(request.user, region=region).order_by("organization__name", "subject__name", "pk")
    if request.GET.get("vacant") == "1":
        posts = posts.filter(closed_on__isnull=True, held__lt=F("fte"))
    page = Paginator(posts, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workforce/registry.html",
        {
            "region": region,
            "page": page,
            "upload": upload,
            "can_import": queries.is_region_level(request.user),
            "open_form": forms.PostOpenForm(
                organizations=queries.organizations_editable(request.user, region),
                initial={"position": "учитель", "fte": Decimal("1.00")},
            ),
            "ages": queries.age_structure(request.user, region=region),
            "vacant_only": request.GET.get("vacant") == "1",
        },
        status=status,
    )


@login_required
@require_POST
def post_new(request: AuthedRequest) -> HttpResponse:
    """Open a post in an organization whose staffing the user may change."""
    access.require_role(request.user, READERS)
    region = _region_posted(request)
    form = forms.PostOpenForm(request.POST, organizations=queries.organizations_editable(request.user, region))
    opened = submit(
        request,
        form,
        lambda data: services.post_open(actor=request.user, **data),
        _("The post is opened."),
    )
    if not opened:
        return refused(request, opened.status, _url("workforce:registry", region))
    return redirect("workforce:post", pk=opened.value.pk)


@login_required
def classes(request: AuthedRequest) -> HttpResponse:
    """A school's classes and pupils per grade in a school year: its head, its municipality's
    and region's operators edit them here (or import them), each change kept in the history."""
    access.require_role(request.user, READERS)
    region = _region_posted(request) if request.method == "POST" else _region(request)
    schools = queries.organizations_editable(request.user, region)
    if request.method == "POST":
        form = forms.ClassesForm(request.POST, organizations=schools)
        changed = submit(
            request,
            form,
            lambda data: services.classes_set(
                actor=request.user,
                organization=data["organization"],
                year=data["year"],
                grades={
                    grade: None if count is None else services.GradeCount(*count)
                    for grade, count in form.grades().items()
                },
            ),
        )
        school, year = form.cleaned_data.get("organization"), form.cleaned_data.get("year")
        if changed:
            messages.success(request, _("Saved; grades changed: %(n)s.") % {"n": changed.value})
            where = f"&organization={school.pk}" if school else ""
            return redirect(_url("workforce:classes", region) + where + (f"&year={year}" if year else ""))
        # Refused: the page again with the figures as typed, its status, the reasons above.
        year = year or queries.school_year_start().year
        return _classes_page(request, region, schools, school, year, form, changed.status)
    wanted = int_param(request, "organization")
    school = schools.filter(pk=wanted).first() if wanted else schools.first()
    if wanted and school is None:
        raise NotFound(_("Not found, or you have no access to it."))
    year = int_param(request, "year") or queries.school_year_start().year
    if not (services.INPUT_YEAR_MIN <= year <= services.INPUT_YEAR_MAX):
        year = queries.school_year_start().year
    form = forms.ClassesForm(
        organizations=schools,
        initial={
            "organization": school.pk if school else None,
            "year": year,
            **(queries.classes_initial(school, year) if school else {}),
        },
    )
    return _classes_page(request, region, schools, school, year, form, 200)


def _classes_page(request, region, schools, school, year: int, form, status: int) -> HttpResponse:
    return render(
        request,
        "workforce/classes.html",
        {
            "region": region,
            "schools": schools,
            "school": school,
            "year": year,
            "form": form,
            "grades": [(grade, form[f"classes_{grade}"], form[f"pupils_{grade}"]) for grade in forms.GRADES],
            "years": queries.classes_years(school) if school else [],
            "history": queries.classes_history(school) if school else [],
        },
        status=status,
    )


@login_required
def template_download(request: AuthedRequest, kind: str) -> HttpResponse:
    access.require_role(request.user, READERS)
    columns = importexport.STAFFING_COLUMNS if kind == "staffing" else importexport.CLASS_COLUMNS
    return xlsx.response(
        importexport.template(columns),
        f"workforce-{'staffing' if kind == 'staffing' else 'classes'}-template.xlsx",
    )


@login_required
@require_safe
def post(request: AuthedRequest, pk: int) -> HttpResponse:
    access.require_role(request.user, READERS)
    return _post_page(request, queries.post_visible(request.user, pk))


def _post_page(request: AuthedRequest, item, status: int = 200) -> HttpResponse:
    return render(
        request,
        "workforce/post.html",
        {
            "post": item,
            "actions": post_actions(request.user, item),
            "holdings": queries.holdings_of(request.user, item),
            "events": item.events.select_related("actor")[:100],
            "held": services.post_held_fte(item),
            "fill": forms.FillForm(),
            "end": forms.EndForm(),
            "close": forms.CloseForm(),
            "change": forms.PostChangeForm(initial={"position": item.position, "fte": item.fte}),
        },
        status=status,
    )


def _post_action(request: AuthedRequest, pk: int, form_class, call) -> HttpResponse:
    """One action on a post: its form, one service call; a refusal is the post's page again with
    the refusal's status and message."""
    access.require_role(request.user, READERS)
    item = queries.post_visible(request.user, pk)
    outcome = submit(request, form_class(request.POST), lambda data: call(item, data), _("Saved."))
    return answer(
        outcome,
        then=lambda: redirect("workforce:post", pk=item.pk),
        again=lambda status: _post_page(request, queries.post_visible(request.user, pk), status),
    )


@login_required
@require_POST
def post_fill(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.FillForm,
        lambda item, data: services.post_fill(
            actor=request.user,
            post=item,
            educator=queries.educator_visible(request.user, data["educator"]),
            fte=data["fte"],
            started_on=data["started_on"],
            out_of_field=data["out_of_field"],
        ),
    )


@login_required
@require_POST
def post_end(request: AuthedRequest, pk: int) -> HttpResponse:
    def end(item, data):
        holding = queries.holdings_of(request.user, item).filter(pk=data["assignment"]).first()
        if holding is None:
            raise NotFound(_("Not found, or you have no access to it."))
        services.assignment_end(
            actor=request.user, assignment=holding, ended_on=data["ended_on"], reason=data["reason"]
        )

    return _post_action(request, pk, forms.EndForm, end)


@login_required
@require_POST
def post_close(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.CloseForm,
        lambda item, data: services.post_close(actor=request.user, post=item, closed_on=data["closed_on"]),
    )


@login_required
@require_POST
def post_change(request: AuthedRequest, pk: int) -> HttpResponse:
    return _post_action(
        request,
        pk,
        forms.PostChangeForm,
        lambda item, data: services.post_change(
            actor=request.user, post=item, fte=data["fte"], position=data["position"]
        ),
    )


@login_required
@require_safe
def pipeline(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, READERS)
    region = _region(request)
    contracts = queries.contracts_visible(request.user, region=region)
    page = Paginator(contracts.order_by("graduation_year", "student__last_name", "pk"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "workforce/pipeline.html",
        {
            "region": region,
            "rows": queries.pipeline(contracts),
            "page": page,
            "can_place": queries.is_region_level(request.user),
            "may_overview": access.has_role(request.user, *FORECAST_READERS),
        },
    )


def _contract_action(request: AuthedRequest, form_class, call) -> HttpResponse:
    """One action on a targeted contract the user sees; a refusal answers with its status."""
    access.require_role(request.user, READERS)
    region = _region(request)
    contracts = queries.contracts_visible(request.user, region=region)

    def run(data):
        contract: TargetedContract | None = contracts.filter(pk=data["contract"]).first()
        if contract is None:
            raise NotFound(_("Not found, or you have no access to it."))
        return call(contract, data)

    back = _url("workforce:pipeline", region)
    outcome = submit(request, form_class(request.POST), run, _("Saved."))
    return after(request, outcome, redirect(back))


@login_required
@require_POST
def contract_place(request: AuthedRequest) -> HttpResponse:
    return _contract_action(
        request,
        forms.PlaceForm,
        lambda contract, data: services.contract_place(
            actor=request.user,
            contract=contract,
            post=queries.post_visible(request.user, data["post"]),
            placed_on=data["placed_on"],
        ),
    )


@login_required
@require_POST
def contract_break(request: AuthedRequest) -> HttpResponse:
    return _contract_action(
        request, forms.BreakForm, lambda contract, _data: services.contract_break(actor=request.user, contract=contract)
    )


@login_required
def scenarios(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, REGION_LEVEL)
    region = _region(request)
    form = forms.ScenarioForm(request.POST or None, region=region)
    status = 200
    if request.method == "POST":

        @transaction.atomic  # a scenario that cannot be calculated is not kept
        def calculate(data) -> None:
            base = queries.latest_run(region)
            scenario = services.scenario_create(actor=request.user, region=region, **data)
            services.forecast_run(
                actor=request.user,
                region=region,
                scenario=scenario,
                years=base.years if base else 10,
            )

        outcome = submit(request, form, calculate, _("The scenario is calculated."))
        if outcome:
            return redirect(_url("workforce:scenarios", region))
        status = outcome.status
    base = queries.latest_run(region)
    columns: list[tuple[str, Scenario | None, list[queries.YearTotal]]] = []
    if base is not None:
        columns.append(
            (
                _("Base forecast"),
                None,
                queries.totals_by_year(queries.cells_visible(request.user, base)),
            )
        )
        for scenario in Scenario.objects.filter(region=region).order_by("pk")[:6]:
            run = queries.latest_run(region, scenario)
            if run is not None:
                columns.append(
                    (
                        scenario.name,
                        scenario,
                        queries.totals_by_year(queries.cells_visible(request.user, run)),
                    )
                )
    years = [t.year for t in columns[0][2]] if columns else []
    table = [
        {
            "year": year,
            "values": [
                next((round(t.total_gap, 1) for t in totals if t.year == year), None) for _, _, totals in columns
            ],
        }
        for year in years
    ]
    chart = {
        "years": years,
        "series": [{"label": str(name), "gap": [round(t.total_gap, 1) for t in totals]} for name, _, totals in columns],
    }
    return render(
        request,
        "workforce/scenarios.html",
        {"region": region, "form": form, "columns": columns, "table": table, "chart": chart},
        status=status,
    )


# ---------------------------------------------------------------- the region's forecast inputs


@login_required
def curriculum(request: AuthedRequest) -> HttpResponse:
    """Curriculum hours per subject and grade: the region's own values over the federal ones."""
    access.require_role(request.user, REGION_LEVEL)
    region = _region_posted(request) if request.method == "POST" else _region(request)
    form = forms.CurriculumForm(request.POST or None)
    if request.method == "POST":
        changed = submit(
            request,
            form,
            lambda data: services.curriculum_set(
                actor=request.user, region=region, subject=data["subject"], hours=form.hours()
            ),
        )
        if changed:
            messages.success(request, _("Saved; grades changed: %(n)s.") % {"n": changed.value})
        return after(request, changed, redirect(_url("workforce:curriculum", region)))
    return render(
        request,
        "workforce/curriculum.html",
        {
            "region": region,
            "rows": queries.curriculum_table(region),
            "grades": list(forms.GRADES),
            "form": form,
            "history": queries.input_history(region, InputChange.Kind.CURRICULUM),
        },
    )


@login_required
def rates(request: AuthedRequest) -> HttpResponse:
    """The region's default leave rates by age band (the forecast estimates from history
    where a band has enough exposure, else uses these)."""
    access.require_role(request.user, REGION_LEVEL)
    region = _region_posted(request) if request.method == "POST" else _region(request)
    current = queries.leave_rates(region)
    initial = [
        {
            "from_age": r.from_age,
            "to_age": r.to_age,
            "rate": (r.rate * 100).quantize(Decimal("0.01")),
        }
        for r in current
    ]
    formset = (
        forms.BandFormSet(request.POST, prefix="band")
        if request.method == "POST"
        else forms.BandFormSet(initial=initial, prefix="band")
    )
    if request.method == "POST":
        outcome = Outcome(False, status=400)
        if formset.is_valid():
            outcome = act(
                request,
                lambda: services.leave_rates_set(
                    actor=request.user,
                    region=region,
                    bands=[services.Band(*band) for band in formset.bands()],
                ),
                _("Saved."),
            )
        else:  # a formset is many forms: name the row of each error
            for number, row in enumerate(formset.forms, 1):
                for error in (e for errors in row.errors.values() for e in errors):
                    messages.error(request, f"{_('row')} {number}: {error}")
            for error in formset.non_form_errors():
                messages.error(request, str(error))
        return after(request, outcome, redirect(_url("workforce:rates", region)))
    return render(
        request,
        "workforce/rates.html",
        {
            "region": region,
            "formset": formset,
            "history": queries.input_history(region, InputChange.Kind.LEAVE_RATES),
        },
    )


def _plan_years() -> list[int]:
    first = queries.school_year_start().year + 1
    return list(range(first, first + services.MAX_YEARS))


@login_required
def plan(request: AuthedRequest) -> HttpResponse:
    """The region's plan inputs: first-grade entry per municipality and year, planned entrants."""
    access.require_role(request.user, REGION_LEVEL)
    region = _region(request)
    years = _plan_years()
    return render(
        request,
        "workforce/plan.html",
        {
            "region": region,
            "years": years,
            "entry": queries.first_grade_table(region, years),
            "entrants": queries.entrant_plan(region),
            "entry_form": forms.EntryForm(region=region, initial={"year": years[0]}),
            "entrant_form": forms.EntrantForm(region=region, initial={"year": years[0]}),
            "entry_history": queries.input_history(region, InputChange.Kind.FIRST_GRADE, 15),
            "entrant_history": queries.input_history(region, InputChange.Kind.ENTRANTS, 15),
        },
    )


@login_required
@require_POST
def plan_entry(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, REGION_LEVEL)
    region = _region_posted(request)
    outcome = submit(
        request,
        forms.EntryForm(request.POST, region=region),
        lambda data: services.first_grade_entry_set(actor=request.user, region=region, **data),
        _("Saved."),
    )
    return after(request, outcome, redirect(_url("workforce:plan", region)))


@login_required
@require_POST
def plan_entrants(request: AuthedRequest) -> HttpResponse:
    access.require_role(request.user, REGION_LEVEL)
    region = _region_posted(request)
    outcome = submit(
        request,
        forms.EntrantForm(request.POST, region=region),
        lambda data: services.entrant_plan_set(actor=request.user, region=region, **data),
        _("Saved."),
    )
    return after(request, outcome, redirect(_url("workforce:plan", region)))
