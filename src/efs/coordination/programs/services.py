"""Writes of regional programs and macroregion projects. One service = one transaction,
keyword-only arguments; refusals are DomainErrors with stable codes (docs/programs.md)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.catalog.public import COMMENT_MIN, LOW_SCORE_SHARE, MIN_REVIEWS, expert_affiliations, require_enough_reviews
from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.people import access
from efs.people.public import Macroregion, Organization, Region, Role, User, notify

from . import content as contents
from .access import DRAFTERS, FEDERAL, require_federal, require_macroregion_member
from .content import ActivityData, Content, GoalData, ResourceData, TargetData, TaskData
from .models import (
    JointGoal,
    MacroregionProject,
    ProgramReview,
    ProgramTemplate,
    RegionalProgram,
    RegionalProgramVersion,
    ReviewState,
    SharedTask,
    SharedTaskExecutor,
    VersionStatus,
)

CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MAX_COMPONENTS = 40
MAX_CRITERIA = 30
DECISION_COMMENT_MIN = 10
VERDICTS = ("approve", "revise")


# ---------------------------------------------------------------- the federal template


def current_template() -> ProgramTemplate | None:
    return ProgramTemplate.objects.order_by("-version").first()


def _check_entries(entries, kind: str, *, limit: int, scored: bool) -> list[str]:
    problems: list[str] = []
    if not entries:
        problems.append(_("The template needs at least one %(kind)s.") % {"kind": kind})
    if len(entries) > limit:
        problems.append(_("At most %(n)s entries.") % {"n": limit})
    codes = [e.get("code", "") for e in entries]
    for entry in entries:
        code, title = entry.get("code", ""), (entry.get("title") or "").strip()
        if not CODE.match(code):
            problems.append(
                _("«%(c)s»: a code is 2–40 Latin lower-case letters, digits or _, starting with a letter.")
                % {"c": code[:40]}
            )
        if not title or len(title) > 300 or "\x00" in title or "\x00" in entry.get("description", ""):
            problems.append(_("«%(c)s»: a title of 1 to 300 characters.") % {"c": code[:40]})
        if scored and not (isinstance(entry.get("max_score"), int) and 1 <= entry["max_score"] <= 10):
            problems.append(_("«%(c)s»: the maximum score is from 1 to 10.") % {"c": code[:40]})
    if len(set(codes)) != len(codes):
        problems.append(_("Codes repeat."))
    return problems


@transaction.atomic
def template_publish(
    *, actor: User, title: str, components: list[dict], criteria: list[dict], note: str = ""
) -> ProgramTemplate:
    """A new version of the federal template (the federal operator's). Earlier versions stay: the
    versions drafted from them keep pointing at them."""
    require_federal(actor)
    title = (title or "").strip()
    problems = [] if 0 < len(title) <= 300 else [_("Give the template a title of up to 300 characters.")]
    problems += _check_entries(components, _("component"), limit=MAX_COMPONENTS, scored=False)
    problems += _check_entries(criteria, _("criterion"), limit=MAX_CRITERIA, scored=True)
    if problems:
        raise ValidationFailed(" ".join(problems), code="template_invalid", details=problems)
    last = ProgramTemplate.objects.select_for_update().order_by("-version").first()
    return ProgramTemplate.objects.create(
        version=(last.version + 1) if last else 1,
        title=title,
        note=(note or "").strip()[:500],
        created_by=actor,
        components=[
            {"code": c["code"], "title": c["title"].strip(), "description": (c.get("description") or "").strip()[:1000]}
            for c in components
        ],
        criteria=[{"code": c["code"], "title": c["title"].strip(), "max_score": c["max_score"]} for c in criteria],
    )


# ---------------------------------------------------------------- programs and versions


def _lock_version(version: RegionalProgramVersion) -> RegionalProgramVersion:
    return RegionalProgramVersion.objects.select_for_update().select_related("program", "template").get(pk=version.pk)


def _require_draft(version: RegionalProgramVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise Conflict(
            _("Version %(n)s is %(status)s and cannot be changed: a correction is a new version.")
            % {"n": version.number, "status": version.get_status_display()},
            code="program_version_frozen",
        )


def _years(program: RegionalProgram) -> tuple[int, int]:
    return program.year_from, program.year_to


def _save_content(version: RegionalProgramVersion, content: Content) -> None:
    components = {c["code"] for c in version.template.components}
    problems = contents.check(content, version=version, components=components, years=_years(version.program))
    if problems:
        raise ValidationFailed(" ".join(problems), code="program_content_invalid", details=problems)
    contents.write(version, content)


@transaction.atomic
def program_create(
    *, actor: User, region: Region, title: str, year_from: int, year_to: int, content: Content | None = None
) -> RegionalProgram:
    """A region's new program, with its first version as a draft from the current federal template."""
    access.require_region(actor, region.pk, roles=DRAFTERS)
    template = current_template()
    if template is None:
        raise Conflict(
            _("The federal operator has not published the template of programs yet."), code="template_missing"
        )
    title = (title or "").strip()
    if not title or len(title) > 300 or "\x00" in title:
        raise ValidationFailed(_("Give the program a title of up to 300 characters."), code="program_title_invalid")
    if not (2000 <= year_from <= year_to <= 2100 and year_to - year_from <= 10):
        raise ValidationFailed(
            _("The program's years: from 2000 to 2100, at most ten years long."), code="program_years_invalid"
        )
    if RegionalProgram.objects.filter(region=region, year_from=year_from).exists():
        raise Conflict(
            _("The region already has a program starting in %(y)s.") % {"y": year_from}, code="program_exists"
        )
    program = RegionalProgram.objects.create(
        region=region, title=title, year_from=year_from, year_to=year_to, created_by=actor
    )
    version = RegionalProgramVersion.objects.create(
        program=program, number=1, template=template, region=region, created_by=actor
    )
    if content is not None:
        _save_content(version, content)
    return program


@transaction.atomic
def version_content_set(*, actor: User, version: RegionalProgramVersion, content: Content) -> RegionalProgramVersion:
    """Replace a draft's contents as a whole (the API, the demo)."""
    version = _lock_version(version)
    access.require_region(actor, version.region_id, roles=DRAFTERS)
    _require_draft(version)
    _save_content(version, content)
    return version


ITEM_KINDS = ("goal", "task", "activity", "target", "resource")


def _add(content: Content, kind: str, item, goal: int | None, task: int | None) -> Content:
    goals = list(content.goals)
    if kind == "goal":
        return content.with_goals([*goals, item])
    if kind == "target":
        return replace(content, targets=(*content.targets, item))
    if kind == "resource":
        return replace(content, resources=(*content.resources, item))
    if goal is None or not 0 <= goal < len(goals):
        raise ValidationFailed(_("Choose the goal."), code="program_goal_unknown")
    tasks = list(goals[goal].tasks)
    if kind == "task":
        goals[goal] = replace(goals[goal], tasks=(*tasks, item))
        return content.with_goals(goals)
    if task is None or not 0 <= task < len(tasks):
        raise ValidationFailed(_("Choose the task."), code="program_task_unknown")
    tasks[task] = replace(tasks[task], activities=(*tasks[task].activities, item))
    goals[goal] = replace(goals[goal], tasks=tuple(tasks))
    return content.with_goals(goals)


@transaction.atomic
def version_item_add(
    *, actor: User, version: RegionalProgramVersion, kind: str, item, goal: int | None = None, task: int | None = None
) -> RegionalProgramVersion:
    """Add one goal, task (to goal number `goal`, from 0), activity (to `goal`/`task`), target or
    resource to a draft; the whole draft is checked again."""
    version = _lock_version(version)
    access.require_region(actor, version.region_id, roles=DRAFTERS)
    _require_draft(version)
    expected = {
        "goal": GoalData,
        "task": TaskData,
        "activity": ActivityData,
        "target": TargetData,
        "resource": ResourceData,
    }
    if kind not in expected or not isinstance(item, expected[kind]):
        raise ValidationFailed(_("Unknown kind of item."), code="program_item_unknown")
    _save_content(version, _add(contents.read(version), kind, item, goal, task))
    return version


@transaction.atomic
def version_summary_set(
    *, actor: User, version: RegionalProgramVersion, summary: str, educators_covered: int
) -> RegionalProgramVersion:
    """The draft's summary and the number of educators it covers (the base of resources per educator)."""
    version = _lock_version(version)
    access.require_region(actor, version.region_id, roles=DRAFTERS)
    _require_draft(version)
    _save_content(version, replace(contents.read(version), summary=summary or "", educators_covered=educators_covered))
    return version


def _remove(content: Content, path: str) -> Content:
    """`g2`, `g2.t1`, `g2.t1.a3` (1-based), `target4`, `resource1`."""
    match = re.fullmatch(r"(?:g(\d{1,3})(?:\.t(\d{1,3})(?:\.a(\d{1,3}))?)?|(target|resource)(\d{1,3}))", path or "")
    if match is None:
        raise ValidationFailed(_("Unknown item."), code="program_item_unknown")
    if match[4]:
        index = int(match[5]) - 1
        if not 0 <= index < len(content.targets if match[4] == "target" else content.resources):
            raise ValidationFailed(_("Unknown item."), code="program_item_unknown")
        if match[4] == "target":
            return replace(content, targets=content.targets[:index] + content.targets[index + 1 :])
        return replace(content, resources=content.resources[:index] + content.resources[index + 1 :])
    goals = list(content.goals)
    g = int(match[1]) - 1
    if not 0 <= g < len(goals):
        raise ValidationFailed(_("Unknown item."), code="program_item_unknown")
    if match[2] is None:
        del goals[g]
        return content.with_goals(goals)
    tasks = list(goals[g].tasks)
    t = int(match[2]) - 1
    if not 0 <= t < len(tasks):
        raise ValidationFailed(_("Unknown item."), code="program_item_unknown")
    if match[3] is None:
        del tasks[t]
    else:
        activities = list(tasks[t].activities)
        a = int(match[3]) - 1
        if not 0 <= a < len(activities):
            raise ValidationFailed(_("Unknown item."), code="program_item_unknown")
        del activities[a]
        tasks[t] = replace(tasks[t], activities=tuple(activities))
    goals[g] = replace(goals[g], tasks=tuple(tasks))
    return content.with_goals(goals)


@transaction.atomic
def version_item_remove(*, actor: User, version: RegionalProgramVersion, path: str) -> RegionalProgramVersion:
    version = _lock_version(version)
    access.require_region(actor, version.region_id, roles=DRAFTERS)
    _require_draft(version)
    _save_content(version, _remove(contents.read(version), path))
    return version


def _federal_operators():
    return User.objects.filter(role_assignments__role=Role.FEDERAL_OPERATOR, is_active=True).distinct()


def _region_operators(region_id: int):
    return access.region_actors(region_id, roles=[Role.REGIONAL_OPERATOR])


def _url(version: RegionalProgramVersion) -> str:
    return reverse("coordination:program_detail", args=[version.program_id]) + f"?version={version.number}"


@transaction.atomic
def version_submit(*, actor: User, version: RegionalProgramVersion) -> RegionalProgramVersion:
    """Send a draft to the federal operator for expert review; from here on it never changes."""
    version = _lock_version(version)
    access.require_region(actor, version.region_id, roles=DRAFTERS)
    _require_draft(version)
    content = contents.read(version)
    components = {c["code"] for c in version.template.components}
    problems = contents.check(content, version=version, components=components, years=_years(version.program))
    if not any(goal.tasks for goal in content.goals):
        problems.append(_("The program needs at least one goal with a task."))
    if not content.targets:
        problems.append(_("The program needs at least one indicator with a target."))
    if content.educators_covered <= 0:
        problems.append(_("Say how many educators the program covers."))
    if problems:
        raise ValidationFailed(" ".join(problems), code="program_incomplete", details=problems)
    version.status = VersionStatus.SUBMITTED
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_at"])
    for user in _federal_operators():
        notify(
            user=user,
            title=_("A regional program is submitted for review: %(r)s, version %(n)s")
            % {"r": version.program.region.name, "n": version.number},
            url=_url(version),
            key=f"rp-submitted-{version.pk}",
        )
    return version


@transaction.atomic
def version_new(*, actor: User, program: RegionalProgram, note: str = "") -> RegionalProgramVersion:
    """A correction: a new draft copied from the newest version, on the current federal template."""
    program = RegionalProgram.objects.select_for_update().get(pk=program.pk)
    access.require_region(actor, program.region_id, roles=DRAFTERS)
    latest = program.versions.select_related("template").order_by("-number").first()
    if latest is not None and latest.status in (VersionStatus.DRAFT, VersionStatus.SUBMITTED, VersionStatus.IN_REVIEW):
        raise Conflict(
            _("Version %(n)s is still open (%(s)s): finish it first.")
            % {"n": latest.number, "s": latest.get_status_display()},
            code="program_version_open",
        )
    note = (note or "").strip()
    if len(note) > 500 or "\x00" in note:
        raise ValidationFailed(_("What changed: at most 500 characters."), code="program_note_invalid")
    template = current_template() or (latest.template if latest else None)
    if template is None:
        raise Conflict(
            _("The federal operator has not published the template of programs yet."), code="template_missing"
        )
    version = RegionalProgramVersion.objects.create(
        program=program,
        number=(latest.number + 1) if latest else 1,
        template=template,
        region_id=program.region_id,
        created_by=actor,
        change_note=note,
    )
    if latest is not None:
        contents.write(
            version, contents.read(latest)
        )  # a copy of checked rows; the next edit or submit checks it on the new template
    return version


# ---------------------------------------------------------------- expert review


@transaction.atomic
def experts_assign(*, actor: User, version: RegionalProgramVersion, experts: list[User]) -> list[ProgramReview]:
    """The federal operator assigns experts (at least MIN_REVIEWS, none from the program's region)."""
    version = _lock_version(version)
    require_federal(actor)
    if version.status not in (VersionStatus.SUBMITTED, VersionStatus.IN_REVIEW):
        raise Conflict(_("Experts are assigned to a submitted version."), code="program_not_submitted")
    current = list(version.reviews.exclude(status=ReviewState.WITHDRAWN))
    taken = {r.expert_id for r in current}
    for expert in experts:
        if not access.has_role(expert, Role.EXPERT):
            raise ValidationFailed(
                _("%(name)s is not an expert.") % {"name": expert.display_name()}, code="review_not_expert"
            )
        own_orgs = expert_affiliations(expert)
        if own_orgs and Organization.objects.filter(pk__in=own_orgs, region_id=version.region_id).exists():
            raise ValidationFailed(
                _("%(name)s works in the program's region: a conflict of interest.") % {"name": expert.display_name()},
                code="review_conflict_of_interest",
            )
    created = [
        ProgramReview.objects.create(version=version, expert=e, assigned_by=actor) for e in experts if e.pk not in taken
    ]
    if len(current) + len(created) < MIN_REVIEWS:
        raise ValidationFailed(
            _("At least %(n)s experts review a program.") % {"n": MIN_REVIEWS}, code="review_not_enough_experts"
        )
    if version.status == VersionStatus.SUBMITTED:
        version.status = VersionStatus.IN_REVIEW
        version.save(update_fields=["status"])
    for review in created:
        notify(
            user=review.expert,
            title=_("You are assigned to review a regional program: %(r)s") % {"r": version.program.region.name},
            url=reverse("coordination:program_review", args=[review.pk]),
            key=f"rp-review-{review.pk}",
        )
    return created


def _review_problems(
    criteria: list[dict], scores: dict, comments: dict, strengths: str, weaknesses: str, verdict: str
) -> list[str]:
    problems: list[str] = []
    by_code = {c["code"]: c for c in criteria}
    for code, criterion in by_code.items():
        value = scores.get(code)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= criterion["max_score"]:
            problems.append(
                _("«%(title)s»: a score from 0 to %(max)s.")
                % {"title": criterion["title"], "max": criterion["max_score"]}
            )
        elif value < criterion["max_score"] and len((comments.get(code) or "").strip()) < COMMENT_MIN:
            problems.append(
                _("«%(title)s»: say why the score is not the full one (at least %(n)s characters).")
                % {"title": criterion["title"], "n": COMMENT_MIN}
            )
    unknown = sorted((set(scores) | set(comments)) - set(by_code))
    if unknown:
        problems.append(_("Unknown criteria: %(c)s.") % {"c": ", ".join(c[:40] for c in unknown[:10])})
    if any(len(str(text)) > 2000 or "\x00" in str(text) for text in [*comments.values(), strengths, weaknesses]):
        problems.append(_("A comment is at most 2 000 characters, without NUL characters."))
    if len(strengths.strip()) < COMMENT_MIN or len(weaknesses.strip()) < COMMENT_MIN:
        problems.append(
            _("Name the program's strengths and weaknesses (at least %(n)s characters each).") % {"n": COMMENT_MIN}
        )
    if verdict not in VERDICTS:
        problems.append(_("Choose a recommendation."))
    clean = [v for v in scores.values() if isinstance(v, int) and not isinstance(v, bool)]
    maximum = sum(c["max_score"] for c in criteria) or 1
    if verdict == "approve" and (0 in clean or sum(clean) / maximum < LOW_SCORE_SHARE):
        problems.append(_("The scores are too low to recommend approval: recommend a revision."))
    return problems


@transaction.atomic
def review_submit(
    *, actor: User, review: ProgramReview, scores: dict, comments: dict, strengths: str, weaknesses: str, verdict: str
) -> ProgramReview:
    review = (
        ProgramReview.objects.select_for_update()
        .select_related("version__template", "version__program__region")
        .get(pk=review.pk)
    )
    if review.expert_id != actor.pk:
        raise PermissionDenied(_("Only the expert assigned to this review submits it."), code="review_not_assigned")
    if review.status != ReviewState.ASSIGNED or review.version.status != VersionStatus.IN_REVIEW:
        raise Conflict(_("This review is closed."), code="review_closed")
    problems = _review_problems(review.version.template.criteria, scores, comments, strengths, weaknesses, verdict)
    if problems:
        raise ValidationFailed(" ".join(problems), code="review_invalid", details=problems)
    review.scores = dict(scores)
    review.comments = {k: v.strip() for k, v in comments.items() if v and v.strip()}
    review.strengths, review.weaknesses, review.verdict = strengths.strip(), weaknesses.strip(), verdict
    review.status = ReviewState.SUBMITTED
    review.submitted_at = timezone.now()
    review.save()
    for user in _federal_operators():
        notify(
            user=user,
            title=_("An expert review of the program of %(r)s is submitted")
            % {"r": review.version.program.region.name},
            url=_url(review.version),
            key=f"rp-reviewed-{review.pk}",
        )
    return review


@transaction.atomic
def version_decide(
    *, actor: User, version: RegionalProgramVersion, approve: bool, comment: str = ""
) -> RegionalProgramVersion:
    """The federal operator's decision on the reviewed version: approved (the region's current
    program from now on) or returned (the region makes a new version)."""
    version = _lock_version(version)
    require_federal(actor)
    if version.status != VersionStatus.IN_REVIEW:
        raise Conflict(_("A decision is taken on a version under review."), code="program_not_in_review")
    done = version.reviews.filter(status=ReviewState.SUBMITTED).count()
    require_enough_reviews(done)
    comment = (comment or "").strip()
    if len(comment) > 2000 or "\x00" in comment:
        raise ValidationFailed(
            _("A comment is at most 2 000 characters, without NUL characters."), code="decision_comment_invalid"
        )
    if not approve and len(comment) < DECISION_COMMENT_MIN:
        raise ValidationFailed(_("Explain to the region what to correct."), code="decision_comment_required")
    if approve:
        version.program.versions.filter(status=VersionStatus.APPROVED).update(status=VersionStatus.SUPERSEDED)
    version.reviews.filter(status=ReviewState.ASSIGNED).update(status=ReviewState.WITHDRAWN)
    version.status = VersionStatus.APPROVED if approve else VersionStatus.RETURNED
    version.decided_by, version.decided_at, version.decision_comment = actor, timezone.now(), comment
    version.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    title = (
        _("The program of %(r)s, version %(n)s, is approved")
        if approve
        else _("The program of %(r)s, version %(n)s, is returned for revision")
    )
    for user in _region_operators(version.region_id):
        notify(
            user=user,
            title=title % {"r": version.program.region.name, "n": version.number},
            body=comment,
            url=_url(version),
            key=f"rp-decided-{version.pk}",
        )
    return version


# ---------------------------------------------------------------- macroregion projects


@transaction.atomic
def macro_project_create(
    *, actor: User, macroregion: Macroregion, title: str, description: str = ""
) -> MacroregionProject:
    require_macroregion_member(actor, macroregion)
    title, description = (title or "").strip(), (description or "").strip()
    if not title or len(title) > 300 or "\x00" in title:
        raise ValidationFailed(_("Give the project a title of up to 300 characters."), code="project_title_invalid")
    if len(description) > 5000 or "\x00" in description:
        raise ValidationFailed(_("The description is at most 5 000 characters."), code="project_description_invalid")
    try:
        with transaction.atomic():
            return MacroregionProject.objects.create(
                macroregion=macroregion, title=title, description=description, created_by=actor
            )
    except IntegrityError:
        raise Conflict(_("The macroregion already has a project with this title."), code="project_exists") from None


@transaction.atomic
def joint_goal_add(*, actor: User, project: MacroregionProject, component: str, title: str) -> JointGoal:
    project = MacroregionProject.objects.select_for_update().select_related("macroregion").get(pk=project.pk)
    require_macroregion_member(actor, project.macroregion)
    template = current_template()
    if template is None or component not in template.component_titles():
        raise ValidationFailed(_("Choose a component of the federal template."), code="component_unknown")
    title = (title or "").strip()
    if not title or len(title) > 300 or "\x00" in title:
        raise ValidationFailed(_("A goal of 1 to 300 characters."), code="goal_title_invalid")
    return JointGoal.objects.create(project=project, component=component, title=title)


@transaction.atomic
def shared_task_add(
    *, actor: User, goal: JointGoal, title: str, executors: list[Organization], due: dt.date | None = None
) -> SharedTask:
    """A task of a joint goal, executed by organizations of at least two member regions."""
    goal = JointGoal.objects.select_for_update().select_related("project__macroregion").get(pk=goal.pk)
    macroregion = goal.project.macroregion
    require_macroregion_member(actor, macroregion)
    title = (title or "").strip()
    if not title or len(title) > 300 or "\x00" in title:
        raise ValidationFailed(_("A task of 1 to 300 characters."), code="task_title_invalid")
    members = set(macroregion.regions.values_list("pk", flat=True))
    outside = [o.display_name for o in executors if o.region_id not in members]
    if outside:
        raise ValidationFailed(
            _("Not in the macroregion: %(names)s.") % {"names": ", ".join(outside)}, code="executor_outside_macroregion"
        )
    if len({o.region_id for o in executors}) < 2:
        raise ValidationFailed(
            _("A shared task has executors in at least two regions of the macroregion."),
            code="shared_task_single_region",
        )
    if due is not None and not 2000 <= due.year <= 2100:
        raise ValidationFailed(_("The date is between 2000 and 2100."), code="date_range")
    task = SharedTask.objects.create(project=goal.project, goal=goal, title=title, due=due)
    SharedTaskExecutor.objects.bulk_create(
        [SharedTaskExecutor(task=task, organization=o, region_id=o.region_id) for o in executors]
    )
    return task


def version_get(pk: int) -> RegionalProgramVersion:
    version = RegionalProgramVersion.objects.select_related("program", "template").filter(pk=pk).first()
    if version is None:
        raise NotFound(_("Not found, or you have no access to it."))
    return version


__all__ = [
    "FEDERAL",
    "ITEM_KINDS",
    "current_template",
    "experts_assign",
    "joint_goal_add",
    "macro_project_create",
    "program_create",
    "review_submit",
    "shared_task_add",
    "template_publish",
    "version_content_set",
    "version_decide",
    "version_item_add",
    "version_item_remove",
    "version_new",
    "version_submit",
    "version_summary_set",
]
