"""One owner of what a user may do with a route (issue 12): ``access.route_actions`` and
``access.item_actions``. The route page shows a button exactly when the API's ``actions`` says
the action is open, for every role and state; an action they say is closed is refused by its
service, and nothing changes."""

from __future__ import annotations

import pytest

from efs.errors import DomainError
from efs.people.models import ConsentKind
from efs.people.services import consent_withdraw
from efs.routes import services
from efs.routes.models import Route, RouteStatus
from tests.routes.conftest import options

# An action of route_actions -> the address its form posts to on the route page.
ROUTE_FORMS = {
    "can_edit": "limits",
    "can_propose": "propose",
    "can_approve": "approve",
    "can_return": "return",
    "can_abandon": "abandon",
    "can_rebuild": "rebuild",
    "can_rediagnose": "rediagnose",
}
ITEM_FORMS = {
    "can_remove": "remove",
    "can_swap": "alternatives",
    "can_start": "start",
    "can_send_evidence": "evidence",
    "can_review_evidence": "evidence/accept",
}

# The service each route action calls (arguments a user could send).
ROUTE_CALLS = {
    "can_edit": lambda user, route: services.route_limits_set(
        actor=user, route=route, max_hours=route.max_hours, budget=route.budget, copay=route.copay
    ),
    "can_propose": lambda user, route: services.route_propose(actor=user, route=route, comment="Прошу посмотреть"),
    "can_approve": lambda user, route: services.route_approve(actor=user, route=route, comment="Согласовано"),
    "can_return": lambda user, route: services.route_return(
        actor=user, route=route, comment="Добавьте стажировку по оцениванию."
    ),
    "can_abandon": lambda user, route: services.route_abandon(actor=user, route=route, comment="Больше не нужно"),
    "can_rebuild": lambda user, route: services.route_rebuild(actor=user, route=route),
    "can_rediagnose": lambda user, route: services.rediagnosis_start(actor=user, route=route),
}
ITEM_CALLS = {
    "can_remove": lambda user, item: services.item_remove(actor=user, item=item),
    "can_start": lambda user, item: services.item_start(actor=user, item=item),
    "can_send_evidence": lambda user, item: services.evidence_submit(actor=user, item=item, note="Отчёт о работе"),
}


def _draft(ready) -> Route:
    world = ready["world"]
    return services.route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())


def _proposed(ready) -> Route:
    route = _draft(ready)
    services.route_propose(actor=ready["world"].users["teacher"], route=route)
    return route


def _approved(ready) -> Route:
    route = _proposed(ready)
    services.route_approve(actor=ready["world"].users["tutor"], route=route)
    return route


def _evidence_sent(ready) -> Route:
    route = _approved(ready)
    teacher = ready["world"].users["teacher"]
    item = route.items.order_by("pk").first()
    services.item_start(actor=teacher, item=item)
    services.evidence_submit(actor=teacher, item=item, note="Удостоверение № 123")
    return route


def _abandoned(ready) -> Route:
    route = _approved(ready)
    services.route_abandon(actor=ready["world"].users["tutor"], route=route, comment="Учитель уволился")
    return route


STATES = {
    "draft": _draft,
    "proposed": _proposed,
    "approved": _approved,
    "evidence_sent": _evidence_sent,
    "abandoned": _abandoned,
}

# What each of them may do with the route (route_actions), and with its first activity (item_actions).
EXPECTED = {
    ("draft", "teacher"): ({"can_edit", "can_propose", "can_abandon"}, {"can_remove", "can_swap"}),
    ("draft", "tutor"): ({"can_abandon"}, set()),
    ("proposed", "teacher"): ({"can_abandon"}, set()),
    ("proposed", "tutor"): ({"can_approve", "can_return", "can_abandon"}, set()),
    ("approved", "teacher"): ({"can_abandon"}, {"can_start", "can_send_evidence"}),
    ("approved", "tutor"): ({"can_abandon"}, set()),
    ("evidence_sent", "teacher"): ({"can_abandon"}, {"can_send_evidence"}),
    ("evidence_sent", "tutor"): ({"can_abandon"}, {"can_review_evidence"}),
    ("abandoned", "teacher"): (set(), set()),
    ("abandoned", "tutor"): (set(), set()),
}


def _snapshot(route: Route) -> tuple:
    route = Route.objects.get(pk=route.pk)
    return (
        route.status,
        route.max_hours,
        tuple(route.items.order_by("pk").values_list("pk", "status")),
        route.events.count(),
        sum(item.evidence.count() for item in route.items.all()),
    )


@pytest.mark.parametrize(("state", "who"), list(EXPECTED))
def test_the_route_page_and_the_api_offer_the_same_actions_and_the_services_refuse_the_others(ready, state, who):
    world = ready["world"]
    route = STATES[state](ready)
    client = world.client(who)
    page = client.get(f"/routes/{route.pk}/").content.decode()
    answer = client.get(f"/api/routes/{route.pk}").json()
    actions = answer["actions"]
    first = min(answer["items"], key=lambda item: item["id"])

    route_open, item_open = EXPECTED[(state, who)]
    assert {key for key in ROUTE_FORMS if actions[key]} == route_open
    if first["kind"] != "cohort":  # only a program's cohort is swapped for another
        item_open = item_open - {"can_swap"}
    assert {key for key in ITEM_FORMS if first["actions"][key]} == item_open
    assert actions["own"] is (who == "teacher") and actions["tutors"] is (who == "tutor")
    for key, address in ROUTE_FORMS.items():
        assert (f'"/routes/{route.pk}/{address}/"' in page) is actions[key], key
    for item in answer["items"]:
        for key, address in ITEM_FORMS.items():
            assert (f'"/routes/{route.pk}/items/{item["id"]}/{address}/"' in page) is item["actions"][key], key

    user = world.users[who]
    item = route.items.get(pk=first["id"])
    refused = [(key, call, route) for key, call in ROUTE_CALLS.items() if not actions[key]]
    refused += [(key, call, item) for key, call in ITEM_CALLS.items() if not first["actions"][key]]
    for key, call, target in refused:
        before = _snapshot(route)
        with pytest.raises(DomainError):
            call(user, Route.objects.get(pk=route.pk) if target is route else target)
        assert _snapshot(route) == before, key


def test_without_consent_the_educator_is_offered_nothing_the_services_refuse(ready):
    """A region that processes on consent and an educator who withdrew it: the buttons go
    from the page and from ``actions``, as the services refuse them."""
    world = ready["world"]
    route = _draft(ready)
    consent_withdraw(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.PERSONAL_DATA)
    teacher = world.client("teacher")
    actions = teacher.get(f"/api/routes/{route.pk}").json()["actions"]
    assert {key for key in ROUTE_FORMS if actions[key]} == {"can_abandon"}
    page = teacher.get(f"/routes/{route.pk}/").content.decode()
    assert f'"/routes/{route.pk}/propose/"' not in page and f'"/routes/{route.pk}/abandon/"' in page
    with pytest.raises(DomainError):
        services.route_propose(actor=world.users["teacher"], route=route)
    assert Route.objects.get(pk=route.pk).status == RouteStatus.DRAFT
