"""What other apps (coordination, the demo, the daily job) may use of `monitoring` (ADR 0006)."""

from __future__ import annotations

from .home import HomeFigures, regions_home, units_home
from .models import Indicator, Level
from .queries import IndicatorValue, indicator_values, published_build, region_totals
from .services import alert_owners_behind, analytics_build, starter_indicators_load, target_set

__all__ = [
    "HomeFigures",
    "Indicator",
    "IndicatorValue",
    "Level",
    "alert_owners_behind",
    "analytics_build",
    "indicator_values",
    "published_build",
    "region_totals",
    "regions_home",
    "starter_indicators_load",
    "target_set",
    "units_home",
]
