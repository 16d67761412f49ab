"""coordination pages and endpoints in the role × scope matrix.

A council of region 24 whose secretary is the school head and whose member is the teacher
(both of school A); the chair and the CNPPM's methodologist are logins outside the World. A
council is read by its members and by the operators of its region; the runners (chair, deputy,
secretary, the region's operators) change it; a member votes and approves; a person speaks
only for their own organization. Everyone else gets «not found»; the accountability page is public."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.matrix import ROUTES, Route, by_role

MEMBERS = {"school_head", "teacher"}
READERS = MEMBERS | {"regional", "federal"}
RUNNERS = {"school_head", "regional", "federal"}


def _setup(world, state):
    if "council" in state:
        return
    from efs.coordination import services
    from efs.monitoring.public import starter_indicators_load
    from tests.conftest import make_org, make_user

    starter_indicators_load()
    regional = world.users["regional"]
    council = services.council_create(actor=regional, region=world.r1, name="Координационный совет РС НМС")
    ministry = make_org(world.r1, None, "Министерство образования", kind="ministry")
    cnppm = make_org(world.r1, world.m1, "ЦНППМ", kind="cnppm")
    start = timezone.localdate() - dt.timedelta(days=400)

    def add(user, org, role):
        return services.member_add(
            actor=regional, council=council, user=user, organization=org, role=role, term_start=start
        )

    chair = add(make_user("chair"), ministry, "chair")
    add(world.users["school_head"], world.org_a, "secretary")
    add(world.users["teacher"], world.org_a, "member")
    methodist = add(make_user("methodist"), cnppm, "member")
    secretary = world.users["school_head"]
    present = list(council.members.exclude(pk=methodist.pk))

    def held(days_ago=2):
        meeting = services.meeting_schedule(
            actor=regional, council=council, starts_at=timezone.now() - dt.timedelta(days=days_ago)
        )
        return services.attendance_record(actor=regional, meeting=meeting, present=present)

    def pending(meeting, text):
        return services.decision_add(actor=regional, meeting=meeting, text=text)

    m_held = held()
    minutes_meeting = held()
    minutes = services.minutes_save(actor=secretary, meeting=minutes_meeting, text="Проект протокола")
    frozen_meeting = held()
    frozen = services.minutes_save(actor=secretary, meeting=frozen_meeting, text="Протокол")
    services.minutes_approve(actor=chair.user, minutes=frozen)
    services.minutes_approve(actor=secretary, minutes=frozen)
    task = services.task_create(
        actor=regional,
        council=council,
        title="Сеть методических объединений",
        goal="Объединения в каждом МО",
        starts_on=start,
        deadline=timezone.localdate() + dt.timedelta(days=100),
        responsible=cnppm,
    )
    services.pledge_answer(actor=methodist.user, participation=task.participations.get(), accept=True)
    task2 = services.task_create(
        actor=regional,
        council=council,
        title="Наставничество",
        goal="Наставник у каждого молодого учителя",
        starts_on=start,
        deadline=timezone.localdate() + dt.timedelta(days=100),
        responsible=cnppm,
    )
    state.update(
        council=council.pk,
        cnppm=cnppm.pk,
        methodist=methodist.pk,
        planned=services.meeting_schedule(
            actor=regional, council=council, starts_at=timezone.now() + dt.timedelta(days=10)
        ).pk,
        unheld=services.meeting_schedule(
            actor=regional, council=council, starts_at=timezone.now() - dt.timedelta(days=1)
        ).pk,
        held=m_held.pk,
        minutes=minutes.pk,
        frozen=frozen.pk,
        frozen_meeting=frozen_meeting.pk,
        api_minutes_meeting=held().pk,
        d_vote=pending(m_held, "Голосование на странице").pk,
        d_vote_api=pending(m_held, "Голосование через API").pk,
        d_close=pending(m_held, "Подсчёт голосов").pk,
        d_adopted=services.decision_add(actor=regional, meeting=m_held, text="Консенсус", method="consensus").pk,
        task=task.pk,
        answer=services.pledge_record(actor=regional, task=task, organization=world.org_a, staff_hours=10).pk,
        answer_api=services.pledge_record(actor=regional, task=task2, organization=world.org_a, staff_hours=20).pk,
        milestone=services.milestone_add(actor=regional, task=task, title="Положение", due=timezone.localdate()).pk,
    )


def _page(statuses: dict[str, int]):
    return by_role(statuses, anonymous=302, default=404)


def _api(statuses: dict[str, int]):
    return by_role(statuses, anonymous=401, default=404)


READ = {who: 200 for who in READERS}
RUN_HTML = {"school_head": 302, "regional": 302, "federal": 302, "teacher": 403}
MEMBER_HTML = {"school_head": 302, "teacher": 302, "regional": 403, "federal": 403}


def _check(query, expected: set[str]) -> dict:
    """A POST row's outcome: `query(world)` changes for the users in `expected` and for nobody else."""
    return {"observe": lambda world, state: query(world), "changes": expected}


def _s(state, key):
    return state[key]


def _made(model_path: str, expected: set[str], **lookup):
    module, name = model_path.rsplit(".", 1)

    def query(world):
        import importlib

        model = getattr(importlib.import_module(module), name)
        return model.objects.filter(**lookup).exists()

    return _check(query, expected)


M = "efs.coordination.models"


def page(name, method, path, expect, **kwargs):
    return Route(f"coordination:{name}", method, path, expect, setup=_setup, **kwargs)


def endpoint(name, method, path, expect, **kwargs):
    return Route(f"api-1.0.0:{name}", method, path, expect, setup=_setup, **kwargs)


ROUTES += [
    page("councils", "GET", lambda w, s: "/coordination/", by_role({}, anonymous=302, default=200)),
    page(
        "councils",
        "POST",
        lambda w, s: "/coordination/",
        # R2 is a member of the macroregion: its operator may set up R2's council too
        by_role({"regional_other": 302, "macroregional": 302, "federal": 302}, anonymous=302, default=403),
        data=lambda w, s: {"region": w.r2.pk, "name": "Совет Новосибирской области"},
        **_made(f"{M}.Council", {"regional_other", "macroregional", "federal"}, region__code="54"),
        macro="regional_other",
    ),
    page("council", "GET", lambda w, s: f"/coordination/councils/{s['council']}/", _page(READ)),
    page("members", "GET", lambda w, s: f"/coordination/councils/{s['council']}/members/", _page(READ)),
    page(
        "members",
        "POST",
        lambda w, s: f"/coordination/councils/{s['council']}/members/",
        _page(RUN_HTML),
        data=lambda w, s: {
            "username": "municipal",
            "organization": w.org_b.pk,
            "role": "member",
            "term_start": f"{dt.date.today():%Y-%m-%d}",
        },
        **_made(f"{M}.CouncilMember", {"school_head", "regional", "federal"}, user__username="municipal"),
    ),
    page("groups", "GET", lambda w, s: f"/coordination/councils/{s['council']}/groups/", _page(READ)),
    page(
        "groups",
        "POST",
        lambda w, s: f"/coordination/councils/{s['council']}/groups/",
        _page(RUN_HTML),
        data=lambda w, s: {"name": "Рабочая группа по наставничеству"},
        **_made(f"{M}.WorkingGroup", {"school_head", "regional", "federal"}, name="Рабочая группа по наставничеству"),
    ),
    page("meetings", "GET", lambda w, s: f"/coordination/councils/{s['council']}/meetings/", _page(READ)),
    page(
        "meetings",
        "POST",
        lambda w, s: f"/coordination/councils/{s['council']}/meetings/",
        _page(RUN_HTML),
        data=lambda w, s: {"starts_at": "2031-03-05T15:00", "place": "Зал заседаний"},
        **_made(f"{M}.Meeting", {"school_head", "regional", "federal"}, place="Зал заседаний"),
    ),
    page("tasks", "GET", lambda w, s: f"/coordination/councils/{s['council']}/tasks/", _page(READ)),
    page(
        "tasks",
        "POST",
        lambda w, s: f"/coordination/councils/{s['council']}/tasks/",
        _page(RUN_HTML),
        data=lambda w, s: {
            "title": "Новая задача совета",
            "goal": "Цель",
            "starts_on": "2030-01-01",
            "deadline": "2030-12-31",
            "responsible": s["cnppm"],
        },
        **_made(f"{M}.StrategicTask", {"school_head", "regional", "federal"}, title="Новая задача совета"),
    ),
    page("risks", "GET", lambda w, s: f"/coordination/councils/{s['council']}/risks/", _page(READ)),
    page("meeting", "GET", lambda w, s: f"/coordination/meetings/{s['held']}/", _page(READ)),
    page(
        "agenda_add",
        "POST",
        lambda w, s: f"/coordination/meetings/{s['planned']}/agenda/",
        _page(RUN_HTML),
        data=lambda w, s: {"title": "О сети методических объединений", "task": s["task"]},
        **_made(f"{M}.AgendaItem", {"school_head", "regional", "federal"}, title="О сети методических объединений"),
    ),
    page(
        "attendance",
        "POST",
        lambda w, s: f"/coordination/meetings/{s['unheld']}/attendance/",
        _page(RUN_HTML),
        data=lambda w, s: {"present": []},
        label="attendance of an unheld meeting",
        **_made(
            f"{M}.Meeting", {"school_head", "regional", "federal"}, status="held", attendance__isnull=False, number=5
        ),
    ),
    page(
        "decision_add",
        "POST",
        lambda w, s: f"/coordination/meetings/{s['held']}/decisions/",
        _page(RUN_HTML),
        data=lambda w, s: {"text": "Новое решение", "method": "vote"},
        **_made(f"{M}.Decision", {"school_head", "regional", "federal"}, text="Новое решение"),
    ),
    page(
        "vote",
        "POST",
        lambda w, s: f"/coordination/decisions/{s['d_vote']}/vote/",
        _page(MEMBER_HTML),
        data=lambda w, s: {"choice": "for"},
        **_made(f"{M}.Vote", MEMBERS, decision__text="Голосование на странице"),
    ),
    page(
        "decision_close",
        "POST",
        lambda w, s: f"/coordination/decisions/{s['d_close']}/close/",
        _page(RUN_HTML),
        **_made(f"{M}.Decision", {"school_head", "regional", "federal"}, text="Подсчёт голосов", outcome="rejected"),
    ),
    page(
        "decision_executed",
        "POST",
        lambda w, s: f"/coordination/decisions/{s['d_adopted']}/executed/",
        _page(RUN_HTML),
        data=lambda w, s: {},
        **_made(f"{M}.Decision", {"school_head", "regional", "federal"}, text="Консенсус", execution="done"),
    ),
    page(
        "minutes_save",
        "POST",
        lambda w, s: f"/coordination/meetings/{s['held']}/minutes/",
        _page({"school_head": 302, "teacher": 403, "regional": 403, "federal": 403}),
        data=lambda w, s: {"text": "Протокол от секретаря"},
        **_made(f"{M}.Minutes", {"school_head"}, text="Протокол от секретаря"),
    ),
    page(
        "minutes_approve",
        "POST",
        lambda w, s: f"/coordination/minutes/{s['minutes']}/approve/",
        _page(MEMBER_HTML),
        **_made(f"{M}.MinutesApproval", MEMBERS, minutes__text="Проект протокола"),
    ),
    page(
        "minutes_correct",
        "POST",
        lambda w, s: f"/coordination/minutes/{s['frozen']}/correct/",
        _page({"school_head": 302, "teacher": 403, "regional": 403, "federal": 403}),
        data=lambda w, s: {"text": "Исправленный протокол", "reason": "опечатка"},
        **_made(f"{M}.Minutes", {"school_head"}, version=2, text="Исправленный протокол"),
    ),
    page("minutes_pdf", "GET", lambda w, s: f"/coordination/minutes/{s['frozen']}/pdf/", _page(READ)),
    page("task", "GET", lambda w, s: f"/coordination/tasks/{s['task']}/", _page(READ)),
    page(
        "pledge",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/pledges/",
        _page(RUN_HTML),
        data=lambda w, s: {"organization": w.org_b.pk, "part": "co_executor", "money": "150 000", "staff_hours": "40"},
        label="a pledge proposed to school B",
        **_made(
            f"{M}.Participation",
            {"school_head", "regional", "federal"},
            organization__name="МБОУ СШ № 2",
            state="proposed",
            money_kopecks=15_000_000,
        ),
    ),
    page(
        "pledge_answer",
        "POST",
        lambda w, s: f"/coordination/pledges/{s['answer']}/answer/",
        _page({"school_head": 302, "teacher": 302, "regional": 403, "federal": 403}),
        data=lambda w, s: {"accept": "1"},
        **_made(f"{M}.Participation", MEMBERS, staff_hours=10, state="accepted"),
    ),
    page(
        "milestone_add",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/milestones/",
        _page(RUN_HTML),
        data=lambda w, s: {"title": "Веха из матрицы", "due": f"{dt.date.today():%Y-%m-%d}"},
        **_made(f"{M}.Milestone", {"school_head", "regional", "federal"}, title="Веха из матрицы"),
    ),
    page(
        "milestone_reach",
        "POST",
        lambda w, s: f"/coordination/milestones/{s['milestone']}/reached/",
        _page(RUN_HTML),
        data=lambda w, s: {},
        **_made(f"{M}.Milestone", {"school_head", "regional", "federal"}, title="Положение", done_on__isnull=False),
    ),
    page(
        "task_status",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/status/",
        _page(RUN_HTML),
        data=lambda w, s: {"status": "in_progress", "evidence": ""},
        **_made(
            f"{M}.StrategicTask",
            {"school_head", "regional", "federal"},
            title="Сеть методических объединений",
            status="in_progress",
        ),
    ),
    page(
        "task_indicator",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/indicators/",
        _page(RUN_HTML),
        data=lambda w, s: {"indicator": _indicator_pk("route_share"), "linked": "1"},
        **_made(f"{M}.StrategicTask", {"school_head", "regional", "federal"}, indicators__code="route_share"),
    ),
    page(
        "accountability",
        "GET",
        lambda w, s: f"/coordination/public/{w.r1.code}/",
        by_role({}, anonymous=200, default=200),
    ),
    endpoint(
        "coordination_public",
        "GET",
        lambda w, s: f"/api/coordination/public/{w.r1.code}",
        by_role({}, anonymous=200, default=200),
    ),
    endpoint(
        "coordination_councils",
        "GET",
        lambda w, s: "/api/coordination/councils",
        by_role({}, anonymous=401, default=200),
        check=lambda who, w, r: _assert_councils(who, r),
    ),
    endpoint(
        "coordination_meetings", "GET", lambda w, s: f"/api/coordination/councils/{s['council']}/meetings", _api(READ)
    ),
    endpoint("coordination_meeting", "GET", lambda w, s: f"/api/coordination/meetings/{s['held']}", _api(READ)),
    endpoint("coordination_tasks", "GET", lambda w, s: f"/api/coordination/councils/{s['council']}/tasks", _api(READ)),
    endpoint(
        "coordination_vote",
        "POST",
        lambda w, s: f"/api/coordination/decisions/{s['d_vote_api']}/votes",
        _api({"school_head": 201, "teacher": 201, "regional": 403, "federal": 403}),
        json=True,
        data=lambda w, s: {"choice": "against"},
        **_made(f"{M}.Vote", MEMBERS, decision__text="Голосование через API", choice="against"),
    ),
    endpoint(
        "coordination_minutes_save",
        "PUT",
        lambda w, s: f"/api/coordination/meetings/{s['api_minutes_meeting']}/minutes",
        _api({"school_head": 200, "teacher": 403, "regional": 403, "federal": 403}),
        json=True,
        data=lambda w, s: {"text": "Протокол API"},
        **_made(f"{M}.Minutes", {"school_head"}, text="Протокол API"),
    ),
    endpoint(
        "coordination_minutes_approve",
        "POST",
        lambda w, s: f"/api/coordination/minutes/{s['minutes']}/approvals",
        _api({"school_head": 200, "teacher": 200, "regional": 403, "federal": 403}),
        # the members' approvals exist already (the page row); a repeated approval answers 200
        **_made(f"{M}.MinutesApproval", set(), minutes__text="Проект протокола"),
    ),
    endpoint(
        "coordination_pledge",
        "POST",
        lambda w, s: f"/api/coordination/tasks/{s['task']}/pledges",
        _api({"school_head": 201, "teacher": 403, "regional": 201, "federal": 201}),
        json=True,
        data=lambda w, s: {"organization_id": w.org_c.pk, "staff_hours": 30},
        **_made(f"{M}.Participation", {"school_head", "regional", "federal"}, organization__name="МБОУ СОШ № 3"),
    ),
    endpoint(
        "coordination_pledge_answer",
        "POST",
        lambda w, s: f"/api/coordination/pledges/{s['answer_api']}/answer",
        _api({"school_head": 200, "teacher": 200, "regional": 403, "federal": 403}),
        json=True,
        data=lambda w, s: {"accept": False},
        **_made(f"{M}.Participation", MEMBERS, staff_hours=20, state="declined"),
    ),
]


def _indicator_pk(code: str) -> int:
    from efs.monitoring.public import Indicator

    return Indicator.objects.get(code=code).pk


def _assert_councils(who, response):
    if who == "anonymous":
        return
    names = [c["region_code"] for c in response.json()]
    assert ("24" in names) == (who in READERS), f"{who}: {names}"  # (54: the council the POST row above set up)


ROUTES += [
    page(
        "member_end",
        "POST",
        lambda w, s: f"/coordination/members/{s['methodist']}/end/",
        _page(RUN_HTML),
        data=lambda w, s: {"term_end": f"{dt.date.today():%Y-%m-%d}"},
        **_made(
            f"{M}.CouncilMember",
            {"school_head", "regional", "federal"},
            user__username="methodist",
            term_end__isnull=False,
        ),
    ),
]


ROUTES += [
    page(
        "task_discuss",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/discussion/",
        _page({who: 302 for who in READERS}),
        data=lambda w, s: {"body": "Предлагаю начать с северных территорий"},
        **_made("efs.practices.network.models.Post", READERS, thread__subject_kind="coordination.task"),
    ),
    page(
        "decision_discuss",
        "POST",
        lambda w, s: f"/coordination/decisions/{s['d_adopted']}/discussion/",
        _page({who: 302 for who in READERS}),
        data=lambda w, s: {"body": "Кто готовит отчёт об исполнении?"},
        **_made("efs.practices.network.models.Post", READERS, thread__subject_kind="coordination.decision"),
    ),
]


def _later(days: int) -> str:
    return f"{dt.date.today() + dt.timedelta(days=days):%Y-%m-%d}"


RUNNERS_API = {"school_head": 200, "teacher": 403, "regional": 200, "federal": 200}

ROUTES += [
    page(
        "pledges_bulk",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/pledges/bulk/",
        # the teacher's rows for other schools are refused (all or none): 422, nothing saved
        _page({who: 302 for who in MEMBERS | RUNNERS} | {"teacher": 422}),
        data=lambda w, s: {
            "organization_1": w.org_b.pk,
            "money_1": "10 000",
            "organization_2": w.org_c.pk,
            "staff_hours_2": "7",
        },
        label="school B and school C in one form",
        **_made(f"{M}.Participation", RUNNERS, organization__name="МБОУ СОШ № 3", staff_hours=7),
    ),
    page(
        "task_edit",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/edit/",
        _page(RUN_HTML),
        data=lambda w, s: {
            "title": "Сеть методических объединений (уточнено)",
            "goal": "Объединения в каждом МО",
            "deadline": _later(120),
            "reason": "решение совета",
        },
        **_made(f"{M}.TaskRevision", RUNNERS, reason="решение совета"),
    ),
    page(
        "task_evidence_publish",
        "POST",
        lambda w, s: f"/coordination/tasks/{s['task']}/evidence/publish/",
        _page(RUN_HTML),
        data=lambda w, s: {"text": "Положение утверждено приказом"},
        **_made(f"{M}.StrategicTask", RUNNERS, public_evidence="Положение утверждено приказом"),
    ),
    endpoint(
        "coordination_pledges_bulk",
        "POST",
        lambda w, s: f"/api/coordination/tasks/{s['task']}/pledges/bulk",
        _api({"school_head": 201, "teacher": 422, "regional": 201, "federal": 201}),
        json=True,
        data=lambda w, s: {
            "rows": [{"organization_id": w.org_c.pk, "staff_hours": 9}, {"organization_id": w.org_b.pk}]
        },
        **_made(f"{M}.Participation", RUNNERS, organization__name="МБОУ СОШ № 3", staff_hours=9),
    ),
    endpoint(
        "coordination_task_revisions", "GET", lambda w, s: f"/api/coordination/tasks/{s['task']}/revisions", _api(READ)
    ),
    endpoint(
        "coordination_task_edit",
        "PUT",
        lambda w, s: f"/api/coordination/tasks/{s['task']}",
        _api(RUNNERS_API),
        json=True,
        data=lambda w, s: {"title": "Сеть объединений", "goal": "Объединения в каждом МО", "deadline": _later(110)},
        **_made(f"{M}.StrategicTask", RUNNERS, title="Сеть объединений"),
    ),
    endpoint(
        "coordination_task_evidence_publish",
        "PUT",
        lambda w, s: f"/api/coordination/tasks/{s['task']}/public-evidence",
        _api(RUNNERS_API),
        json=True,
        data=lambda w, s: {"text": "Отчёт опубликован"},
        **_made(f"{M}.StrategicTask", RUNNERS, public_evidence="Отчёт опубликован"),
    ),
]
