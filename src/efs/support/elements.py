"""The data elements support publishes for monitoring (through `support.public`): counts per
organization (the educator's current one, as every people element) and calendar month (UTC).

- consultations held in the month (a flow);
- mentoring pairs active at the month's end (a stock): a mentorship the school head accepted
  by then and not finished by then;
- reflective cycles closed in the month (a flow);
- educators with a tutor at the month's end (a stock: an active tutor assignment made by then;
  assignments keep no end date, so one that ended counts for no month).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from efs.people.public import AssignmentKind, SupportAssignment
from efs.periods import utc_bounds

from .models import Consultation, ConsultationStatus, CycleStage, Mentorship, MentorshipStatus, ReflectionCycle

Rows = list[tuple[int, int, int]]


def _rows(counts, key: str, index: int) -> Rows:
    return [(c[key], index, c["n"]) for c in counts if c[key] and c["n"]]


def element_consultations_held(*, months: list[dt.date]) -> Rows:
    """Consultations held in the month, by the educator's organization."""
    rows: Rows = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month)
        counts = (
            Consultation.objects.filter(status=ConsultationStatus.HELD, held_at__gte=start, held_at__lt=end)
            .values("educator__organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += _rows(counts, "educator__organization_id", index)
    return rows


def element_mentoring_pairs(*, months: list[dt.date]) -> Rows:
    """Mentor–mentee pairs active at the month's end, by the mentee's organization."""
    rows: Rows = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            Mentorship.objects.filter(
                status__in=(MentorshipStatus.ACTIVE, MentorshipStatus.FINISHED),
                decided_at__lt=end,
                mentee__is_active=True,
            )
            .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=end))
            .values("mentee__organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += _rows(counts, "mentee__organization_id", index)
    return rows


def element_cycles_closed(*, months: list[dt.date]) -> Rows:
    """Reflective cycles closed in the month, by the educator's organization."""
    rows: Rows = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month)
        counts = (
            ReflectionCycle.objects.filter(stage=CycleStage.CLOSED, closed_at__gte=start, closed_at__lt=end)
            .values("educator__organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += _rows(counts, "educator__organization_id", index)
    return rows


def element_educators_with_tutor(*, months: list[dt.date]) -> Rows:
    """Active educators with an active tutor assignment made by the month's end."""
    rows: Rows = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            SupportAssignment.objects.filter(
                kind=AssignmentKind.TUTOR, active=True, assigned_at__lt=end, educator__is_active=True
            )
            .values("educator__organization_id")
            .annotate(n=Count("educator_id", distinct=True))
            .order_by()
        )
        rows += _rows(counts, "educator__organization_id", index)
    return rows


# The same elements as one query each over all months (monitoring's build runs them inside
# an INSERT … SELECT): rows of ``org, idx, value``; see `efs.periods.month_table`.


def _educators() -> str:
    return SupportAssignment._meta.get_field("educator").related_model._meta.db_table


def _held_in_month(table: str, column: str, where: str, params: list, months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import month_table

    month_sql, month_params = month_table(months)
    return (
        f"SELECT e.organization_id AS org, m.idx AS idx, COUNT(*) AS value FROM {table} x "
        f"JOIN {_educators()} e ON e.id = x.educator_id "
        f"JOIN {month_sql} m ON x.{column} >= m.start_at AND x.{column} < m.end_at "
        f"WHERE {where} AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, *params],
    )


def element_consultations_held_sql(months: list[dt.date]) -> tuple[str, list]:
    return _held_in_month(
        Consultation._meta.db_table, "held_at", "x.status = %s", [ConsultationStatus.HELD.value], months
    )


def element_cycles_closed_sql(months: list[dt.date]) -> tuple[str, list]:
    return _held_in_month(
        ReflectionCycle._meta.db_table, "closed_at", "x.stage = %s", [CycleStage.CLOSED.value], months
    )


def element_mentoring_pairs_sql(months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import month_table

    month_sql, month_params = month_table(months)
    return (
        f"SELECT e.organization_id AS org, m.idx AS idx, COUNT(*) AS value FROM {Mentorship._meta.db_table} x "
        f"JOIN {_educators()} e ON e.id = x.mentee_id "
        f"JOIN {month_sql} m ON x.decided_at < m.end_at AND (x.finished_at IS NULL OR x.finished_at >= m.end_at) "
        "WHERE x.status IN (%s, %s) AND e.is_active = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, MentorshipStatus.ACTIVE.value, MentorshipStatus.FINISHED.value, True],
    )


def element_educators_with_tutor_sql(months: list[dt.date]) -> tuple[str, list]:
    """An educator counts from the month of their first active tutor assignment on."""
    from efs.periods import counted_from_first

    return counted_from_first(
        f"SELECT educator_id, MIN(assigned_at) AS first_at FROM {SupportAssignment._meta.db_table} "
        "WHERE kind = %s AND active = %s GROUP BY educator_id",
        [AssignmentKind.TUTOR.value, True],
        educators=_educators(),
        join="e.id = f.educator_id",
        months=months,
    )
