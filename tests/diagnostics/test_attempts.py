"""Taking a test: consent first, one item at a time, resume, no response lost or doubled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.diagnostics.itemformat import full_answer
from efs.diagnostics.models import Attempt, AttemptStatus, CompetencyResult, Response
from efs.diagnostics.services import (
    attempt_answer,
    attempt_finish_early,
    attempt_refresh,
    attempt_start,
    competency_codes_for,
)
from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.people.models import ConsentKind, Subject
from efs.people.services import consent_withdraw

WRONG = {
    "single": "a",
    "case": "d",
    "multiple": ["b", "d"],
    "numeric": "99",
    "matching": {"1": "a", "2": "b", "3": "c"},
    "ordering": ["a", "b", "c", "d"],
}


def current(attempt: Attempt) -> Response | None:
    return attempt.responses.filter(answered_at__isnull=True).select_related("item").first()


def answer(world, attempt, *, correct=True, now=None):
    response = current(attempt)
    value = full_answer(response.item.as_format()) if correct else WRONG[response.item.kind]
    return attempt_answer(
        actor=world.users["teacher"], attempt=attempt, position=response.position, answer=value, now=now
    )


def test_start_needs_consent_and_saves_nothing_without_it(world, bank):
    with pytest.raises(ValidationFailed) as error:
        attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    assert error.value.code == "consent_required"
    assert not Attempt.objects.exists()


def test_only_the_person_starts_their_attempt(consented, bank):
    with pytest.raises(PermissionDenied):
        attempt_start(actor=consented.users["tutor"], educator=consented.self_educator, assessment=bank["adaptive"])


def test_a_whole_adaptive_attempt_gives_a_decision_per_competency(consented, bank):
    world = consented
    attempt = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    assert attempt.competency_codes == ["T.NP", "T.RO", "T.COM", "T.MATH"]  # she teaches maths
    shown = current(attempt)
    assert shown.position == 1 and shown.item.exposure_count == 1  # counted when shown
    steps = 0
    while attempt.status == AttemptStatus.IN_PROGRESS:
        attempt = answer(world, attempt, correct=True).attempt
        steps += 1
        assert steps <= 30
    assert attempt.status == AttemptStatus.COMPLETED
    results = {
        r.competency.code: r for r in CompetencyResult.objects.filter(attempt=attempt).select_related("competency")
    }
    assert set(results) == {"T.NP", "T.RO", "T.COM", "T.MATH"}
    assert all(r.decision == "no_deficit" and r.p_deficit <= 0.05 for r in results.values())
    assert all(r.level in ("basic", "confident") for r in results.values())
    assert attempt.answered == Response.objects.filter(attempt=attempt).count() == steps
    assert all(r.score is not None for r in attempt.responses.all())


def test_wrong_answers_end_in_deficits(consented, bank):
    world = consented
    attempt = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    while attempt.status == AttemptStatus.IN_PROGRESS:
        attempt = answer(world, attempt, correct=False).attempt
    decisions = set(CompetencyResult.objects.filter(attempt=attempt).values_list("decision", flat=True))
    assert decisions == {"deficit"}


def test_the_maths_module_is_for_maths_teachers_only(consented, bank):
    consented.self_educator.subjects.remove(Subject.objects.get(code="mathematics"))
    consented.self_educator.subjects.add(Subject.objects.get(code="history"))
    codes = competency_codes_for(bank["adaptive"], consented.self_educator)
    assert codes == ["T.NP", "T.RO", "T.COM"]


def test_resume_returns_the_same_attempt_and_item(consented, bank):
    world = consented
    first = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    answer(world, first)
    shown = current(first)
    again = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    assert again.pk == first.pk
    assert current(again).pk == shown.pk


def test_a_retried_answer_is_saved_once(consented, bank):
    world = consented
    attempt = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    response = current(attempt)
    value = full_answer(response.item.as_format())
    first = attempt_answer(actor=world.users["teacher"], attempt=attempt, position=response.position, answer=value)
    retry = attempt_answer(actor=world.users["teacher"], attempt=attempt, position=response.position, answer=value)
    assert (first.saved, retry.saved) == (True, False)
    assert Response.objects.filter(attempt=attempt, answered_at__isnull=False).count() == 1
    assert Response.objects.filter(attempt=attempt).count() == 2  # the next item is shown once
    with pytest.raises(Conflict) as changed:
        attempt_answer(
            actor=world.users["teacher"], attempt=attempt, position=response.position, answer=WRONG[response.item.kind]
        )
    assert changed.value.code == "already_answered"


def test_an_item_not_shown_cannot_be_answered(consented, bank):
    world = consented
    attempt = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    with pytest.raises(Conflict) as error:
        attempt_answer(actor=world.users["teacher"], attempt=attempt, position=5, answer="a")
    assert error.value.code == "item_not_presented"


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        "z",
        ["a", "a"],
        ["zz"],
        {"1": "a"},
        "двенадцать",
        3,
        {"1": "a", "2": "a", "3": "b"},
        ["a", "b"],
        float("nan"),
    ],
)
def test_malformed_answers_are_refused_and_nothing_is_saved(consented, bank, bad):
    world = consented
    attempt = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    response = current(attempt)
    for kind_answer in (bad,):
        try:
            attempt_answer(
                actor=world.users["teacher"], attempt=attempt, position=response.position, answer=kind_answer
            )
        except ValidationFailed as exc:
            assert exc.code == "answer_invalid" and exc.message
            response.refresh_from_db()
            assert response.answered_at is None and response.answer is None
            assert Response.objects.filter(attempt=attempt).count() == 1
        else:
            # a value that happens to be valid for this item type was accepted and scored
            response.refresh_from_db()
            assert response.score is not None


def test_time_limit_finishes_with_what_was_answered(consented, bank):
    world = consented
    start = timezone.now()
    attempt = attempt_start(
        actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"], now=start
    )
    for _ in range(4):
        attempt = answer(world, attempt, now=start + dt.timedelta(minutes=1)).attempt
    late = start + dt.timedelta(minutes=62)
    attempt = attempt_refresh(attempt=attempt, now=late)
    assert attempt.status == AttemptStatus.EXPIRED
    assert Response.objects.filter(attempt=attempt).count() == 4  # the unanswered shown item is dropped
    assert CompetencyResult.objects.filter(attempt=attempt).count() == 4


def test_an_answer_just_after_the_deadline_still_counts(consented, bank):
    world = consented
    start = timezone.now()
    attempt = attempt_start(
        actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"], now=start
    )
    outcome = answer(world, attempt, now=start + dt.timedelta(minutes=60, seconds=30))
    assert outcome.saved


def test_finishing_early_gives_results_from_the_answers(consented, bank):
    world = consented
    attempt = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])
    attempt = answer(world, attempt).attempt
    attempt = attempt_finish_early(actor=world.users["teacher"], attempt=attempt)
    assert (attempt.status, attempt.stop_reason) == (AttemptStatus.COMPLETED, "finished_early")
    results = CompetencyResult.objects.filter(attempt=attempt)
    assert results.count() == 4 and "uncertain" in set(results.values_list("decision", flat=True))


def test_withdrawn_consent_blocks_a_new_attempt(consented, bank):
    world = consented
    consent_withdraw(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    with pytest.raises(ValidationFailed):
        attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"])


def test_assessment_of_another_audience_is_not_available(consented, bank):
    from efs.diagnostics.models import Assessment
    from tests.diagnostics.conftest import make_items, small_framework

    framework = small_framework(audience="manager", code="manager", version="m1")
    make_items(framework, per_leaf=3)
    other = Assessment.objects.create(code="m", title="Для руководителей", framework=framework)
    with pytest.raises(NotFound):
        attempt_start(actor=consented.users["teacher"], educator=consented.self_educator, assessment=other)


def test_reading_an_attempt_whose_time_is_up_writes_nothing_the_post_finishes_it(consented, bank):
    world = consented
    start = timezone.now() - dt.timedelta(minutes=90)
    attempt = attempt_start(
        actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"], now=start
    )
    attempt = answer(world, attempt, now=start + dt.timedelta(minutes=1)).attempt
    client = world.client("teacher")
    pages = ["/diagnostics/", f"/diagnostics/attempts/{attempt.pk}/", f"/diagnostics/attempts/{attempt.pk}/result/"]
    responses = [client.get(url) for url in pages]
    api = [
        client.get(f"/api/diagnostics/attempts/{attempt.pk}"),
        client.get(f"/api/diagnostics/attempts/{attempt.pk}/result"),
    ]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS and not CompetencyResult.objects.filter(attempt=attempt).exists()
    assert [r.status_code for r in responses] == [200, 302, 200]
    assert "Время вышло" in responses[2].content.decode()
    assert api[0].json()["time_is_up"] is True and api[0].json()["current"] is None
    assert (api[1].status_code, api[1].json()["error"]["code"]) == (409, "attempt_time_up")
    assert client.post(f"/diagnostics/attempts/{attempt.pk}/finish/").status_code == 302
    attempt.refresh_from_db()
    assert (attempt.status, attempt.stop_reason) == (AttemptStatus.EXPIRED, "time_limit")


def test_the_daily_job_finishes_attempts_whose_time_is_up(consented, bank, settings):
    from efs.ops.daily import run_steps

    world = consented
    start = timezone.now() - dt.timedelta(minutes=90)
    attempt = attempt_start(
        actor=world.users["teacher"], educator=world.self_educator, assessment=bank["adaptive"], now=start
    )
    run_steps()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.EXPIRED
