"""The bank as a source of route items (routes.registry) and the measured effect of practices."""

from __future__ import annotations

import pytest

from efs.errors import DomainError, ValidationFailed
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
    from efs.people.models import User

    head = User.objects.filter(username="head_c").first()
    if head is None:
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


def _add(world, who: str, practice, route):
    return world.client(who).post(f"/practices/{practice.pk}/route/", {"route": route.pk}, follow=True)


def test_an_educator_adds_a_practice_to_a_draft_route_by_hand_once_and_within_its_hours(ready):  # noqa: F811
    world = ready["world"]
    route = route_services.route_build(
        actor=world.users["teacher"], educator=world.self_educator, options=options(max_hours=200)
    )
    practice = _colleagues_practice(world, title="Карта понятий по теме урока: практика школы", hours=6)
    route.items.filter(kind="practice").delete()
    before = route.items.count()
    page = world.client("teacher").get(f"/practices/{practice.pk}/").content.decode()
    assert f'action="/practices/{practice.pk}/route/"' in page
    response = _add(world, "teacher", practice, route)
    assert response.status_code == 200 and "Практика добавлена в маршрут" in response.content.decode()
    item = route.items.get(kind="practice")
    assert route.items.count() == before + 1 and item.hours == 6 and set(item.coverage) == {"T.RO"}
    assert PracticeRouteItem.objects.get(route_item=item).practice == practice
    # the same practice twice: refused, nothing added
    response = _add(world, "teacher", practice, route)
    assert "уже есть эта практика" in response.content.decode() and route.items.count() == before + 1
    # a practice off the route's deficits, and one over the route's hours: refused, nothing added
    off = _colleagues_practice(world, title="Практика вне дефицитов: школьный театр", competencies=["T.NP"])
    if not route.goals.filter(competency__code="T.NP").exists():
        with pytest.raises(ValidationFailed) as caught:
            services.practice_to_route(actor=world.users["teacher"], practice=off, route_id=route.pk)
        assert caught.value.code == "route_source_off_deficits"
    used = sum(i.hours for i in route.items.exclude(status=ItemStatus.CANCELLED))
    route.max_hours = used + 1
    route.save(update_fields=["max_hours"])
    long = _colleagues_practice(world, title="Длинная практика: проектная неделя", hours=10)
    with pytest.raises(ValidationFailed) as caught:
        services.practice_to_route(actor=world.users["teacher"], practice=long, route_id=route.pk)
    assert caught.value.code == "route_hours_exceeded"
    assert route.items.count() == before + 1


def test_the_tutor_adds_a_practice_to_a_proposed_route_and_a_stranger_cannot(ready):  # noqa: F811
    world = ready["world"]
    route = route_services.route_build(
        actor=world.users["teacher"], educator=world.self_educator, options=options(max_hours=200)
    )
    route.items.filter(kind="practice").delete()
    route_services.route_propose(actor=world.users["teacher"], route=route)
    practice = _colleagues_practice(world, title="Взаимопосещение уроков по чек-листу", hours=4)
    # the educator no longer edits a proposed route; the tutor may add to it
    with pytest.raises(DomainError) as caught:
        services.practice_to_route(actor=world.users["teacher"], practice=practice, route_id=route.pk)
    assert caught.value.code == "route_not_editable"
    page = world.client("tutor").get(f"/practices/{practice.pk}/").content.decode()
    assert f'value="{route.pk}"' in page
    response = _add(world, "tutor", practice, route)
    assert response.status_code == 200
    assert PracticeRouteItem.objects.filter(practice=practice, route_item__route=route).count() == 1
    # someone who neither owns nor tutors the route: not found, nothing added
    with pytest.raises(DomainError) as caught:
        services.practice_to_route(actor=world.users["regional"], practice=practice, route_id=route.pk)
    assert caught.value.status == 404
    assert PracticeRouteItem.objects.filter(practice=practice).count() == 1
