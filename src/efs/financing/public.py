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
