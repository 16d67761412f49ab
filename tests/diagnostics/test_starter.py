"""The shipped frameworks, item bank and assessments: loaded once, usable as they are."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from django.core.management import call_command

from efs.competencies.models import Competency, Framework
from efs.demo.diagnostics import simulated_answer
from efs.diagnostics.models import Assessment, AttemptStatus, CompetencyResult, FixedFormItem, Item
from efs.diagnostics.services import attempt_answer, attempt_start
from efs.people.models import ConsentKind, Subject
from efs.people.services import consent_give


@pytest.fixture
def starter(reference_data):
    call_command("starter")


def test_starter_content_is_complete_and_loads_once(starter):
    assert set(Framework.objects.values_list("audience", flat=True)) == {"teacher", "manager", "student"}
    leaves = Competency.objects.filter(framework__audience="teacher", is_leaf=True)
    assert leaves.count() == 14
    per_leaf = Counter(Item.objects.filter(audience="teacher").values_list("competency__code", flat=True))
    assert len(per_leaf) == 14 and min(per_leaf.values()) >= 12
    assert Counter(Item.objects.values_list("kind", flat=True)).keys() == {
        "single",
        "multiple",
        "matching",
        "ordering",
        "numeric",
        "case",
    }
    for audience in ("manager", "student"):
        counts = Counter(Item.objects.filter(audience=audience).values_list("competency__code", flat=True))
        assert len(counts) == 6 and min(counts.values()) >= 8
    assert set(Assessment.objects.values_list("code", flat=True)) == {
        "teacher-adaptive",
        "teacher-fixed-25",
        "manager-adaptive",
        "student-adaptive",
    }
    fixed = FixedFormItem.objects.filter(assessment__code="teacher-fixed-25").select_related("item__competency")
    assert fixed.count() == 25
    assert Counter(f.item.competency.block for f in fixed) == {
        "legal": 6,
        "methodological": 7,
        "psych_pedagogical": 6,
        "communicative": 6,
    }
    items = Item.objects.count()
    call_command("starter")
    assert Item.objects.count() == items


@pytest.mark.parametrize("theta", [-2.5, 1.5])  # two logits either side of the deficit cut (-0.5)
def test_adaptive_attempts_on_the_real_bank_decide_far_from_the_cut(world, starter, theta):
    """Five simulated attempts with fixed seeds (exposure control is random in production).

    Never a wrong decision; most competencies decided on average. Far below the cut fewer are
    decided than far above it (the starter bank has few easy items): over 25 random attempts at
    -2.5 the number of deficits decided ranged 6..13 of 13 (mean 10.6; seeds 1..5 here give
    13, 13, 11, 5, 10), at +1.5 it was 12..13.
    """
    world.self_educator.subjects.set([Subject.objects.get(code="mathematics")])
    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    assessment = Assessment.objects.get(code="teacher-adaptive")
    expected, wrong = ("deficit", "no_deficit") if theta < 0 else ("no_deficit", "deficit")
    decided = []
    for seed in range(1, 6):
        attempt = attempt_start(
            actor=world.users["teacher"], educator=world.self_educator, assessment=assessment, seed=seed
        )
        assert "T.MATH" in attempt.competency_codes and "T.RUS" not in attempt.competency_codes
        rng = np.random.default_rng(seed)
        while attempt.status == AttemptStatus.IN_PROGRESS:
            current = attempt.responses.filter(answered_at__isnull=True).select_related("item").first()
            attempt = attempt_answer(
                actor=world.users["teacher"],
                attempt=attempt,
                position=current.position,
                answer=simulated_answer(current.item, theta, rng),
            ).attempt
        assert attempt.answered <= assessment.max_items
        results = CompetencyResult.objects.filter(attempt=attempt)
        assert results.count() == 13
        decisions = Counter(results.values_list("decision", flat=True))
        assert decisions[wrong] == 0, (seed, decisions)
        decided.append(decisions[expected])
    assert sum(decided) / len(decided) >= 9, decided


def test_every_score_of_every_shipped_item_is_reachable():
    """The simulations (demo first wave, the demo teacher's attempt) answer with `answer_for_score`."""
    from efs.diagnostics.bank import STARTER_DIR
    from efs.diagnostics.itemformat import MAX_SCORE, answer_for_score, score_answer

    checked = 0
    for path in sorted(STARTER_DIR.glob("*.json")):
        for item in json.loads(path.read_text(encoding="utf-8")):
            for target in range(MAX_SCORE[item["kind"]] + 1):
                assert score_answer(item, answer_for_score(item, target)) == target, item["code"]
                checked += 1
    assert checked >= 700
