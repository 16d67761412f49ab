"""Scope policies of the financing app (see efs.people.access).

- Accounts: the educator sees their certificates; a provider's staff its accounts (what
  regions owe it); regional operators the accounts of their region's money (including
  what it owes providers of other regions); the federal operator everything.
- Transfers are read only through an account the user may see (`queries.history`).
- Enrollments: the educator, their school head, municipal and regional operators (by the
  educator), the tutor and mentor (assigned), and the provider's staff (by the provider).
"""

from efs.people.access import ScopePolicy, register
from efs.people.models import Role

from .models import Account, Enrollment

register(
    Account,
    ScopePolicy(
        region="region", organization="organization", educator="educator",
        roles=frozenset({Role.TEACHER, Role.PROVIDER, Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR}),
    ),
)
register(
    Enrollment,
    ScopePolicy(
        region="region",
        municipality="organization__municipality",
        organization="organization",
        educator="educator",
        organization_by_role=((Role.PROVIDER, "provider"),),
        roles=frozenset(
            {
                Role.TEACHER,
                Role.TUTOR,
                Role.MENTOR,
                Role.SCHOOL_HEAD,
                Role.MUNICIPAL_OPERATOR,
                Role.REGIONAL_OPERATOR,
                Role.FEDERAL_OPERATOR,
                Role.PROVIDER,
            }
        ),
    ),
)
