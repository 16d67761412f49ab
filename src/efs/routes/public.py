"""What other apps may use of `routes` (ADR 0006), and the data elements it publishes for
monitoring: counts per organization (the educator's current one) and month.

A higher app (support) reads the items of an educator's active route and hands a result
over as evidence of an item; the tutor then reviews it as any other evidence. A higher app
contributes route activities through the registry of item sources (`register_item_source`,
routes/registry.py) and reads their measured effect with `item_effects`."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef

from efs.periods import utc_bounds

from .models import (
    Evidence,
    GoalStatus,
    ItemKind,
    ItemStatus,
    Route,
    RouteEvent,
    RouteGoal,
    RouteItem,
    RouteStatus,
)
from .queries import active_route_items, routes_open_to_add
from .registry import ItemSource, SourceCandidate, SourceQuery, register_item_source
from .services import (
    EVIDENCE_MAX_BYTES,
    EVIDENCE_TYPES,
    content_matches,
    evidence_submit,
    item_add_sourced,
    item_effects,
)

__all__ = [
    "EVIDENCE_MAX_BYTES",
    "EVIDENCE_TYPES",
    "Evidence",
    "GoalStatus",
    "ItemKind",
    "ItemSource",
    "ItemStatus",
    "RouteItem",
    "RouteStatus",
    "SourceCandidate",
    "SourceQuery",
    "active_route_items",
    "content_matches",
    "element_educators_closed_deficit",
    "element_educators_remeasured",
    "element_educators_with_route",
    "evidence_submit",
    "item_add_sourced",
    "item_effects",
    "register_item_source",
    "routes_open_to_add",
]

REMEASURED_WINDOW_MONTHS = 12


def element_educators_with_route(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Active educators whose route was approved by the month's end and not stopped by then."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        approved = RouteEvent.objects.filter(route=OuterRef("pk"), action="approved", at__lt=end)
        stopped = RouteEvent.objects.filter(route=OuterRef("pk"), action="abandoned", at__lt=end)
        counts = (
            Route.objects.filter(Exists(approved), ~Exists(stopped), educator__is_active=True)
            .values("educator__organization_id")
            .annotate(n=Count("educator_id", distinct=True))
            .order_by()
        )
        rows += [(c["educator__organization_id"], index, c["n"]) for c in counts if c["educator__organization_id"]]
    return rows


def _remeasured(months: list[dt.date], statuses: tuple[str, ...]) -> list[tuple[int, int, int]]:
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month, months_back=REMEASURED_WINDOW_MONTHS)
        counts = (
            RouteGoal.objects.filter(
                status__in=statuses,
                remeasured_attempt__finished_at__gte=start,
                remeasured_attempt__finished_at__lt=end,
                route__educator__is_active=True,
            )
            .values("route__educator__organization_id")
            .annotate(n=Count("route__educator_id", distinct=True))
            .order_by()
        )
        rows += [
            (c["route__educator__organization_id"], index, c["n"])
            for c in counts
            if c["route__educator__organization_id"]
        ]
    return rows


def element_educators_remeasured(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Educators re-diagnosed on a route's deficit in the 12 months up to the month's end."""
    return _remeasured(months, (GoalStatus.ACHIEVED, GoalStatus.NOT_ACHIEVED))


def element_educators_closed_deficit(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Of those, educators who closed at least one deficit at the re-diagnosis."""
    return _remeasured(months, (GoalStatus.ACHIEVED,))


def _routes_by_month(months: list[dt.date], **filters) -> list[tuple[int, int, int]]:
    """Routes created by each month's end, not abandoned, in their status as it is now (the
    home pages' figures; statuses are not historised here)."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            Route.objects.filter(created_at__lt=end, **filters)
            .exclude(status=RouteStatus.ABANDONED)
            .values_list("educator__organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += [(org, index, n) for org, n in counts if org]
    return rows


def element_routes_of_status(status: str):
    """Routes in one status (draft, sent, approved, in progress, completed) per organization."""

    def source(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
        return _routes_by_month(months, status=status)

    return source


def element_educators_routed(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Educators with a route in any status but abandoned (a draft counts), created by the month's end."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            Route.objects.filter(created_at__lt=end)
            .exclude(status=RouteStatus.ABANDONED)
            .values_list("educator__organization_id")
            .annotate(n=Count("educator_id", distinct=True))
            .order_by()
        )
        rows += [(org, index, n) for org, n in counts if org]
    return rows


__all__ += ["element_educators_routed", "element_routes_of_status"]


# The same elements as one query each over all months (monitoring's build runs them inside
# an INSERT … SELECT): rows of ``org, idx, value``; see `efs.periods.month_table`.


def _educator_table() -> str:
    return Route._meta.get_field("educator").related_model._meta.db_table


def element_educators_with_route_sql(months: list[dt.date]) -> tuple[str, list]:
    """A route counts at a month when its first approval is before the month's end and it
    was not abandoned before then (the Exists pair of `element_educators_with_route`)."""
    from efs.periods import month_table

    month_sql, month_params = month_table(months)
    return (
        "SELECT e.organization_id AS org, m.idx AS idx, COUNT(DISTINCT r.educator_id) AS value "
        "FROM (SELECT route_id, MIN(CASE WHEN action = %s THEN at END) AS approved_at, "
        "MIN(CASE WHEN action = %s THEN at END) AS stopped_at "
        f"FROM {RouteEvent._meta.db_table} WHERE action IN (%s, %s) GROUP BY route_id) v "
        f"JOIN {Route._meta.db_table} r ON r.id = v.route_id JOIN {_educator_table()} e ON e.id = r.educator_id "
        f"JOIN {month_sql} m ON v.approved_at < m.end_at AND (v.stopped_at IS NULL OR v.stopped_at >= m.end_at) "
        "WHERE e.is_active = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        ["approved", "abandoned", "approved", "abandoned", *month_params, True],
    )


def _remeasured_sql(months: list[dt.date], statuses: tuple[str, ...]) -> tuple[str, list]:
    from efs.periods import month_table

    month_sql, month_params = month_table(months, back=REMEASURED_WINDOW_MONTHS)
    attempts = RouteGoal._meta.get_field("remeasured_attempt").related_model._meta.db_table
    marks = ", ".join(["%s"] * len(statuses))
    return (
        "SELECT e.organization_id AS org, m.idx AS idx, COUNT(DISTINCT r.educator_id) AS value "
        f"FROM {RouteGoal._meta.db_table} g JOIN {attempts} a ON a.id = g.remeasured_attempt_id "
        f"JOIN {Route._meta.db_table} r ON r.id = g.route_id JOIN {_educator_table()} e ON e.id = r.educator_id "
        f"JOIN {month_sql} m ON a.finished_at >= m.back_at AND a.finished_at < m.end_at "
        f"WHERE g.status IN ({marks}) AND e.is_active = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, *(str(s) for s in statuses), True],
    )


def element_educators_remeasured_sql(months: list[dt.date]) -> tuple[str, list]:
    return _remeasured_sql(months, (GoalStatus.ACHIEVED.value, GoalStatus.NOT_ACHIEVED.value))


def element_educators_closed_deficit_sql(months: list[dt.date]) -> tuple[str, list]:
    return _remeasured_sql(months, (GoalStatus.ACHIEVED.value,))


def element_routes_of_status_sql(status: str):
    """Routes created by each month's end in the status (as it is now): a running sum."""

    def sql(months: list[dt.date]) -> tuple[str, list]:
        from efs.periods import cumulative, month_bucket, month_last_end

        bucket, bucket_params = month_bucket("r.created_at", months)
        return cumulative(
            f"SELECT e.organization_id AS org, {bucket} AS bucket, COUNT(*) AS n FROM {Route._meta.db_table} r "
            f"JOIN {_educator_table()} e ON e.id = r.educator_id "
            "WHERE r.status = %s AND r.status <> %s AND r.created_at < %s AND e.organization_id IS NOT NULL "
            "GROUP BY 1, 2",
            [*bucket_params, str(status), RouteStatus.ABANDONED.value, month_last_end(months)],
            months,
        )

    return sql


def element_educators_routed_sql(months: list[dt.date]) -> tuple[str, list]:
    """An educator counts from the month of their first route that is not abandoned."""
    from efs.periods import counted_from_first

    return counted_from_first(
        f"SELECT educator_id, MIN(created_at) AS first_at FROM {Route._meta.db_table} "
        "WHERE status <> %s GROUP BY educator_id",
        [RouteStatus.ABANDONED.value],
        educators=_educator_table(),
        join="e.id = f.educator_id",
        months=months,
        active_only=False,
    )


__all__ += [
    "element_educators_closed_deficit_sql",
    "element_educators_remeasured_sql",
    "element_educators_routed_sql",
    "element_educators_with_route_sql",
    "element_routes_of_status_sql",
]
