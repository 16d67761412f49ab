"""Reads of regional programs: a program with its versions, the federal comparison of any regions,
a region's standing among the others, and a macroregion's page with its horizontal links."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from efs.errors import NotFound
from efs.monitoring.public import (
    Indicator,
    IndicatorValue,
    Level,
    indicator_values,
    published_build,
)
from efs.people import access
from efs.people.public import Macroregion, Organization, Region, Role
from efs.practices.public import MacroregionLinks, macroregion_links

from . import content as contents
from .access import DRAFTERS, is_federal
from .models import (
    GoalRow,
    JointGoal,
    MacroregionProject,
    ProgramReview,
    ProgramTemplate,
    RegionalProgram,
    RegionalProgramVersion,
    ResourceKind,
    ResourceRow,
    ReviewState,
    SharedTask,
    TargetRow,
    VersionStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NOT_FOUND = "Not found, or you have no access to it."


def programs_visible(user):
    """The programs of the regions the user drafts for (the federal operator: all)."""
    return access.scoped(RegionalProgram.objects.select_related("region"), user).order_by("region__name", "-year_from")


def program_get(user, pk: int) -> RegionalProgram:
    access.require_role(user, DRAFTERS)
    return access.get_scoped(RegionalProgram.objects.select_related("region"), user, pk=pk)


def version_visible(user, pk: int) -> RegionalProgramVersion:
    access.require_role(user, DRAFTERS)
    return access.get_scoped(RegionalProgramVersion.objects.select_related("program__region", "template"), user, pk=pk)


def review_for_expert(user, pk: int) -> ProgramReview:
    """An expert reads only the reviews assigned to them; anyone else: not found."""
    access.require_role(user, {Role.EXPERT})
    review = (
        ProgramReview.objects.select_related("version__program__region", "version__template", "expert")
        .filter(pk=pk, expert=user)
        .first()
    )
    if review is None:
        raise NotFound(_(NOT_FOUND))
    return review


def reviews_of_expert(user):
    return (
        ProgramReview.objects.filter(expert=user)
        .exclude(status=ReviewState.WITHDRAWN)
        .select_related("version__program__region")
        .order_by("status", "-assigned_at")
    )


@dataclass
class TaskView:
    path: str
    title: str
    responsible: str
    co_executors: list[str]
    activities: list[tuple[str, str, object]]  # (path, title, due)


@dataclass
class GoalView:
    path: str
    component: str
    component_title: str
    title: str
    tasks: list[TaskView]


@dataclass
class VersionView:
    version: RegionalProgramVersion
    content: contents.Content
    goals: list[GoalView]
    targets: list[tuple[str, str, int, Decimal, str]]  # (path, indicator name, year, value, unit)
    resources: list[tuple[str, StrOrPromise, int, str, str]]  # (path, kind label, amount, organization, note)
    totals: dict[str, int]
    covered: list[tuple[str, str, bool]]  # (code, title, covered)


def version_view(version: RegionalProgramVersion) -> VersionView:
    content = contents.read(version)
    org_ids = {r.organization_id for r in content.resources}
    for goal in content.goals:
        for task in goal.tasks:
            org_ids |= {task.responsible_id, *task.co_executor_ids}
    names = {
        pk: short or name
        for pk, short, name in Organization.objects.filter(pk__in=org_ids).values_list("pk", "short_name", "name")
    }
    titles = version.template.component_titles()
    goals = []
    for g_no, goal in enumerate(content.goals, start=1):
        tasks = [
            TaskView(
                path=f"g{g_no}.t{t_no}",
                title=task.title,
                responsible=names.get(task.responsible_id, "—"),
                co_executors=[names.get(o, "—") for o in task.co_executor_ids],
                activities=[
                    (f"g{g_no}.t{t_no}.a{a_no}", a.title, a.due) for a_no, a in enumerate(task.activities, start=1)
                ],
            )
            for t_no, task in enumerate(goal.tasks, start=1)
        ]
        goals.append(
            GoalView(
                path=f"g{g_no}",
                component=goal.component,
                component_title=titles.get(goal.component, goal.component),
                title=goal.title,
                tasks=tasks,
            )
        )
    indicators = {i.code: i for i in Indicator.objects.filter(code__in={t.indicator for t in content.targets})}
    targets = [
        (
            f"target{n}",
            indicators[t.indicator].name if t.indicator in indicators else t.indicator,
            t.year,
            t.value,
            indicators[t.indicator].unit if t.indicator in indicators else "",
        )
        for n, t in enumerate(content.targets, start=1)
    ]
    resources: list[tuple[str, StrOrPromise, int, str, str]] = [
        (f"resource{n}", ResourceKind(r.kind).label, r.amount, names.get(r.organization_id, "—"), r.note)
        for n, r in enumerate(content.resources, start=1)
    ]
    totals: dict[str, int] = defaultdict(int)
    for r in content.resources:
        totals[r.kind] += r.amount
    used = {g.component for g in content.goals}
    covered = [(c["code"], c["title"], c["code"] in used) for c in version.template.components]
    return VersionView(
        version=version,
        content=content,
        goals=goals,
        targets=targets,
        resources=resources,
        totals=dict(totals),
        covered=covered,
    )


# ---------------------------------------------------------------- comparison

STATUS_RANK: dict[str, int] = {
    VersionStatus.APPROVED: 0,
    VersionStatus.IN_REVIEW: 1,
    VersionStatus.SUBMITTED: 2,
    VersionStatus.RETURNED: 3,
    VersionStatus.DRAFT: 4,
    VersionStatus.SUPERSEDED: 9,
}


@dataclass
class ComparisonRow:
    region_id: int
    region_name: str
    program_id: int | None = None
    program_title: str = ""
    version_id: int | None = None
    version_number: int | None = None
    status: str = ""
    status_label: str = ""
    components_total: int = 0
    covered: set[str] = field(default_factory=set)
    educators_covered: int = 0
    money: int = 0
    staff_hours: int = 0
    venues: int = 0
    review_share: float | None = None  # the mean share of the maximum score in submitted reviews
    targets: dict[str, float] = field(default_factory=dict)  # indicator code -> target of the year
    achieved: dict[str, IndicatorValue] = field(default_factory=dict)
    # Filled for the page: per indicator column (target, reached value), per component (covered?).
    cells: list[tuple[float | None, IndicatorValue | None]] = field(default_factory=list)
    coverage: list[bool] = field(default_factory=list)

    @property
    def components_covered(self) -> int:
        return len(self.covered)

    @property
    def money_per_educator(self) -> float | None:
        return self.money / 100 / self.educators_covered if self.educators_covered else None

    @property
    def hours_per_educator(self) -> float | None:
        return self.staff_hours / self.educators_covered if self.educators_covered else None


@dataclass
class Comparison:
    year: int
    rows: list[ComparisonRow]
    components: list[dict]
    indicators: list[Indicator]
    has_build: bool


def _current_versions(region_ids: list[int]) -> dict[int, RegionalProgramVersion]:
    """Per region, the version that stands for its program: the approved one, else the newest in
    review, submitted, returned or draft (of its newest program)."""
    chosen: dict[int, RegionalProgramVersion] = {}
    versions = (
        RegionalProgramVersion.objects.filter(region_id__in=region_ids)
        .exclude(status=VersionStatus.SUPERSEDED)
        .select_related("program", "template")
    )
    for v in versions:
        key = (-v.program.year_from, STATUS_RANK[v.status], -v.number)
        best = chosen.get(v.region_id)
        if best is None or key < (-best.program.year_from, STATUS_RANK[best.status], -best.number):
            chosen[v.region_id] = v
    return chosen


def comparison(*, region_ids: list[int], year: int) -> Comparison:
    """The programs of the regions side by side, for `year`: a fixed number of queries whatever the
    number of regions (9, plus 3 per indicator that has a target in any of the programs)."""
    regions = list(Region.objects.filter(pk__in=region_ids).order_by("name").values_list("pk", "name"))
    current = _current_versions([pk for pk, _name in regions])
    rows = {pk: ComparisonRow(region_id=pk, region_name=name) for pk, name in regions}
    version_ids = [v.pk for v in current.values()]
    by_version = {v.pk: rows[v.region_id] for v in current.values()}
    for region_id, v in current.items():
        row = rows[region_id]
        row.program_id, row.program_title, row.version_id, row.version_number = (
            v.program_id,
            v.program.title,
            v.pk,
            v.number,
        )
        row.status, row.status_label = v.status, v.get_status_display()
        row.components_total, row.educators_covered = len(v.template.components), v.educators_covered
    for version_id, component in GoalRow.objects.filter(version_id__in=version_ids).values_list(
        "version_id", "component"
    ):
        by_version[version_id].covered.add(component)
    for r in (
        ResourceRow.objects.filter(version_id__in=version_ids)
        .values("version_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        setattr(by_version[r["version_id"]], r["kind"], int(r["total"]))
    shares: dict[int, list[float]] = defaultdict(list)
    maxima = {v.pk: sum(c["max_score"] for c in v.template.criteria) or 1 for v in current.values()}
    for version_id, scores in ProgramReview.objects.filter(
        version_id__in=version_ids, status=ReviewState.SUBMITTED
    ).values_list("version_id", "scores"):
        shares[version_id].append(sum(int(s) for s in scores.values()) / maxima[version_id])
    for version_id, values in shares.items():
        by_version[version_id].review_share = sum(values) / len(values)
    indicator_ids: set[int] = set()
    for version_id, indicator_id, code, value in TargetRow.objects.filter(
        version_id__in=version_ids, year=year
    ).values_list("version_id", "indicator_id", "indicator__code", "value"):
        by_version[version_id].targets[code] = float(value)
        indicator_ids.add(indicator_id)
    indicators = list(
        Indicator.objects.filter(pk__in=indicator_ids).prefetch_related("versions").order_by("order", "code")
    )
    build = published_build()
    if build is not None:
        for indicator in indicators:
            for measured in indicator_values(
                indicator=indicator, level=Level.REGION, period=str(year), unit_ids=list(rows), build=build
            ):
                if measured.unit_id in rows and measured.value is not None:
                    rows[measured.unit_id].achieved[indicator.code] = measured
    # The newest template among the compared versions (every version holds its own); a query only
    # when no region has a program.
    template = max((v.template for v in current.values()), key=lambda t: t.version, default=None)
    if template is None:
        template = ProgramTemplate.objects.order_by("-version").first()
    components = template.components if template else []
    for row in rows.values():
        row.cells = [(row.targets.get(i.code), row.achieved.get(i.code)) for i in indicators]
        row.coverage = [c["code"] in row.covered for c in components]
    return Comparison(
        year=year,
        rows=list(rows.values()),
        components=components,
        indicators=indicators,
        has_build=build is not None,
    )


@dataclass
class Standing:
    metric: str
    value: float | None
    place: int | None
    of: int
    median: float | None
    best: float | None
    unit: str = ""


def _achieved(code: str) -> Callable[[ComparisonRow], float | None]:
    """A region's achieved value of an indicator (None when not measured)."""
    return lambda r: r.achieved[code].value if code in r.achieved else None


def standing(result: Comparison, region_id: int) -> list[Standing]:
    """Where one region stands among the compared regions that have a program, metric by metric,
    without naming the others: its place, the median and the best value."""
    with_program = [r for r in result.rows if r.program_id is not None]
    mine = next((r for r in with_program if r.region_id == region_id), None)
    if mine is None:
        return []
    metrics: list[tuple[str, Callable[[ComparisonRow], float | None], bool, str]] = [
        (_("Components of the model covered"), lambda r: float(r.components_covered), True, ""),
        (_("Money per educator, ₽"), lambda r: r.money_per_educator, True, "₽"),
        (_("Staff hours per educator"), lambda r: r.hours_per_educator, True, ""),
        (
            _("Expert score, share of the maximum"),
            lambda r: r.review_share * 100 if r.review_share is not None else None,
            True,
            "%",
        ),
    ]
    for indicator in result.indicators:
        up = indicator.direction == "up"
        metrics.append(
            (
                _("Achieved: %(name)s") % {"name": indicator.name},
                _achieved(indicator.code),
                up,
                indicator.unit,
            )
        )
    out = []
    for name, read, higher_better, unit in metrics:
        values = [v for v in (read(r) for r in with_program) if v is not None]
        value = read(mine)
        place = None
        if value is not None:
            place = 1 + sum(1 for v in values if (v > value if higher_better else v < value))
        out.append(
            Standing(
                metric=name,
                value=value,
                place=place,
                of=len(values),
                median=statistics.median(values) if values else None,
                best=(max(values) if higher_better else min(values)) if values else None,
                unit=unit,
            )
        )
    return out


def regions_with_programs() -> list[int]:
    return list(RegionalProgram.objects.values_list("region_id", flat=True).distinct())


# ---------------------------------------------------------------- macroregions


@dataclass
class MemberProgram:
    region_id: int
    region_name: str
    version: RegionalProgramVersion | None
    goals_by_component: dict[str, list[str]]


@dataclass
class MacroregionPage:
    macroregion: Macroregion
    members: list[MemberProgram]
    projects: list[MacroregionProject]
    components: dict[str, str]
    shared_components: list[tuple[str, str, list[str]]]  # components two or more members' programs cover
    enrollments: list[RegionPair]  # cross-region enrollment counts: learner region -> provider region
    shared_programs: list[SharedProgram]  # depository programs learnt in another member region


def macroregion_get(user, pk: int) -> Macroregion:
    from .access import macroregions_of

    access.require_role(user, DRAFTERS)
    found = macroregions_of(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_(NOT_FOUND))
    return found


def macroregion_page(macroregion: Macroregion) -> MacroregionPage:
    members = list(macroregion.regions.order_by("name").values_list("pk", "name"))
    member_ids = [pk for pk, _name in members]
    current = _current_versions(member_ids)
    goals: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    region_of_version = {v.pk: v.region_id for v in current.values()}
    for version_id, component, title in GoalRow.objects.filter(version_id__in=list(region_of_version)).values_list(
        "version_id", "component", "title"
    ):
        goals[region_of_version[version_id]][component].append(title)
    template = ProgramTemplate.objects.order_by("-version").first()
    titles = template.component_titles() if template else {}
    programs = [
        MemberProgram(
            region_id=pk, region_name=name, version=current.get(pk), goals_by_component=dict(goals.get(pk, {}))
        )
        for pk, name in members
    ]
    shared = []
    for code, title in titles.items():
        regions = [m.region_name for m in programs if code in m.goals_by_component]
        if len(regions) >= 2:
            shared.append((code, title, regions))
    projects = list(
        MacroregionProject.objects.filter(macroregion=macroregion).prefetch_related(
            "goals",
            _tasks_prefetch(),
        )
    )
    enrollments, shared_programs = horizontal_links(member_ids)
    return MacroregionPage(
        macroregion=macroregion,
        members=programs,
        projects=projects,
        components=titles,
        shared_components=shared,
        enrollments=enrollments,
        shared_programs=shared_programs,
    )


def _tasks_prefetch():
    from django.db.models import Prefetch

    from .models import SharedTaskExecutor

    return Prefetch(
        "tasks",
        queryset=SharedTask.objects.prefetch_related(
            Prefetch("executors", queryset=SharedTaskExecutor.objects.select_related("organization", "region"))
        ),
    )


class RegionPair(TypedDict):
    region__name: str  # where the educators work
    provider__region__name: str  # where their providers are
    n: int  # enrollments


class SharedProgram(TypedDict):
    cohort__program_id: int
    cohort__program__title: str
    provider__region__name: str
    n: int  # enrollments
    regions: int  # member regions whose educators enrolled


def horizontal_links(member_ids: list[int]) -> tuple[list[RegionPair], list[SharedProgram]]:
    """Counts only (no person): enrollments of a member region's educators in cohorts of another
    member region's providers, by pair of regions, and the programs they learnt."""
    from efs.financing.public import Enrollment, EnrollmentStatus

    base = (
        Enrollment.objects.filter(region_id__in=member_ids, provider__region_id__in=member_ids)
        .exclude(region_id=F("provider__region_id"))
        .exclude(status__in=[EnrollmentStatus.DECLINED, EnrollmentStatus.CANCELLED, EnrollmentStatus.EXPIRED])
    )
    pairs = list(
        base.values("region__name", "provider__region__name").annotate(n=Count("id")).order_by("-n", "region__name")
    )
    programs = list(
        base.values("cohort__program_id", "cohort__program__title", "provider__region__name")
        .annotate(n=Count("id"), regions=Count("region_id", distinct=True))
        .order_by("-n", "cohort__program__title")[:30]
    )
    return pairs, programs


def practices_links(macroregion_id: int) -> MacroregionLinks:
    """Communities, practices replicated across the members and joint research projects
    (`practices.public.macroregion_links`)."""
    return macroregion_links(macroregion_id)


def joint_goals_of(project: MacroregionProject) -> list[JointGoal]:
    return list(project.goals.all())


def is_federal_user(user) -> bool:
    return is_federal(user)
