"""What other apps may use of `catalog` (ADR 0006), and the data elements it publishes for
monitoring: programs per provider organization and month."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, OuterRef, Subquery

from efs.periods import utc_bounds

from .models import Program, ProgramStatus, ProgramTransition
from .services import CohortData, cohort_create, cohort_seat_release, cohort_seat_take, program_effects_set

__all__ = [
    "CohortData",
    "Program",
    "ProgramStatus",
    "cohort_create",
    "cohort_seat_release",
    "cohort_seat_take",
    "element_programs_published",
    "program_effects_set",
]


def element_programs_published(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Programs in the depository (published) at the month's end, by provider organization."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        last_status = (
            ProgramTransition.objects.filter(program=OuterRef("pk"), at__lt=end)
            .order_by("-at", "-id")
            .values("to_status")[:1]
        )
        counts = (
            Program.objects.annotate(status_then=Subquery(last_status)).filter(status_then=ProgramStatus.PUBLISHED)
            .values("provider_id").annotate(n=Count("id")).order_by()
        )
        rows += [(c["provider_id"], index, c["n"]) for c in counts]
    return rows
