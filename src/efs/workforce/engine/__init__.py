"""Workforce supply engine: pure stocks-and-flows projection (no Django).

Imports nothing from Django or other ``efs`` apps. See ``docs/workforce.md`` and the
docstring of ``efs.workforce.engine.model`` for the maths.
"""

from efs.workforce.engine.model import (
    AGE_BAND_EDGES,
    Forecast,
    LeaveBand,
    Problem,
    WorkforceError,
    build_problem,
    carry_forward,
    project,
    rate_table,
)

__all__ = [
    "AGE_BAND_EDGES",
    "Forecast",
    "LeaveBand",
    "Problem",
    "WorkforceError",
    "build_problem",
    "carry_forward",
    "project",
    "rate_table",
]
