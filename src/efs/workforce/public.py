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
