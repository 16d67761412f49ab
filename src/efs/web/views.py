"""The role-aware home page and the health check."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from efs import fragments
from efs.catalog.models import Program, ProgramStatus, Review, ReviewStatus
from efs.diagnostics import queries as diagnostics
from efs.financing import queries as financing
from efs.financing.models import EnrollmentStatus
from efs.financing.services import certificate_of
from efs.http import AuthedRequest
from efs.monitoring import public as monitoring
from efs.people import access
from efs.people import queries as people
from efs.people.models import Organization, Region, Role
from efs.people.services import consent_needed, consents_active
from efs.routes import queries as routes
from efs.routes import services as route_services


def _teacher(user) -> dict:
    educator = access.own_educator(user)
    if educator is None:
        return {"educator": None}
    attempts = list(diagnostics.attempts_visible(user, educator_id=educator.pk)[:5])
    finished = next((a for a in attempts if a.status in diagnostics.FINISHED), None)
    consents = consents_active(educator)  # a kind without a published text: shown as not given
    results = diagnostics.results_of(finished) if finished else []
    return {
        "educator": educator,
        "consents": consents,
        "consent_needed": consent_needed(educator),
        "open_attempt": next((a for a in attempts if a.status == "in_progress"), None),
        "last_attempt": finished,
        "last_results": results,
        "has_deficits": any(r.decision in ("deficit", "uncertain") for r in results),
        "certificate": certificate_of(educator),
        **_my_route(user, educator),
    }


def _my_route(user, educator) -> dict:
    """The active route with its progress and the next activity, for the teacher's home."""
    route = routes.my_route_overview(educator)
    if route is None:
        return {"route": None}
    state = route_services.summary(route, reasons=False)  # the home shows no reasons for uncovered goals
    upcoming = routes.upcoming(route)
    return {"route": route, "route_state": state, "next_items": upcoming[:3]}


def _supporter(user, role: str) -> dict:
    qs = people.assigned_educators(user, role=role)
    section = {"count": qs.count(), "people": list(qs[:10])}
    if role == Role.TUTOR:
        queue = routes.tutor_queue(user)
        section |= {
            "to_approve": len(queue["to_approve"]),
            "evidence": len(queue["evidence"]),
            "active_routes": len(queue["active"]),
        }
    return section


def _provider(user, grants) -> dict:
    ids = [g.organization_id for g in grants if g.role == Role.PROVIDER]
    counts = dict(Program.objects.filter(provider_id__in=ids).values_list("status").annotate(n=Count("id")).order_by())
    return {
        "organizations": list(Organization.objects.filter(pk__in=ids)),
        "requests": financing.provider_enrollments(user, [EnrollmentStatus.REQUESTED]).count(),
        "to_close": financing.provider_enrollments(user, [EnrollmentStatus.ACCEPTED])
        .filter(cohort__start_date__lte=timezone.localdate())
        .count(),
        "programs": sum(counts.values()),
        "statuses": [(label, counts[value]) for value, label in ProgramStatus.choices if counts.get(value)],
    }


def _expert(user) -> dict:
    counts = dict(Review.objects.filter(expert=user).values_list("status").annotate(n=Count("id")).order_by())
    return {"assigned": counts.get(ReviewStatus.ASSIGNED, 0), "submitted": counts.get(ReviewStatus.SUBMITTED, 0)}


def _federal_regions(user) -> list[dict]:
    """Educators per region from monitoring's analytics table (built daily); before the first
    build, a cached group-by of the directory."""
    build, counts = monitoring.region_totals("educators")
    if build is not None:
        rows: list[dict[str, Any]] = [
            {"code": code, "name": name, "educators": counts.get(pk, 0)}
            for pk, code, name in Region.objects.values_list("pk", "code", "name")
        ]
        rows.sort(key=lambda row: (-row["educators"], row["code"]))
        return rows
    key = "home:federal:regions"
    rows = cache.get(key)
    if rows is None:
        counts = people.educators_per_region(user)
        rows = [{"code": r.code, "name": r.name, "educators": counts.get(r.pk, 0)} for r in Region.objects.all()]
        rows.sort(key=lambda row: (-row["educators"], row["code"]))
        cache.set(key, rows, 300)
    return rows


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user

    # The user's own part, from the cache until a table it shows is written (efs.fragments);
    # the grants are read only to make it (the key depends on their tables' stamps).
    def body() -> dict[str, str]:
        grants = access.grants(user)
        roles = {g.role for g in grants}
        context = {**fragments.placeholders(request), **_home_context(user, grants, roles)}
        return {"body": render_to_string("web/home.html#body", context)}

    parts = fragments.cached(request, "home", body)
    assert parts is not None
    return render(request, "web/home.html", {"body": parts["body"]})


def _home_context(user, grants, roles: set[str]) -> dict:
    sections: dict[str, dict] = {}
    if Role.TEACHER in roles:
        sections["teacher"] = _teacher(user)
    for role in (Role.TUTOR, Role.MENTOR):
        if role in roles:
            sections[role] = _supporter(user, role)
    for role in (Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR):
        if role in roles:
            unit_figures = monitoring.units_home(user, role)
            sections[role] = {"figures": unit_figures, "deficits": unit_figures.deficits}
    if Role.PROVIDER in roles:
        sections["provider"] = _provider(user, grants)
    if Role.EXPERT in roles:
        sections["expert"] = _expert(user)
    if Role.REGIONAL_OPERATOR in roles:
        regions = []
        mine = list(access.region_reach(user, roles=[Role.REGIONAL_OPERATOR]).regions())
        figures = monitoring.regions_home([region.pk for region in mine])
        for region in mine:
            regions.append(
                {
                    "region": region,
                    "figures": figures[region.pk],
                    "deficits": figures[region.pk].deficits,
                    "money": figures[region.pk].fund,
                }
            )
        sections["regional_operator"] = {"regions": regions}
    if Role.FEDERAL_OPERATOR in roles:
        regions = _federal_regions(user)
        sections["federal_operator"] = {
            "regions": regions,
            "total": sum(r["educators"] for r in regions),
            "with_data": sum(1 for r in regions if r["educators"]),
        }
    return {"sections": sections, "roles": roles, "Role": Role}


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
