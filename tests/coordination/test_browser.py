"""The council's main flows in a real browser (headless Chromium): a meeting with its agenda,
attendance and quorum, a recorded vote; minutes drafted, approved and frozen with their PDF; a
strategic task accepted by its organization and pledged to in one form; the public accountability
page, where evidence naming a person shows only once the secretary published a cleaned text."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from efs.coordination import services
from efs.coordination.models import Decision, Minutes, Participation, StrategicTask
from tests.coordination.conftest import make_board

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; the browser test is skipped"),
]
NAME = "Петрова Мария Ивановна"


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


def _as(chromium, live_server, user=None):
    """A browser tab of `user` (logged in through a session, not the form: the form has its own test)."""
    context = chromium.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context.new_page()


def test_a_meeting_with_agenda_quorum_a_vote_and_frozen_minutes(world, live_server, chromium):
    board = make_board(world)
    meeting = services.meeting_schedule(
        actor=board.chair.user, council=board.council, starts_at=timezone.now() - dt.timedelta(hours=2), place="Зал 1"
    )
    url = f"{live_server.url}/coordination/meetings/{meeting.pk}/"
    chair = _as(chromium, live_server, board.chair.user)
    chair.goto(url)

    chair.click("summary:has-text('Добавить вопрос')")
    chair.fill("#id_title", "О плане работы совета на год")
    chair.click("form[action$='/agenda/'] button")
    assert "О плане работы совета на год" in chair.inner_text("ol.list-group")

    chair.click("summary:has-text('Отметить присутствующих')")
    for member in (board.chair, board.secretary, board.head):  # 3 of 5 is a quorum
        chair.check(f"form[action$='/attendance/'] input[name=present][value='{member.pk}']")
    chair.click("form[action$='/attendance/'] button")
    status = chair.inner_text("body")
    assert "3 из 5" in status and "кворум" in status and "нет кворума" not in status

    chair.click("summary:has-text('Записать решение')")
    chair.fill("form[action$='/decisions/'] textarea[name=text]", "Утвердить план работы совета на год")
    chair.select_option("form[action$='/decisions/'] select[name=method]", "vote")
    chair.click("form[action$='/decisions/'] button")
    chair.select_option("form[action$='/vote/'] select[name=choice]", "for")
    chair.click("form[action$='/vote/'] button")
    head = _as(chromium, live_server, board.head.user)
    head.goto(url)
    head.select_option("form[action$='/vote/'] select[name=choice]", "for")
    head.click("form[action$='/vote/'] button")
    chair.goto(url)
    chair.click("form[action$='/close/'] button")
    assert "Голоса подсчитаны: принято." in chair.inner_text("body")
    assert Decision.objects.get(meeting=meeting).outcome == "adopted"

    secretary = _as(chromium, live_server, board.secretary.user)
    secretary.goto(url)
    secretary.fill("form[action$='/minutes/'] textarea[name=text]", "Слушали: о плане работы. Решили: утвердить.")
    secretary.click("form[action$='/minutes/'] button")
    secretary.click("form[action$='/approve/'] button")
    chair.goto(url)
    chair.click("form[action$='/approve/'] button")
    assert "Протокол утверждён и зафиксирован." in chair.inner_text("body")
    assert Minutes.objects.get(meeting=meeting).status == "frozen"
    assert chair.locator("form[action$='/minutes/']").count() == 0  # frozen: no editing form for anyone
    href = chair.get_attribute("a[href$='/pdf/']", "href")
    pdf = chair.request.get(f"{live_server.url}{href}")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"


def test_a_task_accepted_pledged_in_one_form_and_its_public_page(world, live_server, chromium):
    board = make_board(world)
    chair = _as(chromium, live_server, board.chair.user)
    chair.goto(f"{live_server.url}/coordination/councils/{board.council.pk}/tasks/")
    chair.fill("#id_title", "Сеть методических объединений")
    chair.fill("#id_goal", "Объединение учителей математики в каждом муниципалитете")
    chair.fill("#id_starts_on", f"{dt.date.today() - dt.timedelta(days=30):%Y-%m-%d}")
    chair.fill("#id_deadline", f"{dt.date.today() + dt.timedelta(days=200):%Y-%m-%d}")
    chair.select_option("#id_responsible", str(board.cnppm.pk))
    chair.click("form:has(#id_title) button.btn-primary")
    task = StrategicTask.objects.get(title="Сеть методических объединений")
    assert chair.url.endswith(f"/coordination/tasks/{task.pk}/")

    methodist = _as(chromium, live_server, board.methodist.user)
    methodist.goto(chair.url)
    methodist.click("form[action$='/answer/'] button[value='1']")
    assert Participation.objects.get(task=task, organization=board.cnppm).state == "accepted"

    chair.goto(chair.url)
    chair.click("#pledges-bulk summary")
    chair.select_option("#id_organization_1", str(board.ipk.pk))
    chair.fill("#id_money_1", "150 000")
    chair.select_option("#id_organization_2", str(board.ipk.pk))  # listed twice: nothing is saved, the row is named
    chair.fill("#id_staff_hours_2", "5")
    chair.click("#pledges-bulk button")
    assert "Строка 2: Организация указана дважды." in chair.inner_text("body")
    assert Participation.objects.filter(task=task).count() == 1
    chair.click("#pledges-bulk summary")
    chair.select_option("#id_organization_1", str(board.ipk.pk))
    chair.fill("#id_money_1", "150 000")
    chair.select_option("#id_organization_2", str(world.org_a.pk))
    chair.fill("#id_staff_hours_2", "40")
    chair.click("#pledges-bulk button")
    assert Participation.objects.filter(task=task).count() == 3

    services.task_status_set(
        actor=board.methodist.user, task=task, status="done", evidence=f"Положение утверждено; отчёт — {NAME}"
    )
    public = _as(chromium, live_server)
    public.goto(f"{live_server.url}/coordination/public/24/")
    text = public.inner_text("body")
    assert "Сеть методических объединений" in text and "ЦНППМ" in text
    assert NAME not in text and "Положение утверждено" not in text

    secretary = _as(chromium, live_server, board.secretary.user)
    secretary.goto(chair.url)
    secretary.fill("form[action$='/evidence/publish/'] textarea", "Положение утверждено приказом № 15")
    secretary.click("form[action$='/evidence/publish/'] button")
    public.reload()
    text = public.inner_text("body")
    assert "Положение утверждено приказом № 15" in text and NAME not in text
