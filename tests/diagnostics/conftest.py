"""A small framework and bank made through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.competencies.services import framework_import
from efs.diagnostics.bank import starter_assessments_load
from efs.diagnostics.models import Assessment, AssessmentMode, Item, ItemStatus
from efs.people.models import ConsentKind
from efs.people.services import consent_give

LEAVES = ["T.NP", "T.RO", "T.COM"]


def small_framework(audience: str = "teacher", code: str = "teacher", version: str = "test"):
    return framework_import(
        actor=None,
        publish=True,
        data={
            "code": code,
            "version": version,
            "title": "Тестовая рамка",
            "audience": audience,
            "levels": [
                {"code": "deficit", "title": "Дефицит"},
                {"code": "basic", "title": "Базовый"},
                {"code": "confident", "title": "Уверенный"},
            ],
            "competencies": [
                {"code": "T.A01", "parent": None, "title": "Обучение"},
                {
                    "code": "T.NP",
                    "parent": "T.A01",
                    "title": "Нормативно-правовые основы",
                    "block": "legal",
                    "cuts": [0.0, 1.0],
                },
                {
                    "code": "T.RO",
                    "parent": "T.A01",
                    "title": "Оценка результатов",
                    "block": "methodological",
                    "cuts": [0.0, 1.0],
                },
                {"code": "T.COM", "parent": "T.A01", "title": "Общение", "block": "communicative", "cuts": [-0.2, 1.0]},
                {
                    "code": "T.MATH",
                    "parent": "T.A01",
                    "title": "Математика",
                    "block": "subject",
                    "cuts": [0.0, 1.0],
                    "subjects": ["mathematics"],
                },
            ],
        },
    )


def make_items(framework, per_leaf: int = 12, status: str = ItemStatus.OPERATIONAL) -> list[Item]:
    """Items of every kind with spread difficulties, keyed so that the full answer is known."""
    items = []
    for competency in framework.competencies.filter(is_leaf=True):
        for k in range(per_leaf):
            b = -2.0 + 4.0 * k / max(1, per_leaf - 1)
            kind = ["single", "case", "multiple", "numeric", "matching", "ordering"][k % 6]
            content = {"stem": f"Задание {k + 1} по компетенции {competency.code}"}
            if kind in ("single", "case", "multiple", "ordering"):
                content["options"] = [{"id": x, "text": f"Вариант {x}"} for x in "abcd"]
            if kind == "matching":
                content["left"] = [{"id": x, "text": f"Понятие {x}"} for x in "123"]
                content["right"] = [{"id": x, "text": f"Определение {x}"} for x in "abcd"]
            key = {
                "single": "b",
                "case": {"a": 0, "b": 2, "c": 1, "d": 0},
                "multiple": ["a", "c"],
                "numeric": {"value": 12.5, "tolerance": 0.01},
                "matching": {"1": "b", "2": "a", "3": "d"},
                "ordering": ["c", "a", "d", "b"],
            }[kind]
            two_point = kind in ("case", "multiple", "matching", "ordering")
            items.append(
                Item(
                    code=f"{competency.code}-{framework.version}-{k:03d}",
                    competency=competency,
                    audience=framework.audience,
                    kind=kind,
                    content=content,
                    key=key,
                    max_score=2 if two_point else 1,
                    irt_model="GPCM" if two_point else "2PL",
                    a=1.3,
                    b=None if two_point else b,
                    steps=[b - 0.4, b + 0.4] if two_point else [],
                    status=status,
                )
            )
    return Item.objects.bulk_create(items)


@pytest.fixture
def bank(world):
    framework = small_framework()
    make_items(framework)
    adaptive = Assessment.objects.create(
        code="t-adaptive", title="Адаптивная", framework=framework, mode=AssessmentMode.ADAPTIVE,
        max_items=30, min_per_competency=2, max_per_competency=10, time_limit_minutes=60, pilot_items=0,
    )
    return {"framework": framework, "adaptive": adaptive}


@pytest.fixture
def consented(world):
    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    return world


__all__ = ["small_framework", "make_items", "starter_assessments_load"]


def finished_attempt(user, educator, deficits: dict[str, float]):
    """A finished attempt of `educator` with the given probabilities of a deficit (codes of the small framework)."""
    from efs.competencies.models import Competency
    from efs.diagnostics.models import Attempt, CompetencyResult

    consent = consent_give(actor=user, educator=educator, kind=ConsentKind.DIAGNOSTICS)
    framework = Competency.objects.filter(code__in=deficits).first().framework
    assessment, _ = Assessment.objects.get_or_create(
        code="a", defaults={"title": "Диагностика", "framework": framework}
    )
    now = timezone.now()
    attempt = Attempt.objects.create(
        educator=educator,
        region=educator.region,
        organization=educator.organization,
        assessment=assessment,
        status="completed",
        competency_codes=list(deficits),
        seed=1,
        consent=consent,
        started_at=now,
        deadline_at=now + dt.timedelta(hours=1),
        finished_at=now,
    )
    for code, p in deficits.items():
        competency = Competency.objects.get(code=code, framework=framework)
        CompetencyResult.objects.create(
            attempt=attempt,
            competency=competency,
            region=educator.region,
            theta=-1.0 if p > 0.5 else 0.5,
            se=0.3,
            p_deficit=p,
            decision="deficit" if p >= 0.95 else "uncertain" if p > 0.05 else "no_deficit",
            level="deficit",
            items=8,
        )
    return attempt
