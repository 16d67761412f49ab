"""The contents of a version of a regional program as plain frozen data: what the API takes and
returns, what the demo writes, what a new version copies. `check` is the one place the rules of
the contents live; `read` and `write` move it between these dataclasses and the rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from efs.limits import KOPECKS_MAX
from efs.monitoring.public import Indicator
from efs.people.public import Organization

from .models import (
    ActivityRow,
    GoalRow,
    RegionalProgramVersion,
    ResourceKind,
    ResourceRow,
    TargetRow,
    TaskRow,
)

TITLE_MAX = 300
NOTE_MAX = 300
SUMMARY_MAX = 5000
MAX_GOALS = 30
MAX_TASKS = 30  # per goal
MAX_ACTIVITIES = 30  # per task
MAX_TARGETS = 200
MAX_RESOURCES = 200
EDUCATORS_MAX = 2_000_000
TARGET_MAX = Decimal(10**11)
RESOURCE_MAX: dict[str, int] = {
    ResourceKind.MONEY: KOPECKS_MAX,
    ResourceKind.STAFF_HOURS: 10**9,
    ResourceKind.VENUES: 100_000,
}


@dataclass(frozen=True)
class ActivityData:
    title: str
    due: dt.date | None = None


@dataclass(frozen=True)
class TaskData:
    title: str
    responsible_id: int
    co_executor_ids: tuple[int, ...] = ()
    activities: tuple[ActivityData, ...] = ()


@dataclass(frozen=True)
class GoalData:
    component: str
    title: str
    tasks: tuple[TaskData, ...] = ()


@dataclass(frozen=True)
class TargetData:
    indicator: str  # the monitoring passport's code
    year: int
    value: Decimal


@dataclass(frozen=True)
class ResourceData:
    kind: str
    amount: int  # kopecks for money, hours, venues
    organization_id: int
    note: str = ""


@dataclass(frozen=True)
class Content:
    summary: str = ""
    educators_covered: int = 0
    goals: tuple[GoalData, ...] = ()
    targets: tuple[TargetData, ...] = ()
    resources: tuple[ResourceData, ...] = field(default_factory=tuple)

    def with_goals(self, goals) -> Content:
        return replace(self, goals=tuple(goals))


def _text(problems: list[str], value: str, what: str, limit: int = TITLE_MAX, *, required: bool = True) -> None:
    text = (value or "").strip()
    if required and not text:
        problems.append(_("%(what)s: the text is empty.") % {"what": what})
    elif len(text) > limit:
        problems.append(_("%(what)s: at most %(n)s characters.") % {"what": what, "n": limit})
    elif "\x00" in text:
        problems.append(_("%(what)s: the text holds a NUL character.") % {"what": what})


def check(
    content: Content, *, version: RegionalProgramVersion, components: set[str], years: tuple[int, int]
) -> list[str]:
    """Every problem of the contents, in Russian, for one message (empty: the contents are valid)."""
    problems: list[str] = []
    _text(problems, content.summary, _("Summary"), SUMMARY_MAX, required=False)
    if not 0 <= content.educators_covered <= EDUCATORS_MAX:
        problems.append(_("The number of educators covered is from 0 to %(n)s.") % {"n": EDUCATORS_MAX})
    if len(content.goals) > MAX_GOALS:
        problems.append(_("At most %(n)s goals.") % {"n": MAX_GOALS})
    org_ids: set[int] = {r.organization_id for r in content.resources}
    for g_no, goal in enumerate(content.goals, start=1):
        where = _("Goal %(n)s") % {"n": g_no}
        _text(problems, goal.title, where)
        if goal.component not in components:
            problems.append(
                _("%(where)s: the component «%(c)s» is not in the federal template.")
                % {"where": where, "c": goal.component}
            )
        if len(goal.tasks) > MAX_TASKS:
            problems.append(_("%(where)s: at most %(n)s tasks.") % {"where": where, "n": MAX_TASKS})
        for t_no, task in enumerate(goal.tasks, start=1):
            t_where = _("Task %(g)s.%(t)s") % {"g": g_no, "t": t_no}
            _text(problems, task.title, t_where)
            org_ids |= {task.responsible_id, *task.co_executor_ids}
            if task.responsible_id in task.co_executor_ids:
                problems.append(
                    _("%(where)s: the responsible organization is not its own co-executor.") % {"where": t_where}
                )
            if len(task.activities) > MAX_ACTIVITIES:
                problems.append(_("%(where)s: at most %(n)s activities.") % {"where": t_where, "n": MAX_ACTIVITIES})
            for a_no, activity in enumerate(task.activities, start=1):
                a_where = _("Activity %(g)s.%(t)s.%(a)s") % {"g": g_no, "t": t_no, "a": a_no}
                _text(problems, activity.title, a_where)
                if activity.due is not None and not years[0] <= activity.due.year <= years[1]:
                    problems.append(
                        _("%(where)s: the date is outside the program's years %(a)s–%(b)s.")
                        % {"where": a_where, "a": years[0], "b": years[1]}
                    )
    problems += _check_organizations(org_ids, version.region_id)
    problems += _check_targets(content.targets, years)
    problems += _check_resources(content.resources)
    return problems


def _check_organizations(org_ids: set[int], region_id: int) -> list[str]:
    found = dict(Organization.objects.filter(pk__in=org_ids).values_list("pk", "region_id")) if org_ids else {}
    missing = sorted(org_ids - set(found))
    foreign = sorted(pk for pk, region in found.items() if region != region_id)
    problems = []
    if missing:
        problems.append(_("Unknown organizations: %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    if foreign:
        problems.append(
            _("Organizations of another region cannot be responsible in this program: %(ids)s.")
            % {"ids": ", ".join(map(str, foreign))}
        )
    return problems


def _check_targets(targets: tuple[TargetData, ...], years: tuple[int, int]) -> list[str]:
    problems: list[str] = []
    if len(targets) > MAX_TARGETS:
        problems.append(_("At most %(n)s targets.") % {"n": MAX_TARGETS})
    codes = {t.indicator for t in targets}
    known = (
        set(Indicator.objects.filter(code__in=codes, region__isnull=True).values_list("code", flat=True))
        if codes
        else set()
    )
    seen: set[tuple[str, int]] = set()
    for target in targets:
        if target.indicator not in known:
            problems.append(_("Indicator «%(c)s» is not a federal monitoring passport.") % {"c": target.indicator[:40]})
        if not years[0] <= target.year <= years[1]:
            problems.append(
                _("The target year %(y)s is outside the program's years %(a)s–%(b)s.")
                % {"y": target.year, "a": years[0], "b": years[1]}
            )
        if not isinstance(target.value, Decimal) or not target.value.is_finite() or not 0 <= target.value <= TARGET_MAX:
            problems.append(_("A target value is a number from 0 to %(n)s.") % {"n": TARGET_MAX})
        if (target.indicator, target.year) in seen:
            problems.append(
                _("Indicator «%(c)s» has two targets for %(y)s.") % {"c": target.indicator[:40], "y": target.year}
            )
        seen.add((target.indicator, target.year))
    return problems


def _check_resources(resources: tuple[ResourceData, ...]) -> list[str]:
    problems: list[str] = []
    if len(resources) > MAX_RESOURCES:
        problems.append(_("At most %(n)s resources.") % {"n": MAX_RESOURCES})
    for resource in resources:
        if resource.kind not in ResourceKind.values:
            problems.append(_("Unknown kind of resource: %(k)s.") % {"k": resource.kind[:20]})
        elif not 1 <= resource.amount <= RESOURCE_MAX[resource.kind]:
            problems.append(
                _("«%(k)s»: the amount is from 1 to %(n)s.")
                % {"k": ResourceKind(resource.kind).label, "n": RESOURCE_MAX[resource.kind]}
            )
        _text(problems, resource.note, _("Resource note"), NOTE_MAX, required=False)
    return problems


def read(version: RegionalProgramVersion) -> Content:
    """The version's contents (5 queries)."""
    goals = list(version.goals.all())
    tasks = list(TaskRow.objects.filter(goal__version=version).prefetch_related("co_executors"))
    activities = list(ActivityRow.objects.filter(task__goal__version=version))
    by_task: dict[int, list[ActivityData]] = {}
    for a in activities:
        by_task.setdefault(a.task_id, []).append(ActivityData(title=a.title, due=a.due))
    by_goal: dict[int, list[TaskData]] = {}
    for t in tasks:
        by_goal.setdefault(t.goal_id, []).append(
            TaskData(
                title=t.title,
                responsible_id=t.responsible_id,
                co_executor_ids=tuple(sorted(o.pk for o in t.co_executors.all())),
                activities=tuple(by_task.get(t.pk, ())),
            )
        )
    targets = tuple(
        TargetData(indicator=code, year=year, value=value)
        for code, year, value in version.targets.values_list("indicator__code", "year", "value")
    )
    resources = tuple(
        ResourceData(kind=r.kind, amount=r.amount, organization_id=r.organization_id, note=r.note)
        for r in version.resources.all()
    )
    return Content(
        summary=version.summary,
        educators_covered=version.educators_covered,
        goals=tuple(GoalData(component=g.component, title=g.title, tasks=tuple(by_goal.get(g.pk, ()))) for g in goals),
        targets=targets,
        resources=resources,
    )


def write(version: RegionalProgramVersion, content: Content) -> None:
    """Replace the version's rows by `content` (already checked; inside the caller's transaction)."""
    version.goals.all().delete()
    version.targets.all().delete()
    version.resources.all().delete()
    version.summary = content.summary.strip()
    version.educators_covered = content.educators_covered
    version.save(update_fields=["summary", "educators_covered"])
    for g_no, goal in enumerate(content.goals):
        goal_row = GoalRow.objects.create(
            version=version, component=goal.component, title=goal.title.strip(), order=g_no
        )
        for t_no, task in enumerate(goal.tasks):
            task_row = TaskRow.objects.create(
                goal=goal_row, title=task.title.strip(), responsible_id=task.responsible_id, order=t_no
            )
            if task.co_executor_ids:
                task_row.co_executors.set(task.co_executor_ids)
            ActivityRow.objects.bulk_create(
                [
                    ActivityRow(task=task_row, title=a.title.strip(), due=a.due, order=a_no)
                    for a_no, a in enumerate(task.activities)
                ]
            )
    indicators = dict(
        Indicator.objects.filter(code__in={t.indicator for t in content.targets}).values_list("code", "pk")
    )
    TargetRow.objects.bulk_create(
        [
            TargetRow(version=version, indicator_id=indicators[t.indicator], year=t.year, value=t.value)
            for t in content.targets
        ]
    )
    ResourceRow.objects.bulk_create(
        [
            ResourceRow(
                version=version, kind=r.kind, amount=r.amount, organization_id=r.organization_id, note=r.note.strip()
            )
            for r in content.resources
        ]
    )
