"""A school's classes and pupils edited on a page and through the API (with history), and the
projected gap published to monitoring as a data element, checked against the engine."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import numpy as np
import pytest
from django.utils import timezone

from efs.errors import PermissionDenied, ValidationFailed
from efs.workforce import forecasting, public, services
from efs.workforce.engine import project
from efs.workforce.models import ClassCount, ForecastRun, InputChange

YEAR = 2026


def _rows(org) -> dict[int, tuple[int, int]]:
    return {c.grade: (c.classes, c.pupils) for c in ClassCount.objects.filter(organization=org, year=YEAR)}


# ---------------------------------------------------------------- the service


def test_classes_set_changes_only_what_differs_and_keeps_history(world, staffed) -> None:
    head = world.users["school_head"]  # head of org A
    before = _rows(world.org_a)
    changed = services.classes_set(
        actor=head,
        organization=world.org_a,
        year=YEAR,
        grades={
            1: services.GradeCount(3, 70),  # changed
            2: services.GradeCount(*before[2]),  # the same: no change, no history
            11: None,  # removed
        },
    )
    assert changed == 2
    after = _rows(world.org_a)
    assert after[1] == (3, 70) and after[2] == before[2] and 11 not in after
    history = list(InputChange.objects.filter(kind="classes", organization=world.org_a))
    assert [(h.before, h.after) for h in reversed(history)] == [
        (f"{before[1][0]} / {before[1][1]}", "3 / 70"),
        (f"{before[11][0]} / {before[11][1]}", "—"),
    ]
    assert all(h.actor == head and h.region_id == world.r1.pk for h in history)
    assert "1" in history[-1].subject and world.org_a.name in history[-1].subject


@pytest.mark.parametrize(
    "count",
    [
        services.GradeCount(0, 25),  # pupils without a class
        services.GradeCount(2, 0),  # classes without pupils
        services.GradeCount(30, 20),  # more classes than pupils
        services.GradeCount(201, 5000),
        services.GradeCount(1, 10_001),
    ],
)
def test_classes_set_refuses_impossible_counts_and_saves_nothing(world, staffed, count) -> None:
    before = _rows(world.org_a)
    with pytest.raises(ValidationFailed) as error:
        services.classes_set(
            actor=world.users["regional"],
            organization=world.org_a,
            year=YEAR,
            grades={1: services.GradeCount(3, 70), 5: count},
        )
    assert "5" in error.value.message
    assert _rows(world.org_a) == before
    assert not InputChange.objects.filter(kind="classes").exists()


def test_classes_set_only_by_the_schools_editors(world, staffed) -> None:
    for who in ("teacher", "tutor"):
        with pytest.raises(PermissionDenied):
            services.classes_set(
                actor=world.users[who],
                organization=world.org_a,
                year=YEAR,
                grades={1: services.GradeCount(1, 20)},
            )
    with pytest.raises(PermissionDenied):  # the head of org A, not of org C
        services.classes_set(
            actor=world.users["school_head"],
            organization=world.org_c,
            year=YEAR,
            grades={1: services.GradeCount(1, 20)},
        )
    assert _rows(world.org_c)[1] == (2, 49)


# ---------------------------------------------------------------- the page


def test_classes_page_shows_edits_and_refuses_in_russian(world, staffed) -> None:
    client = world.client("school_head")
    url = f"/workforce/classes/?region={world.r1.pk}&organization={world.org_a.pk}&year={YEAR}"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Классы и учащиеся" in text and world.org_a.name in text
    assert 'name="pupils_1" value="49"' in text.replace(' class="form-control form-control-sm"', "")
    form = {"region": world.r1.pk, "organization": world.org_a.pk, "year": YEAR}
    for grade, (classes, pupils) in _rows(world.org_a).items():
        form |= {f"classes_{grade}": classes, f"pupils_{grade}": pupils}
    bad = client.post("/workforce/classes/", form | {"classes_4": 3, "pupils_4": ""}, follow=True)
    assert bad.status_code == 400  # the refusal's status, not the redirect of success
    assert "класс 4: укажите и число классов, и число учащихся" in bad.content.decode().lower()
    assert not InputChange.objects.filter(kind="classes").exists()
    good = client.post("/workforce/classes/", form | {"classes_4": 3, "pupils_4": 71}, follow=True)
    assert "Сохранено; изменено классов: 1." in good.content.decode()
    assert _rows(world.org_a)[4] == (3, 71)
    assert [h.after for h in good.context["history"]] == ["3 / 71"]
    # another school of the region is not this head's: not found
    assert client.get(f"/workforce/classes/?region={world.r1.pk}&organization={world.org_c.pk}").status_code == 404


def test_classes_page_empty_state_without_a_school_of_ones_own(world) -> None:
    from django.test import Client

    from efs.people.models import Municipality, Role, Scope
    from efs.people.services import role_grant
    from tests.conftest import make_user

    empty = Municipality.objects.create(region=world.r2, name="Бердск", kind="city_district")
    user = make_user("empty_municipal")
    role_grant(user=user, role=Role.MUNICIPAL_OPERATOR, scope=Scope.MUNICIPALITY, municipality=empty)
    client = Client()
    client.force_login(user)
    response = client.get("/workforce/classes/")
    assert response.status_code == 200
    assert "нет школы" in response.content.decode()


# ---------------------------------------------------------------- the API


def _put(client, body):
    return client.put("/api/workforce/classes", data=json.dumps(body), content_type="application/json")


def test_classes_api_sets_removes_and_refuses_with_codes(world, staffed) -> None:
    client = world.client("municipal")  # the operator of M1 (org A and B)
    ok = _put(
        client,
        {
            "organization_id": world.org_b.pk,
            "year": YEAR,
            "grades": [{"grade": 5, "classes": 2, "pupils": 48}, {"grade": 6, "classes": 1, "pupils": 30}],
        },
    )
    assert ok.status_code == 200 and ok.json() == {"changed": 2}
    assert _rows(world.org_b) == {5: (2, 48), 6: (1, 30)}
    removed = _put(client, {"organization_id": world.org_b.pk, "year": YEAR, "grades": [{"grade": 6}]})
    assert removed.json() == {"changed": 1} and _rows(world.org_b) == {5: (2, 48)}
    half = _put(client, {"organization_id": world.org_b.pk, "year": YEAR, "grades": [{"grade": 7, "classes": 1}]})
    assert half.status_code == 422 and half.json()["error"]["code"] == "validation_failed"
    assert "Класс 7" in half.json()["error"]["message"]
    twice = _put(
        client,
        {
            "organization_id": world.org_b.pk,
            "year": YEAR,
            "grades": [{"grade": 7, "classes": 1, "pupils": 20}, {"grade": 7, "classes": 2, "pupils": 40}],
        },
    )
    assert twice.status_code == 422
    other = _put(client, {"organization_id": world.org_c.pk, "year": YEAR, "grades": [{"grade": 5}]})
    assert other.status_code == 404  # org C is in M2
    assert _rows(world.org_b) == {5: (2, 48)} and 5 in _rows(world.org_c)
    assert InputChange.objects.filter(kind="classes").count() == 3


# ---------------------------------------------------------------- the projected gap element


def _engine_shortage(region, base_year: int, years: int) -> dict[int, float]:
    """Per municipality: Σ over subjects of max(0, demand − supply + hidden) at the risk
    horizon, straight from the engine's output on the app's inputs."""
    inputs = forecasting.gather(region.pk, base_year, years)
    problem, cells = forecasting.problem_of(inputs)
    hidden = np.array([inputs.hidden.get(cell, 0.0) for cell in cells])
    result = project(problem, hidden_fte=hidden)
    step = list(result.years).index(base_year + min(services.RISK_HORIZON, years))
    shortage: dict[int, float] = defaultdict(float)
    for position, (municipality, _) in enumerate(cells):
        gap = float(result.demand[position, step] - result.supply[position, step]) + hidden[position]
        shortage[municipality] += max(0.0, gap)
    return dict(shortage)


@pytest.mark.parametrize("years", [5, 7])
def test_projected_gap_element_matches_the_engine(world, staffed, years) -> None:
    # a second school in M1 with classes, so that M1's shortage is shared by demand
    for grade in range(1, 12):
        ClassCount.objects.create(
            region=world.r1, organization=world.org_b, year=YEAR, grade=grade, classes=1, pupils=20
        )
    month = timezone.now().date().replace(day=1)
    assert public.element_projected_gap_fte(months=[month]) == []  # no forecast yet
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=years, base_year=YEAR)
    rows = public.element_projected_gap_fte(months=[dt.date(2019, 1, 1), month])
    assert {index for _, index, _ in rows} == {1}  # nothing before the forecast was made
    by_org = {org: value for org, _, value in rows}
    expected = _engine_shortage(world.r1, YEAR, years)
    assert expected[world.m1.pk] > 0 and expected[world.m2.pk] > 0
    m1 = by_org.get(world.org_a.pk, 0) + by_org.get(world.org_b.pk, 0)
    assert m1 == pytest.approx(expected[world.m1.pk] * 100, abs=1)  # each school rounds once
    assert by_org[world.org_c.pk] == round(expected[world.m2.pk] * 100)
    # org A has two classes a grade, org B one: A carries about twice B's share
    assert by_org[world.org_a.pk] > by_org[world.org_b.pk] > 0


def test_projected_gap_element_reads_the_run_of_each_month(world, staffed) -> None:
    first = services.forecast_run(actor=world.users["regional"], region=world.r1, years=5, base_year=YEAR)
    ForecastRun.objects.filter(pk=first.pk).update(created_at=dt.datetime(2026, 10, 15, tzinfo=dt.UTC))
    services.classes_set(
        actor=world.users["regional"],
        organization=world.org_c,
        year=YEAR,
        grades={grade: services.GradeCount(4, 100) for grade in range(1, 12)},
    )
    second = services.forecast_run(actor=world.users["regional"], region=world.r1, years=5, base_year=YEAR)
    ForecastRun.objects.filter(pk=second.pk).update(created_at=dt.datetime(2026, 11, 15, tzinfo=dt.UTC))
    rows = public.element_projected_gap_fte(months=[dt.date(2026, 10, 1), dt.date(2026, 11, 1)])
    october = {org: v for org, i, v in rows if i == 0}
    november = {org: v for org, i, v in rows if i == 1}
    assert november[world.org_c.pk] > october[world.org_c.pk]  # twice the classes, more shortage


def test_projected_gap_is_a_registered_element_with_a_passport(db) -> None:
    from efs.monitoring import elements
    from efs.monitoring.models import Indicator
    from efs.monitoring.services import starter_indicators_load

    assert elements.element("workforce_projected_gap_fte").people is False
    starter_indicators_load()
    passport = Indicator.objects.get(code="projected_gap_fte")
    assert passport.direction == "down"
