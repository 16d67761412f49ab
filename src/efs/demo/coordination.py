"""The coordination council of the demo region: a year of its work through the council's own
services, so every rule (quorum, votes of members present, minutes approved then frozen, pledges
accepted by the organizations themselves) holds in the demo as it does in use.

- Nine members representing the subjects of the regional system: the ministry (the chair and a
  deputy), the institute of professional development (the secretary), the CNPPM, the two
  universities, the municipal methodological services of Krasnoyarsk and Norilsk, and a school.
  The demo logins `regional`, `provider`, `tutor`, `municipal` and `head` sit on it.
- Four meetings held over the last year (the third without a quorum: nothing was decided) and
  one planned, whose agenda already carries the overdue task and the decisions still open.
- Seven strategic tasks from the decisions, with responsible and co-executing organizations and
  their pledges; four are measured by monitoring's indicators (their progress is computed from the
  region's values against its targets), one is done, one is overdue, one has a missed milestone,
  and one pledge still waits for the university's answer.

Names of people are invented; the figures are demo data.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from efs.coordination import public as coordination
from efs.monitoring.public import Indicator
from efs.people.public import Organization, Region, User

OUTSIDE_LOGINS = [
    # username, first name, last name: council members without a demo login of their own
    ("council_deputy", "Лариса", "Тайгина"),
    ("council_kspu", "Сергей", "Манский"),
    ("council_sfu", "Марина", "Саянова"),
    ("council_norilsk", "Виктор", "Талнахов"),
]


def _person(username: str, first: str, last: str) -> User:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username=username, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _at(day: dt.date, hour: int = 15) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _organizations(region: Region) -> dict[str, Organization] | None:
    """The council's organizations by role, or None when the directory lacks one."""
    orgs = Organization.objects.filter(region=region)
    pick = {
        "ministry": orgs.filter(kind="ministry").order_by("pk").first(),
        "ipk": orgs.filter(kind="ipk").order_by("pk").first(),
        "cnppm": orgs.filter(kind="cnppm").order_by("pk").first(),
        "kspu": orgs.filter(kind="university", short_name__startswith="КГПУ").first()
        or orgs.filter(kind="university").order_by("pk").first(),
        "sfu": orgs.filter(kind="university", short_name="СФУ").first()
        or orgs.filter(kind="university").order_by("-pk").first(),
        "kimc": orgs.filter(kind="municipal_service").order_by("pk").first(),
        "norilsk": orgs.filter(kind="municipal_service", short_name__contains="Норильск").first()
        or orgs.filter(kind="municipal_service").order_by("-pk").first(),
    }
    found = {key: org for key, org in pick.items() if org is not None}
    return found if len(found) == len(pick) else None


def _school_of(user) -> Organization | None:
    return Organization.objects.filter(
        pk__in=user.role_assignments.filter(organization__isnull=False).values("organization_id")
    ).first()


def _accept(task, member) -> None:
    part = task.participations.get(organization_id=member.organization_id)
    if part.state == "proposed":  # the chair's own ministry accepted when the task was set
        coordination.pledge_answer(actor=member.user, participation=part, accept=True)


def _compose(council, operator, logins, org, year_ago) -> dict:
    """The members (nine subjects of the regional system) and two working groups."""
    people = {name: _person(name, first, last) for name, first, last in OUTSIDE_LOGINS}

    def add(user, organization, role="member"):
        return coordination.member_add(
            actor=operator, council=council, user=user, organization=organization, role=role, term_start=year_ago
        )

    m = {
        "chair": add(operator, org["ministry"], "chair"),
        "deputy": add(people["council_deputy"], org["ministry"], "deputy"),
        "secretary": add(logins["provider"], org["ipk"], "secretary"),
        "cnppm": add(logins["tutor"], org["cnppm"]),
        "kspu": add(people["council_kspu"], org["kspu"]),
        "sfu": add(people["council_sfu"], org["sfu"]),
        "kimc": add(logins["municipal"], org["kimc"]),
        "norilsk": add(people["council_norilsk"], org["norilsk"]),
    }
    head_school = _school_of(logins["head"])
    if head_school is not None:
        m["school"] = add(logins["head"], head_school)
    coordination.group_create(
        actor=operator,
        council=council,
        name="Рабочая группа по диагностике и ИОМ",
        purpose="Охват диагностикой, маршруты по её итогам, повторная диагностика.",
        leader=m["cnppm"],
        members=[m["cnppm"], m["secretary"], m["kimc"], m["norilsk"]],
    )
    coordination.group_create(
        actor=operator,
        council=council,
        name="Рабочая группа по подготовке кадров",
        purpose="Практика студентов, целевое обучение, наставничество молодых учителей.",
        leader=m["kspu"],
        members=[m["kspu"], m["sfu"], m["deputy"]] + ([m["school"]] if "school" in m else []),
    )
    return m


def create_demo_coordination(region: Region) -> dict:
    logins = {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["regional", "provider", "tutor", "municipal", "head"])
    }
    org = _organizations(region)
    if len(logins) < 5 or org is None:
        return {"members": 0, "meetings": 0, "decisions": 0, "tasks": 0}
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=365)
    operator = logins["regional"]
    council = coordination.council_create(
        actor=operator,
        region=region,
        name="Координационный совет региональной системы научно-методического сопровождения",
        basis=f"Приказ министерства образования Красноярского края № 412-11-05 от {year_ago:%d.%m.%Y}",
        address="г. Красноярск, пр. Мира, 76",
    )
    m = _compose(council, operator, logins, org, year_ago)
    secretary = m["secretary"].user
    indicators = {
        i.code: i
        for i in Indicator.objects.filter(
            code__in=["diagnosed_share", "route_share", "certificate_use_share", "trained_cnppm_share"]
        )
    }
    made = {"decisions": 0}

    def meeting(days_ago, present_keys, agenda, decisions, minutes_text, approve_keys):
        meet = coordination.meeting_schedule(
            actor=operator,
            council=council,
            starts_at=_at(today - dt.timedelta(days=days_ago)),
            place="Министерство образования, зал коллегии",
        )
        for title, speaker, task, code in agenda:
            coordination.agenda_add(
                actor=secretary,
                meeting=meet,
                title=title,
                speaker=m[speaker],
                task=task,
                indicator=indicators.get(code) if code else None,
            )
        coordination.attendance_record(actor=secretary, meeting=meet, present=[m[k] for k in present_keys if k in m])
        out = []
        for text, method, due, votes in decisions:
            decision = coordination.decision_add(
                actor=secretary,
                meeting=meet,
                text=text,
                method=method,
                due_date=today - dt.timedelta(days=days_ago) + dt.timedelta(days=due) if due else None,
            )
            if method == "vote":
                for key, choice in [(k, c) for k, c in votes.items() if k in m and k in present_keys]:
                    coordination.vote_record(actor=secretary, decision=decision, choice=choice, member=m[key])
                decision = coordination.decision_close(actor=secretary, decision=decision)
            out.append(decision)
            made["decisions"] += 1
        if minutes_text:
            minutes = coordination.minutes_save(actor=secretary, meeting=meet, text=minutes_text)
            for key in approve_keys:
                if minutes.status != "frozen":
                    minutes = coordination.minutes_approve(actor=m[key].user, minutes=minutes)
        return meet, out

    all_for = {k: "for" for k in ("chair", "deputy", "secretary", "cnppm", "kimc", "norilsk")}
    # 1. The founding meeting: the regulation, the plan of the year, the first tasks.
    _m1, (d_regulation, d_diagnostics, d_routes) = meeting(
        330,
        ["chair", "deputy", "secretary", "cnppm", "kspu", "kimc", "norilsk", "school"],
        [
            ("Об утверждении положения о координационном совете", "chair", None, None),
            ("Об охвате педагогов диагностикой профессиональных дефицитов", "cnppm", None, "diagnosed_share"),
            ("О построении ИОМ по итогам диагностики", "secretary", None, "route_share"),
        ],
        [
            ("Утвердить положение о координационном совете и план работы на год.", "consensus", 30, {}),
            (
                "Обеспечить охват диагностикой профессиональных дефицитов не менее 60 % педагогов края.",
                "vote",
                300,
                {**all_for, "kspu": "for", "school": "abstained"},
            ),
            (
                "Построить ИОМ для педагогов с выявленными дефицитами силами тьюторов ЦНППМ и ККИПК.",
                "vote",
                300,
                {**all_for, "kspu": "for", "school": "for"},
            ),
        ],
        "Слушали: о положении о совете, об охвате диагностикой, об ИОМ.\nРешили: см. решения 1.1–1.3.",
        ["chair", "deputy", "secretary", "cnppm", "kimc"],
    )
    start = today - dt.timedelta(days=320)
    end_of_year = dt.date(today.year, 12, 31) if today.month < 12 else dt.date(today.year + 1, 3, 31)

    def task(title, goal, responsible, decision, deadline, codes=(), starts=start):
        t = coordination.task_create(
            actor=operator,
            council=council,
            title=title,
            goal=goal,
            starts_on=starts,
            deadline=deadline,
            responsible=org[responsible] if isinstance(responsible, str) else responsible,
            decision=decision,
            indicators=[indicators[c] for c in codes if c in indicators],
        )
        return t

    def accept(t, key):
        _accept(t, m[key])

    def pledge(t, key, money_roubles=0, hours=0, venues="", part="co_executor"):
        return coordination.pledge_record(
            actor=m[key].user,
            task=t,
            organization=m[key].organization,
            part=part,
            money_kopecks=money_roubles * 100,
            staff_hours=hours,
            venues=venues,
        )

    t_regulation = task(
        "Положение о совете и план работы на год",
        "Принятые положение и план, опубликованные на сайте министерства.",
        "ministry",
        d_regulation,
        today - dt.timedelta(days=290),
        starts=today - dt.timedelta(days=330),
    )
    accept(t_regulation, "chair")
    coordination.task_status_set(
        actor=operator,
        task=t_regulation,
        status="done",
        evidence="Приказ министерства № 455-11-05; положение и план опубликованы на сайте министерства.",
    )
    # The secretary has read the evidence and put it on the public accountability page.
    coordination.task_evidence_publish(
        actor=m["secretary"].user,
        task=t_regulation,
        text="Приказ министерства № 455-11-05; положение и план опубликованы на сайте министерства.",
    )
    t_diag = task(
        "Охват диагностикой профессиональных дефицитов",
        "Не менее 60 % педагогов края прошли диагностику за год.",
        "cnppm",
        d_diagnostics,
        end_of_year,
        ["diagnosed_share"],
    )
    accept(t_diag, "cnppm")
    pledge(t_diag, "secretary", 0, 600, "компьютерные классы ККИПК")
    pledge(t_diag, "kimc", 0, 240, "8 площадок КИМЦ в районах города")
    pledge(t_diag, "norilsk", 150_000, 120, "методический кабинет г. Норильска")
    schedule = coordination.milestone_add(
        actor=operator, task=t_diag, title="График диагностики по муниципалитетам", due=start + dt.timedelta(days=30)
    )
    coordination.milestone_reach(actor=operator, milestone=schedule, on=start + dt.timedelta(days=28))
    t_routes = task(
        "ИОМ для педагогов с выявленными дефицитами",
        "Утверждённый ИОМ у каждого педагога с дефицитом по итогам диагностики.",
        "ipk",
        d_routes,
        end_of_year,
        ["route_share"],
    )
    accept(t_routes, "secretary")
    pledge(t_routes, "cnppm", 0, 1_800, "")
    pledge(t_routes, "kspu", 300_000, 400, "аудитории института психологии КГПУ")

    # 2. Certificates and the CNPPM's programs; the regulation corrected after approval.
    m2, (d_certificates, d_cnppm) = meeting(
        240,
        ["chair", "deputy", "secretary", "cnppm", "sfu", "kimc", "norilsk"],
        [
            ("Об использовании сертификатов на обучение", "deputy", None, "certificate_use_share"),
            ("Об охвате программами ЦНППМ", "cnppm", t_routes, "trained_cnppm_share"),
        ],
        [
            (
                "Довести долю использованных сертификатов до 40 %: разъяснить порядок записи в каждом муниципалитете.",
                "vote",
                200,
                {**all_for, "sfu": "for"},
            ),
            (
                "Расширить сетку программ ЦНППМ по дефицитам, выявленным диагностикой.",
                "vote",
                200,
                {**all_for, "sfu": "against", "norilsk": "abstained"},
            ),
        ],
        "Слушали: о сертификатах, о программах ЦНППМ.\nРешили: см. решения 2.1–2.2.",
        ["chair", "deputy", "secretary", "cnppm"],
    )
    frozen = coordination.Minutes.objects.get(meeting=m2, status="frozen")
    coordination.minutes_correct(
        actor=secretary,
        minutes=frozen,
        reason="уточнён состав присутствовавших от СФУ",
        text=frozen.text + "\nОт СФУ присутствовала М. Саянова (с правом голоса).",
    )
    t_cert = task(
        "Использование сертификатов на обучение",
        "Не менее 40 % выданных за год сертификатов использованы.",
        "ministry",
        d_certificates,
        end_of_year,
        ["certificate_use_share"],
        starts=today - dt.timedelta(days=235),
    )
    accept(t_cert, "chair")
    pledge(t_cert, "kimc", 0, 160, "консультации в 7 районах Красноярска")
    t_cnppm = task(
        "Программы ЦНППМ по выявленным дефицитам",
        "Не менее 15 % педагогов обучены в ЦНППМ за год.",
        "cnppm",
        d_cnppm,
        end_of_year,
        ["trained_cnppm_share"],
        starts=today - dt.timedelta(days=235),
    )
    accept(t_cnppm, "cnppm")
    pledge(t_cnppm, "secretary", 2_500_000, 900, "")
    coordination.pledge_record(
        actor=operator,
        task=t_cnppm,
        organization=org["sfu"],
        money_kopecks=0,
        staff_hours=200,
        venues="учебные аудитории СФУ",
    )  # proposed to the university; no answer yet

    # 3. No quorum: four of nine came; nothing could be decided.
    meeting(
        150,
        ["chair", "secretary", "cnppm", "kimc"],
        [("О ходе диагностики в северных территориях", "norilsk", t_diag, "diagnosed_share")],
        [],
        "",
        [],
    )

    # 4. Workforce: practice of students and the network of municipal services.
    _m4, (d_practice, d_network) = meeting(
        60,
        ["chair", "deputy", "secretary", "cnppm", "kspu", "sfu", "kimc", "school"],
        [
            ("О педагогической практике студентов в школах края", "kspu", None, None),
            ("О сети муниципальных методических служб", "kimc", None, None),
        ],
        [
            (
                "Организовать практику студентов КГПУ в 40 школах края с наставниками из числа учителей.",
                "vote",
                40,
                {
                    "chair": "for",
                    "deputy": "for",
                    "secretary": "for",
                    "cnppm": "for",
                    "kspu": "for",
                    "sfu": "for",
                    "kimc": "for",
                    "school": "for",
                },
            ),
            ("Создать сеть муниципальных методических служб с единым планом работы.", "consensus", 120, {}),
        ],
        "Слушали: о практике студентов, о сети методических служб.\nРешили: см. решения 4.1–4.2.",
        ["chair", "deputy", "secretary", "kspu", "kimc"],
    )
    t_practice = task(
        "Практика студентов КГПУ в школах края",
        "Практика в 40 школах с наставниками; договоры со школами.",
        "kspu",
        d_practice,
        today - dt.timedelta(days=12),
        starts=today - dt.timedelta(days=55),
    )
    accept(t_practice, "kspu")
    coordination.task_status_set(actor=m["kspu"].user, task=t_practice, status="in_progress")
    if "school" in m:
        pledge(t_practice, "school", 0, 72, "базовая школа практики")
    t_network = task(
        "Сеть муниципальных методических служб",
        "Единый план работы служб всех муниципалитетов края.",
        "kimc",
        d_network,
        today + dt.timedelta(days=90),
        starts=today - dt.timedelta(days=55),
    )
    accept(t_network, "kimc")
    pledge(t_network, "norilsk", 0, 80, "")
    coordination.milestone_add(
        actor=operator,
        task=t_network,
        title="Положение о сети согласовано с муниципалитетами",
        due=today - dt.timedelta(days=10),
    )
    coordination.milestone_add(
        actor=operator, task=t_network, title="Единый план работы утверждён", due=today + dt.timedelta(days=60)
    )
    coordination.task_edit(
        actor=m["secretary"].user,
        task=t_network,
        title=t_network.title,
        goal="Единый план работы служб всех муниципалитетов края, согласованный с ЦНППМ.",
        deadline=today + dt.timedelta(days=120),
        reason="Срок продлён по просьбе муниципалитетов северных территорий (обсуждение на заседании 4).",
    )
    coordination.decision_executed(actor=operator, decision=d_regulation, on=today - dt.timedelta(days=290))

    for measured in (t_diag, t_routes, t_cert, t_cnppm):
        coordination.task_status_set(actor=operator, task=measured, status="in_progress")

    coordination.discussion_post(
        actor=m["cnppm"].user,
        subject=("coordination.task", t_diag.pk),
        region=region,
        title=t_diag.title,
        body="В северных территориях охват ниже: предлагаю выездные сессии диагностики в Норильске и Дудинке.",
    )
    coordination.discussion_post(
        actor=m["norilsk"].user,
        subject=("coordination.task", t_diag.pk),
        region=region,
        title=t_diag.title,
        body="Поддерживаем; методический кабинет готов принять две сессии в первом квартале.",
    )
    coordination.discussion_post(
        actor=m["kspu"].user,
        subject=("coordination.decision", d_practice.pk),
        region=region,
        title=d_practice.text[:150],
        body="Договоры подписаны с 31 школой из 40; по остальным ждём ответа муниципалитетов.",
    )

    # 5. The next meeting: its agenda carries the overdue task and the decisions still open.
    upcoming = coordination.meeting_schedule(
        actor=operator,
        council=council,
        starts_at=_at(today + dt.timedelta(days=20)),
        place="Министерство образования, зал коллегии",
    )
    coordination.agenda_add(
        actor=secretary,
        meeting=upcoming,
        title="Об итогах диагностики за год",
        speaker=m["cnppm"],
        task=t_diag,
        indicator=indicators.get("diagnosed_share"),
    )
    return {"members": len(m), "meetings": 5, "decisions": made["decisions"], "tasks": council.tasks.count()}
