"""practices/network pages and endpoints in the role × scope matrix.

The data (`network_data`, made through the real services): in region R1 the regional operator
opened an open community (the tutor moderates; the teacher is a member and wrote a thread with
a PDF attachment) and a by-request community (the teacher's request is pending); a future
webinar (the teacher registered), a past open lesson (the teacher registered and came), a
blended course (an online module the teacher answered, an in-person session); a joint project
of org A (R1) and org D (R2) coordinated by the regional operator, with a task for the teacher.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from efs.people.public import Macroregion
from efs.practices.network import services
from efs.practices.network.models import (
    Community,
    Course,
    CourseModule,
    Enrollment,
    Event,
    JointProject,
    Membership,
    ModuleProgress,
    Post,
    PostReport,
    ProjectOutput,
    ProjectTask,
    Registration,
    Thread,
)
from tests.matrix import ROUTES, api, by_role, makers, page

R1 = {"teacher", "school_head", "municipal", "regional", "tutor", "mentor", "provider", "expert"}
R1_AND_FEDERAL = R1 | {"federal"}
MODERATORS = {"tutor", "regional", "federal"}  # the moderator member and the operators overseeing R1
OPEN_TITLE = "Сетевое МО учителей математики"
CLOSED_TITLE = "Клуб наставников Красноярского края"
PDF = b"%PDF-1.4 network test"


def pdf(name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def network_data(world, state: dict) -> dict:
    """The network's ids, kept under state["network"] (the matrix's state is shared by every app)."""
    if "network" in state:
        return state["network"]
    u = world.users
    macro = Macroregion.objects.create(name="Сибирь (тест)")
    macro.regions.add(world.r1, world.r2)
    opened = services.community_create(actor=u["regional"], region=world.r1, title=OPEN_TITLE, moderators=(u["tutor"],))
    closed = services.community_create(
        actor=u["regional"], region=world.r1, title=CLOSED_TITLE, membership="request", moderators=(u["tutor"],)
    )
    services.community_join(actor=u["teacher"], community=opened)
    request = services.community_join(actor=u["teacher"], community=closed)
    thread = services.thread_create(
        actor=u["teacher"],
        community=opened,
        title="Формирующее оценивание",
        body="Делюсь **планом** урока",
        files=[pdf()],
    )
    post = Post.objects.filter(thread=thread).first()
    reply = services.post_create(actor=u["tutor"], thread=thread, body="Спасибо, @teacher!")
    now = timezone.now()
    webinar = services.event_create(
        actor=u["tutor"],
        community=opened,
        kind="webinar",
        title="Вебинар: оценивание",
        starts_at=now + dt.timedelta(days=7),
        ends_at=now + dt.timedelta(days=7, hours=1),
        capacity=30,
        registration_deadline=now + dt.timedelta(days=6),
    )
    services.event_register(actor=u["teacher"], event=webinar)
    lesson = services.event_create(
        actor=u["tutor"],
        community=opened,
        kind="open_lesson",
        title="Открытый урок: дроби",
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=1),
        capacity=10,
        registration_deadline=now + dt.timedelta(hours=12),
        place="СШ № 1",
    )
    services.event_register(actor=u["teacher"], event=lesson)
    # The lesson took place: shifted into the past the way time would have moved it.
    Event.objects.filter(pk=lesson.pk).update(
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now - dt.timedelta(hours=1),
        registration_deadline=now - dt.timedelta(hours=3),
    )
    course = services.course_create(actor=u["tutor"], community=opened, title="Смешанный курс: оценивание")
    online = services.module_add(
        actor=u["tutor"],
        course=course,
        kind="online",
        title="Модуль 1",
        material="Прочитайте *статью*",
        assignment="Составьте лист",
    )
    session = services.module_add(
        actor=u["tutor"],
        course=course,
        kind="in_person",
        title="Очная сессия",
        starts_at=now - dt.timedelta(days=1),
        place="ККИПК",
    )
    enrollment = services.course_enroll(actor=u["teacher"], course=course)
    services.module_submit(actor=u["teacher"], module=online, answer="Мой лист самооценки")
    project = services.project_create(
        actor=u["regional"],
        lead_organization=world.org_a,
        partners=(world.org_d,),
        title="Кадровая безопасность Сибири",
        goals="Общая модель наставничества",
        starts_on=now.date(),
        ends_on=now.date() + dt.timedelta(days=365),
        macroregion=macro,
    )
    task = services.project_task_add(
        actor=u["regional"], project=project, title="Анкета", owner=u["teacher"], deadline=now.date()
    )
    output = services.project_output_add(actor=u["regional"], project=project, title="Отчёт", file=pdf("report.pdf"))
    state["network"] = dict(
        community=opened.pk,
        closed=closed.pk,
        request=request.pk,
        thread=thread.pk,
        post=post.pk,
        reply=reply.pk,
        attachment=post.attachments.first().pk,
        webinar=webinar.pk,
        lesson=lesson.pk,
        course=course.pk,
        online=online.pk,
        session=session.pk,
        enrollment=enrollment.pk,
        project=project.pk,
        task=task.pk,
        output=output.pk,
        macro=macro.pk,
    )
    return state["network"]


_page, _api = makers("practices", network_data)


def _count(model, **lookup):
    return model.objects.filter(**lookup).count()


def _created(model, users: set[str], **lookup) -> dict:
    """Users in `users` created the row matching `lookup`; the others nothing."""
    return {"observe": lambda world, state: _count(model, **lookup), "changes": users}


def _r1_titles(who, world, response):
    text = response.content.decode()
    sees = who in R1_AND_FEDERAL
    assert (OPEN_TITLE in text) is sees and (CLOSED_TITLE in text) is sees, who


def _community_api(who, world, response):
    titles = {row["title"] for row in response.json()["items"]} - {"Новое сетевое сообщество"}  # made by the page row
    assert titles == ({OPEN_TITLE, CLOSED_TITLE} if who in R1_AND_FEDERAL else set()), titles


def _projects_api(who, world, response):
    titles = [
        row["title"] for row in response.json() if row["title"] != "Совместное исследование"
    ]  # made by the page row
    assert titles == (["Кадровая безопасность Сибири"] if who in R1_AND_FEDERAL | {"regional_other"} else []), titles


def _state_of(getter, expected_for: set[str], value, other):
    def check(who, world, response):
        got = getter(world)
        assert got == (value if who in expected_for else other), f"{who}: {got!r}"

    return check


def _community_form(world, state):
    return {"title": "Новое сетевое сообщество", "description": "", "membership": "open"}


def _event_form(world, state):
    start = timezone.localtime() + dt.timedelta(days=10)
    return {
        "kind": "master_class",
        "title": "Мастер-класс",
        "description": "",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "duration_minutes": 60,
        "registration_deadline": (start - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 20,
        "place": "",
        "online_link": "",
    }


def _project_form(world, state):
    today = timezone.localdate()
    return {
        "title": "Совместное исследование",
        "goals": "Цели",
        "lead_organization": world.org_a.pk,
        "partners": [world.org_d.pk],
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=100)).isoformat(),
    }


OPERATORS_OWN_REGION = {"regional", "regional_other"}
NO_REGION = 404  # the federal operator sits in no region: nothing to open a community or a project in
ROLES = R1_AND_FEDERAL | {"regional_other"}
R1_MEMBERS = {"teacher", "tutor"}  # active members of the open community

ROUTES += [
    _page(
        "community_list",
        lambda w, s: "/practices/network/",
        page(ROLES),
        check=lambda who, w, r: _r1_titles(who, w, r) if r.status_code == 200 else None,
    ),
    _page(
        "community_new",
        lambda w, s: "/practices/network/new/",
        by_role(dict.fromkeys(OPERATORS_OWN_REGION, 200) | {"federal": NO_REGION}, anonymous=302, default=403),
    ),
    _page(
        "community_new",
        lambda w, s: "/practices/network/new/",
        by_role(dict.fromkeys(OPERATORS_OWN_REGION, 302) | {"federal": NO_REGION}, anonymous=302, default=403),
        method="POST",
        data=_community_form,
        **_created(Community, OPERATORS_OWN_REGION, title="Новое сетевое сообщество"),
    ),
    _page(
        "community",
        lambda w, s: f"/practices/network/c/{s['network']['community']}/",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 200), anonymous=302),
    ),
    _page(
        "community_join",
        lambda w, s: f"/practices/network/c/{s['network']['closed']}/join/",
        # The teacher's and the tutor's requests were pending already: refused (409), nothing new.
        by_role(dict.fromkeys(R1, 302) | {"teacher": 409, "tutor": 409, "federal": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"confirm": "1"},
        label="ask to join the by-request community: a pending request (the teacher's was already pending)",
        # The teacher's request was pending already: nothing new.
        **_created(Membership, R1 - {"tutor", "teacher"}, community__title=CLOSED_TITLE, status="pending"),
    ),
    _page(
        "community_member_decide",
        lambda w, s: f"/practices/network/c/{s['network']['closed']}/members/{s['network']['request']}/decide/",
        by_role(dict.fromkeys(MODERATORS, 302) | dict.fromkeys(R1 - MODERATORS, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {"approve": "1"},
        check=_state_of(
            lambda w: Membership.objects.get(community__title=CLOSED_TITLE, user=w.users["teacher"]).status,
            MODERATORS,
            "active",
            "pending",
        ),
    ),
    _page(
        "thread_new",
        lambda w, s: f"/practices/network/c/{s['network']['community']}/threads/new/",
        by_role(dict.fromkeys(R1_MEMBERS, 302) | dict.fromkeys(R1 - R1_MEMBERS, 403) | {"federal": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"title": "Новая тема", "body": "Текст"},
        **_created(Thread, R1_MEMBERS, title="Новая тема"),
    ),
    _page(
        "thread",
        lambda w, s: f"/practices/network/t/{s['network']['thread']}/",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 200), anonymous=302),
    ),
    _page(
        "thread_reply",
        lambda w, s: f"/practices/network/t/{s['network']['thread']}/reply/",
        by_role(dict.fromkeys(R1_MEMBERS, 302) | dict.fromkeys(R1 - R1_MEMBERS, 403) | {"federal": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"body": "Ответ из матрицы"},
        **_created(Post, R1_MEMBERS, body="Ответ из матрицы"),
    ),
    _page(
        "thread_post_hide",
        lambda w, s: f"/practices/network/posts/{s['network']['reply']}/hide/",
        by_role(dict.fromkeys(MODERATORS, 302) | dict.fromkeys(R1 - MODERATORS, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {"reason": "Не по теме"},
        **_created(Post, MODERATORS, hidden_at__isnull=False),
    ),
    _page(
        "thread_post_report",
        lambda w, s: f"/practices/network/posts/{s['network']['post']}/report/",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 302) | {"teacher": 409}, anonymous=302),
        method="POST",
        data=lambda w, s: {"reason": "Спам"},
        label="report the teacher's post: the teacher's own report is refused",
        **_created(PostReport, R1_AND_FEDERAL - {"teacher"}, reason="Спам"),
    ),
    _page(
        "thread_attachment",
        lambda w, s: f"/practices/network/files/{s['network']['attachment']}/",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 200), anonymous=302),
    ),
    _page(
        "event_new",
        lambda w, s: f"/practices/network/c/{s['network']['community']}/events/new/",
        by_role(dict.fromkeys(MODERATORS, 302) | dict.fromkeys(R1 - MODERATORS, 403), anonymous=302),
        method="POST",
        data=_event_form,
        **_created(Event, MODERATORS, title="Мастер-класс"),
    ),
    _page(
        "event",
        lambda w, s: f"/practices/network/e/{s['network']['webinar']}/",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 200), anonymous=302),
    ),
    _page(
        "event_ics",
        lambda w, s: f"/practices/network/e/{s['network']['webinar']}/event.ics",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 200), anonymous=302),
        check=lambda who, w, r: None if r.status_code != 200 else _ics_ok(r),
    ),
    _page(
        "event_register",
        lambda w, s: f"/practices/network/e/{s['network']['webinar']}/register/",
        by_role(dict.fromkeys(R1, 302) | {"teacher": 409, "federal": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {"confirm": "1"},
        label="register for the webinar (the teacher is already registered: refused with a message)",
        check=lambda who, w, r: _state_of(
            lambda w: _count(Registration, event__title="Вебинар: оценивание"), R1 - {"teacher"}, 2, 1
        )(who, w, r),
    ),
    _page(
        "event_unregister",
        lambda w, s: f"/practices/network/e/{s['network']['webinar']}/unregister/",
        # the federal operator, who may not register (403 above), has none: refused (409)
        by_role(dict.fromkeys(R1, 302) | {"federal": 409}, anonymous=302),
        method="POST",
        data=lambda w, s: {"confirm": "1"},
        label="only the teacher has a registration to cancel",
        check=_state_of(lambda w: _count(Registration, event__title="Вебинар: оценивание"), {"teacher"}, 0, 1),
    ),
    _page(
        "event_attendance",
        lambda w, s: f"/practices/network/e/{s['network']['lesson']}/attendance/",
        by_role(dict.fromkeys(MODERATORS, 302) | dict.fromkeys(R1 - MODERATORS, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {"attended": [w.users["teacher"].pk]},
        check=_state_of(
            lambda w: Registration.objects.get(event__title="Открытый урок: дроби").attended, MODERATORS, True, None
        ),
    ),
    _page(
        "event_evidence",
        lambda w, s: f"/practices/network/e/{s['network']['lesson']}/evidence/",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 400), anonymous=302),
        method="POST",
        data=lambda w, s: {"route_item": "999999"},
        label="no route activity of that id: the form refuses (400), nothing saved",
        check=_state_of(
            lambda w: Registration.objects.get(event__title="Открытый урок: дроби").evidence_id, set(), 0, None
        ),
    ),
    _page(
        "course_new",
        lambda w, s: f"/practices/network/c/{s['network']['community']}/courses/new/",
        by_role(dict.fromkeys(MODERATORS, 302) | dict.fromkeys(R1 - MODERATORS, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {"title": "Курс из матрицы", "description": ""},
        **_created(Course, MODERATORS, title="Курс из матрицы"),
    ),
    _page(
        "course",
        lambda w, s: f"/practices/network/courses/{s['network']['course']}/",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 200), anonymous=302),
    ),
    _page(
        "course_module_new",
        lambda w, s: f"/practices/network/courses/{s['network']['course']}/modules/new/",
        by_role(dict.fromkeys(MODERATORS, 302) | dict.fromkeys(R1 - MODERATORS, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {
            "kind": "online",
            "title": "Модуль из матрицы",
            "material": "",
            "assignment": "",
            "starts_at": "",
            "place": "",
        },
        **_created(CourseModule, MODERATORS, title="Модуль из матрицы"),
    ),
    _page(
        "course_submit",
        lambda w, s: f"/practices/network/courses/{s['network']['course']}/modules/{s['network']['online']}/submit/",
        by_role({"teacher": 302} | dict.fromkeys((R1 - {"teacher"}) | {"federal"}, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {"answer": "Исправленный лист"},
        check=_state_of(
            lambda w: ModuleProgress.objects.get().answer, {"teacher"}, "Исправленный лист", "Мой лист самооценки"
        ),
    ),
    _page(
        "course_check",
        lambda w, s: f"/practices/network/courses/{s['network']['course']}/check/",
        by_role(dict.fromkeys(MODERATORS, 302) | {"teacher": 403}, anonymous=302),
        method="POST",
        data=lambda w, s: {
            "enrollment": s["network"]["enrollment"],
            "module": s["network"]["online"],
            "decision": "accepted",
            "comment": "Хорошо",
        },
        label="accept the teacher's answer (the teacher reads the enrollment but does not moderate)",
        check=_state_of(lambda w: ModuleProgress.objects.get().status, MODERATORS, "accepted", "submitted"),
    ),
    _page(
        "course_enroll",
        lambda w, s: f"/practices/network/courses/{s['network']['course']}/enroll/",
        by_role(dict.fromkeys(R1, 302) | {"teacher": 409, "federal": 403}, anonymous=302),  # enrolled already
        method="POST",
        data=lambda w, s: {"confirm": "1"},
        check=_state_of(
            lambda w: _count(Enrollment, course__title="Смешанный курс: оценивание"), R1 - {"teacher"}, 2, 1
        ),
    ),
    _page("project_list", lambda w, s: "/practices/network/projects/", page(ROLES)),
    _page(
        "project_new",
        lambda w, s: "/practices/network/projects/new/",
        by_role(dict.fromkeys(OPERATORS_OWN_REGION, 200) | {"federal": NO_REGION}, anonymous=302, default=403),
    ),
    _page(
        "project_new",
        lambda w, s: "/practices/network/projects/new/",
        # the macroregion's operator registers in its home region (R2), like R2's own operator
        by_role(
            {"regional": 302, "regional_other": 400, "macroregional": 400, "federal": NO_REGION},
            anonymous=302,
            default=403,
        ),
        method="POST",
        data=_project_form,
        label="R2's operator cannot lead with R1's school: the form says so",
        macro="regional_other",
        **_created(JointProject, {"regional"}, title="Совместное исследование"),
    ),
    _page(
        "project",
        lambda w, s: f"/practices/network/projects/{s['network']['project']}/",
        by_role(dict.fromkeys(ROLES, 200), anonymous=302),
    ),
    _page(
        "project_task_new",
        lambda w, s: f"/practices/network/projects/{s['network']['project']}/tasks/new/",
        by_role(
            {"regional": 302, "federal": 302} | dict.fromkeys((R1 - {"regional"}) | {"regional_other"}, 403),
            anonymous=302,
        ),
        method="POST",
        data=lambda w, s: {"title": "Задача из матрицы", "owner": "tutor", "deadline": "2027-03-01"},
        **_created(ProjectTask, {"regional", "federal"}, title="Задача из матрицы"),
    ),
    _page(
        "project_task_done",
        lambda w, s: f"/practices/network/projects/tasks/{s['network']['task']}/done/",
        by_role(
            {"regional": 302, "federal": 302, "teacher": 302}
            | dict.fromkeys((R1 - {"regional", "teacher"}) | {"regional_other"}, 403),
            anonymous=302,
        ),
        method="POST",
        data=lambda w, s: {"confirm": "1"},
        check=_state_of(
            lambda w: ProjectTask.objects.get(title="Анкета").done_at is not None,
            {"regional", "federal", "teacher"},
            True,
            False,
        ),
    ),
    _page(
        "project_output_new",
        lambda w, s: f"/practices/network/projects/{s['network']['project']}/outputs/new/",
        by_role(
            {"regional": 302, "federal": 302} | dict.fromkeys((R1 - {"regional"}) | {"regional_other"}, 403),
            anonymous=302,
        ),
        method="POST",
        data=lambda w, s: {"title": "Методичка", "file": pdf("guide.pdf")},
        **_created(ProjectOutput, {"regional", "federal"}, title="Методичка"),
    ),
    _page(
        "project_output",
        lambda w, s: f"/practices/network/projects/outputs/{s['network']['output']}/",
        by_role(dict.fromkeys(ROLES, 200), anonymous=302),
    ),
    _page(
        "project_status",
        lambda w, s: f"/practices/network/projects/{s['network']['project']}/status/",
        by_role(
            {"regional": 302, "federal": 302} | dict.fromkeys((R1 - {"regional"}) | {"regional_other"}, 403),
            anonymous=302,
        ),
        method="POST",
        data=lambda w, s: {"status": "completed"},
        check=_state_of(
            lambda w: JointProject.objects.get(title="Кадровая безопасность Сибири").status,
            {"regional", "federal"},
            "completed",
            "active",
        ),
    ),
    _api(
        "network_communities",
        "GET",
        lambda w, s: "/api/practices/network/communities",
        api(ROLES),
        check=lambda who, w, r: _community_api(who, w, r) if r.status_code == 200 else None,
    ),
    _api(
        "network_thread_posts",
        "GET",
        lambda w, s: f"/api/practices/network/threads/{s['network']['thread']}/posts",
        by_role(dict.fromkeys(R1_AND_FEDERAL, 200)),
    ),
    _api(
        "network_thread_reply",
        "POST",
        lambda w, s: f"/api/practices/network/threads/{s['network']['thread']}/posts",
        by_role(dict.fromkeys(R1_MEMBERS, 201) | dict.fromkeys(R1 - R1_MEMBERS, 403) | {"federal": 403}),
        json=True,
        data=lambda w, s: {"body": "Ответ через API"},
        **_created(Post, R1_MEMBERS, body="Ответ через API"),
    ),
    _api(
        "network_event_register",
        "POST",
        lambda w, s: f"/api/practices/network/events/{s['network']['webinar']}/registration",
        by_role(dict.fromkeys(R1, 201) | {"federal": 403}),
        json=True,
        data=lambda w, s: {},
        label="after the page rows: the teacher cancelled, the others registered and cancelled",
        check=_state_of(lambda w: _count(Registration, event__title="Вебинар: оценивание"), R1 - {"teacher"}, 2, 1),
    ),
    _api(
        "network_projects",
        "GET",
        lambda w, s: "/api/practices/network/projects",
        api(ROLES),
        check=lambda who, w, r: _projects_api(who, w, r) if r.status_code == 200 else None,
    ),
]


def _ics_ok(response):
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR") and "SUMMARY:" in body and "Вебинар" in body


# ------------------------------------------------------------------ a joint project's practices in the bank


def project_bank_data(world, state: dict) -> None:
    """The network's data and the bank's, with the bank's second public card already an output
    of the joint project (org_a, its lead organization, published it)."""
    from efs.practices import services as bank_services
    from efs.practices.models import Practice
    from tests.practices.setup import bank_data

    network_data(world, state)
    bank_data(world, state)
    project = JointProject.objects.get(pk=state["network"]["project"])
    practice = Practice.objects.get(pk=state["public2"])
    if practice.project_id is None:
        bank_services.practice_project_link(actor=world.users["regional"], practice=practice, project=project)


_bank_page, _ = makers("practices", project_bank_data)


def _practice_project(key: str):
    from efs.practices.models import Practice

    return lambda w: Practice.objects.filter(pk=_LAST["state"][key]).values_list("project__title", flat=True).first()


_LAST: dict = {"state": {}}


def _remembered(path_of):
    def path(world, state):
        _LAST["state"] = state
        return path_of(world, state)

    return path


PROJECT_EDITORS = {"regional", "federal"}  # the coordinator (R1's operator) and the federal operator
PROJECT_READERS_NOT_EDITORS = (R1 - {"regional"}) | {"regional_other"}

ROUTES += [
    _bank_page(
        "project_practice_link",
        _remembered(lambda w, s: f"/practices/network/projects/{s['network']['project']}/practices/"),
        by_role(dict.fromkeys(PROJECT_EDITORS, 302) | dict.fromkeys(PROJECT_READERS_NOT_EDITORS, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {"practice": s["public"]},
        check=_state_of(_practice_project("public"), PROJECT_EDITORS, "Кадровая безопасность Сибири", None),
    ),
    _bank_page(
        "project_practice_unlink",
        _remembered(
            lambda w, s: f"/practices/network/projects/{s['network']['project']}/practices/{s['public2']}/unlink/"
        ),
        by_role(dict.fromkeys(PROJECT_EDITORS, 302) | dict.fromkeys(PROJECT_READERS_NOT_EDITORS, 403), anonymous=302),
        method="POST",
        data=lambda w, s: {"confirm": "1"},
        check=_state_of(_practice_project("public2"), PROJECT_EDITORS, None, "Кадровая безопасность Сибири"),
    ),
]
