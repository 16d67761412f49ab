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
    """Per competency code, the same person's latest result of the same framework measured
    before this attempt (a re-diagnosis measures only some competencies, so each is taken
    from the last attempt that measured it)."""
    rows = (
        CompetencyResult.objects.filter(
            attempt__educator_id=attempt.educator_id, attempt__assessment__framework_id=attempt.assessment.framework_id,
            attempt__status__in=FINISHED, attempt__started_at__lt=attempt.started_at,
        )
        .select_related("competency", "attempt")
        .order_by("-attempt__started_at", "pk")
    )
    latest: dict[str, CompetencyResult] = {}
    for row in rows:
        latest.setdefault(row.competency.code, row)
    return latest


DECISION_RANK = {Decision.NO_DEFICIT: 0, Decision.UNCERTAIN: 1, Decision.DEFICIT: 2}


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
    compared = [c for c in changes if c.before is not None]
    return Comparison(
        changes=changes,
        deficits_before=sum(1 for c in compared if c.before.decision == Decision.DEFICIT),
        deficits_after=sum(1 for c in compared if c.row.decision == Decision.DEFICIT),
        since=min(c.before.attempt.started_at for c in compared) if compared else None,
    )


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


def deficit_map(user, *, roles=AGGREGATE_READERS) -> list[MapRow]:
    """Per competency, how many people in the user's scope have a deficit, by their latest
    finished attempt. Groups smaller than MIN_GROUP are counted but not shown."""
    results = access.scoped(CompetencyResult.objects.filter(attempt__status__in=FINISHED), user, roles=roles)
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
