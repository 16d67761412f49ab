"""Strategic tasks beyond the first pledge: several organizations' pledges in one form (all or
nothing, each bad row named in Russian), a task's text edited with its history, and the rule that
free-text evidence reaches the public page only as a runner of the council published it."""

from __future__ import annotations

import datetime as dt

import pytest

from efs.coordination import services
from efs.coordination.models import Participation, StrategicTask, TaskRevision
from efs.errors import Conflict, PermissionDenied, ValidationFailed
from tests.coordination.conftest import logged_in

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
NAME = "Петрова Мария Ивановна"


def _task(board, **kwargs):
    defaults = {
        "title": "Сеть методических объединений",
        "goal": "В каждом муниципалитете — методическое объединение учителей математики",
        "starts_on": TODAY - dt.timedelta(days=100),
        "deadline": TODAY + dt.timedelta(days=200),
        "responsible": board.cnppm,
    }
    defaults.update(kwargs)
    return services.task_create(actor=board.chair.user, council=board.council, **defaults)


# ---------------------------------------------------------------- bulk pledges


def test_bulk_pledges_are_all_saved_or_none_and_each_bad_row_is_named(board, world):
    task = _task(board)
    rows = [
        {"organization": board.ipk, "money_kopecks": 100_000_00, "staff_hours": 40},
        {"organization": world.org_d, "staff_hours": 10},  # another region's school
        {"organization": board.ipk, "staff_hours": 5},  # listed twice
        {"organization": world.org_b, "venues": "актовый зал"},
    ]
    with pytest.raises(ValidationFailed) as refused:
        services.pledges_record(actor=board.chair.user, task=task, rows=rows)
    assert refused.value.code == "pledge_rows_invalid"
    assert [e["row"] for e in refused.value.details["rows"]] == [2, 3]
    assert refused.value.message.startswith("Строка 2: ")
    assert "Строка 3: Организация указана дважды." in refused.value.message
    assert Participation.objects.filter(task=task).count() == 1  # only the responsible one of task_create

    saved = services.pledges_record(actor=board.chair.user, task=task, rows=[rows[0], rows[3]])
    assert [(p.organization, p.state) for p in saved] == [(board.ipk, "proposed"), (world.org_b, "proposed")]
    assert Participation.objects.get(task=task, organization=board.ipk).money_kopecks == 100_000_00


def test_bulk_pledges_by_a_member_for_another_organization_are_refused_row_by_row(board, world):
    task = _task(board)
    rows = [{"organization": world.org_a, "staff_hours": 12}, {"organization": board.ipk, "staff_hours": 40}]
    with pytest.raises(ValidationFailed) as refused:
        services.pledges_record(actor=board.head.user, task=task, rows=rows)
    assert refused.value.details["rows"][0]["code"] == "pledge_for_other_organization"
    assert refused.value.details["rows"][0]["row"] == 2
    assert not Participation.objects.filter(task=task, organization=world.org_a).exists()
    with pytest.raises(ValidationFailed) as empty:
        services.pledges_record(actor=board.head.user, task=task, rows=[])
    assert empty.value.code == "pledge_rows_empty"


def test_the_bulk_form_names_the_row_in_russian_and_saves_nothing(board, world):
    task = _task(board)
    chair = logged_in(board.chair.user)
    url = f"/coordination/tasks/{task.pk}/pledges/bulk/"
    bad = {
        "organization_1": board.ipk.pk,
        "money_1": "150 000",
        "organization_2": world.org_b.pk,
        "staff_hours_2": "-3",
        "venues_3": "спортзал",  # a row without its organization
    }
    page = chair.post(url, bad, follow=True).content.decode()
    assert "Строка 2, Часы работы специалистов:" in page
    assert "Строка 3, Организация: Выберите организацию." in page
    assert Participation.objects.filter(task=task).count() == 1
    good = {"organization_1": board.ipk.pk, "money_1": "150 000", "organization_2": world.org_b.pk, "staff_hours_2": 8}
    page = chair.post(url, good, follow=True).content.decode()
    assert "Участие организаций записано." in page
    assert Participation.objects.get(task=task, organization=world.org_b).staff_hours == 8
    assert Participation.objects.get(task=task, organization=board.ipk).money_kopecks == 15_000_000


def test_the_bulk_api_returns_each_bad_row_and_saves_nothing(board, world):
    task = _task(board)
    chair = logged_in(board.chair.user)
    url = f"/api/coordination/tasks/{task.pk}/pledges/bulk"
    body = {"rows": [{"organization_id": board.ipk.pk, "staff_hours": 4}, {"organization_id": world.org_d.pk}]}
    response = chair.post(url, body, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "pledge_rows_invalid"
    assert error["details"]["rows"] == [
        {"row": 2, "code": "organization_not_found", "message": "В регионе совета нет такой организации."}
    ]
    assert not Participation.objects.filter(task=task, organization=board.ipk).exists()
    body["rows"].pop()
    response = chair.post(url, body, content_type="application/json")
    assert response.status_code == 201 and response.json()[0]["staff_hours"] == 4


# ---------------------------------------------------------------- editing a task's text


def test_a_tasks_text_is_edited_by_runners_and_every_edit_is_kept(board):
    from efs.people.models import Notification

    task = _task(board)
    services.pledge_answer(actor=board.methodist.user, participation=task.participations.get(), accept=True)
    services.milestone_add(actor=board.chair.user, task=task, title="Положение", due=TODAY + dt.timedelta(days=30))
    new_deadline = TODAY + dt.timedelta(days=90)
    with pytest.raises(PermissionDenied):
        services.task_edit(actor=board.head.user, task=task, title="Другое", goal=task.goal, deadline=task.deadline)
    with pytest.raises(ValidationFailed) as milestone:
        services.task_edit(
            actor=board.chair.user, task=task, title=task.title, goal=task.goal, deadline=TODAY + dt.timedelta(days=10)
        )
    assert milestone.value.code == "milestone_outside_task"
    with pytest.raises(ValidationFailed) as same:
        services.task_edit(actor=board.chair.user, task=task, title=task.title, goal=task.goal, deadline=task.deadline)
    assert same.value.code == "no_change"
    assert not TaskRevision.objects.exists()

    old_deadline = task.deadline
    services.task_edit(
        actor=board.secretary.user,
        task=task,
        title="Сеть методических объединений учителей",
        goal=task.goal,
        deadline=new_deadline,
        reason="решение совета № 3",
    )
    task.refresh_from_db()
    assert (task.title, task.deadline) == ("Сеть методических объединений учителей", new_deadline)
    revision = TaskRevision.objects.get(task=task)
    assert revision.changes == {
        "title": ["Сеть методических объединений", "Сеть методических объединений учителей"],
        "deadline": [str(old_deadline), str(new_deadline)],
    }
    assert (revision.changed_by, revision.reason) == (board.secretary.user, "решение совета № 3")
    told = Notification.objects.filter(user=board.methodist.user, title__startswith="Новый срок задачи")
    assert told.count() == 1

    page = logged_in(board.head.user).get(f"/coordination/tasks/{task.pk}/").content.decode()
    assert "История изменений (1)" in page and "решение совета № 3" in page
    api = logged_in(board.head.user).get(f"/api/coordination/tasks/{task.pk}/revisions").json()
    assert api["revisions"][0]["changes"]["deadline"] == [str(old_deadline), str(new_deadline)]

    services.task_status_set(actor=board.chair.user, task=task, status="cancelled")
    with pytest.raises(Conflict):
        services.task_edit(actor=board.chair.user, task=task, title="Снова", goal=task.goal, deadline=new_deadline)


def test_the_edit_form_refuses_in_russian_and_saves_nothing(board):
    task = _task(board)
    page = (
        logged_in(board.chair.user)
        .post(
            f"/coordination/tasks/{task.pk}/edit/",
            {"title": "Новое", "goal": task.goal, "deadline": f"{TODAY - dt.timedelta(days=365):%Y-%m-%d}"},
            follow=True,
        )
        .content.decode()
    )
    assert "Срок раньше даты начала." in page
    assert StrategicTask.objects.get(pk=task.pk).title == "Сеть методических объединений"


# ---------------------------------------------------------------- evidence on the public page


def test_a_name_typed_into_evidence_is_not_public_until_a_runner_publishes_the_text(board, client):
    task = _task(board)
    services.pledge_answer(actor=board.methodist.user, participation=task.participations.get(), accept=True)
    evidence = f"Положение утверждено; отчёт подготовила {NAME}, методист ЦНППМ"
    services.task_status_set(actor=board.methodist.user, task=task, status="done", evidence=evidence)

    def public() -> str:
        page = client.get("/coordination/public/24/").content.decode()
        api = client.get("/api/coordination/public/24").content.decode("utf-8")
        return page + api

    assert NAME not in public() and "Положение утверждено" not in public()
    assert "Сеть методических объединений" in public()  # the task itself is public

    with pytest.raises(PermissionDenied):  # the reporting organization does not publish
        services.task_evidence_publish(actor=board.methodist.user, task=task, text=evidence)
    assert NAME not in public()

    response = logged_in(board.secretary.user).post(
        f"/coordination/tasks/{task.pk}/evidence/publish/", {"text": "Положение утверждено приказом № 15"}
    )
    assert response.status_code == 302
    assert "Положение утверждено приказом № 15" in public() and NAME not in public()

    # New evidence with a name does not replace the published text by itself.
    services.task_status_set(actor=board.methodist.user, task=task, status="done", evidence=f"{NAME}: итог")
    assert NAME not in public() and "приказом № 15" in public()
    secretary_page = logged_in(board.secretary.user).get(f"/coordination/tasks/{task.pk}/").content.decode()
    assert "Сведения о результате изменились после публикации." in secretary_page

    services.task_evidence_publish(actor=board.chair.user, task=task, text="")
    assert "приказом № 15" not in public()
