"""Monitoring's tile maps, the federal side-by-side view, drill-through to people, the
quarterly report and the workforce passports."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.template import Context, Template
from django.utils import timezone
from openpyxl import load_workbook

from efs.monitoring import queries, services
from efs.monitoring.models import Indicator, Level
from efs.people.models import AuditEvent, Educator, Region
from efs.web import tilemap
from tests.monitoring.test_monitoring import _diagnose, _value, diagnosed  # noqa: F401

YEAR = timezone.now().year


def _quarter() -> str:
    today = timezone.now().date()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def test_every_region_has_its_own_tile():
    import json
    from pathlib import Path

    codes = {
        r["code"] for r in json.loads((Path(__file__).parents[2] / "src/efs/people/data/regions.json").read_text())
    }
    assert set(tilemap.REGION_GRID) == codes and len(codes) == 89
    assert len(set(tilemap.REGION_GRID.values())) == 89


def test_tiles_are_coloured_by_value_and_missing_or_hidden_ones_say_no_data():
    regions = [
        (1, "24", "Красноярский край"),
        (2, "54", "Новосибирская область"),
        (3, "77", "Москва"),
        (4, "38", "Иркутская"),
    ]
    items = [
        {"unit_id": 1, "value": 10.0, "display": "10 %"},
        {"unit_id": 2, "value": 50.0, "display": "50 %"},
        {"unit_id": 3, "value": None, "display": "менее 5 человек"},
    ]
    m = tilemap.region_map(items, regions)
    tiles = {t.key: t for t in m.tiles}
    assert tiles[1].fill == tilemap.PALETTES["value"][0] and tiles[2].fill == tilemap.PALETTES["value"][-1]
    assert tiles[3].fill == tiles[4].fill == tilemap.NO_DATA
    assert tiles[3].title == "Москва: менее 5 человек" and tiles[4].display == "нет данных"
    assert m.legend[-1].fill == tilemap.NO_DATA and len(m.legend) == 6 and m.with_data == 2


def test_municipality_grid_is_compact_and_links_through_a_url_name():
    items = [{"municipality": {"pk": 7}, "index": 40.0}]
    m = tilemap.municipality_map(
        items,
        [(7, "город Красноярск"), (8, "Емельяновский район"), (9, "ЗАТО Железногорск")],
        key="municipality.pk",
        value="index",
        display="",
        href=lambda k: f"/m/{k}/",
        palette="risk",
    )
    assert [t.label for t in m.tiles] == ["Емел", "Желе", "Крас"] and [t.key for t in m.tiles] == [8, 9, 7]
    assert m.tiles[2].href == "/m/7/" and m.tiles[2].display == "40,0" and m.tiles[0].fill == tilemap.NO_DATA


def test_the_workforce_include_draws_the_risk_map(world):
    from types import SimpleNamespace

    risks = [SimpleNamespace(municipality=world.m1, index=42.0)]
    html = Template('{% include "workforce/_risk_map.html" %}').render(
        Context({"municipalities": risks, "region": world.r1})
    )
    assert f"/workforce/municipalities/{world.m1.pk}/" in html and "Индекс риска по муниципалитетам" in html
    assert (
        Template('{% include "workforce/_risk_map.html" %}')
        .render(Context({"municipalities": [], "region": world.r1}))
        .strip()
        == ""
    )


def test_dashboards_draw_the_country_and_the_region_maps(diagnosed, client):  # noqa: F811
    w = diagnosed
    services.analytics_build()
    client.force_login(w.users["federal"])
    page = client.get("/monitoring/").content.decode()
    assert page.count("<rect x=") == Region.objects.count() and "нет данных" in page
    assert f"level=region&amp;period={YEAR}&amp;indicator=diagnosed_share&amp;unit={w.r1.pk}" in page
    client.force_login(w.users["regional"])
    page = client.get(f"/monitoring/?level=region&unit={w.r1.pk}").content.decode()
    assert page.count("<rect x=") == w.r1.municipalities.count()


def test_the_federal_operator_compares_every_region_and_sorts_by_an_indicator(diagnosed, client):  # noqa: F811
    w = diagnosed
    services.analytics_build()
    services.target_set(
        actor=w.users["federal"],
        indicator=Indicator.objects.get(code="diagnosed_share"),
        year=YEAR,
        level=Level.REGION,
        unit_id=w.r1.pk,
        value=90,
    )
    client.force_login(w.users["federal"])
    response = client.get(
        f"/monitoring/regions/?indicator=diagnosed_share&indicator=route_share&period={YEAR}&sort=diagnosed_share"
    )
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == Region.objects.count()
    with_value = [r for r in rows if r.values[0] is not None and r.values[0].value is not None]
    assert [r.region_id for r in with_value] == sorted(
        [r.region_id for r in with_value], key=lambda pk: -_value(Level.REGION, pk).value
    )
    assert rows[0].values[0].target is not None or rows[1].values[0].target is not None
    api = client.get(f"/api/monitoring/regions?indicator=diagnosed_share&period={YEAR}").json()
    assert api["indicators"] == ["diagnosed_share"] and len(api["regions"]) == Region.objects.count()
    r1 = next(r for r in api["regions"] if r["region_id"] == w.r1.pk)
    assert r1["values"][0]["numerator"] == _value(Level.REGION, w.r1.pk).numerator
    bad = client.get(f"/api/monitoring/regions?indicator=nonsense&period={YEAR}")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "indicator_unknown"


def test_a_regional_operator_may_not_compare_regions(diagnosed, client):  # noqa: F811
    client.force_login(diagnosed.users["regional"])
    assert client.get("/monitoring/regions/").status_code == 403
    assert client.get(f"/api/monitoring/regions?period={YEAR}").status_code == 403


def test_drill_through_lists_only_people_in_scope_and_is_logged(diagnosed, client):  # noqa: F811
    w = diagnosed
    client.force_login(w.users["school_head"])
    response = client.get(f"/monitoring/people/?level=organization&unit={w.org_a.pk}")
    assert response.status_code == 200
    shown = {e.pk for e in response.context["items"]}
    assert shown == set(Educator.objects.filter(organization=w.org_a, is_active=True).values_list("pk", flat=True))
    event = AuditEvent.objects.get(actor=w.users["school_head"], object_type="people.educator")
    assert event.count == len(shown) and event.region_id == w.r1.pk and "Мониторинг" in event.object_repr
    assert client.get(f"/monitoring/people/?level=region&unit={w.r1.pk}").status_code == 404
    assert client.get("/monitoring/people/?level=federal&unit=0").status_code == 404
    assert AuditEvent.objects.filter(actor=w.users["school_head"]).count() == 1


def test_the_quarterly_report_in_xlsx_and_pdf(diagnosed, client):  # noqa: F811
    w = diagnosed
    services.analytics_build()
    client.force_login(w.users["regional"])
    page = client.get(f"/monitoring/report/?region={w.r1.pk}&quarter={_quarter()}")
    assert page.status_code == 200
    lines = {line.indicator.code: line for line in page.context["report"].lines}
    region_value = _value(Level.REGION, w.r1.pk, period=_quarter())
    assert lines["diagnosed_share"].value.numerator == region_value.numerator
    book = load_workbook(
        io.BytesIO(client.get(f"/monitoring/report/?region={w.r1.pk}&quarter={_quarter()}&format=xlsx").content)
    )
    assert len(book.sheetnames) == 2 and book.sheetnames[0] == "Регион"  # the region, then its municipalities
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    diag = next(r for r in rows if r[1] == "diagnosed_share")
    assert diag[4] == region_value.numerator and diag[5] == region_value.denominator
    munis = list(book.worksheets[1].iter_rows(values_only=True))[1:]
    assert all(r[3] is None for r in munis if r[6] == "менее 5 человек")
    pdf = client.get(f"/monitoring/report/?region={w.r1.pk}&quarter={_quarter()}&format=pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("quarter", ["2026-Q5", "2026", "abc", "2026-Q1\x00"])
def test_a_bad_quarter_is_a_russian_message(diagnosed, client, quarter):  # noqa: F811
    client.force_login(diagnosed.users["regional"])
    response = client.get("/monitoring/report/", {"region": diagnosed.r1.pk, "quarter": quarter, "format": "xlsx"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    if "\x00" not in quarter:  # a NUL byte is refused before the view, by the security middleware
        assert "ГГГГ-Qn" in response.content.decode()


def test_vacancy_rate_is_vacant_fte_over_open_fte(world):
    from efs.workforce.models import Assignment, Post

    services.starter_indicators_load()
    opened = dt.date(YEAR - 1, 1, 1)
    full = Post.objects.create(
        region=world.r1, organization=world.org_a, position="учитель математики", fte=2, opened_on=opened
    )
    Post.objects.create(region=world.r1, organization=world.org_a, position="учитель физики", fte=1, opened_on=opened)
    Assignment.objects.create(post=full, region=world.r1, educator=world.self_educator, fte=1.5, started_on=opened)
    services.analytics_build()
    value = _value(Level.ORGANIZATION, world.org_a.pk, code="vacancy_rate", period=str(YEAR))
    assert (value.numerator, value.denominator) == (150, 300) and value.value == pytest.approx(50.0)
    assert Indicator.objects.get(code="vacancy_rate").direction == "down"
    assert (
        queries.indicator_values(
            indicator=Indicator.objects.get(code="aged_60_share"),
            level=Level.REGION,
            period=str(YEAR),
            unit_ids=[world.r1.pk],
        )[0].denominator
        == 1
    )


def test_the_federal_home_page_reads_headcounts_from_the_analytics_table(diagnosed, client):  # noqa: F811
    from tests.conftest import make_educator

    w = diagnosed
    services.analytics_build()
    built = Educator.objects.filter(organization__region=w.r1, is_active=True).count()
    make_educator(w.org_a, "Новенькая")  # not in the table until the next build
    client.force_login(w.users["federal"])
    assert client.get("/").status_code == 200
    assert next(r for r in _federal_rows(w) if r["code"] == "24")["educators"] == built
    services.analytics_build()
    assert next(r for r in _federal_rows(w) if r["code"] == "24")["educators"] == built + 1


def _federal_rows(w) -> list[dict]:
    """The federal section of the home page's context (the page itself serves cached HTML)."""
    from efs.people import access
    from efs.web.views import _home_context

    user = w.users["federal"]
    grants = access.grants(user)
    return _home_context(user, grants, {g.role for g in grants})["sections"]["federal_operator"]["regions"]


def test_the_api_drill_through_pages_and_logs_what_it_returned(diagnosed, client):  # noqa: F811
    w = diagnosed
    client.force_login(w.users["municipal"])
    first = client.get(f"/api/monitoring/people?level=organization&unit={w.org_a.pk}&limit=1").json()
    in_org = Educator.objects.filter(organization=w.org_a, is_active=True).count()
    assert first["count"] == in_org and len(first["items"]) == 1
    assert AuditEvent.objects.get(actor=w.users["municipal"]).count == 1
    assert client.get(f"/api/monitoring/people?level=organization&unit={w.org_d.pk}").status_code == 404
    assert client.get(f"/api/monitoring/people?level=federal&unit={w.org_a.pk}").status_code == 422
    assert AuditEvent.objects.filter(actor=w.users["municipal"]).count() == 1


def test_the_api_report_agrees_with_the_values(diagnosed, client):  # noqa: F811
    w = diagnosed
    services.analytics_build()
    client.force_login(w.users["regional"])
    body = client.get(f"/api/monitoring/report?region={w.r1.pk}&quarter={_quarter()}").json()
    line = next(x for x in body["lines"] if x["indicator"] == "diagnosed_share")
    assert line["region"]["numerator"] == _value(Level.REGION, w.r1.pk, period=_quarter()).numerator
    assert body["municipality_count"] == w.r1.municipalities.count()
    assert all(m["numerator"] is None for m in line["municipalities"] if m["suppressed"])
    assert client.get(f"/api/monitoring/report?region={w.r2.pk}&quarter={_quarter()}").status_code == 403


def test_the_new_pages_make_a_fixed_number_of_queries(diagnosed):  # noqa: F811
    """Their cost does not grow with schools or people (the drill-through's page is bounded)."""
    from tests.conftest import make_educator, make_org, queries_of

    w = diagnosed
    services.analytics_build()
    pages = [
        ("federal", f"/monitoring/regions/?period={YEAR}"),
        ("regional", f"/monitoring/report/?region={w.r1.pk}&quarter={_quarter()}"),
        ("regional", f"/monitoring/people/?level=region&unit={w.r1.pk}"),
        ("federal", f"/api/monitoring/regions?period={YEAR}"),
    ]
    before = [queries_of(w.client(who), url) for who, url in pages]
    for n in range(3):
        _diagnose(make_educator(make_org(w.r1, w.m2, f"МБОУ СОШ № {20 + n}"), f"Соколова{n}"))
    services.analytics_build()
    after = [queries_of(w.client(who), url) for who, url in pages]
    assert before == after == [16, 22, 12, 13]  # one read of the facts for all passports
