"""The main flows of support in a real browser: a teacher asks for a consultation, the tutor
schedules it, the ЦНППМ head asks for a rebalancing proposal and confirms it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.people.models import SupportAssignment
from efs.support.models import CaseloadChange, Consultation, ConsultationStatus
from tests.support.setup import caseload_data
from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; the browser test is skipped"),
]
PASSWORD = "Сопровождение-2026"


def _login(page, live_server, world, who: str) -> None:
    user = world.users[who]
    user.set_password(PASSWORD)
    user.save()
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_a_consultation_is_asked_for_and_scheduled(world, live_server, browser_page):  # noqa: F811
    caseload_data(world, {})
    page = browser_page
    _login(page, live_server, world, "teacher")
    page.goto(f"{live_server.url}/support/consultations/new/")
    page.fill("#id_topic", "Листы самооценки в 7 классе")
    page.select_option("#id_subject", index=1)
    page.click("form.card button[type=submit]")
    page.wait_for_selector("text=Запрос отправлен вашему тьютору")
    consultation = Consultation.objects.get(topic="Листы самооценки в 7 классе")
    assert consultation.status == ConsultationStatus.REQUESTED and consultation.tutor == world.users["tutor"]

    _login(page, live_server, world, "tutor")
    page.goto(f"{live_server.url}/support/consultations/{consultation.pk}/")
    start = timezone.localtime(timezone.now() + dt.timedelta(days=3)).replace(hour=15, minute=0)
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_online_link", "https://sferum.ru/?call_link=test")
    page.click("text=Сохранить встречу")
    page.wait_for_selector("text=Консультация назначена")
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.SCHEDULED and consultation.starts_at == start


def test_the_head_sees_caseloads_and_confirms_a_rebalancing(world, live_server, browser_page):  # noqa: F811
    caseload_data(world, {})
    page = browser_page
    _login(page, live_server, world, "regional")
    page.goto(f"{live_server.url}/support/caseloads/")
    assert "Без тьютора" in page.inner_text("body")
    page.click("#propose button")
    page.wait_for_selector("#rebalance")
    ticked = page.locator("#rebalance input[name=moves]").count()
    assert ticked >= 1
    page.fill("#note", "Проверка в браузере")
    page.click("#rebalance button")
    page.wait_for_selector(".alert-success")
    assert CaseloadChange.objects.filter(note="Проверка в браузере").count() == ticked
    moved = CaseloadChange.objects.filter(note="Проверка в браузере").first()
    assert SupportAssignment.objects.filter(
        educator_id=moved.educator_id, supporter=moved.to_supporter, active=True
    ).exists()
