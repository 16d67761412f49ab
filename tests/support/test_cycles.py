"""Reflective cycles: open on a deficit, four stages, an observation on our 544н rubric,
closed by a re-diagnosis with before and after; the texts stay behind the privacy wall."""

from __future__ import annotations

import pytest
from django.utils import timezone

from efs.errors import DomainError
from efs.support import cycles, rubric
from efs.support.models import PrivateRecord, ReflectionCycle
from tests.diagnostics.conftest import finished_attempt
from tests.support.setup import LEVELS, REFLECTION, cycles_data


@pytest.fixture
def data(world):
    return world, cycles_data(world, {})


def _code(call) -> str:
    with pytest.raises(DomainError) as exc:
        call()
    return exc.value.code


def test_the_rubric_maps_each_labour_function_with_three_levels():
    assert rubric.function_codes() == ["A/01.6", "A/02.6", "A/03.6"]
    for code in rubric.function_codes():
        assert rubric.levels_of(code) == [1, 2, 3]
        assert all(len(rubric.descriptor(code, level)) > 40 for level in (1, 2, 3))


def test_a_cycle_opens_only_on_a_current_deficit_once(data):
    world, state = data
    teacher, me = world.users["teacher"], world.self_educator
    before = ReflectionCycle.objects.count()
    assert _code(lambda: cycles.cycle_open(actor=teacher, educator=me, competency_id=999_999)) == "competency_not_found"
    assert (
        _code(lambda: cycles.cycle_open(actor=teacher, educator=me, competency_id=state["competency_com"]))
        == "cycle_exists"
    )
    assert (
        _code(lambda: cycles.cycle_open(actor=world.users["tutor"], educator=me, competency_id=state["competency_com"]))
        == "cycle_not_own"
    )
    assert _code(lambda: cycles.cycle_open(actor=teacher, educator=me, route_item_id=999_999)) == "route_item_not_found"
    assert ReflectionCycle.objects.count() == before


def test_the_stages_go_in_order(data):
    world, state = data
    teacher = world.users["teacher"]
    planning = ReflectionCycle.objects.get(pk=state["cycle_plan"])
    assert _code(lambda: cycles.cycle_act(actor=teacher, cycle=planning, text="x")) == "cycle_wrong_stage"
    assert _code(lambda: cycles.cycle_plan(actor=teacher, cycle=planning, text="  ")) == "field_required"
    cycles.cycle_plan(actor=teacher, cycle=planning, text="План")
    planning.refresh_from_db()
    assert planning.stage == "act"


def test_the_observation_needs_a_supporter_and_every_level(data):
    world, state = data
    observing = ReflectionCycle.objects.get(pk=state["cycle_observe"])
    assert (
        _code(lambda: cycles.cycle_observe(actor=world.users["teacher"], cycle=observing, levels=LEVELS, notes="x"))
        == "cycle_not_observer"
    )
    assert (
        _code(
            lambda: cycles.cycle_observe(actor=world.users["tutor"], cycle=observing, levels={"A/01.6": 2}, notes="x")
        )
        == "rubric_level_missing"
    )
    assert (
        _code(
            lambda: cycles.cycle_observe(
                actor=world.users["tutor"], cycle=observing, levels=LEVELS | {"A/01.6": 7}, notes="x"
            )
        )
        == "rubric_level_missing"
    )
    assert (
        _code(
            lambda: cycles.cycle_observe(
                actor=world.users["tutor"], cycle=observing, levels=LEVELS | {"B/01.6": 1}, notes="x"
            )
        )
        == "rubric_function_unknown"
    )
    record = cycles.cycle_observe(actor=world.users["tutor"], cycle=observing, levels=LEVELS, notes="10:00 — начало")
    assert record.kind == "observation" and record.rubric == LEVELS and record.author == world.users["tutor"]


def test_the_cycle_closes_on_a_later_re_diagnosis_with_before_and_after(data):
    world, state = data
    teacher = world.users["teacher"]
    closing = ReflectionCycle.objects.get(pk=state["cycle_close"])
    response = world.client("teacher").post(f"/api/support/cycles/{closing.pk}/close")
    assert response.status_code == 200
    body = response.json()
    assert body["stage"] == "closed" and body["before_p_deficit"] == 0.9 and body["after_p_deficit"] == 0.3
    reflecting = ReflectionCycle.objects.get(pk=state["cycle_reflect"])
    cycles.cycle_reflect(actor=teacher, cycle=reflecting, answers={"went": "а", "showed": "б", "next": "в"})
    # A cycle opened after the last measurement of its competency has no re-diagnosis yet.
    ReflectionCycle.objects.filter(pk=reflecting.pk).update(opened_at=timezone.now())
    assert _code(lambda: cycles.cycle_close(actor=teacher, cycle=reflecting)) == "rediagnosis_missing"
    finished_attempt(teacher, world.self_educator, {"T.MATH": 0.4})
    closed = cycles.cycle_close(actor=teacher, cycle=reflecting)
    assert closed.before_p_deficit == 0.9 and closed.after_p_deficit == 0.4


def test_a_cycle_does_not_close_before_the_reflection(data):
    world, state = data
    reflecting = ReflectionCycle.objects.get(pk=state["cycle_reflect"])
    assert _code(lambda: cycles.cycle_close(actor=world.users["teacher"], cycle=reflecting)) == "cycle_not_reflected"


def test_the_texts_of_a_cycle_stay_private(data):
    world, state = data
    tutor_view = world.client("tutor").get(f"/api/support/cycles/{state['cycle_close']}").json()
    assert {r["stage"] for r in tutor_view["records"]} == {"observe"}  # the tutor's own protocol only
    own = world.client("teacher").get(f"/api/support/cycles/{state['cycle_close']}").json()
    assert {r["stage"] for r in own["records"]} == {"plan", "act", "observe", "reflect"}
    assert REFLECTION in own["records"][-1]["body"] or any(REFLECTION in r["body"] for r in own["records"])
    reflection = PrivateRecord.objects.get(cycle_id=state["cycle_close"], cycle_stage="reflect")
    for who in ("tutor", "mentor", "school_head", "regional", "federal"):
        assert world.client(who).get(f"/support/records/{reflection.pk}/").status_code == 404, who
    for who in ("school_head", "municipal", "regional", "federal", "provider"):
        assert world.client(who).get(f"/api/support/cycles/{state['cycle_close']}").status_code == 404, who


def test_the_observation_form_posts_levels(data):
    world, state = data
    payload = {"notes": "10:15 — дифференцированные задания", "level_A/01.6": 3, "level_A/02.6": 2, "level_A/03.6": 2}
    response = world.client("mentor").post(f"/support/cycles/{state['cycle_observe']}/step/", payload)
    assert response.status_code == 302
    record = PrivateRecord.objects.get(cycle_id=state["cycle_observe"], cycle_stage="observe")
    assert record.rubric == {"A/01.6": 3, "A/02.6": 2, "A/03.6": 2} and record.author == world.users["mentor"]


def test_a_50_mb_protocol_is_refused_with_a_stable_code_and_nothing_is_saved(data):
    world, state = data
    observing = ReflectionCycle.objects.get(pk=state["cycle_observe"])
    before = PrivateRecord.objects.filter(cycle=observing).count()
    huge = "x" * (50 * 1024 * 1024)
    client = world.client("tutor")
    api = client.post(
        f"/api/support/cycles/{observing.pk}/observe",
        {"levels": LEVELS, "notes": huge},
        content_type="application/json",
    )
    assert api.status_code == 413 and api.json()["error"]["code"] == "request_too_large"
    page = client.post(f"/support/cycles/{observing.pk}/step/", {"notes": huge})
    assert page.status_code == 413
    observing.refresh_from_db()
    assert observing.stage == "observe" and PrivateRecord.objects.filter(cycle=observing).count() == before
