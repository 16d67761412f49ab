"""Reads of the diagnostics app. Individual results go through the scoping mechanism;
heads and operators get only aggregates over groups of at least MIN_GROUP people."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from efs.competencies.models import Audience, Competency
from efs.filtering import narrowed
from efs.people import access
from efs.people.public import Municipality, Region

from .access import AGGREGATE_READERS, INDIVIDUAL_READERS
from .models import Attempt, AttemptStatus, CompetencyResult, Decision, Item, Response

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A share computed over fewer people could point at a person.
MIN_GROUP = 5
FINISHED = (AttemptStatus.COMPLETED, AttemptStatus.EXPIRED)


def attempts_visible(user, *, educator_id: int | None = None) -> QuerySet[Attempt]:
    qs = access.scoped(
        Attempt.objects.select_related("assessment__framework", "educator"), user, roles=INDIVIDUAL_READERS
    )
    if educator_id:
        qs = qs.filter(educator_id=educator_id)
    return qs.order_by("-started_at")


def attempt_visible(user, pk: int) -> Attempt:
    return access.get_scoped(
        Attempt.objects.select_related("assessment__framework", "educator__organization", "educator__region"),
        user,
        roles=INDIVIDUAL_READERS,
        pk=pk,
    )


def own_attempt(user, pk: int) -> Attempt:
    """An attempt the user is taking themselves."""
    return access.get_scoped(
        Attempt.objects.select_related("assessment__framework", "educator"), user, roles=[access.Role.TEACHER], pk=pk
    )


def current_response(attempt: Attempt) -> Response | None:
    return attempt.responses.filter(answered_at__isnull=True).select_related("item__competency").first()


@dataclass(frozen=True)
class ResultRow:
    competency: Competency
    theta: float
    se: float
    low: float  # 90 % credible interval
    high: float
    p_deficit: float
    decision: str
    decision_label: StrOrPromise
    confidence: float
    level: str
    level_title: str
    items: int

    @property
    def deficit_percent(self) -> int:
        return round(100 * self.p_deficit)

    @property
    def confidence_percent(self) -> int:
        return round(100 * self.confidence)


def results_of(attempt: Attempt) -> list[ResultRow]:
    titles = attempt.assessment.framework.level_titles
    rows = []
    for r in (
        CompetencyResult.objects.filter(attempt=attempt)
        .select_related("competency__framework")
        .order_by("competency__order")
    ):
        rows.append(
            ResultRow(
                competency=r.competency,
                theta=r.theta,
                se=r.se,
                low=r.theta - 1.645 * r.se,
                high=r.theta + 1.645 * r.se,
                p_deficit=r.p_deficit,
                decision=r.decision,
                decision_label=Decision(r.decision).label,
                confidence=r.confidence,
                level=r.level,
                level_title=titles.get(r.level, r.level),
                items=r.items,
            )
        )
    return rows


def previous_results(attempt: Attempt) -> dict[str, CompetencyResult]:
    """Per competency code, the same person's latest result of the same framework measured
    before this attempt (a re-diagnosis measures only some competencies, so each is taken
    from the last attempt that measured it)."""
    rows = (
        CompetencyResult.objects.filter(
            attempt__educator_id=attempt.educator_id,
            attempt__assessment__framework_id=attempt.assessment.framework_id,
            attempt__status__in=FINISHED,
            attempt__started_at__lt=attempt.started_at,
        )
        .select_related("competency", "attempt")
        .order_by("-attempt__started_at", "pk")
    )
    latest: dict[str, CompetencyResult] = {}
    for row in rows:
        latest.setdefault(row.competency.code, row)
    return latest


DECISION_RANK: dict[str, int] = {Decision.NO_DEFICIT: 0, Decision.UNCERTAIN: 1, Decision.DEFICIT: 2}


@dataclass(frozen=True)
class Change:
    """One competency before (the last earlier measurement) and after (this attempt)."""

    row: ResultRow
    before: CompetencyResult | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "first"
        before, after = self.before.decision, self.row.decision
        if after == Decision.DEFICIT and before != Decision.DEFICIT:
            return "new_deficit"
        if before == Decision.DEFICIT and after == Decision.NO_DEFICIT:
            return "closed"
        rank = DECISION_RANK[after] - DECISION_RANK[before]
        return "worse" if rank > 0 else "better" if rank < 0 else "same"

    @property
    def delta(self) -> float | None:
        return None if self.before is None else self.row.theta - self.before.theta

    @property
    def before_percent(self) -> int | None:
        return None if self.before is None else round(100 * self.before.p_deficit)


@dataclass(frozen=True)
class Comparison:
    changes: list[Change]
    deficits_before: int
    deficits_after: int
    since: object  # the date of the earliest earlier measurement shown

    @property
    def changed(self) -> bool:
        return any(c.kind in ("new_deficit", "closed", "worse", "better") for c in self.changes)


def comparison(attempt: Attempt, rows: list[ResultRow]) -> Comparison | None:
    """Before/after per competency against the earlier measurements; None on a first attempt."""
    previous = previous_results(attempt)
    if not previous:
        return None
    changes = [Change(row=row, before=previous.get(row.competency.code)) for row in rows]
    compared = [(c.row, c.before) for c in changes if c.before is not None]
    return Comparison(
        changes=changes,
        deficits_before=sum(1 for _row, before in compared if before.decision == Decision.DEFICIT),
        deficits_after=sum(1 for row, _before in compared if row.decision == Decision.DEFICIT),
        since=min(before.attempt.started_at for _row, before in compared) if compared else None,
    )


@dataclass(frozen=True)
class MapRow:
    competency_code: str
    competency_title: str
    block: str
    audience: str  # the framework's audience: teachers, managers or pre-service students
    people: int
    deficit: int
    uncertain: int
    no_deficit: int
    shown: bool  # False when the group is too small to show

    @property
    def deficit_share(self) -> float:
        return self.deficit / self.people if self.people else 0.0

    @property
    def audience_label(self) -> str:
        return str(Audience(self.audience).label)


@dataclass(frozen=True)
class DeficitMap:
    """The aggregate deficit map of a scope. ``as_of`` is None for a live map (region level
    and above) and the publication moment for a snapshot (below region level)."""

    rows: list[MapRow]
    diagnosed: int
    as_of: dt.datetime | None
    built: dt.datetime | None = None  # read from the analytics tables built at that moment


def deficit_summary(
    user,
    *,
    roles=AGGREGATE_READERS,
    region_id: int | None = None,
    municipality_id: int | None = None,
    audience: str = "",
    now: dt.datetime | None = None,
) -> DeficitMap:
    """Per competency, how many people in the user's scope have a deficit, by their latest
    finished attempt; groups smaller than MIN_GROUP are counted but not shown.

    Region level and above (a region, macroregion or federal grant, no municipality chosen)
    is live. Below region level (a school head, a municipal operator, or any map narrowed to
    one municipality) the map is published from snapshots so that differencing two fetches
    never isolates one person: see :func:`_snapshot` and docs/diagnostics.md."""
    results = access.scoped(CompetencyResult.objects.filter(attempt__status__in=FINISHED), user, roles=roles)
    if region_id:
        results = results.filter(region_id=region_id)
    if municipality_id:
        results = results.filter(attempt__organization__municipality_id=municipality_id)
    if audience:
        results = results.filter(competency__framework__audience=audience)
    if municipality_id or not _region_level(user, roles):
        return _snapshot(results, user, roles=roles, filters=(region_id, municipality_id, audience), now=now)
    built = _precomputed(user, roles=roles, region_id=region_id, audience=audience)
    if built is not None:
        return built
    return _live(results, user, roles=roles, filters=(region_id, municipality_id, audience))


# Region level and above, the map is read from the deficit profile that the daily analytics
# build has computed for every region and the country (monitoring's tables: the app above
# registers its reader at start, since diagnostics may not import it). Over a country's
# million results the live computation takes half a minute. No reader, or a build without the
# profile: computed live.
PrecomputedProfile = Callable[[list[int] | None], tuple[dict[str, int], dt.datetime] | None]
_profile_reader: PrecomputedProfile | None = None


def register_profile_reader(reader: PrecomputedProfile) -> None:
    """`reader(region_ids)`: the sums of the deficit profile's codes (``people:<competency
    id>``, ``deficit:…``, ``uncertain:…``, ``diagnosed``) over the regions (None: the country)
    with the moment they were built, or None when they are not available."""
    global _profile_reader
    _profile_reader = reader


def _precomputed(user, *, roles, region_id: int | None, audience: str) -> DeficitMap | None:
    units = access.unit_reach(user, roles=roles)
    if _profile_reader is None or units.municipality_ids or units.organization_ids:
        return None  # a narrower grant beside the region's: its rows are not a region's sum
    reach = units.regions
    if region_id:
        region_ids: list[int] | None = [region_id] if region_id in reach else []
    else:
        region_ids = None if reach.everywhere else sorted(reach.region_ids)
    profile = _profile_reader(region_ids)
    if profile is None:
        return None
    sums, built = profile
    competencies = Competency.objects.filter(pk__in=_profile_ids(sums)).values_list(
        "pk", "code", "title", "block", "framework__audience"
    )
    rows = []
    for pk, code, title, block, framework_audience in competencies.order_by("framework__audience", "order", "code"):
        if audience and framework_audience != audience:
            continue
        people, deficit = sums.get(f"people:{pk}", 0), sums.get(f"deficit:{pk}", 0)
        uncertain = sums.get(f"uncertain:{pk}", 0)
        rows.append(
            MapRow(
                competency_code=code,
                competency_title=title,
                block=block,
                audience=framework_audience,
                people=people,
                deficit=deficit,
                uncertain=uncertain,
                no_deficit=people - deficit - uncertain,
                shown=people >= MIN_GROUP,
            )
        )
    return DeficitMap(rows=sorted(rows, key=_row_order), diagnosed=sums.get("diagnosed", 0), as_of=None, built=built)


def _profile_ids(sums: dict[str, int]) -> list[int]:
    return sorted({int(code.partition(":")[2]) for code in sums if code.startswith("people:") and sums[code]})


def deficit_map(user, *, roles=AGGREGATE_READERS, **filters) -> list[MapRow]:
    return deficit_summary(user, roles=roles, **filters).rows


def diagnosed_count(user, *, roles=AGGREGATE_READERS, **filters) -> int:
    return deficit_summary(user, roles=roles, **filters).diagnosed


def _region_level(user, roles) -> bool:
    return bool(access.region_reach(user, roles=roles))


def _live(results: QuerySet[CompetencyResult], user, *, roles, filters: tuple) -> DeficitMap:
    """Region level and above: recomputed at most every LIVE_CACHE_SECONDS (a dashboard)."""
    key = "diagnostics:map:live:" + hashlib.sha1(repr((_scope_key(user, roles), filters)).encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        cached = _live_compute(results)
        cache.set(key, cached, LIVE_CACHE_SECONDS)
    return cached


LIVE_CACHE_SECONDS = 120


def _live_compute(results: QuerySet[CompetencyResult]) -> DeficitMap:
    latest_ids = _latest_per_person(results)
    rows = (
        results.filter(attempt_id__in=latest_ids)
        .values(
            "competency__code",
            "competency__title",
            "competency__block",
            "competency__order",
            "competency__framework__audience",
        )
        .annotate(
            people=Count("id"),
            deficit=Count("id", filter=Q(decision=Decision.DEFICIT)),
            uncertain=Count("id", filter=Q(decision=Decision.UNCERTAIN)),
            no_deficit=Count("id", filter=Q(decision=Decision.NO_DEFICIT)),
        )
        .order_by("competency__framework__audience", "competency__order", "competency__code")
    )
    map_rows = [
        MapRow(
            competency_code=r["competency__code"],
            competency_title=r["competency__title"],
            block=r["competency__block"],
            audience=r["competency__framework__audience"],
            people=r["people"],
            deficit=r["deficit"],
            uncertain=r["uncertain"],
            no_deficit=r["no_deficit"],
            shown=r["people"] >= MIN_GROUP,
        )
        for r in rows
    ]
    diagnosed = results.values("attempt__educator_id").distinct().count()
    return DeficitMap(rows=sorted(map_rows, key=_row_order), diagnosed=diagnosed, as_of=None)


def _latest_per_person(results: QuerySet[CompetencyResult]) -> list[int]:
    """The latest finished attempt of each person and framework among the results."""
    seen: set[tuple[int, int]] = set()
    ids = []
    rows = (
        results.values_list("attempt_id", "attempt__educator_id", "attempt__assessment__framework_id")
        .order_by("attempt__educator_id", "attempt__assessment__framework_id", "-attempt__started_at")
        .distinct()
    )
    for pk, educator_id, framework_id in rows:
        if (educator_id, framework_id) not in seen:
            seen.add((educator_id, framework_id))
            ids.append(pk)
    return ids


def _scope_key(user, roles) -> list:
    return sorted(
        (
            g.role,
            g.scope,
            g.region_id or 0,
            g.municipality_id or 0,
            g.organization_id or 0,
            tuple(sorted(g.macroregion_region_ids)),
        )
        for g in access.grants(user)
        if g.role in roles
    )


def _row_order(row: MapRow) -> tuple:
    return (AUDIENCE_ORDER.get(row.audience, 9),)


AUDIENCE_ORDER: dict[str, int] = {Audience.TEACHER: 0, Audience.MANAGER: 1, Audience.STUDENT: 2}


# ---------------------------------------------------------------- snapshots below region level
#
# The publication rule (docs/diagnostics.md, «Privacy of the deficit map»):
# 1. Fixed moments. Below region level the map is never live: it counts only attempts
#    finished before the start of the current day (local time), so a result finished
#    today is not visible today at all.
# 2. Batches of at least MIN_GROUP people. Each cell (a competency, and the «diagnosed»
#    figure) moves from one published day to the next only when at least MIN_GROUP
#    people's results in that cell changed since its previous publication; until then the
#    cell keeps its previous published value. Any two fetches of a cell therefore differ
#    by the changes of at least MIN_GROUP people, never by one person's decision.
# 3. Small groups. A cell of fewer than MIN_GROUP people is counted but not shown.


def _publication_start(now: dt.datetime | None) -> dt.datetime:
    """The latest fixed moment: the start of the current local day."""
    local = timezone.localtime(now or timezone.now())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _snapshot(
    results: QuerySet[CompetencyResult], user, *, roles, filters: tuple, now: dt.datetime | None
) -> DeficitMap:
    cutoff = _publication_start(now)
    key = (
        "diagnostics:map:"
        + hashlib.sha1(repr((_scope_key(user, roles), filters, cutoff.isoformat())).encode()).hexdigest()
    )
    cached = cache.get(key)
    if cached is None:
        cached = _snapshot_compute(results.filter(attempt__finished_at__lt=cutoff), cutoff)
        # The snapshot depends only on attempts finished before `cutoff`: keep it for the day.
        cache.set(key, cached, SNAPSHOT_CACHE_SECONDS)
    return cached


SNAPSHOT_CACHE_SECONDS = 3600


def _snapshot_compute(results: QuerySet[CompetencyResult], cutoff: dt.datetime) -> DeficitMap:
    rows = results.values_list(
        "attempt_id",
        "attempt__educator_id",
        "competency__framework_id",
        "attempt__finished_at",
        "competency_id",
        "decision",
    )
    attempts: dict[int, tuple[int, int, dt.datetime, dict[int, str]]] = {}
    for attempt_id, educator_id, framework_id, finished_at, competency_id, decision in rows:
        assert finished_at is not None  # the caller filters attempt__finished_at__lt=cutoff
        entry = attempts.setdefault(attempt_id, (educator_id, framework_id, finished_at, {}))
        entry[3][competency_id] = decision
    # Each person's finished attempts per framework, in the order they finished.
    timelines: dict[tuple[int, int], list[tuple[dt.date, dict[int, str]]]] = defaultdict(list)
    for educator_id, framework_id, finished_at, decisions in sorted(attempts.values(), key=lambda a: a[2]):
        timelines[(educator_id, framework_id)].append((timezone.localtime(finished_at).date(), decisions))
    # Change events per cell: (day, person). DIAGNOSED is the «diagnosed people» figure.
    events: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    first_day: dict[int, dt.date] = {}
    for (educator_id, _framework_id), timeline in timelines.items():
        previous: dict[int, str] = {}
        for day, decisions in timeline:
            for competency_id in previous.keys() | decisions.keys():
                if previous.get(competency_id) != decisions.get(competency_id):
                    events[competency_id].append((day, educator_id))
            previous = decisions
        first_day[educator_id] = min(first_day.get(educator_id, timeline[0][0]), timeline[0][0])
    events[DIAGNOSED] = [(day, educator_id) for educator_id, day in first_day.items()]
    published = {cell: _published_day(cell_events) for cell, cell_events in events.items()}

    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {Decision.DEFICIT: 0, Decision.UNCERTAIN: 0, Decision.NO_DEFICIT: 0}
    )
    for timeline in timelines.values():
        for competency_id in {c for _day, decisions in timeline for c in decisions}:
            shown_on = published.get(competency_id)
            if shown_on is None:
                continue
            state = next((decisions for d, decisions in reversed(timeline) if d <= shown_on), None)
            if state is not None and competency_id in state:
                counts[competency_id][state[competency_id]] += 1
    diagnosed_day = published.get(DIAGNOSED)
    diagnosed = sum(1 for day in first_day.values() if diagnosed_day is not None and day <= diagnosed_day)

    competencies = Competency.objects.filter(pk__in=counts.keys()).select_related("framework")
    map_rows = []
    for competency in competencies:
        cell = counts[competency.pk]
        people = sum(cell.values())
        if not people:
            continue
        map_rows.append(
            MapRow(
                competency_code=competency.code,
                competency_title=competency.title,
                block=competency.block,
                audience=competency.framework.audience,
                people=people,
                deficit=cell[Decision.DEFICIT],
                uncertain=cell[Decision.UNCERTAIN],
                no_deficit=cell[Decision.NO_DEFICIT],
                shown=people >= MIN_GROUP,
            )
        )
    orders = {c.pk: (AUDIENCE_ORDER.get(c.framework.audience, 9), c.order, c.code) for c in competencies}
    by_code = {c.code: c.pk for c in competencies}
    map_rows.sort(key=lambda r: orders[by_code[r.competency_code]])
    return DeficitMap(rows=map_rows, diagnosed=diagnosed, as_of=cutoff)


DIAGNOSED = 0  # the cell key of the «diagnosed people» figure (no competency has pk 0)


def _published_day(events: list[tuple[dt.date, int]]) -> dt.date | None:
    """The last day at the end of which at least MIN_GROUP people had changed since the
    previous publication; None when that never happened."""
    events.sort()
    published = None
    pending: set[int] = set()
    i = 0
    while i < len(events):
        day = events[i][0]
        while i < len(events) and events[i][0] == day:
            pending.add(events[i][1])
            i += 1
        if len(pending) >= MIN_GROUP:
            published, pending = day, set()
    return published


@dataclass(frozen=True)
class MapFilterChoices:
    regions: list[Region]  # offered when the user sees more than one region
    region: Region | None  # the region the map is narrowed to, if any
    municipalities: list[Municipality]  # of that region (or of the user's only region)


def map_filter_choices(user, *, region_id: int | None = None) -> MapFilterChoices:
    """Regions and municipalities a map reader may narrow the map to, within their scope."""
    regions = list(access.region_reach(user, roles=AGGREGATE_READERS).regions().order_by("code"))
    region = next((r for r in regions if r.pk == region_id), None)
    if region is None and len(regions) == 1:
        region = regions[0]
    municipalities = list(Municipality.objects.filter(region=region).order_by("name")) if region else []
    return MapFilterChoices(
        regions=regions if len(regions) > 1 else [],
        region=region if len(regions) > 1 and region_id else None,
        municipalities=municipalities,
    )


def deficit_map_xlsx(summary: DeficitMap) -> bytes:
    """The map as a spreadsheet: the same cells as the page, small groups without figures."""
    from django.utils.translation import gettext as _

    from efs import xlsx

    header = [
        _("Category"),
        _("Competency code"),
        _("Competency"),
        _("People"),
        _("Deficit"),
        _("Undetermined"),
        _("No deficit"),
    ]
    rows = (
        [
            r.audience_label,
            r.competency_code,
            r.competency_title,
            r.people,
            *((r.deficit, r.uncertain, r.no_deficit) if r.shown else ("", "", "")),
        ]
        for r in summary.rows
    )
    return xlsx.table_bytes(_("Deficit map"), header, rows)


def items_listed(
    *,
    framework_id: int | None = None,
    competency_id: int | None = None,
    status: str = "",
    kind: str = "",
    search: str = "",
) -> QuerySet[Item]:
    """The item bank (not people's data); for bank managers."""
    qs = narrowed(
        Item.objects.select_related("competency__framework"),
        competency__framework_id=framework_id,
        competency_id=competency_id,
        status=status,
        kind=kind,
    )
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(content__stem__icontains=search))
    return qs.order_by("competency__framework_id", "competency__order", "code")


def fit_flag(stats: dict) -> bool:
    """True when the item's infit or outfit mean square is outside 0.7–1.3."""
    for key in ("infit", "outfit"):
        value = stats.get(key)
        if value is not None and not math.isnan(value) and not 0.7 <= value <= 1.3:
            return True
    return False
