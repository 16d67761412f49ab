"""Scope policies of the network part (see efs.people.access).

Who reads what (docs/network.md, «Access»):
- A community is seen by the people of its region, of its macroregion's regions when it is
  a cross-regional one, its members, and the federal level. A user's regions are the regions
  of their roles (a teacher's, a school head's, a municipal operator's region) and the regions
  a regional or macroregion operator acts on (`region_reach`).
- A thread and its posts: an open community's are read by everyone who sees the community; a
  by-request community's by its active members and the operators who oversee its region.
  A thread about another app's subject is read by the people of its region (the owning app
  checks its own access first).
- Registrations, enrollments and course progress: the person, the community's moderators,
  and the operators who oversee the region.
- A joint project: the people of its lead and participating regions, the macroregion and
  the federal level.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from efs.people.access import ALL_ROLES, ScopePolicy, grants, region_reach, register
from efs.people.public import Macroregion, Role

from .models import (
    Community,
    Course,
    Enrollment,
    Event,
    JointProject,
    MemberRole,
    Membership,
    MembershipPolicy,
    MemberStatus,
    ModuleProgress,
    Post,
    PostAttachment,
    PostReport,
    ProjectOutput,
    ProjectParticipant,
    ProjectTask,
    Registration,
    Thread,
)

OPERATORS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})


@dataclass(frozen=True)
class NetworkReach:
    everywhere: bool
    region_ids: frozenset[int]  # the regions the user works in or acts on
    oversees: frozenset[int]  # the regions whose communities the user moderates as an operator
    oversees_everywhere: bool


def network_reach(user) -> NetworkReach:
    cached = getattr(user, "_efs_network_reach", None)
    if cached is not None:
        return cached
    everything = region_reach(user, roles=ALL_ROLES)
    operators = region_reach(user, roles=OPERATORS)
    result = NetworkReach(
        everywhere=everything.everywhere,
        region_ids=everything.region_ids | frozenset(g.region_id for g in grants(user) if g.region_id),
        oversees=operators.region_ids,
        oversees_everywhere=operators.everywhere,
    )
    if getattr(user, "is_authenticated", False):
        user._efs_network_reach = result
    return result


def oversees_region(user, region_id: int) -> bool:
    reach = network_reach(user)
    return reach.oversees_everywhere or region_id in reach.oversees


def _overseen(reach: NetworkReach, field: str) -> Q:
    if reach.oversees_everywhere:
        return Q()
    return Q(**{f"{field}__in": sorted(reach.oversees)}) if reach.oversees else Q(pk__in=[])


def _active_member(user) -> Q:
    return Q(pk__in=Membership.objects.filter(user=user, status=MemberStatus.ACTIVE).values("community_id"))


def community_readers(user) -> Q:
    reach = network_reach(user)
    if reach.everywhere:
        return Q()
    ids = sorted(reach.region_ids)
    macroregions = Macroregion.regions.through.objects.filter(region_id__in=ids).values("macroregion_id")
    member = Q(pk__in=Membership.objects.filter(user=user).values("community_id"))
    return Q(region_id__in=ids) | Q(macroregion_id__in=macroregions) | member


def readable_communities(user) -> Q:
    """Communities whose threads, events and courses the user reads."""
    reach = network_reach(user)
    visible = Community.objects.filter(community_readers(user))
    if reach.everywhere or reach.oversees_everywhere:
        return Q()
    content = visible.filter(Q(membership=MembershipPolicy.OPEN) | _active_member(user) | _overseen(reach, "region_id"))
    return Q(pk__in=content.values("pk"))


def moderated_communities(user) -> Q:
    """Communities the user moderates: as a moderator member, or as an operator of the region."""
    reach = network_reach(user)
    if reach.oversees_everywhere:
        return Q()  # (an empty Q in an OR would drop out instead of meaning "all")
    mine = Membership.objects.filter(user=user, status=MemberStatus.ACTIVE, role=MemberRole.MODERATOR).values(
        "community_id"
    )
    return Q(pk__in=mine) | _overseen(reach, "region_id")


def thread_readers(user) -> Q:
    reach = network_reach(user)
    if reach.everywhere:
        return Q()
    communities = Community.objects.filter(readable_communities(user)).values("pk")
    return Q(community_id__in=communities) | Q(community__isnull=True, region_id__in=sorted(reach.region_ids))


def _via_thread(prefix: str):
    def readers(user) -> Q:
        return Q(**{f"{prefix}__in": Thread.objects.filter(thread_readers(user)).values("pk")})

    return readers


def _own_or_moderated(community_path: str):
    """The person's own rows, and every row of the communities the user moderates."""

    def readers(user) -> Q:
        if network_reach(user).oversees_everywhere:
            return Q()
        moderated = Community.objects.filter(moderated_communities(user)).values("pk")
        return Q(user=user) | Q(**{f"{community_path}__in": moderated})

    return readers


def project_readers(user) -> Q:
    reach = network_reach(user)
    if reach.everywhere:
        return Q()
    ids = sorted(reach.region_ids)
    participating = ProjectParticipant.objects.filter(region_id__in=ids).values("project_id")
    return Q(region_id__in=ids) | Q(pk__in=participating)


def _via_project(prefix: str):
    def readers(user) -> Q:
        return Q(**{f"{prefix}__in": JointProject.objects.filter(project_readers(user)).values("pk")})

    return readers


def _progress_readers(user) -> Q:
    if network_reach(user).oversees_everywhere:
        return Q()
    moderated = Community.objects.filter(moderated_communities(user)).values("pk")
    return Q(enrollment__user=user) | Q(enrollment__course__community_id__in=moderated)


# The community directory is not people's data (like the directory of organizations); the
# policy still scopes who sees which community.
register(Community, ScopePolicy(region="region", personal=False, readers=community_readers))
register(
    Event,
    ScopePolicy(
        region="region",
        personal=False,
        readers=lambda user: Q(community_id__in=Community.objects.filter(readable_communities(user)).values("pk")),
    ),
)
register(
    Course,
    ScopePolicy(
        region="region",
        personal=False,
        readers=lambda user: Q(community_id__in=Community.objects.filter(readable_communities(user)).values("pk")),
    ),
)
register(
    Membership,
    ScopePolicy(
        region="region",
        readers=lambda user: Q(community_id__in=Community.objects.filter(community_readers(user)).values("pk")),
    ),
)
register(Thread, ScopePolicy(region="region", readers=thread_readers))
register(Post, ScopePolicy(region="region", readers=_via_thread("thread_id")))
register(PostAttachment, ScopePolicy(region="region", readers=_via_thread("post__thread_id")))
register(
    PostReport,
    ScopePolicy(
        region="region",
        readers=lambda user: (
            Q(reporter=user)
            | Q(post__thread__community_id__in=Community.objects.filter(moderated_communities(user)).values("pk"))
        ),
    ),
)
register(Registration, ScopePolicy(region="region", readers=_own_or_moderated("event__community_id")))
register(Enrollment, ScopePolicy(region="region", readers=_own_or_moderated("course__community_id")))
register(ModuleProgress, ScopePolicy(region="region", readers=_progress_readers))
register(JointProject, ScopePolicy(region="region", readers=project_readers))
register(ProjectParticipant, ScopePolicy(region="region", personal=False, readers=_via_project("project_id")))
register(ProjectTask, ScopePolicy(region="region", readers=_via_project("project_id")))
register(ProjectOutput, ScopePolicy(region="region", readers=_via_project("project_id")))
