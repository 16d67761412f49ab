"""A real browser: log in as a teacher and see the Russian home page."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); the browser test is skipped"
    ),
]


@pytest.fixture
def browser_page():
    os.environ.setdefault(
        "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
    )  # Playwright's sync API runs an event loop in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        page = browser.new_page(locale="ru-RU", viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def test_teacher_logs_in_and_sees_the_russian_home_page(world, live_server, browser_page, settings):
    user = world.users["teacher"]
    user.set_password("Учитель-2026")
    user.save()
    page = browser_page
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "teacher")
    page.fill("#id_password", "Учитель-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("#role-teacher")
    assert page.locator("h1").inner_text().startswith("Здравствуйте")
    body = page.inner_text("body")
    assert "Мой профиль" in body and "Иванова Анна Петровна" in body
    assert "Обработка персональных данных: согласие дано" in body
    # static assets are served by the app itself, not a CDN
    css_ok = page.evaluate("() => getComputedStyle(document.querySelector('.navbar')).display")
    assert css_ok == "flex"
    out = Path(settings.DATA_DIR) / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out / "teacher-home.png"), full_page=True)


def test_wrong_password_shows_a_russian_message(world, live_server, browser_page):
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "teacher")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert "Неверный логин или пароль" in page.inner_text("body")
