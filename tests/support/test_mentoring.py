"""Mentorship: proposals for young specialists, the head's decision, the plan on deficits,
the meeting log with private notes, the mentee's final feedback."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from efs.errors import DomainError
from efs.people.models import Notification, RoleAssignment, SupportAssignment
from efs.support import mentoring
from efs.support.models import MentoringMeeting, Mentorship, PlanItem, PrivateRecord
from tests.conftest import make_educator, make_user
from tests.support.setup import MEETING_NOTES, PLAN_TITLE, mentoring_data


@pytest.fixture
def data(world):
    return world, mentoring_data(world, {})


def _code(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_a_young_specialist_gets_the_lighter_mentor_of_the_same_school(data):
    world, state = data
    proposal = Mentorship.objects.get(pk=state["proposal"])
    # Both Иванова (12 years, no mentees) and Орлова (20 years, one mentee) teach at school A;
    # the lighter load wins.
    assert proposal.mentee_id == state["young"] and proposal.mentor == world.users["teacher"]
    assert (
        proposal.status == "proposed"
        and "та же школа" in proposal.reason
        and "наставляемых сейчас: 0" in proposal.reason
    )
    assert not SupportAssignment.objects.filter(educator_id=state["young"], kind="mentor").exists()


def test_a_subject_in_common_comes_before_the_load(data):
    world, state = data
    young = make_educator(world.org_a, "Новикова", subjects=["mathematics"])
    young.experience_years = 0
    young.save()
    (proposal,) = mentoring.mentors_propose(actor=world.users["school_head"], organization_id=world.org_a.pk)
    # Иванова and Орлова teach mathematics; Иванова has the lighter load (a pending proposal counts).
    assert proposal.mentee == young and proposal.mentor in (world.users["mentor"], world.users["teacher"])
    assert "общий предмет" in proposal.reason


def test_an_open_proposal_is_not_made_twice(data):
    world, _state = data
    assert mentoring.mentors_propose(actor=world.users["school_head"], organization_id=world.org_a.pk) == []


def test_the_head_confirms_and_both_sides_are_told(data):
    world, state = data
    proposal = Mentorship.objects.get(pk=state["proposal"])
    mentoring.mentorship_decide(actor=world.users["school_head"], mentorship=proposal, accept=True)
    proposal.refresh_from_db()
    assert proposal.status == "active" and proposal.decided_by == world.users["school_head"]
    assert SupportAssignment.objects.filter(
        supporter=world.users["teacher"], educator_id=state["young"], kind="mentor", active=True
    ).exists()
    assert RoleAssignment.objects.filter(user=world.users["teacher"], role="mentor").exists()
    assert Notification.objects.filter(user=world.users["teacher"], title__startswith="Вы наставник").exists()
    assert (
        _code(lambda: mentoring.mentorship_decide(actor=world.users["school_head"], mentorship=proposal, accept=False))
        == "mentorship_decided"
    )


def test_only_the_head_of_that_school_decides(data):
    world, state = data
    other_head = make_user("head_b")
    from efs.people.services import role_grant

    role_grant(user=other_head, role="school_head", scope="organization", organization=world.org_b)
    proposal = Mentorship.objects.get(pk=state["proposal"])
    assert (
        _code(lambda: mentoring.mentorship_decide(actor=other_head, mentorship=proposal, accept=True))
        == "mentorship_not_head"
    )
    response = world.client("regional").post(
        f"/api/support/mentorships/{proposal.pk}/decision", {"accept": True}, content_type="application/json"
    )
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_a_goal_is_set_on_a_deficit_of_the_mentee(data):
    world, state = data
    pair = Mentorship.objects.get(pk=state["mentorship"])
    before = PlanItem.objects.count()
    later = dt.date.today() + dt.timedelta(days=10)
    assert (
        _code(
            lambda: mentoring.plan_add(
                actor=world.users["mentor"], mentorship=pair, kind="goal", title="x", due_on=later, competency_id=None
            )
        )
        == "competency_not_found"
    )
    assert (
        _code(
            lambda: mentoring.plan_add(
                actor=world.users["mentor"],
                mentorship=pair,
                kind="goal",
                title="x",
                due_on=later,
                competency_id=999_999,
            )
        )
        == "competency_not_found"
    )
    assert (
        _code(
            lambda: mentoring.plan_add(
                actor=world.users["mentor"], mentorship=pair, kind="task", title="x", due_on=dt.date(2020, 1, 1)
            )
        )
        == "date_in_past"
    )
    assert (
        _code(
            lambda: mentoring.plan_add(
                actor=world.users["tutor"], mentorship=pair, kind="task", title="x", due_on=later
            )
        )
        == "mentorship_not_party"
    )
    assert PlanItem.objects.count() == before


def test_the_meeting_log_keeps_notes_private(data):
    world, state = data
    pair = Mentorship.objects.get(pk=state["mentorship"])
    meeting = MentoringMeeting.objects.get(mentorship=pair)
    note = PrivateRecord.objects.get(pk=meeting.note_id)
    assert note.body == MEETING_NOTES and note.kind == "mentoring_note" and note.educator == world.self_educator
    for who, status in {"teacher": 200, "mentor": 200, "school_head": 404, "tutor": 404, "regional": 404}.items():
        assert world.client(who).get(f"/support/records/{note.pk}/").status_code == status, who
    assert (
        _code(
            lambda: mentoring.meeting_log(
                actor=world.users["mentor"],
                mentorship=pair,
                held_on=timezone.localdate() + dt.timedelta(days=1),
                minutes=30,
                topic="x",
            )
        )
        == "meeting_in_future"
    )
    assert MentoringMeeting.objects.filter(mentorship=pair).count() == 1


def test_the_head_sees_counts_and_overdue_items_not_the_plan(data):
    world, state = data
    PlanItem.objects.filter(pk=state["plan_item"]).update(due_on=dt.date(2020, 1, 1))
    rows = world.client("school_head").get("/api/support/mentorships/school").json()
    row = next(r for r in rows if r["id"] == state["mentorship"])
    assert (
        row["meetings"] == 1 and row["overdue_plan_items"] == 1 and row["last_meeting"] == dt.date.today().isoformat()
    )
    text = str(rows)
    assert PLAN_TITLE not in text and MEETING_NOTES not in text
    assert world.client("school_head").get(f"/support/mentoring/{state['mentorship']}/").status_code == 404


def test_the_mentee_finishes_with_feedback(data):
    world, state = data
    client = world.client("teacher")
    bad = client.post(
        f"/api/support/mentorships/{state['mentorship']}/feedback",
        {"text": "x", "rating": 9},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert (
        world.client("mentor")
        .post(
            f"/api/support/mentorships/{state['mentorship']}/feedback",
            {"text": "x", "rating": 5},
            content_type="application/json",
        )
        .json()["error"]["code"]
        == "mentorship_not_mentee"
    )
    ok = client.post(
        f"/api/support/mentorships/{state['mentorship']}/feedback",
        {"text": "Помогло с оцениванием", "rating": 5},
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["status"] == "finished" and ok.json()["feedback_rating"] == 5
    assert (
        world.client("mentor").get(f"/api/support/mentorships/{state['mentorship']}").json()["feedback"]
        == "Помогло с оцениванием"
    )


def test_a_group_needs_a_name_and_a_pair_one_mentee(data):
    world, state = data
    orlova = world.self_educator.__class__.objects.get(pk=state["orlova"])
    head = world.users["school_head"]
    assert (
        _code(
            lambda: mentoring.mentorship_create(
                actor=head, mentor_educator=orlova, mentees=[world.same_org], form="group"
            )
        )
        == "mentorship_group_name"
    )
    assert (
        _code(
            lambda: mentoring.mentorship_create(
                actor=head,
                mentor_educator=orlova,
                mentees=[world.same_org, world.self_educator],
                form="teacher_teacher",
            )
        )
        == "mentorship_mentees"
    )
    assert (
        _code(
            lambda: mentoring.mentorship_create(
                actor=head, mentor_educator=orlova, mentees=[world.other_org], form="teacher_teacher"
            )
        )
        == "mentorship_not_head"
    )
