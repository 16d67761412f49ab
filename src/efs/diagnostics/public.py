"""What other apps may use of `diagnostics` (ADR 0006), and the data elements it publishes
for monitoring: counts per organization (the educator's current one) and month."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from efs.periods import utc_bounds

from .models import Attempt, AttemptStatus
from .queries import FINISHED

__all__ = ["FINISHED", "AttemptStatus", "educators_with_deficit", "element_educators_diagnosed"]

DIAGNOSED_WINDOW_MONTHS = 12


def element_educators_diagnosed(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Active educators with a finished diagnostics in the 12 months up to each month's end:
    (organization id, month index, count)."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month, months_back=DIAGNOSED_WINDOW_MONTHS)
        counts = (
            Attempt.objects.filter(status__in=FINISHED, finished_at__gte=start, finished_at__lt=end, educator__is_active=True)
            .values("educator__organization_id")
            .annotate(n=Count("educator_id", distinct=True))
            .order_by()
        )
        rows += [(c["educator__organization_id"], index, c["n"]) for c in counts if c["educator__organization_id"]]
    return rows


def educators_with_deficit(*, region_id: int, educator_ids: set[int]) -> set[int]:
    """Those of the educators whose latest finished attempt found at least one deficit."""
    from .models import CompetencyResult, Decision

    latest: dict[int, int] = {}
    with_deficit: set[int] = set()
    rows = (
        CompetencyResult.objects.filter(region_id=region_id, attempt__educator_id__in=educator_ids, attempt__status__in=FINISHED)
        .values_list("attempt__educator_id", "attempt_id", "decision")
        .order_by("attempt__educator_id", "-attempt__finished_at", "-attempt_id")
    )
    for educator, attempt, decision in rows.iterator():
        if latest.setdefault(educator, attempt) == attempt and decision == Decision.DEFICIT:
            with_deficit.add(educator)
    return with_deficit
