"""Scope policies of the diagnostics app (see efs.people.access)."""

from efs.people.access import ScopePolicy, register
from efs.people.models import Role

from .models import Attempt, CompetencyResult, Response

# An individual result is seen by the person, their tutor and their mentor.
INDIVIDUAL_READERS = frozenset({Role.TEACHER, Role.TUTOR, Role.MENTOR})
# Heads and operators see results only aggregated over groups (queries.deficit_map).
AGGREGATE_READERS = frozenset(
    {Role.SCHOOL_HEAD, Role.MUNICIPAL_OPERATOR, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR}
)

register(
    Attempt,
    ScopePolicy(
        region="region",
        municipality="organization__municipality",
        organization="organization",
        educator="educator",
        roles=INDIVIDUAL_READERS,
    ),
)
register(
    CompetencyResult,
    ScopePolicy(
        region="region",
        municipality="attempt__organization__municipality",
        organization="attempt__organization",
        educator="attempt__educator",
        roles=INDIVIDUAL_READERS | AGGREGATE_READERS,
    ),
)
# Raw answers: the person only.
register(Response, ScopePolicy(region="attempt__region", educator="attempt__educator", roles=frozenset({Role.TEACHER})))
