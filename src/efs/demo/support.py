"""Methodological support in the demo region, made through the real services.

Two more CNPPM tutors with caseloads outside the regional capital, consultations at every
stage (requested, scheduled, held with notes, cancelled) for the demo tutor's educators,
the demo teacher's reflective journal (one entry shared with the mentor), an observation
protocol by the tutor and mentoring notes; mentoring pairs of the demo school with plans
and a meeting log, and mentors proposed to its other young specialists (one confirmed).
Times are relative to now, so the calendar always has past and coming appointments.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from efs.diagnostics.public import current_deficits
from efs.errors import DomainError
from efs.people.public import (
    Educator,
    Region,
    Role,
    Scope,
    SupportAssignment,
    User,
    role_grant,
    support_assign,
)
from efs.support import public as support

from .routes import diagnose
from .users import DEMO_PASSWORD, consented

TOPICS = [
    "Формирующее оценивание: листы самооценки",
    "Критерии оценивания проектных работ",
    "Обновлённые ФГОС: рабочая программа по предмету",
    "Работа с родителями при низкой мотивации ученика",
    "Дифференцированные задания на уроке",
    "Цифровые инструменты для обратной связи",
]
OUTCOMES = [
    (
        "Разобрали два урока; выделили момент, где теряется обратная связь.",
        "Составлен лист самооценки для 7 класса.",
        "Провести урок с листом самооценки и принести его на следующую встречу.",
    ),
    (
        "Обсудили критерии и шкалы; педагог сомневается в весах критериев.",
        "Черновик критериев оценивания проекта.",
        "Согласовать критерии с МО учителей.",
    ),
    (
        "Прошли по разделам программы, сверили с ФОП.",
        "Исправлены планируемые результаты в двух темах.",
        "Доработать тематическое планирование.",
    ),
]
TUTORS = [("tutor_achinsk", "Вера", "Сорокина", "Ачинск"), ("tutor_norilsk", "Дмитрий", "Таймыров", "Норильск")]


def _tutor(region: Region, username: str, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first() or User(username=username, first_name=first, last_name=last)
    user.set_password(DEMO_PASSWORD)
    user.save()
    role_grant(user=user, role=Role.TUTOR, scope=Scope.ASSIGNED, region=region)
    return user


@transaction.atomic
def create_demo_support(region: Region, *, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    made: dict[str, int] = {
        "tutors": 0,
        "caseload": 0,
        "consultations": 0,
        "records": 0,
        "mentorships": 0,
        "proposals": 0,
    }
    for username, first, last, city in TUTORS:
        tutor = _tutor(region, username, first, last)
        made["tutors"] += 1
        caseload = list(
            Educator.objects.filter(region=region, organization__municipality__name=city, category="teacher").order_by(
                "pk"
            )[: rng.randint(28, 40)]
        )
        consented(caseload)  # the ЦНППМ's support starts from the person's consent, recorded by the operator
        for educator in caseload:
            support_assign(supporter=tutor, educator=educator, kind=Role.TUTOR)
            made["caseload"] += 1

    tutor = User.objects.get(username="tutor")
    teacher_user = User.objects.get(username="teacher")
    teacher = Educator.objects.get(user=teacher_user)
    now = timezone.now()
    tutees = Educator.objects.filter(
        support_assignments__supporter=tutor, support_assignments__active=True, support_assignments__kind=Role.TUTOR
    )
    stage = 0
    for educator in [teacher, *tutees.exclude(pk=teacher.pk).order_by("pk")]:
        deficits = current_deficits(educator_id=educator.pk)
        if not deficits or stage >= 16:
            continue
        actor = educator.user
        if actor is None:
            actor = User.objects.create_user(
                username=f"educator{educator.pk}", first_name=educator.first_name, last_name=educator.last_name
            )
            role_grant(user=actor, role=Role.TEACHER, scope=Scope.SELF, region=region)
            educator.user = actor
            educator.save(update_fields=["user"])
        kind = stage % 4 if educator != teacher else 2
        for step in [2, 1, 0] if educator == teacher else [kind]:
            topic = TOPICS[(stage + step) % len(TOPICS)]
            c = support.consultation_request(
                actor=actor,
                educator=educator,
                topic=topic,
                format="online" if step % 2 else "in_person",
                preferred_times="по будням после 15:00",
                competency_id=deficits[step % len(deficits)].competency_id,
            )
            made["consultations"] += 1
            if step == 0:
                continue  # requested, waiting for the tutor
            if step == 3:
                support.consultation_cancel(actor=actor, consultation=c, reason="Совпало с педсоветом")
                continue
            starts = (
                (now + dt.timedelta(days=2 + stage % 5, hours=stage % 3))
                if step == 1
                else (now - dt.timedelta(days=7 + stage, hours=1))
            )
            starts = starts.replace(minute=0, second=0, microsecond=0)
            support.consultation_schedule(
                actor=tutor,
                consultation=c,
                starts_at=starts,
                duration_minutes=45,
                place="ЦНППМ, ул. Ленина, 111, ауд. 204",
                online_link="https://sferum.ru/?call_link=demo" if step % 2 else "",
                now=min(now, starts - dt.timedelta(days=1)),
            )
            if step == 2:
                notes, outcome, next_steps = OUTCOMES[stage % len(OUTCOMES)]
                support.consultation_record(
                    actor=tutor, consultation=c, notes=notes, outcome=outcome, next_steps=next_steps
                )
                made["records"] += 1
        stage += 1

    mentor = User.objects.get(username="mentor")
    journal = support.record_create(
        actor=teacher_user,
        educator=teacher,
        kind="journal_entry",
        title="Урок в 7 «Б»: самооценка по критериям",
        body="Что я планировала: ученики оценивают решение по трём критериям.\nЧто получилось: половина класса "
        "справилась.\n"
        "Что изменю: дам образец оценённой работы перед самостоятельной частью.",
    )
    support.record_share(actor=teacher_user, record=journal, user_id=mentor.pk)
    support.record_create(
        actor=teacher_user,
        educator=teacher,
        kind="journal_entry",
        title="После консультации с тьютором",
        body="Поняла, почему обратная связь запаздывает: я собираю листы в конце урока. Попробую середину урока.",
    )
    support.record_create(
        actor=tutor,
        educator=teacher,
        kind="observation",
        title="Наблюдение урока алгебры, 7 «Б»",
        body="A/01.6 Обучение — уровень 2 из 3: цели урока названы, критерии успеха не показаны ученикам.\n"
        "A/03.6 Развивающая деятельность — уровень 2 из 3: задания разного уровня, выбор за учеником.",
    )
    made["records"] += 3
    for assignment in SupportAssignment.objects.filter(supporter=mentor, kind=Role.MENTOR, active=True).select_related(
        "educator"
    ):
        support.record_create(
            actor=mentor,
            educator=assignment.educator,
            kind="mentoring_note",
            title="Встреча наставника: план на четверть",
            body="Договорились о взаимопосещении двух уроков и разборе одного родительского собрания.",
        )
        made["records"] += 1
    made.update(_mentoring(region, mentor, now))
    cycles = _cycles(
        teacher, tutor, tutees.exclude(pk=teacher.pk).filter(user__isnull=False).order_by("pk"), seed
    )
    made.update(_caseloads(region, rng))
    made["held"] = _held_consultations(region, now)
    made["rediagnosed"] = _second_wave(region, seed)
    made["measures"] = len(support.effects_compute(region_id=region.pk))  # what the daily job does every night
    return {**made, "cycles": cycles}


KANSK_TUTOR = ("tutor_kansk", "Ольга", "Канская")
HELD_PER_TUTOR = 24  # consultations the tutors outside the capital held over the past month
COMPARISON_SAMPLE = 400  # educators re-diagnosed without any support, for the comparison


def _login(educator: Educator, region: Region) -> User:
    if educator.user is None:
        user = User.objects.create_user(
            username=f"educator{educator.pk}", first_name=educator.first_name, last_name=educator.last_name
        )
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=region)
        educator.user = user
        educator.save(update_fields=["user"])
    return educator.user


def _held_consultations(region: Region, now: dt.datetime) -> int:
    """The Ачинск and Норильск tutors held a consultation a day over the past month, each on
    the most likely deficit of an educator of their caseload measured before it."""
    held = 0
    for username, *_rest in TUTORS:
        tutor = User.objects.get(username=username)
        caseload = Educator.objects.filter(
            support_assignments__supporter=tutor,
            support_assignments__active=True,
            support_assignments__kind=Role.TUTOR,
        ).order_by("pk")
        day = 0
        for educator in caseload:
            if day >= HELD_PER_TUTOR:
                break
            starts = timezone.localtime(now - dt.timedelta(days=8 + day)).replace(
                hour=10 + day % 6, minute=0, second=0, microsecond=0
            )
            deficits = current_deficits(educator_id=educator.pk)
            measured = deficits[0].measured_at if deficits else None
            if measured is None or measured > starts - dt.timedelta(days=1):
                continue
            actor = _login(educator, region)
            c = support.consultation_request(
                actor=actor,
                educator=educator,
                topic=TOPICS[day % len(TOPICS)],
                format="online",
                preferred_times="после уроков",
                competency_id=deficits[0].competency_id,
            )
            support.consultation_schedule(
                actor=tutor,
                consultation=c,
                starts_at=starts,
                duration_minutes=45,
                online_link="https://sferum.ru/?call_link=demo",
                now=starts - dt.timedelta(days=1),
            )
            notes, outcome, next_steps = OUTCOMES[day % len(OUTCOMES)]
            support.consultation_record(
                actor=tutor, consultation=c, notes=notes, outcome=outcome, next_steps=next_steps
            )
            day += 1
        held += day
    return held


def _second_wave(region: Region, seed: int) -> int:
    """A second wave of diagnostics: the educators supported since their first measurement
    and a random sample of the region's educators without any support, so that «Does support
    work?» compares supported deficits with comparable unsupported ones (docs/support.md)."""
    from efs.demo.diagnostics import measured_once, simulate_second_wave

    pairs, mentees = support.supported_pairs(region.pk)
    for mentee in mentees:  # mentoring works on the mentee's deficits
        pairs |= {(mentee, d.competency_id) for d in current_deficits(educator_id=mentee)}
    demo_logins = set(
        Educator.objects.filter(region=region, user__username__in=["teacher", "head", "mentor", "student"]).values_list(
            "pk", flat=True
        )
    )
    once = measured_once(region) - demo_logins
    supported = sorted({e for e, _c in pairs} & once)
    rng = random.Random(seed + 14)
    others = sorted(once - {e for e, _c in pairs} - mentees)
    sample = rng.sample(others, min(COMPARISON_SAMPLE, len(others)))
    return simulate_second_wave(region, seed=seed + 14, educator_ids=supported + sample, supported=pairs)


def _caseloads(region: Region, rng: random.Random) -> dict[str, int]:
    """The ЦНППМ head's page filled: capacities for every tutor of the region (the Ачинск
    tutor over capacity), a new Канск tutor with free places, three of the Ачинск
    caseload handed over to her (the history and the notifications), and the rest of the
    region's educators without a tutor, as in a region where the centre has just started."""
    head = User.objects.get(username="regional")
    kansk = _tutor(region, *KANSK_TUTOR)
    loads = {
        t.pk: SupportAssignment.objects.filter(supporter=t, kind=Role.TUTOR, active=True).count()
        for t in User.objects.filter(role_assignments__role=Role.TUTOR, role_assignments__region=region).distinct()
    }
    achinsk = User.objects.get(username="tutor_achinsk")
    for tutor_id, load in loads.items():
        if tutor_id == achinsk.pk:
            capacity = max(1, load - 8)  # eight over capacity before the head moves three
        elif tutor_id == kansk.pk:
            capacity = 30
        else:
            capacity = load + rng.choice([5, 10, 15])
        support.capacity_set(actor=head, region_id=region.pk, tutor_id=tutor_id, capacity=capacity)
    newest = list(
        SupportAssignment.objects.filter(supporter=achinsk, kind=Role.TUTOR, active=True)
        .order_by("-assigned_at", "-pk")
        .values_list("educator_id", flat=True)[:3]
    )
    moved = (
        support.caseload_move(
            actor=head,
            region_id=region.pk,
            moves=[(e, kansk.pk) for e in newest],
            note="Разгрузка ачинского тьютора",
            proposed=True,
        )
        if newest
        else []
    )
    return {"capacities": len(loads), "moved": len(moved)}


LEVELS = [
    {"A/01.6": 1, "A/02.6": 2, "A/03.6": 1},
    {"A/01.6": 2, "A/02.6": 2, "A/03.6": 2},
    {"A/01.6": 2, "A/02.6": 3, "A/03.6": 2},
]


def _cycles(teacher: Educator, tutor: User, tutees, seed: int) -> dict[str, int]:
    """Cycles at every stage: the demo teacher's waits for the tutor's observation; the
    tutor's educators are at plan, act, observe and reflect, and three were re-diagnosed
    (a real adaptive attempt through the diagnostics services) and closed."""
    import numpy as np

    rng = np.random.default_rng(seed)
    stages = ["observe", *(["plan", "act", "observe", "reflect", "closed", "closed", "closed"])]
    done: dict[str, int] = {}
    for educator, target in zip([teacher, *tutees], stages, strict=False):
        deficits = current_deficits(educator_id=educator.pk)
        if not deficits:
            continue
        user = educator.user
        cycle = support.cycle_open(actor=user, educator=educator, competency_id=deficits[0].competency_id)
        # The demo's cycles began weeks ago (a cycle takes a month or two in a school).
        type(cycle).objects.filter(pk=cycle.pk).update(opened_at=timezone.now() - dt.timedelta(days=35 + 5 * len(done)))
        cycle.refresh_from_db()
        if target != "plan":
            support.cycle_plan(
                actor=user,
                cycle=cycle,
                text="Ввести критерии успеха, понятные ученикам, и проверять понимание в середине урока.",
            )
        if target not in ("plan", "act"):
            support.cycle_act(
                actor=user,
                cycle=cycle,
                text="Провела четыре урока: критерии на доске, карточки «светофор» после объяснения.",
            )
        if target in ("reflect", "closed"):
            support.cycle_observe(
                actor=tutor,
                cycle=cycle,
                levels=LEVELS[len(done) % len(LEVELS)],
                notes="09:05 — цель названа учителем\n09:12 — критерии на доске, двое учеников пересказали их\n09:30 — "
                "«светофор»: 6 красных, учитель объяснил иначе",
            )
        if target == "closed":
            support.cycle_reflect(
                actor=user,
                cycle=cycle,
                answers={
                    "went": "Критерии ученики поняли.",
                    "showed": "Я не жду ответа и отвечаю сама.",
                    "next": "Пауза три секунды после вопроса.",
                },
            )
            diagnose(user, rng=rng, started=timezone.now() - dt.timedelta(hours=2))
            try:
                support.cycle_close(actor=user, cycle=cycle)
            except DomainError:
                target = "reflect"  # the adaptive attempt did not measure this competency again
        done[target] = done.get(target, 0) + 1
    return done


def _mentoring(region: Region, mentor: User, now: dt.datetime) -> dict[str, int]:
    """The demo mentor's mentees become pairs with plans and meetings; the demo school's
    other young specialists get proposed mentors, the first one confirmed."""
    head = User.objects.get(username="head")
    romanova = Educator.objects.get(user=mentor)
    today = timezone.localdate()
    pairs = []
    for assignment in (
        SupportAssignment.objects.filter(supporter=mentor, kind=Role.MENTOR, active=True)
        .select_related("educator__organization")
        .order_by("pk")
    ):
        pairs += support.mentorship_create(
            actor=head, mentor_educator=romanova, mentees=[assignment.educator], form="teacher_teacher"
        )
    for n, pair in enumerate(pairs):
        deficits = current_deficits(educator_id=pair.mentee_id)
        if deficits:
            support.plan_add(
                actor=mentor,
                mentorship=pair,
                kind="goal",
                title="Освоить приёмы формирующего оценивания",
                due_on=today + dt.timedelta(days=60),
                competency_id=deficits[0].competency_id,
            )
        support.plan_add(
            actor=mentor,
            mentorship=pair,
            kind="meeting",
            title="Взаимопосещение уроков",
            due_on=today + dt.timedelta(days=14 + n),
        )
        task = support.plan_add(
            actor=mentor,
            mentorship=pair,
            kind="task",
            title="Самоанализ урока по схеме",
            due_on=today + dt.timedelta(days=1),
        )
        # One task went overdue, as tasks do: the head's page counts it.
        type(task).objects.filter(pk=task.pk).update(due_on=today - dt.timedelta(days=5 + n))
        for weeks in (6, 3, 1)[: 3 - n % 3]:
            support.meeting_log(
                actor=mentor,
                mentorship=pair,
                held_on=today - dt.timedelta(weeks=weeks),
                minutes=45,
                topic="Разбор посещённого урока",
                notes="Что получилось, что мешает, что пробуем на следующей неделе." if weeks == 1 else "",
            )
    school = Educator.objects.get(user=head).organization_id
    assert school is not None  # the demo head heads a school
    proposals = support.mentors_propose(actor=head, organization_id=school)
    if proposals:
        support.mentorship_decide(actor=head, mentorship=proposals[0], accept=True)
    return {"mentorships": len(pairs) + min(1, len(proposals)), "proposals": max(0, len(proposals) - 1)}
