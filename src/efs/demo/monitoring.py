"""Monitoring in the demo: the federal passports, the region's targets for this year (a few
that the region is behind on), and the analytics tables built from the demo's activity."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from efs.monitoring.public import (
    Indicator,
    Level,
    analytics_build,
    starter_indicators_load,
    target_set,
)
from efs.people.public import Educator, Organization, OrganizationKind, Region, SupportAssignment, User

# The region's targets for the year, as a regional program of support would set them.
TARGETS = {
    "diagnosed_share": 60,
    "route_share": 10,
    "certificate_use_share": 40,
    "trained_cnppm_share": 15,
    "deficit_closed_share": 50,
    "vacancy_rate": 5,
    "tutor_share": 20,
    "community_share": 10,
}


def create_demo_monitoring(region: Region) -> dict:
    # The synthetic directory stands for a region that has used the platform for a year:
    # its records date from before the first wave, so the history has its denominators.
    year_ago = timezone.now() - dt.timedelta(days=365)
    Educator.objects.filter(region=region, created_at__gt=year_ago).update(created_at=year_ago)
    _spread_support_history(region)
    starter_indicators_load()
    operator = User.objects.filter(username="regional").first()
    ministry = Organization.objects.filter(region=region, kind=OrganizationKind.MINISTRY).first()
    year = timezone.now().year
    if operator is not None:
        Indicator.objects.filter(code__in=TARGETS, owner__isnull=True).update(
            owner=operator, owner_organization=ministry
        )
        for code, value in TARGETS.items():
            target_set(
                actor=operator,
                indicator=Indicator.objects.get(code=code),
                year=year,
                level=Level.REGION,
                unit_id=region.pk,
                value=value,
                cascade=True,
            )
    build = analytics_build()
    return {"targets": len(TARGETS) if operator else 0, "rows": build.rows}


def _spread_support_history(region: Region) -> None:
    """The support and network steps made their records today; a region a year into the
    platform assigned its tutors, paired its mentors and gathered its communities over that
    year. Spread those start dates over the past 11 months (a fixed pattern by id), so the
    history of `tutor_share`, `mentoring_pairs` and `community_share` grows month by month."""
    now = timezone.now()

    def back(pk: int) -> dt.datetime:
        return now - dt.timedelta(days=(pk * 37) % 330)

    for assignment in SupportAssignment.objects.filter(region=region, assigned_at__gt=now - dt.timedelta(days=2)):
        SupportAssignment.objects.filter(pk=assignment.pk).update(assigned_at=back(assignment.pk))
    # Mentorships and memberships: the same spread, in SQL (their models are their apps' own).
    with connection.cursor() as cursor:
        for table, column, where in (
            ("support_mentorship", "decided_at", "status = 'active'"),
            ("practices_membership", "created_at", "created_at > %s"),
        ):
            params = [region.pk] + ([now - dt.timedelta(days=2)] if "%s" in where else [])
            cursor.execute(f"SELECT id FROM {table} WHERE region_id = %s AND {where}", params)
            ids = [row[0] for row in cursor.fetchall()]
            cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s", [(back(pk), pk) for pk in ids])
