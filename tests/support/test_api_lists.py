"""The support API's lists carry the names a client shows (educator, tutor, competency, route
activity), not bare ids, and read them in a fixed number of queries whatever the list's length."""

from __future__ import annotations

import datetime as dt

import pytest

from efs.people.models import Educator
from efs.support import cycles, mentoring, services
from efs.support.models import Mentorship, ReflectionCycle
from tests.conftest import queries_of
from tests.diagnostics.conftest import finished_attempt
from tests.support.setup import cycles_data, mentoring_data

# The session, the user and the grants are the same three queries for every list; the comment
# of each list names its own reads.


@pytest.fixture
def data(world):
    state = cycles_data(world, {})
    mentoring_data(world, state)
    return world, state


def test_the_lists_name_what_their_ids_point_to(data):
    world, state = data
    teacher = world.client("teacher")
    consultation = next(c for c in teacher.get("/api/support/consultations").json() if c["competency"])
    assert consultation["competency_code"] == "T.RO" and consultation["competency_title"]
    assert consultation["tutor_name"] == "Tutor" and consultation["route_item_title"] is None
    record = teacher.get("/api/support/records").json()[0]
    assert record["educator_name"] == world.self_educator.full_name
    cycle = next(c for c in teacher.get("/api/support/cycles").json() if c["id"] == state["cycle_close"])
    assert cycle["educator_name"] == world.self_educator.full_name
    assert cycle["competency_code"] == "T.NP" and cycle["competency_title"] and cycle["route_item_title"] is None
    pair = next(m for m in teacher.get("/api/support/mentorships").json() if m["id"] == state["mentorship"])
    (goal,) = pair["plan"]
    assert goal["competency"] == state["competency"] and goal["competency_code"] == "T.RO" and goal["competency_title"]


def _grow(world, state):
    """One more of everything the lists read: a consultation with notes, a shared journal
    entry, a cycle with its texts, a mentorship, a goal and a logged meeting."""
    teacher, tutor, me = world.users["teacher"], world.users["tutor"], world.self_educator
    extra = services.consultation_request(
        actor=teacher, educator=me, topic="Ещё", format="in_person", competency_id=state["competency"]
    )
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    services.consultation_schedule(
        actor=tutor,
        consultation=extra,
        starts_at=start,
        duration_minutes=30,
        place="ЦНППМ",
        now=start - dt.timedelta(days=1),
    )
    services.consultation_record(actor=tutor, consultation=extra, notes="Заметки", outcome="", next_steps="")
    journal = services.record_create(actor=teacher, educator=me, kind="journal_entry", title="Ещё", body="Текст")
    services.record_share(actor=teacher, record=journal, user_id=tutor.pk)
    closing = ReflectionCycle.objects.get(pk=state["cycle_close"])
    cycles.cycle_close(actor=teacher, cycle=closing)
    finished_attempt(teacher, me, {"T.RO": 0.98, "T.NP": 0.9, "T.COM": 0.9, "T.MATH": 0.9})  # T.NP again
    opened = cycles.cycle_open(actor=teacher, educator=me, competency_id=closing.competency_id)
    cycles.cycle_plan(actor=teacher, cycle=opened, text="План")
    mentoring.mentorship_create(  # the mentor's second mentee
        actor=world.users["school_head"],
        mentor_educator=Educator.objects.get(pk=state["orlova"]),
        mentees=[world.same_org],
        form="teacher_teacher",
    )
    pair = Mentorship.objects.get(pk=state["mentorship"])
    mentoring.plan_add(
        actor=world.users["mentor"],
        mentorship=pair,
        kind="goal",
        title="Вторая цель",
        due_on=dt.date.today() + dt.timedelta(days=10),
        competency_id=state["competency"],
    )
    mentoring.meeting_log(
        actor=world.users["mentor"], mentorship=pair, held_on=dt.date.today(), minutes=30, topic="Ещё", notes="Текст"
    )


LISTS = {
    "/api/support/consultations": ("teacher", 6),  # the consultations, their notes, the notes' shares
    "/api/support/records": ("teacher", 5),  # the records, the owner's shares
    "/api/support/cycles": ("teacher", 5),  # the cycles, their texts
    "/api/support/mentorships": ("mentor", 8),  # the mentorships, plans, competencies, meetings, notes
}


@pytest.mark.parametrize("url", list(LISTS))
def test_each_list_makes_a_fixed_number_of_queries_whatever_its_length(data, url):
    world, state = data
    who, expected = LISTS[url]
    client = world.client(who)
    client.get(url)  # warm the session and the grants' caches of the process
    before = len(client.get(url).json())
    assert queries_of(client, url) == expected
    _grow(world, state)
    assert len(client.get(url).json()) > before
    assert queries_of(client, url) == expected
