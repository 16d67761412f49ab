"""The network part end to end: communities, threads (safe rendering, mentions, attachments,
moderation), events (capacity, deadline, calendar, attendance as route evidence), blended
courses, joint projects, the subject threads other apps use; exact query counts of the two
big pages. Every refusal is checked to have saved nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from efs.errors import DomainError
from efs.people.models import Notification
from efs.practices.network import public, services
from efs.practices.network.models import (
    Community,
    Enrollment,
    Event,
    JointProject,
    ModuleProgress,
    Post,
    PostAttachment,
    Registration,
    Thread,
)
from tests.practices.network_routes import CLOSED_TITLE, network_data, pdf


@pytest.fixture
def data(world):
    return world, network_data(world, {})


def _code(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def _thread(state) -> Thread:
    return Thread.objects.get(pk=state["thread"])


# ------------------------------------------------------------------ safe rendering


PAYLOADS = [
    "<script>alert('x')</script>",
    "<style>body{display:none}</style>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    "![pixel](https://tracker.example.com/p.gif)",
    '<a href="https://evil.example.com" onclick="steal()">x</a>',
]


def test_script_and_style_payloads_are_inert_in_the_thread_page(data):
    world, state = data
    body = "\n\n".join(PAYLOADS) + "\n\n[ФИПИ](https://fipi.ru) и **жирный**"
    services.post_create(actor=world.users["teacher"], thread=_thread(state), body=body)
    html = world.client("tutor").get(f"/practices/network/t/{state['thread']}/?page=1").content.decode()
    post_html = Post.objects.filter(body=body.strip()).get().body_html
    shown = html.split('<div class="efs-post">', 1)[1]
    # Tags and attributes come out as text (&lt;…&gt;, &quot;), never as markup; no image is fetched.
    for needle in ("<script", "<style", "<img", 'onerror="', 'onclick="', 'href="javascript:', 'href="data:'):
        assert needle not in post_html, needle
        assert needle not in shown, needle
    assert (
        "&lt;script&gt;alert('x')&lt;/script&gt;" in post_html
        or "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in post_html
    )
    assert '<a href="https://fipi.ru" rel="nofollow noopener">ФИПИ</a>' in post_html
    assert "<strong>жирный</strong>" in post_html


def test_the_api_returns_the_same_safe_html(data):
    world, state = data
    services.post_create(
        actor=world.users["teacher"], thread=_thread(state), body="<script>x()</script> [a](javascript:x())"
    )
    items = world.client("teacher").get(f"/api/practices/network/threads/{state['thread']}/posts").json()["items"]
    last = items[-1]["html"]
    assert "<script" not in last and "javascript:" not in last.split("&lt;")[0] and 'href="javascript' not in last


# ------------------------------------------------------------------ mentions, moderation


def test_a_mention_notifies_a_reader_of_the_thread_and_nobody_else(data):
    world, state = data
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    services.post_create(
        actor=world.users["teacher"], thread=_thread(state), body="@tutor и @regional_other, посмотрите; @nosuchuser"
    )
    created = Notification.objects.filter(pk__gt=last)
    # R2's operator does not read R1's community: a mention does not open it to them.
    assert [(n.user.username, n.title) for n in created] == [
        ("tutor", "Teacher упомянул(а) вас: Формирующее оценивание")
    ]


def test_hidden_message_is_replaced_for_members_and_shown_to_moderators(data):
    world, state = data
    post = Post.objects.get(pk=state["reply"])
    services.post_hide(actor=world.users["tutor"], post=post, reason="Не по теме")
    member_view = world.client("teacher").get(f"/practices/network/t/{state['thread']}/").content.decode()
    moderator_view = world.client("tutor").get(f"/practices/network/t/{state['thread']}/").content.decode()
    hidden_part = f'id="post-{post.pk}"'
    member_post = member_view.split(hidden_part, 1)[1].split("</div></div>", 1)[0]
    moderator_post = moderator_view.split(hidden_part, 1)[1].split("</div></div>", 1)[0]
    assert "Спасибо" not in member_post and "Сообщение скрыто модератором." in member_post
    assert "Спасибо" in moderator_post and "Скрыто: Не по теме" in moderator_post
    assert (
        Notification.objects.filter(
            user=post.author, title="Модератор скрыл ваше сообщение в «Формирующее оценивание»"
        ).count()
        == 1
    )
    assert (
        _code(lambda: services.post_hide(actor=world.users["teacher"], post=post, reason="x"))
        == "network_not_moderator"
    )


def test_a_report_is_once_per_person_and_reaches_the_moderators(data):
    world, state = data
    post = Post.objects.get(pk=state["post"])
    services.post_report(actor=world.users["school_head"], post=post, reason="Реклама")
    assert (
        _code(lambda: services.post_report(actor=world.users["school_head"], post=post, reason="Ещё раз"))
        == "post_already_reported"
    )
    assert (
        _code(lambda: services.post_report(actor=world.users["teacher"], post=post, reason="Своё")) == "post_report_own"
    )
    assert (
        Notification.objects.filter(
            user=world.users["tutor"], title="Жалоба на сообщение в «Формирующее оценивание»", body="Реклама"
        ).count()
        == 1
    )


def test_a_by_request_community_shows_its_threads_only_to_members(data):
    world, state = data
    closed = Community.objects.get(title=CLOSED_TITLE)
    services.membership_decide(
        actor=world.users["tutor"], membership=closed.memberships.get(user=world.users["teacher"]), approve=True
    )
    thread = services.thread_create(
        actor=world.users["teacher"], community=closed, title="Закрытая тема", body="Только для своих"
    )
    assert world.client("teacher").get(f"/practices/network/t/{thread.pk}/").status_code == 200
    assert world.client("school_head").get(f"/practices/network/t/{thread.pk}/").status_code == 404
    assert (
        world.client("regional").get(f"/practices/network/t/{thread.pk}/").status_code == 200
    )  # the operator oversees the region
    page = world.client("school_head").get(f"/practices/network/c/{closed.pk}/").content.decode()
    assert "Закрытая тема" not in page and "открыты его участникам" in page


# ------------------------------------------------------------------ attachments


def _counts():
    return Thread.objects.count(), Post.objects.count(), PostAttachment.objects.count()


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 this is an exe"), "attachment_file_type"),
        (SimpleUploadedFile("page.txt", b"<html><script>alert(1)</script>"), "attachment_file_type"),
        (SimpleUploadedFile("tool.exe", b"MZ\x90\x00"), "attachment_file_type"),
        (SimpleUploadedFile("empty.pdf", b""), "attachment_file_empty"),
        (SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024)), "attachment_file_too_large"),
    ],
)
def test_bad_files_are_refused_by_content_and_size_and_nothing_is_saved(data, upload, code):
    world, state = data
    before = _counts()
    community = Community.objects.get(pk=state["community"])
    assert (
        _code(
            lambda: services.thread_create(
                actor=world.users["teacher"], community=community, title="Тема", body="Текст", files=[pdf(), upload]
            )
        )
        == code
    )
    assert _counts() == before


def test_a_bad_file_on_the_page_gets_a_russian_message_and_nothing_is_saved(data):
    world, state = data
    before = _counts()
    response = world.client("teacher").post(
        f"/practices/network/t/{state['thread']}/reply/",
        {"body": "Ответ", "files": [SimpleUploadedFile("a.docx", b"not a zip")]},
        follow=True,
    )
    assert response.status_code == 422 and "не соответствует расширению" in response.content.decode()
    assert _counts() == before


def test_too_many_files_are_refused(data):
    world, state = data
    before = _counts()
    files = [pdf(f"{i}.pdf") for i in range(6)]
    assert (
        _code(
            lambda: services.post_create(actor=world.users["teacher"], thread=_thread(state), body="Много", files=files)
        )
        == "post_too_many_files"
    )
    assert _counts() == before


def test_an_attachment_is_downloaded_under_its_own_name_by_readers_only(data):
    world, state = data
    response = world.client("teacher").get(f"/practices/network/files/{state['attachment']}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 network test"
    assert 'filename="plan.pdf"' in response["Content-Disposition"]
    assert world.client("regional_other").get(f"/practices/network/files/{state['attachment']}/").status_code == 404


# ------------------------------------------------------------------ events


def _event(world, state, **changes) -> Event:
    now = timezone.now()
    kwargs = {
        "actor": world.users["tutor"],
        "community": Community.objects.get(pk=state["community"]),
        "kind": "master_class",
        "title": "Мастер-класс",
        "starts_at": now + dt.timedelta(days=3),
        "ends_at": now + dt.timedelta(days=3, hours=1),
        "capacity": 1,
        "registration_deadline": now + dt.timedelta(days=2),
    }
    kwargs.update(changes)
    return services.event_create(**kwargs)


def test_an_event_over_capacity_refuses_the_next_registration_and_saves_nothing(data):
    world, state = data
    event = _event(world, state)
    services.event_register(actor=world.users["teacher"], event=event)
    assert _code(lambda: services.event_register(actor=world.users["school_head"], event=event)) == "event_full"
    event.refresh_from_db()
    assert event.registered_count == 1 and Registration.objects.filter(event=event).count() == 1
    response = world.client("municipal").post(
        f"/practices/network/e/{event.pk}/register/", {"confirm": "1"}, follow=True
    )
    assert "Мест нет" in response.content.decode()
    api = world.client("mentor").post(
        f"/api/practices/network/events/{event.pk}/registration", content_type="application/json"
    )
    assert api.status_code == 409 and api.json()["error"]["code"] == "event_full"
    assert Registration.objects.filter(event=event).count() == 1


def test_registration_after_the_deadline_is_refused(data):
    world, state = data
    event = _event(world, state, capacity=10)
    Event.objects.filter(pk=event.pk).update(registration_deadline=timezone.now() - dt.timedelta(minutes=1))
    event.refresh_from_db()
    assert (
        _code(lambda: services.event_register(actor=world.users["teacher"], event=event)) == "event_registration_closed"
    )
    response = world.client("teacher").post(f"/practices/network/e/{event.pk}/register/", {"confirm": "1"}, follow=True)
    assert "Регистрация закрыта" in response.content.decode()
    assert Registration.objects.filter(event=event).count() == 0


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"capacity": 0}, "event_capacity_range"),
        ({"registration_deadline": timezone.now() + dt.timedelta(days=5)}, "event_deadline_after_start"),
        ({"ends_at": timezone.now() + dt.timedelta(days=1)}, "event_ends_before_start"),
        ({"online_link": "javascript:alert(1)"}, "event_link_invalid"),
        ({"title": "x" * 201}, "text_too_long"),
        ({"title": "a\x00b"}, "text_nul"),
    ],
)
def test_bad_events_are_refused(data, changes, code):
    world, state = data
    before = Event.objects.count()
    assert _code(lambda: _event(world, state, **changes)) == code
    assert Event.objects.count() == before


def test_the_calendar_file_describes_the_event(data):
    world, state = data
    response = world.client("teacher").get(f"/practices/network/e/{state['webinar']}/event.ics")
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert (
        "BEGIN:VEVENT" in body
        and f"UID:network-event-{state['webinar']}@" in body
        and "SUMMARY:вебинар: Вебинар: оценивание" in body
    )
    event = Event.objects.get(pk=state["webinar"])
    assert f"DTSTART:{event.starts_at.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in body


def test_attendance_is_recorded_by_a_moderator_after_the_start_only(data):
    world, state = data
    webinar = Event.objects.get(pk=state["webinar"])
    assert (
        _code(
            lambda: services.attendance_record(
                actor=world.users["tutor"], event=webinar, attended_user_ids={world.users["teacher"].pk}
            )
        )
        == "event_not_started"
    )
    lesson = Event.objects.get(pk=state["lesson"])
    assert (
        _code(lambda: services.attendance_record(actor=world.users["teacher"], event=lesson, attended_user_ids=set()))
        == "network_not_moderator"
    )
    assert (
        _code(
            lambda: services.attendance_record(
                actor=world.users["tutor"], event=lesson, attended_user_ids={world.users["mentor"].pk}
            )
        )
        == "attendance_not_registered"
    )
    assert (
        services.attendance_record(
            actor=world.users["tutor"], event=lesson, attended_user_ids={world.users["teacher"].pk}
        )
        == 1
    )
    assert Registration.objects.get(event=lesson).attended is True


@pytest.fixture
def running(world):
    """peer_b (org B) has an approved route in progress (tests/routes/routes.py)."""
    from tests.routes.routes import _routes

    state: dict = {}
    _routes(world, state)
    return world, {**network_data(world, state), "running_item": state["running_item"]}


def test_attendance_becomes_route_evidence_once_through_routes_public(running):
    from efs.routes.models import Evidence, RouteItem

    world, state = running
    peer = world.other_org.user
    lesson = _event(world, state, title="Открытый урок: дроби", capacity=5)
    services.event_register(actor=peer, event=lesson)
    now = timezone.now()
    Event.objects.filter(pk=lesson.pk).update(  # the lesson took place
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now - dt.timedelta(hours=1),
        registration_deadline=now - dt.timedelta(hours=3),
    )
    lesson.refresh_from_db()
    item = RouteItem.objects.get(pk=state["running_item"])
    assert (
        _code(lambda: services.attendance_to_evidence(actor=peer, event=lesson, route_item_id=item.pk))
        == "attendance_not_recorded"
    )
    services.attendance_record(actor=world.users["tutor"], event=lesson, attended_user_ids={peer.pk})
    before = Evidence.objects.count()
    evidence = services.attendance_to_evidence(actor=peer, event=lesson, route_item_id=item.pk)
    assert (
        Evidence.objects.count() == before + 1
        and evidence.item_id == item.pk
        and "Открытый урок: дроби" in evidence.note
    )
    assert Registration.objects.get(event=lesson, user=peer).evidence_id == evidence.pk
    assert (
        _code(lambda: services.attendance_to_evidence(actor=peer, event=lesson, route_item_id=item.pk))
        == "attendance_evidence_exists"
    )
    assert (
        _code(lambda: services.attendance_record(actor=world.users["tutor"], event=lesson, attended_user_ids=set()))
        == "attendance_is_evidence"
    )
    assert Evidence.objects.count() == before + 1


# ------------------------------------------------------------------ blended courses


def test_course_progress_counts_accepted_assignments_and_attended_sessions(data):
    world, state = data
    enrollment = Enrollment.objects.get(pk=state["enrollment"])
    from efs.practices.network.models import CourseModule

    online, session = CourseModule.objects.get(pk=state["online"]), CourseModule.objects.get(pk=state["session"])
    services.module_check(
        actor=world.users["tutor"],
        enrollment=enrollment,
        module=online,
        decision="returned",
        comment="Добавьте критерии",
    )
    enrollment.refresh_from_db()
    assert enrollment.done_count == 0
    services.module_submit(actor=world.users["teacher"], module=online, answer="С критериями")
    services.module_check(actor=world.users["tutor"], enrollment=enrollment, module=online, decision="accepted")
    services.module_check(actor=world.users["tutor"], enrollment=enrollment, module=session, decision="attended")
    enrollment.refresh_from_db()
    assert enrollment.done_count == 2
    assert (
        _code(lambda: services.module_submit(actor=world.users["teacher"], module=online, answer="ещё"))
        == "module_already_accepted"
    )
    future = services.module_add(
        actor=world.users["tutor"],
        course=enrollment.course,
        kind="in_person",
        title="Будущая",
        starts_at=timezone.now() + dt.timedelta(days=3),
    )
    assert (
        _code(
            lambda: services.module_check(
                actor=world.users["tutor"], enrollment=enrollment, module=future, decision="attended"
            )
        )
        == "module_session_future"
    )
    assert (
        _code(
            lambda: services.module_add(
                actor=world.users["tutor"], course=enrollment.course, kind="in_person", title="Без даты"
            )
        )
        == "module_session_date"
    )
    assert ModuleProgress.objects.filter(enrollment=enrollment).count() == 2
    page = world.client("teacher").get(f"/practices/network/courses/{enrollment.course_id}/").content.decode()
    assert "Ваш прогресс: пройдено 2 из 3 модулей." in page


# ------------------------------------------------------------------ joint projects


def test_a_joint_project_needs_two_regions_and_is_seen_by_both_and_the_federal_level(data):
    world, state = data
    today = timezone.localdate()
    before = JointProject.objects.count()
    assert (
        _code(
            lambda: services.project_create(
                actor=world.users["regional"],
                lead_organization=world.org_a,
                partners=(world.org_b,),
                title="Один регион",
                goals="Цели",
                starts_on=today,
                ends_on=today,
            )
        )
        == "project_one_region"
    )
    assert (
        _code(
            lambda: services.project_create(
                actor=world.users["regional_other"],
                lead_organization=world.org_a,
                partners=(world.org_d,),
                title="Чужой",
                goals="Цели",
                starts_on=today,
                ends_on=today,
            )
        )
        == "project_not_operator"
    )
    assert JointProject.objects.count() == before
    for who in ("regional", "regional_other", "federal", "teacher"):
        names = [p["title"] for p in world.client(who).get("/api/practices/network/projects").json()]
        assert names == ["Кадровая безопасность Сибири"], who


def test_a_wrong_output_file_is_refused_and_nothing_saved(data):
    from efs.practices.network.models import ProjectOutput

    world, state = data
    project = JointProject.objects.get(pk=state["project"])
    before = ProjectOutput.objects.count()
    bad = SimpleUploadedFile("report.pdf", b"GIF89a not a pdf")
    assert (
        _code(
            lambda: services.project_output_add(actor=world.users["regional"], project=project, title="Отчёт", file=bad)
        )
        == "output_file_type"
    )
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4" + b"0" * (15 * 1024 * 1024))
    assert (
        _code(
            lambda: services.project_output_add(actor=world.users["regional"], project=project, title="Отчёт", file=big)
        )
        == "output_file_too_large"
    )
    assert ProjectOutput.objects.count() == before


# ------------------------------------------------------------------ threads of other apps' subjects


def test_a_subject_thread_is_one_per_subject_and_readable_through_public(data):
    world, state = data
    subject = ("coordination.task", 17)
    first = public.subject_post(
        actor=world.users["regional"],
        subject=subject,
        region=world.r1,
        title="Задача 17",
        body="Срок **переносим** на март",
    )
    public.subject_post(
        actor=world.users["tutor"], subject=subject, region=world.r1, title="Задача 17", body="Согласна, @regional"
    )
    posts = public.subject_posts(subject)
    assert [p.id for p in posts][0] == first and len(posts) == 2 and "<strong>переносим</strong>" in posts[0].html
    assert Thread.objects.filter(subject_kind="coordination.task", subject_id=17).count() == 1
    assert public.subject_posts(("coordination.decision", 1)) == []
    assert (
        _code(
            lambda: public.subject_thread(
                actor=world.users["regional"], subject=("bad key; drop", 1), region=world.r1, title="x"
            )
        )
        == "thread_subject_invalid"
    )
    thread = Thread.objects.get(subject_kind="coordination.task")
    assert (
        world.client("regional").get(f"/practices/network/t/{thread.pk}/").status_code == 404
    )  # shown on its subject's page only


# ------------------------------------------------------------------ query counts


def _posts(world, state, n: int) -> None:
    thread = _thread(state)
    author = world.users["teacher"]
    Post.objects.bulk_create(
        [
            Post(
                thread=thread, region=world.r1, author=author, body=f"Сообщение {i}", body_html=f"<p>Сообщение {i}</p>"
            )
            for i in range(n)
        ]
    )
    Thread.objects.filter(pk=thread.pk).update(posts_count=n + 2)


def test_the_thread_page_makes_the_same_queries_for_10_and_1000_posts(data, django_assert_num_queries):
    world, state = data
    client = world.client("teacher")
    url = f"/practices/network/t/{state['thread']}/"
    client.get(url)
    with django_assert_num_queries(10):
        assert client.get(url).status_code == 200
    _posts(world, state, 1000)
    with django_assert_num_queries(10):
        response = client.get(url + "?page=21")  # 1 002 posts: the last page
    assert response.status_code == 200 and "Сообщение 999" in response.content.decode()


def test_the_community_list_makes_the_same_queries_for_2_and_500_communities(data, django_assert_num_queries):
    world, state = data
    client = world.client("teacher")
    client.get("/practices/network/")
    with django_assert_num_queries(8):
        assert client.get("/practices/network/").status_code == 200
    Community.objects.bulk_create(
        [
            Community(region=world.r1, title=f"Сообщество {i:03d}", created_by=world.users["regional"])
            for i in range(500)
        ]
    )
    with django_assert_num_queries(8):
        response = client.get("/practices/network/?page=3")
    assert response.status_code == 200 and "Сообщество 098" in response.content.decode()


# ------------------------------------------------------------------ joint projects' practices and the macroregion


def test_a_joint_project_registers_its_practices_and_the_macroregion_links_show_them(data):
    from efs.people.models import Role, Scope
    from efs.people.services import role_grant
    from efs.practices import services as bank
    from efs.practices.public import macroregion_links
    from tests.conftest import make_user
    from tests.matrix import shared_framework
    from tests.practices.setup import card, published

    world, state = data
    shared_framework({})
    u = world.users
    project = JointProject.objects.get(pk=state["project"])
    # a new card submitted as the project's output by a participant organization
    draft = bank.practice_create(
        actor=u["teacher"], organization=world.org_a, data=card(title="Черновик проекта", project_id=project.pk)
    )
    assert draft.project == project
    # a project the organization does not take part in: refused, nothing saved
    other = services.project_create(
        actor=u["regional_other"],
        lead_organization=world.org_d,
        partners=(world.org_b,),
        title="Проект без школы № 1",
        goals="Цели",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
    )
    titles = set(bank.Practice.objects.values_list("title", flat=True))
    assert (
        _code(
            lambda: bank.practice_create(
                actor=u["teacher"], organization=world.org_a, data=card(title="Чужой проект", project_id=other.pk)
            )
        )
        == "practice_project_not_participant"
    )
    assert set(bank.Practice.objects.values_list("title", flat=True)) == titles
    # an existing published card is registered by the coordinator; a draft and a non-coordinator are refused
    practice = published(world, card(title="Наставничество молодых учителей: модель Сибири"))
    assert _code(lambda: bank.practice_project_link(actor=u["teacher"], practice=practice, project=project)) == (
        "project_not_coordinator"
    )
    assert _code(lambda: bank.practice_project_link(actor=u["regional"], practice=draft, project=project)) == (
        "practice_not_public"
    )
    bank.practice_project_link(actor=u["regional"], practice=practice, project=project)
    assert _code(lambda: bank.practice_project_link(actor=u["regional_other"], practice=practice, project=other)) == (
        "practice_project_taken"
    )
    page = world.client("regional_other").get(f"/practices/network/projects/{project.pk}/").content.decode()
    assert practice.title in page and "Черновик проекта" not in page and "Ещё 1 карточка проекта" in page
    card_page = world.client("teacher").get(f"/practices/{practice.pk}/").content.decode()
    assert f'href="/practices/network/projects/{project.pk}/"' in card_page
    # a school of the other member region replicates it: the macroregion's links show it
    head = make_user("head_d")
    role_grant(user=head, role=Role.SCHOOL_HEAD, scope=Scope.ORGANIZATION, organization=world.org_d)
    bank.replication_report(
        actor=head,
        practice=practice,
        organization=world.org_d,
        implemented_on=timezone.localdate(),
        adapted="Сократили число встреч",
        results="Пять молодых учителей остались в школе",
    )
    links = macroregion_links(state["macro"])
    assert [(p.title, p.replications, p.regions) for p in links.practices] == [
        (practice.title, 1, [world.r2.name])
    ] and links.replications_across == 1
    assert [(p.title, p.practices) for p in links.projects if p.title == project.title] == [(project.title, 1)]
    assert links.member_regions == 2
    # the coordinator takes the card off the outputs
    bank.practice_project_unlink(actor=u["regional"], practice=practice)
    practice.refresh_from_db()
    assert practice.project_id is None


def test_the_macroregion_page_shows_the_practices_section(data):
    from efs.coordination.programs import queries as programs_queries

    world, state = data
    links = programs_queries.practices_links(state["macro"])
    assert links.member_regions == 2 and links.practices == []
    empty = programs_queries.practices_links(10**9)
    assert empty.empty and empty.member_regions == 0
