"""Russian search of the public practices with the depository's engine (catalog.public).

A public card is indexed as terms (lemmas reduced to derivational keys, thesaurus groups),
weight 3 in the title and 1 elsewhere, exactly as program cards are; a query is split into
concepts by the same engine. Ranking and matching follow catalog/search.py: a concept
scores its rarity (BM25 idf) × weight × match quality; a card matches when it holds half
of the concepts or concepts carrying half of the query's rarity, and, when the query has a
distinctive concept (in at most a quarter of the cards), one of those. The bank holds
thousands of cards, not hundreds of thousands, so the scores are summed in Python over the
rows of the query's terms (one query); typo correction is the depository's alone.
"""

from __future__ import annotations

from collections import defaultdict

from efs.catalog.public import search_concepts, search_document, search_idf, search_terms

from .models import PUBLIC_STATUSES, Practice, PracticeSearchTerm

COMMON_SHARE = 4


def document(practice: Practice, competency_titles: list[str], subject_names: list[str]) -> str:
    return search_document(
        practice.title,
        practice.problem,
        practice.target_group,
        " ".join(practice.steps),
        practice.results,
        " ".join(competency_titles),
        " ".join(subject_names),
    )


def reindex(practice: Practice) -> None:
    PracticeSearchTerm.objects.filter(practice_id=practice.pk).delete()
    if practice.status not in PUBLIC_STATUSES:
        return
    PracticeSearchTerm.objects.bulk_create(
        [
            PracticeSearchTerm(practice_id=practice.pk, term=t, weight=w)
            for t, w in search_terms(practice.search_document).items()
        ]
    )


def _rarity(
    concepts: list[dict[str, int]], holders: dict[str, dict[int, int]], total: int
) -> tuple[list[int], set[int]]:
    """Each concept's rarity (BM25 idf) and the concepts in more than a quarter of the cards."""
    rarity, common = [], set()
    for number, concept in enumerate(concepts):
        df = max((len(holders.get(t, {})) for t in concept), default=0)
        if COMMON_SHARE * df > total:
            common.add(number)
        rarity.append(search_idf(total, df))
    return rarity, common


def _scores(
    concepts: list[dict[str, int]], holders: dict[str, dict[int, int]], rarity: list[int]
) -> dict[int, dict[int, int]]:
    """practice -> concept -> its best score (weight × rarity × quality of the match)."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for number, concept in enumerate(concepts):
        for term, quality in concept.items():
            for practice_id, weight in holders.get(term, {}).items():
                score = weight * rarity[number] * quality
                found[practice_id][number] = max(found[practice_id].get(number, 0), score)
    return found


def search_ids(query: str, limit: int = 2000) -> list[int] | None:
    """Public practice ids matching the query, best first; None for an empty query."""
    concepts = search_concepts(query)
    if not concepts:
        return None
    wanted = sorted({t for c in concepts for t in c})
    holders: dict[str, dict[int, int]] = defaultdict(dict)
    for practice_id, term, weight in PracticeSearchTerm.objects.filter(term__in=wanted).values_list(
        "practice_id", "term", "weight"
    ):
        holders[term][practice_id] = weight
    rarity, common = _rarity(concepts, holders, Practice.objects.filter(status__in=PUBLIC_STATUSES).count())
    known = {n for n, c in enumerate(concepts) if any(holders.get(t) for t in c)}
    everything_known = len(known) == len(concepts)
    distinctive = known - common
    matches = []
    for practice_id, per_concept in _scores(concepts, holders, rarity).items():
        present = set(per_concept)
        if distinctive and common & known and not present & distinctive:
            continue
        enough = 2 * sum(rarity[n] for n in present) >= sum(rarity) or (
            everything_known and 2 * len(present) >= len(concepts)
        )
        if enough:
            matches.append((-sum(per_concept.values()), practice_id))
    return [practice_id for _score, practice_id in sorted(matches)[:limit]]
