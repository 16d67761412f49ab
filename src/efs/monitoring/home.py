"""The home pages' figures of the school head and the operators, read from the analytics table.

Three queries whatever the size of the directory: the published build, the names of the
diagnosed competencies (a small reference table), then the build's facts of the home
elements for the units at the build's last month: staff, organizations, routes, the deficit
profile and (regions only) the fund. Below the region level a count of 1–4 people is not
shown, and a breakdown (by category, by status) is hidden whole when any of its parts is
small, so that no part can be recovered from the total; a competency's deficit share is
hidden when the people measured, those with a deficit or those without are 1–4.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import timezone

from efs.competencies.public import competencies_named
from efs.financing.public import FUND_FIGURES
from efs.people import access
from efs.people.public import EducatorCategory, OrganizationKind
from efs.routes.public import RouteStatus

from .models import Build, Level
from .queries import SMALL, facts, published_build

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


DEFICITS = "deficits:"
FUND_CODES = tuple(f"fund:{figure}" for figure in FUND_FIGURES)
TOP_DEFICITS = 5


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


@dataclass(frozen=True)
class DeficitRow:
    competency_id: int
    competency_title: str
    audience_label: str
    people: int  # educators measured on the competency
    deficit: int  # of them, with a deficit

    @property
    def deficit_share(self) -> float:
        return self.deficit / self.people if self.people else 0.0


@dataclass
class DeficitFigures:
    """The most frequent deficits of a unit (or a person's units), the deficits card."""

    rows: list[DeficitRow]
    diagnosed: int | None  # None: 1–4 people below the region level, not shown
    region_id: int | None = None  # the deficit map's region, for the card's link
    as_of: dt.date | None = None
    pending: bool = False  # the build predates the deficits' elements: they come with the next one


@dataclass
class FundFigures:
    """A region's fund of the build's year as it stood at the build (the fund card)."""

    year: int
    topped_up: int = 0
    fund_available: int = 0
    certificates: int = 0
    held: int = 0
    rendered: int = 0
    owed: int = 0
    pending: bool = False  # the build predates the fund's elements: they come with the next one


@dataclass
class HomeFigures:
    """One unit's (or one person's units') figures at the build's last month."""

    build: Build | None
    staff: StaffFigures
    routes: RouteFigures
    kinds: list[tuple[str, int]] = field(default_factory=list)
    deficits: DeficitFigures = field(default_factory=lambda: DeficitFigures(rows=[], diagnosed=0))
    fund: FundFigures | None = None

    @property
    def as_of(self) -> dt.date | None:
        """The day the figures were built («данные на …»)."""
        if self.build is None or self.build.finished_at is None:
            return None
        return timezone.localdate(self.build.finished_at)

    @property
    def statuses(self) -> list[tuple[str, int]]:
        return [(str(s.label), self.routes.by_status[s.value]) for s in STATUSES if self.routes.by_status.get(s.value)]


def _figures(build: Build | None, sums: dict[str, int], names: dict, *, small: bool) -> HomeFigures:
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
        ((str(k.label), sums[f"organizations_{k.value}"]) for k in KINDS if sums.get(f"organizations_{k.value}")),
        key=lambda row: -row[1],
    )
    figures = HomeFigures(build=build, staff=staff, routes=route_figures, kinds=kinds)
    figures.deficits = _deficits(sums, names, small=small, as_of=figures.as_of)
    figures.deficits.pending = build is not None and not build.holds(f"{DEFICITS}*")
    return figures


def _deficits(sums: dict[str, int], names: dict, *, small: bool, as_of: dt.date | None) -> DeficitFigures:
    """The competencies with the largest share of deficits. At the region level and above a
    competency needs 5 people measured (the deficit map's rule); below it, none of the people
    measured, those with a deficit and those without may be 1–4."""
    rows = []
    for pk, name in names.items():
        people = sums.get(f"{DEFICITS}people:{pk}", 0)
        deficit = sums.get(f"{DEFICITS}deficit:{pk}", 0)
        if people < SMALL or (small and (_small(deficit) or _small(people - deficit))):
            continue
        rows.append(DeficitRow(pk, name.title, name.audience_label, people, deficit))
    rows.sort(key=lambda r: (-r.deficit_share, -r.people, r.competency_title))
    diagnosed = sums.get(f"{DEFICITS}diagnosed", 0)
    return DeficitFigures(
        rows=rows[:TOP_DEFICITS], diagnosed=None if small and _small(diagnosed) else diagnosed, as_of=as_of
    )


def _fund(build: Build, sums: dict[str, int]) -> FundFigures:
    return FundFigures(
        year=build.last_month.year,
        topped_up=sums.get("fund:topped_up", 0),
        fund_available=sums.get("fund:available", 0),
        certificates=sums.get("fund:certificates", 0),
        held=sums.get("fund:held", 0),
        rendered=sums.get("fund:spent", 0),
        owed=sums.get("fund:owed", 0),
        pending=not build.holds("fund:*"),
    )


def _sums(build: Build | None, level: str, unit_ids, names: dict) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if build is None or not unit_ids:
        return out
    codes = [*HOME_ELEMENTS, f"{DEFICITS}diagnosed"]
    codes += [f"{DEFICITS}{kind}:{pk}" for pk in names for kind in ("people", "deficit")]
    if level == Level.REGION:
        codes += FUND_CODES
    rows = (
        facts(build, [build.last_month])
        .filter(element__in=codes, level=level, unit_id__in=list(unit_ids), month=build.last_month)
        .values_list("unit_id", "element", "value")
    )
    for unit, element, value in rows:
        out[unit][element] += value
    return out


def _names(build: Build | None) -> dict:
    return competencies_named() if build is not None else {}


def regions_home(region_ids) -> dict[int, HomeFigures]:
    """Each region's figures (a regional operator's home), region level: nothing suppressed."""
    build = published_build()
    names = _names(build)
    sums = _sums(build, Level.REGION, region_ids, names)
    out = {}
    for pk in region_ids:
        figures = _figures(build, sums[pk], names, small=False)
        figures.deficits.region_id = pk
        if build is not None:
            figures.fund = _fund(build, sums[pk])
        out[pk] = figures
    return out


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
    names = _names(build)
    total: dict[str, int] = defaultdict(int)
    for unit_sums in _sums(build, level, ids, names).values():
        for element, value in unit_sums.items():
            total[element] += value
    figures = _figures(build, total, names, small=small)
    if level == Level.REGION and len(ids) == 1:
        figures.deficits.region_id = ids[0]
    return figures


def deficit_profile(region_ids: list[int] | None) -> tuple[dict[str, int], dt.datetime] | None:
    """The deficit map of regions (None: the country) from the published build: the sums of
    the deficit profile's codes at the build's last month, without their ``deficits:`` prefix,
    and the moment the build finished. None when there is no build, or when it predates the
    profile's undetermined results (``uncertain:``): the map then computes them live
    (`efs.diagnostics.queries.register_profile_reader`)."""
    build = published_build()
    if (
        build is None
        or build.finished_at is None
        or not any(code.startswith(f"{DEFICITS}uncertain:") for code in build.elements)
    ):
        return None
    if region_ids == []:
        return {}, build.finished_at
    # a build never changes once published: its sums are kept for the hour (a cache per build)
    where = "country" if region_ids is None else ",".join(map(str, region_ids))
    key = f"monitoring:deficit-profile:{build.pk}:{where}"
    sums: dict[str, int] | None = cache.get(key)
    if sums is None:
        rows = facts(build, [build.last_month]).filter(element__startswith=DEFICITS, month=build.last_month)
        if region_ids is None:
            rows = rows.filter(level=Level.FEDERAL, unit_id=0)
        else:
            rows = rows.filter(level=Level.REGION, unit_id__in=region_ids)
        sums = {}
        for element, value in rows.values_list("element", "value"):
            code = element.removeprefix(DEFICITS)
            sums[code] = sums.get(code, 0) + value
        cache.set(key, sums, 3600)
    return sums, build.finished_at
