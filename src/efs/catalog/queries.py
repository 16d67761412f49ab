"""Reads of the depository: search, «programs that close my deficits», coverage."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import TypedDict

from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone

from efs.competencies.models import Competency
from efs.people.models import Educator, Macroregion, Region

from . import search
from .models import Availability, Cohort, CohortStatus, Program, ProgramOutcome, ProgramStatus


@dataclass
class SearchFilters:
    query: str = ""
    competency: str = ""  # competency code
    region_id: int | None = None  # where the participant is: the cohort must be open to it
    form: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    max_price: int | None = None  # kopecks
    free_seats: bool = False
    audience: str = ""  # teacher / manager / student
    subject: str = ""  # subject code
    kind: str = ""


def regions_sharing(region_id: int) -> list[int]:
    """Regions that share a macroregion with `region_id` (itself included)."""
    macro = Macroregion.objects.filter(regions=region_id)
    return list(Region.objects.filter(macroregions__in=macro).values_list("pk", flat=True).distinct()) or [region_id]


def open_cohorts(region_id: int | None, *, today: dt.date | None = None) -> QuerySet[Cohort]:
    """Cohorts still taking enrollment that a participant of `region_id` may join."""
    today = today or timezone.localdate()
    qs = Cohort.objects.filter(status=CohortStatus.OPEN, enrollment_deadline__gte=today)
    if region_id:
        qs = qs.filter(
            Q(region_id=region_id)
            | Q(availability=Availability.COUNTRY)
            | Q(availability=Availability.MACROREGION, region_id__in=regions_sharing(region_id))
        )
    return qs


def _cohort_filter(filters: SearchFilters) -> QuerySet[Cohort] | None:
    if not any(
        [filters.region_id, filters.date_from, filters.date_to, filters.max_price is not None, filters.free_seats]
    ):
        return None
    qs = open_cohorts(filters.region_id)
    if filters.date_from:
        qs = qs.filter(start_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(start_date__lte=filters.date_to)
    if filters.max_price is not None:
        qs = qs.filter(price__lte=filters.max_price)
    if filters.free_seats:
        qs = qs.filter(seats_taken__lt=F("seats"))
    return qs


def _program_filters(qs: QuerySet[Program], filters: SearchFilters) -> QuerySet[Program]:
    if filters.competency:
        qs = qs.filter(outcomes__competency__code=filters.competency)
    if filters.form:
        qs = qs.filter(form=filters.form)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.audience in ("teacher", "manager", "student"):
        qs = qs.filter(**{f"for_{filters.audience}s": True})
    if filters.subject:
        qs = qs.filter(Q(subjects__code=filters.subject) | Q(subjects__isnull=True))
    return qs


def programs_search(filters: SearchFilters) -> tuple[list[int], int]:
    """Ids of published programs matching the filters, best first, and their number.

    With a text query the index gives the candidates, best first; cohort and card filters
    are then checked for those candidates only (each through its own index).
    """
    published = Program.objects.filter(status=ProgramStatus.PUBLISHED).order_by()
    cohorts = _cohort_filter(filters)
    card_filtered = _has_card_filters(filters)
    if filters.query.strip():
        ranked = search.search_ids(filters.query) or []
        if ranked and (cohorts is not None or card_filtered):
            # one statement for both filters; the ranked ids travel as one parameter
            qs = published.filter(pk__in=_id_list(ranked))
            if card_filtered:
                qs = _program_filters(qs, filters)
            if cohorts is not None:
                qs = qs.filter(pk__in=cohorts.filter(program_id__in=_id_list(ranked)).values("program_id"))
            keep = set(qs.values_list("pk", flat=True))
            ranked = [pk for pk in ranked if pk in keep]
        return ranked, len(ranked)
    qs = _program_filters(published, filters)
    if cohorts is not None:
        qs = qs.filter(pk__in=cohorts.values("program_id"))
    ids = sorted(set(qs.values_list("pk", flat=True)), reverse=True)  # newest first
    return ids, len(ids)


def _id_list(ids: list[int]) -> RawSQL:
    """A list of ids as a subquery with a single parameter (an array on PostgreSQL, JSON on
    SQLite): the ranked list is up to 2 000 ids, and per-id placeholders cost more to build
    and bind than the filter itself."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::integer[])", [list(ids)])
    return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))])


def search_suggestion(filters: SearchFilters) -> str | None:
    """«Did you mean …»: the query with its unknown words corrected, when that finds
    programs under the same filters."""
    if not filters.query.strip():
        return None
    suggestion = search.suggestion(filters.query)
    if suggestion and programs_search(replace(filters, query=suggestion))[1]:
        return suggestion
    return None


def program_summary(program: Program) -> dict:
    """What a search result shows of a program (the command line's JSON)."""
    return {
        "id": program.pk,
        "code": program.code,
        "title": program.title,
        "provider": program.provider.display_name,
        "kind": program.kind,
        "hours": program.hours,
        "form": program.form,
        "price_kopecks": program.price,
        "cohorts": [
            {
                "id": c.pk,
                "start_date": c.start_date.isoformat(),
                "end_date": c.end_date.isoformat(),
                "online": c.online,
                "seats_free": c.seats_free,
            }
            for c in getattr(program, "open_cohorts", [])
        ],
    }


def _has_card_filters(filters: SearchFilters) -> bool:
    return any([filters.competency, filters.form, filters.kind, filters.audience, filters.subject])


def programs_page(ids: list[int], *, region_id: int | None = None) -> list[Program]:
    """The programs of one page with their outcomes and the cohorts open to the region."""
    cohorts = (
        open_cohorts(region_id).order_by("start_date")
        if region_id
        else Cohort.objects.filter(status=CohortStatus.OPEN).order_by("start_date")
    )
    programs = (
        Program.objects.filter(pk__in=ids)
        .select_related("provider", "region")
        .prefetch_related(
            Prefetch("outcomes", queryset=ProgramOutcome.objects.select_related("competency")),
            Prefetch("cohorts", queryset=cohorts, to_attr="open_cohorts"),
        )
    )
    by_id = {p.pk: p for p in programs}
    return [by_id[pk] for pk in ids if pk in by_id]


# ---------------------------------------------------------------- close my deficits


@dataclass(frozen=True)
class Deficit:
    code: str
    title: str
    weight: float  # the probability of a deficit


@dataclass
class Match:
    program: Program
    score: float  # Σ weight × coverage over the deficits
    share: float  # of the total deficit weight
    covers: list[tuple[Deficit, float]] = field(default_factory=list)


def deficits_of(educator: Educator) -> list[Deficit]:
    """The educator's current deficits (diagnostics.public owns the definition), weighted by
    their probability."""
    from efs.diagnostics.public import current_deficits

    return [
        Deficit(code=d.code, title=d.title, weight=round(d.p_deficit, 3))
        for d in current_deficits(educator_id=educator.pk)
    ]


CANDIDATES = 400


class _Ranked(TypedDict):
    program_id: int
    score: float  # the deficit weight the program's outcomes cover


def programs_for_educator(educator: Educator, *, limit: int = 20) -> tuple[list[Deficit], list[Match]]:
    """The educator's current deficits and the published programs of their region, audience
    and subjects that cover them best (the «programs for me» page and endpoint)."""
    deficits = deficits_of(educator)
    matches = programs_for_deficits(
        deficits,
        region_id=educator.region_id,
        audience=educator.category,
        subjects=list(educator.subjects.values_list("code", flat=True)),
        limit=limit,
    )
    return deficits, matches


def programs_for_deficits(
    deficits: list[Deficit], *, region_id: int | None, audience: str, subjects: list[str], limit: int = 20
) -> list[Match]:
    """Published programs with open cohorts for the region, ranked by Σ weight × coverage.

    Ranking first uses only the outcomes index (competency → program); availability,
    audience and subjects are then checked for the best few hundred candidates, batch by
    batch, until `limit` programs qualify.
    """
    if not deficits:
        return []
    weights = {d.code: d.weight for d in deficits}
    competency_weight = {
        pk: weights[code]
        for pk, code in Competency.objects.filter(code__in=weights, is_leaf=True).values_list("pk", "code")
    }
    if not competency_weight:
        return []
    score = Sum(
        Case(
            *[When(competency_id=pk, then=F("weight") * Value(w)) for pk, w in competency_weight.items()],
            default=Value(0.0),
            output_field=FloatField(),
        )
    )
    ranked_all = (
        ProgramOutcome.objects.filter(competency_id__in=competency_weight)
        .values("program_id")
        .annotate(score=score)
        .order_by("-score", "program_id")
    )
    eligible = Program.objects.filter(status=ProgramStatus.PUBLISHED, **{f"for_{audience}s": True}).filter(
        Exists(open_cohorts(region_id).filter(program=OuterRef("pk")))
    )
    if subjects:
        eligible = eligible.filter(Q(subjects__code__in=subjects) | Q(subjects__isnull=True))
    else:
        eligible = eligible.filter(subjects__isnull=True)
    chosen: list[_Ranked] = []
    offset = 0
    while len(chosen) < limit:
        batch = list(ranked_all[offset : offset + CANDIDATES])
        if not batch:
            break
        ok = set(eligible.filter(pk__in=[row["program_id"] for row in batch]).values_list("pk", flat=True))
        chosen.extend(row for row in batch if row["program_id"] in ok)
        offset += CANDIDATES
    chosen = chosen[:limit]
    total = sum(weights.values())
    programs = {p.pk: p for p in programs_page([r["program_id"] for r in chosen], region_id=region_id)}
    by_code = {d.code: d for d in deficits}
    matches = []
    for row in chosen:
        program = programs[row["program_id"]]
        covers = sorted(
            ((by_code[o.competency.code], o.weight) for o in program.outcomes.all() if o.competency.code in by_code),
            key=lambda pair: -pair[0].weight * pair[1],
        )
        matches.append(
            Match(program=program, score=row["score"], share=row["score"] / total if total else 0.0, covers=covers)
        )
    return matches


# ---------------------------------------------------------------- coverage (demand map)


@dataclass(frozen=True)
class CoverageRow:
    competency: Competency
    people_with_deficit: int | None  # None when the group is too small to show
    programs: int
    seats: int


def coverage(user, *, region_id: int, roles) -> list[CoverageRow]:
    """For each diagnosed competency: people with a deficit in the user's scope, and the
    published programs (core coverage ≥ 0.5) with open cohorts and their free seats."""
    from efs.diagnostics.queries import deficit_map

    # Demand and supply of the same region: the caller's people there (none, if the region is outside their scope).
    demand = {r.competency_code: r for r in deficit_map(user, roles=roles, region_id=region_id)}
    audience_order = {"teacher": 0, "manager": 1, "student": 2}
    leaves = sorted(
        Competency.objects.filter(
            is_leaf=True, framework__status="published", framework__region__isnull=True
        ).select_related("framework"),
        key=lambda c: (audience_order.get(c.framework.audience, 9), c.order),
    )
    cohorts = open_cohorts(region_id)
    rows = []
    for competency in leaves:
        programs = Program.objects.filter(
            status=ProgramStatus.PUBLISHED, outcomes__competency__code=competency.code, outcomes__weight__gte=0.5
        ).filter(Exists(cohorts.filter(program=OuterRef("pk"))))
        seats = cohorts.filter(program__in=programs).aggregate(free=Sum(F("seats") - F("seats_taken")))["free"] or 0
        row = demand.get(competency.code)
        rows.append(
            CoverageRow(
                competency=competency,
                people_with_deficit=(row.deficit if row.shown else None) if row else 0,
                programs=programs.count(),
                seats=seats,
            )
        )
    return rows
