"""A provider, experts and program cards made through the real services."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.utils import timezone

from efs.catalog.models import ReviewCriterion
from efs.catalog.services import (
    CohortData,
    ProgramData,
    cohort_create,
    program_create,
    program_decide,
    program_publish,
    program_submit,
    review_submit,
    reviews_assign,
)
from efs.people.models import Role, Scope, User
from efs.people.services import role_grant
from tests.conftest import make_org, make_user
from tests.diagnostics.conftest import small_framework

CARD = ProgramData(
    code="P-1",
    kind="upgrade",
    title="Формирование функциональной грамотности учителей математики",
    annotation="Программа для учителей математики: как строить уроки на задачах в контексте и оценивать математическую "
               "грамотность обучающихся.",
    hours=36,
    form="blended",
    final_assessment="зачёт (защита методической разработки)",
    positions=["учитель"],
    outcomes=[("T.RO", 0.8, "сможет проектировать задания на применение"), ("T.NP", 0.2, "знает нормативную базу")],
    modules=[("Функциональная грамотность в ФГОС", 8), ("Задачи в контексте", 16), ("Оценивание", 12)],
)


def card(**changes) -> ProgramData:
    return replace(CARD, **changes)


@pytest.fixture
def depot(world):
    framework = small_framework()
    provider_org = make_org(world.r1, world.m1, "ККИПК и ППРО", kind="ipk")
    provider_org.licensed_for_dpo = True
    provider_org.save()
    staff = make_user("kipk")
    role_grant(user=staff, role=Role.PROVIDER, scope=Scope.ORGANIZATION, organization=provider_org)
    experts = []
    for name in ("exp1", "exp2", "exp3"):
        user = make_user(name)
        role_grant(user=user, role=Role.EXPERT, scope=Scope.ASSIGNED, region=world.r1)
        experts.append(user)
    insider = make_user("insider")
    role_grant(user=insider, role=Role.EXPERT, scope=Scope.ASSIGNED, region=world.r1)
    role_grant(user=insider, role=Role.PROVIDER, scope=Scope.ORGANIZATION, organization=provider_org)
    return {
        "framework": framework,
        "provider": provider_org,
        "staff": staff,
        "experts": experts,
        "insider": insider,
        "world": world,
    }


def full_scores() -> dict[str, int]:
    return {c.code: 2 for c in ReviewCriterion.objects.all()}


def publish(
    depot, data: ProgramData, *, cohort: bool = True, region=None, availability="region", start_in_days=30, price=None
):
    """A published program with one open cohort, through the whole workflow."""
    world = depot["world"]
    program = program_create(actor=depot["staff"], provider=depot["provider"], data=data)
    program_submit(actor=depot["staff"], program=program)
    reviews = reviews_assign(actor=world.users["regional"], program=program)
    for review in reviews:
        review_submit(actor=review.expert, review=review, scores=full_scores(), verdict="approve", comment="")
    program_decide(actor=world.users["regional"], program=program, decision="approve")
    program_publish(actor=world.users["regional"], program=program)
    if cohort:
        start = timezone.localdate() + dt.timedelta(days=start_in_days)
        cohort_create(
            actor=depot["staff"],
            program=program,
            data=CohortData(
                start_date=start,
                end_date=start + dt.timedelta(days=10),
                enrollment_deadline=start - dt.timedelta(days=3),
                seats=20,
                price=data.price if price is None else price,
                online=True,
                availability=availability,
            ),
        )
    program.refresh_from_db()
    return program


__all__ = ["User", "card", "publish", "full_scores"]
