"""The region-wide plan: seats and the regional fund shared among all educators at once.

A background job (`tasks.allocate_region_task`) builds a planner `RegionProblem` from
every diagnosed educator of the region without an active route and every open cohort of
the region's depository, runs `efs.planner.allocate_region` with a progress bar, and turns
each assignment into a draft route the educator sees as proposed by the region.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from efs.catalog.models import CohortStatus, ProgramStatus
from efs.catalog.queries import open_cohorts
from efs.errors import Conflict, ValidationFailed
from efs.financing.services import certificates_available
from efs.people import access
from efs.people.models import Educator, EducatorCategory, Region, Role, Subject, User
from efs.people.public import assigned_tutor
from efs.people.services import notify, processing_allowed_q
from efs.planner import (
    PlannerError,
    Preferences,
    RegionProblem,
    TeacherDemand,
    allocate_region,
)

from . import building
from .models import ACTIVE, AllocationRun, AllocationStatus, Route, RouteEvent, RouteOrigin
from .services import _store

PLANNERS = frozenset({Role.REGIONAL_OPERATOR, Role.FEDERAL_OPERATOR})
COVERED_SHARE = 0.5
TIME_LIMIT_S = 240.0


def require_planner(actor: User, region: Region) -> None:
    access.require_region(actor, region.pk, roles=PLANNERS, message=_("Only the region's operator plans its routes."))


@transaction.atomic
def allocation_start(
    *, actor: User, region: Region, fund: int, max_hours: int = 144, budget_per_educator: int = 0
) -> AllocationRun:
    require_planner(actor, region)
    if fund < 0 or budget_per_educator < 0 or max_hours < 8:
        raise ValidationFailed(
            _("The fund and the budget cannot be negative; allow at least 8 hours."), code="allocation_invalid"
        )
    if AllocationRun.objects.filter(
        region=region, status__in=[AllocationStatus.QUEUED, AllocationStatus.RUNNING]
    ).exists():
        raise Conflict(_("A region-wide plan is already being computed."), code="allocation_running")
    run = AllocationRun.objects.create(
        region=region, started_by=actor, fund=fund, max_hours=max_hours, budget_per_educator=budget_per_educator or fund
    )
    from .tasks import allocate_region_task

    transaction.on_commit(lambda: allocate_region_task.enqueue(run.pk))
    return run


# What the planner (which knows no Django) reports, in the words the operator reads.
_PLANNER_STEPS = {
    "preparing the region": _lazy("Preparing the region's data"),
    "running the greedy baseline": _lazy("A first plan by the simple rule"),
    "building the initial route pool": _lazy("Building the first routes"),
    "repairing the allocation": _lazy("Checking seats and money"),
    "done": _lazy("Done"),
}


def planner_message(message: str) -> str:
    """The planner's English progress line in Russian («pricing round 7» -> «Улучшение плана: шаг 7»)."""
    if message.startswith("pricing round "):
        return _("Improving the plan: step %(n)s") % {"n": message.removeprefix("pricing round ")}
    known = _PLANNER_STEPS.get(message)
    return str(known) if known is not None else _("Planning")


def plan_outcome(
    demands: dict, assignments: dict, options: dict, meaning: dict, *, fund: int, seats_offered: int
) -> dict:
    """What the plan achieves, in figures a person reads: people served, deficits covered,
    money planned, seats filled; and the same by municipality, program and category.

    A deficit counts as covered when the chosen cohorts bring it at least half of a full
    closing (the coverage the programs declare, summed, capped at 1)."""
    categories = dict(EducatorCategory.choices)
    by_municipality: dict[str, dict] = {}
    by_category: dict[str, dict] = {}
    by_program: dict[int, dict] = {}
    totals = {"people": 0, "served": 0, "deficits": 0, "covered": 0, "money": 0, "seats": 0}

    def row(table: dict, key, name: str) -> dict:
        return table.setdefault(
            key, {"name": name, "people": 0, "served": 0, "deficits": 0, "covered": 0, "money": 0, "seats": 0}
        )

    for key, (educator, _attempt, deficits) in demands.items():
        chosen = assignments.get(key) or ()
        municipality = (
            educator.organization.municipality
            if educator.organization and educator.organization.municipality_id
            else None
        )
        places = [
            row(
                by_municipality,
                municipality.pk if municipality else 0,
                municipality.name if municipality else str(_("no municipality")),
            ),
            row(by_category, educator.category, str(categories.get(educator.category, educator.category))),
            totals,
        ]
        coverage: dict[str, float] = {}
        money = 0
        for option_id in chosen:
            option = options[option_id]
            money += option.price
            for code, share in option.coverage.items():
                coverage[code] = coverage.get(code, 0.0) + share
            cohort = meaning[option_id].cohort
            program = row(by_program, cohort.program_id, cohort.program.title)
            program["seats"] += 1
            program["money"] += option.price
            program["served"] += 1
        covered = sum(1 for d in deficits if min(1.0, coverage.get(d.competency.code, 0.0)) >= COVERED_SHARE)
        for place in places:
            place["people"] += 1
            place["served"] += 1 if chosen else 0
            place["deficits"] += len(deficits)
            place["covered"] += covered
            place["money"] += money
            place["seats"] += len(chosen)
    return {
        "summary": totals | {"fund": fund, "seats_offered": seats_offered},
        "by_municipality": sorted(by_municipality.values(), key=lambda r: (-r["people"], r["name"])),
        "by_category": sorted(by_category.values(), key=lambda r: -r["people"]),
        "by_program": sorted(by_program.values(), key=lambda r: (-r["seats"], r["name"]))[:200],
    }


def _progress(run: AllocationRun, fraction: float, message: str) -> None:
    AllocationRun.objects.filter(pk=run.pk).update(progress=max(0.0, min(1.0, fraction)), message=message[:300])


def _audience(category: str, subjects: list[str]) -> str:
    return f"{category}:{subjects[0] if subjects else '-'}"


def allocation_execute(run_id: int, today: dt.date | None = None, time_limit_s: float = TIME_LIMIT_S) -> None:
    run = AllocationRun.objects.select_related("region").get(pk=run_id)
    if run.status not in (AllocationStatus.QUEUED, AllocationStatus.RUNNING):
        return
    AllocationRun.objects.filter(pk=run.pk).update(
        status=AllocationStatus.RUNNING, message=_("Collecting deficits and cohorts")
    )
    try:
        results = _execute(run, today or timezone.localdate(), time_limit_s)
    except PlannerError as error:
        AllocationRun.objects.filter(pk=run.pk).update(
            status=AllocationStatus.FAILED, message=str(error.message)[:300], finished_at=timezone.now()
        )
        return
    except Exception as exc:  # the job's page must say it failed, not hang at «running»
        AllocationRun.objects.filter(pk=run.pk).update(
            status=AllocationStatus.FAILED, message=str(exc)[:300], finished_at=timezone.now()
        )
        raise
    AllocationRun.objects.filter(pk=run.pk).update(
        status=AllocationStatus.DONE,
        progress=1.0,
        message=_("Done"),
        results=results,
        routes_created=results["routes"],
        finished_at=timezone.now(),
    )


def _execute(run: AllocationRun, today: dt.date, time_limit_s: float) -> dict:
    region = run.region
    period_end = today + dt.timedelta(days=365)
    busy = set(Route.objects.filter(region=region, status__in=ACTIVE).values_list("educator_id", flat=True))
    diagnosed = building.latest_deficits_of_region(region.pk)
    wanted = [pk for pk in diagnosed if pk not in busy]
    educators = {}
    for start in range(0, len(wanted), 500):
        batch = (
            Educator.objects.filter(processing_allowed_q(), pk__in=wanted[start : start + 500], is_active=True)
            .select_related("organization__municipality")
            .prefetch_related("subjects")
        )
        educators.update({e.pk: e for e in batch})
    demands: dict[str, tuple[Educator, int, list[building.Deficit]]] = {}
    teachers = []
    wallets = certificates_available(list(educators), today.year)
    budgets: dict[str, int] = {}
    for pk, educator in sorted(educators.items()):
        attempt_id, deficits = diagnosed[pk]
        subjects = sorted(s.code for s in educator.subjects.all())
        key = str(educator.pk)
        demands[key] = (educator, attempt_id, deficits)
        # an educator with a funded certificate spends what is left on it; others the plan's limit
        budgets[key] = min(wallets[pk], run.budget_per_educator) if pk in wallets else run.budget_per_educator
        teachers.append(
            TeacherDemand(
                id=key,
                budget=budgets[key],
                max_hours=run.max_hours,
                deficits={d.competency.code: d.weight for d in deficits},
                preferences=Preferences(
                    audience=_audience(educator.category, subjects), earliest_start=today, latest_end=period_end
                ),
            )
        )
    if not teachers:
        raise PlannerError("empty_input", str(_("No diagnosed educator of the region without a route.")))
    _progress(run, 0.05, _("%(n)s educators with deficits") % {"n": len(teachers)})
    all_subjects = list(Subject.objects.values_list("code", flat=True)) + ["-"]
    cohorts = (
        open_cohorts(region.pk, today=today)
        .filter(start_date__gte=today, end_date__lte=period_end, program__status=ProgramStatus.PUBLISHED)
        .exclude(status=CohortStatus.CANCELLED)
        .select_related("program")
        .prefetch_related("program__outcomes__competency", "program__subjects")
    )
    options = []
    meaning: dict[str, building.Candidate] = {}
    for cohort in cohorts:
        free = cohort.seats - cohort.seats_taken
        program = cohort.program
        coverage = {
            o.competency.code: round(min(1.0, o.weight * building.effect_multiplier(program, o.competency.code)), 4)
            for o in program.outcomes.all()
        }
        if free <= 0 or not coverage:
            continue
        categories = [
            c
            for c, on in (
                ("teacher", program.for_teachers),
                ("manager", program.for_managers),
                ("student", program.for_students),
            )
            if on
        ]
        restricted = [s.code for s in program.subjects.all()]
        audience = frozenset(f"{c}:{s}" for c in categories for s in (restricted or all_subjects))
        option, meaning[f"c{cohort.pk}"] = building.cohort_option(
            cohort, program, coverage, seats=free, audience=audience
        )
        options.append(option)
    _progress(run, 0.1, _("%(n)s open cohorts; planning") % {"n": len(options)})
    allocation = allocate_region(
        RegionProblem(fund=run.fund, teachers=teachers, options=options),
        progress=lambda fraction, message: _progress(run, 0.1 + 0.8 * fraction, planner_message(message)),
        time_limit_s=time_limit_s,
    )
    _progress(run, 0.92, _("Writing the proposed routes"))
    created = 0
    route_ids: list[int] = []
    with transaction.atomic():
        for key, chosen in allocation.assignments.items():
            if not chosen:
                continue
            educator, attempt_id, deficits = demands[key]
            route = Route.objects.create(
                educator=educator, region=region, organization_id=educator.organization_id, attempt_id=attempt_id,
                tutor=assigned_tutor(educator), origin=RouteOrigin.REGIONAL, period_start=today, period_end=period_end,
                budget=budgets[key], max_hours=run.max_hours,
            )
            codes = {d.competency.code for d in deficits}
            coverages = {option.id: option.coverage for option in options if option.id in chosen}
            picked = [
                building.Picked(id=cid, covers={c: share for c, share in coverages[cid].items() if c in codes})
                for cid in chosen
            ]
            _store(route, deficits, picked, meaning)
            RouteEvent.objects.create(
                route=route,
                actor=run.started_by,
                action="proposed_by_region",
                comment=_("Seats and the regional fund were shared among the region's educators."),
            )
            if educator.user is not None:
                notify(
                    user=educator.user,
                    title=_("The region proposed an individual route for you"),
                    url=reverse("routes:route", args=[route.pk]),
                )
            created += 1
            route_ids.append(route.pk)
    return {
        **plan_outcome(
            demands,
            allocation.assignments,
            {o.id: o for o in options},
            meaning,
            fund=run.fund,
            seats_offered=sum(o.seats or 0 for o in options),  # a cohort option has its free seats
        ),
        "route_ids": route_ids,
        "educators": len(teachers),
        "cohorts": len(options),
        "routes": created,
        "objective": round(allocation.objective, 3),
        "greedy_objective": round(allocation.greedy_objective, 3),
        "upper_bound": round(allocation.upper_bound, 3) if allocation.upper_bound is not None else None,
        "gap": round(allocation.gap, 4) if allocation.gap is not None else None,
        "fund_used": allocation.fund_used,
        "deficit_weight": round(sum(sum(t.deficits.values()) for t in teachers), 3),
    }
