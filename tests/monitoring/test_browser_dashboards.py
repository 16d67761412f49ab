"""The monitoring dashboards in a real browser (headless Chromium): the regional dashboard with
its cards, municipal tile map and drill-down to a municipality; the federal operator's regions
side by side; a monthly release signed off by the regional operator."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db.models import F
from django.utils import timezone

from efs.diagnostics.models import Attempt
from efs.monitoring import services
from efs.monitoring.models import Indicator, Level, Release
from efs.people.models import Educator
from tests.conftest import make_educator
from tests.diagnostics.conftest import small_framework
from tests.monitoring.test_browser import CHROMIUM, _as, chromium  # noqa: F401  (the fixture)
from tests.monitoring.test_monitoring import _diagnose

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; the browser test is skipped"),
]


@pytest.fixture
def region_built(world):
    """Region 24: Krasnoyarsk with 10 educators, 6 of them diagnosed (shown); Achinsk with one,
    diagnosed (hidden: under 5 people); region 54 with its one, diagnosed. The people and the
    attempts date from last month, so last month can be released. Target 90 % for region 24,
    cascaded to its municipalities."""
    small_framework()
    for n in range(7):
        make_educator(world.org_b, f"Новикова{n}", consent=False)
    krasnoyarsk = Educator.objects.filter(organization__municipality=world.m1).order_by("pk")
    for educator in list(krasnoyarsk)[:6]:
        _diagnose(educator)
    for educator in (world.other_muni, world.other_region):
        _diagnose(educator)
    Educator.objects.update(created_at=timezone.now() - dt.timedelta(days=70))
    Attempt.objects.update(finished_at=F("finished_at") - dt.timedelta(days=40))
    services.starter_indicators_load()
    services.target_set(
        actor=world.users["regional"],
        indicator=Indicator.objects.get(code="diagnosed_share"),
        year=timezone.now().year,
        level=Level.REGION,
        unit_id=world.r1.pk,
        value="90",
        cascade=True,
    )
    services.analytics_build()
    return world


def test_the_regional_dashboard_shows_cards_a_map_and_drills_down_to_a_municipality(
    region_built, live_server, chromium  # noqa: F811
):
    w = region_built
    page = _as(chromium, live_server, w.users["regional"])
    page.goto(f"{live_server.url}/monitoring/?indicator=diagnosed_share")
    assert "Мониторинг: Красноярский край" in page.inner_text("h1")
    card = page.locator(".card", has_text="Доля педагогов, прошедших диагностику").first
    assert "отстаёт" in card.inner_text() and "цель 90" in card.inner_text()
    assert page.locator("svg.efs-tilemap-svg").count() == 1
    ranking = page.inner_text("table")
    assert "Красноярск" in ranking and "Ачинск" in ranking and "менее 5 человек" in ranking

    page.click(f'svg.efs-tilemap-svg a[href*="unit={w.m1.pk}"]')  # a tile of the map
    page.wait_for_url(re.compile(rf"level=municipality.*unit={w.m1.pk}|unit={w.m1.pk}.*level=municipality"))
    assert "Мониторинг: Красноярск" in page.inner_text("h1")
    organizations = page.inner_text("table")
    assert "МБОУ СШ № 2" in organizations  # the next level: the municipality's organizations

    page.go_back()
    page.click("table a:text-is('Ачинск')")  # a row of the ranking
    assert "Мониторинг: Ачинск" in page.inner_text("h1")
    assert "менее 5 человек" in page.inner_text("main")


def test_the_federal_operator_compares_regions_and_opens_one(region_built, live_server, chromium):  # noqa: F811
    w = region_built
    page = _as(chromium, live_server, w.users["federal"])
    page.goto(f"{live_server.url}/monitoring/")
    page.click("text=Регионы рядом")
    assert "Регионы рядом" in page.inner_text("h1")
    rows = page.locator("tbody tr")
    assert rows.count() == 89
    first_two = [rows.nth(i).inner_text() for i in range(2)]
    # Sorted best first by the first indicator (the share diagnosed): region 54 (1 of 1) leads.
    page.click("thead a:text-is('Доля педагогов, прошедших диагностику профессиональных дефицитов')")
    leader = page.locator("tbody tr").first.inner_text()
    assert "Новосибирская область" in leader and "100" in leader
    assert any("Красноярский край" in row or "Новосибирская область" in row for row in first_two)
    assert page.locator("svg.efs-tilemap-svg").count() == 1
    page.click("tbody a:text-is('Красноярский край')")
    assert "Мониторинг: Красноярский край" in page.inner_text("h1")

    regional = _as(chromium, live_server, w.users["regional"])
    refused = regional.goto(f"{live_server.url}/monitoring/regions/")
    assert refused is not None and refused.status == 403


def test_the_regional_operator_signs_off_last_month(region_built, live_server, chromium):  # noqa: F811
    w = region_built
    last_month = (timezone.now().date().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    page = _as(chromium, live_server, w.users["regional"])
    page.goto(f"{live_server.url}/monitoring/releases/")
    assert "Ни один месяц ещё не выпущен" in page.inner_text("main")

    page.select_option("#id_region", str(w.r1.pk))
    page.fill("#id_month", timezone.now().strftime("%Y-%m"))  # the month under way: refused
    with page.expect_navigation():
        page.click("text=Подписать и зафиксировать")
    assert "Выпустить можно только завершившийся месяц" in page.inner_text("main")
    assert not Release.objects.exists()

    page.select_option("#id_region", str(w.r1.pk))
    page.fill("#id_month", last_month)
    page.fill("#id_note", "Данные сверены с муниципалитетами")
    with page.expect_navigation():
        page.click("text=Подписать и зафиксировать")
    assert "Выпуск подписан и зафиксирован" in page.inner_text("body")
    release = Release.objects.get()
    assert (release.region, release.signed_by, release.version) == (w.r1, w.users["regional"], 1)
    body = page.inner_text("main")
    assert "Красноярский край" in body and "Данные сверены с муниципалитетами" in body
    assert "Доля педагогов, прошедших диагностику" in body and "менее 5 человек" in body  # Ачинск hidden

    page.goto(f"{live_server.url}/monitoring/releases/")
    assert page.locator("tbody tr").count() == 1
