"""The bank of practices end to end through the services, pages and the API."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.people.models import Notification, Role, Scope
from efs.people.services import role_grant
from efs.practices import queries, services
from efs.practices.models import (
    Contest,
    Practice,
    PracticeEvidence,
    PracticeReview,
    PracticeStatus,
    PracticeTransition,
    Replication,
)
from tests.conftest import make_user
from tests.matrix import shared_framework
from tests.practices.setup import CARD, card, experts, full_scores, pdf, published


@pytest.fixture
def bank(world):
    shared_framework({})
    return world


def _submitted(world, data=CARD, organization=None):
    practice = services.practice_create(
        actor=world.users["teacher"], organization=organization or world.org_a, data=data
    )
    services.practice_submit(actor=world.users["teacher"], practice=practice)
    return practice


def test_a_practice_goes_from_draft_to_recommended_for_replication(bank):
    world = bank
    experts(world)
    teacher, regional = world.users["teacher"], world.users["regional"]
    practice = services.practice_create(actor=teacher, organization=world.org_a, data=CARD)
    assert (
        practice.status == PracticeStatus.DRAFT
        and practice.region_id == world.r1.pk
        and practice.municipality_id == world.m1.pk
    )
    assert list(practice.authors.values_list("name", "user_id")) == [
        (teacher.display_name(), teacher.pk),
        ("Петрова Анна Петровна", None),
    ]
    services.evidence_add(actor=teacher, practice=practice, file=pdf(), caption="Результаты контрольных работ")
    services.practice_submit(actor=teacher, practice=practice)
    # the regional operator is told
    assert Notification.objects.filter(user=regional, url="/practices/moderation/").count() == 1
    reviews = services.reviews_assign(actor=regional, practice=practice)
    assert len(reviews) == 2 and {r.expert.username for r in reviews} <= {"expert", "exp_one", "exp_two"}
    practice.refresh_from_db()
    assert practice.status == PracticeStatus.IN_REVIEW
    with pytest.raises(Conflict) as missing:
        services.practice_decide(actor=regional, practice=practice, decision="recommend", level="regional")
    assert missing.value.code == "reviews_missing"
    for review in reviews:
        services.review_submit(
            actor=review.expert,
            review=review,
            scores=full_scores(),
            comments={"results": "Данные за полугодие"},
            verdict="recommend",
            level="regional",
        )
    with pytest.raises(ValidationFailed) as no_level:
        services.practice_decide(actor=regional, practice=practice, decision="recommend", level="")
    assert no_level.value.code == "decision_level_required"
    services.practice_decide(actor=regional, practice=practice, decision="recommend", level="regional")
    practice.refresh_from_db()
    assert (
        practice.status == PracticeStatus.RECOMMENDED
        and practice.confirmed_level == "regional"
        and practice.published_at is not None
    )
    last = PracticeTransition.objects.filter(practice=practice).last()
    assert (last.to_status, last.level) == ("recommended", "regional")
    assert Notification.objects.filter(user=teacher, title__contains="рекомендовано к тиражированию").count() == 1
    # the public card is found by the depository's Russian search, in another word form
    assert queries.practices_search(queries.Filters(q="самопроверкой"))[0] == [practice]
    assert queries.practices_search(queries.Filters(q="оцениванием математике"))[0] == [practice]
    assert queries.practices_search(queries.Filters(q="хореография"))[0] == []


def test_the_review_is_blind_and_shown_to_the_authors_without_names(bank):
    world = bank
    practice = published(world)
    page = world.client("teacher").get(f"/practices/{practice.pk}/").content.decode()
    assert "Эксперт 1, версия 1" in page and "Exp_One" not in page and "Exp_Two" not in page
    review = PracticeReview.objects.filter(practice=practice).first()
    blind = world.client("anonymous")
    blind.force_login(review.expert)
    text = blind.get(f"/practices/reviews/{review.pk}/").content.decode()
    assert practice.title in text and world.org_a.name not in text and "Петрова Анна Петровна" not in text


def test_no_expert_from_the_authors_organization(bank):
    world = bank
    practice = _submitted(world)
    insider = make_user("insider")
    role_grant(user=insider, role=Role.EXPERT, scope=Scope.ASSIGNED, region=world.r1)
    role_grant(user=insider, role=Role.SCHOOL_HEAD, scope=Scope.ORGANIZATION, organization=world.org_a)
    assert insider not in services.experts_available(practice)
    with pytest.raises(ValidationFailed) as error:
        services.reviews_assign(actor=world.users["regional"], practice=practice, experts=[insider, experts(world)[0]])
    assert error.value.code == "review_conflict_of_interest"
    assert not PracticeReview.objects.filter(practice=practice).exists()
    practice.refresh_from_db()
    assert practice.status == PracticeStatus.SUBMITTED


def test_a_review_from_an_expert_who_joined_the_authors_organization_is_refused(bank):
    world = bank
    practice = _submitted(world)
    first, second = experts(world)
    reviews = services.reviews_assign(actor=world.users["regional"], practice=practice, experts=[first, second])
    role_grant(user=first, role=Role.SCHOOL_HEAD, scope=Scope.ORGANIZATION, organization=world.org_a)
    review = next(r for r in reviews if r.expert_id == first.pk)
    with pytest.raises(ValidationFailed) as error:
        services.review_submit(actor=first, review=review, scores=full_scores(), verdict="recommend", level="school")
    assert error.value.code == "review_conflict_of_interest"
    review.refresh_from_db()
    assert review.status == "assigned" and review.scores == {} and review.verdict == ""
    # and through the page: a Russian message, nothing saved
    client = world.client("anonymous")
    client.force_login(first)
    data = {f"score_{c['code']}": 2 for c in services.DEFAULT_CRITERIA} | {
        "verdict": "recommend",
        "level": "school",
        "comment": "",
    }
    response = client.post(f"/practices/reviews/{review.pk}/", data, follow=True)
    assert response.status_code == 422 and "конфликт интересов" in response.content.decode()
    review.refresh_from_db()
    assert review.status == "assigned"


@pytest.mark.parametrize(
    ("scores", "verdict", "level", "comment", "fragment"),
    [
        ({"relevance": 0}, "recommend", "school", "", "не соответствует"),
        ({}, "reject", "", "Отклоняю по существу замечаний", "противоречит"),
        ({}, "revise", "", "", "Объясните авторам"),
        ({}, "recommend", "", "", "уровень"),
        ({"novelty": 3}, "include", "school", "", "от 0 до 2"),
    ],
)
def test_a_review_must_agree_with_its_scores(bank, scores, verdict, level, comment, fragment):
    world = bank
    practice = _submitted(world)
    review = services.reviews_assign(actor=world.users["regional"], practice=practice, experts=experts(world))[0]
    with pytest.raises(ValidationFailed) as error:
        services.review_submit(
            actor=review.expert,
            review=review,
            scores=full_scores() | scores,
            verdict=verdict,
            level=level,
            comment=comment,
        )
    assert error.value.code == "review_invalid" and fragment in error.value.message
    review.refresh_from_db()
    assert review.status == "assigned"


def test_a_contest_takes_practices_until_its_deadline(bank):
    world = bank
    contest = services.contest_create(
        actor=world.users["regional"],
        region_id=world.r1.pk,
        title="Конкурс практик наставничества",
        description="Практики наставничества.",
        deadline=timezone.localdate() + dt.timedelta(days=10),
        jury=experts(world),
        criteria=["Результативность", "Тиражируемость"],
    )
    assert [c["title"] for c in contest.criteria] == ["Результативность", "Тиражируемость"]
    practice = services.practice_create(
        actor=world.users["teacher"], organization=world.org_a, data=card(contest_id=contest.pk)
    )
    assert services.criteria_of(practice).keys() == {"c1", "c2"}
    Contest.objects.filter(pk=contest.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(Conflict) as late:
        services.practice_submit(actor=world.users["teacher"], practice=practice)
    assert late.value.code == "contest_closed"
    practice.refresh_from_db()
    assert practice.status == PracticeStatus.DRAFT
    before = Practice.objects.count()
    with pytest.raises(Conflict):
        services.practice_create(
            actor=world.users["teacher"], organization=world.org_a, data=card(contest_id=contest.pk)
        )
    assert Practice.objects.count() == before
    # the API says it with a stable code
    body = _api_body(world, contest=contest.pk)
    response = world.client("teacher").post("/api/practices/", json.dumps(body), content_type="application/json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "contest_closed"
    assert Practice.objects.count() == before
    # only the region's operator announces one
    with pytest.raises(PermissionDenied):
        services.contest_create(
            actor=world.users["regional_other"],
            region_id=world.r1.pk,
            title="Чужой конкурс",
            description="—",
            deadline=timezone.localdate(),
            jury=experts(world),
        )


def test_the_contest_jury_reviews_its_practices(bank):
    world = bank
    jury = experts(world)
    contest = services.contest_create(
        actor=world.users["regional"],
        region_id=world.r1.pk,
        title="Конкурс практик",
        description="Описание конкурса.",
        deadline=timezone.localdate() + dt.timedelta(days=5),
        jury=jury,
    )
    practice = _submitted(world, data=card(contest_id=contest.pk))
    assert set(services.experts_available(practice)) == set(jury)
    assert world.users["expert"] not in services.experts_available(practice)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024), "practice_file_too_large"),
        ("virus.exe", b"MZ\x90\x00", "practice_file_type"),
        ("results.pdf", b"MZ\x90\x00 not a pdf", "practice_file_type"),
        ("photo.png", b"%PDF-1.4 a pdf named png", "practice_file_type"),
        ("page.txt", b"<script>alert(1)</script>", "practice_file_type"),
        ("empty.pdf", b"", "practice_file_empty"),
    ],
)
def test_evidence_files_are_checked_by_content_and_size(bank, name, content, code):
    world = bank
    practice = services.practice_create(actor=world.users["teacher"], organization=world.org_a, data=CARD)
    with pytest.raises(ValidationFailed) as error:
        services.evidence_add(
            actor=world.users["teacher"],
            practice=practice,
            file=SimpleUploadedFile(name, content),
            caption="Результаты",
        )
    assert error.value.code == code
    assert not PracticeEvidence.objects.exists()
    # the API answers with the same code, the page with a Russian message; nothing saved
    response = world.client("teacher").post(
        f"/api/practices/{practice.pk}/evidence", {"file": SimpleUploadedFile(name, content), "caption": "Результаты"}
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    page = world.client("teacher").post(
        f"/practices/{practice.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content), "caption": "Результаты"},
        follow=True,
    )
    # the refusal's status: the form refuses an empty upload itself (400), the service the rest (422)
    assert page.status_code == (400 if code == "practice_file_empty" else 422)
    assert "alert-danger" in page.content.decode()
    assert not PracticeEvidence.objects.exists()


def test_a_replication_report_counts_maps_and_tells_the_authors(bank):
    world = bank
    practice = published(world)
    head = make_user("head_c")
    role_grant(user=head, role=Role.SCHOOL_HEAD, scope=Scope.ORGANIZATION, organization=world.org_c)
    replication = services.replication_report(
        actor=head,
        practice=practice,
        organization=world.org_c,
        implemented_on=timezone.localdate(),
        adapted="Листы для 5 классов сделали короче",
        results="Доля работ на «4» и «5» выросла на 9 п.п.",
    )
    practice.refresh_from_db()
    assert practice.replication_count == 1 and replication.municipality_id == world.m2.pk
    assert [(r.region, r.municipality, r.count) for r in queries.replication_map(practice)] == [
        (world.r1.name, "Ачинск", 1)
    ]
    assert Notification.objects.filter(user=world.users["teacher"], title__contains="внедрил").count() == 1
    with pytest.raises(Conflict) as twice:
        services.replication_report(
            actor=head,
            practice=practice,
            organization=world.org_c,
            implemented_on=timezone.localdate(),
            adapted="Ещё раз о том же",
            results="Те же результаты",
        )
    assert twice.value.code == "replication_exists"
    with pytest.raises(ValidationFailed) as own:
        services.replication_report(
            actor=world.users["teacher"],
            practice=practice,
            organization=world.org_a,
            implemented_on=timezone.localdate(),
            adapted="Своя же практика",
            results="Свои результаты",
        )
    assert own.value.code == "replication_own_practice"
    second = published(world, card(title="Вторая практика для проверки дат"))
    with pytest.raises(ValidationFailed) as future:
        services.replication_report(
            actor=head,
            practice=second,
            organization=world.org_c,
            implemented_on=timezone.localdate() + dt.timedelta(days=3),
            adapted="Адаптировали шаги",
            results="Результаты появятся",
        )
    assert future.value.code == "replication_invalid"
    assert Replication.objects.count() == 1
    # the ranking puts the replicated practice first
    ranking = queries.regional_ranking(world.r1.pk)
    assert ranking[0][0] == practice and ranking[0][0].replication_count == 1


def test_filters_by_competency_level_region_and_subject(bank):
    world = bank
    maths = published(world, level="regional")
    talk = published(
        world,
        card(title="Родительские собрания в форме открытых диалогов", competencies=["T.COM"], subjects=[]),
        level="school",
    )
    assert queries.practices_search(queries.Filters(competency="T.COM"))[0] == [talk]
    assert queries.practices_search(queries.Filters(level="regional"))[0] == [maths]
    assert queries.practices_search(queries.Filters(subject="mathematics"))[0] == [maths]
    assert queries.practices_search(queries.Filters(region_id=world.r2.pk))[0] == []
    assert set(queries.practices_search(queries.Filters(region_id=world.r1.pk))[0]) == {maths, talk}


def test_practices_that_close_my_deficits(bank):
    from tests.diagnostics.conftest import finished_attempt

    world = bank
    maths = published(world, card(competencies=["T.RO", "T.NP"]))
    published(world, card(title="Практика по общению с родителями учеников", competencies=["T.COM"], subjects=[]))
    physics = published(world, card(title="Лабораторные работы по физике в формате исследования", subjects=["physics"]))
    assert physics  # for physics teachers only: the maths teacher does not get it
    page = world.client("teacher").get("/practices/mine/").content.decode()
    assert "не проходили диагностику" in page or "не нашла дефицитов" in page
    finished_attempt(world.users["teacher"], world.self_educator, {"T.RO": 0.97, "T.NP": 0.8, "T.COM": 0.02})
    _deficits, matches = queries.practices_for_deficits(
        educator_id=world.self_educator.pk, region_id=world.r1.pk, subject_codes={"mathematics"}
    )
    assert [m.practice for m in matches] == [maths]
    assert matches[0].weight == pytest.approx(1.77)
    api = world.client("teacher").get("/api/practices/for-me").json()
    assert [row["practice"]["id"] for row in api] == [maths.pk]


def test_experts_leniency_against_colleagues_on_the_same_practices(bank):
    world = bank
    lenient, strict = experts(world)
    for title in ("Первая практика для сравнения экспертов", "Вторая практика для сравнения экспертов"):
        practice = _submitted(world, data=card(title=title))
        for review in services.reviews_assign(
            actor=world.users["regional"], practice=practice, experts=[lenient, strict]
        ):
            if review.expert_id == lenient.pk:
                services.review_submit(
                    actor=lenient, review=review, scores=full_scores(), verdict="recommend", level="school"
                )
            else:
                scores = full_scores() | {"novelty": 1, "resources": 1}
                services.review_submit(actor=strict, review=review, scores=scores, verdict="include", level="school")
    rows = {r.expert_id: r for r in queries.leniency(world.users["regional"])}
    assert rows[lenient.pk].delta == pytest.approx(0.2) and rows[strict.pk].delta == pytest.approx(-0.2)
    assert rows[lenient.pk].compared == 2 and rows[strict.pk].mean_share == pytest.approx(0.8)
    assert queries.leniency(world.users["regional_other"]) == []
    page = world.client("regional").get("/practices/leniency/").content.decode()
    assert "Exp_One" in page or lenient.display_name() in page


def _api_body(world, **changes) -> dict:
    body = {
        "organization": world.org_a.pk,
        "title": CARD.title,
        "problem": CARD.problem,
        "target_group": CARD.target_group,
        "steps": CARD.steps,
        "resources": CARD.resources,
        "results": CARD.results,
        "conditions": CARD.conditions,
        "level": "school",
        "competencies": ["T.RO"],
        "subjects": ["mathematics"],
        "hours": 10,
        "authors": [],
    }
    return body | changes


def test_the_api_workflow_and_its_error_codes(bank):
    world = bank
    teacher = world.client("teacher")
    response = teacher.post("/api/practices/", json.dumps(_api_body(world)), content_type="application/json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    bad = teacher.post(
        "/api/practices/",
        json.dumps(_api_body(world, steps=["один шаг"], competencies=["NOPE"])),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "practice_invalid"
    other = teacher.post(
        "/api/practices/", json.dumps(_api_body(world, organization=world.org_d.pk)), content_type="application/json"
    )
    assert other.status_code == 403
    assert teacher.post(f"/api/practices/{pk}/submit").status_code == 200
    regional = world.client("regional")
    assigned = regional.post(
        f"/api/practices/{pk}/reviews",
        json.dumps({"experts": [u.pk for u in experts(world)]}),
        content_type="application/json",
    )
    assert assigned.status_code == 201 and len(assigned.json()) == 2
    for row in assigned.json():
        client = world.client("anonymous")
        client.force_login(experts(world)[0] if row["expert"] == experts(world)[0].pk else experts(world)[1])
        body = {"scores": full_scores(), "verdict": "include", "level": "municipal"}
        answer = client.post(f"/api/practices/reviews/{row['id']}", json.dumps(body), content_type="application/json")
        assert answer.status_code == 200 and answer.json()["status"] == "submitted"
    decided = regional.post(
        f"/api/practices/{pk}/decision",
        json.dumps({"decision": "include", "level": "municipal"}),
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "included"
    listed = world.client("nobody").get("/api/practices/?q=самопроверка").json()
    assert [row["id"] for row in listed] == [pk]
    again = regional.post(
        f"/api/practices/{pk}/decision",
        json.dumps({"decision": "include", "level": "municipal"}),
        content_type="application/json",
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "practice_not_in_review"


def test_the_list_page_and_endpoint_make_the_same_number_of_queries_for_more_practices(bank):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import queries_of

    world = bank
    published(world)
    client = world.client("regional")
    client.get("/practices/")  # the first request of a session fills per-process caches
    page_before = queries_of(client, "/practices/")
    search_before = queries_of(client, "/practices/?q=самопроверка")
    with CaptureQueriesContext(connection) as api_before:
        assert client.get("/api/practices/").status_code == 200
    for n in range(3):
        published(world, card(title=f"Ещё одна практика самопроверки номер {n + 2}", competencies=["T.RO", "T.NP"]))
    assert queries_of(client, "/practices/") == page_before
    assert queries_of(client, "/practices/?q=самопроверка") == search_before
    with CaptureQueriesContext(connection) as api_after:
        rows = client.get("/api/practices/").json()
    assert len(rows) == 4 and len(api_after.captured_queries) == len(api_before.captured_queries)


def test_the_operator_assigns_and_decides_on_the_card_page(bank):
    world = bank
    experts(world)
    practice = _submitted(world)
    regional = world.client("regional")
    page = regional.get(f"/practices/{practice.pk}/").content.decode()
    assert "Назначить экспертов" in page and "Записать решение" not in page
    assert regional.post(f"/practices/{practice.pk}/assign/", {}).status_code == 302
    page = regional.get(f"/practices/{practice.pk}/").content.decode()
    assert "Записать решение" in page and "Exp_One" in page
    response = regional.post(
        f"/practices/{practice.pk}/decide/", {"decision": "recommend", "level": "regional", "comment": ""}, follow=True
    )
    assert "Нужно не меньше 2 экспертиз" in response.content.decode() or "alert-danger" in response.content.decode()
    practice.refresh_from_db()
    assert practice.status == PracticeStatus.IN_REVIEW


def test_the_sent_review_shows_the_criteria_in_russian_with_their_maximum(bank):
    world = bank
    practice = _submitted(world)
    review = services.reviews_assign(actor=world.users["regional"], practice=practice, experts=experts(world))[0]
    services.review_submit(
        actor=review.expert, review=review, scores=full_scores(), verdict="recommend", level="school", comment=""
    )
    client = world.client("anonymous")
    client.force_login(review.expert)
    page = client.get(f"/practices/reviews/{review.pk}/").content.decode()
    assert "Актуальность: 2 из 2" in page and "Новизна: 2 из 2" in page
    assert "relevance" not in page and "novelty:" not in page
