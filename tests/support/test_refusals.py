"""The support pages that create something answer a refused POST with the refusal's status
(400 for the form, the service's own status for its refusal) and its Russian message on the
page, never the 200 of a page shown again nor the 302 of success, and save nothing."""

from __future__ import annotations

import pytest

from efs.people.models import SupportAssignment
from efs.support.models import Consultation, PrivateRecord, ReflectionCycle
from tests.matrix import refusal_text
from tests.support.setup import cycles_data, support_data


def _refused_and_unsaved(model, client, url: str, form: dict, *, status: int, message: str) -> None:
    """The POST answers `status` with `message` on the page, and no `model` row is added."""
    before = model.objects.count()
    response = client.post(url, form)
    assert response.status_code == status
    assert message in response.content.decode()
    assert model.objects.count() == before


@pytest.fixture
def data(world):
    return world, support_data(world, {})


def test_the_consultation_page_refuses_a_foreign_subject_with_400(data):
    world, _state = data
    _refused_and_unsaved(
        Consultation,
        world.client("teacher"),
        "/support/consultations/new/",
        {"topic": "x", "subject": "c999999", "format": "online", "preferred_times": ""},
        status=400,
        message="Выберите корректный вариант",
    )


def test_the_consultation_page_without_a_tutor_answers_409_with_the_message(data):
    world, state = data
    SupportAssignment.objects.filter(educator=world.self_educator, kind="tutor").update(active=False)
    _refused_and_unsaved(
        Consultation,
        world.client("teacher"),
        "/support/consultations/new/",
        {"topic": "Оценивание", "subject": f"c{state['competency']}", "format": "online", "preferred_times": ""},
        status=409,
        message="Тьютор вам пока не назначен",
    )


def test_the_record_page_refuses_a_journal_about_someone_else_with_400(data):
    world, _state = data
    _refused_and_unsaved(
        PrivateRecord,
        world.client("tutor"),
        "/support/records/new/",
        {"educator": world.self_educator.pk, "kind": "journal_entry", "title": "Запись", "body": "Текст"},
        status=400,
        message="Выберите корректный вариант",
    )


def test_the_record_page_refuses_an_empty_title_with_400(data):
    world, _state = data
    _refused_and_unsaved(
        PrivateRecord,
        world.client("teacher"),
        "/support/records/new/",
        {"educator": world.self_educator.pk, "kind": "journal_entry", "title": "  ", "body": "Текст"},
        status=400,
        message="Обязательное поле",
    )


def test_the_cycle_page_refuses_a_second_open_cycle_with_409(world):
    state = cycles_data(world, {})
    _refused_and_unsaved(
        ReflectionCycle,
        world.client("teacher"),
        "/support/cycles/new/",
        {"subject": f"c{state['competency_com']}"},
        status=409,
        message="Цикл по этой компетенции уже открыт.",
    )


def test_the_cycle_page_refuses_a_foreign_subject_with_400(world):
    cycles_data(world, {})
    _refused_and_unsaved(
        ReflectionCycle,
        world.client("teacher"),
        "/support/cycles/new/",
        {"subject": "c999999"},
        status=400,
        message="Выберите корректный вариант",
    )


def test_a_cycle_closed_before_its_stage_is_refused_with_409_on_a_page_of_its_own(world):
    state = cycles_data(world, {})
    response = world.client("teacher").post(f"/support/cycles/{state['cycle_plan']}/close/", {})
    assert response.status_code == 409
    assert "Цикл сейчас на другом этапе." in refusal_text(response)
    assert f"/support/cycles/{state['cycle_plan']}/" in response.content.decode()  # the link back
    assert ReflectionCycle.objects.get(pk=state["cycle_plan"]).stage == "plan"


def test_an_empty_plan_is_refused_with_400(world):
    state = cycles_data(world, {})
    response = world.client("teacher").post(f"/support/cycles/{state['cycle_plan']}/step/", {"text": " "})
    assert response.status_code == 400 and "Обязательное поле." in response.content.decode()
    assert ReflectionCycle.objects.get(pk=state["cycle_plan"]).stage == "plan"


def test_a_capacity_out_of_range_is_refused_with_400(world):
    from efs.support.models import TutorCapacity
    from tests.support.setup import caseload_data

    caseload_data(world, {})
    before = list(TutorCapacity.objects.values_list("tutor_id", "capacity"))
    response = world.client("regional").post(
        "/support/caseloads/capacity/", {"region": world.r1.pk, "tutor": world.users["tutor"].pk, "capacity": -1}
    )
    assert response.status_code == 400 and refusal_text(response)
    assert list(TutorCapacity.objects.values_list("tutor_id", "capacity")) == before
