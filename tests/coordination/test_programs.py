"""Regional programs: drafting from the federal template, frozen versions and corrections, expert
review by assigned experts only, the federal decision, the comparison of regions (exact query
counts), a region's standing, macroregion projects; every refusal leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from efs.coordination.programs import queries, services
from efs.coordination.programs.content import GoalData, ResourceData, TargetData, TaskData
from efs.coordination.programs.models import (
    GoalRow,
    JointGoal,
    MacroregionProject,
    ProgramReview,
    RegionalProgram,
    RegionalProgramVersion,
    SharedTask,
    TargetRow,
    VersionStatus,
)
from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.people.models import Macroregion, Notification, Region, Role
from efs.people.services import role_grant
from tests.conftest import make_educator, make_org, make_user
from tests.coordination.programs_routes import (
    GOOD_REVIEW,
    full_content,
    make_program,
    second_expert,
    subjects,
    template,
)

YEAR = 2025


@pytest.fixture
def w(world):
    template(world)
    subjects(world)
    return world


def _version(program) -> RegionalProgramVersion:
    return program.versions.order_by("-number").first()


def test_a_draft_is_filled_item_by_item_and_checked_as_a_whole(w):
    program = make_program(w, YEAR)
    version = _version(program)
    orgs = subjects(w)
    services.version_item_add(
        actor=w.users["regional"],
        version=version,
        kind="goal",
        item=GoalData(component="practices", title="Сетевая школа"),
    )
    services.version_item_add(
        actor=w.users["regional"],
        version=version,
        kind="task",
        goal=2,
        item=TaskData(title="Банк практик", responsible_id=orgs["ipk"].pk, co_executor_ids=(orgs["cnppm"].pk,)),
    )
    assert [g.title for g in version.goals.all()] == [
        "Охватить педагогов диагностикой",
        "ИОМ для каждого с дефицитами",
        "Сетевая школа",
    ]
    assert version.goals.get(title="Сетевая школа").tasks.get().co_executors.get() == orgs["cnppm"]
    with pytest.raises(ValidationFailed) as exc:
        services.version_item_add(
            actor=w.users["regional"],
            version=version,
            kind="task",
            goal=0,
            item=TaskData(title="Чужой ответственный", responsible_id=orgs["other_region"].pk),
        )
    assert exc.value.code == "program_content_invalid"
    assert "другого региона" in exc.value.message
    with pytest.raises(ValidationFailed):
        services.version_item_add(
            actor=w.users["regional"],
            version=version,
            kind="target",
            item=TargetData(indicator="diagnosed_share", year=YEAR, value=Decimal("70")),
        )  # a second 2025 target
    services.version_item_remove(actor=w.users["regional"], version=version, path="g1.t1.a1")
    assert not version.goals.get(order=0).tasks.get().activities.exists()
    assert (
        GoalRow.objects.filter(version=version).count() == 3 and TargetRow.objects.filter(version=version).count() == 2
    )


def test_a_bad_program_is_not_created_at_all(w):
    content = full_content(w, YEAR)
    bad = content.with_goals([GoalData(component="astrology", title="Не из шаблона")])
    with pytest.raises(ValidationFailed) as exc:
        services.program_create(
            actor=w.users["regional"], region=w.r1, title="Программа", year_from=YEAR, year_to=YEAR + 2, content=bad
        )
    assert exc.value.code == "program_content_invalid"
    assert not RegionalProgram.objects.exists() and not RegionalProgramVersion.objects.exists()
    with pytest.raises(PermissionDenied):
        services.program_create(
            actor=w.users["regional_other"], region=w.r1, title="Чужая", year_from=YEAR, year_to=YEAR + 2
        )
    with pytest.raises(ValidationFailed) as exc:
        services.program_create(
            actor=w.users["regional"], region=w.r1, title="Программа", year_from=YEAR, year_to=YEAR + 20
        )
    assert exc.value.code == "program_years_invalid"
    assert not RegionalProgram.objects.exists()


def test_a_submitted_version_never_changes_and_a_correction_is_a_new_version(w):
    program = make_program(w, YEAR, "approved")
    approved = _version(program)
    goals_before = list(approved.goals.values_list("title", flat=True))
    for call in (
        lambda: services.version_item_add(
            actor=w.users["regional"], version=approved, kind="goal", item=GoalData(component="support", title="Х")
        ),
        lambda: services.version_item_remove(actor=w.users["regional"], version=approved, path="g1"),
        lambda: services.version_summary_set(
            actor=w.users["regional"], version=approved, summary="правка", educators_covered=1
        ),
        lambda: services.version_submit(actor=w.users["regional"], version=approved),
    ):
        with pytest.raises(Conflict) as exc:
            call()
        assert exc.value.code == "program_version_frozen"
    approved.refresh_from_db()
    assert list(approved.goals.values_list("title", flat=True)) == goals_before and approved.summary.startswith(
        "Программа"
    )
    second = services.version_new(actor=w.users["regional"], program=program, note="добавить практики")
    assert (second.number, second.status) == (2, VersionStatus.DRAFT)
    assert list(second.goals.values_list("title", flat=True)) == goals_before
    with pytest.raises(Conflict) as exc:
        services.version_new(actor=w.users["regional"], program=program)
    assert exc.value.code == "program_version_open"
    services.version_submit(actor=w.users["regional"], version=second)
    services.experts_assign(actor=w.users["federal"], version=second, experts=[w.users["expert"], second_expert(w)])
    for review in second.reviews.all():
        services.review_submit(actor=review.expert, review=review, **GOOD_REVIEW)
    services.version_decide(actor=w.users["federal"], version=second, approve=True)
    approved.refresh_from_db()
    assert approved.status == VersionStatus.SUPERSEDED
    assert list(approved.goals.values_list("title", flat=True)) == goals_before


def test_only_the_assigned_expert_reviews_and_the_rules_of_a_review_hold(w):
    program = make_program(w, YEAR, "in_review")
    version = _version(program)
    review = version.reviews.get(expert=w.users["expert"])
    outsider = make_user("expert3")
    role_grant(user=outsider, role=Role.EXPERT, scope="assigned", region=w.r2)
    with pytest.raises(PermissionDenied) as exc:
        services.review_submit(actor=outsider, review=review, **GOOD_REVIEW)
    assert exc.value.code == "review_not_assigned"
    low = {**GOOD_REVIEW, "scores": {**GOOD_REVIEW["scores"], "resources": 0}}
    with pytest.raises(ValidationFailed) as exc:
        services.review_submit(actor=w.users["expert"], review=review, **low)
    assert exc.value.code == "review_invalid"
    assert "не полный" in exc.value.message  # a score below the maximum is explained
    assert "рекомендуйте доработку" in exc.value.message  # approval contradicts a zero
    review.refresh_from_db()
    assert review.status == "assigned" and review.scores == {}
    # Through the API another expert does not even see the review.
    from django.test import Client

    client = Client()
    client.force_login(outsider)
    response = client.post(
        f"/api/coordination/programs/reviews/{review.pk}", data=json.dumps(GOOD_REVIEW), content_type="application/json"
    )
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    services.review_submit(actor=w.users["expert"], review=review, **GOOD_REVIEW)
    with pytest.raises(Conflict) as exc:
        services.review_submit(actor=w.users["expert"], review=review, **GOOD_REVIEW)
    assert exc.value.code == "review_closed"


def test_experts_without_a_conflict_of_interest_and_a_decision_after_two_reviews(w):
    program = make_program(w, YEAR, "submitted")
    version = _version(program)
    local = make_user("local_expert")
    role_grant(user=local, role=Role.EXPERT, scope="assigned", region=w.r1)
    make_educator(w.org_b, "Экспертова", user=local)
    with pytest.raises(ValidationFailed) as exc:
        services.experts_assign(actor=w.users["federal"], version=version, experts=[local, second_expert(w)])
    assert exc.value.code == "review_conflict_of_interest"
    with pytest.raises(ValidationFailed) as exc:
        services.experts_assign(actor=w.users["federal"], version=version, experts=[second_expert(w)])
    assert exc.value.code == "review_not_enough_experts"
    with pytest.raises(PermissionDenied):
        services.experts_assign(
            actor=w.users["regional"], version=version, experts=[w.users["expert"], second_expert(w)]
        )
    assert not ProgramReview.objects.exists()
    services.experts_assign(actor=w.users["federal"], version=version, experts=[w.users["expert"], second_expert(w)])
    assert Notification.objects.filter(user=w.users["expert"], url__contains="/reviews/").exists()
    with pytest.raises(Conflict) as exc:
        services.version_decide(actor=w.users["federal"], version=version, approve=True)
    assert exc.value.code == "reviews_missing"
    for review in version.reviews.all():
        services.review_submit(actor=review.expert, review=review, **GOOD_REVIEW)
    with pytest.raises(ValidationFailed) as exc:
        services.version_decide(actor=w.users["federal"], version=version, approve=False, comment="")
    assert exc.value.code == "decision_comment_required"
    services.version_decide(
        actor=w.users["federal"], version=version, approve=False, comment="Добавьте ресурсы на наставничество."
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.RETURNED
    assert Notification.objects.filter(user=w.users["regional"], title__contains="возвращена").exists()
    assert not Notification.objects.filter(user=w.users["regional_other"]).exists()


def test_the_api_refuses_a_frozen_version_with_a_stable_code(w):
    from django.test import Client

    program = make_program(w, YEAR, "submitted")
    client = Client()
    client.force_login(w.users["regional"])
    response = client.put(
        f"/api/coordination/programs/versions/{_version(program).pk}/content",
        data=json.dumps({"summary": "правка", "educators_covered": 5}),
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "program_version_frozen"
    assert _version(program).summary.startswith("Программа")
    response = client.post(
        "/api/coordination/programs/",
        data=json.dumps({"region": w.r1.pk, "title": "Х\x00", "year_from": 2030, "year_to": 2031}),
        content_type="application/json",
    )
    assert response.status_code in (400, 422)
    assert not RegionalProgram.objects.filter(year_from=2030).exists()


def _regions_with_programs(w, n: int) -> list[int]:
    """n regions besides 24 with an empty draft each, and region 24 with its full program approved."""
    make_program(w, YEAR, "approved")
    others = list(Region.objects.exclude(pk=w.r1.pk).order_by("code")[:n])
    for region in others:
        make_program(w, YEAR, "draft", region=region)
    return [w.r1.pk, *(r.pk for r in others)]


def test_comparison_reads_a_fixed_number_of_queries_whatever_the_number_of_regions(w, django_assert_num_queries):
    from efs.monitoring.services import analytics_build

    ids = _regions_with_programs(w, 88)
    analytics_build()
    # 9 reads + 3 per indicator with a target in the year (diagnosed_share and route_share).
    with django_assert_num_queries(15):
        result = queries.comparison(region_ids=ids[:3], year=YEAR)
    with django_assert_num_queries(15):
        result = queries.comparison(region_ids=ids, year=YEAR)
    assert len(result.rows) == 89
    mine = next(r for r in result.rows if r.region_id == w.r1.pk)
    assert (mine.components_covered, mine.components_total, mine.educators_covered) == (2, 10, 1000)
    assert mine.money == 500_000_000 and mine.money_per_educator == pytest.approx(5000.0)
    assert mine.hours_per_educator == pytest.approx(2.0) and mine.review_share == pytest.approx(1.0)
    assert mine.targets == {"diagnosed_share": 60.0, "route_share": 10.0}
    other = next(r for r in result.rows if r.region_id == ids[1])
    assert (other.components_covered, other.money_per_educator, other.status) == (0, None, VersionStatus.DRAFT)


def test_the_comparison_page_has_an_exact_query_count(w, client, django_assert_num_queries):
    ids = _regions_with_programs(w, 20)
    client.force_login(w.users["federal"])
    client.get("/coordination/programs/compare/")  # warm the session and the template cache
    # the session, the user and their grants, the chosen regions and the region list; then the
    # comparison without an analytics build (no value is read); the same count for 2 regions or 89.
    with django_assert_num_queries(13):
        response = client.get("/coordination/programs/compare/?" + "&".join(f"regions={pk}" for pk in ids))
    assert response.status_code == 200
    assert response.content.decode().count("/coordination/programs/") >= 21


def test_a_region_sees_where_it_stands_without_the_others_names(w, client):
    ids = _regions_with_programs(w, 3)
    client.force_login(w.users["regional"])
    page = client.get("/coordination/programs/compare/").content.decode()
    assert "Красноярский край" in page and "1 из 4" in page
    for other in Region.objects.filter(pk__in=ids[1:]):
        assert other.name not in page
    result = queries.comparison(region_ids=ids, year=YEAR)
    money = next(s for s in queries.standing(result, w.r1.pk) if "₽" in s.metric)
    assert (money.place, money.of, money.value) == (1, 1, pytest.approx(5000.0))  # the drafts declare no money


def test_a_shared_task_joins_organizations_of_two_member_regions(w):
    other = Region.objects.get(code="02")
    macro = Macroregion.objects.create(name="Тестовый макрорегион")
    macro.regions.set([w.r1, other])
    outside = make_org(w.r2, None, "Минобр НСО-2", kind="ministry")
    bashkir = make_org(other, None, "ИРО РБ", kind="ipk")
    with pytest.raises(NotFound):
        services.macro_project_create(actor=w.users["regional_other"], macroregion=macro, title="Чужой")
    project = services.macro_project_create(actor=w.users["regional"], macroregion=macro, title="Кадры")
    with pytest.raises(Conflict):
        services.macro_project_create(actor=w.users["regional"], macroregion=macro, title="Кадры")
    goal = services.joint_goal_add(
        actor=w.users["regional"], project=project, component="workforce", title="Молодые педагоги"
    )
    ipk = subjects(w)["ipk"]
    with pytest.raises(ValidationFailed) as exc:
        services.shared_task_add(
            actor=w.users["regional"], goal=goal, title="Один регион", executors=[ipk, subjects(w)["cnppm"]]
        )
    assert exc.value.code == "shared_task_single_region"
    with pytest.raises(ValidationFailed) as exc:
        services.shared_task_add(
            actor=w.users["regional"], goal=goal, title="Вне макрорегиона", executors=[ipk, outside]
        )
    assert exc.value.code == "executor_outside_macroregion"
    assert not SharedTask.objects.exists()
    task = services.shared_task_add(
        actor=w.users["regional"], goal=goal, title="Стажировки", executors=[ipk, bashkir], due=dt.date(YEAR, 12, 1)
    )
    assert sorted(task.executors.values_list("region__code", flat=True)) == ["02", "24"]
    make_program(w, YEAR, "approved")
    page = queries.macroregion_page(macro)
    assert [m.region_name for m in page.members if m.version] == ["Красноярский край"]
    assert page.shared_components == []  # only one member has a program
    assert (MacroregionProject.objects.count(), JointGoal.objects.count()) == (1, 1)


def test_the_template_is_versioned_and_only_the_federal_operator_publishes_it(w):
    from efs.coordination.programs import starter

    with pytest.raises(PermissionDenied):
        services.template_publish(
            actor=w.users["regional"], title="Х", components=starter.COMPONENTS, criteria=starter.CRITERIA
        )
    with pytest.raises(ValidationFailed) as exc:
        services.template_publish(
            actor=w.users["federal"], title="Х", components=[{"code": "A B", "title": ""}], criteria=[]
        )
    assert exc.value.code == "template_invalid"
    new = services.template_publish(
        actor=w.users["federal"], title="Шаблон 2", components=starter.COMPONENTS[:3], criteria=starter.CRITERIA
    )
    assert new.version == 2 and services.current_template() == new
    program = make_program(w, YEAR)  # drafted on version 2: its goals are all in the first three components
    assert _version(program).template == new
    with pytest.raises(ValidationFailed):
        services.version_item_add(
            actor=w.users["regional"],
            version=_version(program),
            kind="goal",
            item=GoalData(component="workforce", title="Не в шаблоне 2"),
        )


def test_pages_show_a_draft_to_its_region_and_refuse_the_other(w, client):
    program = make_program(w, YEAR)
    client.force_login(w.users["regional"])
    page = client.get(f"/coordination/programs/{program.pk}/").content.decode()
    assert "Охватить педагогов диагностикой" in page and "Подать на экспертизу" in page
    response = client.post(
        f"/coordination/programs/versions/{_version(program).pk}/items/",
        {
            "kind": "resource",
            "resource-kind": "money",
            "resource-money": "1 500,50",
            "resource-organization": subjects(w)["ipk"].pk,
            "resource-note": "",
        },
    )
    assert response.status_code == 302
    assert _version(program).resources.filter(kind="money", amount=150_050).exists()
    response = client.post(
        f"/coordination/programs/versions/{_version(program).pk}/items/",
        {
            "kind": "resource",
            "resource-kind": "money",
            "resource-money": "-5",
            "resource-organization": subjects(w)["ipk"].pk,
        },
        follow=True,
    )
    assert "Введите сумму" in response.content.decode()
    assert _version(program).resources.filter(kind="money").count() == 2
    client.force_login(w.users["regional_other"])
    assert client.get(f"/coordination/programs/{program.pk}/").status_code == 404


def test_resource_amounts_are_bounded(w):
    program = make_program(w, YEAR)
    with pytest.raises(ValidationFailed):
        services.version_item_add(
            actor=w.users["regional"],
            version=_version(program),
            kind="resource",
            item=ResourceData(kind="venues", amount=10**9, organization_id=subjects(w)["ipk"].pk),
        )
    assert _version(program).resources.count() == 2


def test_the_draft_forms_add_each_kind_and_a_bad_review_is_explained(w, client):
    program = make_program(w, YEAR)
    version = _version(program)
    orgs = subjects(w)
    client.force_login(w.users["regional"])
    url = f"/coordination/programs/versions/{version.pk}/items/"
    posts = [
        {"kind": "task", "task-goal": "1", "task-title": "Тьюторы ЦНППМ", "task-responsible": orgs["cnppm"].pk},
        {"kind": "activity", "activity-task": "1.1", "activity-title": "Семинар", "activity-due": f"{YEAR}-05-20"},
        {"kind": "target", "target-indicator": "trained_cnppm_share", "target-year": YEAR + 1, "target-value": "12.5"},
        {"kind": "summary", "summary-summary": "Новая редакция", "summary-educators_covered": "1200"},
    ]
    for data in posts:
        assert client.post(url, data).status_code == 302
    version.refresh_from_db()
    assert (version.summary, version.educators_covered) == ("Новая редакция", 1200)
    task = version.goals.get(order=1).tasks.get(title="Тьюторы ЦНППМ")
    assert task.activities.get().due == dt.date(YEAR, 5, 20)
    assert version.targets.filter(indicator__code="trained_cnppm_share", year=YEAR + 1, value=Decimal("12.5")).exists()
    response = client.post(
        url,
        {"kind": "activity", "activity-task": "1.1", "activity-title": "Вне лет", "activity-due": "2099-01-01"},
        follow=True,
    )
    assert "вне лет программы" in response.content.decode()
    assert (
        client.post(f"/coordination/programs/versions/{version.pk}/items/remove/", {"path": "g2.t2"}).status_code == 302
    )
    assert not version.goals.get(order=1).tasks.filter(title="Тьюторы ЦНППМ").exists()

    reviewed = make_program(w, YEAR + 1, "in_review")
    review = _version(reviewed).reviews.get(expert=w.users["expert"])
    client.force_login(w.users["expert"])
    data = {f"score_{code}": 1 for code in GOOD_REVIEW["scores"]} | {
        "strengths": "кратко",
        "weaknesses": "кратко",
        "verdict": "approve",
    }
    response = client.post(f"/coordination/programs/reviews/{review.pk}/", data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "объясните, почему балл не полный" in page and "сильные и слабые стороны" in page
    review.refresh_from_db()
    assert review.status == "assigned"
