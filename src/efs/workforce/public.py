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
    """FTE of open posts that nobody holds ×100: (organization id, month index, hundredths).
    One grouped query a month (a post's held FTE summed in the database, not in Python: a
    country's registry has a million posts)."""
    from django.db import connection

    from .models import Assignment, Post

    sql = (
        "SELECT p.organization_id, SUM(CASE WHEN p.fte - COALESCE(h.held, 0) > 0 "
        "THEN p.fte - COALESCE(h.held, 0) ELSE 0 END) "
        f"FROM {Post._meta.db_table} p LEFT JOIN (SELECT post_id, SUM(fte) AS held "
        f"FROM {Assignment._meta.db_table} WHERE started_on <= %s AND (ended_on IS NULL OR ended_on > %s) "
        "GROUP BY post_id) h ON h.post_id = p.id "
        "WHERE p.opened_on <= %s AND (p.closed_on IS NULL OR p.closed_on > %s) GROUP BY p.organization_id"
    )
    rows: list[tuple[int, int, int]] = []
    with connection.cursor() as cursor:
        for index, day in enumerate(_month_ends(months)):
            cursor.execute(sql, [day, day, day, day])
            for organization, vacant in cursor.fetchall():
                hundredths = int(round(float(vacant or 0) * 100))
                if hundredths > 0:
                    rows.append((organization, index, hundredths))
    return rows


def _years_before(day, years: int):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _holders(months: list, *, min_age: int | None) -> list[tuple[int, int, int]]:
    from django.db.models import Count

    from .models import Assignment

    rows: list[tuple[int, int, int]] = []
    for index, day in enumerate(_month_ends(months)):
        open_then = _open_on(Assignment.objects.all(), day, "started_on", "ended_on")
        if min_age is not None:  # aged min_age or more on that day (a birth date is known)
            open_then = open_then.filter(educator__birth_date__lte=_years_before(day, min_age))
        counts = open_then.values("post__organization_id").annotate(n=Count("educator_id", distinct=True)).order_by()
        rows += [(c["post__organization_id"], index, c["n"]) for c in counts if c["n"]]
    return rows


def element_post_holders(*, months: list) -> list[tuple[int, int, int]]:
    """People holding a post: (organization id, month index, count)."""
    return _holders(months, min_age=None)


def element_post_holders_60(*, months: list) -> list[tuple[int, int, int]]:
    """People aged 60 or more holding a post: (organization id, month index, count)."""
    return _holders(months, min_age=60)
