"""Scope policies of the routes app (see efs.people.access).

The route itself, with its items, evidence and comments, is seen by the educator, their
tutor and mentor; school heads and operators see statuses and progress through the
aggregate queries (`queries.staff_routes`, `queries.region_summary`), never evidence or
comments.
"""

from efs.people.access import ScopePolicy, register
from efs.people.models import Role

from .models import Evidence, Route

INDIVIDUAL = frozenset({Role.TEACHER, Role.TUTOR, Role.MENTOR})
STATUS_READERS = frozenset({Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})

register(
    Route,
    ScopePolicy(
        region="region", municipality="organization__municipality", organization="organization", educator="educator",
        roles=INDIVIDUAL | STATUS_READERS,
    ),
)
register(Evidence, ScopePolicy(region="item__route__region", educator="item__route__educator", roles=INDIVIDUAL))
