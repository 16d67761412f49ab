"""Reads of the diagnostics app. Individual results go through the scoping mechanism;
heads and operators get only aggregates over groups of at least MIN_GROUP people."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from efs.competencies.models import Competency
from efs.people import access

from .access import AGGREGATE_READERS, INDIVIDUAL_READERS
from .models import Attempt, AttemptStatus, CompetencyResult, Decision, Item, Response

# A share computed over fewer people could point at a person.
MIN_GROUP = 5
FINISHED = (AttemptStatus.COMPLETED, AttemptStatus.EXPIRED)


def attempts_visible(user, *, educator_id: int | None = None) -> QuerySet[Attempt]:
    qs = access.scoped(Attempt.objects.select_related("assessment", "educator"), user, roles=INDIVIDUAL_READERS)
    if educator_id:
        qs = qs.filter(educator_id=educator_id)
    return qs.order_by("-started_at")


def attempt_visible(user, pk: int) -> Attempt:
    return access.get_scoped(Attempt.objects.select_related("assessment__framework", "educator__organization", "educator__region"), user, roles=INDIVIDUAL_READERS, pk=pk)


def own_attempt(user, pk: int) -> Attempt:
    """An attempt the user is taking themselves."""
    return access.get_scoped(Attempt.objects.select_related("assessment__framework", "educator"), user, roles=[access.Role.TEACHER], pk=pk)


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
    decision_label: str
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
    for r in CompetencyResult.objects.filter(attempt=attempt).select_related("competency__framework").order_by("competency__order"):
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
    """The same person's previous finished attempt of the same framework, by competency code."""
    earlier = (
        Attempt.objects.filter(educator_id=attempt.educator_id, assessment__framework_id=attempt.assessment.framework_id, status__in=FINISHED, started_at__lt=attempt.started_at)
        .order_by("-started_at")
        .first()
    )
    if earlier is None:
        return {}
    return {r.competency.code: r for r in CompetencyResult.objects.filter(attempt=earlier).select_related("competency", "attempt")}


@dataclass(frozen=True)
class MapRow:
    competency_code: str
    competency_title: str
    block: str
    people: int
    deficit: int
    uncertain: int
    no_deficit: int
    shown: bool  # False when the group is too small to show

    @property
    def deficit_share(self) -> float:
        return self.deficit / self.people if self.people else 0.0


def deficit_map(user, *, roles=AGGREGATE_READERS, region_id: int | None = None) -> list[MapRow]:
    """Per competency, how many people in the user's scope (within one region, if given) have
    a deficit, by their latest finished attempt. Groups smaller than MIN_GROUP are counted but not shown."""
    results = access.scoped(CompetencyResult.objects.filter(attempt__status__in=FINISHED), user, roles=roles)
    if region_id is not None:
        results = results.filter(attempt__region_id=region_id)
    latest_ids = _latest_per_person(results)
    rows = (
        results.filter(attempt_id__in=latest_ids)
        .values("competency__code", "competency__title", "competency__block", "competency__order")
        .annotate(
            people=Count("id"),
            deficit=Count("id", filter=Q(decision=Decision.DEFICIT)),
            uncertain=Count("id", filter=Q(decision=Decision.UNCERTAIN)),
            no_deficit=Count("id", filter=Q(decision=Decision.NO_DEFICIT)),
        )
        .order_by("competency__order", "competency__code")
    )
    return [
        MapRow(
            competency_code=r["competency__code"],
            competency_title=r["competency__title"],
            block=r["competency__block"],
            people=r["people"],
            deficit=r["deficit"],
            uncertain=r["uncertain"],
            no_deficit=r["no_deficit"],
            shown=r["people"] >= MIN_GROUP,
        )
        for r in rows
    ]


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


def diagnosed_count(user, *, roles=AGGREGATE_READERS) -> int:
    results = access.scoped(CompetencyResult.objects.filter(attempt__status__in=FINISHED), user, roles=roles)
    return results.values("attempt__educator_id").distinct().count()


def items_listed(*, framework_id: int | None = None, competency_id: int | None = None, status: str = "", kind: str = "", search: str = "") -> QuerySet[Item]:
    """The item bank (not people's data); for bank managers."""
    qs = Item.objects.select_related("competency__framework")
    if framework_id:
        qs = qs.filter(competency__framework_id=framework_id)
    if competency_id:
        qs = qs.filter(competency_id=competency_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
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
