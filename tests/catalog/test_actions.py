"""One owner of what a user may do with a program card (issue 12): ``access.program_actions``.
The program page shows a button exactly when ``GET /api/catalog/programs/{id}`` says the action
is open, for every role and state; an action it says is closed is refused by its service, and
nothing changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from efs.catalog import services
from efs.catalog.models import Program
from efs.errors import DomainError
from tests.catalog.conftest import card, full_scores, publish

# An action -> the address its button posts to (or links to) on the program page.
FORMS = {
    "can_edit": "edit",
    "can_submit": "submit",
    "can_schedule": "cohorts",
    "can_assign": "assign",
    "can_decide": "decide",
    "can_publish": "publish",
    "can_archive": "archive",
}


def _cohort() -> services.CohortData:
    start = timezone.localdate() + dt.timedelta(days=30)
    return services.CohortData(
        start_date=start,
        end_date=start + dt.timedelta(days=10),
        enrollment_deadline=start - dt.timedelta(days=3),
        seats=20,
        price=0,
        online=True,
    )


CALLS = {
    "can_edit": lambda user, p: services.program_update(actor=user, program=p, data=card(code="A-EDIT")),
    "can_submit": lambda user, p: services.program_submit(actor=user, program=p),
    "can_schedule": lambda user, p: services.cohort_create(actor=user, program=p, data=_cohort()),
    "can_assign": lambda user, p: services.reviews_assign(actor=user, program=p),
    "can_decide": lambda user, p: services.program_decide(actor=user, program=p, decision="approve"),
    "can_publish": lambda user, p: services.program_publish(actor=user, program=p),
    "can_archive": lambda user, p: services.program_archive(actor=user, program=p, comment="Программа устарела"),
}


def _draft(depot) -> Program:
    return services.program_create(actor=depot["staff"], provider=depot["provider"], data=card(code="A-1"))


def _submitted(depot) -> Program:
    return services.program_submit(actor=depot["staff"], program=_draft(depot))


def _in_review(depot) -> Program:
    program = _submitted(depot)
    services.reviews_assign(actor=depot["world"].users["regional"], program=program)
    program.refresh_from_db()
    return program


def _approved(depot) -> Program:
    program = _in_review(depot)
    for review in program.reviews.all():
        services.review_submit(actor=review.expert, review=review, scores=full_scores(), verdict="approve", comment="")
    return services.program_decide(actor=depot["world"].users["regional"], program=program, decision="approve")


def _published(depot) -> Program:
    return publish(depot, card(code="A-PUB"), cohort=False)


STATES = {
    "draft": _draft,
    "submitted": _submitted,
    "in_review": _in_review,
    "approved": _approved,
    "published": _published,
}
EXPECTED = {
    ("draft", "provider"): {"can_edit", "can_submit", "can_schedule"},
    ("draft", "regional"): set(),
    ("submitted", "provider"): {"can_schedule"},
    ("submitted", "regional"): {"can_assign"},
    ("in_review", "provider"): {"can_schedule"},
    ("in_review", "regional"): {"can_assign", "can_decide"},
    ("approved", "provider"): {"can_schedule"},
    ("approved", "regional"): {"can_publish"},
    ("published", "provider"): {"can_schedule", "can_archive"},
    ("published", "regional"): {"can_archive"},
    ("published", "regional_other"): set(),
    ("published", "teacher"): set(),
}


def _actor(depot, who: str):
    return depot["staff"] if who == "provider" else depot["world"].users[who]


def _snapshot(program: Program) -> tuple:
    program = Program.objects.get(pk=program.pk)
    return program.status, program.version, program.code, program.cohorts.count(), program.reviews.count()


@pytest.mark.parametrize(("state", "who"), list(EXPECTED))
def test_the_program_page_and_the_api_offer_the_same_actions_and_the_services_refuse_the_others(
    depot, state, who
):
    program = STATES[state](depot)
    client = Client()
    client.force_login(_actor(depot, who))
    page = client.get(f"/catalog/programs/{program.pk}/").content.decode()
    answer = client.get(f"/api/catalog/programs/{program.pk}")
    assert answer.status_code == 200
    actions = answer.json()["actions"]
    assert {key for key in FORMS if actions[key]} == EXPECTED[(state, who)]
    assert actions["own"] is (who == "provider") and actions["moderates"] is (who == "regional")
    assert actions["can_enroll"] is (who == "teacher")
    for key, address in FORMS.items():
        assert (f'"/catalog/programs/{program.pk}/{address}/"' in page) is actions[key], key
    for key, call in CALLS.items():
        if actions[key]:
            continue
        before = _snapshot(program)
        with pytest.raises(DomainError):
            call(_actor(depot, who), Program.objects.get(pk=program.pk))
        assert _snapshot(program) == before, key


def test_a_draft_is_neither_shown_nor_acted_on_outside_its_provider_and_moderators(depot):
    program = _draft(depot)
    other = depot["world"].client("regional_other")
    assert other.get(f"/catalog/programs/{program.pk}/").status_code == 404
    assert other.get(f"/api/catalog/programs/{program.pk}").status_code == 404
    with pytest.raises(DomainError):
        services.program_submit(actor=depot["world"].users["regional_other"], program=program)
    assert Program.objects.get(pk=program.pk).status == "draft"
