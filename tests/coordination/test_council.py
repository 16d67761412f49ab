"""The coordination council end to end: services with their refusals (each also shows that
nothing was saved), progress from monitoring's indicators, the pages, the API and the public page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from efs.coordination import queries, services
from efs.coordination.models import (
    AgendaItem,
    Decision,
    Minutes,
    MinutesApproval,
    Participation,
    StrategicTask,
    Vote,
)
from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.people.models import Notification
from tests.coordination.conftest import held_meeting, logged_in

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def _voted_decision(board, present):
    meeting = held_meeting(board, present)
    decision = services.decision_add(
        actor=board.chair.user, meeting=meeting, text="Утвердить план работы совета на год"
    )
    return meeting, decision


# ---------------------------------------------------------------- meetings, votes, minutes


def test_quorum_is_more_than_half_of_members_in_office(board):
    meeting = held_meeting(board, [board.chair, board.secretary, board.head])
    assert (meeting.members_in_office, meeting.quorum) == (5, True)
    meeting = held_meeting(board, [board.chair, board.secretary])
    assert (meeting.members_in_office, meeting.quorum) == (5, False)


def test_vote_count_adopts_with_more_than_half_of_those_present(board):
    _meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    services.vote_record(actor=board.chair.user, decision=decision, choice="for")
    services.vote_record(actor=board.head.user, decision=decision, choice="against")
    services.vote_record(actor=board.secretary.user, decision=decision, choice="for")
    services.vote_record(actor=board.head.user, decision=decision, choice="abstained")  # changes their vote
    decision = services.decision_close(actor=board.secretary.user, decision=decision)
    assert (decision.outcome, decision.votes_for, decision.votes_against, decision.votes_abstained) == (
        "adopted",
        2,
        0,
        1,
    )
    with pytest.raises(Conflict) as closed:
        services.vote_record(actor=board.head.user, decision=decision, choice="for")
    assert closed.value.code == "voting_closed"
    assert Vote.objects.get(decision=decision, member=board.head).choice == "abstained"


def test_a_vote_from_a_non_member_is_refused_and_nothing_is_saved(board):
    _meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    with pytest.raises(PermissionDenied) as refused:
        services.vote_record(actor=board.outsider, decision=decision, choice="for")
    assert refused.value.code == "not_a_member"
    assert refused.value.message == "Вы не являетесь членом этого совета."
    with pytest.raises(PermissionDenied) as absent:
        services.vote_record(actor=board.methodist.user, decision=decision, choice="for")  # a member, but absent
    assert absent.value.code == "not_present"
    assert not Vote.objects.filter(decision=decision).exists()


def test_the_secretary_records_a_members_vote_but_a_member_cannot_vote_for_another(board):
    _meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    services.vote_record(actor=board.secretary.user, decision=decision, choice="for", member=board.head)
    assert Vote.objects.get(decision=decision, member=board.head).recorded_by == board.secretary.user
    with pytest.raises(PermissionDenied):
        services.vote_record(actor=board.head.user, decision=decision, choice="against", member=board.chair)
    assert not Vote.objects.filter(decision=decision, member=board.chair).exists()


def test_minutes_approved_by_those_present_then_frozen_and_corrected_as_a_new_version(board):
    meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    services.vote_record(actor=board.chair.user, decision=decision, choice="for")
    services.vote_record(actor=board.head.user, decision=decision, choice="for")
    with pytest.raises(PermissionDenied) as not_secretary:
        services.minutes_save(actor=board.chair.user, meeting=meeting, text="Протокол")
    assert not_secretary.value.code == "secretary_only"
    minutes = services.minutes_save(
        actor=board.secretary.user, meeting=meeting, text="Слушали: план. Решили: утвердить."
    )
    with pytest.raises(Conflict) as open_vote:
        services.minutes_approve(actor=board.chair.user, minutes=minutes)
    assert open_vote.value.code == "voting_open"
    services.decision_close(actor=board.chair.user, decision=decision)
    with pytest.raises(PermissionDenied) as absent:
        services.minutes_approve(actor=board.methodist.user, minutes=minutes)
    assert absent.value.code == "not_present"
    minutes = services.minutes_approve(actor=board.chair.user, minutes=minutes)
    assert minutes.status == "draft"  # 1 of 3 present
    minutes = services.minutes_approve(actor=board.head.user, minutes=minutes)
    assert minutes.status == "frozen" and minutes.frozen_at is not None

    with pytest.raises(Conflict) as frozen:
        services.minutes_save(actor=board.secretary.user, meeting=meeting, text="Другой текст")
    assert frozen.value.code == "minutes_frozen"
    assert frozen.value.message == "Протокол утверждён и зафиксирован; исправление оформляется новой версией протокола."
    with pytest.raises(Conflict):
        services.decision_add(actor=board.chair.user, meeting=meeting, text="Задним числом")
    with pytest.raises(Conflict):
        services.attendance_record(actor=board.chair.user, meeting=meeting, present=[board.chair])
    minutes.refresh_from_db()
    assert minutes.text == "Слушали: план. Решили: утвердить." and meeting.decisions.count() == 1

    corrected = services.minutes_correct(
        actor=board.secretary.user, minutes=minutes, text="Слушали: план на 2027 год.", reason="опечатка в годе"
    )
    assert (corrected.version, corrected.status) == (2, "draft")
    assert Minutes.objects.get(pk=minutes.pk).status == "frozen"
    with pytest.raises(Conflict) as not_frozen:
        services.minutes_correct(actor=board.secretary.user, minutes=minutes, text="x", reason="y")
    assert not_frozen.value.code == "minutes_not_frozen"
    assert Minutes.objects.filter(meeting=meeting).count() == 2


def test_minutes_without_quorum_are_not_approved_and_nothing_is_saved(board):
    meeting = held_meeting(board, [board.chair, board.secretary])
    minutes = services.minutes_save(actor=board.secretary.user, meeting=meeting, text="Кворума нет.")
    with pytest.raises(Conflict) as refused:
        services.minutes_approve(actor=board.chair.user, minutes=minutes)
    assert refused.value.code == "no_quorum"
    assert refused.value.message == "На заседании не было кворума: его протокол не может быть утверждён."
    assert not MinutesApproval.objects.exists()
    assert Minutes.objects.get(pk=minutes.pk).status == "draft"
    with pytest.raises(Conflict):
        services.decision_add(actor=board.chair.user, meeting=meeting, text="Решили без кворума", method="consensus")
    assert not Decision.objects.filter(meeting=meeting).exists()


def test_editing_a_draft_withdraws_its_approvals(board):
    meeting = held_meeting(board, [board.chair, board.secretary, board.head, board.methodist])
    minutes = services.minutes_save(actor=board.secretary.user, meeting=meeting, text="Версия А")
    services.minutes_approve(actor=board.chair.user, minutes=minutes)
    services.minutes_save(actor=board.secretary.user, meeting=meeting, text="Версия Б")
    assert MinutesApproval.objects.filter(minutes=minutes).count() == 0


def test_a_member_is_added_once_and_only_by_the_councils_runners(board, world):
    with pytest.raises(Conflict) as twice:
        services.member_add(
            actor=board.chair.user,
            council=board.council,
            user=board.head.user,
            organization=world.org_a,
            role="member",
            term_start=TODAY,
        )
    assert twice.value.code == "already_member"
    with pytest.raises(Conflict) as taken:
        services.member_add(
            actor=board.chair.user,
            council=board.council,
            user=board.outsider,
            organization=world.org_b,
            role="chair",
            term_start=TODAY,
        )
    assert taken.value.code == "role_taken"
    with pytest.raises(PermissionDenied):
        services.member_add(
            actor=board.head.user,
            council=board.council,
            user=board.outsider,
            organization=world.org_b,
            role="member",
            term_start=TODAY,
        )
    with pytest.raises(ValidationFailed) as other_region:
        services.member_add(
            actor=board.chair.user,
            council=board.council,
            user=board.outsider,
            organization=world.org_d,
            role="member",
            term_start=TODAY,
        )
    assert other_region.value.code == "organization_other_region"
    assert board.council.members.count() == 5


# ---------------------------------------------------------------- tasks, pledges, progress


def _task(board, **kwargs):
    defaults = {
        "title": "Сеть методических объединений",
        "goal": "В каждом муниципалитете — методическое объединение учителей математики",
        "starts_on": TODAY - dt.timedelta(days=100),
        "deadline": TODAY + dt.timedelta(days=200),
        "responsible": board.cnppm,
    }
    defaults.update(kwargs)
    return services.task_create(actor=board.chair.user, council=board.council, **defaults)


def test_the_responsible_organization_accepts_its_part_it_is_not_assigned_silently(board):
    task = _task(board)
    part = Participation.objects.get(task=task)
    assert (part.part, part.state, part.answered_by) == ("responsible", "proposed", None)
    assert Notification.objects.filter(user=board.methodist.user, url=f"/coordination/tasks/{task.pk}/").exists()
    with pytest.raises(PermissionDenied) as other:
        services.pledge_answer(actor=board.head.user, participation=part, accept=True)
    assert other.value.code == "pledge_for_other_organization"
    assert Participation.objects.get(pk=part.pk).state == "proposed"
    services.pledge_answer(actor=board.methodist.user, participation=part, accept=True)
    part.refresh_from_db()
    assert (part.state, part.answered_by) == ("accepted", board.methodist.user)
    with pytest.raises(Conflict):
        services.pledge_answer(actor=board.methodist.user, participation=part, accept=False)


def test_a_pledge_by_an_organization_for_another_is_refused_and_nothing_is_saved(board, world):
    task = _task(board)
    with pytest.raises(PermissionDenied) as refused:
        services.pledge_record(
            actor=board.head.user, task=task, organization=board.ipk, money_kopecks=50_000_00, staff_hours=40
        )
    assert refused.value.code == "pledge_for_other_organization"
    assert refused.value.message.startswith("Вы можете заявить только ресурсы своей организации")
    assert not Participation.objects.filter(task=task, organization=board.ipk).exists()
    own = services.pledge_record(
        actor=board.head.user, task=task, organization=world.org_a, staff_hours=120, venues="актовый зал"
    )
    assert (own.state, own.answered_by, own.staff_hours) == ("accepted", board.head.user, 120)
    with pytest.raises(Conflict) as second:
        services.pledge_record(actor=board.chair.user, task=task, organization=board.ipk, part="responsible")
    assert second.value.code == "responsible_taken"
    assert not Participation.objects.filter(task=task, organization=board.ipk).exists()


def test_done_needs_evidence_and_only_the_responsible_or_runners_report(board):
    task = _task(board)
    with pytest.raises(PermissionDenied):  # not yet accepted by the CNPPM: its person does not report yet
        services.task_status_set(actor=board.methodist.user, task=task, status="in_progress")
    services.pledge_answer(actor=board.methodist.user, participation=task.participations.get(), accept=True)
    services.task_status_set(actor=board.methodist.user, task=task, status="in_progress")
    with pytest.raises(ValidationFailed) as no_evidence:
        services.task_status_set(actor=board.methodist.user, task=task, status="done")
    assert no_evidence.value.code == "evidence_required"
    assert StrategicTask.objects.get(pk=task.pk).status == "in_progress"
    with pytest.raises(PermissionDenied):
        services.task_status_set(actor=board.head.user, task=task, status="done", evidence="отчёт")
    services.task_status_set(
        actor=board.methodist.user, task=task, status="done", evidence="Приказ ЦНППМ № 12, 45 объединений"
    )
    task.refresh_from_db()
    assert (task.status, task.done_on) == ("done", timezone.localdate())


def test_progress_is_computed_from_indicator_values_against_targets(board, world):
    from efs.monitoring.public import (
        Indicator,
        Level,
        analytics_build,
        indicator_values,
        starter_indicators_load,
        target_set,
    )

    starter_indicators_load()
    analytics_build()
    indicator = Indicator.objects.get(code="diagnosed_share")
    target_set(
        actor=world.users["regional"],
        indicator=indicator,
        year=TODAY.year,
        level=Level.REGION,
        unit_id=world.r1.pk,
        value=40,
    )
    task = _task(board, indicators=[indicator, Indicator.objects.get(code="route_share")])
    [row] = indicator_values(indicator=indicator, level=Level.REGION, period=str(TODAY.year), unit_ids=[world.r1.pk])
    [task] = queries.tasks_board(board.council, world.users["regional"])
    expected = None if row.value is None else min(1.0, row.value / 40)
    by_code = {i.code: i for i in task.progress.indicators}
    assert by_code["diagnosed_share"].share == expected
    assert by_code["route_share"].share is None  # no target for the region: no share, not a zero
    assert task.progress.share == expected
    if row.status == "behind":
        assert any("Доля педагогов, прошедших диагностику" in r for r in task.progress.reasons)


def test_the_share_of_a_target_caps_at_one_and_follows_the_direction():
    assert queries._share("up", 30.0, 60.0) == 0.5
    assert queries._share("up", 90.0, 60.0) == 1.0
    assert queries._share("down", 20.0, 10.0) == 0.5
    assert queries._share("down", 5.0, 10.0) == 1.0
    assert queries._share("up", None, 60.0) is None
    assert queries._share("up", 10.0, None) is None


def test_at_risk_and_overdue(board):
    late = _task(
        board, title="Просроченная", starts_on=TODAY - dt.timedelta(days=300), deadline=TODAY - dt.timedelta(days=5)
    )
    risky = _task(board, title="С пропущенной вехой")
    services.pledge_answer(actor=board.methodist.user, participation=risky.participations.get(), accept=True)
    services.milestone_add(
        actor=board.chair.user, task=risky, title="Положение о сети", due=TODAY - dt.timedelta(days=10)
    )
    fine = _task(board, title="В графике")
    services.pledge_answer(actor=board.methodist.user, participation=fine.participations.get(), accept=True)
    board_tasks = {t.title: t for t in queries.tasks_board(board.council, board.chair.user)}
    assert board_tasks["Просроченная"].progress.overdue and not board_tasks["Просроченная"].progress.at_risk
    assert board_tasks["С пропущенной вехой"].progress.at_risk
    assert any("Положение о сети" in r for r in board_tasks["С пропущенной вехой"].progress.reasons)
    assert not board_tasks["В графике"].progress.at_risk and not board_tasks["В графике"].progress.overdue
    assert late.pk


def test_overdue_tasks_and_open_decisions_are_carried_into_the_next_agenda_once(board):
    _meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    services.vote_record(actor=board.chair.user, decision=decision, choice="for")
    services.vote_record(actor=board.head.user, decision=decision, choice="for")
    services.decision_close(actor=board.chair.user, decision=decision)
    late = _task(
        board, title="Просроченная", starts_on=TODAY - dt.timedelta(days=300), deadline=TODAY - dt.timedelta(days=5)
    )
    _task(board, title="Ещё не срок")
    upcoming = services.meeting_schedule(
        actor=board.chair.user, council=board.council, starts_at=timezone.now() + dt.timedelta(days=7)
    )
    carried = list(AgendaItem.objects.filter(meeting=upcoming, carried=True))
    assert {a.task_id for a in carried if a.task_id} == {late.pk}
    assert {a.carried_decision_id for a in carried if a.carried_decision_id} == {decision.pk}
    assert services.agenda_carry_over(meeting=upcoming) == 0
    services.decision_executed(actor=board.chair.user, decision=decision)
    later = services.meeting_schedule(
        actor=board.chair.user, council=board.council, starts_at=timezone.now() + dt.timedelta(days=40)
    )
    assert not AgendaItem.objects.filter(meeting=later, carried_decision=decision).exists()


def test_the_daily_step_tells_the_responsible_and_the_secretary_of_an_overdue_task_once(board):
    from efs.coordination.jobs import DAILY_STEPS

    late = _task(
        board, title="Просроченная", starts_on=TODAY - dt.timedelta(days=300), deadline=TODAY - dt.timedelta(days=5)
    )
    services.pledge_answer(actor=board.methodist.user, participation=late.participations.get(), accept=True)
    [(_name, _label, step)] = DAILY_STEPS
    assert "2" in step()
    assert (
        Notification.objects.filter(
            user=board.secretary.user, key__startswith=f"coordination-overdue:{late.pk}:"
        ).count()
        == 1
    )
    assert (
        Notification.objects.filter(
            user=board.methodist.user, key__startswith=f"coordination-overdue:{late.pk}:"
        ).count()
        == 1
    )
    assert "0" in step()


# ---------------------------------------------------------------- pages, API, public page


def test_every_page_renders_for_a_member(board):
    meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    minutes = services.minutes_save(actor=board.secretary.user, meeting=meeting, text="Текст протокола")
    task = _task(board)
    client = logged_in(board.head.user)
    c = board.council.pk
    for url in [
        f"/coordination/councils/{c}/",
        f"/coordination/councils/{c}/members/",
        f"/coordination/councils/{c}/groups/",
        f"/coordination/councils/{c}/meetings/",
        f"/coordination/councils/{c}/tasks/",
        f"/coordination/councils/{c}/risks/",
        f"/coordination/meetings/{meeting.pk}/",
        f"/coordination/tasks/{task.pk}/",
        "/coordination/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Утвердить план работы совета на год" in client.get(f"/coordination/meetings/{meeting.pk}/").content.decode()
    pdf = client.get(f"/coordination/minutes/{minutes.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert decision.pk


def test_html_vote_from_a_non_member_gets_a_russian_refusal(board, world):
    _meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    services.member_add(
        actor=world.users["regional"],
        council=board.council,
        user=world.users["municipal"],
        organization=world.org_b,
        role="member",
        term_start=TODAY,
    )  # a member now, but not at that meeting
    municipal = logged_in(world.users["municipal"])
    response = municipal.post(f"/coordination/decisions/{decision.pk}/vote/", {"choice": "for"})
    assert response.status_code == 403
    assert (
        "В этом участвуют только члены совета, присутствовавшие на заседании." in response.content.decode()
    )  # not on the council on the meeting's date
    assert not Vote.objects.exists()


def test_api_refusals_carry_stable_codes_and_save_nothing(board):
    meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    services.decision_close(
        actor=board.chair.user, decision=services.decision_add(actor=board.chair.user, meeting=meeting, text="x")
    )
    outsider = logged_in(board.methodist.user)  # a member, absent from this meeting
    response = outsider.post(
        f"/api/coordination/decisions/{decision.pk}/votes",
        json.dumps({"choice": "for"}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_present")
    chair, head, secretary = logged_in(board.chair.user), logged_in(board.head.user), logged_in(board.secretary.user)
    assert (
        chair.post(
            f"/api/coordination/decisions/{decision.pk}/votes",
            json.dumps({"choice": "for"}),
            content_type="application/json",
        ).status_code
        == 201
    )
    assert (
        head.post(
            f"/api/coordination/decisions/{decision.pk}/votes",
            json.dumps({"choice": "for"}),
            content_type="application/json",
        ).status_code
        == 201
    )
    services.decision_close(actor=board.chair.user, decision=decision)
    saved = secretary.put(
        f"/api/coordination/meetings/{meeting.pk}/minutes",
        json.dumps({"text": "Протокол"}),
        content_type="application/json",
    )
    assert saved.status_code == 200
    minutes_id = saved.json()["id"]
    assert chair.post(f"/api/coordination/minutes/{minutes_id}/approvals").json()["status"] == "draft"
    assert head.post(f"/api/coordination/minutes/{minutes_id}/approvals").json()["status"] == "frozen"
    edit = secretary.put(
        f"/api/coordination/meetings/{meeting.pk}/minutes",
        json.dumps({"text": "Правка"}),
        content_type="application/json",
    )
    assert (edit.status_code, edit.json()["error"]["code"]) == (409, "minutes_frozen")
    assert Minutes.objects.get(pk=minutes_id).text == "Протокол"
    task = _task(board)
    pledge = head.post(
        f"/api/coordination/tasks/{task.pk}/pledges",
        json.dumps({"organization_id": board.ipk.pk, "staff_hours": 10}),
        content_type="application/json",
    )
    assert (pledge.status_code, pledge.json()["error"]["code"]) == (403, "pledge_for_other_organization")
    assert not Participation.objects.filter(organization=board.ipk).exists()
    tasks = chair.get(f"/api/coordination/councils/{board.council.pk}/tasks").json()
    assert [t["title"] for t in tasks] == ["Сеть методических объединений"]


def test_the_public_accountability_page_is_open_and_holds_no_personal_data(board, client):
    meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    for member in (board.chair, board.head):
        services.vote_record(actor=member.user, decision=decision, choice="for")
    services.decision_close(actor=board.chair.user, decision=decision)
    task = _task(board, decision=decision)
    services.pledge_answer(actor=board.methodist.user, participation=task.participations.get(), accept=True)
    page = client.get("/coordination/public/24/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Утвердить план работы совета на год" in text and "Сеть методических объединений" in text and "ЦНППМ" in text
    for name in ("Chair", "Secretary", "School_Head", "Methodist"):
        assert name not in text
    api = client.get("/api/coordination/public/24").json()
    assert api["tasks"][0]["responsible"] == "ЦНППМ" and "Chair" not in json.dumps(api, ensure_ascii=False)
    assert client.get("/coordination/public/54/").status_code == 404


def test_the_tasks_board_reads_a_fixed_number_of_queries_whatever_the_number_of_tasks(board):
    from tests.conftest import queries_of

    client = logged_in(board.head.user)
    url = f"/coordination/councils/{board.council.pk}/tasks/"

    def add(n):
        for i in range(n):
            task = _task(board, title=f"Задача {i}")
            services.pledge_record(actor=board.chair.user, task=task, organization=board.ipk, staff_hours=10)
            services.milestone_add(actor=board.chair.user, task=task, title="Веха", due=TODAY)

    add(2)
    queries_of(client, url)  # the first request of a session reads more (cached per session afterwards)
    few = queries_of(client, url)
    add(4)
    assert queries_of(client, url) == few


def test_members_are_told_of_their_seat_an_upcoming_meeting_and_minutes_to_approve(board):
    assert Notification.objects.filter(user=board.head.user, key=f"coordination-member:{board.head.pk}").exists()
    upcoming = services.meeting_schedule(
        actor=board.chair.user, council=board.council, starts_at=timezone.now() + dt.timedelta(days=3)
    )
    told = set(Notification.objects.filter(key=f"coordination-meeting:{upcoming.pk}").values_list("user_id", flat=True))
    assert told == {m.user_id for m in board.council.members.all()}
    meeting = held_meeting(board, [board.chair, board.secretary, board.head])
    minutes = services.minutes_save(actor=board.secretary.user, meeting=meeting, text="Протокол")
    asked = set(Notification.objects.filter(key=f"coordination-minutes:{minutes.pk}").values_list("user_id", flat=True))
    assert asked == {board.chair.user_id, board.secretary.user_id, board.head.user_id}


def test_attendance_is_fixed_once_the_meeting_has_decisions(board):
    meeting, _decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    with pytest.raises(Conflict) as fixed:
        services.attendance_record(actor=board.chair.user, meeting=meeting, present=[board.chair])
    assert fixed.value.code == "attendance_fixed"
    assert meeting.attendance.filter(present=True).count() == 3


def test_tasks_and_decisions_are_discussed_in_the_communities_threads(board):
    _meeting, decision = _voted_decision(board, [board.chair, board.secretary, board.head])
    task = _task(board)
    head = logged_in(board.head.user)
    assert (
        head.post(
            f"/coordination/tasks/{task.pk}/discussion/", {"body": "Начнём с **северных** территорий"}
        ).status_code
        == 302
    )
    assert (
        head.post(f"/coordination/decisions/{decision.pk}/discussion/", {"body": "Кто готовит отчёт?"}).status_code
        == 302
    )
    page = logged_in(board.chair.user).get(f"/coordination/tasks/{task.pk}/").content.decode()
    assert "<strong>северных</strong>" in page
    assert (
        "Кто готовит отчёт?"
        in logged_in(board.chair.user).get(f"/coordination/meetings/{decision.meeting_id}/").content.decode()
    )
    outsider = logged_in(board.outsider)
    assert outsider.post(f"/coordination/tasks/{task.pk}/discussion/", {"body": "чужой"}).status_code == 404
    assert [p.html for p in queries.discussion("task", task.pk)] == [
        "<p>Начнём с <strong>северных</strong> территорий</p>\n"
    ]
