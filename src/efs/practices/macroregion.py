"""Horizontal links of a macroregion's members in the practices app, for coordination's
macroregion page (`practices.public.macroregion_links`): communities across the macroregion's
regions, practices replicated from one member region in another, and the joint research
projects of the members. Directory-level facts (titles, counts, regions), no people's data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.urls import reverse

from efs.people.public import Region

from .models import PUBLIC_STATUSES, Practice, Replication
from .network.models import Community, JointProject, Membership, MemberStatus

ROWS_MAX = 20


@dataclass(frozen=True)
class LinkedCommunity:
    title: str
    url: str
    region: str
    members: int
    member_regions: int  # member regions of the macroregion its active members come from
    open_to_macroregion: bool


@dataclass(frozen=True)
class ReplicatedPractice:
    title: str
    url: str
    region: str
    replications: int  # replications in the other member regions
    regions: list[str]  # the other member regions that replicated it


@dataclass(frozen=True)
class LinkedProject:
    title: str
    url: str
    status: str
    regions: list[str]
    practices: int  # its practices published in the bank


@dataclass(frozen=True)
class MacroregionLinks:
    communities: list[LinkedCommunity] = field(default_factory=list)
    practices: list[ReplicatedPractice] = field(default_factory=list)
    projects: list[LinkedProject] = field(default_factory=list)
    replications_across: int = 0  # replications of member regions' practices in another member region
    member_regions: int = 0

    @property
    def empty(self) -> bool:
        return not (self.communities or self.practices or self.projects)


def _communities(macroregion_id: int, region_ids: list[int]) -> list[LinkedCommunity]:
    """Communities open to the macroregion, and communities of a member region whose active
    members come from two or more member regions."""
    spread = (
        Membership.objects.filter(
            status=MemberStatus.ACTIVE, region_id__in=region_ids, community__region_id__in=region_ids
        )
        .values("community_id")
        .annotate(regions=Count("region_id", distinct=True))
        .filter(regions__gte=2)
        .order_by()
    )
    regions_of = {row["community_id"]: row["regions"] for row in spread}
    rows = (
        Community.objects.filter(Q(macroregion_id=macroregion_id) | Q(pk__in=list(regions_of)))
        .select_related("region")
        .order_by("-members_count", "title")[:ROWS_MAX]
    )
    return [
        LinkedCommunity(
            title=c.title,
            url=reverse("practices:community", args=[c.pk]),
            region=c.region.name,
            members=c.members_count,
            member_regions=regions_of.get(c.pk, 1),
            open_to_macroregion=c.macroregion_id == macroregion_id,
        )
        for c in rows
    ]


def _practices(region_ids: list[int]) -> tuple[list[ReplicatedPractice], int]:
    across = Replication.objects.filter(
        practice__region_id__in=region_ids, practice__status__in=PUBLIC_STATUSES, region_id__in=region_ids
    ).exclude(region_id=F("practice__region_id"))
    total = across.count()
    top = list(across.values("practice_id").annotate(n=Count("id")).order_by("-n", "practice_id")[:ROWS_MAX])
    ids = [row["practice_id"] for row in top]
    practices = Practice.objects.in_bulk(ids) if ids else {}
    regions: dict[int, list[str]] = defaultdict(list)
    for practice_id, name in (
        across.filter(practice_id__in=ids)
        .values_list("practice_id", "region__name")
        .distinct()
        .order_by("region__name")
    ):
        regions[practice_id].append(name)
    names = dict(Region.objects.filter(pk__in={p.region_id for p in practices.values()}).values_list("pk", "name"))
    rows = [
        ReplicatedPractice(
            title=practices[row["practice_id"]].title,
            url=reverse("practices:practice", args=[row["practice_id"]]),
            region=names.get(practices[row["practice_id"]].region_id, ""),
            replications=row["n"],
            regions=regions[row["practice_id"]],
        )
        for row in top
        if row["practice_id"] in practices
    ]
    return rows, total


def _projects(macroregion_id: int, region_ids: list[int]) -> list[LinkedProject]:
    rows = (
        JointProject.objects.filter(Q(macroregion_id=macroregion_id) | Q(region_id__in=region_ids))
        .annotate(published=Count("practices", filter=Q(practices__status__in=PUBLIC_STATUSES), distinct=True))
        .prefetch_related("participants__region")
        .order_by("-starts_on", "pk")[:ROWS_MAX]
    )
    return [
        LinkedProject(
            title=p.title,
            url=reverse("practices:project", args=[p.pk]),
            status=p.get_status_display(),
            regions=sorted({pp.region.name for pp in p.participants.all()}),
            practices=p.published,
        )
        for p in rows
    ]


def macroregion_links(macroregion_id: int) -> MacroregionLinks:
    """The practices app's horizontal links between the macroregion's member regions."""
    region_ids = list(Region.objects.filter(macroregions=macroregion_id).values_list("pk", flat=True))
    if not region_ids:
        return MacroregionLinks()
    practices, across = _practices(region_ids)
    return MacroregionLinks(
        communities=_communities(macroregion_id, region_ids),
        practices=practices,
        projects=_projects(macroregion_id, region_ids),
        replications_across=across,
        member_regions=len(region_ids),
    )
