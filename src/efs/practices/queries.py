"""Reads of the bank of practices: search with filters, practices for an educator's
deficits, the regional ranking, a practice's replication map, the experts' leniency."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from efs.diagnostics.public import current_deficits

from . import search
from .access import moderated_condition, practices_visible
from .models import (
    PUBLIC_STATUSES,
    Practice,
    PracticeReview,
    PracticeReviewStatus,
    PracticeStatus,
    Replication,
)

PAGE = 50


@dataclass
class Filters:
    q: str = ""
    competency: str = ""  # competency code
    level: str = ""
    region_id: int | None = None
    subject: str = ""  # subject code
    status: str = ""  # "recommended" for the recommended ones only


def _filtered(qs: QuerySet[Practice], filters: Filters) -> QuerySet[Practice]:
    if filters.competency:
        qs = qs.filter(competencies__code=filters.competency)
    if filters.level:
        qs = qs.filter(Q(confirmed_level=filters.level) | Q(confirmed_level="", level=filters.level))
    if filters.region_id:
        qs = qs.filter(region_id=filters.region_id)
    if filters.subject:
        qs = qs.filter(subjects__code=filters.subject)
    if filters.status == PracticeStatus.RECOMMENDED:
        qs = qs.filter(status=PracticeStatus.RECOMMENDED)
    return qs


def practices_search(filters: Filters, *, limit: int = PAGE, offset: int = 0) -> tuple[list[Practice], int]:
    """Public practices matching the query (the depository's engine) and the filters,
    best first (by the search's rank, otherwise recommended and most replicated first)."""
    qs = _filtered(Practice.objects.filter(status__in=PUBLIC_STATUSES), filters).distinct()
    ids = search.search_ids(filters.q) if filters.q.strip() else None
    if ids is not None:
        allowed = set(qs.filter(pk__in=ids).values_list("pk", flat=True))
        ordered = [pk for pk in ids if pk in allowed]
        page_ids = ordered[offset : offset + limit]
        rows = {p.pk: p for p in _with_related(Practice.objects.filter(pk__in=page_ids))}
        return [rows[pk] for pk in page_ids], len(ordered)
    total = qs.count()
    page = _with_related(qs.order_by("-status", "-replication_count", "title", "pk"))[offset : offset + limit]
    return list(page), total


def _with_related(qs: QuerySet[Practice]) -> QuerySet[Practice]:
    return qs.select_related("region", "organization", "municipality").prefetch_related("competencies", "authors")


@dataclass(frozen=True)
class DeficitMatch:
    practice: Practice
    competencies: list[str]  # titles of the deficits it develops
    weight: float  # sum of the probabilities of those deficits


def practices_for_deficits(
    *, educator_id: int, region_id: int, subject_codes: set[str], limit: int = 20
) -> tuple[list, list[DeficitMatch]]:
    """«Практики, закрывающие мои дефициты»: the educator's current deficits (diagnostics)
    and the public practices of their region, or recommended federally, that develop them."""
    deficits = current_deficits(educator_id=educator_id)
    if not deficits:
        return [], []
    weights = {d.code: d.p_deficit for d in deficits}
    titles = {d.code: d.title for d in deficits}
    qs = _with_related(
        Practice.objects.filter(status__in=PUBLIC_STATUSES, competencies__code__in=weights)
        .filter(Q(region_id=region_id) | Q(confirmed_level="federal"))
        .distinct()
    ).prefetch_related("subjects")
    matches = []
    for practice in qs:
        subjects = {s.code for s in practice.subjects.all()}
        if subjects and not subjects & subject_codes:
            continue
        codes = [c.code for c in practice.competencies.all() if c.code in weights]
        matches.append(DeficitMatch(practice, [titles[c] for c in codes], round(sum(weights[c] for c in codes), 4)))
    matches.sort(
        key=lambda m: (
            -m.weight,
            m.practice.status != PracticeStatus.RECOMMENDED,
            -m.practice.replication_count,
            m.practice.pk,
        )
    )
    return deficits, matches[:limit]


def mean_effect(practice: Practice) -> float | None:
    values = [v["effect"] for v in (practice.effect or {}).values() if v.get("n")]
    return round(sum(values) / len(values), 4) if values else None


def regional_ranking(region_id: int, *, limit: int = 100) -> list[tuple[Practice, float | None]]:
    """The region's public practices ranked by replication, then by measured effect."""
    rows = list(
        _with_related(Practice.objects.filter(status__in=PUBLIC_STATUSES, region_id=region_id)).order_by(
            "-replication_count", "pk"
        )[: limit * 2]
    )
    ranked = [(p, mean_effect(p)) for p in rows]
    ranked.sort(key=lambda pair: (-pair[0].replication_count, -(pair[1] if pair[1] is not None else -1e9), pair[0].pk))
    return ranked[:limit]


@dataclass(frozen=True)
class MapRow:
    region: str
    municipality: str
    count: int


def replication_map(practice: Practice) -> list[MapRow]:
    """Where the practice was replicated: reports by region and municipality."""
    rows = (
        Replication.objects.filter(practice=practice)
        .values("region__name", "municipality__name")
        .annotate(n=Count("id"))
        .order_by("-n", "region__name", "municipality__name")
    )
    return [MapRow(r["region__name"], r["municipality__name"] or "", r["n"]) for r in rows]


def replications_of(practice: Practice) -> QuerySet[Replication]:
    return (
        Replication.objects.filter(practice=practice)
        .select_related("organization", "region", "municipality")
        .order_by("-implemented_on", "pk")
    )


def moderation_queue(user) -> QuerySet[Practice]:
    condition = moderated_condition(user)
    if condition is None:
        return Practice.objects.none()
    statuses = (PracticeStatus.SUBMITTED, PracticeStatus.IN_REVIEW)
    return (
        Practice.objects.filter(condition, status__in=statuses)
        .select_related("region", "organization", "contest")
        .prefetch_related("reviews__expert")
        .order_by("status", "updated_at", "pk")
    )


def reviews_of_expert(user) -> QuerySet[PracticeReview]:
    return (
        PracticeReview.objects.filter(expert=user).select_related("practice").order_by("status", "-assigned_at", "pk")
    )


def reviews_for_authors(practice: Practice) -> list[PracticeReview]:
    """Submitted reviews of the card, the expert's name withheld (the review is blind)."""
    return list(
        practice.reviews.filter(status=PracticeReviewStatus.SUBMITTED).order_by(
            "practice_version", "submitted_at", "pk"
        )
    )


@dataclass(frozen=True)
class Leniency:
    expert_id: int
    expert: str
    reviews: int  # submitted reviews in the operator's reach
    compared: int  # of those, on practices another expert reviewed too
    mean_share: float  # mean share of the maximum score
    delta: float | None  # mean (own share − the other experts' mean share on the same card)


def leniency(user) -> list[Leniency]:
    """Each expert's scores against the other experts' scores on the same practice version:
    positive delta — more lenient than colleagues, negative — stricter."""
    condition = moderated_condition(user)
    if condition is None:
        return []
    practice_ids = Practice.objects.filter(condition).values("pk")
    rows = PracticeReview.objects.filter(
        practice_id__in=practice_ids, status=PracticeReviewStatus.SUBMITTED, share__isnull=False
    ).values_list(
        "practice_id",
        "practice_version",
        "expert_id",
        "expert__first_name",
        "expert__last_name",
        "expert__username",
        "share",
    )
    by_card: dict[tuple[int, int], list[tuple[int, float]]] = defaultdict(list)
    names: dict[int, str] = {}
    for practice_id, version, expert_id, first, last, username, share in rows:
        assert share is not None  # filtered share__isnull=False
        by_card[(practice_id, version)].append((expert_id, share))
        names[expert_id] = f"{last} {first}".strip() or username
    shares: dict[int, list[float]] = defaultdict(list)
    deltas: dict[int, list[float]] = defaultdict(list)
    for reviews in by_card.values():
        for expert_id, share in reviews:
            shares[expert_id].append(share)
            others = [s for e, s in reviews if e != expert_id]
            if others:
                deltas[expert_id].append(share - sum(others) / len(others))
    answer = [
        Leniency(
            expert_id=e,
            expert=names[e],
            reviews=len(shares[e]),
            compared=len(deltas[e]),
            mean_share=round(sum(shares[e]) / len(shares[e]), 3),
            delta=round(sum(deltas[e]) / len(deltas[e]), 3) if deltas[e] else None,
        )
        for e in shares
    ]
    answer.sort(key=lambda row: (-(abs(row.delta) if row.delta is not None else -1), row.expert))
    return answer


def visible(user) -> QuerySet[Practice]:
    return practices_visible(user)


def project_practices(project) -> dict[str, Any]:
    """A joint project's practices: the cards published in the bank, and how many more are
    still drafts or in review (their titles are their authors' until published)."""
    rows = Practice.objects.filter(project=project).select_related("region", "organization")
    public = list(rows.filter(status__in=PUBLIC_STATUSES).order_by("-replication_count", "title"))
    preparing = rows.exclude(status__in=(*PUBLIC_STATUSES, PracticeStatus.REJECTED, PracticeStatus.ARCHIVED)).count()
    return {"public": public, "preparing": preparing}
