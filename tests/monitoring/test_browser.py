"""A region's own passport in a real browser (headless Chromium): the regional operator composes
it from the registry's elements, sees it in the region's list, and a duplicate code is refused
in Russian."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.test import Client

from efs.monitoring import services
from efs.monitoring.models import Indicator

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; the browser test is skipped"),
]


@pytest.fixture
def chromium():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop here
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        yield browser
        browser.close()


def _as(chromium, live_server, user):
    context = chromium.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context.new_page()


def _fill(page, code: str) -> None:
    page.fill("#id_code", code)
    page.fill("#id_name", "Доля руководителей среди педагогов")
    page.check("input[name=numerator][value=educators_manager]")
    page.check("input[name=denominator][value=educators]")
    page.click("#passport-form button")


def test_the_regional_operator_composes_a_passport_from_the_registry(world, live_server, chromium):
    services.starter_indicators_load()
    page = _as(chromium, live_server, world.users["regional"])
    page.goto(f"{live_server.url}/monitoring/passports/")
    assert "У региона пока нет собственных паспортов" in page.inner_text("main")
    page.click("#passport-new")
    _fill(page, "r24_managers")
    assert "Паспорт создан" in page.inner_text("body")
    own = page.inner_text("main")
    assert "r24_managers" in own and "Доля руководителей среди педагогов" in own
    assert Indicator.objects.get(code="r24_managers").region == world.r1
    page.goto(f"{live_server.url}/monitoring/passports/new/?region={world.r1.pk}")
    _fill(page, "diagnosed_share")
    assert "Показатель с таким кодом уже есть" in page.inner_text("body")
    reader = _as(chromium, live_server, world.users["school_head"])
    reader.goto(f"{live_server.url}/monitoring/passports/")
    assert "r24_managers" in reader.inner_text("main") and reader.locator("#passport-new").count() == 0
