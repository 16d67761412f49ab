"""The workforce pages in a real browser (headless Chromium through Playwright): the charts
show the tables' figures, the strict CSP blocks nothing the pages need, and the main flow
(change an input, recalculate, read the forecast) works by clicking."""

from __future__ import annotations

import re

import pytest

from efs.workforce import services
from tests.web.test_browser import CHROMIUM

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; skipped"),
]
PASSWORD = "Оператор-2026"


def _log_in(page, live_server, world, who: str) -> list[str]:
    """Log ``who`` in; returns the list the page's console errors are collected into."""
    user = world.users[who]
    user.set_password(PASSWORD)
    user.save()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("load")
    return errors


def _number(text: str) -> float:
    return float(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


# Read at the page's load event: what the canvases show then is what a reader, a printout
# or a screenshot sees first. Each chart's drawn elements against the pixel its scale gives
# for the value it holds.
CHART_STATE = """() => {
  const gap = Chart.getChart("gap-chart"), ages = Chart.getChart("age-chart");
  const drawn = (chart, horizontal) => chart.data.datasets.map((set, i) =>
    chart.getDatasetMeta(i).data.map((el, j) => ({
      value: set.data[j],
      at: horizontal ? el.x : el.y,
      expected: horizontal ? chart.scales.x.getPixelForValue(set.data[j])
                           : chart.scales.y.getPixelForValue(set.data[j]),
    })));
  return {gap: drawn(gap, false), ages: drawn(ages, true), agesMax: ages.scales.x.max};
}"""


def test_overview_charts_show_the_figures_of_their_tables(world, staffed, live_server, browser_page):
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=5)
    page = browser_page
    errors = _log_in(page, live_server, world, "regional")
    page.goto(f"{live_server.url}/workforce/?region={world.r1.pk}", wait_until="load")
    state = page.evaluate(CHART_STATE)
    rows = page.locator("table").first.locator("tbody tr").all_inner_texts()
    supply = [_number(r.split("\t")[1]) for r in rows]
    demand = [_number(r.split("\t")[2]) for r in rows]
    assert [p["value"] for p in state["gap"][0]] == pytest.approx(supply, abs=0.051)
    assert [p["value"] for p in state["gap"][1]] == pytest.approx(demand, abs=0.051)
    for series in state["gap"] + state["ages"]:
        for point in series:
            assert point["at"] == pytest.approx(point["expected"], abs=1.0), point
    biggest = max(p["value"] for p in state["ages"][0])
    assert biggest <= state["agesMax"] <= 1.5 * biggest + 1
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_region_select_switches_the_region_under_the_strict_csp(world, staffed, live_server, browser_page):
    page = browser_page
    errors = _log_in(page, live_server, world, "federal")
    page.goto(f"{live_server.url}/workforce/?region={world.r1.pk}", wait_until="load")
    with page.expect_navigation():
        page.select_option("select[name=region]", str(world.r2.pk))
    assert f"region={world.r2.pk}" in page.url
    assert world.r2.name in page.inner_text("main")
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_operator_changes_an_input_recalculates_and_reads_the_forecast(world, staffed, live_server, browser_page):
    page = browser_page
    _log_in(page, live_server, world, "regional")
    page.goto(f"{live_server.url}/workforce/?region={world.r1.pk}", wait_until="load")
    assert "Прогноза пока нет" in page.inner_text("main")
    page.click("text=Исходные данные прогноза")
    page.wait_for_selector("#curriculum-form")
    page.select_option("#id_subject", label="Физика")
    page.fill("#id_grade_7", "3,5")
    page.click("#curriculum-form button")
    page.wait_for_selector(".alert-success")
    assert "Сохранено; изменено классов: 1." in page.inner_text(".alert-success")
    physics = page.locator("#curriculum-table tr", has_text="Физика")
    assert "3,5" in physics.locator("td.fw-bold").inner_text()
    assert "Физика, 7 класс" in page.inner_text("main")  # the history

    page.click("text=Доли уходящих")
    page.fill("#id_band-1-from_age", "59")
    page.click("#rates-form button")
    page.wait_for_selector(".alert-danger")
    assert "пересекаются по возрасту" in page.inner_text(".alert-danger")

    page.goto(f"{live_server.url}/workforce/?region={world.r1.pk}", wait_until="load")
    page.fill("#id_years", "5")
    page.click("text=Пересчитать прогноз")
    page.wait_for_selector(".alert-success")
    stats = page.locator(".efs-stat").all_inner_texts()
    assert len(stats) == 4 and all(re.fullmatch(r"-?[\d\s\u00a0]+", s.strip()) for s in stats)


def test_federal_operator_reads_both_tile_maps_and_runs_a_scenario(world, staffed, live_server, browser_page):
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=5)
    page = browser_page
    errors = _log_in(page, live_server, world, "federal")
    page.goto(f"{live_server.url}/workforce/?region={world.r1.pk}", wait_until="load")
    # the region's municipalities: a tile per municipality, each leading to its page
    municipal = page.locator(".efs-tilemap").first
    links = municipal.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert f"/workforce/municipalities/{world.m1.pk}/" in links
    assert f"/workforce/municipalities/{world.m2.pk}/" in links
    # Russia's regions: R1 has a forecast and a value; R2 none («нет данных»)
    regions = page.locator("#region-risk-map")
    titles = regions.locator("title").evaluate_all("els => els.map(e => e.textContent)")
    assert any(world.r1.name in t and any(ch.isdigit() for ch in t) for t in titles), titles
    assert any(world.r2.name in t and "нет данных" in t for t in titles), titles
    with page.expect_navigation():
        page.locator("#region-risk-map a", has_text=world.r2.code).first.click()
    assert f"region={world.r2.pk}" in page.url

    page.goto(f"{live_server.url}/workforce/scenarios/?region={world.r1.pk}", wait_until="load")
    page.fill("#id_name", "Меньше уходящих")
    page.fill("#id_retention_gain", "50")
    page.click("text=Рассчитать")
    page.wait_for_selector(".alert-success")
    assert "Сценарий рассчитан" in page.inner_text(".alert-success")
    header = page.locator("table thead").inner_text()
    assert "Базовый прогноз" in header and "Меньше уходящих" in header
    rows = page.locator("table tbody tr").all_inner_texts()
    base, better = zip(*[(_number(r.split("\t")[1]), _number(r.split("\t")[2])) for r in rows], strict=True)
    assert all(b <= a + 0.05 for a, b in zip(base, better, strict=True))  # fewer leavers: no bigger gap
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_an_import_error_is_shown_in_russian_row_by_row(world, staffed, live_server, browser_page, tmp_path):
    from openpyxl import Workbook

    from efs.workforce import importexport

    book = Workbook()
    book.active.append([title for _, title in importexport.STAFFING_COLUMNS])
    book.active.append([world.org_a.inn, "Астрология", "учитель", -1, "вчера", "", "", "", "", "", ""])
    upload = tmp_path / "штатное.xlsx"
    book.save(upload)
    page = browser_page
    _log_in(page, live_server, world, "regional")
    page.goto(f"{live_server.url}/workforce/registry/?region={world.r1.pk}", wait_until="load")
    page.select_option("#id_kind", "staffing")
    page.set_input_files("#id_file", str(upload))
    page.click("form[enctype='multipart/form-data'] button")
    page.wait_for_selector(".alert-danger")
    refusal = page.inner_text(".alert-danger")
    assert "Ничего не загружено" in refusal and "Строка 2" in refusal, refusal
    warnings = page.locator(".alert-warning").all_inner_texts()
    assert any("Строка 2" in w and "Предмет" in w for w in warnings), warnings
    assert any("Строка 2" in w and "Ставок" in w for w in warnings), warnings


def test_school_head_edits_the_schools_classes(world, staffed, live_server, browser_page):
    page = browser_page
    _log_in(page, live_server, world, "school_head")
    page.goto(f"{live_server.url}/workforce/registry/?region={world.r1.pk}", wait_until="load")
    page.click("text=Классы и учащиеся")
    page.wait_for_selector("#classes-form")
    page.fill("#id_classes_3", "3")
    page.fill("#id_pupils_3", "")
    page.click("#classes-form button")
    page.wait_for_selector(".alert-danger")
    assert "класс 3" in page.inner_text(".alert-danger").lower()
    page.fill("#id_classes_3", "3")
    page.fill("#id_pupils_3", "80")
    page.click("#classes-form button")
    page.wait_for_selector(".alert-success")
    assert "изменено классов: 1" in page.inner_text(".alert-success")
    assert "2 / 47" in page.inner_text("main") and "3 / 80" in page.inner_text("main")  # the history
