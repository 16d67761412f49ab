"""Monitoring pages: the dashboard of a unit and an indicator's passport with its values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from efs import xlsx
from efs.errors import DomainError, NotFound
from efs.http import AuthedRequest, client_ip, pdf_response
from efs.people import access
from efs.people.public import (
    Macroregion,
    Municipality,
    Organization,
    Region,
)
from efs.web.actions import form_page

from . import access as reach
from . import queries, services
from .elements import ELEMENTS
from .forms import PassportForm, ReleaseForm, ReportForm, TargetForm
from .models import Indicator, Level, Release

CHILD_LEVEL: dict[str, Level] = {
    Level.FEDERAL: Level.REGION,
    Level.MACROREGION: Level.REGION,
    Level.REGION: Level.MUNICIPALITY,
    Level.MUNICIPALITY: Level.ORGANIZATION,
}
PARENT_FIELD: dict[str, str] = {Level.REGION: "region_id", Level.MUNICIPALITY: "municipality_id"}


def _unit(request: HttpRequest) -> tuple[str, int]:
    level = request.GET.get("level", "")
    unit = request.GET.get("unit", "")
    if level in Level.values and unit.isdigit() and len(unit) <= 9:
        reach.require_unit(request.user, level, int(unit))
        return level, int(unit)
    if level or unit:
        raise NotFound(_("Choose a unit from the list."))
    return reach.home_unit(request.user)


def _region_of(level: str, unit_id: int) -> int | None:
    if level == Level.REGION:
        return unit_id
    if level == Level.MUNICIPALITY:
        return Municipality.objects.filter(pk=unit_id).values_list("region_id", flat=True).first()
    if level == Level.ORGANIZATION:
        return Organization.objects.filter(pk=unit_id).values_list("region_id", flat=True).first()
    return None


def _indicators(level: str, unit_id: int):
    region_id = _region_of(level, unit_id)
    return Indicator.objects.filter(Q(region__isnull=True) | Q(region_id=region_id)).prefetch_related("versions")


def _children(indicator: Indicator, level: str, unit_id: int, period: str) -> list[queries.IndicatorValue]:
    child = CHILD_LEVEL.get(level)
    if child is None:
        return []
    kwargs: dict = {}
    if level == Level.MACROREGION:
        kwargs["unit_ids"] = list(Macroregion.objects.filter(pk=unit_id).values_list("regions__pk", flat=True))
    elif level in PARENT_FIELD:
        kwargs[PARENT_FIELD[level]] = unit_id
    rows = queries.indicator_values(indicator=indicator, level=child, period=period, suppress=True, **kwargs)
    down = indicator.direction == "down"
    return sorted(rows, key=lambda r: (r.value is None, (r.value or 0) if down else -(r.value or 0), r.unit_name))


def _place(indicator: Indicator, regions: list[queries.IndicatorValue], region_id: int) -> tuple[int, int] | None:
    """The region's place among the regions that have a value (1 is the best by the passport's direction)."""
    values = [v for v in regions if v.value is not None]

    def key(v: queries.IndicatorValue) -> float:
        assert v.value is not None  # `values` holds the regions with a value
        return v.value if indicator.direction == "down" else -v.value

    ordered = sorted(values, key=key)
    for place, v in enumerate(ordered, start=1):
        if v.unit_id == region_id:
            return place, len(ordered)
    return None


def _unit_name(level: str, unit_id: int) -> str:
    return queries.unit_names(level, [unit_id]).get(unit_id, "")


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    level, unit_id = _unit(request)
    period = request.GET.get("period") or str(timezone.localdate().year)
    build = queries.published_build()
    queries.parse_period(period, build)  # a bad period is a 400 before anything else
    indicators = list(_indicators(level, unit_id))
    values = queries.indicator_values_many(
        indicators, level=level, period=period, unit_ids=[unit_id], suppress=True, trend=True, build=build
    )
    regions = (
        queries.indicator_values_many(indicators, level=Level.REGION, period=period, build=build)
        if level == Level.REGION
        else {}
    )
    cards = []
    for indicator in indicators:
        card = {"indicator": indicator, "value": next(iter(values.get(indicator.pk, [])), None)}
        if level == Level.REGION and card["value"] is not None and card["value"].value is not None:
            card["place"] = _place(indicator, regions.get(indicator.pk, []), unit_id)
        cards.append(card)
    chosen = next(
        (c["indicator"] for c in cards if c["indicator"].code == request.GET.get("indicator")),
        cards[0]["indicator"] if cards else None,
    )
    children = _children(chosen, level, unit_id, period) if chosen else []
    p = queries.parse_period(period, build)
    covered = queries.coverage(build, level=level, unit_id=unit_id, month=p.last) if build and p.last else None
    context = {
        "level": level,
        "unit_id": unit_id,
        "unit_name": _unit_name(level, unit_id),
        "period": period,
        "build": build,
        "cards": cards,
        "chosen": chosen,
        "children": children,
        "child_level": CHILD_LEVEL.get(level),
        "coverage": covered,
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 3, -1)),
        "can_drill_people": level in (Level.ORGANIZATION, Level.MUNICIPALITY, Level.REGION),
        "can_report": level == Level.REGION and access.may_act_on_region(request.user, unit_id, roles=services.EDITORS),
        "drill_href": (
            f"?level={CHILD_LEVEL.get(level, '')}&period={period}&indicator={chosen.code if chosen else ''}&unit="
        ),
    }
    return render(request, "monitoring/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def indicator(request: AuthedRequest, code: str) -> HttpResponse:
    level, unit_id = _unit(request)
    found = _indicators(level, unit_id).filter(code=code).first()
    if found is None:
        raise NotFound(_("Indicator not found."))
    period = request.GET.get("period") or str(timezone.localdate().year)
    can_set = level in (Level.REGION, Level.MUNICIPALITY) and (
        access.may_act_on_region(request.user, _region_of(level, unit_id), roles=services.EDITORS)
        or level == Level.MUNICIPALITY
    )
    form = TargetForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if form.is_valid():
            try:
                services.target_set(
                    actor=request.user,
                    indicator=found,
                    year=form.cleaned_data["year"],
                    level=level,
                    unit_id=unit_id,
                    value=form.cleaned_data["value"],
                    cascade=form.cleaned_data["cascade"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("Target saved."))
                return redirect(f"{request.path}?level={level}&unit={unit_id}&period={period}")
        else:
            status = 400
    else:
        status = 200
    mine = queries.indicator_values(
        indicator=found, level=level, period=period, unit_ids=[unit_id], suppress=True, trend=True
    )
    children = _children(found, level, unit_id, period)
    if request.GET.get("export") == "xlsx":
        return _export(found, level, unit_id, period, mine, children)
    context = {
        "indicator": found,
        "versions": found.versions.all(),
        "elements": ELEMENTS,
        "level": level,
        "unit_id": unit_id,
        "unit_name": _unit_name(level, unit_id),
        "period": period,
        "value": mine[0] if mine else None,
        "children": children,
        "child_level": CHILD_LEVEL.get(level),
        "form": form,
        "can_set": can_set,
        "build": queries.published_build(),
    }
    return render(request, "monitoring/indicator.html", context, status=status)


def _export(indicator: Indicator, level: str, unit_id: int, period: str, mine, children) -> HttpResponse:
    header = [_("Unit"), _("Numerator"), _("Denominator"), _("Value"), _("Target"), _("Status"), _("Formula version")]
    rows = [
        [
            r.unit_name,
            r.numerator,
            r.denominator,
            None if r.value is None else round(r.value, 2),
            r.target,
            r.status_word,
            r.formula_version,
        ]
        for r in [*mine, *children]
    ]
    content = xlsx.table_bytes(indicator.code[:31], header, rows)
    return xlsx.response(content, f"{indicator.code}-{level}-{unit_id}-{period}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def releases(request: AuthedRequest) -> HttpResponse:
    """Monthly releases of the regions the operator reaches, and the form to sign one off."""
    access.require_role(request.user, services.EDITORS)
    regions = access.region_reach(request.user, roles=services.EDITORS).regions()
    form = ReleaseForm(request.POST or None, regions=regions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                release = services.release_publish(
                    actor=request.user,
                    region=form.cleaned_data["region"],
                    month=form.cleaned_data["month"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("The release is signed and frozen."))
                return redirect("monitoring:release", pk=release.pk)
        else:
            status = 400
    items = Release.objects.filter(region__in=regions).select_related("region", "signed_by")[:50]
    return render(
        request,
        "monitoring/releases.html",
        {"form": form, "items": items, "build": queries.published_build()},
        status=status,
    )


@login_required
def release(request: AuthedRequest, pk: int) -> HttpResponse:
    access.require_role(request.user, services.EDITORS)
    found = Release.objects.select_related("region", "signed_by").filter(pk=pk).first()
    if found is None or not access.may_act_on_region(request.user, found.region_id, roles=services.EDITORS):
        raise NotFound(_("Not found, or you have no access to it."))
    values = list(found.values.select_related("indicator").exclude(level=Level.ORGANIZATION))
    if request.GET.get("export") == "xlsx":
        header = [
            _("Indicator"),
            _("Unit"),
            _("Numerator"),
            _("Denominator"),
            _("Value"),
            _("Target"),
            _("Status"),
            _("Formula version"),
        ]
        rows = [
            [
                v.indicator.name,
                v.unit_name,
                None if v.suppressed else v.numerator,
                None if v.suppressed else v.denominator,
                None if v.value is None else round(v.value, 2),
                v.target,
                queries.STATUS_WORDS.get(v.status, v.status),
                v.formula_version,
            ]
            for v in values
        ]
        return xlsx.response(
            xlsx.table_bytes(f"{found.month:%Y-%m}", header, rows),
            f"release-{found.region.code}-{found.month:%Y-%m}-v{found.version}.xlsx",
        )
    return render(
        request, "monitoring/release.html", {"release": found, "values": values, "status_words": queries.STATUS_WORDS}
    )


# ---------------------------------------------------------------- the federal operator's side-by-side view


def _chosen_indicators(request: HttpRequest) -> tuple[list[Indicator], list[Indicator]]:
    federal = list(Indicator.objects.filter(region__isnull=True).prefetch_related("versions"))
    wanted = [c for c in request.GET.getlist("indicator") if c][: queries.COMPARE_MAX]
    chosen = [ind for ind in federal if ind.code in wanted] if wanted else federal[:4]
    return federal, chosen


@login_required
def compare(request: AuthedRequest) -> HttpResponse:
    """The country's regions side by side on chosen federal indicators, with targets."""
    reach.require_federal(request.user)
    period = request.GET.get("period") or str(timezone.localdate().year)
    build = queries.published_build()
    queries.parse_period(period, build)
    federal, chosen = _chosen_indicators(request)
    sort = request.GET.get("sort") or (chosen[0].code if chosen else "")
    rows = queries.regions_side_by_side(chosen, period, sort=sort)
    mapped = next((i for i, ind in enumerate(chosen) if ind.code == sort), 0)
    context = {
        "federal": federal,
        "chosen": chosen,
        "chosen_codes": {i.code for i in chosen},
        "rows": rows,
        "period": period,
        "build": build,
        "sort": sort,
        "mapped": chosen[mapped] if chosen else None,
        "map_href": f"{reverse('monitoring:dashboard')}?level=region&period={period}&unit=",
        "map_values": [r.values[mapped] for r in rows if chosen and r.values[mapped] is not None],
        "with_data": sum(1 for r in rows if any(v is not None and v.value is not None for v in r.values)),
    }
    return render(request, "monitoring/compare.html", context)


# ---------------------------------------------------------------- drill-through to people

PEOPLE_PAGE = 50


@login_required
def people(request: AuthedRequest) -> HttpResponse:
    """The educators behind a unit's figures, only as far as the user's scope already shows
    them (the people app's scoping); every page opened is written to the audit log."""
    level, unit_id = _unit(request)
    asked = request.GET.get("page", "1")
    number = int(asked) if asked.isdigit() and len(asked) <= 6 else 1
    name = _unit_name(level, unit_id)
    count, items = reach.people_logged(
        request.user,
        level,
        unit_id,
        offset=(max(number, 1) - 1) * PEOPLE_PAGE,
        limit=PEOPLE_PAGE,
        unit_name=name,
        ip=client_ip(request),
    )
    page = Paginator(range(count), PEOPLE_PAGE).get_page(number)
    context = {
        "level": level,
        "unit_id": unit_id,
        "unit_name": name,
        "page": page,
        "items": items,
        "period": request.GET.get("period", ""),
    }
    return render(request, "monitoring/people.html", context)


# ---------------------------------------------------------------- the quarterly report


def _quarter_now() -> str:
    today = timezone.localdate()
    quarter = (today.month - 1) // 3  # the last finished quarter
    return f"{today.year - 1}-Q4" if quarter == 0 else f"{today.year}-Q{quarter}"


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """The quarterly report a region sends to the Ministry: on the page, in XLSX and in PDF."""
    access.require_role(request.user, services.EDITORS)
    regions = access.region_reach(request.user, roles=services.EDITORS).regions()
    data = (
        request.GET
        if "region" in request.GET
        else {"region": regions.values_list("pk", flat=True).first(), "quarter": _quarter_now()}
    )
    form = ReportForm(data, regions=regions)
    if not form.is_valid():
        return render(request, "monitoring/report.html", {"form": form, "report": None}, status=400)
    try:
        found = queries.quarterly_report(region=form.cleaned_data["region"], quarter=form.cleaned_data["quarter"])
    except DomainError as exc:
        form.add_error("quarter", exc.message)
        return render(request, "monitoring/report.html", {"form": form, "report": None}, status=exc.status)
    name = f"monitoring-{found.region.code}-{found.period}"
    if request.GET.get("format") == "xlsx":
        return xlsx.response(_report_xlsx(found), f"{name}.xlsx")
    if request.GET.get("format") == "pdf":
        return pdf_response(
            request, "monitoring/report_print.html", {"report": found, "now": timezone.now()}, f"{name}.pdf"
        )
    return render(request, "monitoring/report.html", {"form": form, "report": found})


def _report_xlsx(found: queries.QuarterlyReport) -> bytes:
    def number(v):
        return None if v is None or v.value is None else round(v.value, 2)

    main = xlsx.Sheet(
        _("Region"),
        [
            _("Indicator"),
            _("Code"),
            _("Unit of measure"),
            _("Value"),
            _("Numerator"),
            _("Denominator"),
            _("Target"),
            _("Expected by now"),
            _("Status"),
            _("Municipalities with data"),
            _("Formula version"),
        ],
        [
            [
                line.indicator.name,
                line.indicator.code,
                line.indicator.unit,
                number(line.value),
                line.value.numerator if line.value else None,
                line.value.denominator if line.value else None,
                line.value.target if line.value else None,
                None if not line.value or line.value.expected is None else round(line.value.expected, 2),
                line.value.status_word if line.value else queries.STATUS_WORDS["no_data"],
                f"{line.reported} / {found.municipality_count}",
                line.value.formula_version if line.value else None,
            ]
            for line in found.lines
        ],
        widths={"A": 60, "I": 18},
    )
    munis = xlsx.Sheet(
        _("Municipalities"),
        [_("Indicator"), _("Municipality"), _("Value"), _("Numerator"), _("Denominator"), _("Target"), _("Status")],
        [
            [
                line.indicator.name,
                m.unit_name,
                number(m),
                m.numerator,
                m.denominator,
                m.target,
                _("fewer than 5 people") if m.suppressed else m.status_word,
            ]
            for line in found.lines
            for m in line.municipalities
        ],
        widths={"A": 60, "B": 40},
    )
    return xlsx.workbook_bytes(main, munis)


# ---------------------------------------------------------------- a region's own passports


def _passport_region(request: HttpRequest) -> Region | None:
    """The region whose passports are shown: `?region=` (a region the user reaches), else the
    region of the user's home unit; None for the federal operator who chose none."""
    text = request.GET.get("region", "")
    if text:
        if not (text.isdigit() and len(text) <= 9):
            raise NotFound(_("Choose a region from the list."))
        reach.require_unit(request.user, Level.REGION, int(text))
        region_id: int | None = int(text)
    else:
        level, unit_id = reach.home_unit(request.user)
        region_id = _region_of(level, unit_id)
    if region_id is None:
        return None
    found = Region.objects.filter(pk=region_id).first()
    if found is None:
        raise NotFound(_("Region not found."))
    return found


def _passport_choices(region: Region):
    organizations = Organization.objects.filter(region=region, kind__in=services.OWNER_KINDS).order_by("name")
    # The people the service accepts as owners (`may_act_on_region`): no municipal operator,
    # and a macroregion's operator for each of its regions.
    owners = access.region_actors(region.pk, roles=services.PASSPORT_OWNERS).order_by("last_name", "first_name", "pk")
    return {"organizations": organizations, "owners": owners}


@login_required
def passports(request: AuthedRequest) -> HttpResponse:
    """The passports a region reports on: the federal ones and the region's own."""
    region = _passport_region(request)
    indicators = (
        Indicator.objects.filter(Q(region__isnull=True) | Q(region=region))
        .select_related("region", "owner", "owner_organization")
        .prefetch_related("versions")
        .order_by("region_id", "order", "code")
    )
    rows = [(ind, queries.current_formula(ind)) for ind in indicators]
    context = {
        "region": region,
        "federal": [row for row in rows if row[0].region_id is None],
        "own": [row for row in rows if row[0].region_id is not None],
        "elements": ELEMENTS,
        "can_edit": region is not None and services.may_edit(request.user, region.pk),
        "regions": Region.objects.order_by("code") if region is None or reach_everywhere(request.user) else None,
    }
    return render(request, "monitoring/passports.html", context)


def reach_everywhere(user) -> bool:
    return access.unit_reach(user, roles=reach.READERS).regions.everywhere


def _passport_form(request: HttpRequest, region: Region, *, indicator: Indicator | None) -> PassportForm:
    initial: dict = {}
    if indicator is not None:
        formula = queries.current_formula(indicator)
        initial = {
            "name": indicator.name,
            "description": indicator.description,
            "unit": indicator.unit,
            "periodicity": indicator.periodicity,
            "direction": indicator.direction,
            "source": indicator.source,
            "owner": indicator.owner_id,
            "owner_organization": indicator.owner_organization_id,
            "numerator": list(formula.numerator) if formula else [],
            "denominator": list(formula.denominator) if formula else [],
            "factor": formula.factor if formula else 100,
        }
    return PassportForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        creating=indicator is None,
        **_passport_choices(region),
    )


def _passport_page(
    request: AuthedRequest,
    region: Region,
    indicator: Indicator | None,
    save: Callable[[Mapping[str, Any]], Any],
    success: str,
) -> HttpResponse:
    """The passport form of a region's indicator (a new one where ``indicator`` is None): only
    for its editors; a valid POST is ``save``d and leads to the region's passports, a refused
    one shows the form again with the refusal's status."""
    services.require_passport_editor(request.user, region.pk)
    form = _passport_form(request, region, indicator=indicator)
    context = {"form": form, "region": region, "indicator": indicator}
    if indicator is not None:
        context["versions"] = indicator.versions.all()
    return form_page(
        request,
        form,
        save,
        success,
        then=lambda _saved: redirect(f"{reverse('monitoring:passports')}?region={region.pk}"),
        page=lambda status: render(request, "monitoring/passport_form.html", context, status=status),
    )


@login_required
@require_http_methods(["GET", "POST"])
def passport_new(request: AuthedRequest) -> HttpResponse:
    """A region's own passport, composed of the registry's data elements (never free SQL)."""
    region = _passport_region(request)
    if region is None:
        raise NotFound(_("Choose a region from the list."))
    return _passport_page(
        request,
        region,
        None,
        lambda data: services.indicator_create(actor=request.user, region=region, **data),
        _("The passport is created. Its values appear after the next build of the analytics tables."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def passport_edit(request: AuthedRequest, code: str) -> HttpResponse:
    """Change a region's passport; a changed formula becomes a new version."""
    found = Indicator.objects.select_related("region").prefetch_related("versions").filter(code=code).first()
    if found is None or found.region is None:
        raise NotFound(_("Indicator not found."))
    if not access.may_act_on_region(request.user, found.region_id, roles=reach.READERS) and not services.may_edit(
        request.user, found.region_id
    ):
        raise NotFound(_("Indicator not found."))
    return _passport_page(
        request,
        found.region,
        found,
        lambda data: services.indicator_update(actor=request.user, indicator=found, **data),
        _("The passport is saved."),
    )
