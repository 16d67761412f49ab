"""What support leads to: a closed cycle becomes route evidence, a finished mentorship ends
the mentor's assignment with history, the daily reminders, and the measure of whether
support works (supported deficits closed at the re-diagnosis against comparable ones)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.diagnostics.models import Attempt
from efs.ops.daily import steps
from efs.people.models import Notification, Role, Scope, SupportAssignment
from efs.people.services import role_grant, support_assign
from efs.routes.models import Evidence, RouteItem
from efs.support import cycles, effects, mentoring, reminders, services
from efs.support.models import CaseloadChange, EffectGroup, SupportEffect
from tests.conftest import make_educator, make_user
from tests.diagnostics.conftest import finished_attempt
from tests.support.setup import LEVELS, mentoring_data


@pytest.fixture
def running(world):
    from tests.routes.routes import _routes

    state: dict = {}
    _routes(world, state)
    return world, state


def _walk_to_reflected(world, actor, educator, **open_kwargs):
    cycle = cycles.cycle_open(actor=actor, educator=educator, **open_kwargs)
    cycles.cycle_plan(actor=actor, cycle=cycle, text="План урока")
    cycles.cycle_act(actor=actor, cycle=cycle, text="Провела урок")
    cycles.cycle_observe(actor=world.users["tutor"], cycle=cycle, levels=LEVELS, notes="10:05 — цель названа")
    cycles.cycle_reflect(actor=actor, cycle=cycle, answers={"went": "Личное: устала", "showed": "б", "next": "в"})
    return cycle


def test_a_closed_cycle_becomes_evidence_of_its_route_activity_without_the_texts(running):
    world, state = running
    peer = world.other_org.user
    item = RouteItem.objects.get(pk=state["running_item"])
    cycle = _walk_to_reflected(world, peer, world.other_org, route_item_id=item.pk)
    before = Evidence.objects.filter(item=item).count()
    attempt = finished_attempt(peer, world.other_org, {"T.RO": 0.2})
    Attempt.objects.filter(pk=attempt.pk).update(finished_at=timezone.now() + dt.timedelta(minutes=1))
    closed = cycles.cycle_close(actor=peer, cycle=cycle)
    assert closed.evidence_id is not None and Evidence.objects.filter(item=item).count() == before + 1
    note = closed.evidence.note
    assert "0,99 → 0,20" in note and "Личное" not in note and "цель названа" not in note
    assert closed.evidence.uploaded_by == peer and closed.evidence.accepted is None  # the tutor reviews it


def test_a_cycle_without_a_route_still_closes(world):
    from tests.support.setup import cycles_data

    state = cycles_data(world, {})
    from efs.support.models import ReflectionCycle

    closed = cycles.cycle_close(
        actor=world.users["teacher"], cycle=ReflectionCycle.objects.get(pk=state["cycle_close"])
    )
    assert closed.stage == "closed" and closed.evidence_id is None


def test_a_finished_mentorship_ends_the_mentors_assignment_with_history(world):
    state = mentoring_data(world, {})
    from efs.support.models import Mentorship

    pair = Mentorship.objects.get(pk=state["mentorship"])
    mentor = world.users["mentor"]
    assert SupportAssignment.objects.get(supporter=mentor, educator=world.self_educator, kind="mentor").active
    assert CaseloadChange.objects.filter(
        educator=world.self_educator, kind="mentor", to_supporter=mentor, reason="assigned"
    ).exists()
    mentoring.mentorship_feedback(actor=world.users["teacher"], mentorship=pair, text="Спасибо", rating=5)
    assert not SupportAssignment.objects.get(supporter=mentor, educator=world.self_educator, kind="mentor").active
    ended = CaseloadChange.objects.get(educator=world.self_educator, kind="mentor", reason="mentorship_ended")
    assert (ended.from_supporter, ended.to_supporter, ended.changed_by) == (mentor, None, world.users["teacher"])
    # The mentor's scope no longer reaches the former mentee; the finished pair's own page stays theirs.
    assert world.client("mentor").get(f"/support/mentoring/{pair.pk}/").status_code == 200
    assert world.client("mentor").get(f"/api/support/mentorships/{pair.pk}").json()["feedback"] == "Спасибо"


def test_reminders_of_consultations_and_overdue_reflections_go_once(world):
    from tests.support.setup import cycles_data

    state = cycles_data(world, {})
    teacher, tutor = world.users["teacher"], world.users["tutor"]
    now = timezone.now()
    c = services.consultation_request(
        actor=teacher, educator=world.self_educator, topic="Скоро", format="online", competency_id=state["competency"]
    )
    services.consultation_schedule(
        actor=tutor,
        consultation=c,
        starts_at=now + dt.timedelta(hours=5),
        duration_minutes=30,
        online_link="https://meet.example.ru/x",
    )
    later = services.consultation_request(
        actor=teacher, educator=world.self_educator, topic="Нескоро", format="online", competency_id=state["competency"]
    )
    services.consultation_schedule(
        actor=tutor,
        consultation=later,
        starts_at=now + dt.timedelta(days=3),
        duration_minutes=30,
        online_link="https://meet.example.ru/y",
    )
    assert reminders.consultations_upcoming(now) == 2
    assert Notification.objects.filter(user=teacher, key__startswith=f"support-consultation-{c.pk}-").count() == 1
    assert Notification.objects.filter(user=tutor, key__startswith=f"support-consultation-{c.pk}-").count() == 1
    assert not Notification.objects.filter(key__startswith=f"support-consultation-{later.pk}-").exists()
    assert reminders.consultations_upcoming(now) == 0  # once
    # The cycle at «reflect» (T.MATH) was observed now: overdue a week later, not before.
    assert reminders.reflections_overdue(now) == 0
    assert reminders.reflections_overdue(now + dt.timedelta(days=8)) == 1
    reminder = Notification.objects.get(user=teacher, key__startswith="support-reflection-")
    assert "рефлексию" in reminder.title and "10:05" not in reminder.title
    assert reminders.reflections_overdue(now + dt.timedelta(days=9)) == 0
    assert {"support_reminders", "support_effects"} <= {s.name for s in steps()}


def _measured(user, educator, p: float, at: dt.datetime) -> None:
    attempt = finished_attempt(user, educator, {"T.RO": p})
    Attempt.objects.filter(pk=attempt.pk).update(finished_at=at)


def test_the_measure_of_support_compares_supported_deficits_with_comparable_ones(world):
    """Six educators with a tutor's held consultation between two measurements (5 closed) and
    ten without support in the same stratum (3 closed): observed 5/6, expected 3/10."""
    from tests.matrix import shared_framework

    shared_framework({})
    tutor = world.users["tutor"]
    start = timezone.now() - dt.timedelta(days=200)
    for i in range(16):
        user = make_user(f"e{i}")
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
        educator = make_educator(world.org_b, f"Педагог{i}", user=user)
        _measured(user, educator, 0.8, start)
        if i < 6:
            support_assign(supporter=tutor, educator=educator, kind=Role.TUTOR)
            c = services.consultation_request(
                actor=user, educator=educator, topic="Оценивание", format="online", competency_id=_competency("T.RO")
            )
            at = timezone.now() - dt.timedelta(hours=2)
            services.consultation_schedule(
                actor=tutor,
                consultation=c,
                starts_at=at,
                duration_minutes=45,
                online_link="https://meet.example.ru/c",
                now=at - dt.timedelta(days=1),
            )
            services.consultation_record(actor=tutor, consultation=c, notes="Заметки", outcome="", next_steps="")
            type(c).objects.filter(pk=c.pk).update(
                starts_at=start + dt.timedelta(days=30), ends_at=start + dt.timedelta(days=30, minutes=45)
            )
            closes = i < 5
        else:
            closes = i < 9
        _measured(user, educator, 0.2 if closes else 0.8, start + dt.timedelta(days=90))
    rows = {(r.group, r.form, r.person_id): r for r in effects.effects_compute(region_id=world.r1.pk)}
    form = rows[(EffectGroup.FORM, "consultation", None)]
    assert (form.episodes, form.closed, form.compared, form.control) == (6, 5, 6, 10)
    assert form.expected == pytest.approx(0.3) and form.effect == pytest.approx(5 / 6 - 0.3)
    assert rows[(EffectGroup.TUTOR, "", tutor.pk)].episodes == 6
    assert SupportEffect.objects.filter(region=world.r1).count() == 2
    page = world.client("regional").get("/support/effects/").content.decode()
    assert "53 п. п." in page  # 83 % − 30 %
    assert world.client("school_head").get("/support/effects/").status_code == 403
    api = world.client("regional").get("/api/support/effects").json()
    assert [r["episodes"] for r in api["rows"]] == [6, 6] and api["control"] == 10


def _competency(code: str) -> int:
    from efs.competencies.models import Competency

    return Competency.objects.filter(code=code).values_list("pk", flat=True).first()
