"""Endpoints of regional programs and macroregions (mounted at /api/coordination/programs/)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from efs.errors import ErrorOut, NotFound
from efs.http import AuthedRequest
from efs.limits import COMMENT_MAX_CHARS, Day, Id, Year
from efs.people import access
from efs.people.public import Region, Role, User

from . import queries, services
from .access import DRAFTERS, is_federal, macroregions_of
from .content import (
    EDUCATORS_MAX,
    MAX_ACTIVITIES,
    MAX_GOALS,
    MAX_RESOURCES,
    MAX_TARGETS,
    MAX_TASKS,
    ActivityData,
    Content,
    GoalData,
    ResourceData,
    TargetData,
    TaskData,
)
from .models import ProgramReview, RegionalProgram, RegionalProgramVersion

router = Router(tags=["coordination"])

Title = Annotated[str, Field(min_length=1, max_length=300)]
Code = Annotated[str, Field(min_length=1, max_length=40)]
CommentText = Annotated[str, Field(max_length=COMMENT_MAX_CHARS)]


class ActivityIn(Schema):
    title: Title
    due: Day | None = None


class TaskIn(Schema):
    title: Title
    responsible: Id
    co_executors: list[Id] = Field(default_factory=list, max_length=30)
    activities: list[ActivityIn] = Field(default_factory=list, max_length=MAX_ACTIVITIES)


class GoalIn(Schema):
    component: Code
    title: Title
    tasks: list[TaskIn] = Field(default_factory=list, max_length=MAX_TASKS)


class ProgramTargetIn(Schema):
    indicator: Code
    year: Year
    value: Decimal = Field(..., ge=0, le=10**11, max_digits=14, decimal_places=2)


class ResourceIn(Schema):
    kind: Literal["money", "staff_hours", "venues"]
    amount: int = Field(..., ge=1, le=10**13, description="kopecks for money; hours; venues")
    organization: Id
    note: Annotated[str, Field(max_length=300)] = ""


class ContentIn(Schema):
    summary: Annotated[str, Field(max_length=5000)] = ""
    educators_covered: int = Field(0, ge=0, le=EDUCATORS_MAX)
    goals: list[GoalIn] = Field(default_factory=list, max_length=MAX_GOALS)
    targets: list[ProgramTargetIn] = Field(default_factory=list, max_length=MAX_TARGETS)
    resources: list[ResourceIn] = Field(default_factory=list, max_length=MAX_RESOURCES)


class ProgramIn(Schema):
    region: Id
    title: Title
    year_from: Year
    year_to: Year
    content: ContentIn | None = None


class VersionBrief(Schema):
    id: int
    number: int
    status: str


class RegionalProgramOut(Schema):
    id: int
    region: int
    region_name: str
    title: str
    year_from: int
    year_to: int
    versions: list[VersionBrief]


class ProgramTargetOut(Schema):
    indicator: str
    year: int
    value: Decimal


class ContentOut(ContentIn):
    """The same fields, as answered. Its own classes keep the input's schema true: the document
    names a component once, so a class used both ways would show its answer's form (a decimal as
    a bare string) as what a client may send."""

    targets: list[ProgramTargetOut] = Field(default_factory=list)  # type: ignore[assignment]  # a schema retypes its field


class VersionOut(Schema):
    id: int
    program: int
    number: int
    status: str
    template_version: int
    content: ContentOut
    components_covered: list[str]


class NewVersionIn(Schema):
    note: Annotated[str, Field(max_length=500)] = ""


class RegionalProgramReviewIn(Schema):
    scores: dict[Code, int] = Field(..., max_length=30)
    comments: dict[Code, CommentText] = Field(default_factory=dict, max_length=30)
    strengths: CommentText
    weaknesses: CommentText
    verdict: Literal["approve", "revise"]


class RegionalProgramReviewOut(Schema):
    id: int
    version: int
    status: str
    verdict: str
    scores: dict[str, int]


class ProgramDecisionIn(Schema):
    decision: Literal["approve", "return"]
    comment: CommentText = ""


class ComparisonQuery(Schema):
    regions: str = Field(
        "",
        max_length=2000,
        pattern=r"^(\d{1,9}(,\d{1,9})*)?$",
        description="region ids, comma separated; empty: all with a program",
    )
    year: Year | None = None


class AchievedOut(Schema):
    indicator: str
    value: float | None
    target: float | None
    status: str


class ComparisonRowOut(Schema):
    region: int
    region_name: str
    program: int | None
    version: int | None
    status: str
    components_covered: list[str]
    components_total: int
    educators_covered: int
    money_kopecks: int
    staff_hours: int
    venues: int
    money_per_educator_roubles: float | None
    review_share: float | None
    targets: dict[str, float]
    achieved: list[AchievedOut]


class ComparisonOut(Schema):
    year: int
    rows: list[ComparisonRowOut]


class MemberOut(Schema):
    region: int
    region_name: str
    program: int | None
    version: int | None
    status: str
    components: list[str]


class LinkOut(Schema):
    learners_region: str
    provider_region: str
    enrollments: int


class SharedTaskOut(Schema):
    title: str
    due: dt.date | None
    executors: list[str]


class JointGoalOut(Schema):
    component: str
    title: str
    tasks: list[SharedTaskOut]


class MacroregionProjectOut(Schema):
    id: int
    title: str
    description: str
    goals: list[JointGoalOut]


class MacroregionOut(Schema):
    id: int
    name: str
    members: list[MemberOut]
    projects: list[MacroregionProjectOut]
    cross_region_enrollments: list[LinkOut]


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _content(body: ContentIn) -> Content:
    return Content(
        summary=body.summary,
        educators_covered=body.educators_covered,
        goals=tuple(
            GoalData(
                component=g.component,
                title=g.title,
                tasks=tuple(
                    TaskData(
                        title=t.title,
                        responsible_id=t.responsible,
                        co_executor_ids=tuple(t.co_executors),
                        activities=tuple(ActivityData(title=a.title, due=a.due) for a in t.activities),
                    )
                    for t in g.tasks
                ),
            )
            for g in body.goals
        ),
        targets=tuple(TargetData(indicator=t.indicator, year=t.year, value=t.value) for t in body.targets),
        resources=tuple(
            ResourceData(kind=r.kind, amount=r.amount, organization_id=r.organization, note=r.note)
            for r in body.resources
        ),
    )


def _program_out(program: RegionalProgram) -> dict:
    return {
        "id": program.pk,
        "region": program.region_id,
        "region_name": program.region.name,
        "title": program.title,
        "year_from": program.year_from,
        "year_to": program.year_to,
        "versions": [{"id": v.pk, "number": v.number, "status": v.status} for v in program.versions.all()],
    }


def _version_out(version: RegionalProgramVersion) -> dict:
    from .content import read

    content = read(version)
    return {
        "id": version.pk,
        "program": version.program_id,
        "number": version.number,
        "status": version.status,
        "template_version": version.template.version,
        "components_covered": sorted({g.component for g in content.goals}),
        "content": {
            "summary": content.summary,
            "educators_covered": content.educators_covered,
            "goals": [
                {
                    "component": g.component,
                    "title": g.title,
                    "tasks": [
                        {
                            "title": t.title,
                            "responsible": t.responsible_id,
                            "co_executors": list(t.co_executor_ids),
                            "activities": [{"title": a.title, "due": a.due} for a in t.activities],
                        }
                        for t in g.tasks
                    ],
                }
                for g in content.goals
            ],
            "targets": [{"indicator": t.indicator, "year": t.year, "value": t.value} for t in content.targets],
            "resources": [
                {"kind": r.kind, "amount": r.amount, "organization": r.organization_id, "note": r.note}
                for r in content.resources
            ],
        },
    }


@router.get(
    "/",
    response={200: list[RegionalProgramOut], **ERRORS},
    url_name="program_list_api",
    summary="Regional programs the caller may read",
)
def program_list_api(request: AuthedRequest):
    access.require_role(request.user, DRAFTERS)
    return [_program_out(p) for p in queries.programs_visible(request.user).prefetch_related("versions")]


@router.post(
    "/",
    response={201: RegionalProgramOut, **ERRORS},
    url_name="program_create_api",
    summary="A new program of a region (its first version is a draft)",
)
def program_create_api(request: AuthedRequest, body: ProgramIn):
    access.require_role(request.user, DRAFTERS)
    region = Region.objects.filter(pk=body.region).first()
    if region is None or body.region not in access.region_reach(request.user, roles=DRAFTERS):
        raise NotFound(_("Not found, or you have no access to it."))
    program = services.program_create(
        actor=request.user,
        region=region,
        title=body.title,
        year_from=body.year_from,
        year_to=body.year_to,
        content=_content(body.content) if body.content is not None else None,
    )
    return Status(
        201,
        _program_out(RegionalProgram.objects.select_related("region").prefetch_related("versions").get(pk=program.pk)),
    )


@router.get(
    "/{int:pk}",
    response={200: RegionalProgramOut, **ERRORS},
    url_name="program_get_api",
    summary="A region's program and its versions",
)
def program_get_api(request: AuthedRequest, pk: int):
    return _program_out(queries.program_get(request.user, pk))


@router.get(
    "/versions/{int:pk}",
    response={200: VersionOut, **ERRORS},
    url_name="program_version_api",
    summary="A version of a program with its content",
)
def program_version_api(request: AuthedRequest, pk: int):
    return _version_out(queries.version_visible(request.user, pk))


@router.put(
    "/versions/{int:pk}/content",
    response={200: VersionOut, **ERRORS},
    url_name="program_content_api",
    summary="Replace the content of a draft (goals, tasks, activities, indicators, resources)",
)
def program_content_api(request: AuthedRequest, pk: int, body: ContentIn):
    version = queries.version_visible(request.user, pk)
    return _version_out(services.version_content_set(actor=request.user, version=version, content=_content(body)))


@router.post(
    "/versions/{int:pk}/submit",
    response={200: VersionOut, **ERRORS},
    url_name="program_submit_api",
    summary="Send a version to review (it does not change afterwards)",
)
def program_submit_api(request: AuthedRequest, pk: int):
    version = queries.version_visible(request.user, pk)
    return _version_out(services.version_submit(actor=request.user, version=version))


@router.post(
    "/{int:pk}/versions",
    response={201: VersionOut, **ERRORS},
    url_name="program_version_new_api",
    summary="A new version (a correction) from the latest",
)
def program_version_new_api(request: AuthedRequest, pk: int, body: NewVersionIn):
    program = queries.program_get(request.user, pk)
    return Status(201, _version_out(services.version_new(actor=request.user, program=program, note=body.note)))


@router.post(
    "/reviews/{int:pk}",
    response={200: RegionalProgramReviewOut, **ERRORS},
    url_name="program_review_api",
    summary="The review of an assigned expert",
)
def program_review_api(request: AuthedRequest, pk: int, body: RegionalProgramReviewIn):
    review: ProgramReview = queries.review_for_expert(request.user, pk)
    done = services.review_submit(
        actor=request.user,
        review=review,
        scores=body.scores,
        comments=body.comments,
        strengths=body.strengths,
        weaknesses=body.weaknesses,
        verdict=body.verdict,
    )
    return {
        "id": done.pk,
        "version": done.version_id,
        "status": done.status,
        "verdict": done.verdict,
        "scores": done.scores,
    }


@router.post(
    "/versions/{int:pk}/decision",
    response={200: VersionOut, **ERRORS},
    url_name="program_decide_api",
    summary="The federal operator's decision on a version",
)
def program_decide_api(request: AuthedRequest, pk: int, body: ProgramDecisionIn):
    access.require_role(request.user, {Role.FEDERAL_OPERATOR})
    version = queries.version_visible(request.user, pk)
    return _version_out(
        services.version_decide(
            actor=request.user, version=version, approve=body.decision == "approve", comment=body.comment
        )
    )


def _row_out(row: queries.ComparisonRow) -> dict:
    return {
        "region": row.region_id,
        "region_name": row.region_name,
        "program": row.program_id,
        "version": row.version_number,
        "status": row.status,
        "components_covered": sorted(row.covered),
        "components_total": row.components_total,
        "educators_covered": row.educators_covered,
        "money_kopecks": row.money,
        "staff_hours": row.staff_hours,
        "venues": row.venues,
        "money_per_educator_roubles": row.money_per_educator,
        "review_share": row.review_share,
        "targets": row.targets,
        "achieved": [
            {"indicator": code, "value": v.value, "target": v.target, "status": v.status}
            for code, v in row.achieved.items()
        ],
    }


@router.get(
    "/comparison",
    response={200: ComparisonOut, **ERRORS},
    url_name="program_comparison_api",
    summary="Regions' programs compared (the federal operator: any; a region: its own row only)",
)
def program_comparison_api(request: AuthedRequest, q: Query[ComparisonQuery]):
    access.require_role(request.user, DRAFTERS)
    year = q.year or dt.date.today().year
    wanted = [int(x) for x in q.regions.split(",") if x] or queries.regions_with_programs()
    result = queries.comparison(region_ids=wanted, year=year)
    rows = result.rows
    if not is_federal(request.user):
        reach = access.region_reach(request.user, roles=DRAFTERS)
        rows = [r for r in rows if r.region_id in reach]
    return {"year": year, "rows": [_row_out(r) for r in rows]}


@router.get(
    "/macroregions/{int:pk}",
    response={200: MacroregionOut, **ERRORS},
    url_name="macroregion_api",
    summary="A macroregion: its members' programs, joint projects, cross-region enrollments",
)
def macroregion_api(request: AuthedRequest, pk: int):
    page = queries.macroregion_page(queries.macroregion_get(request.user, pk))
    return {
        "id": page.macroregion.pk,
        "name": page.macroregion.name,
        "members": [
            {
                "region": m.region_id,
                "region_name": m.region_name,
                "program": m.version.program_id if m.version else None,
                "version": m.version.number if m.version else None,
                "status": m.version.status if m.version else "",
                "components": sorted(m.goals_by_component),
            }
            for m in page.members
        ],
        "projects": [
            {
                "id": p.pk,
                "title": p.title,
                "description": p.description,
                "goals": [
                    {
                        "component": g.component,
                        "title": g.title,
                        "tasks": [
                            {
                                "title": t.title,
                                "due": t.due,
                                "executors": [e.organization.display_name for e in t.executors.all()],
                            }
                            for t in p.tasks.all()
                            if t.goal_id == g.pk
                        ],
                    }
                    for g in p.goals.all()
                ],
            }
            for p in page.projects
        ],
        "cross_region_enrollments": [
            {
                "learners_region": e["region__name"],
                "provider_region": e["provider__region__name"],
                "enrollments": e["n"],
            }
            for e in page.enrollments
        ],
    }


class ExpertsIn(Schema):
    experts: list[Id] = Field(..., min_length=1, max_length=10)


class ProgramAssignedOut(Schema):
    id: int
    expert: int
    status: str


class ProjectIn(Schema):
    title: Title
    description: Annotated[str, Field(max_length=5000)] = ""


class JointGoalIn(Schema):
    component: Code
    title: Title


class SharedTaskIn(Schema):
    title: Title
    due: Day | None = None
    executors: list[Id] = Field(..., min_length=1, max_length=30)


@router.post(
    "/versions/{int:pk}/experts",
    response={200: list[ProgramAssignedOut], **ERRORS},
    url_name="program_experts_api",
    summary="Assign experts to a submitted version (federal operator)",
)
def program_experts_api(request: AuthedRequest, pk: int, body: ExpertsIn):

    access.require_role(request.user, {Role.FEDERAL_OPERATOR})
    version = queries.version_visible(request.user, pk)
    experts = list(User.objects.filter(pk__in=body.experts, is_active=True))
    if len(experts) != len(set(body.experts)):
        raise NotFound(_("Not found, or you have no access to it."))
    services.experts_assign(actor=request.user, version=version, experts=experts)
    return [{"id": r.pk, "expert": r.expert_id, "status": r.status} for r in version.reviews.order_by("pk")]


def _project_out(project) -> dict:
    return {
        "id": project.pk,
        "title": project.title,
        "description": project.description,
        "goals": [
            {
                "component": g.component,
                "title": g.title,
                "tasks": [
                    {
                        "title": t.title,
                        "due": t.due,
                        "executors": [e.organization.display_name for e in t.executors.select_related("organization")],
                    }
                    for t in g.tasks.all()
                ],
            }
            for g in project.goals.all()
        ],
    }


@router.post(
    "/macroregions/{int:pk}/projects",
    response={201: MacroregionProjectOut, **ERRORS},
    url_name="macroregion_project_api",
    summary="A new joint project of a macroregion",
)
def macroregion_project_api(request: AuthedRequest, pk: int, body: ProjectIn):
    macroregion = queries.macroregion_get(request.user, pk)
    project = services.macro_project_create(
        actor=request.user, macroregion=macroregion, title=body.title, description=body.description
    )
    return Status(201, _project_out(project))


@router.post(
    "/macroregion-projects/{int:pk}/goals",
    response={201: MacroregionProjectOut, **ERRORS},
    url_name="macroregion_goal_api",
    summary="A joint goal of a macroregion project",
)
def macroregion_goal_api(request: AuthedRequest, pk: int, body: JointGoalIn):
    from .models import MacroregionProject

    project = MacroregionProject.objects.filter(pk=pk).first()
    if project is None:
        raise NotFound(_("Not found, or you have no access to it."))
    queries.macroregion_get(request.user, project.macroregion_id)
    services.joint_goal_add(actor=request.user, project=project, component=body.component, title=body.title)
    return Status(201, _project_out(project))


@router.post(
    "/macroregion-goals/{int:pk}/tasks",
    response={201: MacroregionProjectOut, **ERRORS},
    url_name="macroregion_task_api",
    summary="A shared task with executors from two or more regions of the macroregion",
)
def macroregion_task_api(request: AuthedRequest, pk: int, body: SharedTaskIn):
    from efs.people.public import Organization

    from .models import JointGoal

    goal = JointGoal.objects.select_related("project").filter(pk=pk).first()
    if goal is None:
        raise NotFound(_("Not found, or you have no access to it."))
    queries.macroregion_get(request.user, goal.project.macroregion_id)
    executors = list(Organization.objects.filter(pk__in=body.executors))
    if len(executors) != len(set(body.executors)):
        raise NotFound(
            _("Unknown organizations: %(ids)s.")
            % {"ids": ", ".join(map(str, sorted(set(body.executors) - {o.pk for o in executors})))}
        )
    services.shared_task_add(actor=request.user, goal=goal, title=body.title, executors=executors, due=body.due)
    return Status(201, _project_out(goal.project))


# ---------------------------------------------------------------- the federal template, macroregions, reviews

TemplateCode = Annotated[str, Field(min_length=2, max_length=40, pattern=r"^[a-z][a-z0-9_]{1,39}$")]


class TemplateComponentIn(Schema):
    code: TemplateCode
    title: Title
    description: Annotated[str, Field(max_length=1000)] = ""


class TemplateCriterionIn(Schema):
    code: TemplateCode
    title: Title
    max_score: int = Field(..., ge=1, le=10)


class TemplateIn(Schema):
    title: Title
    components: list[TemplateComponentIn] = Field(..., min_length=1, max_length=services.MAX_COMPONENTS)
    criteria: list[TemplateCriterionIn] = Field(..., min_length=1, max_length=services.MAX_CRITERIA)
    note: str = Field("", max_length=500, description="what changed against the previous version")


class TemplateComponentOut(Schema):
    code: str
    title: str
    description: str


class TemplateCriterionOut(Schema):
    code: str
    title: str
    max_score: int


class TemplateOut(Schema):
    version: int
    title: str
    note: str
    created_at: dt.datetime
    components: list[TemplateComponentOut]
    criteria: list[TemplateCriterionOut]


class TemplatesOut(Schema):
    current: TemplateOut | None
    history: list[TemplateOut] = Field(description="every published version, newest first (at most 20)")


def _template_out(t) -> dict:
    return {
        "version": t.version,
        "title": t.title,
        "note": t.note,
        "created_at": t.created_at,
        "components": [
            {"code": c["code"], "title": c["title"], "description": c.get("description", "")} for c in t.components
        ],
        "criteria": [{"code": c["code"], "title": c["title"], "max_score": c["max_score"]} for c in t.criteria],
    }


@router.get(
    "/template",
    response={200: TemplatesOut, **ERRORS},
    url_name="program_template_api",
    summary="The federal template of regional programs: the current version and the earlier ones",
)
def program_template_api(request: AuthedRequest):
    access.require_role(request.user, DRAFTERS)
    from .models import ProgramTemplate

    history = list(ProgramTemplate.objects.order_by("-version")[:20])
    return {"current": _template_out(history[0]) if history else None, "history": [_template_out(t) for t in history]}


@router.post(
    "/template",
    response={201: TemplateOut, **ERRORS},
    url_name="program_template_publish_api",
    summary="Publish a new version of the federal template (federal operator; earlier versions stay)",
)
def program_template_publish_api(request: AuthedRequest, body: TemplateIn):
    template = services.template_publish(
        actor=request.user,
        title=body.title,
        components=[c.model_dump() for c in body.components],
        criteria=[c.model_dump() for c in body.criteria],
        note=body.note,
    )
    return Status(201, _template_out(template))


class MacroregionRowOut(Schema):
    id: int
    name: str
    regions: list[str] = Field(description="region codes")


@router.get(
    "/macroregions",
    response={200: list[MacroregionRowOut], **ERRORS},
    url_name="macroregion_list_api",
    summary="The macroregions the caller's regions belong to (federal operator: all)",
)
def macroregion_list_api(request: AuthedRequest):
    access.require_role(request.user, DRAFTERS)
    items = macroregions_of(request.user).prefetch_related("regions").order_by("name")
    return [{"id": m.pk, "name": m.name, "regions": sorted(r.code for r in m.regions.all())} for m in items]


class AssignedReviewOut(Schema):
    id: int
    version_id: int
    version: int
    program: str
    region_code: str
    status: str
    assigned_at: dt.datetime


@router.get(
    "/reviews",
    response={200: list[AssignedReviewOut], **ERRORS},
    url_name="program_reviews_api",
    summary="The reviews assigned to the calling expert",
)
def program_reviews_api(request: AuthedRequest):
    access.require_role(request.user, {Role.EXPERT})
    return [
        {
            "id": r.pk,
            "version_id": r.version_id,
            "version": r.version.number,
            "program": r.version.program.title,
            "region_code": r.version.program.region.code,
            "status": r.status,
            "assigned_at": r.assigned_at,
        }
        for r in queries.reviews_of_expert(request.user)
    ]
