"""The workforce app: registry services, demand, the forecast run, risk, import, pages, API."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import numpy as np
import pytest
from openpyxl import Workbook

from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.people.models import Subject
from efs.workforce import forecasting, importexport, public, queries, services
from efs.workforce.engine import project
from efs.workforce.models import Assignment, ForecastCell, ForecastRun, Post, PostEvent, RiskScore
from tests.workforce.conftest import START

pytestmark = pytest.mark.django_db
BASE = 2026


def test_hidden_shortage_counts_overload_above_one_and_a_half_and_out_of_field(world, staffed) -> None:
    inputs = forecasting.gather(world.r1.pk, BASE, 5)
    math, physics = (
        Subject.objects.get(code="mathematics").pk,
        Subject.objects.get(code="physics").pk,
    )
    # The teacher holds 1.75: the 0.25 above 1.5 is hidden shortage; physics is out of field.
    assert inputs.hidden == {
        (world.m1.pk, math): pytest.approx(0.25),
        (world.m1.pk, physics): pytest.approx(1.0),
    }
    assert inputs.vacant_fte[(world.m2.pk, physics)] == 1.0
    assert inputs.vacant_fte[(world.m1.pk, math)] == pytest.approx(0.25)
    assert inputs.overload_fte == {(world.m1.pk, math): 1.75}


def test_demand_is_classes_times_hours_over_eighteen_and_cohorts_move_up(world, staffed) -> None:
    math = Subject.objects.get(code="mathematics").pk
    demand = forecasting.demand_of(world.r1.pk, BASE, 5, None)
    hours = forecasting.curriculum(world.r1.pk)
    expected = sum(2 * hours.get((math, grade), 0.0) for grade in range(1, 12)) / 18
    assert demand[(world.m2.pk, math, BASE)] == pytest.approx(expected)
    classes = forecasting.projected_classes(world.r1.pk, BASE, 2)[(world.org_a.pk, world.m1.pk)]
    # Grade 2 next year is this year's grade 1 (49 pupils, classes of ~22.5 -> 3 classes);
    # grade 1 comes from the region's entry: 80 first-graders, all of them org A's.
    size = sum(50 - g for g in range(1, 12)) / 22
    assert classes[1, 2] == np.ceil(49 / size)
    assert classes[1, 1] == np.ceil(80 / size)


def test_forecast_run_stores_the_engine_result_and_risk(world, staffed) -> None:
    run = services.forecast_run(actor=world.users["regional"], region=world.r1, years=5, base_year=BASE)
    inputs = forecasting.gather(world.r1.pk, BASE, 5)
    problem, cells = forecasting.problem_of(inputs)
    result = project(problem)
    stored = {(c.municipality_id, c.subject_id, c.year): c for c in ForecastCell.objects.filter(run=run)}
    assert len(stored) == len(cells) * 5
    for position, (municipality, subject) in enumerate(cells):
        previous = result.base_supply[position]
        for step in range(5):
            cell = stored[(municipality, subject, BASE + 1 + step)]
            assert cell.supply == pytest.approx(result.supply[position, step])
            assert cell.demand == pytest.approx(result.demand[position, step])
            assert cell.supply == pytest.approx(previous - cell.leavers + cell.entrants)
            previous = cell.supply
    risks = {(r.municipality_id, r.subject_id): r for r in RiskScore.objects.filter(run=run)}
    physics = Subject.objects.get(code="physics").pk
    assert risks[(world.m2.pk, physics)].vacancy == 1.0
    risk = risks[(world.m1.pk, Subject.objects.get(code="mathematics").pk)]
    assert risk.overload == pytest.approx(1.75 / 2.75, abs=1e-4)
    assert risk.index == pytest.approx(
        100 * (risk.aged_60 + risk.vacancy + risk.overload + risk.gap + risk.deficits) / 5, abs=0.01
    )


def test_a_scenario_with_every_extra_at_zero_equals_the_base_run(world, staffed) -> None:
    regional = world.users["regional"]
    base = services.forecast_run(actor=regional, region=world.r1, years=5, base_year=BASE)
    scenario = services.scenario_create(actor=regional, region=world.r1, name="Ничего не меняем")
    same = services.forecast_run(actor=regional, region=world.r1, years=5, scenario=scenario, base_year=BASE)

    def rows(run):
        return list(
            ForecastCell.objects.filter(run=run)
            .values_list("municipality_id", "subject_id", "year", "supply", "demand", "leavers", "entrants")
            .order_by("municipality_id", "subject_id", "year")
        )

    assert rows(base) == rows(same)
    better = services.scenario_create(actor=regional, region=world.r1, name="Удержание", retention_gain=Decimal(50))
    kept = services.forecast_run(actor=regional, region=world.r1, years=5, scenario=better, base_year=BASE)
    assert sum(r[3] for r in rows(kept)) > sum(r[3] for r in rows(base))


def test_only_the_region_operator_runs_a_forecast_and_nothing_is_stored_otherwise(world, staffed) -> None:
    for who in ("school_head", "municipal", "regional_other", "teacher"):
        with pytest.raises(PermissionDenied):
            services.forecast_run(actor=world.users[who], region=world.r1, years=5, base_year=BASE)
    assert not ForecastRun.objects.exists()
    with pytest.raises(ValidationFailed):
        services.forecast_run(actor=world.users["regional"], region=world.r1, years=11, base_year=BASE)
    assert not ForecastRun.objects.exists()


def test_registry_keeps_history_and_refuses_overfilling(world, staffed) -> None:
    regional = world.users["regional"]
    with pytest.raises(Conflict):
        services.post_fill(
            actor=regional,
            post=staffed.math_b,
            educator=world.other_org,
            fte=Decimal("0.5"),
            started_on=START,
        )
    assert staffed.math_b.assignments.count() == 1
    holding = staffed.math_b.assignments.get()
    services.assignment_end(actor=regional, assignment=holding, ended_on=dt.date(2026, 6, 30), reason="retired")
    services.post_fill(
        actor=regional,
        post=staffed.math_b,
        educator=world.other_org,
        fte=Decimal("1"),
        started_on=dt.date(2026, 9, 1),
    )
    assert list(PostEvent.objects.filter(post=staffed.math_b).values_list("kind", flat=True)) == [
        "opened",
        "filled",
        "vacated",
        "filled",
    ]
    assert Assignment.objects.filter(post=staffed.math_b).count() == 2
    with pytest.raises(PermissionDenied):
        services.post_close(actor=world.users["school_head"], post=staffed.physics_c, closed_on=dt.date(2026, 10, 1))
    assert Post.objects.get(pk=staffed.physics_c.pk).closed_on is None


def _workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([title for _, title in importexport.STAFFING_COLUMNS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_staffing_import_is_all_or_nothing_with_russian_row_errors(world, staffed) -> None:
    before = Post.objects.count()
    good = [
        world.org_a.inn,
        "Физика",
        "учитель физики",
        1,
        "01.09.2024",
        world.same_org.snils,
        0.5,
        "01.09.2024",
        "нет",
        "высшее педагогическое",
        "Физика",
    ]
    vacancy = [
        world.org_c.inn,
        "Математика",
        "учитель математики",
        "1,5",
        "01.09.2025",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    bad = [
        world.org_a.inn,
        "Астрология",
        "учитель",
        -1,
        "вчера",
        "000",
        0.5,
        "01.09.2024",
        "",
        "высшее",
        "",
    ]
    with pytest.raises(ValidationFailed) as error:
        importexport.staffing_import(
            actor=world.users["regional"], region=world.r1, content=_workbook([good, vacancy, bad])
        )
    assert Post.objects.count() == before
    details = error.value.details
    assert details, error.value.message
    assert {(d["row"], d["column"]) for d in details} >= {
        (4, "Предмет"),
        (4, "Ставок"),
        (4, "Дата открытия"),
        (4, "СНИЛС работника"),
    }
    assert "Строка 4" in error.value.message or "строка 4" in error.value.message.lower()
    made = importexport.staffing_import(
        actor=world.users["regional"], region=world.r1, content=_workbook([good, vacancy])
    )
    assert made == 2
    assert Post.objects.count() == before + 2
    assert Assignment.objects.filter(educator=world.same_org, post__subject__code="physics").get().fte == Decimal(
        "0.50"
    )
    with pytest.raises(PermissionDenied):
        importexport.staffing_import(actor=world.users["municipal"], region=world.r1, content=_workbook([good]))


def test_pages_and_exports_for_the_regional_operator(world, staffed) -> None:
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=5)
    client = world.client("regional")
    page = client.get("/workforce/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "gap-data" in text and "Ачинск" in text and "Красноярск" in text
    assert client.get(f"/workforce/municipalities/{world.m2.pk}/").status_code == 200
    export = client.get(f"/workforce/export/forecast.xlsx?region={world.r1.pk}")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    # The municipal operator reads its municipality only.
    municipal = world.client("municipal")
    assert municipal.get(f"/workforce/municipalities/{world.m2.pk}/").status_code == 404
    assert municipal.get(f"/workforce/municipalities/{world.m1.pk}/").status_code == 200


def test_api_forecast_is_scoped_and_errors_have_the_json_shape(world, staffed) -> None:
    client = world.client("regional")
    missing = client.get(f"/api/workforce/forecast?region={world.r1.pk}")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "no_forecast"
    created = client.post(
        "/api/workforce/runs",
        data=json.dumps({"region": world.r1.pk, "years": 5}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cells = client.get(f"/api/workforce/forecast?region={world.r1.pk}").json()["cells"]
    assert {c["municipality"] for c in cells} == {"Красноярск", "Ачинск"}
    municipal = world.client("municipal").get(f"/api/workforce/forecast?region={world.r1.pk}").json()["cells"]
    assert {c["municipality"] for c in municipal} == {"Красноярск"}
    denied = world.client("municipal").post(
        "/api/workforce/runs",
        data=json.dumps({"region": world.r1.pk}),
        content_type="application/json",
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"


def test_public_indicators(world, staffed) -> None:
    assert public.indicators(world.r1) == []
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=5, base_year=BASE)
    rows = {row.municipality_id: row for row in public.indicators(world.r1)}
    assert set(rows) == {world.m1.pk, world.m2.pk}
    assert rows[world.m2.pk].vacancy_rate > 0
    assert queries.latest_run(world.r1).base_year == BASE


def test_data_elements_for_monitoring(world, staffed) -> None:
    months = [dt.date(2026, 12, 1), dt.date(2019, 12, 1)]
    assert sorted(public.element_post_fte(months=months)) == [
        (world.org_a.pk, 0, 300),
        (world.org_b.pk, 0, 100),
        (world.org_c.pk, 0, 200),
    ]
    assert sorted(public.element_vacant_fte(months=months)) == [
        (world.org_a.pk, 0, 25),
        (world.org_c.pk, 0, 100),
    ]
    assert sorted(public.element_post_holders(months=months)) == [
        (world.org_a.pk, 0, 2),
        (world.org_b.pk, 0, 1),
        (world.org_c.pk, 0, 1),
    ]
    assert public.element_post_holders_60(months=months) == []
    from efs.monitoring import elements
    from tests.monitoring.element_queries import assert_element_queries_match_sources

    # the one-query forms the build runs give the same rows (months in any order here)
    assert assert_element_queries_match_sources([dt.date(2019, 12, 1), dt.date(2026, 12, 1)]) >= 8

    assert {
        "workforce_post_fte",
        "workforce_vacant_fte",
        "workforce_holders",
        "workforce_holders_60",
    } <= set(elements.ELEMENTS)
