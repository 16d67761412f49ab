"""The network school of the demo region, made through the real services of practices/network.

Ten network communities of Krasnoyarsk Krai (three admit by request, two are open to the
regions of the Siberian Federal District) moderated by ЦНППМ methodologists, with
discussions (Markdown, mentions, one reported and one hidden message), webinars, open
lessons and master classes (past ones with attendance recorded, coming ones open for
registration); two blended courses with online modules and in-person sessions and learners at
different stages; three joint projects with organizations of Novosibirsk, Irkutsk, Tomsk and
Kemerovo regions, with tasks, owners, deadlines and outputs. Times are relative to now.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from efs.people.public import Macroregion, Organization, Region, Role, Scope, User, role_grant
from efs.practices import public as bank
from efs.practices.public import network as services

COMMUNITIES = [
    # title, membership, across the Siberian district, description
    (
        "Сетевое МО учителей математики",
        "open",
        True,
        "Формирующее оценивание, функциональная грамотность, подготовка к ГИА.",
    ),
    (
        "Сетевое МО учителей русского языка и литературы",
        "open",
        False,
        "Смысловое чтение, итоговое сочинение, работа с текстом.",
    ),
    ("Школа молодого педагога", "open", False, "Первые три года в профессии: урок, класс, родители, наставник."),
    (
        "Клуб наставников Красноярского края",
        "request",
        False,
        "Для наставников: планы, встречи, разбор трудных случаев.",
    ),
    (
        "Сетевое МО учителей физики и технологии",
        "open",
        True,
        "Лабораторный практикум, точки роста, инженерные классы.",
    ),
    ("Сообщество руководителей школ", "request", False, "Управленческие решения, ВСОКО, кадровая политика."),
    ("Инклюзивное образование: сетевая площадка", "open", False, "Адаптированные программы, тьюторское сопровождение."),
    ("Учителя начальных классов", "open", False, "ФОП НОО, читательская грамотность, оценивание без отметок."),
    (
        "Педагоги сельских и малокомплектных школ",
        "open",
        False,
        "Разновозрастные классы, сетевые формы, дистанционные курсы.",
    ),
    ("Лаборатория цифровой дидактики", "request", False, "Цифровые инструменты обратной связи, ФГИС «Моя школа»."),
]
THREADS = [
    (
        "Листы самооценки в 5–7 классах",
        "Делюсь **листом самооценки** к теме «Дроби». Кто пробовал давать его до контрольной, а не после?",
    ),
    (
        "Как организовать взаимопроверку",
        "Ученики оценивают друг друга слишком мягко. Какие *критерии* вы даёте и как их вводите?",
    ),
    (
        "Подготовка к открытому уроку",
        "Через две недели открытый урок. Поделитесь, пожалуйста, планом анализа урока, по которому смотрят коллеги.",
    ),
    (
        "Функциональная грамотность: банк заданий",
        "Собираем задания по уровням. Ссылки на открытые банки:\n\n- [ФИПИ](https://fipi.ru)\n- [РЭШ](https://resh.edu.ru)",
    ),
    (
        "Рабочие программы по ФОП: что изменилось",
        "Сверили программу с ФОП: расхождения в планируемых результатах по двум темам. Как вы это оформили?",
    ),
    (
        "Разбор трудного случая: конфликт с родителями",
        "Родитель требует пересмотреть отметку. Как вы выстраиваете разговор и что фиксируете письменно?",
    ),
]
REPLIES = [
    "Спасибо, очень полезно. Попробую на этой неделе в 6 «А».",
    "Мы делали так же, но добавили шкалу из трёх уровней — детям проще.",
    "@tutor, можно обсудить это на ближайшей консультации?",
    "Поддерживаю. У нас в школе это решили через методический день.",
    "Прикладываю свой вариант, правьте под себя.",
    "Важно, чтобы критерии были у детей **до** начала работы.",
    "А как вы учитываете это в электронном журнале?",
    "Посмотрела запись вебинара — там есть ответ на ваш вопрос (с 25-й минуты).",
]
EVENTS = [
    ("webinar", "Вебинар: формирующее оценивание на уроке", 150),
    ("open_lesson", "Открытый урок: проектная задача в 7 классе", 25),
    ("master_class", "Мастер-класс: цифровые инструменты обратной связи", 30),
    ("webinar", "Вебинар: функциональная грамотность в основной школе", 200),
]
COURSES = [
    (
        0,
        "Формирующее оценивание: смешанный курс",
        [
            (
                "online",
                "Зачем оценивать для обучения",
                "Прочитайте статью о **формирующем оценивании** и посмотрите запись вебинара.",
                "Опишите один урок, где обратная связь могла бы быть раньше.",
            ),
            (
                "online",
                "Критерии и шкалы",
                "Критерии, дескрипторы, уровневые шкалы: примеры по предметам.",
                "Составьте критерии к одной работе своего предмета.",
            ),
            ("in_person", "Очная сессия: разбор критериев", "", ""),
            (
                "online",
                "Самооценка и взаимооценка",
                "Листы самооценки, «светофор», взаимопроверка по критериям.",
                "Проведите урок с листом самооценки и приложите его.",
            ),
            ("in_person", "Итоговая встреча: открытые уроки участников", "", ""),
        ],
    ),
    (
        2,
        "Школа молодого педагога: первый год",
        [
            (
                "online",
                "Урок: структура и тайминг",
                "Конструктор урока, типичные ошибки первого года.",
                "Пришлите план одного урока с таймингом.",
            ),
            ("in_person", "Очная встреча с наставниками", "", ""),
            (
                "online",
                "Класс и дисциплина",
                "Правила класса, работа с трудным поведением.",
                "Опишите правила своего класса.",
            ),
            (
                "online",
                "Разговор с родителями",
                "Как готовиться к родительскому собранию.",
                "Составьте план родительского собрания.",
            ),
        ],
    ),
]
PROJECTS = [
    (
        "Модель наставничества для кадровой безопасности Сибири",
        ["54", "38"],
        "Разработать и апробировать общую модель наставничества молодых педагогов; снизить отток в первые три года.",
        [
            "Анализ оттока молодых педагогов по регионам",
            "Модель наставничества: проект",
            "Апробация в 12 школах",
            "Итоговый отчёт",
        ],
    ),
    (
        "Функциональная грамотность: межрегиональный банк заданий",
        ["70", "54"],
        "Собрать банк заданий по функциональной грамотности с общей экспертизой и открыть его школам трёх регионов.",
        ["Требования к заданиям", "Экспертиза 300 заданий", "Публикация банка"],
    ),
    (
        "Сетевые формы обучения в малокомплектных школах",
        ["42", "38"],
        "Исследовать сетевые формы обучения для сельских школ и подготовить методические рекомендации.",
        ["Обследование 40 малокомплектных школ", "Методические рекомендации", "Семинар для руководителей"],
    ),
]
PARTNERS = {
    "54": ("Новосибирский институт повышения квалификации и переподготовки работников образования", "НИПКиПРО"),
    "38": ("Институт развития образования Иркутской области", "ИРО Иркутской области"),
    "70": ("Томский областной институт повышения квалификации и переподготовки работников образования", "ТОИПКРО"),
    "42": (
        "Кузбасский региональный институт повышения квалификации и переподготовки работников образования",
        "КРИПКиПРО",
    ),
}


def docx(text: str, name: str) -> SimpleUploadedFile:
    """A minimal Word document (the uploads are checked by content, so it has to be one)."""
    body = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in text.split("\n"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="word/document.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>",
        )
    return SimpleUploadedFile(name, buffer.getvalue())


def _partner(code: str) -> tuple[Organization, User]:
    region = Region.objects.get(code=code)
    name, short = PARTNERS[code]
    org, _ = Organization.objects.get_or_create(
        region=region, name=name, defaults={"short_name": short, "kind": "ipk", "licensed_for_dpo": True}
    )
    username = f"partner{code}"
    user = User.objects.filter(username=username).first() or User.objects.create_user(
        username=username, first_name="Методист", last_name=short
    )
    role_grant(user=user, role=Role.TUTOR, scope=Scope.ASSIGNED, region=region)
    return org, user


def _users(region: Region) -> tuple[User, User, list[User]]:
    regional = User.objects.get(username="regional")
    tutor = User.objects.get(username="tutor")
    people = list(
        User.objects.filter(role_assignments__region=region)
        .exclude(role_assignments__role=Role.REGIONAL_OPERATOR)
        .distinct()
        .order_by("pk")[:60]
    )
    return regional, tutor, people


@transaction.atomic
def create_demo_network(region: Region, *, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    made = {
        "communities": 0,
        "threads": 0,
        "posts": 0,
        "events": 0,
        "registrations": 0,
        "courses": 0,
        "enrollments": 0,
        "projects": 0,
    }
    regional, tutor, people = _users(region)
    moderators = [
        tutor,
        *User.objects.filter(username__in=["tutor_achinsk", "tutor_norilsk", "mentor"]).order_by("username"),
    ]
    siberia = Macroregion.objects.filter(regions=region, name__icontains="Сибирск").first()
    now = timezone.now()
    communities = []
    for index, (title, membership, across, description) in enumerate(COMMUNITIES):
        community = services.community_create(
            actor=regional,
            region=region,
            title=title,
            description=description,
            membership=membership,
            macroregion=siberia if across else None,
            moderators=(moderators[index % len(moderators)],),
        )
        communities.append(community)
        made["communities"] += 1
        members = [
            u
            for u in rng.sample(people, k=min(len(people), rng.randint(8, 25)))
            if u.pk != moderators[index % len(moderators)].pk
        ]
        active = _members(community, members, moderators[index % len(moderators)], rng)
        _discussions(community, index, active, made, rng)
        _events(community, active, now, made, rng)
    made["courses"], made["enrollments"] = _courses(communities, moderators, people, rng)
    made["projects"] = _projects(region, regional, tutor, people, rng)
    return made


def _members(community, members: list[User], moderator: User, rng) -> list[User]:
    """The active members, the moderator first; by-request communities admit most requests."""
    active = [moderator]
    for user in members:
        membership_row = services.community_join(actor=user, community=community)
        if community.membership == "request" and rng.random() < 0.8:
            approved = services.membership_decide(actor=moderator, membership=membership_row, approve=True)
            assert approved is not None  # only a declined request is deleted
            membership_row = approved
        if membership_row.status == "active":
            active.append(user)
    return active


def _discussions(community, index: int, active: list[User], made: dict, rng) -> None:
    for number, t in enumerate(rng.sample(range(len(THREADS)), k=rng.randint(2, 4))):
        title, body = THREADS[t]
        author = rng.choice(active)
        thread = services.thread_create(actor=author, community=community, title=title, body=body)
        made["threads"] += 1
        made["posts"] += 1
        last = None
        for _ in range(rng.randint(1, 9)):
            last = services.post_create(actor=rng.choice(active), thread=thread, body=rng.choice(REPLIES))
            made["posts"] += 1
        if number != 0 or last is None or last.author_id == author.pk:
            continue
        if index == 0:  # a report waits for the moderator
            services.post_report(actor=author, post=last, reason="Не по теме обсуждения")
        elif index == 1:  # a message the moderator hid
            services.post_hide(actor=active[0], post=last, reason="Реклама стороннего курса")


def _events(community, active: list[User], now: dt.datetime, made: dict, rng) -> None:
    for e, (kind, title, capacity) in enumerate(rng.sample(EVENTS, k=2)):
        past = e == 0  # the first took place (announced two weeks before it), the second is coming
        shift = -dt.timedelta(days=rng.randint(5, 30)) if past else dt.timedelta(days=rng.randint(3, 40))
        # at a working hour of the region's clock, not at the minute the demo was built
        start = timezone.localtime(now + shift).replace(
            hour=rng.choice((10, 14, 15, 16)), minute=0, second=0, microsecond=0
        )
        announced = start - dt.timedelta(days=14) if past else None
        event = services.event_create(
            actor=active[0],
            community=community,
            kind=kind,
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=90),
            capacity=capacity,
            registration_deadline=start - dt.timedelta(days=1),
            description=community.description,
            place="" if kind == "webinar" else "КК ИПК, ул. Матросова, 19",
            online_link="https://vcs.example.ru/efs-webinar" if kind == "webinar" else "",
            now=announced,
        )
        made["events"] += 1
        registered = active[: min(len(active), capacity)]
        for user in registered:
            services.event_register(actor=user, event=event, now=announced)
            made["registrations"] += 1
        if past:
            came = {u.pk for u in registered if rng.random() < 0.8}
            services.attendance_record(actor=active[0], event=event, attended_user_ids=came)


def community_moderator(community, moderators: list[User], index: int) -> User:
    return moderators[index % len(moderators)]


def _courses(communities, moderators, people, rng) -> tuple[int, int]:
    enrolled = 0
    for community_index, title, modules in COURSES:
        community = communities[community_index]
        moderator = community_moderator(community, moderators, community_index)
        course = services.course_create(
            actor=moderator, community=community, title=title, description=community.description
        )
        rows = []
        for order, (kind, module_title, material, assignment) in enumerate(modules):
            starts_at = (
                timezone.localtime(timezone.now() + dt.timedelta(days=14 * order - 20)).replace(
                    hour=15, minute=0, second=0, microsecond=0
                )
                if kind == "in_person"
                else None
            )
            rows.append(
                services.module_add(
                    actor=moderator,
                    course=course,
                    kind=kind,
                    title=module_title,
                    material=material,
                    assignment=assignment,
                    starts_at=starts_at,
                    place="КК ИПК, ауд. 305" if kind == "in_person" else "",
                )
            )
        learners = [u for u in people if u.pk != moderator.pk][: rng.randint(10, 18)]
        for learner in learners:
            enrollment = services.course_enroll(actor=learner, course=course)
            enrolled += 1
            for module in rows[: rng.randint(0, len(rows))]:
                if module.kind == "online" and module.assignment:
                    services.module_submit(
                        actor=learner,
                        module=module,
                        answer="Выполнено: план урока и лист самооценки приложены в обсуждении.",
                    )
                    if rng.random() < 0.7:
                        services.module_check(
                            actor=moderator,
                            enrollment=enrollment,
                            module=module,
                            decision="accepted",
                            comment="Принято, хорошая работа.",
                        )
                    else:
                        break
                elif module.kind == "in_person" and module.starts_at and module.starts_at <= timezone.now():
                    services.module_check(actor=moderator, enrollment=enrollment, module=module, decision="attended")
    return len(COURSES), enrolled


def _projects(region: Region, regional: User, tutor: User, people: list[User], rng) -> int:
    lead = (
        Organization.objects.filter(region=region, kind="ipk").order_by("pk").first()
        or Organization.objects.filter(region=region).order_by("pk").first()
    )
    assert lead is not None, "the demo region has organizations"
    siberia = Macroregion.objects.filter(regions=region, name__icontains="Сибирск").first()
    today = timezone.localdate()
    for index, (title, codes, goals, tasks) in enumerate(PROJECTS):
        partners = [_partner(code) for code in codes]
        project = services.project_create(
            actor=regional,
            lead_organization=lead,
            partners=tuple(org for org, _user in partners),
            title=title,
            goals=goals,
            starts_on=today - dt.timedelta(days=120 * (index + 1)),
            ends_on=today + dt.timedelta(days=240),
            coordinator=regional,
            macroregion=siberia,
        )
        owners = [tutor, *(user for _org, user in partners), *people[:3]]
        for step, task_title in enumerate(tasks):
            task = services.project_task_add(
                actor=regional,
                project=project,
                title=task_title,
                owner=owners[step % len(owners)],
                deadline=project.starts_on + dt.timedelta(days=60 * (step + 1)),
            )
            if task.deadline < today:
                services.project_task_done(actor=regional, task=task)
        services.project_output_add(
            actor=regional,
            project=project,
            title=f"{tasks[0]}: отчёт",
            file=docx(f"{title}\n{tasks[0]}\nОтчёт участников проекта.", "report.docx"),
        )
        _project_practices(project, regional, lead, partners, index, today)
    return len(PROJECTS)


def _project_practices(project, regional: User, lead, partners, index: int, today: dt.date) -> None:
    """The lead institute's published practices become the project's outputs in the bank (two
    for each project), and a partner institute reports replicating the first one: the
    macroregion's page then shows a practice replicated across its regions."""
    taken = bank.Practice.objects.filter(
        organization=lead, status__in=bank.PUBLIC_STATUSES, project__isnull=True
    ).order_by("-replication_count", "pk")[:2]
    for number, practice in enumerate(list(taken)):
        bank.practice_project_link(actor=regional, practice=practice, project=project)
        if number == 0 and partners:
            org, _user = partners[0]
            bank.replication_report(
                actor=_institute_staff(org),
                practice=practice,
                organization=org,
                implemented_on=today - dt.timedelta(days=30 + 20 * index),
                adapted="Перенесли на школы региона-партнёра: сократили число очных встреч, добавили вебинары.",
                results="Практику освоили 14 педагогов из 6 школ; методисты института сопровождают её внедрение.",
            )


def _institute_staff(org: Organization) -> User:
    """The partner institute's methodologist who reports for it in the bank (no demo login)."""
    username = f"practice_org{org.pk}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name="Методист", last_name=org.display_name[:30])
        user.set_unusable_password()
        user.save()
    role_grant(user=user, role=Role.PROVIDER, scope=Scope.ORGANIZATION, organization=org)
    return user
