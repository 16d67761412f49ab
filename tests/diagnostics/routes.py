"""Diagnostics and competency routes in the role × scope matrix."""

from __future__ import annotations

from efs.diagnostics.bank import calibration_execute, calibration_start
from efs.diagnostics.itemformat import full_answer
from efs.diagnostics.models import Assessment, Attempt, AttemptStatus
from efs.diagnostics.services import attempt_answer, attempt_start
from efs.people.models import ConsentKind, Role, Scope, User
from efs.people.services import consent_give, role_grant
from tests.diagnostics.conftest import make_items
from tests.matrix import LOGGED_IN, ROUTES, Route, api, page, people_exactly, rows_of, shared_framework, state_key

AGGREGATE = {"school_head", "municipal", "regional", "regional_other", "federal"}


def _run_to_end(user, attempt):
    while attempt.status == AttemptStatus.IN_PROGRESS:
        response = attempt.responses.filter(answered_at__isnull=True).select_related("item").first()
        attempt = attempt_answer(
            actor=user, attempt=attempt, position=response.position, answer=full_answer(response.item.as_format())
        ).attempt
    return attempt


def _base(world, state):
    if "finished" in state:
        return
    framework = shared_framework(state)
    make_items(framework, per_leaf=8)
    a = Assessment.objects.create(
        code="t-a",
        title="Диагностика А",
        framework=framework,
        max_items=20,
        min_per_competency=2,
        max_per_competency=5,
        pilot_items=0,
    )
    b = Assessment.objects.create(
        code="t-b",
        title="Диагностика Б",
        framework=framework,
        max_items=20,
        min_per_competency=2,
        max_per_competency=5,
        pilot_items=0,
    )
    teacher = world.users["teacher"]
    consent_give(actor=teacher, educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)
    state["finished"] = _run_to_end(
        teacher, attempt_start(actor=teacher, educator=world.self_educator, assessment=a)
    ).pk
    state["open"] = attempt_start(actor=teacher, educator=world.self_educator, assessment=b).pk
    peer = User.objects.create_user(username="peer", password="x")
    world.same_org.user = peer
    world.same_org.save()
    role_grant(user=peer, role=Role.TEACHER, scope=Scope.SELF, region=world.r1)
    consent_give(actor=peer, educator=world.same_org, kind=ConsentKind.DIAGNOSTICS)
    state["peer_finished"] = _run_to_end(peer, attempt_start(actor=peer, educator=world.same_org, assessment=a)).pk
    state["item"] = framework.competencies.filter(is_leaf=True).first().items.first().pk
    run = calibration_start(actor=world.users["federal"], framework=framework)
    calibration_execute(run.pk)
    state["run"] = run.pk


def _fresh_open(world, state):
    """A new in-progress attempt for a route that finishes or answers it."""
    _base(world, state)
    state["fresh_count"] = state.get("fresh_count", 0) + 1
    c = Assessment.objects.create(
        code=f"t-c{state['fresh_count']}",
        title="Диагностика В",
        framework_id=state["framework"],
        max_items=20,
        pilot_items=0,
    )
    state["fresh"] = attempt_start(actor=world.users["teacher"], educator=world.self_educator, assessment=c).pk


def _current_position(world, state):
    _fresh_open(world, state)
    from efs.diagnostics.models import Response

    response = Response.objects.select_related("item").get(attempt_id=state["fresh"], answered_at__isnull=True)
    state["answer"] = {"position": response.position, "answer": full_answer(response.item.as_format())}


def _own_attempts_only(who, world, response):
    """The list of attempts: exactly the teacher's own, none of another educator (the mentee's
    finished attempt included) and none of theirs missing."""
    if response.status_code == 200:
        mine = set(Attempt.objects.filter(educator=world.self_educator).values_list("pk", flat=True))
        assert mine and {row["id"] for row in response.json()} == mine, who


def own(ok_status=200, *, anonymous=302):
    def expect(who, world):
        if who == "anonymous":
            return anonymous
        return ok_status if who == "teacher" else 404

    return expect


def _peer_result(who, world):
    if who == "anonymous":
        return 302
    return 200 if who == "mentor" else 404


def _person(who, world):
    if who == "anonymous":
        return 302
    if who == "mentor":
        return 200
    return 404 if who == "tutor" else 403


def _framework_body(world, state):
    return {
        "region": "24",
        "framework": {
            "code": "regional-extra",
            "version": "1",
            "title": "Региональная рамка",
            "audience": "teacher",
            "levels": [{"code": "deficit", "title": "Дефицит"}, {"code": "ok", "title": "Норма"}],
            "competencies": [
                {
                    "code": "R.1",
                    "parent": None,
                    "title": "Региональная компетенция",
                    "block": "methodological",
                    "cuts": [0.0],
                }
            ],
        },
    }


def _framework_import_expect(who, world):
    if who == "anonymous":
        return 401
    return 201 if who in {"regional", "federal"} else 403


def _framework_file(world, state):
    import json as _json

    from django.core.files.uploadedfile import SimpleUploadedFile

    framework = dict(_framework_body(world, state)["framework"], code="regional-upload")
    return {"region": str(world.r1.pk), "file": SimpleUploadedFile("frame.json", _json.dumps(framework).encode())}


def _framework_uploaded(who, world, response):
    from efs.competencies.models import Framework

    assert Framework.objects.filter(code="regional-upload").exists() == (who in {"regional", "federal"}), who


_FRESH = rows_of("diagnostics.Attempt", "status", "answered", pk=state_key("fresh"))
_ATTEMPTS_OF_A = rows_of("diagnostics.Attempt", "pk", assessment__code="t-a", educator__last_name="Иванова")

ROUTES += [
    Route(
        "competencies:frameworks",
        "POST",
        lambda w, s: "/competencies/",
        lambda who, w: {"anonymous": 302, "regional": 302, "federal": 302}.get(who, 403),
        data=_framework_file,
        check=_framework_uploaded,
    ),
    Route("competencies:frameworks", "GET", lambda w, s: "/competencies/", page(LOGGED_IN), setup=_base),
    Route(
        "competencies:framework", "GET", lambda w, s: f"/competencies/{s['framework']}/", page(LOGGED_IN), setup=_base
    ),
    Route("diagnostics:index", "GET", lambda w, s: "/diagnostics/", own(), setup=_base),
    Route("diagnostics:take", "GET", lambda w, s: f"/diagnostics/attempts/{s['open']}/", own(), setup=_base),
    Route(
        "diagnostics:result",
        "GET",
        lambda w, s: f"/diagnostics/attempts/{s['finished']}/result/",
        own(),
        setup=_base,
        label="own result",
    ),
    Route(
        "diagnostics:result",
        "GET",
        lambda w, s: f"/diagnostics/attempts/{s['peer_finished']}/result/",
        _peer_result,
        setup=_base,
        label="mentee's result",
    ),
    Route(
        "diagnostics:result_pdf",
        "GET",
        lambda w, s: f"/diagnostics/attempts/{s['finished']}/result.pdf",
        own(),
        setup=_base,
    ),
    Route("diagnostics:person", "GET", lambda w, s: f"/diagnostics/people/{w.same_org.pk}/", _person, setup=_base),
    # Aggregates only (groups under 5 people hidden): nobody is named on the map.
    Route(
        "diagnostics:map",
        "GET",
        lambda w, s: "/diagnostics/map/",
        page(AGGREGATE),
        setup=_base,
        check=people_exactly({}),
    ),
    Route("diagnostics:bank", "GET", lambda w, s: "/diagnostics/bank/", page({"federal"}), setup=_base),
    Route("diagnostics:item", "GET", lambda w, s: f"/diagnostics/bank/{s['item']}/", page({"federal"}), setup=_base),
    Route("diagnostics:calibrations", "GET", lambda w, s: "/diagnostics/calibration/", page({"federal"}), setup=_base),
    Route(
        "diagnostics:calibration",
        "GET",
        lambda w, s: f"/diagnostics/calibration/{s['run']}/",
        page({"federal"}),
        setup=_base,
    ),
    Route("api-1.0.0:frameworks", "GET", lambda w, s: "/api/competencies/frameworks", api(LOGGED_IN), setup=_base),
    Route(
        "api-1.0.0:framework",
        "GET",
        lambda w, s: f"/api/competencies/frameworks/{s['framework']}",
        api(LOGGED_IN),
        setup=_base,
    ),
    Route(
        "api-1.0.0:framework_import",
        "POST",
        lambda w, s: "/api/competencies/frameworks",
        _framework_import_expect,
        data=_framework_body,
        json=True,
        observe=rows_of("competencies.Framework", "status", code="regional-extra"),
        changes={"regional", "federal"},
    ),
    Route("api-1.0.0:assessments", "GET", lambda w, s: "/api/diagnostics/assessments", own(anonymous=401), setup=_base),
    Route(
        "api-1.0.0:attempts",
        "GET",
        lambda w, s: "/api/diagnostics/attempts",
        own(anonymous=401),
        setup=_base,
        check=_own_attempts_only,
    ),
    Route(
        "api-1.0.0:attempt_get",
        "GET",
        lambda w, s: f"/api/diagnostics/attempts/{s['open']}",
        own(anonymous=401),
        setup=_base,
    ),
    Route(
        "api-1.0.0:attempt_result",
        "GET",
        lambda w, s: f"/api/diagnostics/attempts/{s['finished']}/result",
        own(anonymous=401),
        setup=_base,
    ),
    Route("api-1.0.0:deficit_map", "GET", lambda w, s: "/api/diagnostics/deficit-map", api(AGGREGATE), setup=_base),
    Route("api-1.0.0:items", "GET", lambda w, s: "/api/diagnostics/items", api({"federal"}), setup=_base),
    Route("api-1.0.0:item", "GET", lambda w, s: f"/api/diagnostics/items/{s['item']}", api({"federal"}), setup=_base),
    Route(
        "api-1.0.0:calibration_get",
        "GET",
        lambda w, s: f"/api/diagnostics/calibrations/{s['run']}",
        api({"federal"}),
        setup=_base,
    ),
    # Routes that change state come last.
    Route(
        "api-1.0.0:calibration_apply",
        "POST",
        lambda w, s: f"/api/diagnostics/calibrations/{s['run']}/apply",
        api({"federal"}),
        setup=_base,
        observe=rows_of("diagnostics.CalibrationRun", "promoted_at", pk=state_key("run")),
        changes={"federal"},
    ),
    Route(
        "api-1.0.0:calibration_start",
        "POST",
        lambda w, s: "/api/diagnostics/calibrations",
        api({"federal"}, ok_status=201),
        setup=_base,
        data=lambda w, s: {"framework": s["framework"]},
        json=True,
        observe=rows_of("diagnostics.CalibrationRun", "pk", framework_id=state_key("framework")),
        changes={"federal"},
    ),
    Route(
        "api-1.0.0:attempt_start",
        "POST",
        lambda w, s: "/api/diagnostics/attempts",
        own(201, anonymous=401),
        setup=_base,
        data=lambda w, s: {"assessment": "t-a"},
        json=True,
        observe=_ATTEMPTS_OF_A,
        changes={"teacher"},
    ),
    Route(
        "api-1.0.0:attempt_answer",
        "POST",
        lambda w, s: f"/api/diagnostics/attempts/{s['fresh']}/answers",
        own(anonymous=401),
        setup=_current_position,
        data=lambda w, s: s["answer"],
        json=True,
        observe=_FRESH,
        changes={"teacher"},
    ),
    Route(
        "api-1.0.0:attempt_finish",
        "POST",
        lambda w, s: f"/api/diagnostics/attempts/{s['fresh']}/finish",
        own(anonymous=401),
        setup=_fresh_open,
        observe=_FRESH,
        changes={"teacher"},
    ),
    Route(
        "diagnostics:start",
        "POST",
        lambda w, s: "/diagnostics/start/t-a/",
        own(302),
        setup=_base,
        observe=_ATTEMPTS_OF_A,  # the API row's attempt is in progress: the page resumes it, nothing new
        label="resume",
    ),
    Route(
        "diagnostics:finish",
        "POST",
        lambda w, s: f"/diagnostics/attempts/{s['fresh']}/finish/",
        own(302),
        setup=_fresh_open,
        observe=_FRESH,
        changes={"teacher"},
    ),
]


# ---------------------------------------------------------------- form POSTs, each with its outcome


def _forms(world, state):
    """This section's own objects: a draft framework, a second published one, a finished calibration."""
    _base(world, state)
    if "draft_framework" in state:
        return
    from efs.competencies.services import framework_import
    from efs.diagnostics.models import CalibrationRun
    from tests.diagnostics.conftest import small_framework

    body = dict(_framework_body(world, state)["framework"], code="matrix-draft")
    state["draft_framework"] = framework_import(actor=None, data=body, publish=False).pk
    state["other_framework"] = small_framework(code="matrix-other", version="m").pk
    # a second finished run of the framework, for the page's «apply» (the API row applies the
    # first): the same responses give the same estimates, so it carries the first run's results
    # rather than running the EM again (seconds of CPU per matrix user)
    first = CalibrationRun.objects.get(pk=state["run"])
    run = CalibrationRun.objects.create(
        framework_id=state["framework"],
        started_by=world.users["federal"],
        status=first.status,
        progress=first.progress,
        message=first.message,
        results=first.results,
        persons=first.persons,
        responses=first.responses,
        finished_at=first.finished_at,
    )
    state["done_run"] = run.pk


def without_diagnostics_consent(world, state):
    """The teacher withdraws the consent, so that a form that gives it has something to do."""
    from efs.people.services import consent_withdraw

    consent_withdraw(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)


def diagnostics_consent_back(world, state):
    """Whoever posted, the teacher has the consent again for the rows that follow."""
    consent_give(actor=world.users["teacher"], educator=world.self_educator, kind=ConsentKind.DIAGNOSTICS)


def diagnostics_consent(world, state) -> bool:
    """Whether the teacher's consent to diagnostics is active: what a consent form changes."""
    from efs.people.services import consent_active

    return consent_active(world.self_educator, ConsentKind.DIAGNOSTICS) is not None


def _without_consent(world, state):
    _forms(world, state)
    without_diagnostics_consent(world, state)


def _consent_back(world, state):
    _forms(world, state)
    diagnostics_consent_back(world, state)


def _form_answer(world, state):
    """A fresh attempt's current item, answered as the HTML form posts it."""
    _consent_back(world, state)
    _fresh_open(world, state)
    from efs.diagnostics.models import Response

    response = Response.objects.select_related("item").get(attempt_id=state["fresh"], answered_at__isnull=True)
    item = response.item
    answer = full_answer(item.as_format())
    post: dict = {"position": str(response.position)}
    if item.kind in ("single", "case"):
        post["choice"] = answer
    elif item.kind == "multiple":
        post["choice"] = list(answer)
    elif item.kind == "numeric":
        post["value"] = str(answer)
    elif item.kind == "matching":
        post |= {f"match_{left}": right for left, right in answer.items()}
    elif item.kind == "ordering":
        post |= {f"rank_{option}": str(rank) for rank, option in enumerate(answer, start=1)}
    state["form_answer"] = post


def _items_file(world, state):
    import json as _json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from efs.diagnostics.bank import item_to_dict
    from efs.diagnostics.models import Item

    item = dict(item_to_dict(Item.objects.get(pk=state["item"])), code="matrix-imported-item")
    return {"file": SimpleUploadedFile("items.json", _json.dumps([item]).encode())}


FEDERAL_ONLY = page({"federal"}, denied=403)


def _federal_302(who, world):
    return 302 if who in ("anonymous", "federal") else 403


ROUTES += [
    Route(
        "competencies:framework_publish",
        "POST",
        lambda w, s: f"/competencies/{s['draft_framework']}/publish/",
        _federal_302,  # a federal framework: the federal operator publishes it, a regional one may not
        setup=_forms,
        data=lambda w, s: {},
        observe=rows_of("competencies.Framework", "status", pk=state_key("draft_framework")),
        changes={"federal"},
    ),
    Route(
        "diagnostics:bank",
        "POST",
        lambda w, s: "/diagnostics/bank/",
        _federal_302,
        setup=_forms,
        data=_items_file,
        observe=rows_of("diagnostics.Item", "pk", code="matrix-imported-item"),
        changes={"federal"},
        label="import items",
    ),
    Route(
        "diagnostics:item",
        "POST",
        lambda w, s: f"/diagnostics/bank/{s['item']}/",
        _federal_302,
        setup=_forms,
        data=lambda w, s: {"status": "pilot"},
        observe=rows_of("diagnostics.Item", "status", pk=state_key("item")),
        changes={"federal"},
    ),
    Route(
        "diagnostics:calibrations",
        "POST",
        lambda w, s: "/diagnostics/calibration/",
        _federal_302,
        setup=_forms,
        data=lambda w, s: {"framework": s["other_framework"]},
        observe=rows_of("diagnostics.CalibrationRun", "pk", framework_id=state_key("other_framework")),
        changes={"federal"},
        label="start a calibration",
    ),
    Route(
        "diagnostics:calibration",
        "POST",
        lambda w, s: f"/diagnostics/calibration/{s['done_run']}/",
        _federal_302,
        setup=_forms,
        observe=rows_of("diagnostics.CalibrationRun", "promoted_at", pk=state_key("done_run")),
        changes={"federal"},
        label="apply",
    ),
    Route(
        "diagnostics:index",
        "POST",
        lambda w, s: "/diagnostics/",
        own(302),
        setup=_without_consent,
        observe=diagnostics_consent,
        changes={"teacher"},
        label="consent from the page",
    ),
    Route(
        "diagnostics:take",
        "POST",
        lambda w, s: f"/diagnostics/attempts/{s['fresh']}/",
        own(302),
        setup=_form_answer,
        data=lambda w, s: s["form_answer"],
        observe=rows_of("diagnostics.Response", "answered_at", attempt_id=state_key("fresh")),
        changes={"teacher"},
        label="an answer from the form",
    ),
]
