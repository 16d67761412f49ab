"""The region's forecast inputs on pages: curriculum hours, leave rates, first-grade entry and
the entrant plan (services with history, forms with Russian errors, whole flows), and the
strict CSP on every workforce page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from efs.errors import PermissionDenied, ValidationFailed
from efs.people.models import Municipality, Subject
from efs.workforce import forecasting, services
from efs.workforce.models import (
    CurriculumHours,
    EntrantPlan,
    FirstGradeEntry,
    ForecastCell,
    InputChange,
    LeaveRate,
)

pytestmark = pytest.mark.django_db


def _other_municipality(world) -> Municipality:
    return Municipality.objects.get(region=world.r2)


def _physics() -> Subject:
    return Subject.objects.get(code="physics")


def test_curriculum_own_value_over_the_federal_one_and_back_with_history(world, staffed) -> None:
    regional, physics = world.users["regional"], _physics()
    federal = CurriculumHours.objects.get(region__isnull=True, subject=physics, grade=7).hours
    changed = services.curriculum_set(
        actor=regional, region=world.r1, subject=physics, hours={7: Decimal("3.5"), 8: federal}
    )
    # Grade 8 set to the federal value is no change: no own row, no history entry.
    assert changed == 1
    assert forecasting.curriculum(world.r1.pk)[(physics.pk, 7)] == 3.5
    assert forecasting.curriculum(world.r2.pk)[(physics.pk, 7)] == float(federal)
    entry = InputChange.objects.get(region=world.r1, kind=InputChange.Kind.CURRICULUM)
    assert (entry.before, entry.after, entry.actor) == (str(federal), "3.5", regional)
    assert "7" in entry.subject and physics.name in entry.subject

    assert services.curriculum_set(actor=regional, region=world.r1, subject=physics, hours={7: None}) == 1
    assert not CurriculumHours.objects.filter(region=world.r1).exists()
    changes = InputChange.objects.filter(region=world.r1, kind=InputChange.Kind.CURRICULUM)
    assert changes.count() == 2
    assert changes.first().after.startswith(str(federal))


def test_curriculum_refuses_bad_hours_and_other_roles_and_saves_nothing(world, staffed) -> None:
    physics = _physics()
    for hours in ({7: Decimal("20.5")}, {7: Decimal("-1")}, {7: Decimal("2.25")}, {12: Decimal(1)}):
        with pytest.raises(ValidationFailed):
            services.curriculum_set(actor=world.users["regional"], region=world.r1, subject=physics, hours=hours)
    for who in ("municipal", "school_head", "regional_other"):
        with pytest.raises(PermissionDenied):
            services.curriculum_set(actor=world.users[who], region=world.r1, subject=physics, hours={7: Decimal(3)})
    assert not CurriculumHours.objects.filter(region__isnull=False).exists()
    assert not InputChange.objects.filter(kind=InputChange.Kind.CURRICULUM).exists()


def test_leave_rates_history_and_refusals(world, staffed) -> None:
    regional = world.users["regional"]
    bands = [services.Band(14, 64, Decimal("0.06")), services.Band(65, 75, Decimal("0.3"))]
    services.leave_rates_set(actor=regional, region=world.r1, bands=bands)
    services.leave_rates_set(actor=regional, region=world.r1, bands=bands)  # same: no entry
    # The fixture set the first bands (from nothing); this is the second entry.
    assert InputChange.objects.filter(kind=InputChange.Kind.LEAVE_RATES).count() == 2
    entry = InputChange.objects.filter(kind=InputChange.Kind.LEAVE_RATES).first()
    assert entry.before == "14–59: 0.05; 60–70: 0.2"
    assert entry.after == "14–64: 0.06; 65–75: 0.3"
    with pytest.raises(ValidationFailed):
        services.leave_rates_set(
            actor=regional,
            region=world.r1,
            bands=[services.Band(14, 64, Decimal("0.06")), services.Band(64, 75, Decimal("0.3"))],
        )
    with pytest.raises(ValidationFailed):
        services.leave_rates_set(actor=regional, region=world.r1, bands=[])
    assert list(LeaveRate.objects.filter(region=world.r1).values_list("from_age", "to_age")) == [
        (14, 64),
        (65, 75),
    ]


def test_first_grade_entry_and_entrant_plan_set_change_and_remove(world, staffed) -> None:
    regional, physics = world.users["regional"], _physics()
    services.first_grade_entry_set(actor=regional, region=world.r1, municipality=world.m2, year=2028, pupils=40)
    services.first_grade_entry_set(actor=regional, region=world.r1, municipality=world.m2, year=2028, pupils=45)
    assert FirstGradeEntry.objects.get(municipality=world.m2, year=2028).pupils == 45
    services.first_grade_entry_set(actor=regional, region=world.r1, municipality=world.m2, year=2028, pupils=None)
    assert not FirstGradeEntry.objects.filter(municipality=world.m2).exists()
    history = list(
        InputChange.objects.filter(kind=InputChange.Kind.FIRST_GRADE).order_by("pk").values_list("before", "after")
    )
    assert history == [("—", "40"), ("40", "45"), ("45", "—")]
    with pytest.raises(ValidationFailed):  # a municipality of another region
        services.first_grade_entry_set(
            actor=world.users["federal"],
            region=world.r1,
            municipality=_other_municipality(world),
            year=2028,
            pupils=1,
        )
    with pytest.raises(ValidationFailed):
        services.first_grade_entry_set(actor=regional, region=world.r1, municipality=world.m2, year=1999, pupils=1)

    common = {"actor": regional, "region": world.r1, "municipality": world.m2, "subject": physics}
    services.entrant_plan_set(**common, year=2028, source="graduates", fte=Decimal("2.5"), age=24)
    row = EntrantPlan.objects.get(municipality=world.m2)
    assert (row.fte, row.age, row.source) == (Decimal("2.50"), 24, "graduates")
    services.entrant_plan_set(**common, year=2028, source="graduates", fte=Decimal(0))
    assert not EntrantPlan.objects.exists()
    with pytest.raises(ValidationFailed):
        services.entrant_plan_set(**common, year=2028, source="robots", fte=Decimal(1))
    with pytest.raises(ValidationFailed):
        services.entrant_plan_set(**common, year=2028, source="returners", fte=Decimal(1), age=13)
    assert InputChange.objects.filter(kind=InputChange.Kind.ENTRANTS).count() == 2


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_curriculum_page_flow_with_russian_errors(world, staffed) -> None:
    client, physics = world.client("regional"), _physics()
    url = f"/workforce/inputs/curriculum/?region={world.r1.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Часы учебного плана" in page.content.decode()
    bad = client.post(
        "/workforce/inputs/curriculum/",
        {"region": world.r1.pk, "subject": physics.pk, "grade_7": "25"},
        follow=True,
    )
    text = bad.content.decode()
    assert bad.status_code == 400  # the refusal's status, not the redirect of success
    assert "класс 7: часов в неделю от 0 до 20" in text  # the field's own message names the grade
    assert not CurriculumHours.objects.filter(region=world.r1).exists()
    good = client.post(
        "/workforce/inputs/curriculum/",
        {"region": world.r1.pk, "subject": physics.pk, "grade_7": "3,5"},
        follow=True,
    )
    assert "Сохранено; изменено классов: 1." in good.content.decode()
    row = next(r for r in good.context["rows"] if r.subject_id == physics.pk)
    assert (row.grades[6].hours, row.grades[6].own) == (3.5, True)
    assert [h.after for h in good.context["history"]] == ["3.5"]


def test_rates_page_refuses_overlapping_bands_in_russian(world, staffed) -> None:
    client = world.client("regional")
    data = {
        "region": world.r1.pk,
        "band-TOTAL_FORMS": "3",
        "band-INITIAL_FORMS": "0",
        "band-0-from_age": "14",
        "band-0-to_age": "60",
        "band-0-rate": "5",
        "band-1-from_age": "60",
        "band-1-to_age": "70",
        "band-1-rate": "20",
    }
    response = client.post("/workforce/inputs/leave-rates/", data, follow=True)
    assert response.status_code == 400 and "пересекаются по возрасту" in response.content.decode()
    assert LeaveRate.objects.filter(region=world.r1).count() == 2
    assert LeaveRate.objects.filter(region=world.r1, to_age=59).exists()
    data["band-1-from_age"] = "61"
    data["band-2-rate"] = "150"  # a rate above 100 %, in an otherwise empty row
    response = client.post("/workforce/inputs/leave-rates/", data, follow=True)
    assert response.status_code == 400 and "строка 3" in response.content.decode()
    del data["band-2-rate"]
    response = client.post("/workforce/inputs/leave-rates/", data, follow=True)
    assert "Сохранено." in response.content.decode()
    assert list(LeaveRate.objects.filter(region=world.r1).values_list("from_age", "to_age", "rate")) == [
        (14, 60, Decimal("0.0500")),
        (61, 70, Decimal("0.2000")),
    ]


def test_plan_inputs_flow_into_the_forecast(world, staffed) -> None:
    """Whole flow: the operator gives first-graders and planned entrants on the page,
    recalculates, and the stored forecast carries them."""
    client, physics = world.client("regional"), _physics()
    base = forecasting.school_year(forecasting.dt.date.today())
    year = base + 2
    response = client.post(
        "/workforce/inputs/plan/entrants/",
        {
            "region": world.r1.pk,
            "municipality": world.m2.pk,
            "subject": physics.pk,
            "year": year,
            "source": "graduates",
            "fte": "2.5",
            "age": 24,
        },
        follow=True,
    )
    assert "Сохранено." in response.content.decode()
    assert "2.50" in response.content.decode()
    missing = client.post(
        "/workforce/inputs/plan/first-grade/",
        {
            "region": world.r1.pk,
            "municipality": _other_municipality(world).pk,
            "year": year,
            "pupils": 10,
        },
        follow=True,
    )
    # A municipality of another region is not a choice of the form: a Russian form error.
    assert missing.status_code == 400 and "Выберите корректный вариант" in missing.content.decode()
    assert not FirstGradeEntry.objects.filter(municipality=_other_municipality(world)).exists()
    assert client.post("/workforce/", {"region": world.r1.pk, "years": 5}).status_code == 302
    cell = ForecastCell.objects.get(run__region=world.r1, municipality=world.m2, subject=physics, year=year)
    assert cell.entrants == pytest.approx(2.5)


def test_another_regions_operator_cannot_change_this_region(world, staffed) -> None:
    client = world.client("regional_other")
    response = client.post(
        "/workforce/inputs/plan/first-grade/",
        {"region": world.r1.pk, "municipality": world.m2.pk, "year": 2030, "pupils": 10},
    )
    assert response.status_code == 404
    assert not FirstGradeEntry.objects.filter(year=2030).exists()


WORKFORCE_PAGES = (
    "/workforce/?region={r}",
    "/workforce/municipalities/{m}/",
    "/workforce/registry/?region={r}",
    "/workforce/pipeline/?region={r}",
    "/workforce/scenarios/?region={r}",
    "/workforce/inputs/curriculum/?region={r}",
    "/workforce/inputs/leave-rates/?region={r}",
    "/workforce/inputs/plan/?region={r}",
)


def test_workforce_pages_keep_the_strict_csp(world, staffed) -> None:
    """No inline event handlers; every inline script carries the request's nonce."""
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=5)
    client = world.client("federal")  # sees the region select (two regions)
    for template in WORKFORCE_PAGES:
        response = client.get(template.format(r=world.r1.pk, m=world.m1.pk))
        assert response.status_code == 200, template
        html = response.content.decode()
        assert not re.search(r"\son[a-z]+\s*=", html), template
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        for tag in re.findall(r"<script\b[^>]*>", html):
            inert = 'type="application/json"' in tag  # data (json_script), never run
            assert inert or "src=" in tag or f'nonce="{nonce}"' in tag, (template, tag)
    overview = client.get(f"/workforce/?region={world.r1.pk}").content.decode()
    assert "data-autosubmit" in overview


def _put(client, url: str, body: dict):
    import json

    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_api_inputs_round_trip_with_codes_and_russian_messages(world, staffed) -> None:
    client, physics = world.client("regional"), _physics()
    overlap = _put(
        client,
        "/api/workforce/leave-rates",
        {
            "region": world.r1.pk,
            "bands": [
                {"from_age": 14, "to_age": 60, "rate": 0.05},
                {"from_age": 60, "to_age": 70, "rate": 0.2},
            ],
        },
    )
    assert overlap.status_code == 422
    assert overlap.json()["error"]["code"] == "validation_failed"
    assert "пересекаться" in overlap.json()["error"]["message"]
    assert _put(
        client,
        "/api/workforce/curriculum",
        {"region": world.r1.pk, "subject_id": physics.pk, "grades": [{"grade": 9, "hours": 2.5}]},
    ).json() == {"changed": 1}
    entry = _put(
        client,
        "/api/workforce/first-grade-entry",
        {"region": world.r1.pk, "municipality_id": world.m2.pk, "year": 2031, "pupils": 77},
    )
    assert entry.status_code == 200 and entry.json()["pupils"] == 77
    other = _put(
        client,
        "/api/workforce/first-grade-entry",
        {
            "region": world.r1.pk,
            "municipality_id": _other_municipality(world).pk,
            "year": 2031,
            "pupils": 7,
        },
    )
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"
    removed = _put(
        client,
        "/api/workforce/first-grade-entry",
        {"region": world.r1.pk, "municipality_id": world.m2.pk, "year": 2031, "pupils": None},
    )
    assert removed.status_code == 204
    data = client.get(f"/api/workforce/inputs?region={world.r1.pk}").json()
    assert data["leave_rates"] == [
        {"from_age": 14, "to_age": 59, "rate": 0.05},
        {"from_age": 60, "to_age": 70, "rate": 0.2},
    ]
    nine = next(c for c in data["curriculum"] if c["subject_id"] == physics.pk and c["grade"] == 9)
    assert nine == {
        "subject_id": physics.pk,
        "subject": physics.name,
        "grade": 9,
        "hours": 2.5,
        "own": True,
    }
    assert data["first_grade_entry"] == [
        {"municipality_id": world.m1.pk, "municipality": world.m1.name, "year": 2027, "pupils": 80}
    ]
    denied = world.client("municipal").get(f"/api/workforce/inputs?region={world.r1.pk}")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"


def test_a_school_head_opens_a_post_in_the_school_only(world, staffed) -> None:
    from efs.workforce.models import Post, PostEvent

    client, physics = world.client("school_head"), _physics()
    page = client.get(f"/workforce/registry/?region={world.r1.pk}")
    choices = list(page.context["open_form"].fields["organization"].queryset)
    assert choices == [world.org_a]
    data = {
        "region": world.r1.pk,
        "organization": world.org_c.pk,
        "subject": physics.pk,
        "position": "учитель физики",
        "fte": "1,5",
        "opened_on": "2026-09-01",
    }
    refused = client.post("/workforce/posts/new/", data, follow=True)
    assert refused.status_code == 400 and "Выберите корректный вариант" in refused.content.decode()
    assert not Post.objects.filter(position="учитель физики").exists()
    data["organization"] = world.org_a.pk
    opened = client.post("/workforce/posts/new/", data, follow=True)
    post = Post.objects.get(position="учитель физики")
    assert opened.redirect_chain[-1][0] == f"/workforce/posts/{post.pk}/"
    assert (post.organization, post.fte) == (world.org_a, Decimal("1.50"))
    assert PostEvent.objects.filter(post=post, kind="opened", actor=world.users["school_head"]).exists()
    assert "Ставка открыта." in opened.content.decode()
