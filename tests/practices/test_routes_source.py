"""The bank as a source of route items (routes.registry) and the measured effect of practices."""

from __future__ import annotations

import pytest

from efs.people.models import Role, Scope
from efs.people.services import role_grant
from efs.practices import services
from efs.practices.models import PracticeRouteItem
from efs.routes import services as route_services
from efs.routes.models import ItemStatus, RouteGoal
from efs.routes.registry import item_source
from tests.catalog.conftest import depot  # noqa: F401  (fixture)
from tests.conftest import make_user
from tests.practices.setup import card, published
from tests.routes.conftest import options, ready  # noqa: F401  (fixture)


def _colleagues_practice(world, **changes):
    """A practice of another school of the region (a teacher's own school's is not proposed to them)."""
    head = make_user("head_c")
    role_grant(user=head, role=Role.SCHOOL_HEAD, scope=Scope.ORGANIZATION, organization=world.org_c)
    return published(world, card(**changes), organization=world.org_c, author=head)


def test_the_route_builder_proposes_a_practice_and_its_effect_is_measured(ready):  # noqa: F811
    world = ready["world"]
    assert item_source("practice") is not None  # registered at app-ready time
    practice = _colleagues_practice(world, hours=4)
    own = published(world, card(title="Практика своей школы учителя: листы самооценки", hours=4))
    # a route of 30 hours: the 36-hour programs do not fit, a 4-hour practice closing a fifth of a deficit does
    route = route_services.route_build(
        actor=world.users["teacher"], educator=world.self_educator, options=options(max_hours=30)
    )
    items = list(route.items.filter(kind="practice"))
    assert [i.title for i in items] == [f"Практика «{practice.title}»"]
    item = items[0]
    assert item.price == 0 and item.hours == practice.hours and set(item.coverage) == {"T.RO"}
    assert "практика из банка" in item.reason
    link = PracticeRouteItem.objects.get(route_item=item)
    assert link.practice == practice and not PracticeRouteItem.objects.filter(practice=own).exists()
    # nothing is measured before a re-diagnosis
    assert services.practice_effects_update() == 0
    # the item is done and the deficit re-measured: the gain against comparable educators is the effect
    item.status = ItemStatus.ACCEPTED
    item.save(update_fields=["status"])
    goal = RouteGoal.objects.get(route=route, competency__code="T.RO")
    goal.current_theta, goal.result_theta = -1.0, -0.2
    goal.save(update_fields=["current_theta", "result_theta"])
    assert services.practice_effects_update() == 1
    practice.refresh_from_db()
    assert practice.effect == {"T.RO": {"effect": 0.8, "n": 1, "control_n": 0}}
    page = world.client("teacher").get(f"/practices/{practice.pk}/").content.decode()
    assert "T.RO: 0.8 · n = 1" in page or "T.RO: 0,8 · n = 1" in page


def test_a_measured_effect_moves_the_share_a_practice_closes(ready):  # noqa: F811
    from efs.practices.sources import DECLARED_SHARE, share

    practice = _colleagues_practice(ready["world"])
    assert share(practice, "T.RO") == DECLARED_SHARE
    practice.effect = {"T.RO": {"effect": 0.0, "n": 20, "control_n": 40}}
    assert share(practice, "T.RO") == pytest.approx(DECLARED_SHARE * 0.5)
    practice.effect = {"T.RO": {"effect": 1.0, "n": 1000, "control_n": 40}}
    assert share(practice, "T.RO") == pytest.approx(DECLARED_SHARE * 1.5)
