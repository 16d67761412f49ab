"""The council's pages that create something answer a refused POST with the refusal's status
(400 for the form, the service's own for its refusal) and its Russian message on the page,
never the 302 of success, and save nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from efs.coordination import services
from efs.coordination.models import Council, CouncilMember, Meeting, StrategicTask, Vote, WorkingGroup
from tests.coordination.conftest import held_meeting, logged_in

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _refused(response, status: int, message: str) -> None:
    assert response.status_code == status, response.status_code
    assert message in response.content.decode()


def test_a_second_council_of_the_region_is_refused_with_409(board, world):
    before = Council.objects.count()
    response = logged_in(world.users["regional"]).post("/coordination/", {"region": world.r1.pk, "name": "Ещё совет"})
    _refused(response, 409, "У региона уже есть координационный совет.")
    assert Council.objects.count() == before


def test_a_council_without_a_name_is_refused_with_400(world):
    response = logged_in(world.users["regional"]).post("/coordination/", {"region": world.r1.pk, "name": ""})
    _refused(response, 400, "Обязательное поле.")
    assert not Council.objects.exists()


def test_a_member_whose_term_ends_before_it_starts_is_refused_with_422(board, world):
    before = CouncilMember.objects.count()
    response = logged_in(world.users["regional"]).post(
        f"/coordination/councils/{board.council.pk}/members/",
        {
            "username": "municipal",
            "organization": world.org_b.pk,
            "role": "member",
            "term_start": f"{TODAY:%Y-%m-%d}",
            "term_end": f"{TODAY - dt.timedelta(days=1):%Y-%m-%d}",
        },
    )
    _refused(response, 422, "Срок полномочий заканчивается раньше, чем начинается.")
    assert CouncilMember.objects.count() == before


def test_a_second_group_of_the_same_name_is_refused_with_409(board):
    client = logged_in(board.chair.user)
    url = f"/coordination/councils/{board.council.pk}/groups/"
    assert client.post(url, {"name": "Группа по наставничеству"}).status_code == 302
    _refused(client.post(url, {"name": "Группа по наставничеству"}), 409, "рабочая группа с таким названием")
    assert WorkingGroup.objects.filter(name="Группа по наставничеству").count() == 1


def test_a_meeting_outside_the_calendar_is_refused_with_400(board):
    before = Meeting.objects.count()
    response = logged_in(board.chair.user).post(
        f"/coordination/councils/{board.council.pk}/meetings/", {"starts_at": "1990-03-05T15:00", "place": "Зал"}
    )
    _refused(response, 400, "Дата вне диапазона 2000–2100.")
    assert Meeting.objects.count() == before


def test_a_task_whose_deadline_is_before_its_start_is_refused_with_422(board):
    before = StrategicTask.objects.count()
    response = logged_in(board.chair.user).post(
        f"/coordination/councils/{board.council.pk}/tasks/",
        {
            "title": "Задача",
            "goal": "Цель",
            "starts_on": "2030-12-31",
            "deadline": "2030-01-01",
            "responsible": board.cnppm.pk,
        },
    )
    _refused(response, 422, "Срок раньше даты начала.")
    assert StrategicTask.objects.count() == before


def test_a_vote_on_a_closed_decision_is_refused_with_its_status_not_a_redirect(board):
    meeting = held_meeting(board, [board.chair, board.secretary, board.head])
    decision = services.decision_add(actor=board.chair.user, meeting=meeting, text="Утвердить план")
    services.decision_close(actor=board.chair.user, decision=decision)
    response = logged_in(board.head.user).post(f"/coordination/decisions/{decision.pk}/vote/", {"choice": "for"})
    _refused(response, 409, "Голосование по этому решению закрыто.")
    assert not Vote.objects.filter(decision=decision).exists()
