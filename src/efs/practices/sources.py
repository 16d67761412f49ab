"""The bank as a source of route items (routes.registry): the route builder may propose a
practice of the bank that develops a competency of the educator's deficits."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from efs.routes.public import (
    ItemKind,
    ItemSource,
    SourceCandidate,
    SourceQuery,
    register_item_source,
)

from .models import PUBLIC_STATUSES, Practice, PracticeLevel, PracticeStatus

# A practice closes a fifth of a deficit as declared; its measured effect moves that share
# the way a program's does (routes/building.py: 20 pseudo-users, a gain of 0.5 = as declared).
DECLARED_SHARE = 0.2
EFFECT_PRIOR_N = 20
REFERENCE_GAIN = 0.5


def share(practice: Practice, code: str) -> float:
    measured = (practice.effect or {}).get(code)
    if not measured or not measured.get("n"):
        return DECLARED_SHARE
    n = measured["n"]
    ratio = max(0.0, measured["effect"] / REFERENCE_GAIN)
    return round(DECLARED_SHARE * max(0.25, min(1.5, (n * ratio + EFFECT_PRIOR_N) / (n + EFFECT_PRIOR_N))), 4)


def candidates(query: SourceQuery) -> list[SourceCandidate]:
    """Public practices of the educator's region (or recommended at the federal level) on
    their deficits, for their subjects; recommended ones and the most replicated first."""
    practices = (
        Practice.objects.filter(status__in=PUBLIC_STATUSES, competencies__code__in=query.deficits)
        .filter(Q(region_id=query.region_id) | Q(confirmed_level=PracticeLevel.FEDERAL))
        .exclude(organization_id__in=[query.organization_id] if query.organization_id else [])
        .prefetch_related("competencies", "subjects")
        .distinct()
        .order_by("-replication_count", "pk")[:50]
    )
    found = []
    for practice in practices:
        subjects = {s.code for s in practice.subjects.all()}
        if subjects and not subjects & query.subject_codes:
            continue
        candidate = _candidate(practice, query.deficits)
        found.append(
            (
                practice.status != PracticeStatus.RECOMMENDED,
                -sum(candidate.coverage.values()),
                -practice.replication_count,
                candidate,
            )
        )
    found.sort(key=lambda row: row[:3])
    return [row[3] for row in found]


def _candidate(practice: Practice, deficits) -> SourceCandidate:
    coverage = {c.code: share(practice, c.code) for c in practice.competencies.all() if c.code in deficits}
    return SourceCandidate(
        key=str(practice.pk),
        title=_("Practice «%(t)s»") % {"t": practice.title},
        coverage=coverage,
        hours=practice.hours,
        task=_("Master and try the practice in your work, following its replication steps"),
        expected_result=_("The practice is tried in class; what worked and what was adapted is written down"),
        evidence_form=_("A short report on trying the practice"),
        reason=_("a practice of the bank, replicated %(n)s times") % {"n": practice.replication_count},
    )


def find(query: SourceQuery, key: str) -> SourceCandidate | None:
    """A practice added by hand: any card published in the bank (a person chooses it, so the
    builder's preference for the educator's region does not apply); routes checks that it
    addresses a deficit of the route and fits its hours."""
    if not key.isdigit():
        return None
    practice = Practice.objects.filter(pk=int(key), status__in=PUBLIC_STATUSES).prefetch_related("competencies").first()
    return _candidate(practice, query.deficits) if practice is not None else None


def on_added(route_item_id: int, candidate: SourceCandidate) -> None:
    from .services import route_item_linked

    route_item_linked(route_item_id, int(candidate.key))


def register() -> None:
    register_item_source(
        ItemSource(kind=ItemKind.PRACTICE, candidates=candidates, on_added=on_added, limit=3, find=find)
    )
