"""The data elements practices publishes for monitoring (through `practices.public`): counts
per organization and calendar month (UTC).

- practices in the bank at the month's end (a stock, by the author organization): included or
  recommended now and published by then (the bank's current state, as the directory is);
- replication reports, by the replicating organization and the month the practice was
  implemented (a flow);
- network events held in the month (a flow: ended by then), by the community's host
  organization, else the organization of the educator who created the event; an event with
  neither is counted at no level;
- community members at the month's end (a stock): educators with an active membership in a
  network community made by then, each counted once, at their current organization.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils import timezone

from efs.periods import utc_bounds

from .models import PUBLIC_STATUSES, Practice, Replication
from .network.models import Event, Membership, MemberStatus

Rows = list[tuple[int, int, int]]


def _rows(counts, key: str, index: int) -> Rows:
    return [(c[key], index, c["n"]) for c in counts if c[key] and c["n"]]


def element_practices_in_bank(*, months: list[dt.date]) -> Rows:
    rows: Rows = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            Practice.objects.filter(status__in=PUBLIC_STATUSES, published_at__lt=end)
            .values("organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += _rows(counts, "organization_id", index)
    return rows


def element_replications(*, months: list[dt.date]) -> Rows:
    rows: Rows = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month)
        counts = (
            Replication.objects.filter(implemented_on__gte=start.date(), implemented_on__lt=end.date())
            .values("organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += _rows(counts, "organization_id", index)
    return rows


def element_events_held(*, months: list[dt.date]) -> Rows:
    rows: Rows = []
    now = timezone.now()
    for index, month in enumerate(months):
        start, end = utc_bounds(month)
        counts = (
            Event.objects.filter(ends_at__gte=start, ends_at__lt=min(end, now))
            .annotate(org=Coalesce("community__organization_id", "created_by__educator__organization_id"))
            .values("org")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += _rows(counts, "org", index)
    return rows


def element_community_members(*, months: list[dt.date]) -> Rows:
    rows: Rows = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            Membership.objects.filter(status=MemberStatus.ACTIVE, created_at__lt=end, user__educator__is_active=True)
            .values("user__educator__organization_id")
            .annotate(n=Count("user_id", distinct=True))
            .order_by()
        )
        rows += _rows(counts, "user__educator__organization_id", index)
    return rows


# The same elements as one query each over all months (monitoring's build runs them inside
# an INSERT … SELECT): rows of ``org, idx, value``; see `efs.periods.month_table`.


def element_practices_in_bank_sql(months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import cumulative, month_bucket, month_last_end

    bucket, bucket_params = month_bucket("published_at", months)
    return cumulative(
        f"SELECT organization_id AS org, {bucket} AS bucket, COUNT(*) AS n FROM {Practice._meta.db_table} "
        "WHERE status IN (%s, %s) AND published_at < %s AND organization_id IS NOT NULL GROUP BY 1, 2",
        [*bucket_params, *(s.value for s in PUBLIC_STATUSES), month_last_end(months)],
        months,
    )


def element_replications_sql(months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import month_table

    month_sql, month_params = month_table(months)
    return (
        f"SELECT x.organization_id AS org, m.idx AS idx, COUNT(*) AS value FROM {Replication._meta.db_table} x "
        f"JOIN {month_sql} m ON x.implemented_on >= m.first_day AND x.implemented_on <= m.last_day "
        "WHERE x.organization_id IS NOT NULL GROUP BY 1, 2",
        month_params,
    )


def _educators() -> str:
    from efs.people.public import Educator

    return Educator._meta.db_table


def element_events_held_sql(months: list[dt.date]) -> tuple[str, list]:
    from django.db import connection

    from efs.periods import month_table

    from .network.models import Community

    month_sql, month_params = month_table(months)
    return (
        "SELECT COALESCE(c.organization_id, ce.organization_id) AS org, m.idx AS idx, COUNT(*) AS value "
        f"FROM {Event._meta.db_table} x JOIN {Community._meta.db_table} c ON c.id = x.community_id "
        f"LEFT JOIN {_educators()} ce ON ce.user_id = x.created_by_id "
        f"JOIN {month_sql} m ON x.ends_at >= m.start_at AND x.ends_at < m.end_at "
        "WHERE x.ends_at < %s AND COALESCE(c.organization_id, ce.organization_id) IS NOT NULL GROUP BY 1, 2",
        [*month_params, connection.ops.adapt_datetimefield_value(timezone.now())],
    )


def element_community_members_sql(months: list[dt.date]) -> tuple[str, list]:
    """A member counts from the month of their first active membership on."""
    from efs.periods import counted_from_first

    return counted_from_first(
        f"SELECT user_id, MIN(created_at) AS first_at FROM {Membership._meta.db_table} "
        "WHERE status = %s GROUP BY user_id",
        [MemberStatus.ACTIVE.value],
        educators=_educators(),
        join="e.user_id = f.user_id",
        months=months,
    )
