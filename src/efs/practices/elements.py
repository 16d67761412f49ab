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
