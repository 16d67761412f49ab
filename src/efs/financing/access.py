"""Scope policies of the financing app (see efs.people.access).

- Accounts: the educator sees their certificates; a provider's staff its accounts (what
  regions owe it); regional operators the accounts of their region's money (including
  what it owes providers of other regions); the federal operator everything.
- Transfers are read only through an account the user may see (`queries.history`).
- Enrollments: the educator, their school head, municipal and regional operators (by the
  educator), the tutor and mentor (assigned), and the provider's staff (by the provider).

``enrollment_actions`` is the one owner of what a user may do with an enrollment: the
enrollment page draws its buttons from it and the API returns it as ``actions``.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from efs.people import access
from efs.people.access import ScopePolicy, register
from efs.people.models import Role

from .models import OPEN_ENROLLMENT, Account, Enrollment, EnrollmentStatus

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


def is_provider_staff(user, enrollment: Enrollment) -> bool:
    """The staff of the enrollment's provider: who accepts, declines and records the outcome."""
    return any(g.role == Role.PROVIDER and g.organization_id == enrollment.provider_id for g in access.grants(user))


def enrollment_actions(user, enrollment: Enrollment, *, today: dt.date | None = None) -> dict[str, bool]:
    """What the user may do with the enrollment (the buttons its page offers and the API's
    ``actions``); the services check the same rules again when an action is taken."""
    today = today or timezone.localdate()
    own = enrollment.educator.user_id == user.pk
    provider = is_provider_staff(user, enrollment)
    is_open = enrollment.status in OPEN_ENROLLMENT
    started = enrollment.cohort.start_date <= today
    return {
        "can_cancel": own and is_open and not started,
        "can_accept": provider and enrollment.status == EnrollmentStatus.REQUESTED,
        "can_decline": provider and is_open,
        "can_complete": provider and enrollment.status == EnrollmentStatus.ACCEPTED and started,
        "own": own,
        "provider": provider,
    }
