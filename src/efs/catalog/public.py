"""What other apps may use of `catalog` (ADR 0006), and the data elements it publishes for
monitoring: programs per provider organization and month."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Subquery

from efs.periods import utc_bounds

from . import search
from .models import Program, ProgramStatus, ProgramTransition
from .queries import open_cohorts
from .services import (
    COMMENT_MIN,
    LOW_SCORE_SHARE,
    MIN_REVIEWS,
    CohortData,
    cohort_create,
    cohort_seat_release,
    cohort_seat_take,
    expert_affiliations,
    program_effects_set,
    require_enough_reviews,
    review_contradictions,
    review_scores,
    reviewers_pick,
)

__all__ = [
    "COMMENT_MIN",
    "LOW_SCORE_SHARE",
    "MIN_REVIEWS",
    "CohortData",
    "Program",
    "ProgramStatus",
    "cohort_create",
    "cohort_seat_release",
    "cohort_seat_take",
    "element_programs_network_form",
    "element_programs_published",
    "expert_affiliations",
    "open_cohorts",
    "require_enough_reviews",
    "review_contradictions",
    "review_scores",
    "program_effects_set",
    "reviewers_pick",
    "search_concepts",
    "search_document",
    "search_idf",
    "search_terms",
]

# The depository's review rules and Russian search engine, for the bank of practices: the
# same conflict-of-interest rule, the same number of reviews, the same thresholds for a
# review that must explain itself, the same lemmas, derivational keys and thesaurus.
search_document = search.document
search_terms = search.terms
search_idf = search._idf


def search_concepts(query: str) -> list[dict[str, int]]:
    """The query's concepts (a word or a thesaurus phrase), each as its index terms with the
    quality of the match (catalog/search.py)."""
    return [dict(c.alternatives) for c in search._concepts(query)]


def _published_at_month_end(months: list[dt.date], programs) -> list[tuple[int, int, int]]:
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        last_status = (
            ProgramTransition.objects.filter(program=OuterRef("pk"), at__lt=end)
            .order_by("-at", "-id")
            .values("to_status")[:1]
        )
        counts = (
            programs.annotate(status_then=Subquery(last_status))
            .filter(status_then=ProgramStatus.PUBLISHED)
            .values("provider_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        rows += [(c["provider_id"], index, c["n"]) for c in counts]
    return rows


def element_programs_published(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Programs in the depository (published) at the month's end, by provider organization."""
    return _published_at_month_end(months, Program.objects.all())


def element_programs_network_form(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Of those, programs in network form (the card names at least one partner organization;
    the partners as the card has them now: they are not historised), by provider organization."""
    return _published_at_month_end(
        months, Program.objects.filter(Exists(Program.network_partners.through.objects.filter(program=OuterRef("pk"))))
    )
