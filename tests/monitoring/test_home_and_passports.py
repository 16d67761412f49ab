"""The home pages of the school head and the operators read monitoring's analytics table (a fixed
number of queries whatever the size of the region, small groups hidden below the region level),
and a region's own passports: composed of the registry's elements, versioned, edited only by
the region's operators."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.monitoring import home, queries, services
from efs.monitoring.models import FormulaVersion, Indicator, Level
from efs.people.models import Educator, OrganizationKind
from efs.routes.models import Route, RouteStatus
from tests.conftest import make_educator, make_org, queries_of

pytestmark = pytest.mark.django_db
YEAR = timezone.now().year


def _route(educator: Educator, status: str) -> Route:
    today = timezone.localdate()
    return Route.objects.create(
        educator=educator,
        region=educator.region,
        organization=educator.organization,
        status=status,
        period_start=today,
        period_end=today + dt.timedelta(days=180),
    )


def _grow(world, schools: int, per_school: int) -> None:
    """More schools in both municipalities of region 24, each with teachers and routes."""
    for n in range(schools):
        org = make_org(world.r1, world.m1 if n % 2 else world.m2, f"МБОУ СОШ № {100 + n}")
        for k in range(per_school):
            educator = make_educator(org, f"Учитель{n}_{k}", consent=False)
            if k % 2:
                _route(educator, RouteStatus.APPROVED)


def _home_queries(world) -> dict[str, int]:
    counts = {}
    for who in ("school_head", "municipal", "regional"):
        cache.clear()  # the deficit map's cache: both sizes are measured cold
        counts[who] = queries_of(world.client(who), "/")
    return counts


def test_home_pages_read_the_analytics_table_in_a_fixed_number_of_queries(world):
    _grow(world, 2, 3)
    services.analytics_build()
    small = _home_queries(world)
    _grow(world, 12, 9)
    services.analytics_build()
    large = _home_queries(world)
    assert small == large == {"school_head": 11, "municipal": 11, "regional": 12}


def test_the_home_figures_are_the_tables_and_say_their_date(world):
    for n in range(6):
        make_educator(world.org_a, f"Новикова{n}", consent=False)
    make_educator(world.org_b, "Руководитель", category="manager", consent=False)
    for educator in Educator.objects.filter(organization=world.org_a)[:5]:
        _route(educator, RouteStatus.IN_PROGRESS)
    services.analytics_build()
    make_educator(world.org_a, "Позже", consent=False)  # not in the figures until the next build
    response = world.client("regional").get("/")
    region = response.context["sections"]["regional_operator"]["regions"][0]["figures"]
    in_region = Educator.objects.filter(region=world.r1, is_active=True).count() - 1
    assert region.staff.total == in_region and region.staff.by_category["manager"] == 1
    assert region.routes.with_route == 5 and region.routes.by_status["in_progress"] == 5
    assert dict(region.kinds)[OrganizationKind.SCHOOL.label] == 3
    assert "данные на" in response.content.decode()
    # The school: 8 educators with 5 routes is shown; a 1-person category is not, nor a 3-person rest.
    school = world.client("school_head").get("/").context["sections"]["school_head"]["figures"]
    assert school.staff.total == 8 and not school.staff.categories_hidden
    assert school.routes.with_route is None and school.routes.statuses_hidden is False
    municipality = home.units_home(world.users["municipal"], "municipal_operator")
    assert municipality.staff.by_category == {"teacher": 9, "manager": 1, "student": 0}
    assert municipality.staff.categories_hidden  # the one manager
    assert municipality.staff.total == 10


def test_before_the_first_build_the_cards_say_what_is_missing(world):
    body = world.client("school_head").get("/").content.decode()
    assert "после первой ночной сборки" in body


# ---------------------------------------------------------------- a region's own passports


def _form(**changes) -> dict:
    data = {
        "code": "r24_trained_per_1000",
        "name": "Обученных в ЦНППМ на 1 000 педагогов",
        "description": "",
        "numerator": ["educators_trained_cnppm"],
        "denominator": ["educators"],
        "factor": "1000",
        "unit": "‰",
        "periodicity": "quarter",
        "direction": "up",
        "source": "Платформа ЕФС НМС",
        "owner_organization": "",
        "owner": "",
    }
    data.update(changes)
    return data


def test_the_regional_operator_creates_and_versions_a_passport_others_read_it(world):
    services.starter_indicators_load()
    regional = world.client("regional")
    ministry = make_org(world.r1, None, "Министерство образования", kind=OrganizationKind.MINISTRY)
    response = regional.post(
        "/monitoring/passports/new/",
        _form(owner_organization=ministry.pk, owner=world.users["regional"].pk),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    made = Indicator.objects.get(code="r24_trained_per_1000")
    assert (made.region, made.owner_organization, made.owner) == (world.r1, ministry, world.users["regional"])
    assert FormulaVersion.objects.get(indicator=made).factor == 1000
    listing = world.client("school_head").get("/monitoring/passports/")
    assert made in [row[0] for row in listing.context["own"]] and not listing.context["can_edit"]
    assert "diagnosed_share" in {row[0].code for row in listing.context["federal"]}
    assert world.client("regional_other").get("/monitoring/passports/").context["own"] == []
    # Only the region's own operators edit it: the federal operator and another region may not.
    assert world.client("federal").get(f"/monitoring/passports/new/?region={world.r1.pk}").status_code == 403
    assert world.client("regional_other").get("/monitoring/passports/r24_trained_per_1000/edit/").status_code == 404
    assert world.client("school_head").get("/monitoring/passports/r24_trained_per_1000/edit/").status_code == 404
    # A renamed passport keeps its formula; a changed factor is version 2, and values name it.
    edit = "/monitoring/passports/r24_trained_per_1000/edit/"
    assert regional.post(edit, _form(name="Обученные на 1 000")).status_code == 302
    assert FormulaVersion.objects.filter(indicator=made).count() == 1
    assert regional.post(edit, _form(name="Обученные на 1 000", factor="100", unit="%", note="в %")).status_code == 302
    services.analytics_build()
    value = queries.indicator_values(
        indicator=Indicator.objects.get(pk=made.pk), level=Level.REGION, period=str(YEAR), unit_ids=[world.r1.pk]
    )[0]
    assert value.formula_version == 2 and Indicator.objects.get(pk=made.pk).name == "Обученные на 1 000"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"numerator": ["educators; DROP TABLE"]}, "Неизвестный элемент данных"),
        ({"denominator": []}, "нужен знаменатель"),
        ({"code": "diagnosed_share"}, "уже есть"),
        ({"numerator": []}, "хотя бы один элемент"),
        ({"factor": "0"}, "больше либо равно"),
    ],
)
def test_a_passport_form_refuses_in_russian(world, changes, message):
    services.starter_indicators_load()
    response = world.client("regional").post("/monitoring/passports/new/", _form(**changes))
    assert response.status_code in (400, 409, 422)
    assert message in response.content.decode()
    assert not Indicator.objects.filter(region=world.r1).exists()


def test_a_regional_share_needs_a_denominator_the_region_has(world):
    services.analytics_build()
    with pytest.raises(ValidationFailed) as exc:
        services.indicator_create(
            actor=world.users["regional"],
            region=world.r1,
            code="r24_vacant",
            name="Вакантные ставки",
            numerator=["workforce_vacant_fte"],
            denominator=["workforce_post_fte"],
            factor=Decimal(100),
        )
    assert exc.value.code == "denominator_zero"
    with pytest.raises(PermissionDenied):
        services.indicator_create(
            actor=world.users["regional_other"],
            region=world.r1,
            code="r24_x",
            name="x",
            numerator=["educators"],
            denominator=[],
            factor=Decimal(1),
            unit="",
        )


def test_the_passport_api_creates_versions_and_refuses(world):
    services.starter_indicators_load()
    regional = world.client("regional")
    body = {
        "code": "r24_managers",
        "name": "Доля руководителей",
        "numerator": ["educators_manager"],
        "denominator": ["educators"],
        "factor": "100",
        "unit": "%",
        "region": world.r1.pk,
    }
    created = regional.post("/api/monitoring/indicators", body, content_type="application/json")
    assert created.status_code == 201 and created.json()["formula_version"] == 1
    again = regional.post("/api/monitoring/indicators", body, content_type="application/json")
    assert again.status_code == 409
    other = world.client("regional_other").post(
        "/api/monitoring/indicators", {**body, "code": "r24_m2"}, content_type="application/json"
    )
    assert other.status_code == 403
    long = regional.post("/api/monitoring/indicators", {**body, "code": "x" * 41}, content_type="application/json")
    assert long.status_code == 422
    change = {k: v for k, v in body.items() if k not in ("code", "region")} | {"factor": "1000", "unit": "‰"}
    changed = regional.put("/api/monitoring/indicators/r24_managers", change, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["formula_version"] == 2
    federal = regional.put("/api/monitoring/indicators/diagnosed_share", change, content_type="application/json")
    assert federal.status_code == 404
    codes = {e["code"] for e in world.client("school_head").get("/api/monitoring/elements").json()}
    assert {"educators", "educators_manager", "routes_approved"} <= codes
    with pytest.raises(Conflict):
        services.indicator_create(
            actor=world.users["regional"],
            region=world.r1,
            code="r24_managers",
            name="x",
            numerator=["educators"],
            denominator=[],
            factor=Decimal(1),
            unit="",
        )
