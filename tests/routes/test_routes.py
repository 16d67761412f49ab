"""Building the route automatically, editing it, the tutor's approval, tracking and closing the loop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.people.models import Role, Scope
from efs.people.services import role_grant
from efs.routes import services
from efs.routes.models import Evidence, GoalStatus, ItemStatus, Route, RouteEvent, RouteStatus
from tests.conftest import make_educator, make_user, queries_of
from tests.diagnostics.conftest import finished_attempt
from tests.matrix import xlsx_rows
from tests.routes.conftest import options


def build(ready, **changes) -> Route:
    world = ready["world"]
    return services.route_build(actor=world.users["teacher"], educator=world.self_educator, options=options(**changes))


def test_one_click_builds_a_route_with_reasons(ready):
    route = build(ready)
    programs = ready["programs"]
    cohorts = {i.program_id for i in route.items.filter(kind="cohort")}
    assert cohorts == {programs["ro"].pk, programs["np"].pk}  # the paid one is out of a zero budget
    assert set(route.goals.values_list("competency__code", flat=True)) == {"T.RO", "T.NP"}
    assert route.status == RouteStatus.DRAFT and route.tutor == ready["world"].users["tutor"] and route.optimal
    item = route.items.get(program=programs["ro"])
    assert item.reason.startswith("Закрывает дефицит «Оценка результатов» на 90\u00a0%") and "без оплаты" in item.reason
    assert item.expected_result == "сможет проектировать формирующее оценивание"
    assert all(i.reason for i in route.items.all())
    assert RouteEvent.objects.filter(route=route, action="built").exists()


def test_budget_brings_the_better_paid_program(ready):
    # 36 hours fit one program: the paid one covers both deficits fully, the free ones one each.
    route = build(ready, budget=1_500_000, copay=1_500_000, max_hours=36)  # no certificate: the educator pays
    assert route.items.filter(program=ready["programs"]["paid"]).exists()
    assert services.summary(route)["price"] <= 1_500_000


def test_without_diagnostics_there_is_nothing_to_build(depot):
    world = depot["world"]
    with pytest.raises(ValidationFailed) as error:
        services.route_build(actor=world.users["teacher"], educator=world.self_educator, options=options())
    assert error.value.code == "route_no_diagnostics"
    assert not Route.objects.exists()


def test_infeasible_options_give_a_russian_message(ready):
    with pytest.raises(ValidationFailed) as error:
        build(ready, formats=["in_person"], places=[999999], max_hours=8)
    assert error.value.code == "route_infeasible" and "бюджет" in error.value.message
    assert not Route.objects.exists()


def test_only_the_educator_builds_and_edits(ready):
    world = ready["world"]
    with pytest.raises(PermissionDenied):
        services.route_build(actor=world.users["tutor"], educator=world.self_educator, options=options())
    route = build(ready)
    with pytest.raises(PermissionDenied):
        services.item_remove(actor=world.users["tutor"], item=route.items.first())


def test_editing_shows_the_effect_and_blocks_a_broken_route(ready):
    world, programs = ready["world"], ready["programs"]
    route = build(ready)
    before = services.summary(route)
    services.item_remove(actor=world.users["teacher"], item=route.items.get(program=programs["np"]))
    after = services.summary(route)
    assert after["covered_share"] < before["covered_share"]
    items = set(route.items.values_list("pk", flat=True))
    with pytest.raises(ValidationFailed) as error:  # a paid cohort over a zero budget is refused, not just shown red
        services.item_add_cohort(actor=world.users["teacher"], route=route, cohort=programs["paid"].cohorts.first())
    assert error.value.code == "route_budget_exceeded" and "15\u202f000" in error.value.message
    assert set(route.items.values_list("pk", flat=True)) == items
    services.route_limits_set(
        actor=world.users["teacher"], route=route, max_hours=200, budget=1_500_000, copay=1_500_000
    )
    services.item_add_cohort(actor=world.users["teacher"], route=route, cohort=programs["paid"].cohorts.first())
    assert services.summary(route)["price"] == 1_500_000
    with pytest.raises(Conflict):
        services.item_add_cohort(actor=world.users["teacher"], route=route, cohort=programs["paid"].cohorts.first())


def test_swap_offers_cohorts_for_the_same_deficits(ready):
    world, programs = ready["world"], ready["programs"]
    route = build(ready)
    item = route.items.get(program=programs["ro"])
    offered = [c.program_id for c, _coverage in services.alternatives(actor=world.users["teacher"], item=item)]
    assert offered == [programs["paid"].pk]
    services.route_limits_set(
        actor=world.users["teacher"], route=route, max_hours=200, budget=1_500_000, copay=1_500_000
    )
    swapped = services.item_add_cohort(
        actor=world.users["teacher"], route=route, cohort=programs["paid"].cohorts.first(), replace=item
    )
    assert not route.items.filter(pk=item.pk).exists() and swapped.program == programs["paid"]


def test_the_tutor_approves_or_returns_with_comments(ready):
    world = ready["world"]
    route = build(ready)
    services.route_propose(actor=world.users["teacher"], route=route, comment="Прошу посмотреть")
    with pytest.raises(PermissionDenied):
        services.route_approve(actor=world.users["mentor"], route=route)
    with pytest.raises(ValidationFailed):
        services.route_return(actor=world.users["tutor"], route=route, comment="нет")
    services.route_return(actor=world.users["tutor"], route=route, comment="Добавьте стажировку по оцениванию.")
    route.refresh_from_db()
    assert route.status == RouteStatus.DRAFT
    assert world.users["teacher"].notifications.filter(title__contains="вернул").exists()
    services.route_propose(actor=world.users["teacher"], route=route)
    services.route_approve(actor=world.users["tutor"], route=route, comment="Согласовано")
    route.refresh_from_db()
    assert route.status == RouteStatus.APPROVED
    with pytest.raises(Conflict):
        services.item_remove(actor=world.users["teacher"], item=route.items.first())
    actions = list(route.events.values_list("action", flat=True))
    assert actions == ["built", "proposed", "returned", "proposed", "approved"]


def _approved(ready) -> Route:
    world = ready["world"]
    route = build(ready)
    services.route_propose(actor=world.users["teacher"], route=route)
    services.route_approve(actor=world.users["tutor"], route=route)
    return route


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("virus.exe", b"MZ....", "evidence_type"),
        ("certificate.pdf", b"not a pdf at all", "evidence_type"),
        ("empty.pdf", b"", "evidence_empty"),
        ("big.pdf", b"%PDF" + b"0" * (15 * 1024 * 1024), "evidence_too_large"),
    ],
)
def test_evidence_upload_is_validated(ready, name, content, code):
    world = ready["world"]
    route = _approved(ready)
    item = route.items.first()
    with pytest.raises(ValidationFailed) as error:
        services.evidence_submit(actor=world.users["teacher"], item=item, file=SimpleUploadedFile(name, content))
    assert error.value.code == code
    assert not Evidence.objects.exists()
    item.refresh_from_db()
    assert item.status == ItemStatus.PLANNED


def test_tracking_evidence_review_and_rediagnosis_close_the_loop(ready):
    world = ready["world"]
    route = _approved(ready)
    for item in route.items.all():
        services.item_start(actor=world.users["teacher"], item=item)
        evidence = services.evidence_submit(
            actor=world.users["teacher"],
            item=item,
            file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 certificate"),
            note="Удостоверение",
        )
        if item.kind == "cohort" and "R-NP" in item.program.code:
            services.evidence_review(
                actor=world.users["tutor"], evidence=evidence, accept=False, comment="Нужно удостоверение, а не справка"
            )
            services.evidence_submit(actor=world.users["teacher"], item=item, note="Удостоверение № 123 от 10.03.2027")
            evidence = item.evidence.filter(accepted__isnull=True).first()
        services.evidence_review(actor=world.users["tutor"], evidence=evidence, accept=True)
    route.refresh_from_db()
    assert route.status == RouteStatus.IN_PROGRESS
    assert set(route.goals.values_list("status", flat=True)) == {GoalStatus.READY}
    assert services.summary(route)["progress"] == 1.0
    # re-diagnosis of just these competencies
    from efs.diagnostics.itemformat import full_answer
    from efs.diagnostics.models import Assessment
    from efs.diagnostics.services import attempt_answer
    from tests.diagnostics.conftest import make_items

    make_items(route.goals.first().competency.framework, per_leaf=10)
    Assessment.objects.filter(code="a").update(min_per_competency=2, max_per_competency=8, max_items=20, pilot_items=0)
    attempt = services.rediagnosis_start(actor=world.users["teacher"], route=route)
    assert sorted(attempt.competency_codes) == ["T.NP", "T.RO"]
    while attempt.status == "in_progress":
        response = attempt.responses.filter(answered_at__isnull=True).select_related("item").first()
        attempt = attempt_answer(
            actor=world.users["teacher"],
            attempt=attempt,
            position=response.position,
            answer=full_answer(response.item.as_format()),
        ).attempt
    # the attempt's last answer took the results into the route (no page view needed)
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED
    goal = route.goals.get(competency__code="T.RO")
    assert goal.status == GoalStatus.ACHIEVED and goal.result_theta > goal.current_theta
    # the programs' measured effect is recorded for the planner
    assert services.program_effects_update() == 2
    ro = ready["programs"]["ro"]
    ro.refresh_from_db()
    assert ro.effect["T.RO"]["n"] == 1 and ro.effect["T.RO"]["effect"] > 0
    card = world.client("teacher").get(f"/catalog/programs/{ro.pk}/").content.decode()
    assert f"+{ro.effect['T.RO']['effect']:.2f}".replace(".", ",") in card and "n = 1, сравнение с 0" in card


def test_effect_multiplier_shrinks_toward_the_declared_coverage(ready):
    from efs.routes.building import effect_multiplier

    program = ready["programs"]["ro"]
    assert effect_multiplier(program, "T.RO") == 1.0
    program.effect = {"T.RO": {"effect": 0.0, "n": 20}}
    assert effect_multiplier(program, "T.RO") == pytest.approx(0.5)
    program.effect = {"T.RO": {"effect": 1.0, "n": 1000}}
    assert effect_multiplier(program, "T.RO") == 1.5


def test_reminders_once_for_due_and_overdue(ready):
    world = ready["world"]
    route = _approved(ready)
    item = route.items.order_by("planned_end").first()
    today = item.planned_end - dt.timedelta(days=2)
    assert services.send_reminders(today) >= 1
    assert services.send_reminders(today) == 0  # not repeated
    assert services.send_reminders(item.planned_end + dt.timedelta(days=1)) >= 1
    titles = list(world.users["teacher"].notifications.values_list("title", flat=True))
    assert any(t.startswith("Скоро срок") for t in titles) and any(t.startswith("Просрочено") for t in titles)


def test_heads_see_statuses_but_not_contents(ready):
    world = ready["world"]
    route = _approved(ready)
    item = route.items.first()
    services.evidence_submit(actor=world.users["teacher"], item=item, note="Секретная рефлексия о классе")
    page = world.client("school_head").get("/routes/staff/").content.decode()
    assert "Иванова Анна Петровна" in page and "<td>идёт</td>" in page
    assert "Секретная рефлексия" not in page and item.title not in page
    assert world.client("school_head").get(f"/routes/{route.pk}/").status_code == 404
    assert world.client("tutor").get(f"/routes/{route.pk}/").status_code == 200
    assert "Секретная рефлексия" in world.client("tutor").get(f"/routes/{route.pk}/").content.decode()
    head = world.client("school_head")
    assert "Иванова Анна Петровна" not in head.get("/routes/staff/?status=draft").content.decode()
    assert "Иванова Анна Петровна" in head.get("/routes/staff/?q=иван&status=in_progress").content.decode()
    assert "Ни один маршрут не подходит" in head.get("/routes/staff/?overdue=1").content.decode()
    export = head.get("/routes/staff/?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx_rows(export) == [
        ("Педагог", "Организация", "Статус", "Выполнено мероприятий", "Мероприятий в маршруте", "Просрочено"),
        ("Иванова Анна Петровна", "МБОУ СШ № 1", "идёт", 0, route.items.count(), 0),
    ]
    api = head.get("/api/routes/staff?status=in_progress").json()
    assert api["count"] == 1 and api["items"][0]["status"] == "in_progress" and api["summary"]["with_route"] == 1


def test_route_pages_and_pdf(ready):
    world = ready["world"]
    client = world.client("teacher")
    assert "Построить мой маршрут" in client.get("/routes/").content.decode()
    response = client.post(
        "/routes/",
        {
            "period_start": timezone.localdate().isoformat(),
            "max_hours": "200",
            "budget": "0",
            "formats": ["online", "in_person"],
        },
    )
    route = Route.objects.get()
    assert response.url == f"/routes/{route.pk}/"
    page = client.get(response.url).content.decode()
    assert "Закрывает дефицит" in page and "<svg" in page
    pdf = client.get(f"/routes/{route.pk}/iom.pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    assert world.client("tutor").get(f"/routes/{route.pk}/iom.pdf").content[:5] == b"%PDF-"


def test_home_shows_the_route_the_tutor_queue_and_notifications(ready):
    world = ready["world"]
    teacher, tutor = world.client("teacher"), world.client("tutor")
    assert "Построить мой маршрут" in teacher.get("/").content.decode()
    route = build(ready)
    services.route_propose(actor=world.users["teacher"], route=route)
    queue = tutor.get("/").content.decode()
    assert 'id="tutor-queue"' in queue and "маршрут на согласование" in queue.replace("\xa0", " ")
    assert world.client("tutor").get("/").context["sections"]["tutor"]["to_approve"] == 1
    services.route_approve(actor=world.users["tutor"], route=route)
    home = teacher.get("/")
    assert "Открыть мой маршрут" in home.content.decode() and home.context["unread_notifications"] == 1
    inbox = teacher.get("/people/notifications/").content.decode()
    assert "Тьютор согласовал" in inbox and "новое" in inbox
    assert teacher.get("/").context["unread_notifications"] == 0
    # The operators' figures come from monitoring's analytics table, after its build; in a
    # school of 2 a route of 1 is not shown (fewer than 5 people), in the region it is.
    from efs.monitoring.public import analytics_build

    analytics_build()
    head = world.client("school_head").get("/").context["sections"]["school_head"]["figures"].routes
    assert head.with_route is None and head.statuses_hidden
    region = world.client("regional").get("/").context["sections"]["regional_operator"]["regions"][0]["figures"]
    assert (region.routes.with_route, region.routes.by_status["approved"]) == (1, 1)


def test_staff_list_endpoint_makes_a_fixed_number_of_queries(ready):
    world = ready["world"]
    build(ready)
    head = world.client("school_head")
    head.get("/api/routes/staff")
    counts = [queries_of(head, "/api/routes/staff")]
    for n in range(4):
        user = make_user(f"colleague{n}")
        role_grant(user=user, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
        colleague = make_educator(world.org_a, f"Коллегова{n}", user=user)
        finished_attempt(user, colleague, {"T.RO": 0.99})
        services.route_build(actor=user, educator=colleague, options=options())
    counts.append(queries_of(head, "/api/routes/staff"))
    assert head.get("/api/routes/staff").json()["count"] == 5
    # session, user, grants, the page of routes with their counts, the total, educators, routes by status,
    # educators with a route
    assert counts == [8, 8]


def test_a_school_heads_route_views_and_export_are_logged_in_russian(ready):
    from efs.people.models import AuditEvent

    world = ready["world"]
    route = build(ready)
    head = world.client("school_head")
    head.get("/routes/staff/?export=xlsx")
    head.get("/routes/staff/")
    services.route_propose(actor=world.users["teacher"], route=route, comment="")
    assert world.client("tutor").get(f"/routes/{route.pk}/").status_code == 200
    world.client("teacher").get(f"/routes/{route.pk}/")  # one's own route is not someone else's data
    events = AuditEvent.objects.filter(actor=world.users["school_head"], object_type="routes.route").order_by("pk")
    assert [(e.action, e.region_id, e.count) for e in events] == [("export", world.r1.pk, 1), ("view", world.r1.pk, 1)]
    assert events[0].object_repr == "Выгрузка маршрутов педагогов в Excel"
    viewed = AuditEvent.objects.get(actor=world.users["tutor"], object_type="routes.route")
    assert world.self_educator.full_name in viewed.object_repr and viewed.region_id == world.r1.pk
    assert not AuditEvent.objects.filter(actor=world.users["teacher"], object_type="routes.route").exists()
    log = world.client("regional").get("/people/audit/").content.decode()
    assert "Выгрузка маршрутов педагогов в Excel" in log and "индивидуальный" in log


def test_viewing_a_route_records_nothing_the_daily_job_takes_the_rediagnosis(ready):
    from efs.routes.services import remeasurements_record_all
    from tests.diagnostics.conftest import finished_attempt

    world = ready["world"]
    route = _approved(ready)
    for item in route.items.all():
        services.item_start(actor=world.users["teacher"], item=item)
        evidence = services.evidence_submit(actor=world.users["teacher"], item=item, note="Удостоверение № 1")
        services.evidence_review(actor=world.users["tutor"], evidence=evidence, accept=True)
    # results that arrived without passing through the diagnostics service (an import, a late worker)
    finished_attempt(world.users["teacher"], world.self_educator, {"T.RO": 0.02, "T.NP": 0.03})
    teacher = world.client("teacher")
    assert teacher.get(f"/routes/{route.pk}/").status_code == 200
    assert teacher.get(f"/api/routes/{route.pk}").status_code == 200
    route.refresh_from_db()
    assert route.status == RouteStatus.IN_PROGRESS and set(route.goals.values_list("status", flat=True)) == {
        GoalStatus.READY
    }
    remeasurements_record_all()  # the daily job's step
    route.refresh_from_db()
    assert route.status == RouteStatus.COMPLETED and set(route.goals.values_list("status", flat=True)) == {
        GoalStatus.ACHIEVED
    }


def test_the_tutor_opens_the_evidence_file_logged_others_get_404(ready):
    from efs.people.models import AuditEvent

    world = ready["world"]
    route = _approved(ready)
    item = route.items.first()
    services.item_start(actor=world.users["teacher"], item=item)
    evidence = services.evidence_submit(
        actor=world.users["teacher"], item=item, file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 certificate")
    )
    url = f"/routes/{route.pk}/evidence/{evidence.pk}/file"
    page = world.client("tutor").get(f"/routes/{route.pk}/").content.decode()
    assert f'href="{url}"' in page
    tutor = world.client("tutor").get(url)
    assert tutor.status_code == 200 and b"".join(tutor.streaming_content) == b"%PDF-1.4 certificate"
    assert "attachment" in tutor["Content-Disposition"] and tutor["X-Content-Type-Options"] == "nosniff"
    logged = AuditEvent.objects.get(actor=world.users["tutor"], fields=[f"evidence:{evidence.pk}"])
    assert logged.region_id == world.r1.pk and logged.object_id == str(world.self_educator.pk)
    audit = world.client("regional").get("/people/audit/").content.decode()
    assert f"файл подтверждения № {evidence.pk}" in audit and "evidence:" not in audit
    assert world.client("teacher").get(url).status_code == 200
    for who in ("mentor", "school_head", "regional", "federal", "provider"):
        assert world.client(who).get(url).status_code == 404, who
    assert world.client("tutor").get(f"/routes/{route.pk + 1}/evidence/{evidence.pk}/file").status_code == 404


def test_an_evidence_file_missing_from_the_storage_is_a_russian_404_not_a_server_error(ready):
    world = ready["world"]
    route = _approved(ready)
    item = route.items.first()
    services.item_start(actor=world.users["teacher"], item=item)
    evidence = services.evidence_submit(
        actor=world.users["teacher"], item=item, file=SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 certificate")
    )
    evidence.file.storage.delete(evidence.file.name)  # a database restored without its media
    response = world.client("tutor").get(f"/routes/{route.pk}/evidence/{evidence.pk}/file")
    assert response.status_code == 404 and "Файла больше нет в хранилище" in response.content.decode()


def test_the_budget_is_at_most_the_certificate_plus_the_declared_copay(ready):
    world = ready["world"]
    with pytest.raises(ValidationFailed) as error:
        build(ready, budget=99_999_999_900)  # 999 999 999 ₽ against no certificate at all
    assert error.value.code == "route_options_invalid" and "сертификат" in error.value.message
    assert not Route.objects.exists()
    teacher = world.client("teacher")
    for typed in ("1e12", "inf", "nan", "15000,555", "-5", "99999999999"):
        response = teacher.post(
            "/routes/",
            {"period_start": "2030-01-01", "period_end": "2030-12-31", "max_hours": "100", "budget": typed},
            follow=True,
        )
        assert response.status_code == 400 and "Бюджет" in response.content.decode(), typed
    assert not Route.objects.exists()
    build(ready, budget=1_500_000, copay=1_500_000)


def test_additions_and_swaps_cannot_push_hours_over_the_limit_and_the_limit_is_changed_on_the_route(ready):
    world, programs = ready["world"], ready["programs"]
    route = build(ready)
    hours = services.summary(route)["hours"]
    services.item_remove(actor=world.users["teacher"], item=route.items.get(program=programs["np"]))
    teacher = world.client("teacher")
    teacher.post(
        f"/routes/{route.pk}/limits/", {"max_hours": str(hours - 1), "budget": "15 000", "copay": "15000"}
    )
    route.refresh_from_db()
    assert (route.max_hours, route.budget, route.copay) == (hours - 1, 1_500_000, 1_500_000)
    with pytest.raises(ValidationFailed) as error:
        services.item_add_cohort(actor=world.users["teacher"], route=route, cohort=programs["np"].cohorts.first())
    assert error.value.code == "route_hours_exceeded" and f"больше её лимита в {hours - 1}" in error.value.message
    assert not route.items.filter(program=programs["np"]).exists()
    response = teacher.post(f"/routes/{route.pk}/limits/", {"max_hours": "8", "budget": "0"}, follow=True)
    assert "уже занимают" in response.content.decode()
    route.refresh_from_db()
    assert route.max_hours == hours - 1


def test_other_cohorts_lists_the_same_offer_once(ready):
    from efs.catalog.models import Cohort

    world, programs = ready["world"], ready["programs"]
    route = build(ready)
    twin = programs["paid"].cohorts.get()
    twin.pk = None
    twin.save()
    offered = [
        c.program_id
        for c, _coverage in services.alternatives(
            actor=world.users["teacher"], item=route.items.get(program=programs["ro"])
        )
    ]
    assert offered == [programs["paid"].pk] and Cohort.objects.filter(program=programs["paid"]).count() == 2


def test_a_deficit_left_uncovered_gets_a_plain_reason(ready):
    from efs.competencies.models import Competency
    from efs.routes.building import uncovered_reason

    world = ready["world"]
    today = timezone.localdate()
    educator = world.self_educator
    com = Competency.objects.get(code="T.COM")
    assert "нет программы, закрывающей «" in uncovered_reason(educator, com, today, today + dt.timedelta(days=365))
    ro = Competency.objects.get(code="T.RO")
    assert "в ваши даты" in uncovered_reason(educator, ro, today, today + dt.timedelta(days=20))
    route = build(ready)
    for item in route.items.filter(coverage__has_key="T.NP"):
        services.item_remove(actor=world.users["teacher"], item=item)
    state = services.summary(route)
    assert set(state["uncovered"]) == {"T.NP"}
    page = world.client("teacher").get(f"/routes/{route.pk}/").content.decode()
    assert state["uncovered"]["T.NP"].replace("«", "&laquo;")[:20] in page or state["uncovered"]["T.NP"][:20] in page


def test_rediagnosis_with_other_deficits_shows_before_after_and_the_route_offers_a_rebuild_keeping_work_under_way(
    ready,
):
    from tests.diagnostics.conftest import finished_attempt

    world = ready["world"]
    route = _approved(ready)
    started = route.items.order_by("planned_start", "order").first()
    services.item_start(actor=world.users["teacher"], item=started)
    later = finished_attempt(world.users["teacher"], world.self_educator, {"T.RO": 0.98, "T.NP": 0.02, "T.COM": 0.97})
    teacher = world.client("teacher")
    result = teacher.get(f"/diagnostics/attempts/{later.pk}/result/").content.decode()
    assert 'id="comparison"' in result and "новый дефицит" in result and "лучше" in result
    drift = services.deficit_drift(route)
    assert [d.competency.code for d in drift.new] == ["T.COM"] and [g.competency.code for g in drift.gone] == ["T.NP"]
    assert drift.current_share < 1
    page = teacher.get(f"/routes/{route.pk}/").content.decode()
    assert 'id="deficits-changed"' in page and "Перестроить маршрут" in page
    assert teacher.get(f"/api/routes/{route.pk}").json()["deficits_changed"]["new"] == ["T.COM"]
    teacher.post(f"/routes/{route.pk}/rebuild/", {"confirm": "on"})
    route.refresh_from_db()
    assert route.status == RouteStatus.DRAFT and route.attempt_id == later.pk
    started.refresh_from_db()
    assert started.status == "in_progress"  # the work under way is kept
    assert route.goals.filter(competency__code="T.COM").exists()
    assert route.items.filter(coverage__has_key="T.COM").exists()
    assert services.deficit_drift(route) is None
    assert route.events.filter(action="rebuilt").exists()


def test_a_refused_action_on_the_route_page_answers_with_its_status_and_message(ready):
    """One view per action; a refusal is the route page again with the refusal's status (not the
    302 of success), its Russian message on it, and nothing changed."""
    world = ready["world"]
    route = build(ready)
    item = route.items.first()
    teacher = world.client("teacher")
    refused = teacher.post(f"/routes/{route.pk}/items/{item.pk}/start/")
    assert refused.status_code == 409 and "alert-danger" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == "planned"
    assert world.client("tutor").post(f"/routes/{route.pk}/propose/", {"comment": ""}).status_code == 403
    sent = teacher.post(f"/routes/{route.pk}/propose/", {"comment": ""})
    assert sent.status_code == 302 and sent.url == f"/routes/{route.pk}/"
    route.refresh_from_db()
    assert route.status == RouteStatus.PROPOSED
    assert teacher.get(f"/routes/{route.pk}/propose/").status_code == 405
