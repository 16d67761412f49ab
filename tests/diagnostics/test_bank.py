"""Item bank: import all-or-nothing, calibration runs and their application, fixed forms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from efs.competencies.services import (
    framework_from_xlsx,
    framework_import,
    framework_to_dict,
    framework_to_xlsx,
)
from efs.diagnostics.bank import (
    MIN_RESPONSES_TO_APPLY,
    calibration_apply,
    calibration_execute,
    calibration_start,
    fixed_form_build,
    item_to_dict,
    items_import,
    items_to_xlsx,
)
from efs.diagnostics.models import (
    Assessment,
    AssessmentMode,
    Attempt,
    CalibrationRun,
    Item,
    ItemStatus,
    Response,
)
from efs.errors import Conflict, PermissionDenied, ValidationFailed
from efs.people.models import ConsentKind
from efs.people.services import consent_give
from tests.diagnostics.conftest import make_items, small_framework


def _new_item(code: str, competency: str = "T.NP", **extra) -> dict:
    item = {
        "code": code,
        "competency": competency,
        "audience": "teacher",
        "kind": "single",
        "stem": "Новое задание",
        "options": [{"id": "a", "text": "Да"}, {"id": "b", "text": "Нет"}],
        "key": "a",
        "irt": {"model": "2PL", "a": 1.0, "b": 0.0},
    }
    item.update(extra)
    return item


def test_import_adds_pilots(world):
    small_framework()
    created = items_import(
        actor=world.users["federal"],
        file_name="new.json",
        content=json.dumps([_new_item("N-1"), _new_item("N-2")]).encode(),
    )
    assert [i.status for i in created] == [ItemStatus.PILOT, ItemStatus.PILOT]


def test_import_is_all_or_nothing_with_clear_errors(world):
    small_framework()
    bad = [_new_item("N-1"), _new_item("N-2", key="z"), _new_item("N-3", competency="T.NOPE"), _new_item("N-1")]
    with pytest.raises(ValidationFailed) as error:
        items_import(actor=world.users["federal"], file_name="new.json", content=json.dumps(bad).encode())
    problems = error.value.details
    assert any("N-2" in p and "key" in p for p in problems)
    assert any("N-3" in p and "T.NOPE" in p for p in problems)
    assert any("N-1" in p and "повторяется" in p for p in problems)
    assert not Item.objects.exists()


def test_only_the_federal_operator_manages_the_bank(world):
    small_framework()
    with pytest.raises(PermissionDenied):
        items_import(
            actor=world.users["regional"], file_name="new.json", content=json.dumps([_new_item("N-1")]).encode()
        )
    assert not Item.objects.exists()


def test_export_round_trip_through_xlsx(world):
    framework = small_framework()
    make_items(framework, per_leaf=6)
    content = items_to_xlsx(Item.objects.select_related("competency"))
    Item.objects.all().delete()
    created = items_import(actor=world.users["federal"], file_name="bank.xlsx", content=content)
    assert len(created) == 24
    assert {i.kind for i in created} == {"single", "case", "multiple", "numeric", "matching", "ordering"}


def test_keys_never_reach_a_test_taker_through_the_api(world, bank):
    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    client = world.client("teacher")
    started = client.post(
        "/api/diagnostics/attempts", json.dumps({"assessment": "t-adaptive"}), content_type="application/json"
    ).json()
    shown = started["current"]
    item = Item.objects.get(pk=Response.objects.get(attempt_id=started["id"], position=shown["position"]).item_id)
    body = json.dumps(started, ensure_ascii=False)
    assert "key" not in shown["content"] and "irt" not in shown["content"]
    assert json.dumps(item.key, ensure_ascii=False) not in body or item.kind == "single"
    for field in ('"a":', '"b":', '"steps"', "rationale"):
        assert field not in json.dumps(shown)
    assert client.get(f"/api/diagnostics/items/{item.pk}").status_code == 403
    # a score cannot be sent: the answer schema has no such field, and extra fields change nothing
    answered = client.post(
        f"/api/diagnostics/attempts/{started['id']}/answers",
        json.dumps({"position": shown["position"], "answer": "zzz", "score": 2}),
        content_type="application/json",
    )
    assert answered.status_code == 422 and answered.json()["error"]["code"] == "answer_invalid"
    assert Response.objects.get(attempt_id=started["id"], position=shown["position"]).score is None


def _simulate(framework, persons: int, seed: int = 3) -> None:
    """Answered responses from simulated people (a random booklet of every item)."""
    from django.utils import timezone

    from efs.people.models import Consent, ConsentDocument, Educator

    rng = np.random.default_rng(seed)
    items = list(Item.objects.filter(competency__framework=framework))
    assessment = Assessment.objects.create(code=f"sim-{framework.pk}", title="Симуляция", framework=framework)
    document = ConsentDocument.objects.get(kind=ConsentKind.DIAGNOSTICS)
    educator = Educator.objects.first()
    now = timezone.now()
    consent = Consent.objects.create(educator=educator, document=document, region_id=educator.region_id, given_at=now)
    for p in range(persons):
        theta = rng.normal()
        attempt = Attempt.objects.create(
            educator=educator,
            region_id=educator.region_id,
            assessment=assessment,
            competency_codes=[],
            seed=p + 1,
            consent=consent,
            started_at=now,
            deadline_at=now + timezone.timedelta(hours=1),
            status="completed",
        )
        rows = []
        for position, item in enumerate(items, start=1):
            if item.irt_model == "GPCM":
                z = np.cumsum([item.a * (theta - s) for s in item.steps])
                weights = np.exp(np.concatenate([[0.0], z]))
                score = int(rng.choice(len(weights), p=weights / weights.sum()))
            else:
                score = int(rng.random() < 1 / (1 + np.exp(-item.a * (theta - item.b))))
            rows.append(
                Response(
                    attempt=attempt,
                    item=item,
                    position=position,
                    presented_at=now,
                    answered_at=now,
                    answer="x",
                    score=score,
                )
            )
        Response.objects.bulk_create(rows)


def test_calibration_run_estimates_stores_and_applies(world):
    framework = small_framework()
    make_items(framework, per_leaf=6)
    _simulate(framework, persons=MIN_RESPONSES_TO_APPLY + 100)  # from the true a=1.3, b=-2
    pilot = Item.objects.filter(competency__code="T.NP").order_by("pk").first()
    pilot.status = ItemStatus.PILOT
    pilot.a, pilot.b = 0.5, 1.5  # wrong provisional values
    pilot.save()
    run = calibration_start(actor=world.users["federal"], framework=framework, anchor_operational=True)
    with pytest.raises(Conflict):
        calibration_start(actor=world.users["federal"], framework=framework)
    calibration_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 1.0 and run.persons == 300
    rows = {r["code"]: r for r in run.results["items"]}
    assert all(rows[i.code]["fixed"] for i in Item.objects.filter(status=ItemStatus.OPERATIONAL))
    estimated = rows[pilot.code]
    assert not estimated["fixed"] and estimated["n"] == 300
    assert abs(estimated["a"] - 1.3) < 0.5 and abs(estimated["steps"][0] - (-2.0)) < 0.6
    applied = calibration_apply(actor=world.users["federal"], run=run)
    assert applied == 1
    pilot.refresh_from_db()
    assert pilot.status == ItemStatus.OPERATIONAL and not pilot.provisional and pilot.calibrated_at
    assert pilot.stats["n"] == 300 and pilot.stats["p_value"] is not None
    with pytest.raises(Conflict):
        calibration_apply(actor=world.users["federal"], run=run)


def test_calibration_without_responses_fails_with_a_message(world):
    framework = small_framework()
    make_items(framework, per_leaf=2)
    run = calibration_start(actor=world.users["federal"], framework=framework)
    with pytest.raises(ValueError):
        calibration_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "ответов" in run.message


def test_calibration_page_polls_and_refreshes_when_done(world):
    framework = small_framework()
    make_items(framework, per_leaf=2)
    run = CalibrationRun.objects.create(
        framework=framework, started_by=world.users["federal"], status="running", progress=0.4, message="EM"
    )
    client = world.client("federal")
    polled = client.get(f"/diagnostics/calibration/{run.pk}/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in polled.content.decode() and "40 %" in polled.content.decode()
    CalibrationRun.objects.filter(pk=run.pk).update(status="failed", message="сбой")
    done = client.get(f"/diagnostics/calibration/{run.pk}/", HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_fixed_form_takes_the_most_informative_items_at_the_cut(world):
    framework = small_framework()
    make_items(framework, per_leaf=12)
    assessment = Assessment.objects.create(
        code="f", title="Фиксированный", framework=framework, mode=AssessmentMode.FIXED
    )
    chosen = fixed_form_build(assessment=assessment, per_block={"legal": 4, "methodological": 3})
    assert len(chosen) == 7
    assert [i.competency.code for i in chosen] == ["T.NP"] * 4 + ["T.RO"] * 3
    legal_b = sorted(abs((i.b if i.b is not None else sum(i.steps) / 2) - 0.0) for i in chosen[:4])
    assert legal_b[-1] < 1.0  # all near the cut at 0


def test_framework_round_trips_through_json_and_xlsx(world):
    framework = small_framework()
    data = framework_to_dict(framework)
    again = framework_from_xlsx(framework_to_xlsx(framework))
    assert again["competencies"] == [
        dict(c, cuts=c.get("cuts", []), subjects=c.get("subjects", []), block=c["block"])
        if "cuts" in c
        else dict(c, cuts=[], subjects=[])
        for c in data["competencies"]
    ]
    again["version"] = "copy"
    copy = framework_import(actor=world.users["federal"], data=again)
    assert copy.competencies.filter(is_leaf=True).count() == 4


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["competencies"][1].update(cuts=[1.0, 0.0]), "порога по возрастанию"),
        (lambda d: d["competencies"][1].update(block="magic"), "неизвестный блок"),
        (lambda d: d["competencies"][1].update(parent="T.X"), "неизвестный родитель"),
        (lambda d: d.update(levels=[{"code": "x", "title": "X"}]), "не меньше двух уровней"),
        (lambda d: d["competencies"][4].update(subjects=["alchemy"]), "неизвестные предметы"),
    ],
)
def test_a_broken_framework_is_refused_whole(world, change, fragment):
    from efs.competencies.models import Framework

    data = framework_to_dict(small_framework())
    data["version"] = "broken"
    change(data)
    before = Framework.objects.count()
    with pytest.raises(ValidationFailed) as error:
        framework_import(actor=world.users["federal"], data=data)
    assert fragment in error.value.message
    assert Framework.objects.count() == before


def test_a_regional_operator_edits_only_their_regions_frameworks(world):
    data = framework_to_dict(small_framework())
    data["version"] = "regional"
    with pytest.raises(PermissionDenied):
        framework_import(actor=world.users["regional"], data=data)
    with pytest.raises(PermissionDenied):
        framework_import(actor=world.users["regional_other"], data=data, region=world.r1)
    imported = framework_import(actor=world.users["regional"], data=data, region=world.r1)
    assert imported.region == world.r1


def test_item_dict_matches_the_import_format(world):
    framework = small_framework()
    make_items(framework, per_leaf=6)
    from efs.diagnostics.itemformat import validate_item

    assert all(validate_item(item_to_dict(i)) == [] for i in Item.objects.select_related("competency"))


def test_the_item_detail_has_a_typed_shape_for_every_kind(world, bank):
    """The bank manager's item detail follows its schema (ItemDetailOut) whatever the item's kind."""
    client = world.client("federal")
    kinds = {}
    for item in Item.objects.select_related("competency").order_by("pk"):
        if item.kind in kinds:
            continue
        detail = client.get(f"/api/diagnostics/items/{item.pk}")
        assert detail.status_code == 200, detail.content
        kinds[item.kind] = detail.json()
    assert set(kinds) >= {"single", "multiple", "numeric", "matching", "ordering"}
    for kind, body in kinds.items():
        assert body["irt"]["model"] and body["key"] is not None, kind
        assert (body["left"] is not None) == (kind == "matching"), kind
