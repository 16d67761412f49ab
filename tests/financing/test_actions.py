"""One owner of what a user may do with an enrollment (issue 12): ``access.enrollment_actions``.
The enrollment page shows a button exactly when the API's ``actions`` says the action is open,
for every role and state; an action it says is closed is refused by its service, and nothing
changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from efs.catalog.models import Cohort
from efs.errors import DomainError
from efs.financing import services
from efs.financing.models import Enrollment, Transfer

# An action -> the addresses its buttons post to on the enrollment page.
FORMS = {
    "can_cancel": ["cancel"],
    "can_accept": ["accept"],
    "can_decline": ["decline"],
    "can_complete": ["completed", "not-completed"],
}
CALLS = {
    "can_cancel": lambda user, e: services.enrollment_cancel(actor=user, enrollment=e, comment="Передумала"),
    "can_accept": lambda user, e: services.enrollment_accept(actor=user, enrollment=e),
    "can_decline": lambda user, e: services.enrollment_decline(actor=user, enrollment=e, comment="Нет мест"),
    "can_complete": lambda user, e: services.enrollment_complete(actor=user, enrollment=e, completed=True),
}


def _start_cohort(money) -> None:
    today = timezone.localdate()
    Cohort.objects.filter(pk=money["cohort"].pk).update(
        start_date=today - dt.timedelta(days=5), enrollment_deadline=today - dt.timedelta(days=6), end_date=today
    )


def _requested(money) -> Enrollment:
    world = money["world"]
    return services.enrollment_request(
        actor=world.users["teacher"], educator=world.self_educator, cohort=money["cohort"], request_id="act-1"
    )


def _accepted(money) -> Enrollment:
    enrollment = _requested(money)
    services.enrollment_accept(actor=money["provider_user"], enrollment=enrollment)
    return enrollment


def _started(money) -> Enrollment:
    enrollment = _accepted(money)
    _start_cohort(money)
    return enrollment


def _completed(money) -> Enrollment:
    enrollment = _started(money)
    services.enrollment_complete(
        actor=money["provider_user"], enrollment=Enrollment.objects.get(pk=enrollment.pk), completed=True
    )
    return enrollment


def _cancelled(money) -> Enrollment:
    enrollment = _requested(money)
    services.enrollment_cancel(actor=money["world"].users["teacher"], enrollment=enrollment)
    return enrollment


STATES = {
    "requested": _requested,
    "accepted": _accepted,
    "started": _started,
    "completed": _completed,
    "cancelled": _cancelled,
}
EXPECTED = {
    ("requested", "teacher"): {"can_cancel"},
    ("requested", "provider"): {"can_accept", "can_decline"},
    ("requested", "school_head"): set(),
    ("requested", "regional"): set(),
    ("accepted", "teacher"): {"can_cancel"},
    ("accepted", "provider"): {"can_decline"},
    ("started", "teacher"): set(),
    ("started", "provider"): {"can_decline", "can_complete"},
    ("started", "school_head"): set(),
    ("completed", "teacher"): set(),
    ("completed", "provider"): set(),
    ("cancelled", "teacher"): set(),
    ("cancelled", "provider"): set(),
}


# Repeating the action that made the state answers with the enrollment (idempotent), not a refusal.
REPEATS = {
    ("accepted", "provider", "can_accept"),
    ("started", "provider", "can_accept"),
    ("completed", "provider", "can_complete"),
    ("cancelled", "teacher", "can_cancel"),
}


def _client(money, who: str) -> Client:
    if who == "provider":
        client = Client()
        client.force_login(money["provider_user"])
        return client
    return money["world"].client(who)


def _user(money, who: str):
    return money["provider_user"] if who == "provider" else money["world"].users[who]


def _snapshot(enrollment: Enrollment) -> tuple:
    enrollment = Enrollment.objects.get(pk=enrollment.pk)
    return enrollment.status, enrollment.comment, Transfer.objects.count()


@pytest.mark.parametrize(("state", "who"), list(EXPECTED))
def test_the_enrollment_page_and_the_api_offer_the_same_actions_and_the_services_refuse_the_others(
    money, state, who
):
    enrollment = STATES[state](money)
    client = _client(money, who)
    page = client.get(f"/financing/enrollments/{enrollment.pk}/").content.decode()
    actions = client.get(f"/api/financing/enrollments/{enrollment.pk}").json()["actions"]

    assert {key for key in FORMS if actions[key]} == EXPECTED[(state, who)]
    assert actions["own"] is (who == "teacher") and actions["provider"] is (who == "provider")
    for key, addresses in FORMS.items():
        for address in addresses:
            assert (f'"/financing/enrollments/{enrollment.pk}/{address}/"' in page) is actions[key], address

    for key, call in CALLS.items():
        if actions[key]:
            continue
        before = _snapshot(enrollment)
        if (state, who, key) in REPEATS:
            continue
        with pytest.raises(DomainError):
            call(_user(money, who), Enrollment.objects.get(pk=enrollment.pk))
        assert _snapshot(enrollment) == before, key


def test_the_action_endpoint_answers_with_the_actions_left(money):
    enrollment = _requested(money)
    client = _client(money, "provider")
    answer = client.post(
        f"/api/financing/enrollments/{enrollment.pk}/actions", {"action": "accept"}, content_type="application/json"
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "accepted"
    assert answer.json()["actions"] == {
        "can_cancel": False,
        "can_accept": False,
        "can_decline": True,
        "can_complete": False,
        "own": False,
        "provider": True,
    }
