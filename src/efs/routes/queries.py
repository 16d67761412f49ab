"""Reads of the routes app, all through the scoping mechanism."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from efs.people import access
from efs.people.models import Educator, Role, search_key

from .access import INDIVIDUAL, STATUS_READERS
from .models import (
    ACTIVE,
    Evidence,
    ItemStatus,
    Route,
    RouteEvent,
    RouteGoal,
    RouteItem,
    RouteStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations


def route_full(user, pk: int) -> Route:
    """A route with everything in it, for the educator, their tutor and mentor."""
    return access.get_scoped(
        Route.objects.select_related(
            "educator__organization", "educator__region", "tutor", "attempt__assessment"
        ).prefetch_related(
            Prefetch("goals", queryset=RouteGoal.objects.select_related("competency__framework")),
            Prefetch(
                "items",
                queryset=RouteItem.objects.select_related("cohort__municipality", "program").prefetch_related(
                    "evidence"
                ),
            ),
            Prefetch("events", queryset=RouteEvent.objects.select_related("actor")),
        ),
        user,
        roles=INDIVIDUAL,
        pk=pk,
    )


def evidence_in(user, pk: int, **where) -> Evidence:
    """One piece of evidence of a route the user may see (the educator, tutor, mentor)."""
    return access.get_scoped(Evidence.objects.filter(**where).select_related("item__route__educator"), user, pk=pk)


def my_route(educator: Educator) -> Route | None:
    return Route.objects.filter(educator=educator, status__in=ACTIVE).first()


def my_route_overview(educator: Educator) -> Route | None:
    """The active route with its tutor and items: what the teacher's home shows (two queries;
    :func:`route_full` also loads goals, evidence and events for the route page)."""
    return (
        Route.objects.filter(educator=educator, status__in=ACTIVE)
        .select_related("tutor")
        .prefetch_related("items")
        .first()
    )


def my_routes(user, educator: Educator) -> QuerySet[Route]:
    return access.scoped(Route.objects.filter(educator=educator), user, roles=[Role.TEACHER]).order_by("-created_at")


def tutor_queue(user) -> dict:
    """What a tutor has to do: routes to approve and evidence to review."""
    routes = access.scoped(
        Route.objects.select_related("educator__organization"), user, roles=[Role.TUTOR, Role.MENTOR]
    )
    evidence = access.scoped(Evidence.objects.select_related("item__route__educator"), user, roles=[Role.TUTOR]).filter(
        accepted__isnull=True
    )
    return {
        "to_approve": list(routes.filter(status=RouteStatus.PROPOSED).order_by("updated_at")),
        "evidence": list(evidence.order_by("uploaded_at")[:100]),
        "active": list(routes.filter(status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS]).annotate(
            items_total=Count("items", filter=~Q(items__status=ItemStatus.CANCELLED)),
            items_done=Count("items", filter=Q(items__status=ItemStatus.ACCEPTED)),
        ).order_by("educator__last_name")),
    }


@dataclass(frozen=True)
class StaffRow:
    educator_id: int
    name: str
    organization: str
    status: str
    status_label: StrOrPromise
    done: int
    total: int
    overdue: int


class _Progress(TypedDict):
    """What staff_routes annotates a route with."""

    total: int
    done: int
    overdue: int


def staff_routes(
    user,
    *,
    roles=STATUS_READERS,
    today: dt.date | None = None,
    status: str = "",
    overdue: bool = False,
    search: str = "",
) -> QuerySet[WithAnnotations[Route, _Progress]]:
    """Statuses and progress of the routes in the user's scope — no contents, evidence or comments."""
    today = today or timezone.localdate()
    routes = access.scoped(Route.objects.filter(status__in=[*ACTIVE, RouteStatus.COMPLETED]), user, roles=roles)
    if status in RouteStatus.values:
        routes = routes.filter(status=status)
    for word in search_key(search).split()[:4]:
        routes = routes.filter(educator__search_text__contains=word)
    late = Q(items__planned_end__lt=today) & Q(
        items__status__in=[ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.RETURNED]
    )
    routes = (
        routes.select_related("educator__organization")
        .annotate(
            total=Count("items", filter=~Q(items__status=ItemStatus.CANCELLED)),
            done=Count("items", filter=Q(items__status=ItemStatus.ACCEPTED)),
            overdue=Count("items", filter=late),
        )
        .order_by("educator__last_name", "educator__first_name", "pk")
    )
    return routes.filter(overdue__gt=0) if overdue else routes


def staff_row(route: WithAnnotations[Route, _Progress]) -> StaffRow:
    educator = route.educator
    return StaffRow(
        educator_id=educator.pk,
        name=educator.full_name,
        organization=educator.organization.display_name if educator.organization else "",
        status=route.status,
        status_label=RouteStatus(route.status).label,
        done=route.done,
        total=route.total,
        overdue=route.overdue,
    )


@dataclass(frozen=True)
class RouteSummary:
    educators: int
    with_route: int
    by_status: dict[str, int]

    @property
    def share(self) -> float:
        return self.with_route / self.educators if self.educators else 0.0


def routes_summary(user, *, roles=STATUS_READERS, region_id: int | None = None) -> RouteSummary:
    """The share of educators with an individual route (a regional indicator) and routes by
    status, optionally in one region."""
    educators = access.scoped(Educator.objects.filter(is_active=True), user, roles=roles)
    routes = access.scoped(Route.objects.exclude(status=RouteStatus.ABANDONED), user, roles=roles)
    if region_id:
        educators, routes = educators.filter(region_id=region_id), routes.filter(region_id=region_id)
    count = educators.count()
    by_status = dict(routes.values_list("status").annotate(n=Count("id")).order_by())
    with_route = routes.values("educator_id").distinct().count()
    return RouteSummary(educators=count, with_route=with_route, by_status=by_status)


def upcoming(route: Route, today: dt.date | None = None, days: int = 14) -> list[RouteItem]:
    today = today or timezone.localdate()
    return [
        i
        for i in route.items.all()
        if i.status in (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.RETURNED)
        and i.planned_end
        and i.planned_end <= today + dt.timedelta(days=days)
    ]


def routes_open_to_add(user) -> list[Route]:
    """The routes a person may add an activity to by hand (services.item_add_sourced): their own
    draft, and the draft or proposed routes of the educators they tutor."""
    own = list(Route.objects.filter(educator__user=user, status=RouteStatus.DRAFT).select_related("educator"))
    if not access.has_role(user, Role.TUTOR):
        return own
    tutored = access.scoped(Route.objects.select_related("educator"), user, roles=[Role.TUTOR]).filter(
        status__in=[RouteStatus.DRAFT, RouteStatus.PROPOSED],
        educator__support_assignments__supporter=user,
        educator__support_assignments__kind=Role.TUTOR,
        educator__support_assignments__active=True,
    )
    seen = {r.pk for r in own}
    return own + [r for r in tutored.distinct().order_by("educator__last_name", "pk")[:200] if r.pk not in seen]


def awaiting_tutor(user) -> QuerySet[Route]:
    """Routes sent for approval when the educator has no tutor (for the regional operator)."""
    return access.scoped(
        Route.objects.filter(status=RouteStatus.PROPOSED, tutor__isnull=True),
        user,
        roles=[Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR],
    ).select_related("educator__organization")


def enrolled_cohorts(educator_id: int) -> set[int]:
    """Cohorts the educator has an open or completed enrollment in (kept when a route is rebuilt)."""
    from efs.financing.models import OPEN_ENROLLMENT, Enrollment, EnrollmentStatus

    statuses = [*OPEN_ENROLLMENT, EnrollmentStatus.COMPLETED]
    return set(
        Enrollment.objects.filter(educator_id=educator_id, status__in=statuses).values_list("cohort_id", flat=True)
    )


def enrollments_of(route: Route) -> dict[int, object]:
    """The educator's latest enrollment in each cohort of the route (cohort id -> enrollment)."""
    from efs.financing.models import Enrollment

    cohorts = [i.cohort_id for i in route.items.all() if i.cohort_id]
    latest: dict[int, object] = {}
    for enrollment in Enrollment.objects.filter(educator_id=route.educator_id, cohort_id__in=cohorts).order_by(
        "requested_at"
    ):
        latest[enrollment.cohort_id] = enrollment
    return latest


@dataclass(frozen=True)
class Forecast:
    amount: int
    items: int
    routes: int
    by_month: list[tuple[dt.date, int]]


def spending_forecast(region_id: int, year: int) -> Forecast:
    """Priced cohorts in approved routes of the region's educators, starting in `year`,
    that nobody has enrolled in yet: money the region's certificates will be asked for."""
    from django.db.models import Exists, OuterRef, Sum
    from django.db.models.functions import TruncMonth

    from efs.financing.models import OPEN_ENROLLMENT, Enrollment, EnrollmentStatus

    enrolled = Enrollment.objects.filter(
        educator_id=OuterRef("route__educator_id"),
        cohort_id=OuterRef("cohort_id"),
        status__in=[*OPEN_ENROLLMENT, EnrollmentStatus.COMPLETED],
    )
    items = RouteItem.objects.filter(
        route__region_id=region_id,
        route__status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS],
        kind="cohort",
        status=ItemStatus.PLANNED,
        price__gt=0,
        planned_start__year=year,
    ).exclude(Exists(enrolled))
    totals = items.aggregate(amount=Sum("price"), n=Count("id"), routes=Count("route", distinct=True))
    months = (
        items.annotate(month=TruncMonth("planned_start")).values("month").annotate(total=Sum("price")).order_by("month")
    )
    return Forecast(
        amount=totals["amount"] or 0,
        items=totals["n"],
        routes=totals["routes"],
        by_month=[(m["month"], m["total"]) for m in months],
    )


@dataclass(frozen=True)
class PlanRouteRow:
    route_id: int
    name: str
    organization: str
    municipality: str
    status: str
    activities: int
    price: int


def plan_routes(user, route_ids: list[int]) -> list[PlanRouteRow]:
    """The routes a region-wide plan proposed, as the operator may see them."""
    routes = (
        access.scoped(
            Route.objects.filter(pk__in=route_ids), user, roles=[Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR]
        )
        .select_related("educator__organization__municipality")
        .annotate(activities=Count("items"), cost=Sum("items__price"))
        .order_by("educator__last_name", "educator__first_name", "pk")
    )
    rows = []
    for route in routes:
        organization = route.educator.organization
        rows.append(
            PlanRouteRow(
                route_id=route.pk,
                name=route.educator.full_name,
                organization=organization.display_name if organization else "",
                municipality=organization.municipality.name if organization and organization.municipality_id else "",
                status=str(RouteStatus(route.status).label),
                activities=route.activities,
                price=route.cost or 0,
            )
        )
    return rows


def active_route_items(educator: Educator) -> QuerySet[RouteItem]:
    """The items of the educator's active route (none when there is no active route)."""
    return (
        RouteItem.objects.filter(route__educator=educator, route__status__in=ACTIVE)
        .exclude(status=ItemStatus.CANCELLED)
        .order_by("planned_start", "order", "pk")
    )
