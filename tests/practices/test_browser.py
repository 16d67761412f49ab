"""The practices app's main flows in a real browser (Chromium through Playwright): a teacher
submits a card, an expert reviews it blind, another school reports «Мы внедрили»; a thread
reply in Markdown; a registration for an event. Few and fast: the rules are tested
elsewhere, these check that the pages work as pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from efs.practices import services
from efs.practices.models import Practice, PracticeReview, Replication
from efs.practices.network import services as network
from efs.practices.network.models import Registration
from tests.matrix import shared_framework
from tests.practices.network_routes import network_data
from tests.practices.setup import experts, full_scores
from tests.web.test_browser import CHROMIUM, browser_page  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed; the browser tests are skipped"),
]


def _as(page, live_server, user) -> None:
    """Log the browser in as `user` (the session of a test client, handed over as a cookie)."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_a_card_is_submitted_reviewed_blind_and_replicated(world, live_server, browser_page):  # noqa: F811
    shared_framework({})
    page, u = browser_page, world.users
    # the teacher fills the card in
    _as(page, live_server, u["teacher"])
    page.goto(f"{live_server.url}/practices/new/")
    page.fill("#id_title", "Листы самопроверки на уроках математики")
    page.fill("#id_problem", "Ученики не знают, какие умения они не усвоили, до контрольной работы.")
    page.fill("#id_target_group", "учителя математики 5–9 классов")
    page.fill("#id_steps", "Выделить умения темы\nСоставить лист самопроверки\nРазбирать листы с классом")
    page.fill("#id_resources", "Шаблон листа, час подготовки на тему.")
    page.fill("#id_results", "Доля работ на «4» и «5» выросла с 48 % до 63 % за полугодие.")
    page.fill("#id_conditions", "Регулярность не реже раза в неделю.")
    page.select_option("#id_competencies", ["T.RO"])
    page.select_option("#id_level", "school")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/practices/*/")
    practice = Practice.objects.get(title="Листы самопроверки на уроках математики")
    assert practice.status == "draft"
    page.click("text=Подать на экспертизу")
    page.wait_for_load_state()
    practice.refresh_from_db()
    assert practice.status == "submitted"
    # the operator assigns two experts; the World's expert reviews blind
    services.reviews_assign(actor=u["regional"], practice=practice, experts=[u["expert"], experts(world)[0]])
    review = PracticeReview.objects.get(practice=practice, expert=u["expert"])
    _as(page, live_server, u["expert"])
    page.goto(f"{live_server.url}/practices/reviews/{review.pk}/")
    body = page.inner_text("main")
    author = practice.authors.first().name
    assert practice.title in body and world.org_a.name not in body and author and author not in body, body
    for code, score in full_scores().items():
        page.fill(f"#id_score_{code}", str(score))
    page.select_option("#id_verdict", "recommend")
    page.select_option("#id_level", "regional")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/practices/reviews/")
    review.refresh_from_db()
    assert review.status == "submitted" and review.share == 1.0
    # the second review and the decision through the services; then another school says «Мы внедрили»
    other = PracticeReview.objects.get(practice=practice, status="assigned")
    services.review_submit(
        actor=other.expert,
        review=other,
        scores=full_scores(),
        comments={},
        verdict="recommend",
        level="regional",
        comment="",
    )
    services.practice_decide(actor=u["regional"], practice=practice, decision="recommend", level="regional")
    _as(page, live_server, u["provider"])
    page.goto(f"{live_server.url}/practices/{practice.pk}/")
    page.click("text=Мы внедрили")
    page.fill("#id_implemented_on", (timezone.localdate() - dt.timedelta(days=7)).isoformat())
    page.fill("#id_adapted", "Листы сделали электронными.")
    page.fill("#id_results", "Восемь учителей применяют листы в 5–6 классах.")
    page.click("form.card button[type=submit]")
    page.wait_for_url(f"**/practices/{practice.pk}/")
    assert Replication.objects.filter(practice=practice).count() == 1
    assert "Спасибо" in page.inner_text("body")


def test_a_markdown_reply_and_an_event_registration(world, live_server, browser_page):  # noqa: F811
    ids = network_data(world, {})
    page = browser_page
    _as(page, live_server, world.users["teacher"])
    page.goto(f"{live_server.url}/practices/network/t/{ids['thread']}/")
    page.fill("textarea[name=body]", "Попробуйте **листы самопроверки** <script>window.hacked = 1</script>")
    page.click("form[action$='/reply/'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("strong", has_text="листы самопроверки").count() >= 1
    assert page.evaluate("() => window.hacked") is None
    # a coming webinar: the teacher registers and gets the calendar link
    start = timezone.now() + dt.timedelta(days=5)
    event = network.event_create(
        actor=world.users["tutor"],
        community=_community(ids),
        kind="webinar",
        title="Вебинар о листах самопроверки",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        registration_deadline=start - dt.timedelta(days=1),
        capacity=30,
        online_link="https://meet.example.ru/listy",
    )
    page.goto(f"{live_server.url}/practices/network/e/{event.pk}/")
    page.click("form[action$='/register/'] button[type=submit]")
    page.wait_for_load_state()
    assert Registration.objects.filter(event=event, user=world.users["teacher"]).exists()
    assert "Вы зарегистрированы" in page.inner_text("body") and page.locator("a[href$='event.ics']").count() >= 1


def _community(ids):
    from efs.practices.network.models import Community

    return Community.objects.get(pk=ids["community"])
