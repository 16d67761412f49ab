"""The workforce app's surface for other apps (monitoring, coordination, demo).

Other apps call these functions, never the models for writes. Indicators are the
published figures (vacancy rate, projected gap, share aged 60+) of a region's latest
base forecast, per municipality, so monitoring can scope them like everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from efs.people.public import Region

from .models import ForecastCell, RiskScore
from .queries import latest_run
from .services import (
    HoldingRow,
    PostRow,
    contracts_load,
    demand_load,
    federal_curriculum_load,
    forecast_run,
    leave_rates_load,
    registry_load,
    scenario_create,
    weekly_hours,
)

__all__ = [
    "HoldingRow",
    "MunicipalIndicators",
    "PostRow",
    "contracts_load",
    "demand_load",
    "federal_curriculum_load",
    "forecast_run",
    "indicators",
    "leave_rates_load",
    "registry_load",
    "scenario_create",
    "element_post_fte",
    "element_post_holders",
    "element_post_holders_60",
    "element_vacant_fte",
    "weekly_hours",
]


@dataclass(frozen=True)
class MunicipalIndicators:
    municipality_id: int
    vacancy_rate: float  # mean over subjects of vacant FTE ÷ post FTE, now
    projected_gap_fte: float  # demand − supply + hidden shortage, 5 years ahead (or the horizon)
    aged_60_share: float  # mean over subjects of the FTE share of holders aged 60+, now


def indicators(region: Region) -> list[MunicipalIndicators]:
    """The region's indicators per municipality from its latest base forecast ([] if none)."""
    run = latest_run(region)
    if run is None:
        return []
    year = run.base_year + min(5, run.years)
    gaps = {
        row["municipality_id"]: (row["d"] or 0.0) - (row["s"] or 0.0) + (row["h"] or 0.0)
        for row in ForecastCell.objects.filter(run=run, year=year)
        .values("municipality_id")
        .annotate(d=Sum("demand"), s=Sum("supply"), h=Sum("hidden"))
    }
    parts: dict[int, list[RiskScore]] = {}
    for risk in RiskScore.objects.filter(run=run):
        parts.setdefault(risk.municipality_id, []).append(risk)
    return [
        MunicipalIndicators(
            municipality_id=municipality,
            vacancy_rate=sum(r.vacancy for r in scores) / len(scores),
            projected_gap_fte=gaps.get(municipality, 0.0),
            aged_60_share=sum(r.aged_60 for r in scores) / len(scores),
        )
        for municipality, scores in sorted(parts.items())
    ]


# ---------------------------------------------------------------- data elements for monitoring
# Counts per organization and month, read on the month's last day (stock elements):
# FTE in hundredths, so that «vacancy rate = vacant ÷ posts» and «share aged 60+ =
# holders 60+ ÷ holders» are formulas over elements.


def _month_ends(months: list) -> list:
    import datetime as dt

    from efs.periods import next_month

    return [next_month(month) - dt.timedelta(days=1) for month in months]


def _open_on(rows, day, start: str, end: str):
    return rows.filter(**{f"{start}__lte": day}).exclude(**{f"{end}__lte": day})


def element_post_fte(*, months: list) -> list[tuple[int, int, int]]:
    """FTE of open posts ×100: (organization id, month index, hundredths)."""
    from .models import Post

    rows: list[tuple[int, int, int]] = []
    for index, day in enumerate(_month_ends(months)):
        totals = (
            _open_on(Post.objects.all(), day, "opened_on", "closed_on")
            .values("organization_id")
            .annotate(f=Sum("fte"))
            .order_by()
        )
        rows += [(t["organization_id"], index, int(round(t["f"] * 100))) for t in totals if t["f"]]
    return rows


def element_vacant_fte(*, months: list) -> list[tuple[int, int, int]]:
    """FTE of open posts that nobody holds ×100: (organization id, month index, hundredths)."""
    from .models import Assignment, Post

    rows: list[tuple[int, int, int]] = []
    for index, day in enumerate(_month_ends(months)):
        held: dict[int, float] = {}
        for post_id, fte in _open_on(
            Assignment.objects.all(), day, "started_on", "ended_on"
        ).values_list("post_id", "fte"):
            held[post_id] = held.get(post_id, 0.0) + float(fte)
        vacant: dict[int, float] = {}
        for post_id, organization, fte in _open_on(
            Post.objects.all(), day, "opened_on", "closed_on"
        ).values_list("pk", "organization_id", "fte"):
            vacant[organization] = vacant.get(organization, 0.0) + max(
                0.0, float(fte) - held.get(post_id, 0.0)
            )
        rows += [
            (organization, index, int(round(v * 100)))
            for organization, v in vacant.items()
            if v > 0
        ]
    return rows


def _holders(months: list, *, min_age: int | None) -> list[tuple[int, int, int]]:
    from .forecasting import age_on
    from .models import Assignment

    rows: list[tuple[int, int, int]] = []
    for index, day in enumerate(_month_ends(months)):
        people: dict[int, set[int]] = {}
        for organization, educator, birth in _open_on(
            Assignment.objects.all(), day, "started_on", "ended_on"
        ).values_list("post__organization_id", "educator_id", "educator__birth_date"):
            if min_age is None or (birth is not None and age_on(birth, day) >= min_age):
                people.setdefault(organization, set()).add(educator)
        rows += [(organization, index, len(ids)) for organization, ids in people.items()]
    return rows


def element_post_holders(*, months: list) -> list[tuple[int, int, int]]:
    """People holding a post: (organization id, month index, count)."""
    return _holders(months, min_age=None)


def element_post_holders_60(*, months: list) -> list[tuple[int, int, int]]:
    """People aged 60 or more holding a post: (organization id, month index, count)."""
    return _holders(months, min_age=60)
