"""Workforce pages and endpoints in the role × scope matrix.

Region R1 is staffed (``conftest.staff_world``) and has a base forecast; R2 has neither,
so the other region's operator reads empty pages and gets «not found» for R1's data.
"""

from __future__ import annotations

from efs.people.models import Subject
from efs.workforce import services
from efs.workforce.models import (
    ClassCount,
    CurriculumHours,
    EntrantPlan,
    FirstGradeEntry,
    ForecastRun,
    InputChange,
    LeaveRate,
    Post,
    PostEvent,
    Scenario,
    TargetedContract,
)
from tests.matrix import MACRO, ROUTES, SURNAMES, by_role, makers, page
from tests.workforce.conftest import staff_world

READERS = {"school_head", "municipal", "regional", "regional_other", "federal"}
FORECAST = {"municipal", "regional", "regional_other", "federal"}
REGION_LEVEL = {"regional", "regional_other", "federal"}


def _staffed(world, state):
    if "post" in state:
        return
    posts = staff_world(world)
    services.forecast_run(actor=world.users["regional"], region=world.r1, years=5)
    state["post"] = posts.math_a.pk


# Which units of R1 each reader sees: posts by school (A, B in M1; C in M2), risks by municipality.
SCHOOLS_SEEN = {"school_head": {"org_a"}, "municipal": {"org_a", "org_b"}} | dict.fromkeys(
    ("regional", "federal", MACRO), {"org_a", "org_b", "org_c"}
)
MUNICIPALITIES_SEEN = {"municipal": {"m1"}} | dict.fromkeys(("regional", "federal", MACRO), {"m1", "m2"})


def _posts_of(who, world, response):
    if response.status_code == 200:
        schools = {row["organization"] for row in response.json()}
        assert schools == {str(getattr(world, key)) for key in SCHOOLS_SEEN.get(who, set())}, schools


def _risks_of(who, world, response):
    if response.status_code == 200:
        units = {row["municipality_id"] for row in response.json()}
        assert units == {getattr(world, key).pk for key in MUNICIPALITIES_SEEN[who]}, units


def _holder_only(who, world, response):
    """A post's page names the people who hold it (the teacher) and nobody else."""
    if response.status_code == 200:
        text = response.content.decode()
        assert {key for key, surname in SURNAMES.items() if surname in text} == {"self_educator"}, who


def _post_actions_of(who, world, response):
    """The post's readers edit the registry too: every action on the open, held post but closing it."""
    if response.status_code == 200:
        assert response.json()["actions"] == {
            "can_fill": True,
            "can_end_holdings": True,
            "can_change": True,
            "can_close": False,
        }, who


def _changed_for(users: set[str], changed, what: str) -> dict:
    """A POST row's outcome: ``changed(world)`` (`what`) turns true for ``users`` and for nobody
    else (the matrix reads it before and after the request)."""
    return {"observe": lambda world, state: changed(world), "changes": users}


def _unchanged(changed, what: str) -> dict:
    return _changed_for(set(), changed, what)


def _physics_7(world) -> bool:
    return (
        CurriculumHours.objects.filter(region=world.r1, subject__code="physics", grade=7, hours="3.5").exists()
        and InputChange.objects.filter(region=world.r1, kind="curriculum").exists()
    )


def _rates_changed(world) -> bool:
    return (
        LeaveRate.objects.filter(region=world.r1, from_age=14, to_age=64).exists()
        and InputChange.objects.filter(region=world.r1, kind="leave_rates").exists()
    )


def _entry_set(world) -> bool:
    return FirstGradeEntry.objects.filter(municipality=world.m2, year=2029, pupils=41).exists()


def _entrants_set(world) -> bool:
    return EntrantPlan.objects.filter(municipality=world.m2, year=2029, fte="2.50").exists()


def _classes_changed(world) -> bool:
    return (
        ClassCount.objects.filter(organization=world.org_a, year=2026, grade=3, classes=3, pupils=80).exists()
        and InputChange.objects.filter(organization=world.org_a, kind="classes").exists()
    )


# Who acts on R1's data at each level; R2's operator naming R1 is not found.
READERS_R1 = READERS - {"regional_other"}
FORECAST_R1 = FORECAST - {"regional_other"}
REGION_LEVEL_R1 = REGION_LEVEL - {"regional_other"}


def _r1(users: set[str], ok: int, *, anonymous: int):
    """`ok` for `users`, «not found» for the other region's operator, 403 for the rest."""
    return by_role(dict.fromkeys(users, ok) | {"regional_other": 404}, anonymous=anonymous, default=403)


def _forbidden_else(statuses: dict[str, int], *, anonymous: int):
    """`statuses` for the listed users, 403 for the other logged-in users."""
    return by_role(statuses, anonymous=anonymous, default=403)


route, endpoint = makers("workforce", _staffed)
ROUTES += [
    route("overview", lambda w, s: "/workforce/", page(FORECAST)),
    route(
        "municipality",
        lambda w, s: f"/workforce/municipalities/{w.m1.pk}/",
        _r1(FORECAST_R1, 200, anonymous=302),
    ),
    route(
        "export_forecast",
        lambda w, s: f"/workforce/export/forecast.xlsx?region={w.r1.pk}",
        _r1(FORECAST_R1, 200, anonymous=302),
    ),
    route(
        "export_risk",
        lambda w, s: f"/workforce/export/risk.xlsx?region={w.r1.pk}",
        _r1(FORECAST_R1, 200, anonymous=302),
    ),
    route("registry", lambda w, s: f"/workforce/registry/?region={w.r1.pk}", page(READERS)),
    route("template", lambda w, s: "/workforce/registry/template/staffing.xlsx", page(READERS)),
    route(
        "post",
        lambda w, s: f"/workforce/posts/{s['post']}/",
        _r1(READERS_R1, 200, anonymous=302),
        check=_holder_only,
    ),
    # Opening a post in org A: its head, its municipality's and region's operators, the
    # federal operator; R2's operator naming R1 is not found; nothing opens for the others.
    route(
        "post_new",
        lambda w, s: "/workforce/posts/new/",
        _r1(READERS_R1, 302, anonymous=302),
        method="POST",
        data=lambda w, s: {
            "region": w.r1.pk,
            "organization": w.org_a.pk,
            "subject": Subject.objects.get(code="physics").pk,
            "position": "учитель физики",
            "fte": "1,5",
            "opened_on": "2026-09-01",
        },
        **_changed_for(
            {"school_head", "municipal", "regional", "federal"},
            lambda w: Post.objects.filter(organization=w.org_a, position="учитель физики").exists(),
            "an opened post",
        ),
    ),
    route("pipeline", lambda w, s: f"/workforce/pipeline/?region={w.r1.pk}", page(READERS)),
    route("scenarios", lambda w, s: f"/workforce/scenarios/?region={w.r1.pk}", page(REGION_LEVEL)),
    # POSTs: a reader's refused form (an invalid form, or a service that refused: nothing is
    # changed) answers with the refusal's status and message; everyone else is forbidden.
    route(
        "overview",
        lambda w, s: "/workforce/",
        # The municipal operator reads the forecast but may not run it: forbidden.
        by_role({"regional": 302, "federal": 302, "regional_other": 422}, anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "years": 5},
        # The region level recalculates R1 (a second run); R2's operator lands on R2, which
        # has no leave rates: refused with a message, nothing stored.
        **_changed_for(
            {"regional", "federal"},
            lambda w: ForecastRun.objects.filter(region=w.r1).count() == 2,
            "a new forecast run",
        ),
    ),
    route(
        "registry",
        lambda w, s: f"/workforce/registry/?region={w.r1.pk}",
        by_role(dict.fromkeys(READERS, 400), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "kind": "staffing"},
        # No file: nothing is imported (an import leaves «imported» events on its posts).
        **_unchanged(lambda w: PostEvent.objects.filter(kind="imported").exists(), "imported posts"),
    ),
    route(
        "post_close",
        lambda w, s: f"/workforce/posts/{s['post']}/close/",
        _r1(READERS_R1, 409, anonymous=302),
        method="POST",
        data=lambda w, s: {"closed_on": "2026-12-01"},
        # The post still has its holder: closing is refused for everyone.
        **_unchanged(lambda w: Post.objects.filter(closed_on__isnull=False).exists(), "a closed post"),
    ),
    *[
        route(
            name,
            lambda w, s, url=url: f"/workforce/posts/{s['post']}/{url}/",
            _r1(READERS_R1, 400, anonymous=302),
            method="POST",
            data=lambda w, s: {},
            label="an empty form: refused by the form",
            **_unchanged(lambda w: PostEvent.objects.count(), "the posts' events"),
        )
        for name, url in [("post_fill", "fill"), ("post_end", "end"), ("post_change", "change")]
    ],
    route(
        "contract_place",
        lambda w, s: f"/workforce/pipeline/place/?region={w.r1.pk}",
        # A contract the reader cannot see (here: none at all) is not found.
        by_role(dict.fromkeys(READERS, 404), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "contract": 999999, "post": s["post"], "placed_on": "2026-09-01"},
        **_unchanged(lambda w: TargetedContract.objects.exclude(status="studying").exists(), "a contract"),
    ),
    route(
        "contract_break",
        lambda w, s: f"/workforce/pipeline/break/?region={w.r1.pk}",
        # A contract the reader cannot see (here: none at all) is not found.
        by_role(dict.fromkeys(READERS, 404), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "contract": 999999},
        **_unchanged(lambda w: TargetedContract.objects.exclude(status="studying").exists(), "a contract"),
    ),
    route(
        "scenarios",
        lambda w, s: f"/workforce/scenarios/?region={w.r1.pk}",
        by_role(dict.fromkeys(REGION_LEVEL, 400), anonymous=302, default=403),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "name": ""},
        **_unchanged(lambda w: Scenario.objects.exists(), "a scenario"),
    ),
    # A school's classes and pupils: its head and its municipality's and region's operators;
    # R2's operator naming R1 is not found; nothing changes for the others.
    route("classes", lambda w, s: f"/workforce/classes/?region={w.r1.pk}", page(READERS)),
    route(
        "classes",
        lambda w, s: "/workforce/classes/",
        _r1(READERS_R1, 302, anonymous=302),
        method="POST",
        data=lambda w, s: {
            "region": w.r1.pk,
            "organization": w.org_a.pk,
            "year": 2026,
            "classes_3": 3,
            "pupils_3": 80,
        },
        **_changed_for({"school_head", "municipal", "regional", "federal"}, _classes_changed, "a school's classes"),
    ),
    # The region's forecast inputs: read and changed by the region level only; the other
    # region's operator names R1 in the form and gets «not found» (nothing changes there).
    route(
        "curriculum",
        lambda w, s: f"/workforce/inputs/curriculum/?region={w.r1.pk}",
        page(REGION_LEVEL),
    ),
    route("rates", lambda w, s: f"/workforce/inputs/leave-rates/?region={w.r1.pk}", page(REGION_LEVEL)),
    route("plan", lambda w, s: f"/workforce/inputs/plan/?region={w.r1.pk}", page(REGION_LEVEL)),
    route(
        "curriculum",
        lambda w, s: "/workforce/inputs/curriculum/",
        _r1(REGION_LEVEL_R1, 302, anonymous=302),
        method="POST",
        data=lambda w, s: {
            "region": w.r1.pk,
            "subject": Subject.objects.get(code="physics").pk,
            "grade_7": "3.5",
        },
        **_changed_for({"regional", "federal"}, _physics_7, "physics in grade 7"),
    ),
    route(
        "rates",
        lambda w, s: "/workforce/inputs/leave-rates/",
        _r1(REGION_LEVEL_R1, 302, anonymous=302),
        method="POST",
        data=lambda w, s: {
            "region": w.r1.pk,
            "band-TOTAL_FORMS": "2",
            "band-INITIAL_FORMS": "0",
            "band-0-from_age": "14",
            "band-0-to_age": "64",
            "band-0-rate": "6",
            "band-1-from_age": "65",
            "band-1-to_age": "75",
            "band-1-rate": "30",
        },
        **_changed_for({"regional", "federal"}, _rates_changed, "leave rates"),
    ),
    route(
        "plan_entry",
        lambda w, s: "/workforce/inputs/plan/first-grade/",
        _r1(REGION_LEVEL_R1, 302, anonymous=302),
        method="POST",
        data=lambda w, s: {"region": w.r1.pk, "municipality": w.m2.pk, "year": 2029, "pupils": 41},
        **_changed_for({"regional", "federal"}, _entry_set, "first-grade entry"),
    ),
    route(
        "plan_entrants",
        lambda w, s: "/workforce/inputs/plan/entrants/",
        _r1(REGION_LEVEL_R1, 302, anonymous=302),
        method="POST",
        data=lambda w, s: {
            "region": w.r1.pk,
            "municipality": w.m2.pk,
            "subject": Subject.objects.get(code="physics").pk,
            "year": 2029,
            "source": "graduates",
            "fte": "2.5",
            "age": 24,
        },
        **_changed_for({"regional", "federal"}, _entrants_set, "entrant plan"),
    ),
    # The inputs through the API: the region level only; R2's operator naming R1 is not found.
    endpoint(
        "inputs",
        "GET",
        lambda w, s: f"/api/workforce/inputs?region={w.r1.pk}",
        _r1(REGION_LEVEL_R1, 200, anonymous=401),
    ),
    endpoint(
        "leave_rates_put",
        "PUT",
        lambda w, s: "/api/workforce/leave-rates",
        _r1(REGION_LEVEL_R1, 200, anonymous=401),
        data=lambda w, s: {
            "region": w.r1.pk,
            "bands": [
                {"from_age": 14, "to_age": 66, "rate": 0.07},
                {"from_age": 67, "to_age": 80, "rate": 0.4},
            ],
        },
        json=True,
        **_changed_for(
            {"regional", "federal"},
            lambda w: LeaveRate.objects.filter(region=w.r1, to_age=66, rate="0.07").exists(),
            "leave rates through the API",
        ),
    ),
    endpoint(
        "curriculum_put",
        "PUT",
        lambda w, s: "/api/workforce/curriculum",
        _r1(REGION_LEVEL_R1, 200, anonymous=401),
        data=lambda w, s: {
            "region": w.r1.pk,
            "subject_id": Subject.objects.get(code="physics").pk,
            "grades": [{"grade": 8, "hours": 4.5}],
        },
        json=True,
        **_changed_for(
            {"regional", "federal"},
            lambda w: CurriculumHours.objects.filter(region=w.r1, grade=8, hours="4.5").exists(),
            "curriculum through the API",
        ),
    ),
    endpoint(
        "first_grade_entry_put",
        "PUT",
        lambda w, s: "/api/workforce/first-grade-entry",
        _r1(REGION_LEVEL_R1, 200, anonymous=401),
        data=lambda w, s: {
            "region": w.r1.pk,
            "municipality_id": w.m2.pk,
            "year": 2030,
            "pupils": 42,
        },
        json=True,
        **_changed_for(
            {"regional", "federal"},
            lambda w: FirstGradeEntry.objects.filter(year=2030, pupils=42).exists(),
            "first-grade entry through the API",
        ),
    ),
    endpoint(
        "entrant_plan_put",
        "PUT",
        lambda w, s: "/api/workforce/entrant-plan",
        _r1(REGION_LEVEL_R1, 200, anonymous=401),
        data=lambda w, s: {
            "region": w.r1.pk,
            "municipality_id": w.m2.pk,
            "subject_id": Subject.objects.get(code="physics").pk,
            "year": 2030,
            "source": "returners",
            "fte": 3.5,
        },
        json=True,
        **_changed_for(
            {"regional", "federal"},
            lambda w: EntrantPlan.objects.filter(year=2030, source="returners", fte="3.50").exists(),
            "entrant plan through the API",
        ),
    ),
    endpoint(
        "classes_put",
        "PUT",
        lambda w, s: "/api/workforce/classes",
        _r1(READERS_R1, 200, anonymous=401),
        data=lambda w, s: {
            "organization_id": w.org_a.pk,
            "year": 2026,
            "grades": [{"grade": 4, "classes": 4, "pupils": 90}],
        },
        json=True,
        **_changed_for(
            {"school_head", "municipal", "regional", "federal"},
            lambda w: (
                ClassCount.objects.filter(organization=w.org_a, year=2026, grade=4, classes=4, pupils=90).exists()
                and InputChange.objects.filter(organization=w.org_a, kind="classes", after="4 / 90").exists()
            ),
            "classes through the API",
        ),
    ),
    endpoint(
        "forecast",
        "GET",
        lambda w, s: f"/api/workforce/forecast?region={w.r1.pk}",
        _r1(FORECAST_R1, 200, anonymous=401),
    ),
    endpoint(
        "risk",
        "GET",
        lambda w, s: f"/api/workforce/risk?region={w.r1.pk}",
        _r1(FORECAST_R1, 200, anonymous=401),
        check=_risks_of,
    ),
    endpoint(
        "posts",
        "GET",
        lambda w, s: f"/api/workforce/posts?region={w.r1.pk}",
        _forbidden_else(dict.fromkeys(READERS, 200), anonymous=401),
        check=_posts_of,
    ),
    # One post of org A (R1): its readers get it with what they may do; R2's operator names a
    # post it cannot see (not found); the other roles have no registry at all.
    endpoint(
        "post_detail",
        "GET",
        lambda w, s: f"/api/workforce/posts/{s['post']}",
        _r1(READERS_R1, 200, anonymous=401),
        check=_post_actions_of,
    ),
    endpoint(
        "run_create",
        "POST",
        lambda w, s: "/api/workforce/runs",
        # Without any workforce role the region is not found at all; with a reading role
        # but not the region's operator, running is forbidden.
        by_role(
            {"regional": 201, "federal": 201, "school_head": 403, "municipal": 403},
            anonymous=401,
            default=404,
        ),
        data=lambda w, s: {"region": w.r1.pk, "years": 5},
        json=True,
        **_changed_for(
            {"regional", "federal"},
            lambda w: ForecastRun.objects.filter(region=w.r1).count(),
            "a forecast run through the API",
        ),
    ),
]
