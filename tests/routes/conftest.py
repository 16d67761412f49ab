"""A diagnosed teacher, a depository with cohorts, and a tutor, through the real services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.people.models import Role
from efs.people.services import support_assign
from efs.routes.building import BuildOptions
from tests.catalog.conftest import card, depot, publish  # noqa: F401  (fixture)
from tests.catalog.test_search import _diagnosed


@pytest.fixture
def ready(depot):  # noqa: F811
    world = depot["world"]
    support_assign(supporter=world.users["tutor"], educator=world.self_educator, kind=Role.TUTOR)
    ro = publish(
        depot,
        card(code="R-RO", outcomes=[("T.RO", 0.9, "сможет проектировать формирующее оценивание")]),
        start_in_days=40,
    )
    np_ = publish(
        depot,
        card(
            code="R-NP",
            title="Нормативно-правовые основы работы учителя: ФГОС и ФОП",
            outcomes=[("T.NP", 0.8, "знает требования ФГОС")],
        ),
        start_in_days=90,
    )
    paid = publish(
        depot,
        card(
            code="R-PAID",
            title="Оценивание и нормативная база: интенсив для учителей",
            outcomes=[("T.RO", 1.0, ""), ("T.NP", 1.0, "")],
            price=1_500_000,
        ),
        start_in_days=60,
    )
    _diagnosed(world, {"T.RO": 0.98, "T.NP": 0.8, "T.COM": 0.03})
    return {"world": world, "depot": depot, "programs": {"ro": ro, "np": np_, "paid": paid}}


def options(**changes) -> BuildOptions:
    today = timezone.localdate()
    base = {"period_start": today, "period_end": today + dt.timedelta(days=365), "budget": 0, "max_hours": 200}
    base.update(changes)
    return BuildOptions(**base)
