"""The region-wide plan: a background job with progress that proposes routes."""

from __future__ import annotations

import datetime as dt

import pytest

from efs.errors import Conflict, PermissionDenied
from efs.people.models import Role, Scope
from efs.people.services import role_grant
from efs.routes import regional
from efs.routes.models import AllocationRun, Route, RouteOrigin
from tests.conftest import make_educator, make_user
from tests.diagnostics.conftest import finished_attempt


def _second_teacher(ready):
    """Another diagnosed teacher of the region, to share one seat."""
    world = ready["world"]
    user = make_user("second")
    role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
    educator = make_educator(world.org_b, "Второва", user=user)
    finished_attempt(user, educator, {"T.RO": 0.99})
    return educator


def test_region_plan_shares_seats_and_proposes_routes(ready):
    world = ready["world"]
    second = _second_teacher(ready)
    ro_cohort = ready["programs"]["ro"].cohorts.first()
    ro_cohort.seats, ro_cohort.seats_taken = 20, 19  # one seat left for two teachers who want it
    ro_cohort.save()
    run = regional.allocation_start(actor=world.users["regional"], region=world.r1, fund=1_000_000, max_hours=200)
    with pytest.raises(Conflict):
        regional.allocation_start(actor=world.users["regional"], region=world.r1, fund=1_000_000)
    regional.allocation_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 1.0
    assert run.results["educators"] == 2 and run.results["routes"] == 2
    assert run.results["objective"] >= run.results["greedy_objective"] - 1e-9
    assert run.results["upper_bound"] is None or run.results["upper_bound"] >= run.results["objective"] - 1e-6
    routes = Route.objects.filter(origin=RouteOrigin.REGIONAL)
    assert set(routes.values_list("educator_id", flat=True)) == {world.self_educator.pk, second.pk}
    takers = [r for r in routes if r.items.filter(cohort=ro_cohort).exists()]
    assert len(takers) == 1  # the seat limit holds
    for user in (second.user, world.users["teacher"]):
        assert user.notifications.filter(title="Регион предложил вам индивидуальный маршрут").count() == 1


def test_only_the_regions_operator_plans(ready):
    world = ready["world"]
    for who in ("regional_other", "teacher", "school_head", "tutor"):
        with pytest.raises(PermissionDenied):
            regional.allocation_start(actor=world.users[who], region=world.r1, fund=0)
    assert not AllocationRun.objects.exists()


def test_a_region_without_diagnosed_educators_fails_with_a_message(depot):
    world = depot["world"]
    run = regional.allocation_start(actor=world.users["regional"], region=world.r1, fund=0)
    regional.allocation_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "нет продиагностированных" in run.message


def test_existing_routes_are_left_alone(ready):
    from efs.routes.services import route_build
    from tests.routes.conftest import options

    world = ready["world"]
    mine = route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    _second_teacher(ready)
    run = regional.allocation_start(actor=world.users["federal"], region=world.r1, fund=0)
    regional.allocation_execute(run.pk)
    run.refresh_from_db()
    assert run.results["educators"] == 1
    assert Route.objects.filter(educator=world.self_educator).get() == mine


def test_a_certificate_caps_what_the_plan_spends_on_its_holder(ready):
    from django.utils import timezone

    from efs.financing import services as financing

    world = ready["world"]
    regional, year = world.users["regional"], timezone.localdate().year
    from efs.routes import regional as regional_plans
    from efs.routes import services

    financing.fund_top_up(
        actor=regional,
        region=world.r1,
        year=year,
        amount=10_000_000,
        tid="plan-fund",
        document="ПП-1",
        document_date=dt.date(2026, 1, 15),
    )
    financing.rule_set(actor=regional, region=world.r1, year=year, category="teacher", nominal=700_000, prorate=False)
    financing.certificates_issue(actor=regional, region=world.r1, year=year, category="teacher")
    run = regional_plans.allocation_start(actor=regional, region=world.r1, fund=5_000_000)
    regional_plans.allocation_execute(run.pk)
    route = Route.objects.get(educator=world.self_educator, origin=RouteOrigin.REGIONAL)
    assert route.budget == 700_000  # the certificate, not the plan's 50 000 ₽ per person
    assert services.summary(route)["price"] <= 700_000


def test_the_plan_result_reads_in_plain_russian_with_breakdowns_and_export(ready):
    from tests.matrix import xlsx_rows

    world = ready["world"]
    second = _second_teacher(ready)
    run = regional.allocation_start(actor=world.users["regional"], region=world.r1, fund=1_000_000, max_hours=200)
    regional.allocation_execute(run.pk)
    run.refresh_from_db()
    summary = run.results["summary"]
    assert (
        (summary["people"], summary["served"]) == (2, 2)
        and summary["covered"] <= summary["deficits"]
        and summary["seats"] >= 2
    )
    assert summary["money"] == run.results["fund_used"] and [r["people"] for r in run.results["by_category"]] == [2]
    client = world.client("regional")
    page = client.get(f"/routes/region/{run.pk}/").content.decode()
    for words in (
        "педагогов с дефицитами получают предложенный маршрут",
        "дефицитов закрываются",
        "стоят предложенные маршруты",
        "свободных мест",
        "По муниципалитетам",
        "По программам",
        "По категориям педагогов",
        "Предложенные маршруты",
    ):
        assert words in page, words
    assert second.full_name in page and world.self_educator.full_name in page
    rows = xlsx_rows(client.get(f"/routes/region/{run.pk}/?format=xlsx"))
    assert rows[0][0] == "Педагог" and {r[0] for r in rows[1:]} == {second.full_name, world.self_educator.full_name}
    assert world.client("regional_other").get(f"/routes/region/{run.pk}/?format=xlsx").status_code == 404


def test_the_progress_is_reported_in_russian():
    assert regional.planner_message("pricing round 7") == "Улучшение плана: шаг 7"
    assert regional.planner_message("repairing the allocation") == "Проверка мест и средств"
    assert regional.planner_message("something new") == "Планирование"


def test_the_plan_form_reads_roubles_by_the_shared_rule(ready):
    world = ready["world"]
    client = world.client("regional")
    for typed in ("1e12", "inf", "nan"):
        response = client.post(
            "/routes/region/", {"region": world.r1.pk, "fund": typed, "budget": "", "max_hours": 144}, follow=True
        )
        assert response.status_code == 400 and "Введите сумму в рублях" in response.content.decode()
    assert not AllocationRun.objects.exists()
    client.post("/routes/region/", {"region": world.r1.pk, "fund": "10 000,50", "budget": "", "max_hours": 144})
    assert AllocationRun.objects.get().fund == 1_000_050
