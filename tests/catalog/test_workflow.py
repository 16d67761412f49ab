"""Program cards, the inclusion workflow and expert review."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from efs.catalog.models import Program, ProgramStatus, ProgramTransition, ProgramVersion, Review
from efs.catalog.services import (
    CohortData,
    cohort_create,
    program_create,
    program_decide,
    program_publish,
    program_submit,
    program_update,
    review_submit,
    reviews_assign,
)
from efs.errors import Conflict, PermissionDenied, ValidationFailed
from tests.catalog.conftest import card, full_scores, publish


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": 12, "modules": [("Модуль", 12)]}, "не меньше 16 часов"),
        ({"kind": "retraining", "hours": 200, "modules": [("Модуль", 200)]}, "не меньше 250 часов"),
        ({"modules": [("Модуль", 10)]}, "в сумме 10 часов, а в программе 36"),
        ({"outcomes": [("T.NOPE", 0.5, "")]}, "T.NOPE"),
        ({"outcomes": [("T.RO", 1.5, "")]}, "больше 0 и не больше 1"),
        ({"outcomes": []}, "хотя бы с одной компетенцией"),
        ({"for_teachers": False}, "хотя бы одну категорию"),
        ({"title": "Кратко"}, "слишком короткое"),
    ],
)
def test_card_rules_give_russian_messages_and_save_nothing(depot, changes, message):
    with pytest.raises(ValidationFailed) as error:
        program_create(actor=depot["staff"], provider=depot["provider"], data=card(**changes))
    assert message in error.value.message
    assert not Program.objects.exists()


def test_hour_minimums_are_database_constraints_too(depot):
    from django.db import IntegrityError, transaction

    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card())
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(hours=15)
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(kind="retraining", hours=249)


def test_only_the_providers_staff_create_and_edit(depot):
    world = depot["world"]
    for who in ("teacher", "regional", "expert", "provider"):
        with pytest.raises(PermissionDenied):
            program_create(actor=world.users[who], provider=depot["provider"], data=card())
    assert not Program.objects.exists()


def test_the_whole_workflow_is_recorded(depot):
    world = depot["world"]
    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card())
    program_submit(actor=depot["staff"], program=program)
    with pytest.raises(Conflict):
        program_update(actor=depot["staff"], program=program, data=card(title="Новое название программы для учителей"))
    with pytest.raises(PermissionDenied):
        reviews_assign(actor=world.users["regional_other"], program=program)
    reviews = reviews_assign(actor=world.users["regional"], program=program)
    assert len(reviews) == 2 and depot["insider"] not in {r.expert for r in reviews}
    with pytest.raises(Conflict) as early:
        program_decide(actor=world.users["regional"], program=program, decision="approve")
    assert early.value.code == "reviews_missing"
    review_submit(actor=reviews[0].expert, review=reviews[0], scores=full_scores(), verdict="approve", comment="")
    review_submit(
        actor=reviews[1].expert,
        review=reviews[1],
        scores=full_scores() | {"practice": 1},
        verdict="revise",
        comment="Добавьте стажировку и разбор видеоуроков.",
    )
    with pytest.raises(ValidationFailed):
        program_decide(actor=world.users["regional"], program=program, decision="revise", comment="")
    program_decide(
        actor=world.users["regional"],
        program=program,
        decision="revise",
        comment="Учтите замечания экспертов о практике.",
    )
    program.refresh_from_db()
    assert program.status == ProgramStatus.RETURNED
    program_update(
        actor=depot["staff"],
        program=program,
        data=card(modules=[("ФГ в ФГОС", 8), ("Стажировка", 16), ("Оценивание", 12)]),
    )
    program_submit(actor=depot["staff"], program=program)
    program.refresh_from_db()
    assert program.version == 2
    assert list(ProgramVersion.objects.filter(program=program).values_list("version", flat=True)) == [2, 1]
    second = reviews_assign(actor=world.users["regional"], program=program)
    assert {r.program_version for r in second} == {2}
    for review in second:
        review_submit(actor=review.expert, review=review, scores=full_scores(), verdict="approve", comment="")
    program_decide(actor=world.users["regional"], program=program, decision="approve")
    program_publish(actor=world.users["federal"], program=program)
    program.refresh_from_db()
    assert program.status == ProgramStatus.PUBLISHED and program.published_at
    path = list(ProgramTransition.objects.filter(program=program).values_list("to_status", flat=True))
    assert path == ["submitted", "in_review", "returned", "submitted", "in_review", "approved", "published"]
    assert Review.objects.filter(program=program, program_version=1, status="submitted").count() == 2  # history kept


def test_conflict_of_interest_is_refused(depot):
    world = depot["world"]
    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card())
    program_submit(actor=depot["staff"], program=program)
    with pytest.raises(ValidationFailed) as error:
        reviews_assign(actor=world.users["regional"], program=program, experts=[depot["insider"], depot["experts"][0]])
    assert error.value.code == "review_conflict_of_interest"
    assert not Review.objects.exists()


def test_not_enough_experts_is_a_clear_error(depot):
    from efs.people.models import RoleAssignment

    world = depot["world"]
    RoleAssignment.objects.filter(user__in=[*depot["experts"][1:], world.users["expert"]], role="expert").delete()
    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card())
    program_submit(actor=depot["staff"], program=program)
    with pytest.raises(ValidationFailed) as error:
        reviews_assign(actor=world.users["regional"], program=program)
    assert error.value.code == "review_not_enough_experts"
    assert not Review.objects.exists()


def test_review_needs_every_score_and_a_reason_to_refuse(depot):
    world = depot["world"]
    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card())
    program_submit(actor=depot["staff"], program=program)
    review = reviews_assign(actor=world.users["regional"], program=program)[0]
    with pytest.raises(PermissionDenied):
        review_submit(
            actor=depot["experts"][2] if review.expert != depot["experts"][2] else depot["experts"][0],
            review=review,
            scores=full_scores(),
            verdict="approve",
            comment="",
        )
    with pytest.raises(ValidationFailed) as error:
        review_submit(actor=review.expert, review=review, scores={"relevance": 5}, verdict="reject", comment="нет")
    assert "Объясните поставщику" in error.value.message or "Объясните" in error.value.message
    review.refresh_from_db()
    assert review.status == "assigned" and review.scores == {}


@pytest.mark.parametrize(
    ("start", "end", "deadline", "online", "message"),
    [
        (10, 5, 8, True, "заканчивается раньше"),
        (10, 12, 11, True, "не позже начала"),
        (10, 12, 8, False, "место"),
    ],
)
def test_cohort_rules(depot, start, end, deadline, online, message):
    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card())
    base = dt.date(2027, 3, 1)
    data = CohortData(start_date=base + dt.timedelta(days=start), end_date=base + dt.timedelta(days=end),
                      enrollment_deadline=base + dt.timedelta(days=deadline), seats=20, price=0, online=online)
    with pytest.raises(ValidationFailed) as error:
        cohort_create(actor=depot["staff"], program=program, data=data)
    assert message in error.value.message
    assert not program.cohorts.exists()


def test_published_program_is_public_and_drafts_are_not(depot):
    world = depot["world"]
    published = publish(depot, card())
    draft = program_create(actor=depot["staff"], provider=depot["provider"], data=card(code="P-2"))
    teacher = world.client("teacher")
    assert teacher.get(f"/catalog/programs/{published.pk}/").status_code == 200
    assert teacher.get(f"/catalog/programs/{draft.pk}/").status_code == 404
    assert world.client("regional_other").get(f"/catalog/programs/{draft.pk}/").status_code == 404
    assert world.client("regional").get(f"/catalog/programs/{draft.pk}/").status_code == 200


def _assigned(depot):
    world = depot["world"]
    program = program_create(actor=depot["staff"], provider=depot["provider"], data=card())
    program_submit(actor=depot["staff"], program=program)
    return reviews_assign(actor=world.users["regional"], program=program)[0]


def test_a_review_whose_verdict_contradicts_its_scores_is_refused(depot):
    review = _assigned(depot)
    zeros = {code: 0 for code in full_scores()}
    with pytest.raises(ValidationFailed) as contradiction:
        review_submit(actor=review.expert, review=review, scores=zeros, verdict="approve", comment="")
    assert "не включается в депозитарий" in contradiction.value.message
    with pytest.raises(ValidationFailed) as one_failed:
        review_submit(
            actor=review.expert,
            review=review,
            scores=full_scores() | {"practice": 0},
            verdict="approve",
            comment="Хорошая программа, но без практики.",
        )
    assert "«" in one_failed.value.message
    with pytest.raises(ValidationFailed):
        review_submit(
            actor=review.expert,
            review=review,
            scores=full_scores(),
            verdict="reject",
            comment="Не подходит нашему региону по многим причинам.",
        )
    low = {code: 1 for code in full_scores()}
    with pytest.raises(ValidationFailed) as silent:
        review_submit(actor=review.expert, review=review, scores=low, verdict="approve", comment="")
    assert "не меньше 20 символов" in silent.value.message
    review.refresh_from_db()
    assert review.status == "assigned" and not review.verdict  # nothing was saved
    review_submit(
        actor=review.expert,
        review=review,
        scores=low,
        verdict="approve",
        comment="Все критерии выполнены частично; включить с оговорками.",
    )


def test_the_expert_sees_the_sent_review_read_only(depot):
    review = _assigned(depot)
    client = Client()
    client.force_login(review.expert)
    body = {f"score_{code}": 0 for code in full_scores()} | {"verdict": "approve", "comment": ""}
    refused = client.post(f"/catalog/reviews/{review.pk}/", body)
    assert refused.status_code == 422 and "не включается в депозитарий" in refused.content.decode()
    assert 'value="0" checked' in refused.content.decode()  # what was typed is kept
    body = {f"score_{code}": 2 for code in full_scores()} | {
        "verdict": "revise",
        "comment": "Добавьте стажировку и разбор видеоуроков.",
    }
    sent = client.post(f"/catalog/reviews/{review.pk}/", body, follow=True).content.decode()
    assert (
        "Ваша экспертиза в отправленном виде" in sent
        and "Добавьте стажировку" in sent
        and "вернуть на доработку" in sent
    )
    assert 'name="verdict"' not in sent  # read-only
    assert f"/catalog/reviews/{review.pk}/" in client.get("/catalog/reviews/").content.decode()
    too_long = client.post(f"/catalog/reviews/{review.pk}/", body | {"comment": "x" * 4001})
    assert too_long.status_code == 422
