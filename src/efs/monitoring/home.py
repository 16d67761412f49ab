"""The home pages' figures of the school head and the operators, read from the analytics table.

Two queries whatever the size of the directory: the published build, then its facts of the
home elements for the units at the build's last month. Below the region level a count of
1–4 people is not shown, and a breakdown (by category, by status) is hidden whole when any
of its parts is small, so that no part can be recovered from the total.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from efs.people import access
from efs.people.public import EducatorCategory, OrganizationKind
from efs.routes.public import RouteStatus

from .models import Build, Fact, Level
from .queries import SMALL, published_build

CATEGORIES = [c.value for c in EducatorCategory]
STATUSES = [s for s in RouteStatus if s != RouteStatus.ABANDONED]
KINDS = list(OrganizationKind)
HOME_ELEMENTS = (
    "educators",
    "organizations_staffed",
    "educators_routed",
    *(f"educators_{c}" for c in CATEGORIES),
    *(f"routes_{s.value}" for s in STATUSES),
    *(f"organizations_{k.value}" for k in KINDS),
)


def _small(n: int | None) -> bool:
    return n is not None and 0 < n < SMALL


@dataclass
class StaffFigures:
    total: int | None  # None: fewer than 5 people, not shown
    organizations: int
    by_category: dict[str, int]
    categories_hidden: bool = False


@dataclass
class RouteFigures:
    educators: int | None
    with_route: int | None
    by_status: dict[str, int]
    statuses_hidden: bool = False

    @property
    def share(self) -> float | None:
        if self.with_route is None or not self.educators:
            return None
        return self.with_route / self.educators


@dataclass
class HomeFigures:
    """One unit's (or one person's units') figures at the build's last month."""

    build: Build | None
    staff: StaffFigures
    routes: RouteFigures
    kinds: list[tuple[str, int]] = field(default_factory=list)

    @property
    def as_of(self) -> dt.date | None:
        """The day the figures were built («данные на …»)."""
        if self.build is None or self.build.finished_at is None:
            return None
        return timezone.localdate(self.build.finished_at)

    @property
    def statuses(self) -> list[tuple[str, int]]:
        return [(s.label, self.routes.by_status[s.value]) for s in STATUSES if self.routes.by_status.get(s.value)]


def _figures(build: Build | None, sums: dict[str, int], *, small: bool) -> HomeFigures:
    def count(code: str) -> int | None:
        n = sums.get(code, 0)
        return None if small and _small(n) else n

    educators = sums.get("educators", 0)
    categories = {c: sums.get(f"educators_{c}", 0) for c in CATEGORIES}
    statuses = {s.value: sums.get(f"routes_{s.value}", 0) for s in STATUSES}
    routed = sums.get("educators_routed", 0)
    routed_hidden = small and (_small(routed) or _small(educators - routed))
    staff = StaffFigures(
        total=count("educators"),
        organizations=sums.get("organizations_staffed", 0),
        by_category=categories,
        categories_hidden=small and any(_small(n) for n in categories.values()),
    )
    route_figures = RouteFigures(
        educators=count("educators"),
        with_route=None if routed_hidden else routed,
        by_status=statuses,
        statuses_hidden=small and any(_small(n) for n in statuses.values()),
    )
    kinds = sorted(
        ((k.label, sums[f"organizations_{k.value}"]) for k in KINDS if sums.get(f"organizations_{k.value}")),
        key=lambda row: -row[1],
    )
    return HomeFigures(build=build, staff=staff, routes=route_figures, kinds=kinds)


def _sums(build: Build | None, level: str, unit_ids) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if build is None or not unit_ids:
        return out
    rows = Fact.objects.filter(
        build=build, level=level, unit_id__in=list(unit_ids), month=build.last_month, element__in=HOME_ELEMENTS
    ).values_list("unit_id", "element", "value")
    for unit, element, value in rows:
        out[unit][element] += value
    return out


def regions_home(region_ids) -> dict[int, HomeFigures]:
    """Each region's figures (a regional operator's home), region level: nothing suppressed."""
    build = published_build()
    sums = _sums(build, Level.REGION, region_ids)
    return {pk: _figures(build, sums[pk], small=False) for pk in region_ids}


def units_home(user, role: str) -> HomeFigures:
    """The figures of the units a school head's or a municipal operator's grants of `role`
    reach, summed (small counts suppressed: these are below the region level)."""
    reach = access.unit_reach(user, roles=[role])
    build = published_build()
    if reach.regions.region_ids or reach.regions.everywhere:  # a wide grant of this role: its regions
        level, ids, small = Level.REGION, sorted(reach.regions.region_ids), False
    elif reach.municipality_ids:
        level, ids, small = Level.MUNICIPALITY, sorted(reach.municipality_ids), True
    else:
        level, ids, small = Level.ORGANIZATION, sorted(reach.organization_ids), True
    total: dict[str, int] = defaultdict(int)
    for unit_sums in _sums(build, level, ids).values():
        for element, value in unit_sums.items():
            total[element] += value
    return _figures(build, total, small=small)
