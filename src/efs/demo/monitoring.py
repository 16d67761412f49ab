"""Monitoring in the demo: the federal passports, the region's targets for this year (a few
that the region is behind on), and the analytics tables built from the demo's activity."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from efs.monitoring.public import (
    Indicator,
    Level,
    analytics_build,
    indicator_create,
    starter_indicators_load,
    target_set,
)
from efs.people.public import Educator, Organization, OrganizationKind, Region, User

# The region's targets for the year, as a regional program of support would set them.
TARGETS = {
    "diagnosed_share": 60,
    "route_share": 10,
    "certificate_use_share": 40,
    "trained_cnppm_share": 15,
    "deficit_closed_share": 50,
    "vacancy_rate": 5,
}


def create_demo_monitoring(region: Region) -> dict:
    # The synthetic directory stands for a region that has used the platform for a year:
    # its records date from before the first wave, so the history has its denominators.
    year_ago = timezone.now() - dt.timedelta(days=365)
    Educator.objects.filter(region=region, created_at__gt=year_ago).update(created_at=year_ago)
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
        _regional_passports(operator, region, ministry)
    build = analytics_build()
    return {"targets": len(TARGETS) if operator else 0, "rows": build.rows}


# The region's own passports, composed by its operator from the registry's data elements.
REGIONAL_PASSPORTS = [
    # code, name, numerator, denominator, factor, unit, description
    (
        "trained_per_1000",
        "Педагогов, обученных в ЦНППМ, на 1 000 работающих",
        ["educators_trained_cnppm"],
        ["educators"],
        1000,
        "‰",
        "Показатель региональной программы: завершившие программу ЦНППМ за 12 месяцев на 1 000 педагогов.",
    ),
    (
        "remeasured_share",
        "Доля педагогов с ИОМ, прошедших повторную диагностику",
        ["educators_remeasured"],
        ["educators_with_route"],
        100,
        "%",
        "Из педагогов с утверждённым ИОМ — прошедшие повторную диагностику по дефициту маршрута за 12 месяцев.",
    ),
]


def _regional_passports(operator: User, region: Region, ministry: Organization | None) -> None:
    for suffix, name, numerator, denominator, factor, unit, description in REGIONAL_PASSPORTS:
        code = f"r{region.code}_{suffix}"
        if Indicator.objects.filter(code=code).exists():
            continue
        indicator_create(
            actor=operator,
            region=region,
            code=code,
            name=name,
            numerator=numerator,
            denominator=denominator,
            factor=Decimal(factor),
            unit=unit,
            periodicity="quarter",
            description=description,
            source=(ministry.name if ministry else region.name)[:200],
            owner=operator,
            owner_organization=ministry,
        )
