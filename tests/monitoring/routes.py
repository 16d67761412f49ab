"""Monitoring pages and endpoints in the role × scope matrix: aggregates of one's own units only;
a target is set only by the operator of that region, and a refused one leaves nothing behind."""

from __future__ import annotations

import datetime as dt

from efs.monitoring.models import Target
from efs.monitoring.services import starter_indicators_load
from tests.matrix import ROUTES, Route, by_role

YEAR = dt.date.today().year


def _passports(world, state):
    if "passports" not in state:
        starter_indicators_load()
        state["passports"] = True


def _page(statuses: dict[str, int]):
    return by_role(statuses, anonymous=302, default=403)


def _target_made(expected_ok: set[str]):
    def check(who, world, response):
        made = Target.objects.filter(level="region", unit_id=world.r1.pk, year=YEAR).exists()
        assert made == (who in expected_ok), f"{who}: target saved = {made}"

    return check


READERS_200 = {"school_head": 200, "municipal": 200, "regional": 200, "regional_other": 200, "federal": 200}
REGION_1 = {"regional": 200, "federal": 200, "regional_other": 404, "school_head": 404, "municipal": 404}

ROUTES += [
    Route("monitoring:dashboard", "GET", lambda w, s: "/monitoring/", _page(READERS_200), setup=_passports),
    Route(
        "monitoring:dashboard",
        "GET",
        lambda w, s: f"/monitoring/?level=region&unit={w.r1.pk}",
        _page(REGION_1),
        setup=_passports,
        label="region 24",
    ),
    Route(
        "monitoring:dashboard",
        "GET",
        lambda w, s: f"/monitoring/?level=organization&unit={w.org_a.pk}",
        _page({"school_head": 200, "municipal": 200, "regional": 200, "federal": 200, "regional_other": 404}),
        setup=_passports,
        label="school A",
    ),
    Route(
        "monitoring:indicator",
        "GET",
        lambda w, s: f"/monitoring/indicators/diagnosed_share/?level=region&unit={w.r1.pk}",
        _page(REGION_1),
        setup=_passports,
    ),
    Route(
        "monitoring:indicator",
        "POST",
        lambda w, s: f"/monitoring/indicators/diagnosed_share/?level=region&unit={w.r1.pk}",
        _page({"regional": 302, "federal": 302, "regional_other": 404, "school_head": 404, "municipal": 404}),
        setup=_passports,
        data=lambda w, s: {"year": YEAR, "value": "55", "cascade": "on"},
        check=_target_made({"regional", "federal"}),
    ),
    Route(
        "api-1.0.0:indicators",
        "GET",
        lambda w, s: "/api/monitoring/indicators",
        by_role(READERS_200, default=403),
        setup=_passports,
    ),
    Route(
        "api-1.0.0:values",
        "GET",
        lambda w, s: f"/api/monitoring/values?indicator=diagnosed_share&level=region&unit={w.r1.pk}&period={YEAR}",
        by_role(REGION_1, default=403),
        setup=_passports,
    ),
    Route(
        "api-1.0.0:target_set",
        "POST",
        lambda w, s: "/api/monitoring/targets",
        by_role(
            {"regional": 201, "federal": 201, "regional_other": 403, "school_head": 403, "municipal": 403}, default=403
        ),
        setup=_passports,
        json=True,
        data=lambda w, s: {
            "indicator": "diagnosed_share",
            "year": YEAR,
            "level": "region",
            "unit": w.r1.pk,
            "value": "55",
        },
        check=_target_made({"regional", "federal"}),
    ),
]


def _built(world, state):
    _passports(world, state)
    if "built" not in state:
        from efs.monitoring.services import analytics_build
        from efs.people.models import Educator

        Educator.objects.update(
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=45)
        )  # a directory that existed last month

        analytics_build()
        state["built"] = True


def _last_month_text():
    from efs.periods import add_months, month_start

    return f"{add_months(month_start(dt.date.today()), -1):%Y-%m}"


def _release(world, state):
    _built(world, state)
    if "release" not in state:
        from efs.monitoring.services import release_publish
        from efs.periods import add_months, month_start

        state["release"] = release_publish(
            actor=world.users["regional"], region=world.r1, month=add_months(month_start(dt.date.today()), -1)
        ).pk


def _released(expected_ok: set[str]):
    def check(who, world, response):
        from efs.monitoring.models import Release

        made = Release.objects.filter(region=world.r1, version=2).exists()
        assert made == (who in expected_ok), f"{who}: released = {made}"

    return check


OPERATORS_ONLY = {"regional": 200, "regional_other": 200, "federal": 200}

ROUTES += [
    Route("monitoring:releases", "GET", lambda w, s: "/monitoring/releases/", _page(OPERATORS_ONLY), setup=_release),
    Route(
        "monitoring:releases",
        "POST",
        lambda w, s: "/monitoring/releases/",
        _page({"regional": 302, "federal": 302, "regional_other": 400}),
        setup=_release,
        data=lambda w, s: {"region": w.r1.pk, "month": _last_month_text(), "note": "проверка"},
        check=_released({"regional", "federal"}),
    ),
    Route(
        "monitoring:release",
        "GET",
        lambda w, s: f"/monitoring/releases/{s['release']}/",
        _page({"regional": 200, "federal": 200, "regional_other": 404}),
        setup=_release,
    ),
]


def _quarter_text():
    from efs.periods import month_start

    today = month_start(dt.date.today())
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def _people_logged(expected_ok: set[str], unit=lambda w: w.r1.name):
    """An audit event of this user's drill-through into this unit (by its name in the description)."""

    def check(who, world, response):
        from efs.people.models import AuditEvent

        user = response.wsgi_request.user  # the login that asked (the macroregion's operator, too)
        logged = (
            user.is_authenticated
            and AuditEvent.objects.filter(
                actor=user,
                object_type="people.educator",
                object_repr__startswith="Мониторинг",
                object_repr__contains=unit(world),
            ).exists()
        )
        assert logged == (who in expected_ok), f"{who}: drill-through logged = {logged}"

    return check


FEDERAL_ONLY = {"federal": 200, "school_head": 403, "municipal": 403, "regional": 403, "regional_other": 403}
REPORT_R1 = {"regional": 200, "federal": 200, "regional_other": 400}
SCHOOL_A = {"school_head": 200, "municipal": 200, "regional": 200, "federal": 200, "regional_other": 404}


def _report_url(fmt: str):
    return lambda w, s: f"/monitoring/report/?region={w.r1.pk}&quarter={_quarter_text()}&format={fmt}"


ROUTES += [
    Route(
        "monitoring:compare",
        "GET",
        lambda w, s: f"/monitoring/regions/?indicator=diagnosed_share&indicator=vacancy_rate&period={YEAR}",
        _page(FEDERAL_ONLY),
        setup=_built,
    ),
    Route(
        "monitoring:people",
        "GET",
        lambda w, s: f"/monitoring/people/?level=region&unit={w.r1.pk}",
        _page(REGION_1),
        setup=_passports,
        check=_people_logged({"regional", "federal"}),
    ),
    Route(
        "monitoring:people",
        "GET",
        lambda w, s: f"/monitoring/people/?level=organization&unit={w.org_a.pk}",
        _page(SCHOOL_A),
        setup=_passports,
        label="school A",
        check=_people_logged({"school_head", "municipal", "regional", "federal"}, unit=lambda w: w.org_a.short_name),
    ),
    Route("monitoring:report", "GET", lambda w, s: "/monitoring/report/", _page(OPERATORS_ONLY), setup=_built),
    Route(
        "monitoring:report",
        "GET",
        lambda w, s: f"/monitoring/report/?region={w.r1.pk}&quarter={_quarter_text()}&format=xlsx",
        _page(REPORT_R1),
        setup=_built,
        label="xlsx",
    ),
    Route(
        "monitoring:report",
        "GET",
        lambda w, s: f"/monitoring/report/?region={w.r1.pk}&quarter={_quarter_text()}&format=pdf",
        _page(REPORT_R1),
        setup=_built,
        label="pdf",
    ),
    Route(
        "api-1.0.0:compare",
        "GET",
        lambda w, s: f"/api/monitoring/regions?indicator=diagnosed_share&period={YEAR}",
        by_role(FEDERAL_ONLY, default=403),
        setup=_built,
    ),
]

ROUTES += [
    Route(
        "api-1.0.0:people",
        "GET",
        lambda w, s: f"/api/monitoring/people?level=region&unit={w.r1.pk}",
        by_role(REGION_1, default=403),
        setup=_passports,
        check=_people_logged({"regional", "federal"}),
    ),
    Route(
        "api-1.0.0:report",
        "GET",
        lambda w, s: f"/api/monitoring/report?region={w.r1.pk}&quarter={_quarter_text()}",
        by_role({"regional": 200, "federal": 200, "regional_other": 403}, default=403),
        setup=_built,
    ),
]


# ---------------------------------------------------------------- a region's own passports


def _own_passport(world, state):
    _passports(world, state)
    if "own" not in state:
        from decimal import Decimal

        from efs.monitoring.services import indicator_create

        state["own"] = indicator_create(
            actor=world.users["regional"],
            region=world.r1,
            code="r24_own",
            name="Доля руководителей",
            numerator=["educators_manager"],
            denominator=["educators"],
            factor=Decimal(100),
        ).code


def _r1_passports(world, state):
    from efs.monitoring.models import Indicator

    return Indicator.objects.filter(region=world.r1).count()


def _r1_versions(world, state):
    from efs.monitoring.models import FormulaVersion

    return FormulaVersion.objects.filter(indicator__region=world.r1).count()


def _passport_form(code: str = ""):
    def data(world, state):
        body = {
            "name": "Обученных в ЦНППМ на 1 000 педагогов",
            "numerator": ["educators_trained_cnppm"],
            "denominator": ["educators"],
            "factor": "1000",
            "unit": "‰",
            "periodicity": "year",
            "direction": "up",
            "note": "на тысячу",
        }
        return body | ({"code": code} if code else {})

    return data


ROUTES += [
    Route(
        "monitoring:passports", "GET", lambda w, s: "/monitoring/passports/", _page(READERS_200), setup=_own_passport
    ),
    Route(
        "monitoring:passports",
        "GET",
        lambda w, s: f"/monitoring/passports/?region={w.r1.pk}",
        _page(REGION_1),
        setup=_own_passport,
        label="region 24",
    ),
    Route(
        "monitoring:passport_new",
        "GET",
        lambda w, s: f"/monitoring/passports/new/?region={w.r1.pk}",
        _page({"regional": 200, "federal": 403, "regional_other": 404, "school_head": 404, "municipal": 404}),
        setup=_own_passport,
    ),
    Route(
        "monitoring:passport_new",
        "POST",
        lambda w, s: f"/monitoring/passports/new/?region={w.r1.pk}",
        _page({"regional": 302, "federal": 403, "regional_other": 404, "school_head": 404, "municipal": 404}),
        setup=_own_passport,
        data=_passport_form("r24_trained"),
        observe=_r1_passports,
        changes={"regional"},
    ),
    Route(
        "monitoring:passport_edit",
        "GET",
        lambda w, s: f"/monitoring/passports/{s['own']}/edit/",
        by_role({"regional": 200, "federal": 403}, anonymous=302, default=404),
        setup=_own_passport,
    ),
    Route(
        "monitoring:passport_edit",
        "POST",
        lambda w, s: f"/monitoring/passports/{s['own']}/edit/",
        by_role({"regional": 302, "federal": 403}, anonymous=302, default=404),
        setup=_own_passport,
        data=_passport_form(),
        observe=_r1_versions,
        changes={"regional"},
    ),
    Route(
        "api-1.0.0:elements",
        "GET",
        lambda w, s: "/api/monitoring/elements",
        by_role(READERS_200, default=403),
        setup=_own_passport,
    ),
    Route(
        "api-1.0.0:passport_create",
        "POST",
        lambda w, s: "/api/monitoring/indicators",
        by_role({"regional": 201}, default=403),
        setup=_own_passport,
        json=True,
        data=lambda w, s: _passport_form("r24_api")(w, s) | {"region": w.r1.pk},
        observe=_r1_passports,
        changes={"regional"},
    ),
    Route(
        "api-1.0.0:passport_update",
        "PUT",
        lambda w, s: f"/api/monitoring/indicators/{s['own']}",
        by_role({"regional": 200}, default=403),
        setup=_own_passport,
        json=True,
        data=lambda w, s: _passport_form()(w, s) | {"factor": "10000", "unit": "на 10 000"},
        observe=_r1_versions,
        changes={"regional"},
    ),
]
