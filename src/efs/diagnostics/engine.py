"""The bridge to the psychometrics engine: item banks built from the database.

A bank is built once per process per (assessment, competencies, item version) and
reused, because the engine precomputes lookup tables per bank object. Everything the
engine needs to continue an attempt is in the database (responses), so a restart or
another web process continues exactly where the attempt was.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Max

from efs.competencies.models import Competency
from efs.psychometrics import CatConfig, ItemBank

from .models import Assessment, AssessmentMode, Item, ItemStatus


@dataclass(frozen=True)
class AttemptBank:
    bank: ItemBank
    item_pks: tuple[int, ...]  # engine index -> Item.pk
    index_of: dict[int, int]  # Item.pk -> engine index
    competencies: tuple[Competency, ...]  # engine dimension -> competency
    config: CatConfig


_CACHE: OrderedDict[tuple, AttemptBank] = OrderedDict()
_CACHE_SIZE = 32
_LOCK = threading.Lock()


def irt_json(item: Item) -> dict:
    if item.irt_model == "GPCM":
        return {"model": "GPCM", "a": item.a, "steps": list(item.steps)}
    data = {"model": item.irt_model, "a": item.a, "b": item.b}
    if item.irt_model == "3PL":
        data["c"] = item.c or 0.0
    return data


def _competencies(assessment: Assessment, codes: list[str]) -> list[Competency]:
    by_code = {
        c.code: c
        for c in Competency.objects.filter(
            framework_id=assessment.framework_id, code__in=codes, is_leaf=True
        ).select_related("framework")
    }
    return [by_code[code] for code in codes if code in by_code]


def attempt_bank(assessment: Assessment, codes: list[str]) -> AttemptBank:
    items = Item.objects.filter(
        competency__framework_id=assessment.framework_id, competency__code__in=codes, status=ItemStatus.OPERATIONAL
    )
    version = items.aggregate(n=Count("id"), changed=Max("updated_at"))
    fixed_version = None
    if assessment.mode == AssessmentMode.FIXED:
        fixed_version = tuple(assessment.fixed_items.values_list("item_id", flat=True))
    key = (
        assessment.pk,
        tuple(codes),
        version["n"],
        version["changed"],
        fixed_version,
        assessment.max_items,
        assessment.min_per_competency,
        assessment.max_per_competency,
        assessment.decision_confidence,
        assessment.randomesque,
    )
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    built = _build(assessment, codes, list(items.select_related("competency").order_by("pk")), fixed_version)
    with _LOCK:
        _CACHE[key] = built
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return built


def _correlation(assessment: Assessment, competencies: list[Competency]):
    stored = assessment.framework.correlation
    if not stored:
        return None
    order = {code: i for i, code in enumerate(stored["codes"])}
    if not all(c.code in order for c in competencies):
        return None
    matrix = stored["matrix"]
    sub = [[matrix[order[a.code]][order[b.code]] for b in competencies] for a in competencies]
    return sub if positive_definite(sub) else None


def positive_definite(matrix) -> bool:
    """A usable correlation matrix (a prior must not be singular)."""
    try:
        np.linalg.cholesky(np.asarray(matrix, dtype=float))
    except np.linalg.LinAlgError:
        return False
    return True


def _build(assessment: Assessment, codes: list[str], items: list[Item], fixed: tuple[int, ...] | None) -> AttemptBank:
    competencies = _competencies(assessment, codes)
    dims = {c.pk: i for i, c in enumerate(competencies)}
    items = [item for item in items if item.competency_id in dims]
    bank = ItemBank.from_json(
        {
            "dimensions": [{"id": c.code, "cut": c.deficit_cut} for c in competencies],
            "items": [{"id": str(item.pk), "dimension": item.competency.code, **irt_json(item)} for item in items],
        }
    )
    item_pks = tuple(item.pk for item in items)
    index_of = {pk: i for i, pk in enumerate(item_pks)}
    confidence = assessment.decision_confidence
    correlation = _correlation(assessment, competencies)
    if assessment.mode == AssessmentMode.FIXED:
        config = CatConfig(
            mode="fixed",
            fixed_form=tuple(index_of[pk] for pk in fixed or () if pk in index_of),
            deficit_threshold=confidence,
            no_deficit_threshold=1 - confidence,
            correlation=correlation,
        )
    else:
        config = CatConfig(
            deficit_threshold=confidence,
            no_deficit_threshold=1 - confidence,
            min_items=assessment.min_per_competency,
            max_items=assessment.max_per_competency,
            max_total=assessment.max_items,
            randomesque=assessment.randomesque,
            correlation=correlation,
        )
    return AttemptBank(bank=bank, item_pks=item_pks, index_of=index_of, competencies=tuple(competencies), config=config)
