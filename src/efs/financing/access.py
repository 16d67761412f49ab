"""Scope policies of the financing app (see efs.people.access).

- Accounts: the educator sees their certificates; a provider's staff its accounts (what
  regions owe it); regional operators the accounts of their region's money (including
  what it owes providers of other regions); the federal operator everything.
- Transfers are read only through an account the user may see (`queries.history`).
- Enrollments: the educator, their school head, municipal and regional operators (by the
  educator), the tutor and mentor (assigned), and the provider's staff (by the provider).

``enrollment_actions`` is the one owner of what a user may do with an enrollment: the
enrollment page draws its buttons from it and the API returns it as ``actions``. The region's
page (the regional financier's) draws its buttons the same way: ``fund_actions`` for the fund
of a year (top-up, rules, contracts, year close), ``topup_actions`` for a top-up (reversal),
``rule_actions`` for a certificate rule (issue) and ``contract_actions`` for a contract
(payment); the API returns them as ``actions`` where it has the object.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from efs.people import access
from efs.people.access import ScopePolicy, register
from efs.people.models import Region, Role

from .models import OPEN_ENROLLMENT, Account, CertificateRule, Contract, Enrollment, EnrollmentStatus

FINANCIERS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})

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


# ---------------------------------------------------------------- the region's money


def is_financier(user, region_id: int | None) -> bool:
    """The operators who manage the region's money (``services._require_financier``)."""
    return access.may_act_on_region(user, region_id, roles=FINANCIERS)


def fund_year_open(year: int, today: dt.date) -> bool:
    """A fund is topped up and its rules set for the current, previous or next year only."""
    return isinstance(year, int) and not isinstance(year, bool) and today.year - 1 <= year <= today.year + 1


def prorated(nominal: int, year: int, today: dt.date) -> int:
    """A certificate issued late in its year gets the share of the months left (whole kopecks, down)."""
    if today.year < year:
        return nominal
    if today.year > year:
        return 0
    months_left = 12 - today.month + 1
    return nominal * months_left // 12


def fund_actions(user, region: Region, year: int, *, today: dt.date | None = None) -> dict[str, bool]:
    """What the user may do with the region's fund of a year (the region page's forms and the
    overview's ``actions``); the services check the same rules again."""
    today = today or timezone.localdate()
    financier = is_financier(user, region.pk)
    open_year = fund_year_open(year, today)
    return {
        "can_top_up": financier and open_year,
        "can_set_rule": financier and open_year,
        "can_register_contract": financier,
        "can_close_year": financier and year < today.year,
    }


def topup_actions(user, row, *, region: Region, fund_available: int) -> dict[str, bool]:
    """What the user may do with a row of the region's fund top-ups (``queries.TopUpRow``):
    reverse a top-up not reversed yet while the fund still holds its whole amount."""
    return {
        "can_reverse": not row.is_reversal
        and not row.reversed
        and fund_available >= row.transfer.amount
        and is_financier(user, region.pk),
    }


def rule_actions(user, rule: CertificateRule, *, today: dt.date | None = None) -> dict[str, bool]:
    """What the user may do with a certificate rule: issue its certificates while a certificate
    would still be worth something (a pro-rated rule of a past year gives nothing)."""
    today = today or timezone.localdate()
    amount = prorated(rule.nominal, rule.year, today) if rule.prorate else rule.nominal
    return {"can_issue": is_financier(user, rule.region_id) and amount > 0}


def contract_actions(
    user, contract: Contract, *, owed: int, paid: int, today: dt.date | None = None
) -> dict[str, bool]:
    """What the user may do with a contract: register a payment under it once it is signed,
    while the region owes the provider something (or the contract allows advances) and the
    contract's ceiling is not reached. ``owed``: the provider's account in the region;
    ``paid``: what is paid under this contract."""
    today = today or timezone.localdate()
    room = contract.ceiling is None or paid < contract.ceiling
    return {
        "can_pay": is_financier(user, contract.region_id)
        and contract.signed_on <= today
        and (owed > 0 or contract.advances)
        and room,
    }
