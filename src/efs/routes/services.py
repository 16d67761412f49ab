"""Writes of the routes app: building, editing, the tutor's approval, tracking, evidence,
re-diagnosis, measured program effects and the region-wide plan."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from efs.catalog.models import Cohort
from efs.catalog.public import program_effects_set
from efs.competencies.public import Competency
from efs.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from efs.financing.services import certificate_of
from efs.limits import COMMENT_MAX_CHARS, FILE_NAME_MAX_CHARS, NOTE_MAX_CHARS
from efs.money import format_money
from efs.people.models import Educator, User
from efs.people.public import assigned_tutor
from efs.people.services import notify, processing_allowed_q, processing_require
from efs.planner import PlannerError, plan_route

from . import building, registry
from .access import is_supporter, is_tutor_of
from .models import (
    ACTIVE,
    Evidence,
    GoalStatus,
    ItemKind,
    ItemStatus,
    Route,
    RouteEvent,
    RouteGoal,
    RouteItem,
    RouteStatus,
)

if TYPE_CHECKING:
    from efs.diagnostics.models import Attempt

MAX_HOURS = 2000
EVIDENCE_MAX_BYTES = 15 * 1024 * 1024
EVIDENCE_TYPES = {
    ".pdf",
    ".doc",
    ".docx",
    ".odt",
    ".rtf",
    ".txt",
    ".xls",
    ".xlsx",
    ".ods",
    ".ppt",
    ".pptx",
    ".odp",
    ".jpg",
    ".jpeg",
    ".png",
    ".zip",
    ".mp4",
}
PLANNER_MESSAGES = {
    "empty_input": _("There is nothing to plan: no deficit with a positive weight, or no activity at all."),
    "infeasible": _(
        "No activity covering your deficits fits the budget, the hours and the formats you chose. Widen the period, "
        "the formats or the budget."
    ),
    "invalid_input": _("The catalog data could not be planned; the operator has been told."),
}


def _event(route: Route, actor: User | None, action: str, comment: str = "") -> None:
    RouteEvent.objects.create(route=route, actor=actor, action=action, comment=comment)


def _own(actor: User, educator: Educator) -> None:
    if educator.user_id != actor.pk:
        raise PermissionDenied(_("Only the educator themselves changes their route."))


# ---------------------------------------------------------------- building


def default_options(educator: Educator, today: dt.date | None = None) -> building.BuildOptions:
    today = today or timezone.localdate()
    places = []
    if educator.organization and educator.organization.municipality_id:
        places.append(educator.organization.municipality_id)
    certificate = certificate_of(educator, today.year)
    budget = max(0, certificate.available) if certificate is not None else 0
    return building.BuildOptions(
        period_start=today,
        period_end=today + dt.timedelta(days=365),
        budget=budget,
        max_hours=108,
        formats=[],
        places=places,
    )


def _limit_problems(*, educator: Educator, budget: int, copay: int, max_hours: int) -> list[str]:
    """The route's budget is at most the certificate balance plus the co-payment the
    educator declares; the hours stay within sane bounds."""
    problems = []
    if max_hours < 8:
        problems.append(_("Allow at least 8 hours."))
    if max_hours > MAX_HOURS:
        problems.append(_("A route takes at most %(h)s hours.") % {"h": MAX_HOURS})
    if budget < 0 or copay < 0:
        problems.append(_("The budget cannot be negative."))
    certificate = certificate_of(educator, timezone.localdate().year)
    available = max(0, certificate.available) if certificate is not None else 0
    if budget > available + max(0, copay):
        problems.append(
            _(
                "The budget %(budget)s is more than the certificate balance %(available)s plus the co-payment you "
                "declare %(copay)s. Lower the budget or declare the co-payment you will pay yourself."
            )
            % {
                "budget": format_money(budget),
                "available": format_money(available),
                "copay": format_money(max(0, copay)),
            }
        )
    return problems


def validate_options(options: building.BuildOptions, educator: Educator | None = None) -> None:
    problems = []
    if educator is not None:
        problems += _limit_problems(
            educator=educator, budget=options.budget, copay=options.copay, max_hours=options.max_hours
        )
    if options.period_end <= options.period_start:
        problems.append(_("The period must end after it starts."))
    if (options.period_end - options.period_start).days > 3 * 366:
        problems.append(_("A route is planned for at most three years."))
    if educator is None and options.max_hours < 8:
        problems.append(_("Allow at least 8 hours."))
    if educator is None and options.budget < 0:
        problems.append(_("The budget cannot be negative."))
    if set(options.formats) - {"online", "in_person"}:
        problems.append(_("Unknown format."))
    if problems:
        raise ValidationFailed(" ".join(problems), code="route_options_invalid", details=problems)


@transaction.atomic
def route_build(*, actor: User, educator: Educator, options: building.BuildOptions) -> Route:
    """Build the optimal route from the latest diagnostics. Replaces a draft; refuses when a
    route was already sent to the tutor or is under way."""
    _own(actor, educator)
    processing_require(educator, actor=actor)
    validate_options(options, educator)
    current = Route.objects.select_for_update().filter(educator=educator, status__in=ACTIVE).first()
    if current is not None and current.status != RouteStatus.DRAFT:
        raise Conflict(_("You already have a route that was sent to the tutor or is under way."), code="route_exists")
    attempt, deficits = building.latest_deficits(educator)
    if attempt is None:
        raise ValidationFailed(
            _("Take the diagnostics first: the route is built from its deficits."), code="route_no_diagnostics"
        )
    if not deficits:
        raise ValidationFailed(_("Your latest diagnostics found no deficit to work on."), code="route_no_deficits")
    found, meaning = building.candidates(educator, deficits, options)
    try:
        plan = plan_route(building.problem(deficits, found, options))
    except PlannerError as error:
        raise ValidationFailed(
            str(PLANNER_MESSAGES.get(error.code, error.message)), code=f"route_{error.code}"
        ) from None
    if current is not None:
        current.delete()
    route = Route.objects.create(
        educator=educator,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        attempt=attempt,
        tutor=assigned_tutor(educator),
        period_start=options.period_start,
        period_end=options.period_end,
        budget=options.budget,
        copay=options.copay,
        max_hours=options.max_hours,
        formats=options.formats,
        places=options.places,
        optimal=plan.optimal,
        built_objective=plan.objective,
    )
    _store(route, deficits, plan.items, meaning)
    _event(
        route,
        actor,
        "built",
        _("Built automatically: %(n)s activities cover %(share)s %% of the deficit weight.")
        % {"n": len(plan.items), "share": round(100 * plan.objective / sum(d.weight for d in deficits))},
    )
    return route


def _store(route: Route, deficits: list[building.Deficit], items, meaning: dict[str, building.Candidate]) -> None:
    by_code = {d.competency.code: d for d in deficits}
    RouteGoal.objects.bulk_create(
        [
            RouteGoal(
                route=route, competency=d.competency, weight=d.weight, current_level=d.level, current_theta=d.theta,
                target_level=building.next_level(d.competency.framework.levels, d.level),
            )
            for d in deficits
        ]
    )
    for order, item in enumerate(items):
        candidate = meaning[item.id]
        _add_item(route, candidate, dict(item.covers), by_code, order)


def _add_item(
    route: Route,
    candidate: building.Candidate,
    covers: dict[str, float],
    by_code: dict[str, building.Deficit],
    order: int,
) -> RouteItem:
    covers = {code: round(share, 4) for code, share in covers.items() if share > 0}
    if candidate.kind == "cohort":
        cohort = cast(Cohort, candidate.cohort)  # building.cohort_option gives every "cohort" candidate its cohort
        program = cohort.program
        outcome_texts = [o.text for o in program.outcomes.all() if o.competency.code in covers and o.text]
        titles = ", ".join(f"«{by_code[c].competency.title}»" for c in covers if c in by_code)
        return RouteItem.objects.create(
            route=route,
            kind=ItemKind.COHORT,
            title=program.title,
            cohort=cohort,
            program=program,
            coverage=covers,
            task=_("Close the deficit %(titles)s") % {"titles": titles} if titles else "",
            reason=building.reason(candidate, covers, by_code),
            planned_start=cohort.start_date,
            planned_end=cohort.end_date,
            hours=program.hours,
            price=cohort.price,
            exclusive=not cohort.online,
            expected_result="; ".join(outcome_texts)[:2000] or _("The planned results of the program are achieved."),
            evidence_form=_("Certificate of qualification upgrade and the final work of the program"),
            order=order,
        )
    if candidate.sourced is not None:
        return _add_sourced_item(route, candidate, covers, by_code, order)
    # the remaining candidates are building.candidates' activities, each with its competency
    activity, competency = cast(dict, candidate.activity), cast(Competency, candidate.competency)
    title = activity["title"].format(competency=competency.title)
    return RouteItem.objects.create(
        route=route,
        kind=activity["kind"],
        title=title,
        coverage=covers,
        task=activity["task"].format(competency=competency.title),
        reason=building.reason(candidate, covers, by_code),
        planned_start=candidate.start,
        planned_end=candidate.end,
        hours=activity["hours"],
        price=0,
        exclusive=activity["exclusive"],
        expected_result=activity["expected_result"],
        evidence_form=activity["evidence_form"],
        order=order,
    )


def _add_sourced_item(
    route: Route,
    candidate: building.Candidate,
    covers: dict[str, float],
    by_code: dict[str, building.Deficit],
    order: int,
) -> RouteItem:
    """An activity of a registered item source (routes.registry); the source records its link."""
    sourced = cast(registry.SourceCandidate, candidate.sourced)  # called for sourced candidates only
    item = RouteItem.objects.create(
        route=route, kind=candidate.kind, title=sourced.title[:500], coverage=covers, task=sourced.task[:500],
        reason=building.reason(candidate, covers, by_code), planned_start=candidate.start, planned_end=candidate.end,
        hours=sourced.hours, price=0, exclusive=sourced.exclusive, expected_result=sourced.expected_result,
        evidence_form=sourced.evidence_form[:300], order=order,
    )
    source = registry.item_source(candidate.kind)
    if source is not None and source.on_added is not None:
        source.on_added(item.pk, sourced)
    return item


# ---------------------------------------------------------------- editing a draft


def _editable(actor: User, route: Route) -> Route:
    route = Route.objects.select_for_update().select_related("educator").get(pk=route.pk)
    _own(actor, route.educator)
    processing_require(route.educator, actor=actor)
    if route.status != RouteStatus.DRAFT:
        raise Conflict(
            _("The route can be changed while it is a draft; ask the tutor to return it."), code="route_not_editable"
        )
    return route


def _deficits_of(route: Route) -> dict[str, building.Deficit]:
    return {
        g.competency.code: building.Deficit(
            competency=g.competency, weight=g.weight, theta=g.current_theta or 0.0, level=g.current_level
        )
        for g in route.goals.select_related("competency__framework")
    }


@transaction.atomic
def item_remove(*, actor: User, item: RouteItem) -> None:
    route = _editable(actor, item.route)
    RouteItem.objects.filter(pk=item.pk, route=route).delete()
    _event(route, actor, "item_removed", item.title)


def check_hours(message: str, *, route: Route, hours: int, code: str) -> None:
    """The route's limit of hours, for a route that would take `hours`: ValidationFailed(`code`)
    with `message` (``%(hours)s``, ``%(limit)s``: what was being added says it, a cohort or an
    activity) when over it. scripts/api_reference.py reads the message and the code here."""
    if hours > route.max_hours:
        raise ValidationFailed(
            message % {"hours": hours, "limit": route.max_hours},
            code=code,
            details={"hours": hours, "max_hours": route.max_hours},
        )


@transaction.atomic
def item_add_cohort(*, actor: User, route: Route, cohort: Cohort, replace: RouteItem | None = None) -> RouteItem:
    """Add a cohort (or swap an item for it); the effect shows in the route's summary."""
    route = _editable(actor, route)
    deficits = _deficits_of(route)
    options = building.BuildOptions(
        period_start=route.period_start, period_end=route.period_end, budget=route.budget, max_hours=route.max_hours
    )
    found, meaning = building.candidates(route.educator, list(deficits.values()), options)
    key = f"c{cohort.pk}"
    if key not in meaning:
        raise ValidationFailed(
            _(
                "This cohort is not open to you in the route's period, has no free seats or does not address your "
                "deficits."
            ),
            code="route_cohort_unavailable",
        )
    if route.items.filter(program_id=cohort.program_id).exclude(pk__in=[replace.pk] if replace else []).exists():
        raise Conflict(_("The route already has this program."), code="route_program_twice")
    option = next(o for o in found if o.id == key)
    kept = [i for i in route.items.exclude(status=ItemStatus.CANCELLED) if replace is None or i.pk != replace.pk]
    check_hours(
        _(
            "With this cohort the route would take %(hours)s hours, more than its limit of %(limit)s. Remove an "
            "activity or raise the limit of hours."
        ),
        route=route,
        hours=sum(i.hours for i in kept) + option.hours,
        code="route_hours_exceeded",
    )
    price = sum(i.price for i in kept) + option.price
    if price > route.budget:
        raise ValidationFailed(
            _(
                "With this cohort the route would cost %(price)s, more than its budget of %(budget)s. Remove a paid "
                "activity or change the budget."
            )
            % {"price": format_money(price), "budget": format_money(route.budget)},
            code="route_budget_exceeded",
            details={"price": price, "budget": route.budget},
        )
    if replace is not None:
        RouteItem.objects.filter(pk=replace.pk, route=route).delete()
    item = _add_item(route, meaning[key], dict(option.coverage), deficits, route.items.count())
    _event(route, actor, "item_swapped" if replace else "item_added", item.title)
    return item


def _open_to_add(actor: User, route_id: int) -> Route:
    """A draft route to its educator; a draft or proposed route to their tutor."""
    route = Route.objects.select_for_update().select_related("educator").filter(pk=route_id).first()
    if route is None or (route.educator.user_id != actor.pk and not is_supporter(actor, route)):
        raise NotFound(_("Not found, or you have no access to it."))
    if route.educator.user_id == actor.pk:
        return _editable(actor, route)
    processing_require(route.educator, actor=actor)
    if route.status not in (RouteStatus.DRAFT, RouteStatus.PROPOSED):
        raise Conflict(
            _("Activities are added while the route is a draft or awaits the tutor's approval."),
            code="route_not_editable",
        )
    return route


@transaction.atomic
def item_add_sourced(*, actor: User, route_id: int, kind: str, key: str) -> RouteItem:
    """Add by hand an activity of a registered item source (routes.registry), e.g. a practice
    of the bank: the educator to a draft, their tutor to a draft or a proposed route. The same
    rules as the builder's: the source must offer it to this educator, it must address a
    deficit of the route, and the route's limit of hours holds (sourced activities are free)."""
    route = _open_to_add(actor, route_id)
    source = registry.item_source(kind)
    if source is None or source.find is None:
        raise ValidationFailed(_("Activities of this kind are not added by hand."), code="route_source_unknown")
    deficits = _deficits_of(route)
    options = building.BuildOptions(
        period_start=route.period_start, period_end=route.period_end, budget=route.budget, max_hours=route.max_hours
    )
    query = building.source_query(route.educator, list(deficits.values()), options)
    sourced = source.find(query, key)
    if sourced is None:
        raise ValidationFailed(
            _("This activity is not open to this educator (not published, or not for their region)."),
            code="route_source_unavailable",
        )
    covers = {code: round(min(1.0, share), 4) for code, share in sourced.coverage.items() if code in deficits}
    covers = {code: share for code, share in covers.items() if share > 0}
    if not covers:
        raise ValidationFailed(
            _("This activity does not address a deficit of the route."), code="route_source_off_deficits"
        )
    kept = list(route.items.exclude(status=ItemStatus.CANCELLED))
    check_hours(
        _(
            "With this activity the route would take %(hours)s hours, more than its limit of %(limit)s. Remove "
            "an activity or raise the limit of hours."
        ),
        route=route,
        hours=sum(i.hours for i in kept) + sourced.hours,
        code="route_hours_exceeded",
    )
    start = max(route.period_start, timezone.localdate())
    if start > route.period_end:
        raise Conflict(_("The route's period is over."), code="route_period_over")
    end = min(route.period_end, start + dt.timedelta(days=max(1, sourced.duration_days) - 1))
    candidate = building.Candidate(kind=kind, start=start, end=end, sourced=sourced)
    item = _add_sourced_item(route, candidate, covers, deficits, len(kept))
    _event(route, actor, "item_added", item.title)
    return item


@transaction.atomic
def route_limits_set(*, actor: User, route: Route, max_hours: int, budget: int, copay: int = 0) -> Route:
    """Change the hours and the budget of a draft route; the activities already in it must fit."""
    route = _editable(actor, route)
    problems = _limit_problems(educator=route.educator, budget=budget, copay=copay, max_hours=max_hours)
    items = list(route.items.exclude(status=ItemStatus.CANCELLED))
    hours, price = sum(i.hours for i in items), sum(i.price for i in items)
    if hours > max_hours:
        problems.append(
            _("The activities already take %(h)s hours: remove some before lowering the limit.") % {"h": hours}
        )
    if price > budget:
        problems.append(
            _("The activities already cost %(p)s: remove a paid one before lowering the budget.")
            % {"p": format_money(price)}
        )
    if problems:
        raise ValidationFailed(" ".join(problems), code="route_limits_invalid", details=problems)
    route.max_hours, route.budget, route.copay = max_hours, budget, copay
    route.save(update_fields=["max_hours", "budget", "copay", "updated_at"])
    _event(
        route, actor, "limits_changed", _("at most %(h)s h, budget %(b)s") % {"h": max_hours, "b": format_money(budget)}
    )
    return route


def alternatives(*, actor: User, item: RouteItem, limit: int = 8) -> list[tuple[Cohort, dict[str, float]]]:
    """Cohorts that address the same deficits, for the educator's swap in a draft route."""
    route = item.route
    if route.educator.user_id != actor.pk or route.status != RouteStatus.DRAFT:
        raise NotFound(_("Not found, or you have no access to it."))
    deficits = _deficits_of(route)
    options = building.BuildOptions(
        period_start=route.period_start, period_end=route.period_end, budget=route.budget, max_hours=route.max_hours
    )
    found, meaning = building.candidates(route.educator, list(deficits.values()), options)
    wanted = set(item.coverage)
    taken = set(route.items.exclude(pk=item.pk).values_list("program_id", flat=True))
    scored = []
    seen: set[object] = set()
    for option in found:
        candidate = meaning[option.id]
        cohort = candidate.cohort  # set exactly when the kind is "cohort" (building.cohort_option)
        if candidate.kind != "cohort" or cohort is None or cohort.program_id in taken or cohort.pk == item.cohort_id:
            continue
        # one line per cohort, and one per program, dates, place and price: the same offer twice is noise
        same = (cohort.program_id, cohort.start_date, cohort.online, cohort.municipality_id, cohort.price)
        if cohort.pk in seen or same in seen:
            continue
        seen |= {cohort.pk, same}
        overlap = sum(share * deficits[c].weight for c, share in option.coverage.items() if c in wanted)
        if overlap > 0:
            scored.append((overlap, -option.price, cohort, dict(option.coverage)))
    scored.sort(key=lambda row: (-row[0], -row[1], row[2].start_date))
    return [(cohort, coverage) for _o, _p, cohort, coverage in scored[:limit]]


def summary(route: Route, *, reasons: bool = True) -> dict:
    """Coverage per goal, money and hours against the route's limits, and clashes; with
    ``reasons``, why each uncovered goal got no activity (queries per such goal)."""
    items = [i for i in route.items.all() if i.status != ItemStatus.CANCELLED]
    if "goals" in getattr(route, "_prefetched_objects_cache", {}):  # route_full loaded them
        goals = list(route.goals.all())
    else:
        goals = list(route.goals.select_related("competency__framework"))
    coverage = {g.competency.code: 0.0 for g in goals}
    done = dict(coverage)
    for item in items:
        for code, share in item.coverage.items():
            if code in coverage:
                coverage[code] += share
                if item.status == ItemStatus.ACCEPTED:
                    done[code] += share
    clashes = []
    dated = sorted(
        ((i.planned_start, i.planned_end, i) for i in items if i.exclusive and i.planned_start and i.planned_end),
        key=lambda row: row[0],
    )
    for a_index, (_a_start, a_end, a) in enumerate(dated):
        for b_start, _b_end, b in dated[a_index + 1 :]:
            if b_start <= a_end:
                clashes.append((a, b))
    uncovered = {
        g.competency.code: building.uncovered_reason(route.educator, g.competency, route.period_start, route.period_end)
        for g in goals if reasons and coverage[g.competency.code] <= 0
    }
    total_weight = sum(g.weight for g in goals) or 1.0
    covered_weight = sum(g.weight * min(1.0, coverage[g.competency.code]) for g in goals)
    return {
        "goals": [(g, min(1.0, coverage[g.competency.code]), min(1.0, done[g.competency.code])) for g in goals],
        "uncovered": uncovered,
        "price": sum(i.price for i in items),
        "hours": sum(i.hours for i in items),
        "over_budget": sum(i.price for i in items) > route.budget,
        "over_hours": sum(i.hours for i in items) > route.max_hours,
        "clashes": clashes,
        "covered_share": covered_weight / total_weight,
        "progress": sum(1 for i in items if i.status == ItemStatus.ACCEPTED) / len(items) if items else 0.0,
    }


@dataclass(frozen=True)
class Drift:
    """How the educator's deficits changed since the route was built."""

    attempt: Attempt  # the newest attempt that changed them
    new: list[building.Deficit]  # deficits the route has no goal for
    gone: list[RouteGoal]  # open goals whose deficit a re-diagnosis no longer finds
    current_share: float  # the share of the current deficit weight the route's plan covers


def deficit_drift(route: Route) -> Drift | None:
    """None while the diagnostics since the route was built agree with its goals."""
    since = route.attempt.started_at if route.attempt_id and route.attempt else route.created_at
    attempt, latest = building.results_since(route.educator, since)
    if attempt is None:
        return None
    goals = {g.competency.code: g for g in route.goals.select_related("competency")}
    new = [
        building.Deficit(competency=r.competency, weight=round(r.p_deficit, 4), theta=r.theta, level=r.level)
        for code, r in latest.items() if code not in goals and r.p_deficit >= building.DEFICIT_WEIGHT_MIN
    ]
    gone = [
        g
        for code, g in goals.items()
        if g.status == GoalStatus.OPEN and code in latest and latest[code].p_deficit < building.DEFICIT_WEIGHT_MIN
    ]
    if not new and not gone:
        return None
    state = summary(route)
    weights = {
        g.competency.code: (latest[g.competency.code].p_deficit if g.competency.code in latest else g.weight)
        for g, _p, _d in state["goals"]
    }
    weights = {code: w for code, w in weights.items() if w >= building.DEFICIT_WEIGHT_MIN}
    covered = sum(
        w * planned for g, planned, _d in state["goals"] for code, w in weights.items() if code == g.competency.code
    )
    total = sum(weights.values()) + sum(d.weight for d in new)
    return Drift(attempt=attempt, new=new, gone=gone, current_share=covered / total if total else 1.0)


@transaction.atomic
def route_rebuild(*, actor: User, route: Route) -> Route:
    """Rebuild the route for the current deficits, keeping every activity already under way
    (started, reported, done, or with an enrollment); the new plan fills what is left of the
    budget and hours. The rebuilt route is a draft for the tutor to approve again."""
    from .queries import enrolled_cohorts

    route = Route.objects.select_for_update(of=("self",)).select_related("educator__organization").get(pk=route.pk)
    _own(actor, route.educator)
    processing_require(route.educator, actor=actor)
    if route.status not in ACTIVE:
        raise Conflict(_("The route is already closed."), code="route_closed")
    drift = deficit_drift(route)
    if drift is None:
        raise Conflict(_("Your deficits have not changed since the route was built."), code="route_deficits_unchanged")
    _newest, latest = building.results_since(route.educator, None)
    current = {code: r for code, r in latest.items() if r.p_deficit >= building.DEFICIT_WEIGHT_MIN}
    enrolled = enrolled_cohorts(route.educator_id)
    items = list(route.items.all())
    dropped = [i for i in items if i.status == ItemStatus.PLANNED and i.cohort_id not in enrolled]
    kept = [i for i in items if i not in dropped and i.status != ItemStatus.CANCELLED]
    RouteItem.objects.filter(pk__in=[i.pk for i in dropped]).delete()
    kept_coverage: dict[str, float] = defaultdict(float)
    for item in kept:
        for code, share in item.coverage.items():
            kept_coverage[code] += share
    for goal in route.goals.select_related("competency"):
        code = goal.competency.code
        if goal.status != GoalStatus.OPEN:
            continue
        if code not in current and not kept_coverage.get(code):
            goal.delete()
        elif code in latest:  # the probability the diagnostics gives now, even below the threshold
            goal.weight = round(latest[code].p_deficit, 4)
            goal.save(update_fields=["weight"])
    have = set(route.goals.values_list("competency__code", flat=True))
    deficits = [
        building.Deficit(competency=r.competency, weight=round(r.p_deficit, 4), theta=r.theta, level=r.level)
        for r in current.values()
    ]
    RouteGoal.objects.bulk_create(
        [
            RouteGoal(
                route=route,
                competency=d.competency,
                weight=d.weight,
                current_level=d.level,
                current_theta=d.theta,
                target_level=building.next_level(d.competency.framework.levels, d.level),
            )
            for d in deficits
            if d.competency.code not in have
        ]
    )
    residual = [
        building.Deficit(
            competency=d.competency,
            weight=round(d.weight * (1 - min(1.0, kept_coverage.get(d.competency.code, 0.0))), 4),
            theta=d.theta,
            level=d.level,
        )
        for d in deficits
    ]
    residual = [d for d in residual if d.weight > 0.01]
    options = building.BuildOptions(
        period_start=max(timezone.localdate(), route.period_start),
        period_end=route.period_end,
        budget=max(0, route.budget - sum(i.price for i in kept)),
        max_hours=max(0, route.max_hours - sum(i.hours for i in kept)),
        formats=route.formats,
        places=route.places,
    )
    added = 0
    if residual and options.max_hours > 0 and options.period_end > options.period_start:
        found, meaning = building.candidates(route.educator, residual, options)
        taken = {i.program_id for i in kept if i.program_id}
        found = [o for o in found if not (meaning[o.id].kind == "cohort" and meaning[o.id].program_id in taken)]
        try:
            plan = plan_route(building.problem(residual, found, options))
        except PlannerError:
            plan = None
        by_code = {d.competency.code: d for d in deficits}
        for order, picked in enumerate(plan.items if plan else [], start=len(kept)):
            _add_item(route, meaning[picked.id], dict(picked.covers), by_code, order)
            added += 1
    route.attempt = drift.attempt
    route.status = RouteStatus.DRAFT
    route.save(update_fields=["attempt", "status", "updated_at"])
    _event(
        route,
        actor,
        "rebuilt",
        _("Kept %(kept)s activities under way, removed %(dropped)s not started, added %(added)s.")
        % {"kept": len(kept), "dropped": len(dropped), "added": added},
    )
    return route


# ---------------------------------------------------------------- the tutor's approval


@transaction.atomic
def route_propose(*, actor: User, route: Route, comment: str = "") -> Route:
    route = _editable(actor, route)
    if not route.items.exists():
        raise ValidationFailed(_("Add at least one activity before sending the route."), code="route_empty")
    state = summary(route)
    problems = []
    if state["over_budget"]:
        problems.append(_("The activities cost more than the route's budget."))
    if state["over_hours"]:
        problems.append(_("The activities take more hours than the route allows."))
    if state["clashes"]:
        problems.append(
            _("Two in-person activities fall on the same days: %(a)s and %(b)s.")
            % {"a": state["clashes"][0][0].title, "b": state["clashes"][0][1].title}
        )
    if problems:
        raise ValidationFailed(" ".join(problems), code="route_constraints", details=problems)
    route.status = RouteStatus.PROPOSED
    route.tutor = route.tutor or assigned_tutor(route.educator)
    route.save(update_fields=["status", "tutor", "updated_at"])
    _event(route, actor, "proposed", comment)
    if route.tutor:
        notify(
            user=route.tutor,
            title=_("%(name)s sent an individual route for approval") % {"name": route.educator.full_name},
            url=reverse("routes:route", args=[route.pk]),
        )
    return route


def _tutor_of(actor: User, route: Route) -> None:
    if is_tutor_of(actor, route):
        return
    raise PermissionDenied(_("Only the educator's tutor approves or returns the route."))


@transaction.atomic
def route_approve(*, actor: User, route: Route, comment: str = "") -> Route:
    route = Route.objects.select_for_update().select_related("educator").get(pk=route.pk)
    _tutor_of(actor, route)
    if route.status != RouteStatus.PROPOSED:
        raise Conflict(_("Only a route sent to the tutor is approved."), code="route_not_proposed")
    processing_require(route.educator, actor=actor)
    route.status = RouteStatus.APPROVED
    route.tutor = actor
    route.save(update_fields=["status", "tutor", "updated_at"])
    _event(route, actor, "approved", comment)
    if route.educator.user is not None:
        notify(
            user=route.educator.user,
            title=_("The tutor approved your individual route"),
            body=comment,
            url=reverse("routes:route", args=[route.pk]),
        )
    return route


@transaction.atomic
def route_return(*, actor: User, route: Route, comment: str) -> Route:
    route = Route.objects.select_for_update().select_related("educator").get(pk=route.pk)
    _tutor_of(actor, route)
    if route.status != RouteStatus.PROPOSED:
        raise Conflict(_("Only a route sent to the tutor is returned."), code="route_not_proposed")
    if len(comment.strip()) < 10:
        raise ValidationFailed(_("Tell the educator what to change."), code="route_comment_required")
    route.status = RouteStatus.DRAFT
    route.save(update_fields=["status", "updated_at"])
    _event(route, actor, "returned", comment.strip())
    if route.educator.user is not None:
        notify(
            user=route.educator.user,
            title=_("The tutor returned your route with comments"),
            body=comment.strip(),
            url=reverse("routes:route", args=[route.pk]),
        )
    return route


@transaction.atomic
def route_abandon(*, actor: User, route: Route, comment: str) -> Route:
    route = Route.objects.select_for_update().select_related("educator").get(pk=route.pk)
    if route.educator.user_id != actor.pk:
        _tutor_of(actor, route)
    if route.status not in ACTIVE:
        raise Conflict(_("The route is already closed."), code="route_closed")
    if len(comment.strip()) < 5:
        raise ValidationFailed(_("Say why the route is stopped."), code="route_comment_required")
    route.status = RouteStatus.ABANDONED
    route.save(update_fields=["status", "updated_at"])
    route.items.filter(status__in=[ItemStatus.PLANNED, ItemStatus.IN_PROGRESS]).update(status=ItemStatus.CANCELLED)
    _event(route, actor, "abandoned", comment.strip())
    return route


# ---------------------------------------------------------------- tracking and evidence


def _running(route: Route, actor: User) -> None:
    processing_require(route.educator, actor=actor)
    if route.status not in (RouteStatus.APPROVED, RouteStatus.IN_PROGRESS):
        raise Conflict(_("Activities are done once the tutor has approved the route."), code="route_not_approved")


@transaction.atomic
def item_start(*, actor: User, item: RouteItem) -> RouteItem:
    item = RouteItem.objects.select_for_update().select_related("route__educator").get(pk=item.pk)
    _own(actor, item.route.educator)
    _running(item.route, actor)
    if item.status != ItemStatus.PLANNED:
        raise Conflict(_("The activity has already been started."), code="item_started")
    item.status = ItemStatus.IN_PROGRESS
    item.save(update_fields=["status"])
    _mark_in_progress(item.route, actor)
    return item


def _mark_in_progress(route: Route, actor: User) -> None:
    if route.status == RouteStatus.APPROVED:
        Route.objects.filter(pk=route.pk).update(status=RouteStatus.IN_PROGRESS)
        _event(route, actor, "started")


@transaction.atomic
def evidence_submit(*, actor: User, item: RouteItem, file=None, note: str = "") -> Evidence:
    """Attach a file or a note that shows the activity was done; the tutor reviews it."""
    item = RouteItem.objects.select_for_update().select_related("route__educator").get(pk=item.pk)
    _own(actor, item.route.educator)
    _running(item.route, actor)
    if item.status in (ItemStatus.ACCEPTED, ItemStatus.CANCELLED):
        raise Conflict(_("The activity is closed."), code="item_closed")
    if file is None and not note.strip():
        raise ValidationFailed(_("Attach a file or describe the result."), code="evidence_empty")
    if len(note.strip()) > NOTE_MAX_CHARS:
        raise ValidationFailed(
            _("The note is longer than %(max)s characters.") % {"max": NOTE_MAX_CHARS}, code="evidence_note_too_long"
        )
    name = ""
    if file is not None:
        name = (getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
        extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
        if len(name) > FILE_NAME_MAX_CHARS:
            raise ValidationFailed(
                _("The file name is longer than %(max)s characters; rename the file.") % {"max": FILE_NAME_MAX_CHARS},
                code="evidence_file_name_too_long",
            )
        if extension not in EVIDENCE_TYPES:
            raise ValidationFailed(
                _("Files of this type are not accepted. Upload PDF, office documents, images, ZIP or MP4."),
                code="evidence_type",
            )
        if file.size > EVIDENCE_MAX_BYTES:
            raise ValidationFailed(_("The file is larger than 15 MB."), code="evidence_too_large")
        if file.size == 0:
            raise ValidationFailed(_("The file is empty."), code="evidence_empty")
        if not content_matches(file, extension):
            raise ValidationFailed(_("The file's content does not match its extension."), code="evidence_type")
        # Stored under a name of our own: the person's name for the file is kept in file_name,
        # so no length, character or path in it reaches the disk.
        file.name = f"{uuid.uuid4().hex}{extension}"
    evidence = Evidence.objects.create(item=item, file=file or "", file_name=name, note=note.strip(), uploaded_by=actor)
    item.status = ItemStatus.SUBMITTED
    item.save(update_fields=["status"])
    _mark_in_progress(item.route, actor)
    tutor = item.route.tutor
    if tutor:
        notify(
            user=tutor,
            title=_("%(name)s submitted evidence: %(item)s")
            % {"name": item.route.educator.full_name, "item": item.title[:120]},
            url=reverse("routes:route", args=[item.route_id]),
        )
    return evidence


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .doc, .xls, .ppt
_OOXML_MAIN = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml", ".pptx": "ppt/presentation.xml"}
_ODF_MIMETYPES = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
    ".odp": b"application/vnd.oasis.opendocument.presentation",
}
_HTML_START = re.compile(rb"\A\s*<(!doctype|html|head|body|script|svg|iframe)", re.IGNORECASE)


def content_matches(file, extension: str) -> bool:
    """Whether the bytes are what the extension says: every accepted type is checked by content."""
    head = file.read(4096)
    file.seek(0)
    if extension == ".pdf":
        return head.startswith(b"%PDF")
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension in (".doc", ".xls", ".ppt"):
        return head.startswith(_OLE2)
    if extension == ".rtf":
        return head.startswith(b"{\\rtf")
    if extension == ".mp4":
        return head[4:8] == b"ftyp"
    if extension == ".txt":
        if b"\x00" in head or _HTML_START.match(head):
            return False
        return _decodes(head)
    if extension in (".zip", *_OOXML_MAIN, *_ODF_MIMETYPES):
        return _zip_matches(file, extension)
    return False


def _decodes(head: bytes) -> bool:
    for encoding in ("utf-8", "cp1251"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if encoding == "utf-8" and exc.start >= len(head) - 3:  # a character cut by the 4 KB window
                return True
    return False


def _zip_matches(file, extension: str) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if extension in _OOXML_MAIN:
                return "[Content_Types].xml" in names and _OOXML_MAIN[extension] in names
            if extension in _ODF_MIMETYPES:
                return "mimetype" in names and archive.read("mimetype").strip() == _ODF_MIMETYPES[extension]
            return True
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError):
        return False
    finally:
        file.seek(0)


@transaction.atomic
def evidence_review(*, actor: User, evidence: Evidence, accept: bool, comment: str = "") -> Evidence:
    evidence = Evidence.objects.select_for_update().select_related("item__route__educator").get(pk=evidence.pk)
    item = evidence.item
    _tutor_of(actor, item.route)
    processing_require(item.route.educator, actor=actor)
    if evidence.accepted is not None:
        raise Conflict(_("This evidence has already been reviewed."), code="evidence_reviewed")
    if not accept and len(comment.strip()) < 5:
        raise ValidationFailed(_("Tell the educator what is missing."), code="evidence_comment_required")
    if len(comment.strip()) > COMMENT_MAX_CHARS:
        raise ValidationFailed(
            _("The comment is longer than %(max)s characters.") % {"max": COMMENT_MAX_CHARS}, code="comment_too_long"
        )
    now = timezone.now()
    evidence.accepted, evidence.review_comment, evidence.reviewed_by, evidence.reviewed_at = (
        accept,
        comment.strip(),
        actor,
        now,
    )
    evidence.save()
    item.status = ItemStatus.ACCEPTED if accept else ItemStatus.RETURNED
    item.completed_at = now if accept else None
    item.save(update_fields=["status", "completed_at"])
    _refresh_goals(item.route)
    if item.route.educator.user is not None:
        title = _("Evidence accepted: %(item)s") if accept else _("Evidence returned: %(item)s")
        notify(
            user=item.route.educator.user,
            title=title % {"item": item.title[:120]},
            body=comment.strip(),
            url=reverse("routes:route", args=[item.route_id]),
        )
    return evidence


def _refresh_goals(route: Route) -> None:
    """Goals whose every activity is done become ready for a re-diagnosis."""
    items = list(route.items.exclude(status=ItemStatus.CANCELLED))
    for goal in route.goals.filter(status=GoalStatus.OPEN).select_related("competency"):
        mine = [i for i in items if goal.competency.code in i.coverage]
        if mine and all(i.status == ItemStatus.ACCEPTED for i in mine):
            goal.status = GoalStatus.READY
            goal.save(update_fields=["status"])


# ---------------------------------------------------------------- re-diagnosis and closing the loop


@transaction.atomic
def rediagnosis_start(*, actor: User, route: Route):
    """A diagnostics of just the competencies whose activities are all done."""
    from efs.diagnostics.models import Assessment, AssessmentStatus
    from efs.diagnostics.services import attempt_start

    route = Route.objects.select_related("educator", "attempt__assessment").get(pk=route.pk)
    _own(actor, route.educator)
    codes = list(route.goals.filter(status=GoalStatus.READY).values_list("competency__code", flat=True))
    if not codes:
        raise Conflict(
            _("No goal is ready for a re-diagnosis: finish its activities first."), code="rediagnosis_not_ready"
        )
    assessment = route.attempt.assessment if route.attempt else None
    if assessment is None or assessment.status != AssessmentStatus.ACTIVE:
        goal = route.goals.first()
        assert goal is not None  # a goal is ready (`codes`)
        assessment = Assessment.objects.filter(
            framework=goal.competency.framework, status=AssessmentStatus.ACTIVE, mode="adaptive"
        ).first()
    if assessment is None:
        raise NotFound(_("There is no open diagnostics for these competencies."), code="rediagnosis_unavailable")
    return attempt_start(actor=actor, educator=route.educator, assessment=assessment, only_codes=codes)


def remeasurements_take(attempt) -> int:
    """A finished attempt's results go into the educator's running route (registered with
    diagnostics: runs in the transaction that finishes the attempt, never on a page view)."""
    ready = RouteGoal.objects.filter(
        route__educator_id=attempt.educator_id,
        route__status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS],
        status=GoalStatus.READY,
    ).values("route_id")
    return sum(record_remeasurement(route) for route in Route.objects.select_for_update().filter(pk__in=ready))


def remeasurements_record_all() -> int:
    """The daily job's pass over every running route with goals ready for a result."""
    ids = set(
        RouteGoal.objects.filter(
            route__status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS], status=GoalStatus.READY
        ).values_list("route_id", flat=True)
    )
    updated = 0
    for pk in sorted(ids):
        with transaction.atomic():
            updated += record_remeasurement(Route.objects.select_for_update().get(pk=pk))
    return updated


def record_remeasurement(route: Route) -> int:
    """Take into the route the results of diagnostics finished after its goals became
    ready. Returns how many goals got a result. Callers hold the transaction."""
    from efs.diagnostics.models import CompetencyResult

    updated = 0
    for goal in route.goals.filter(status=GoalStatus.READY).select_related("competency"):
        last_item = (
            route.items.filter(coverage__has_key=goal.competency.code, status=ItemStatus.ACCEPTED)
            .order_by("-completed_at")
            .first()
        )
        since = last_item.completed_at if last_item and last_item.completed_at else route.created_at
        result = (
            CompetencyResult.objects.filter(
                attempt__educator_id=route.educator_id,
                competency__code=goal.competency.code,
                attempt__status__in=building.FINISHED,
                attempt__started_at__gte=since,
            )
            .select_related("attempt")
            .order_by("-attempt__started_at")
            .first()
        )
        if result is None:
            continue
        goal.remeasured_attempt = result.attempt
        goal.result_theta = result.theta
        goal.result_decision = result.decision
        goal.status = (
            GoalStatus.ACHIEVED
            if result.decision == "no_deficit" or result.p_deficit < building.DEFICIT_WEIGHT_MIN
            else GoalStatus.NOT_ACHIEVED
        )
        goal.save(update_fields=["remeasured_attempt", "result_theta", "result_decision", "status"])
        updated += 1
    if updated and not route.goals.filter(status__in=[GoalStatus.OPEN, GoalStatus.READY]).exists():
        Route.objects.filter(pk=route.pk).update(status=RouteStatus.COMPLETED)
        _event(route, None, "completed", _("Every goal has been re-measured."))
    return updated


def program_effects_update() -> int:
    """The measured effect of every program on every competency it covers (docs/routes.md):

    gain of completers = θ at the re-diagnosis − θ when the route was built, for goals whose
    activities included the program; the comparison group is educators with the same
    competency as a goal, re-measured over a route that did not include the program. The
    effect is the difference of mean gains. Stored in Program.effect for the planner.
    """
    rows = (
        RouteGoal.objects.filter(result_theta__isnull=False, current_theta__isnull=False)
        .select_related("competency")
        .values_list("route_id", "competency__code", "current_theta", "result_theta")
    )
    gains: dict[tuple[int, str], float] = {
        (route_id, code): after - before
        for route_id, code, before, after in rows
        if before is not None and after is not None  # always: the query keeps the measured goals only
    }
    if not gains:
        return 0
    completed = defaultdict(list)
    for route_id, program_id, coverage in RouteItem.objects.filter(
        route_id__in={r for r, _c in gains}, status=ItemStatus.ACCEPTED, program__isnull=False
    ).values_list("route_id", "program_id", "coverage"):
        for code in coverage:
            if (route_id, code) in gains:
                completed[(program_id, code)].append(route_id)
    by_code = defaultdict(list)
    for (route_id, code), gain in gains.items():
        by_code[code].append((route_id, gain))
    effects: dict[int, dict[str, dict]] = defaultdict(dict)
    for (program_id, code), routes in completed.items():
        treated = [gains[(r, code)] for r in routes]
        control = [g for r, g in by_code[code] if r not in set(routes)]
        base = sum(control) / len(control) if control else 0.0
        effects[program_id][code] = {
            "effect": round(sum(treated) / len(treated) - base, 4),
            "n": len(treated),
            "control_n": len(control),
        }
    return program_effects_set(effects=dict(effects))


def item_effects(groups: dict[int, set[int]]) -> dict[int, dict[str, dict]]:
    """The measured effect of groups of route items, the way program effects are measured
    (program_effects_update, docs/routes.md): for each group (a practice, a source's
    activity) and each competency its accepted items covered, the mean gain (θ at the
    re-diagnosis − θ when the route was built) of the goals whose route holds such an item,
    minus the mean gain of the other goals of that competency re-measured over routes
    without one. Groups with no re-measured goal are absent from the answer."""
    ids = {i for group in groups.values() for i in group}
    items = RouteItem.objects.filter(pk__in=ids, status=ItemStatus.ACCEPTED).values_list("pk", "route_id", "coverage")
    item_rows = {pk: (route_id, coverage) for pk, route_id, coverage in items}
    if not item_rows:
        return {}
    codes = {code for _r, coverage in item_rows.values() for code in coverage}
    rows = RouteGoal.objects.filter(
        result_theta__isnull=False, current_theta__isnull=False, competency__code__in=codes
    ).values_list("route_id", "competency__code", "current_theta", "result_theta")
    by_code: dict[str, dict[int, float]] = defaultdict(dict)
    for route_id, code, before, after in rows:
        if before is not None and after is not None:  # always: the query keeps the measured goals only
            by_code[code][route_id] = after - before
    answer: dict[int, dict[str, dict]] = {}
    for group, members in groups.items():
        treated_routes: dict[str, set[int]] = defaultdict(set)
        for pk in members:
            if pk in item_rows:
                route_id, coverage = item_rows[pk]
                for code in coverage:
                    if route_id in by_code.get(code, {}):
                        treated_routes[code].add(route_id)
        effect = {}
        for code, routes in sorted(treated_routes.items()):
            treated = [by_code[code][r] for r in routes]
            control = [g for r, g in by_code[code].items() if r not in routes]
            base = sum(control) / len(control) if control else 0.0
            gain = round(sum(treated) / len(treated) - base, 4)
            effect[code] = {"effect": gain, "n": len(treated), "control_n": len(control)}
        if effect:
            answer[group] = effect
    return answer


# ---------------------------------------------------------------- reminders


def send_reminders(today: dt.date | None = None) -> int:
    """Remind educators of activities ending within three days or overdue (once each)."""
    today = today or timezone.localdate()
    sent = 0
    soon = today + dt.timedelta(days=3)
    items = RouteItem.objects.filter(
        processing_allowed_q("route__educator"),
        route__status__in=[RouteStatus.APPROVED, RouteStatus.IN_PROGRESS],
        status__in=[ItemStatus.PLANNED, ItemStatus.IN_PROGRESS, ItemStatus.RETURNED],
        planned_end__lte=soon,
    ).select_related("route__educator__user")
    for item in items:
        user = item.route.educator.user
        if user is None:
            continue
        end = cast(dt.date, item.planned_end)  # the query's planned_end__lte keeps dated items only
        overdue = end < today
        key = f"route-item-{item.pk}-{'overdue' if overdue else 'soon'}"
        title = (_("Overdue: %(item)s (until %(date)s)") if overdue else _("Due soon: %(item)s (until %(date)s)")) % {
            "item": item.title[:150],
            "date": end.strftime("%d.%m.%Y"),
        }
        sent += notify(user=user, title=title, url=reverse("routes:route", args=[item.route_id]), key=key)
    return sent



