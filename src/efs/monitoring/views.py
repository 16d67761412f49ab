"""Monitoring pages: the dashboard of a unit and an indicator's passport with its values."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from efs import xlsx
from efs.errors import DomainError, NotFound
from efs.people import access
from efs.people.public import Macroregion, Municipality, Organization

from . import access as reach
from . import queries, services
from .elements import ELEMENTS
from .forms import ReleaseForm, TargetForm
from .models import Indicator, Level, Release

CHILD_LEVEL = {
    Level.FEDERAL: Level.REGION,
    Level.MACROREGION: Level.REGION,
    Level.REGION: Level.MUNICIPALITY,
    Level.MUNICIPALITY: Level.ORGANIZATION,
}
PARENT_FIELD = {Level.REGION: "region_id", Level.MUNICIPALITY: "municipality_id"}


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


def _place(indicator: Indicator, period: str, region_id: int) -> tuple[int, int] | None:
    """The region's place among the regions that have a value (1 is the best by the passport's direction)."""
    values = [
        v
        for v in queries.indicator_values(indicator=indicator, level=Level.REGION, period=period)
        if v.value is not None
    ]
    ordered = sorted(values, key=lambda v: v.value if indicator.direction == "down" else -v.value)
    for place, v in enumerate(ordered, start=1):
        if v.unit_id == region_id:
            return place, len(ordered)
    return None


def _unit_name(level: str, unit_id: int) -> str:
    return queries.unit_names(level, [unit_id]).get(unit_id, "")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    level, unit_id = _unit(request)
    period = request.GET.get("period") or str(timezone.localdate().year)
    build = queries.published_build()
    queries.parse_period(period, build)  # a bad period is a 400 before anything else
    cards = []
    for indicator in _indicators(level, unit_id):
        values = queries.indicator_values(
            indicator=indicator, level=level, period=period, unit_ids=[unit_id], suppress=True, trend=True
        )
        card = {"indicator": indicator, "value": values[0] if values else None}
        if level == Level.REGION and card["value"] is not None and card["value"].value is not None:
            card["place"] = _place(indicator, period, unit_id)
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
    }
    return render(request, "monitoring/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def indicator(request: HttpRequest, code: str) -> HttpResponse:
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
def releases(request: HttpRequest) -> HttpResponse:
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
def release(request: HttpRequest, pk: int) -> HttpResponse:
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
