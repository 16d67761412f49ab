"""The support data of the World fixture, made through the real services.

The teacher (org A) has a tutor and a mentor; the tutor also supports org B (World), the
mentor org A's second educator. The teacher has two journal entries (the first shared
with the school head, a share with the tutor revoked; the second shared with the head
and the tutor), an observation protocol by the tutor, a requested and a held consultation
(with private notes); the mentor wrote a mentoring note about the other educator of org A.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from efs.diagnostics.public import current_deficits
from efs.people.models import Role
from efs.people.services import support_assign
from efs.support import services
from tests.diagnostics.conftest import finished_attempt
from tests.matrix import shared_framework

SECRET = "Секретный текст дневника"
TOPIC = "Формирующее оценивание на уроках математики"
NOTES = "Обсудили листы самооценки; педагог волнуется перед открытым уроком"


def support_data(world, state: dict) -> dict:
    if "journal" in state:
        return state
    teacher, tutor, mentor, head = (world.users[k] for k in ("teacher", "tutor", "mentor", "school_head"))
    me = world.self_educator
    shared_framework(state)
    support_assign(supporter=tutor, educator=me, kind=Role.TUTOR)
    support_assign(supporter=mentor, educator=me, kind=Role.MENTOR)
    if not any(d.code == "T.RO" for d in current_deficits(educator_id=me.pk)):
        finished_attempt(teacher, me, {"T.RO": 0.98, "T.NP": 0.9})
    ro = next(d for d in current_deficits(educator_id=me.pk) if d.code == "T.RO")
    state["competency"] = ro.competency_id

    journal = services.record_create(
        actor=teacher, educator=me, kind="journal_entry", title="Дневник: урок в 7 «Б»", body=SECRET
    )
    services.record_share(actor=teacher, record=journal, user_id=head.pk)
    revoked = services.record_share(actor=teacher, record=journal, user_id=tutor.pk)
    services.record_unshare(actor=teacher, record=journal, share_id=revoked.pk)
    journal2 = services.record_create(
        actor=teacher, educator=me, kind="journal_entry", title="Дневник: родительское собрание", body="Второй текст"
    )
    state["share_head"] = services.record_share(actor=teacher, record=journal2, user_id=head.pk).pk
    state["share_tutor"] = services.record_share(actor=teacher, record=journal2, user_id=tutor.pk).pk
    observation = services.record_create(
        actor=tutor, educator=me, kind="observation", title="Наблюдение урока 12.11", body="A/01.6: уровень 2"
    )
    mentoring = services.record_create(
        actor=mentor, educator=world.same_org, kind="mentoring_note", title="Встреча наставника", body="План на месяц"
    )

    requested = services.consultation_request(
        actor=teacher, educator=me, topic=TOPIC, format="online", competency_id=ro.competency_id
    )
    held = services.consultation_request(
        actor=teacher,
        educator=me,
        topic="Нормативная база оценивания",
        format="in_person",
        competency_id=ro.competency_id,
    )
    to_cancel = services.consultation_request(
        actor=teacher, educator=me, topic="Проектная задача", format="online", competency_id=ro.competency_id
    )
    start = timezone.now() - dt.timedelta(hours=2)  # scheduled yesterday for today, held an hour ago
    services.consultation_schedule(
        actor=tutor,
        consultation=held,
        starts_at=start,
        duration_minutes=45,
        place="ЦНППМ, ауд. 204",
        now=start - dt.timedelta(days=1),
    )
    note = services.consultation_record(
        actor=tutor, consultation=held, notes=NOTES, outcome="Составлен лист самооценки", next_steps="Провести урок"
    )
    state.update(
        journal=journal.pk,
        journal2=journal2.pk,
        observation=observation.pk,
        mentoring=mentoring.pk,
        consultation_note=note.pk,
        requested=requested.pk,
        held=held.pk,
        to_cancel=to_cancel.pk,
    )
    return state


PLAN_TITLE = "Провести урок с листом самооценки"
MEETING_NOTES = "Педагог устала, обсудили нагрузку"


def mentoring_data(world, state: dict) -> dict:
    """Org A: the teacher is the mentee of the World mentor (linked to Орлова, 20 years),
    with a goal on a deficit and a logged meeting; a group mentorship of the teacher with a
    second mentor; a young specialist (Юнова, 1 year) with the mentor proposed to her."""
    if "mentorship" in state:
        return state
    support_data(world, state)
    from efs.people.models import Role, Scope
    from efs.people.services import role_grant
    from efs.support import mentoring
    from tests.conftest import make_educator, make_user

    head = world.users["school_head"]
    orlova = make_educator(world.org_a, "Орлова", user=world.users["mentor"], subjects=["mathematics"])
    orlova.experience_years = 20
    orlova.save()
    second = make_user("mentor2")
    role_grant(user=second, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
    belova = make_educator(world.org_a, "Белова", user=second)
    young = make_educator(world.org_a, "Юнова")
    young.experience_years = 1
    young.save()
    (pair,) = mentoring.mentorship_create(
        actor=head, mentor_educator=orlova, mentees=[world.self_educator], form="teacher_teacher"
    )
    (group,) = mentoring.mentorship_create(
        actor=head, mentor_educator=belova, mentees=[world.self_educator], form="group", group_name="Молодые математики"
    )
    item = mentoring.plan_add(
        actor=world.users["mentor"],
        mentorship=pair,
        kind="goal",
        title=PLAN_TITLE,
        due_on=dt.date.today() + dt.timedelta(days=30),
        competency_id=state["competency"],
    )
    mentoring.meeting_log(
        actor=world.users["mentor"],
        mentorship=pair,
        held_on=dt.date.today(),
        minutes=40,
        topic="Разбор урока",
        notes=MEETING_NOTES,
    )
    (proposal,) = mentoring.mentors_propose(actor=head, organization_id=world.org_a.pk)
    state.update(
        mentorship=pair.pk, group=group.pk, plan_item=item.pk, proposal=proposal.pk, orlova=orlova.pk, young=young.pk
    )
    return state


REFLECTION = "Я поняла, что спешу с объяснением"
LEVELS = {"A/01.6": 2, "A/02.6": 3, "A/03.6": 1}


def cycles_data(world, state: dict) -> dict:
    """The teacher's cycles on four deficits: T.RO at «plan», T.COM at «observe», T.MATH at
    «reflect», T.NP reflected and re-diagnosed after it opened (ready to close)."""
    if "cycle_close" in state:
        return state
    support_data(world, state)
    from efs.support import cycles

    teacher, tutor, me = world.users["teacher"], world.users["tutor"], world.self_educator
    finished_attempt(teacher, me, {"T.RO": 0.98, "T.NP": 0.9, "T.COM": 0.9, "T.MATH": 0.9})
    ids = {d.code: d.competency_id for d in current_deficits(educator_id=me.pk)}
    opened = {
        code: cycles.cycle_open(actor=teacher, educator=me, competency_id=ids[code])
        for code in ("T.RO", "T.COM", "T.MATH", "T.NP")
    }
    for code in ("T.COM", "T.MATH", "T.NP"):
        cycles.cycle_plan(actor=teacher, cycle=opened[code], text="Ввести лист самооценки на каждом уроке")
        cycles.cycle_act(actor=teacher, cycle=opened[code], text="Провела три урока с листом самооценки")
    for code in ("T.MATH", "T.NP"):
        cycles.cycle_observe(actor=tutor, cycle=opened[code], levels=LEVELS, notes="10:05 — цель названа учениками")
    cycles.cycle_reflect(
        actor=teacher,
        cycle=opened["T.NP"],
        answers={"went": "Половина класса", "showed": REFLECTION, "next": "Пауза после объяснения"},
    )
    finished_attempt(teacher, me, {"T.RO": 0.98, "T.NP": 0.3, "T.COM": 0.9, "T.MATH": 0.9})
    state.update(
        cycle_plan=opened["T.RO"].pk,
        cycle_observe=opened["T.COM"].pk,
        cycle_reflect=opened["T.MATH"].pk,
        cycle_close=opened["T.NP"].pk,
        competency_com=ids["T.COM"],
    )
    return state


def caseload_data(world, state: dict) -> dict:
    """R1's ЦНППМ head is the regional operator. Tutors of R1: the World tutor (Иванова and
    Сидорова in the caseload, capacity 5) and a second tutor without a capacity yet.
    Кузнецова (org C) has no tutor."""
    if "tutor2" in state:
        return state
    support_data(world, state)
    from efs.people.models import Scope
    from efs.people.services import role_grant
    from efs.support import caseloads
    from tests.conftest import make_user

    tutor2 = make_user("tutor2")
    role_grant(user=tutor2, role=Role.TUTOR, scope=Scope.ASSIGNED, region=world.r1)
    caseloads.capacity_set(
        actor=world.users["regional"], region_id=world.r1.pk, tutor_id=world.users["tutor"].pk, capacity=5
    )
    state.update(tutor2=tutor2.pk)
    return state
