"""From deficits and the depository to a planner problem, and from a plan to route rows.

Pure assembly, no writes: `services` stores what this module proposes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from django.db.models import F, Prefetch
from django.utils.translation import gettext as _

from efs.catalog.models import Cohort, CohortStatus, Program, ProgramOutcome, ProgramStatus
from efs.catalog.queries import open_cohorts
from efs.competencies.models import Competency
from efs.diagnostics.models import Attempt, CompetencyResult
from efs.diagnostics.public import (
    DEFICIT_PROBABILITY_MIN,
    FINISHED,
    current_deficit_results,
    current_deficit_results_of_region,
)
from efs.people.models import Educator
from efs.planner import Option, Preferences, RouteProblem

from . import registry

ACTIVITIES = json.loads((Path(__file__).resolve().parent / "data" / "activities.json").read_text(encoding="utf-8"))
DEFICIT_WEIGHT_MIN = DEFICIT_PROBABILITY_MIN  # a competency enters the route when it is a current deficit
# Measured effects shrink toward the declared coverage: N0 pseudo-completers, and a gain
# of REFERENCE_GAIN (in ability units) counts as the declared coverage delivered.
EFFECT_PRIOR_N = 20
REFERENCE_GAIN = 0.5


@dataclass(frozen=True)
class Deficit:
    competency: Competency
    weight: float  # probability of the deficit
    theta: float
    level: str


@dataclass
class BuildOptions:
    period_start: dt.date
    period_end: dt.date
    budget: int  # kopecks
    max_hours: int
    formats: Sequence[str] = field(default_factory=list)  # "online", "in_person"; empty: any
    places: list[int] = field(default_factory=list)  # municipality ids; empty: any
    copay: int = 0  # kopecks the educator declares to pay above the certificate


@dataclass(frozen=True)
class Picked:
    """An option chosen for a route and the coverage it brings to the route's deficits."""

    id: str
    covers: dict[str, float]


@dataclass(frozen=True)
class Candidate:
    """What an option id stands for."""

    kind: str
    cohort: Cohort | None = None
    activity: dict | None = None
    competency: Competency | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    sourced: registry.SourceCandidate | None = None  # from a registered item source

    @property
    def program_id(self) -> int | None:
        """The program of a cohort option (None for an activity)."""
        return self.cohort.program_id if self.cohort is not None else None


def _deficits(results) -> list[Deficit]:
    return [
        Deficit(competency=r.competency, weight=round(r.p_deficit, 4), theta=r.theta, level=r.level) for r in results
    ]


def cohort_option(cohort: Cohort, program: Program, coverage: dict[str, float], **extra) -> tuple[Option, Candidate]:
    """A cohort as the planner's option (``extra``: the place, the seats, the audience), and what
    the option stands for. One educator's route and the regional plan both build them so."""
    option = Option(
        id=f"c{cohort.pk}",
        program=f"p{program.pk}",
        coverage=coverage,
        hours=program.hours,
        price=cohort.price,
        start=cohort.start_date,
        end=cohort.end_date,
        exclusive=not cohort.online,
        format="online" if cohort.online else "in_person",
        **extra,
    )
    return option, Candidate(kind="cohort", cohort=cohort, start=cohort.start_date, end=cohort.end_date)


def latest_deficits(educator: Educator) -> tuple[Attempt | None, list[Deficit]]:
    """The educator's current deficits (diagnostics.public owns the definition) as the route's."""
    attempt, rows = current_deficit_results(educator_id=educator.pk)
    return attempt, _deficits(rows)


def results_since(educator: Educator, since: dt.datetime | None) -> tuple[Attempt | None, dict[str, CompetencyResult]]:
    """Per competency code, the educator's latest result measured after `since` (all when
    None), and the latest attempt among them: what re-diagnoses say now."""
    rows = CompetencyResult.objects.filter(attempt__educator=educator, attempt__status__in=FINISHED).select_related(
        "competency__framework", "attempt"
    )
    if since is not None:
        rows = rows.filter(attempt__started_at__gt=since)
    latest: dict[str, CompetencyResult] = {}
    for row in rows.order_by("-attempt__started_at", "pk"):
        latest.setdefault(row.competency.code, row)
    newest = max((r.attempt for r in latest.values()), key=lambda a: a.started_at, default=None)
    return newest, latest


def latest_deficits_of_region(region_id: int, chunk: int = 500) -> dict[int, tuple[int, list[Deficit]]]:
    """`latest_deficits` for every educator of a region in a few queries: educator id ->
    (attempt id, deficits); educators whose latest attempt found nothing are left out."""
    return {
        educator_id: (attempt_id, _deficits(rows))
        for educator_id, (attempt_id, rows) in current_deficit_results_of_region(
            region_id=region_id, chunk=chunk
        ).items()
    }


def effect_multiplier(program: Program, code: str) -> float:
    """How much of its declared coverage a program delivered, by its completers' measured gain."""
    measured = (program.effect or {}).get(code)
    if not measured or not measured.get("n"):
        return 1.0
    n = measured["n"]
    ratio = max(0.0, measured["effect"] / REFERENCE_GAIN)
    return max(0.25, min(1.5, (n * ratio + EFFECT_PRIOR_N * 1.0) / (n + EFFECT_PRIOR_N)))


def candidates(
    educator: Educator, deficits: list[Deficit], options: BuildOptions
) -> tuple[list[Option], dict[str, Candidate]]:
    codes = {d.competency.code for d in deficits}
    by_code = {d.competency.code: d for d in deficits}
    found: list[Option] = []
    meaning: dict[str, Candidate] = {}
    cohorts = (
        open_cohorts(educator.region_id, today=options.period_start)
        .filter(
            start_date__gte=options.period_start,
            end_date__lte=options.period_end,
            program__status=ProgramStatus.PUBLISHED,
            program__outcomes__competency__code__in=codes,
            **{f"program__for_{educator.category}s": True},
        )
        .exclude(status=CohortStatus.CANCELLED)
        .select_related("program", "municipality")
        .prefetch_related(
            Prefetch("program__outcomes", queryset=ProgramOutcome.objects.select_related("competency")),
            "program__subjects",
        )
        .distinct()
    )
    taught = set(educator.subjects.values_list("code", flat=True))
    for cohort in cohorts:
        program = cohort.program
        restricted = {s.code for s in program.subjects.all()}
        if restricted and not restricted & taught:
            continue
        if cohort.seats_taken >= cohort.seats:
            continue
        coverage = {}
        for outcome in program.outcomes.all():
            code = outcome.competency.code
            if code in codes:
                coverage[code] = round(min(1.0, outcome.weight * effect_multiplier(program, code)), 4)
        if not coverage:
            continue
        option, meaning[f"c{cohort.pk}"] = cohort_option(
            cohort, program, coverage, place=None if cohort.online else str(cohort.municipality_id)
        )
        found.append(option)
    span = max(1, (options.period_end - options.period_start).days)
    for index, deficit in enumerate(deficits):
        for activity in ACTIVITIES:
            start = options.period_start + dt.timedelta(days=min(span - 1, 20 + index * 9))
            end = min(options.period_end, start + dt.timedelta(days=activity["duration_days"] - 1))
            key = f"a-{activity['kind']}-{deficit.competency.code}"
            found.append(
                Option(
                    id=key,
                    program=key,
                    coverage={deficit.competency.code: activity["coverage"]},
                    hours=activity["hours"],
                    price=0,
                    start=start,
                    end=end,
                    exclusive=activity["exclusive"],
                    kind=activity["kind"],
                    format="in_person" if activity["exclusive"] else "online",
                    place=str(educator.organization.municipality_id)
                    if activity["exclusive"] and educator.organization and educator.organization.municipality_id
                    else None,
                )
            )
            meaning[key] = Candidate(
                kind=activity["kind"],
                activity=activity,
                competency=by_code[deficit.competency.code].competency,
                start=start,
                end=end,
            )
    _source_candidates(educator, deficits, options, found, meaning)
    return found, meaning


def source_query(educator: Educator, deficits: list[Deficit], options: BuildOptions) -> registry.SourceQuery:
    return registry.SourceQuery(
        educator_id=educator.pk,
        region_id=educator.region_id,
        organization_id=educator.organization_id,
        subject_codes=frozenset(educator.subjects.values_list("code", flat=True)),
        deficits={d.competency.code: d.weight for d in deficits},
        period_start=options.period_start,
        period_end=options.period_end,
    )


def _source_candidates(
    educator: Educator,
    deficits: list[Deficit],
    options: BuildOptions,
    found: list[Option],
    meaning: dict[str, Candidate],
) -> None:
    """The activities registered item sources propose (routes.registry), free of charge."""
    sources = registry.item_sources()
    if not sources:
        return
    query = source_query(educator, deficits, options)
    span = max(1, (options.period_end - options.period_start).days)
    org = educator.organization
    home = str(org.municipality_id) if org and org.municipality_id else None
    for source in sources:
        for number, sourced in enumerate(source.candidates(query)[: source.limit]):
            coverage = {
                code: round(min(1.0, share), 4)
                for code, share in sourced.coverage.items()
                if code in query.deficits and share > 0
            }
            if not coverage:
                continue
            start = options.period_start + dt.timedelta(days=min(span - 1, 14 + number * 7))
            end = min(options.period_end, start + dt.timedelta(days=max(1, sourced.duration_days) - 1))
            key = f"s-{source.kind}-{sourced.key}"
            found.append(
                Option(
                    id=key,
                    program=key,
                    coverage=coverage,
                    hours=sourced.hours,
                    price=0,
                    start=start,
                    end=end,
                    exclusive=sourced.exclusive,
                    kind=source.kind,
                    format="in_person" if sourced.exclusive else "online",
                    place=home if sourced.exclusive else None,
                )
            )
            meaning[key] = Candidate(kind=source.kind, start=start, end=end, sourced=sourced)


def problem(deficits: list[Deficit], found: list[Option], options: BuildOptions) -> RouteProblem:
    return RouteProblem(
        budget=options.budget,
        max_hours=options.max_hours,
        deficits={d.competency.code: d.weight for d in deficits},
        options=found,
        preferences=Preferences(
            formats=frozenset(options.formats) if options.formats else None,
            places=frozenset(str(p) for p in options.places) if options.places else None,
        ),
    )


def reason(candidate: Candidate, covers: dict[str, float], deficits: dict[str, Deficit]) -> str:
    """Why the item is in the route, in plain Russian."""
    parts = []
    for code, share in sorted(covers.items(), key=lambda pair: -pair[1]):
        deficit = deficits.get(code)
        if deficit is None:
            continue
        parts.append(
            _("closes the deficit «%(title)s» by %(share)s %% (probability of the deficit %(p)s %%)")
            % {"title": deficit.competency.title, "share": round(share * 100), "p": round(deficit.weight * 100)}
        )
    text = "; ".join(parts)
    if candidate.sourced is not None and candidate.sourced.reason:
        text = f"{text}; {candidate.sourced.reason}" if text else candidate.sourced.reason
    if candidate.kind == "cohort":
        cohort = cast(Cohort, candidate.cohort)  # cohort_option gives every "cohort" candidate its cohort
        where = _("online") if cohort.online else (cohort.municipality.name if cohort.municipality else "")
        price = (
            _("free of charge")
            if cohort.price == 0
            else _("%(rub)s ₽ from the budget") % {"rub": f"{cohort.price // 100:,}".replace(",", "\u202f")}
        )
        return _("%(why)s. %(where)s, %(start)s–%(end)s, %(price)s.") % {
            "why": text[:1].upper() + text[1:],
            "where": str(where).capitalize(),
            "start": cohort.start_date.strftime("%d.%m.%Y"),
            "end": cohort.end_date.strftime("%d.%m.%Y"),
            "price": price,
        }
    return _("%(why)s. Free of charge; fits the route's hours.") % {"why": text[:1].upper() + text[1:]}


def next_level(framework_levels: list[dict], current: str) -> str:
    codes = [level["code"] for level in framework_levels]
    if current not in codes:
        return codes[min(1, len(codes) - 1)]
    return codes[min(codes.index(current) + 1, len(codes) - 1)]


def uncovered_reason(educator: Educator, competency: Competency, start: dt.date, end: dt.date) -> str:
    """Why a deficit of the route got no activity at all, in plain Russian."""
    title = {"title": competency.title}
    programs = Program.objects.filter(status=ProgramStatus.PUBLISHED, outcomes__competency__code=competency.code)
    if not programs.exists():
        return (
            _("The depository has no program that closes «%(title)s»; ask the tutor for a practice or an internship.")
            % title
        )
    cohorts = (
        open_cohorts(educator.region_id, today=start)
        .filter(program__in=programs)
        .exclude(status=CohortStatus.CANCELLED)
    )
    in_dates = cohorts.filter(start_date__gte=start, end_date__lte=end)
    if not in_dates.exists():
        return _(
            "The depository has programs on «%(title)s», but none has a cohort open to you in your dates "
            "(%(start)s–%(end)s)."
        ) % {
            **title,
            "start": start.strftime("%d.%m.%Y"),
            "end": end.strftime("%d.%m.%Y"),
        }
    for_me = in_dates.filter(**{f"program__for_{educator.category}s": True})
    if not for_me.exists():
        return _("The cohorts on «%(title)s» in your dates are not meant for your category.") % title
    if not for_me.filter(seats_taken__lt=F("seats")).exists():
        return _("Every cohort on «%(title)s» in your dates is full.") % title
    return (
        _(
            "The cohorts on «%(title)s» in your dates, and the free activities on it, do not fit the route's budget, "
            "hours or formats."
        )
        % title
    )
