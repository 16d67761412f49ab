"""Scope policies of the models of this app that hold people's data (see efs.people.access).

A council is read by its own members (whatever their platform role) and by the operators of
its region (the regional operator of the region or macroregion, the federal operator); no one
else sees its members, votes or minutes. The public accountability page reads only what
carries no personal data (decisions and tasks with organizations), through `queries.public_*`.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from efs.errors import NotFound
from efs.people.access import ScopePolicy, grants, policy_for, region_reach, register, scoped
from efs.people.public import Role

from .models import (
    AgendaItem,
    Attendance,
    Council,
    CouncilMember,
    Decision,
    Meeting,
    Minutes,
    MinutesApproval,
    Participation,
    StrategicTask,
    TaskRevision,
    Vote,
    WorkingGroup,
)

# Who reads and runs a region's council besides its members.
OPERATORS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})


def member_councils(user):
    """The ids of the councils where the user is a member in office today (a subquery)."""
    today = timezone.localdate()
    return (
        CouncilMember.objects.filter(user=user, term_start__lte=today)
        .filter(Q(term_end__isnull=True) | Q(term_end__gte=today))
        .values("council_id")
    )


def _readers(council_path: str):
    def readers(user) -> Q:
        condition = (
            Q(**{f"{council_path}__in": member_councils(user)}) if council_path else Q(pk__in=member_councils(user))
        )
        reach = region_reach(user, roles=OPERATORS)
        if reach.everywhere:
            return Q()
        if reach.region_ids:
            region_field = f"{council_path}__region_id__in" if council_path else "region_id__in"
            condition |= Q(**{region_field: sorted(reach.region_ids)})
        return condition

    return readers


def _policy(council_path: str, *, personal: bool) -> ScopePolicy:
    region = f"{council_path}__region" if council_path else "region"
    return ScopePolicy(region=region, readers=_readers(council_path), personal=personal)


register(Council, ScopePolicy(region="region", readers=_readers(""), personal=False))
register(CouncilMember, _policy("council", personal=True))
register(WorkingGroup, _policy("council", personal=False))
register(Meeting, _policy("council", personal=False))
register(AgendaItem, _policy("meeting__council", personal=False))
register(Attendance, _policy("meeting__council", personal=True))
register(Decision, _policy("meeting__council", personal=False))
register(Vote, _policy("decision__meeting__council", personal=True))
register(Minutes, _policy("meeting__council", personal=True))
register(MinutesApproval, _policy("minutes__meeting__council", personal=True))
register(StrategicTask, _policy("council", personal=False))
register(Participation, _policy("task__council", personal=False))
register(TaskRevision, _policy("task__council", personal=True))


def visible(queryset, user):
    """`scoped()` of the one mechanism; a council member without any platform role (a university's
    rector, a ministry's official) is read by the same registered policy's readers, which `scoped`
    applies only to users holding some role."""
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    if grants(user):
        return scoped(queryset, user)
    return queryset.filter(policy_for(queryset.model).readers(user))


def get_visible(queryset, user, **lookup):
    """One object the user may read, or NotFound (existence does not leak)."""
    try:
        return visible(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        raise NotFound(gettext("Not found, or you have no access to it.")) from None
