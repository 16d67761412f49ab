"""Consultations: the educator asks, the tutor schedules and records, the outcome can
become route evidence; bad input gets a Russian message or a stable code and saves nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.errors import DomainError
from efs.people.models import Notification
from efs.routes.models import Evidence, RouteItem
from efs.support import services
from efs.support.models import Consultation, ConsultationStatus, PrivateRecord
from tests.conftest import make_user
from tests.support.setup import NOTES, support_data


@pytest.fixture
def data(world):
    return world, support_data(world, {})


def _request(world, state, **changes):
    kwargs = {
        "actor": world.users["teacher"],
        "educator": world.self_educator,
        "topic": "Вопрос",
        "format": "online",
        "competency_id": state["competency"],
    }
    kwargs.update(changes)
    return services.consultation_request(**kwargs)


def _code(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_a_request_goes_to_the_assigned_tutor_and_notifies_them(data):
    world, state = data
    c = _request(world, state, topic="Как оценивать проекты")
    assert c.tutor == world.users["tutor"] and c.status == ConsultationStatus.REQUESTED and c.region_id == world.r1.pk
    assert Notification.objects.filter(user=world.users["tutor"], title__contains="Как оценивать проекты").exists()


def test_foreign_or_missing_subjects_are_refused_and_nothing_is_saved(data):
    world, state = data
    before = Consultation.objects.count()
    assert _code(lambda: _request(world, state, competency_id=999_999)) == "competency_not_found"
    assert _code(lambda: _request(world, state, competency_id=None)) == "consultation_subject_missing"
    foreign_item = RouteItem.objects.exclude(route__educator=world.self_educator).first()
    if foreign_item is not None:
        assert (
            _code(lambda: _request(world, state, competency_id=None, route_item_id=foreign_item.pk))
            == "route_item_not_found"
        )
    assert _code(lambda: _request(world, state, competency_id=None, route_item_id=999_999)) == "route_item_not_found"
    assert _code(lambda: _request(world, state, format="telepathy")) == "consultation_format_unknown"
    assert _code(lambda: _request(world, state, actor=world.users["tutor"])) == "consultation_not_own"
    assert Consultation.objects.count() == before


def test_without_a_tutor_the_request_is_refused(data):
    world, state = data
    peer = make_user("peer_c")
    world.other_muni.user = peer
    world.other_muni.save()
    assert _code(
        lambda: services.consultation_request(
            actor=peer, educator=world.other_muni, topic="x", format="online", competency_id=state["competency"]
        )
    ) in {
        "competency_not_found",
        "no_tutor",
    }


def test_the_api_answers_with_stable_codes(data):
    world, state = data
    client = world.client("teacher")
    bad = client.post(
        "/api/support/consultations",
        {"topic": "x", "format": "online", "competency": 999_999},
        content_type="application/json",
    )
    assert bad.status_code == 404 and bad.json()["error"]["code"] == "competency_not_found"
    long = client.post(
        "/api/support/consultations",
        {"topic": "x" * 301, "format": "online", "competency": state["competency"]},
        content_type="application/json",
    )
    assert long.status_code == 422 and long.json()["error"]["code"] == "invalid_request"


def _schedule(world, c, start, minutes=45, **changes):
    kwargs = {
        "actor": world.users["tutor"],
        "consultation": c,
        "starts_at": start,
        "duration_minutes": minutes,
        "online_link": "https://meet.example.ru/x",
    }
    kwargs.update(changes)
    return services.consultation_schedule(**kwargs)


def test_scheduling_rejects_the_past_overlaps_and_bad_places(data):
    world, state = data
    first, second = _request(world, state), _request(world, state)
    start = timezone.now() + dt.timedelta(days=3)
    _schedule(world, first, start, 60)
    assert _code(lambda: _schedule(world, second, timezone.now() - dt.timedelta(minutes=1))) == "date_in_past"
    assert _code(lambda: _schedule(world, second, start + dt.timedelta(minutes=30))) == "consultation_overlap"
    assert _code(lambda: _schedule(world, second, start - dt.timedelta(minutes=30))) == "consultation_overlap"
    assert (
        _code(lambda: _schedule(world, second, start + dt.timedelta(days=1), online_link="")) == "online_link_missing"
    )
    assert (
        _code(lambda: _schedule(world, second, start + dt.timedelta(days=1), online_link="javascript:alert(1)"))
        == "online_link_invalid"
    )
    assert _code(lambda: _schedule(world, second, start + dt.timedelta(days=1), minutes=5)) == "duration_out_of_range"
    assert (
        _code(lambda: _schedule(world, second, start + dt.timedelta(days=1), actor=world.users["teacher"]))
        == "consultation_not_tutor"
    )
    second.refresh_from_db()
    assert second.status == ConsultationStatus.REQUESTED and second.starts_at is None  # nothing half-saved
    # right after the first one is fine
    _schedule(world, second, start + dt.timedelta(minutes=60))
    second.refresh_from_db()
    assert second.status == ConsultationStatus.SCHEDULED
    assert Notification.objects.filter(user=world.users["teacher"], title__startswith="Консультация назначена").exists()


def test_a_cancelled_consultation_frees_the_time(data):
    world, state = data
    first, second = _request(world, state), _request(world, state)
    start = timezone.now() + dt.timedelta(days=3)
    _schedule(world, first, start)
    services.consultation_cancel(actor=world.users["teacher"], consultation=first, reason="Болею")
    _schedule(world, second, start)
    assert (
        _code(lambda: services.consultation_cancel(actor=world.users["teacher"], consultation=first))
        == "consultation_closed"
    )


def test_the_schedule_page_shows_a_russian_message_for_a_date_in_the_past(data):
    world, state = data
    client = world.client("tutor")
    response = client.post(
        f"/support/consultations/{state['requested']}/schedule/",
        {"starts_at": "2020-01-10T10:00", "duration_minutes": 45, "online_link": "https://meet.example.ru/x"},
        follow=True,
    )
    assert "в прошлом" in response.content.decode()
    assert Consultation.objects.get(pk=state["requested"]).starts_at is None


def test_the_api_refuses_a_naive_time_and_an_overlap_with_codes(data):
    world, state = data
    client = world.client("tutor")
    url = f"/api/support/consultations/{state['requested']}/schedule"
    naive = client.post(
        url, {"starts_at": "2031-01-10T10:00:00", "online_link": "https://x.ru"}, content_type="application/json"
    )
    assert naive.status_code == 422 and naive.json()["error"]["code"] == "invalid_datetime"
    ok = client.post(
        url, {"starts_at": "2031-01-10T10:00:00+07:00", "online_link": "https://x.ru"}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "scheduled"
    other = _request(world, state)
    clash = client.post(
        f"/api/support/consultations/{other.pk}/schedule",
        {"starts_at": "2031-01-10T10:30:00+07:00", "online_link": "https://x.ru"},
        content_type="application/json",
    )
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "consultation_overlap"


def test_notes_before_the_meeting_are_refused(data):
    world, state = data
    c = _request(world, state)
    _schedule(world, c, timezone.now() + dt.timedelta(days=2))
    assert (
        _code(lambda: services.consultation_record(actor=world.users["tutor"], consultation=c, notes="x"))
        == "consultation_not_started"
    )
    assert not PrivateRecord.objects.filter(consultation=c).exists()


def test_recording_again_updates_the_one_note(data):
    world, state = data
    held = Consultation.objects.get(pk=state["held"])
    services.consultation_record(actor=world.users["tutor"], consultation=held, notes="Новая версия", outcome="Итог")
    note = PrivateRecord.objects.get(consultation=held)
    assert note.body == "Новая версия" and note.kind == "consultation_note" and note.author == world.users["tutor"]
    assert NOTES != note.body


def test_ics_exports_the_appointment_without_notes(data):
    world, state = data
    for who in ("teacher", "tutor"):
        response = world.client(who).get(f"/support/consultations/{state['held']}/event.ics")
        body = response.content.decode()
        assert response["Content-Type"].startswith("text/calendar")
        assert (
            body.startswith("BEGIN:VCALENDAR\r\n")
            and "BEGIN:VEVENT" in body
            and f"UID:consultation-{state['held']}@" in body
        )
        assert "DTSTART:" in body and body.count("Z\r\n") >= 3
        assert "LOCATION:ЦНППМ\\, ауд. 204" in body
        assert NOTES not in body
        assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    calendar = world.client("tutor").get("/support/calendar.ics").content.decode()
    assert calendar.count("BEGIN:VEVENT") == 1


def test_the_request_form_refuses_a_foreign_subject(data):
    world, state = data
    before = Consultation.objects.count()
    response = world.client("teacher").post(
        "/support/consultations/new/", {"topic": "x", "subject": "c999999", "format": "online", "preferred_times": ""}
    )
    assert response.status_code == 400 and "Выберите корректный вариант" in response.content.decode()
    assert Consultation.objects.count() == before
    ok = world.client("teacher").post(
        "/support/consultations/new/",
        {
            "topic": "Оценивание",
            "subject": f"c{state['competency']}",
            "format": "online",
            "preferred_times": "после 15:00",
        },
    )
    assert ok.status_code == 302 and Consultation.objects.count() == before + 1


@pytest.fixture
def running(world):
    """The other educator of org B (peer_b) with an approved route in progress and a tutor."""
    from tests.routes.routes import _routes

    state: dict = {}
    _routes(world, state)
    return world, state


def test_the_outcome_becomes_route_evidence_once(running):
    world, state = running
    peer = world.other_org.user
    item = RouteItem.objects.get(pk=state["running_item"])
    c = services.consultation_request(
        actor=peer, educator=world.other_org, topic="Самоанализ урока", format="in_person", route_item_id=item.pk
    )
    start = timezone.now() - dt.timedelta(hours=3)
    services.consultation_schedule(
        actor=world.users["tutor"],
        consultation=c,
        starts_at=start,
        duration_minutes=45,
        place="Школа № 2",
        now=start - dt.timedelta(days=1),
    )
    assert _code(lambda: services.consultation_to_evidence(actor=peer, consultation=c)) == "consultation_not_held"
    services.consultation_record(
        actor=world.users["tutor"],
        consultation=c,
        notes="Разобрали урок",
        outcome="Схема самоанализа",
        next_steps="Применить на уроке",
    )
    assert (
        _code(lambda: services.consultation_to_evidence(actor=world.users["tutor"], consultation=c))
        == "consultation_not_own"
    )
    before = Evidence.objects.filter(item=item).count()
    evidence = services.consultation_to_evidence(actor=peer, consultation=c)
    assert (
        evidence.item_id == item.pk and "Схема самоанализа" in evidence.note and "Применить на уроке" in evidence.note
    )
    assert "Разобрали урок" not in evidence.note  # the notes stay private; only the outcome leaves
    assert Evidence.objects.filter(item=item).count() == before + 1
    assert (
        _code(lambda: services.consultation_to_evidence(actor=peer, consultation=c)) == "consultation_evidence_exists"
    )
    assert Evidence.objects.filter(item=item).count() == before + 1
