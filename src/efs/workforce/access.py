"""Scope policies of the workforce app (see efs.people.access).

Posts, assignments and forecasts are read by the school head (the school), the
municipal operator (the municipality), the regional operator (the region) and the
federal operator; forecasts and risk are per municipality, so a school head reads the
school's registry and age structure, not the municipal forecast. Teachers see none of it.

``post_actions`` is the one owner of what a user may do with a post of the staffing
registry: the post page draws its forms from it and the API returns it as ``actions``.
"""

from __future__ import annotations

from efs.people import access
from efs.people.access import ScopePolicy, register
from efs.people.public import Organization, Role

from . import forecasting
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


def may_edit_registry(user, organization: Organization) -> bool:
    """The school head of the organization, the operator of its municipality or region."""
    return access.scoped(Organization.objects.filter(pk=organization.pk), user, roles=REGISTRY_EDITORS).exists()


def post_actions(user, post: Post) -> dict[str, bool]:
    """What the user may do with the post (the forms its page offers and the API's ``actions``);
    the services check the same rules again when an action is taken."""
    editor = may_edit_registry(user, post.organization)
    is_open = post.closed_on is None
    held = editor and post.assignments.filter(ended_on__isnull=True).exists()
    return {
        # a post held in full offers no filling (post_fill would refuse: no FTE free)
        "can_fill": editor and is_open and (not held or forecasting.post_held_fte(post) < post.fte),
        "can_end_holdings": held,
        "can_change": editor and is_open,
        "can_close": editor and is_open and not held,
    }
