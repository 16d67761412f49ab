"""Scope policies of the workforce app (see efs.people.access).

Posts, assignments and forecasts are read by the school head (the school), the
municipal operator (the municipality), the regional operator (the region) and the
federal operator; forecasts and risk are per municipality, so a school head reads the
school's registry and age structure, not the municipal forecast. Teachers see none of it.
"""

from __future__ import annotations

from efs.people.access import ScopePolicy, register
from efs.people.public import Role

from .models import Assignment, ForecastCell, Post, Profile, RiskScore, TargetedContract

READERS = frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
# Who changes the registry: the school head of the school, the municipal operator of its
# municipality, the regional operator; region-wide settings and runs: region level only.
REGISTRY_EDITORS = READERS
REGION_LEVEL = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
FORECAST_READERS = frozenset({Role.MUNICIPAL_OPERATOR}) | REGION_LEVEL

register(
    Post,
    ScopePolicy(
        region="region",
        municipality="organization__municipality",
        organization="organization",
        roles=READERS,
        personal=False,
    ),
)
register(
    Assignment,
    ScopePolicy(
        region="region",
        municipality="post__organization__municipality",
        organization="post__organization",
        educator="educator",
        roles=READERS,
    ),
)
register(
    Profile,
    ScopePolicy(
        region="region",
        municipality="educator__organization__municipality",
        organization="educator__organization",
        educator="educator",
        roles=READERS,
    ),
)
register(
    TargetedContract,
    # The municipality waiting for the graduate sees the contract; so does the university.
    ScopePolicy(
        region="region",
        municipality="municipality",
        organization="university",
        educator="student",
        roles=READERS,
    ),
)
register(
    ForecastCell,
    ScopePolicy(region="run__region", municipality="municipality", roles=FORECAST_READERS, personal=False),
)
register(
    RiskScore,
    ScopePolicy(region="run__region", municipality="municipality", roles=FORECAST_READERS, personal=False),
)
