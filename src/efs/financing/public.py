"""What other apps may use of `financing` (ADR 0006), and the data elements it publishes for
monitoring: counts and sums per organization (the educator's current one) and month."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum

from efs.periods import utc_bounds

from .models import Account, AccountKind, Contract, Enrollment, EnrollmentStatus
from .queries import FUND_FIGURES
from .services import (
    cohort_outcomes_record,
    enrollment_accept,
    enrollment_request,
    payment_register,
)

__all__ = [
    "FUND_FIGURES",
    "Account",
    "Contract",
    "Enrollment",
    "EnrollmentStatus",
    "cohort_outcomes_record",
    "enrollment_accept",
    "enrollment_request",
    "payment_register",
    "element_certificates_issued",
    "element_certificates_used",
    "element_educators_trained_cnppm",
    "element_fund_figures",
    "element_money_spent",
]

# An enrollment that committed the certificate's money (held or paid).
USED = (
    EnrollmentStatus.REQUESTED,
    EnrollmentStatus.ACCEPTED,
    EnrollmentStatus.COMPLETED,
    EnrollmentStatus.NOT_COMPLETED,
)
TRAINED_WINDOW_MONTHS = 12


def _rows(counts, key: str, index: int) -> list[tuple[int, int, int]]:
    return [(c[key], index, int(c["n"] or 0)) for c in counts if c[key]]


def element_certificates_issued(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Certificates of the month's year issued by the month's end to active educators."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            Account.objects.filter(
                kind=AccountKind.CERTIFICATE, year=month.year, created_at__lt=end, educator__is_active=True
            )
            .values("educator__organization_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += _rows(counts, "educator__organization_id", index)
    return rows


def element_certificates_used(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Of those, certificates from which an enrollment was paid or held by the month's end."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        counts = (
            Enrollment.objects.filter(
                certificate__year=month.year, certificate__created_at__lt=end, status__in=USED, requested_at__lt=end,
                educator__is_active=True,
            )
            .values("educator__organization_id").annotate(n=Count("certificate_id", distinct=True)).order_by()
        )
        rows += _rows(counts, "educator__organization_id", index)
    return rows


def element_money_spent(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Kopecks paid from certificates for enrollments completed in the month (a flow)."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month)
        sums = (
            Enrollment.objects.filter(status=EnrollmentStatus.COMPLETED, finished_at__gte=start, finished_at__lt=end)
            .values("educator__organization_id").annotate(n=Sum("certificate_amount")).order_by()
        )
        rows += _rows(sums, "educator__organization_id", index)
    return rows


def element_educators_trained_cnppm(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Active educators who completed a program of a ЦНППМ in the 12 months up to the month's end."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month, months_back=TRAINED_WINDOW_MONTHS)
        counts = (
            Enrollment.objects.filter(
                status=EnrollmentStatus.COMPLETED, finished_at__gte=start, finished_at__lt=end, provider__kind="cnppm",
                educator__is_active=True,
            )
            .values("educator__organization_id").annotate(n=Count("educator_id", distinct=True)).order_by()
        )
        rows += _rows(counts, "educator__organization_id", index)
    return rows


def element_fund_figures(*, months: list[dt.date]) -> dict[str, list[tuple[int, int, int]]]:
    """The regions' funds of the last month's year as they stand when the build runs (the
    ledger's balances, which belong to a region, not to an organization): {figure: rows
    (region id, month index, kopecks or a count)} at the last month's index only, for the
    home page's fund card. Computed by the fund page's own rules, so the two agree."""
    from .queries import fund_figures_by_region

    if not months:
        return {}
    index = len(months) - 1
    return {
        figure: [(region_id, index, int(value)) for region_id, value in by_region.items() if value]
        for figure, by_region in fund_figures_by_region(months[-1].year).items()
    }
# The same elements as one query each over all months (monitoring's build runs them inside
# an INSERT … SELECT): rows of ``org, idx, value``; see `efs.periods.month_table`.


def _tables() -> tuple[str, str, str, str]:
    educators = Enrollment._meta.get_field("educator").related_model._meta.db_table
    organizations = Enrollment._meta.get_field("provider").related_model._meta.db_table
    return Account._meta.db_table, Enrollment._meta.db_table, educators, organizations


def element_certificates_issued_sql(months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import month_table

    accounts, _enrollments, educators, _organizations = _tables()
    month_sql, month_params = month_table(months)
    return (
        "SELECT e.organization_id AS org, m.idx AS idx, COUNT(*) AS value "
        f"FROM {accounts} a JOIN {educators} e ON e.id = a.educator_id "
        f"JOIN {month_sql} m ON a.year = m.year AND a.created_at < m.end_at "
        "WHERE a.kind = %s AND e.is_active = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, AccountKind.CERTIFICATE.value, True],
    )


def element_certificates_used_sql(months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import month_table

    accounts, enrollments, educators, _organizations = _tables()
    month_sql, month_params = month_table(months)
    marks = ", ".join(["%s"] * len(USED))
    return (
        "SELECT e.organization_id AS org, m.idx AS idx, COUNT(DISTINCT n.certificate_id) AS value "
        f"FROM {enrollments} n JOIN {accounts} c ON c.id = n.certificate_id "
        f"JOIN {educators} e ON e.id = n.educator_id "
        f"JOIN {month_sql} m ON c.year = m.year AND c.created_at < m.end_at AND n.requested_at < m.end_at "
        f"WHERE n.status IN ({marks}) AND e.is_active = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, *(s.value for s in USED), True],
    )


def element_money_spent_sql(months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import month_table

    _accounts, enrollments, educators, _organizations = _tables()
    month_sql, month_params = month_table(months)
    return (
        "SELECT e.organization_id AS org, m.idx AS idx, SUM(n.certificate_amount) AS value "
        f"FROM {enrollments} n JOIN {educators} e ON e.id = n.educator_id "
        f"JOIN {month_sql} m ON n.finished_at >= m.start_at AND n.finished_at < m.end_at "
        "WHERE n.status = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, EnrollmentStatus.COMPLETED.value],
    )


def element_educators_trained_cnppm_sql(months: list[dt.date]) -> tuple[str, list]:
    from efs.periods import month_table

    _accounts, enrollments, educators, organizations = _tables()
    month_sql, month_params = month_table(months, back=TRAINED_WINDOW_MONTHS)
    return (
        "SELECT e.organization_id AS org, m.idx AS idx, COUNT(DISTINCT n.educator_id) AS value "
        f"FROM {enrollments} n JOIN {educators} e ON e.id = n.educator_id "
        f"JOIN {organizations} p ON p.id = n.provider_id "
        f"JOIN {month_sql} m ON n.finished_at >= m.back_at AND n.finished_at < m.end_at "
        "WHERE n.status = %s AND p.kind = %s AND e.is_active = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, EnrollmentStatus.COMPLETED.value, "cnppm", True],
    )


__all__ += [
    "element_certificates_issued_sql",
    "element_certificates_used_sql",
    "element_educators_trained_cnppm_sql",
    "element_money_spent_sql",
]
