"""coordination/programs pages and endpoints in the role × scope matrix, and the builders the
programs tests share: a region drafts and edits only its own program; only the federal operator
publishes the template, assigns experts and decides; only the assigned expert reviews; a macroregion
is read and worked on by its members' operators and the federal operator. Every POST row checks
what changed (and that a refusal changed nothing)."""

from __future__ import annotations

from decimal import Decimal

from efs.coordination.programs import services, starter
from efs.coordination.programs.content import (
    ActivityData,
    Content,
    GoalData,
    ResourceData,
    TargetData,
    TaskData,
)
from efs.coordination.programs.models import (
    JointGoal,
    MacroregionProject,
    ProgramReview,
    ProgramTemplate,
    RegionalProgram,
    RegionalProgramVersion,
    ReviewState,
    SharedTask,
    VersionStatus,
)
from efs.people.models import Macroregion, Organization, Region, Role
from efs.people.services import role_grant
from tests.matrix import ROUTES, Route, by_role

YEARS = {
    "edit": 2025,
    "submit": 2026,
    "review": 2027,
    "decide": 2028,
    "new": 2029,
    "create": 2030,
    "assign": 2031,
    "api_create": 2032,
    "api_submit": 2033,
    "api_new": 2034,
    "api_review": 2035,
    "api_decide": 2036,
}


def subjects(world) -> dict[str, Organization]:
    """The subjects of region 24 a program names (the ministry, the IPK, the CNPPM), and one of 54."""
    from tests.conftest import make_org

    found = {o.kind: o for o in Organization.objects.filter(region=world.r1, kind__in=["ministry", "ipk", "cnppm"])}
    for kind, name in (("ministry", "Минобр края"), ("ipk", "ККИПК"), ("cnppm", "ЦНППМ края")):
        if kind not in found:
            found[kind] = make_org(world.r1, None, name, kind=kind)
    other = Organization.objects.filter(region=world.r2, kind="ministry").first() or make_org(
        world.r2, None, "Минобр НСО", kind="ministry"
    )
    found["other_region"] = other
    return found


def template(world) -> ProgramTemplate:
    from efs.monitoring.services import starter_indicators_load

    starter_indicators_load()
    return services.current_template() or services.template_publish(
        actor=world.users["federal"], title=starter.TITLE, components=starter.COMPONENTS, criteria=starter.CRITERIA
    )


def second_expert(world):
    from efs.people.models import User
    from tests.conftest import make_user

    user = User.objects.filter(username="programs_expert2").first()
    if user is None:
        user = make_user("programs_expert2")
        role_grant(user=user, role=Role.EXPERT, scope="assigned", region=world.r2)
    return user


def full_content(world, year: int) -> Content:
    orgs = subjects(world)
    return Content(
        summary="Программа научно-методического сопровождения педагогов края.",
        educators_covered=1000,
        goals=(
            GoalData(
                component="diagnostics",
                title="Охватить педагогов диагностикой",
                tasks=(
                    TaskData(
                        title="Провести диагностику",
                        responsible_id=orgs["cnppm"].pk,
                        co_executor_ids=(orgs["ipk"].pk,),
                        activities=(ActivityData(title="Первая волна", due=None),),
                    ),
                ),
            ),
            GoalData(
                component="routes",
                title="ИОМ для каждого с дефицитами",
                tasks=(TaskData(title="Построить ИОМ", responsible_id=orgs["ipk"].pk),),
            ),
        ),
        targets=(
            TargetData(indicator="diagnosed_share", year=year, value=Decimal("60")),
            TargetData(indicator="route_share", year=year, value=Decimal("10")),
        ),
        resources=(
            ResourceData(kind="money", amount=500_000_000, organization_id=orgs["ministry"].pk),
            ResourceData(kind="staff_hours", amount=2000, organization_id=orgs["cnppm"].pk),
        ),
    )


GOOD_REVIEW = {
    "scores": {c["code"]: c["max_score"] for c in starter.CRITERIA},
    "comments": {},
    "strengths": "Цели опираются на данные диагностики, ответственность распределена.",
    "weaknesses": "Мало межрегиональных связей, ресурсы на наставничество не указаны.",
    "verdict": "approve",
}


def make_program(world, year: int, stage: str = "draft", region=None) -> RegionalProgram:
    """A program of region 24 (or `region`) brought through the real services to `stage`:
    draft, submitted, in_review (two experts assigned), reviewed (both reviews in), approved."""
    template(world)
    federal = world.users["federal"]
    region = region or world.r1
    program = services.program_create(
        actor=federal,
        region=region,
        title=f"Программа ЕФС {year}",
        year_from=year,
        year_to=year + 2,
        content=full_content(world, year) if region == world.r1 else None,
    )
    version = program.versions.get()
    if stage == "draft":
        return program
    services.version_submit(actor=federal, version=version)
    if stage == "submitted":
        return program
    services.experts_assign(actor=federal, version=version, experts=[world.users["expert"], second_expert(world)])
    if stage == "in_review":
        return program
    for review in version.reviews.all():
        services.review_submit(actor=review.expert, review=review, **GOOD_REVIEW)
    if stage == "reviewed":
        return program
    services.version_decide(actor=federal, version=version, approve=True)
    return program


def _programs(world, state):
    if "programs" in state:
        return
    stages = {
        "edit": "draft",
        "submit": "draft",
        "review": "in_review",
        "decide": "reviewed",
        "new": "approved",
        "assign": "submitted",
        "api_submit": "draft",
        "api_new": "approved",
        "api_review": "in_review",
        "api_decide": "reviewed",
    }
    state["programs"] = {key: make_program(world, YEARS[key], stage).pk for key, stage in stages.items()}
    state["versions"] = {
        key: RegionalProgramVersion.objects.get(program_id=pk).pk for key, pk in state["programs"].items()
    }
    state["reviews"] = {
        key: ProgramReview.objects.get(version_id=state["versions"][key], expert=world.users["expert"]).pk
        for key in ("review", "api_review")
    }
    other = Region.objects.get(code="02")
    macro = Macroregion.objects.create(name="Макрорегион матрицы")
    macro.regions.set([world.r1, other])
    from tests.conftest import make_org

    state["other_org"] = make_org(other, None, "Минобр РБ", kind="ministry").pk
    state["macro"] = macro.pk
    project = services.macro_project_create(
        actor=world.users["federal"], macroregion=macro, title="Кадровая безопасность"
    )
    goal = services.joint_goal_add(
        actor=world.users["federal"], project=project, component="workforce", title="Молодые педагоги"
    )
    state["project"], state["goal"] = project.pk, goal.pk


def _v(state, key):
    return state["versions"][key]


def _status_is(key: str, status: str, ok: set[str]):
    def check(who, world, response):
        from efs.coordination.programs.models import RegionalProgramVersion as V

        state_now = (
            V.objects.filter(program__year_from=YEARS[key], program__region=world.r1).order_by("number").first().status
        )
        assert (state_now == status) == (who in ok), f"{who}: status {state_now}"

    return check


def _exists(query, ok: set[str]):
    def check(who, world, response):
        found = query(world)
        assert found == (who in ok), f"{who}: changed = {found}"

    return check


DRAFTERS_OK = {"regional", "federal"}
READ_ONE = {"regional": 200, "federal": 200, "regional_other": 404}
READERS = {"regional": 200, "regional_other": 200, "federal": 200}


def _page(statuses: dict[str, int]):
    return by_role(statuses, anonymous=302, default=403)


def _api(statuses: dict[str, int]):
    return by_role(statuses, anonymous=401, default=403)


P = "/coordination/programs"
A = "/api/coordination/programs"

ROUTES += [
    Route("coordination:program_list", "GET", lambda w, s: f"{P}/", _page({**READERS, "expert": 200}), setup=_programs),
    Route(
        "coordination:program_list",
        "POST",
        lambda w, s: f"{P}/",
        _page({"regional": 302, "federal": 302, "regional_other": 400}),
        setup=_programs,
        data=lambda w, s: {
            "region": w.r1.pk,
            "title": "Новая программа",
            "year_from": YEARS["create"],
            "year_to": YEARS["create"] + 2,
        },
        check=_exists(
            lambda w: RegionalProgram.objects.filter(region=w.r1, year_from=YEARS["create"]).exists(), DRAFTERS_OK
        ),
    ),
    Route(
        "coordination:program_detail",
        "GET",
        lambda w, s: f"{P}/{s['programs']['edit']}/",
        _page(READ_ONE),
        setup=_programs,
    ),
    Route(
        "coordination:program_item_add",
        "POST",
        lambda w, s: f"{P}/versions/{_v(s, 'edit')}/items/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        data=lambda w, s: {"kind": "goal", "goal-component": "practices", "goal-title": "Цель из матрицы"},
        check=_exists(
            lambda w: RegionalProgramVersion.objects.filter(goals__title="Цель из матрицы").exists(), DRAFTERS_OK
        ),
    ),
    Route(
        "coordination:program_item_remove",
        "POST",
        lambda w, s: f"{P}/versions/{_v(s, 'edit')}/items/remove/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        data=lambda w, s: {"path": "target2"},
        check=_exists(
            lambda w: (
                not RegionalProgramVersion.objects.filter(
                    program__year_from=YEARS["edit"], targets__indicator__code="route_share"
                ).exists()
            ),
            DRAFTERS_OK,
        ),
    ),
    Route(
        "coordination:program_submit",
        "POST",
        lambda w, s: f"{P}/versions/{_v(s, 'submit')}/submit/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        check=_status_is("submit", VersionStatus.SUBMITTED, DRAFTERS_OK),
    ),
    Route(
        "coordination:program_version_new",
        "POST",
        lambda w, s: f"{P}/{s['programs']['new']}/versions/new/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        data=lambda w, s: {"note": "исправление"},
        check=_exists(
            lambda w: RegionalProgramVersion.objects.filter(program__year_from=YEARS["new"], number=2).exists(),
            DRAFTERS_OK,
        ),
    ),
    Route(
        "coordination:program_experts",
        "POST",
        lambda w, s: f"{P}/versions/{_v(s, 'assign')}/experts/",
        _page({"federal": 302}),
        setup=_programs,
        data=lambda w, s: {"experts": [w.users["expert"].pk, second_expert(w).pk]},
        check=_status_is("assign", VersionStatus.IN_REVIEW, {"federal"}),
    ),
    Route(
        "coordination:program_decide",
        "POST",
        lambda w, s: f"{P}/versions/{_v(s, 'decide')}/decision/",
        _page({"federal": 302}),
        setup=_programs,
        data=lambda w, s: {"decision": "approve", "comment": ""},
        check=_status_is("decide", VersionStatus.APPROVED, {"federal"}),
    ),
    Route(
        "coordination:program_review",
        "GET",
        lambda w, s: f"{P}/reviews/{s['reviews']['review']}/",
        _page({"expert": 200}),
        setup=_programs,
    ),
    Route(
        "coordination:program_review",
        "POST",
        lambda w, s: f"{P}/reviews/{s['reviews']['review']}/",
        _page({"expert": 302}),
        setup=_programs,
        data=lambda w, s: {
            **{f"score_{c['code']}": c["max_score"] for c in starter.CRITERIA},
            "strengths": GOOD_REVIEW["strengths"],
            "weaknesses": GOOD_REVIEW["weaknesses"],
            "verdict": "approve",
        },
        check=_exists(
            lambda w: ProgramReview.objects.filter(
                version__program__year_from=YEARS["review"], expert=w.users["expert"], status=ReviewState.SUBMITTED
            ).exists(),
            {"expert"},
        ),
    ),
    Route("coordination:program_template", "GET", lambda w, s: f"{P}/template/", _page(READERS), setup=_programs),
    Route(
        "coordination:program_template",
        "POST",
        lambda w, s: f"{P}/template/",
        _page({"federal": 302}),
        setup=_programs,
        data=lambda w, s: {
            "title": "Шаблон 2",
            "components": starter.as_lines(starter.COMPONENTS, scored=False),
            "criteria": starter.as_lines(starter.CRITERIA, scored=True),
            "note": "уточнение",
        },
        check=_exists(lambda w: ProgramTemplate.objects.filter(version=2).exists(), {"federal"}),
    ),
    Route("coordination:program_compare", "GET", lambda w, s: f"{P}/compare/", _page(READERS), setup=_programs),
    Route("coordination:macroregion_list", "GET", lambda w, s: f"{P}/macroregions/", _page(READERS), setup=_programs),
    Route(
        "coordination:macroregion_detail",
        "GET",
        lambda w, s: f"{P}/macroregions/{s['macro']}/",
        _page(READ_ONE),
        setup=_programs,
    ),
    Route(
        "coordination:macroregion_project_new",
        "POST",
        lambda w, s: f"{P}/macroregions/{s['macro']}/projects/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        data=lambda w, s: {"title": "Сетевая школа", "description": ""},
        check=_exists(lambda w: MacroregionProject.objects.filter(title="Сетевая школа").exists(), DRAFTERS_OK),
    ),
    Route(
        "coordination:macroregion_goal_add",
        "POST",
        lambda w, s: f"{P}/macroregion-projects/{s['project']}/goals/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        data=lambda w, s: {"component": "practices", "title": "Обмен практиками"},
        check=_exists(lambda w: JointGoal.objects.filter(title="Обмен практиками").exists(), DRAFTERS_OK),
    ),
    Route(
        "coordination:macroregion_task_add",
        "POST",
        lambda w, s: f"{P}/macroregion-goals/{s['goal']}/tasks/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        data=lambda w, s: {
            "title": "Стажировки молодых педагогов",
            "due": "",
            "executors": [subjects(w)["ipk"].pk, s["other_org"]],
        },
        check=_exists(lambda w: SharedTask.objects.filter(title="Стажировки молодых педагогов").exists(), DRAFTERS_OK),
    ),
]


def _content_body(w, year):
    orgs = subjects(w)
    return {
        "summary": "Через API",
        "educators_covered": 900,
        "goals": [
            {
                "component": "support",
                "title": "Наставничество",
                "tasks": [{"title": "Школа наставников", "responsible": orgs["ipk"].pk}],
            }
        ],
        "targets": [{"indicator": "diagnosed_share", "year": year, "value": "55"}],
        "resources": [{"kind": "venues", "amount": 3, "organization": orgs["cnppm"].pk}],
    }


ROUTES += [
    Route("api-1.0.0:program_list_api", "GET", lambda w, s: f"{A}/", _api(READERS), setup=_programs),
    Route(
        "api-1.0.0:program_create_api",
        "POST",
        lambda w, s: f"{A}/",
        _api({"regional": 201, "federal": 201, "regional_other": 404}),
        setup=_programs,
        json=True,
        data=lambda w, s: {
            "region": w.r1.pk,
            "title": "Программа из API",
            "year_from": YEARS["api_create"],
            "year_to": YEARS["api_create"] + 1,
            "content": _content_body(w, YEARS["api_create"]),
        },
        check=_exists(
            lambda w: RegionalProgram.objects.filter(region=w.r1, year_from=YEARS["api_create"]).exists(), DRAFTERS_OK
        ),
    ),
    Route(
        "api-1.0.0:program_get_api", "GET", lambda w, s: f"{A}/{s['programs']['edit']}", _api(READ_ONE), setup=_programs
    ),
    Route(
        "api-1.0.0:program_version_api",
        "GET",
        lambda w, s: f"{A}/versions/{_v(s, 'edit')}",
        _api(READ_ONE),
        setup=_programs,
    ),
    Route(
        "api-1.0.0:program_content_api",
        "PUT",
        lambda w, s: f"{A}/versions/{_v(s, 'edit')}/content",
        _api(READ_ONE),
        setup=_programs,
        json=True,
        data=lambda w, s: _content_body(w, YEARS["edit"]),
        check=_exists(
            lambda w: RegionalProgramVersion.objects.filter(
                program__year_from=YEARS["edit"], summary="Через API"
            ).exists(),
            DRAFTERS_OK,
        ),
    ),
    Route(
        "api-1.0.0:program_submit_api",
        "POST",
        lambda w, s: f"{A}/versions/{_v(s, 'api_submit')}/submit",
        _api(READ_ONE),
        setup=_programs,
        check=_status_is("api_submit", VersionStatus.SUBMITTED, DRAFTERS_OK),
    ),
    Route(
        "api-1.0.0:program_version_new_api",
        "POST",
        lambda w, s: f"{A}/{s['programs']['api_new']}/versions",
        _api({"regional": 201, "federal": 201, "regional_other": 404}),
        setup=_programs,
        json=True,
        data=lambda w, s: {"note": "правка"},
        check=_exists(
            lambda w: RegionalProgramVersion.objects.filter(program__year_from=YEARS["api_new"], number=2).exists(),
            DRAFTERS_OK,
        ),
    ),
    Route(
        "api-1.0.0:program_review_api",
        "POST",
        lambda w, s: f"{A}/reviews/{s['reviews']['api_review']}",
        _api({"expert": 200}),
        setup=_programs,
        json=True,
        data=lambda w, s: GOOD_REVIEW,
        check=_exists(
            lambda w: ProgramReview.objects.filter(
                version__program__year_from=YEARS["api_review"], expert=w.users["expert"], status=ReviewState.SUBMITTED
            ).exists(),
            {"expert"},
        ),
    ),
    Route(
        "api-1.0.0:program_decide_api",
        "POST",
        lambda w, s: f"{A}/versions/{_v(s, 'api_decide')}/decision",
        _api({"federal": 200}),
        setup=_programs,
        json=True,
        data=lambda w, s: {"decision": "return", "comment": "Добавьте ресурсы на наставничество."},
        check=_status_is("api_decide", VersionStatus.RETURNED, {"federal"}),
    ),
    Route("api-1.0.0:program_comparison_api", "GET", lambda w, s: f"{A}/comparison", _api(READERS), setup=_programs),
    Route(
        "api-1.0.0:macroregion_api",
        "GET",
        lambda w, s: f"{A}/macroregions/{s['macro']}",
        _api(READ_ONE),
        setup=_programs,
    ),
]


def _status_is_year(year: int, status: str, ok: set[str]):
    def check(who, world, response):
        now = RegionalProgramVersion.objects.get(program__year_from=year, program__region=world.r1).status
        assert (now == status) == (who in ok), f"{who}: status {now}"

    return check


def _second_version_in_review(world, state):
    """One more submitted version, for the API's assignment of experts."""
    _programs(world, state)
    if "api_assign" not in state:
        state["api_assign"] = RegionalProgramVersion.objects.get(program=make_program(world, 2037, "submitted")).pk


ROUTES += [
    Route(
        "api-1.0.0:program_experts_api",
        "POST",
        lambda w, s: f"{A}/versions/{s['api_assign']}/experts",
        _api({"federal": 200}),
        setup=_second_version_in_review,
        json=True,
        data=lambda w, s: {"experts": [w.users["expert"].pk, second_expert(w).pk]},
        check=_status_is_year(2037, VersionStatus.IN_REVIEW, {"federal"}),
    ),
    Route(
        "api-1.0.0:macroregion_project_api",
        "POST",
        lambda w, s: f"{A}/macroregions/{s['macro']}/projects",
        _api({"regional": 201, "federal": 201, "regional_other": 404}),
        setup=_programs,
        json=True,
        data=lambda w, s: {"title": "Проект из API"},
        check=_exists(lambda w: MacroregionProject.objects.filter(title="Проект из API").exists(), DRAFTERS_OK),
    ),
    Route(
        "api-1.0.0:macroregion_goal_api",
        "POST",
        lambda w, s: f"{A}/macroregion-projects/{s['project']}/goals",
        _api({"regional": 201, "federal": 201, "regional_other": 404}),
        setup=_programs,
        json=True,
        data=lambda w, s: {"component": "support", "title": "Цель из API"},
        check=_exists(lambda w: JointGoal.objects.filter(title="Цель из API").exists(), DRAFTERS_OK),
    ),
    Route(
        "api-1.0.0:macroregion_task_api",
        "POST",
        lambda w, s: f"{A}/macroregion-goals/{s['goal']}/tasks",
        _api({"regional": 201, "federal": 201, "regional_other": 404}),
        setup=_programs,
        json=True,
        data=lambda w, s: {"title": "Задача из API", "executors": [subjects(w)["cnppm"].pk, s["other_org"]]},
        check=_exists(lambda w: SharedTask.objects.filter(title="Задача из API").exists(), DRAFTERS_OK),
    ),
]


def _template_body(title: str) -> dict:
    return {
        "title": title,
        "components": [
            {"code": c["code"], "title": c["title"], "description": c.get("description", "")}
            for c in starter.COMPONENTS
        ],
        "criteria": [{"code": c["code"], "title": c["title"], "max_score": c["max_score"]} for c in starter.CRITERIA],
        "note": "из API",
    }


def _macroregion_listed(who, world, response):
    if response.status_code != 200:
        return
    listed = {m["name"] for m in response.json()}
    assert ("Макрорегион матрицы" in listed) == (who in DRAFTERS_OK), f"{who}: {listed}"


ROUTES += [
    Route("api-1.0.0:program_template_api", "GET", lambda w, s: f"{A}/template", _api(READERS), setup=_programs),
    Route(
        "api-1.0.0:program_template_publish_api",
        "POST",
        lambda w, s: f"{A}/template",
        _api({"federal": 201}),
        setup=_programs,
        json=True,
        data=lambda w, s: _template_body("Шаблон из API"),
        check=_exists(lambda w: ProgramTemplate.objects.filter(title="Шаблон из API").exists(), {"federal"}),
    ),
    Route(
        "api-1.0.0:macroregion_list_api",
        "GET",
        lambda w, s: f"{A}/macroregions",
        _api(READERS),
        setup=_programs,
        check=_macroregion_listed,
    ),
    Route("api-1.0.0:program_reviews_api", "GET", lambda w, s: f"{A}/reviews", _api({"expert": 200}), setup=_programs),
]


def _program_posts(world) -> bool:
    from efs.practices.network.models import Post

    return Post.objects.filter(thread__subject_kind="coordination.program").exists()


ROUTES += [
    Route(
        "coordination:program_discuss",
        "POST",
        lambda w, s: f"{P}/{s['programs']['edit']}/discussion/",
        _page({"regional": 302, "federal": 302, "regional_other": 404}),
        setup=_programs,
        data=lambda w, s: {"body": "Предлагаю добавить цель по наставничеству"},
        check=_exists(_program_posts, DRAFTERS_OK),
    ),
]
