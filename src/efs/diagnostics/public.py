"""What other apps may use of `diagnostics` (ADR 0006), and the data elements it publishes
for monitoring: counts per organization (the educator's current one) and month; an
educator's current deficits and the latest result of one competency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from efs.periods import utc_bounds

from .models import Attempt, AttemptStatus, CompetencyResult, Decision
from .queries import FINISHED, register_profile_reader
from .services import expire_overdue, on_attempt_finished

__all__ = [
    "FINISHED",
    "AttemptStatus",
    "DEFICIT_PROBABILITY_MIN",
    "CurrentDeficit",
    "current_deficit_results",
    "current_deficit_results_of_region",
    "current_deficits",
    "educators_with_deficit",
    "element_deficit_profile",
    "element_educators_diagnosed",
    "element_educators_diagnosed_sql",
    "expire_overdue",
    "latest_result",
    "deficit_remeasurements",
    "Remeasurement",
    "on_attempt_finished",
    "register_profile_reader",
]

DIAGNOSED_WINDOW_MONTHS = 12


def element_educators_diagnosed(*, months: list[dt.date]) -> list[tuple[int, int, int]]:
    """Active educators with a finished diagnostics in the 12 months up to each month's end:
    (organization id, month index, count)."""
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        start, end = utc_bounds(month, months_back=DIAGNOSED_WINDOW_MONTHS)
        counts = (
            Attempt.objects.filter(
                status__in=FINISHED, finished_at__gte=start, finished_at__lt=end, educator__is_active=True
            )
            .values("educator__organization_id")
            .annotate(n=Count("educator_id", distinct=True))
            .order_by()
        )
        rows += [(c["educator__organization_id"], index, c["n"]) for c in counts if c["educator__organization_id"]]
    return rows


def element_deficit_profile(*, months: list[dt.date]) -> dict[str, list[tuple[int, int, int]]]:
    """The deficit profile at the last of `months` (the home pages' deficits card), by the
    educator's current organization, active educators only, from each educator's latest
    finished attempt of a framework by that month's end:

    - ``people:<competency id>``: educators whose latest attempt measured the competency;
    - ``deficit:<competency id>``: of them, those whose result is a deficit;
    - ``uncertain:<competency id>``: of them, those whose result could not be determined;
    - ``diagnosed``: educators with at least one finished result.

    Each maps to rows (organization id, month index, count), at the last month's index only:
    the card shows the profile as it is, the deficit map its history."""
    if not months:
        return {}
    index = len(months) - 1
    _start, end = utc_bounds(months[-1])
    finished = CompetencyResult.objects.filter(
        attempt__status__in=FINISHED, attempt__finished_at__lt=end, attempt__educator__is_active=True
    )
    later = Attempt.objects.filter(
        educator_id=OuterRef("attempt__educator_id"),
        assessment__framework_id=OuterRef("attempt__assessment__framework_id"),
        status__in=FINISHED,
        finished_at__lt=end,
    ).filter(
        Q(finished_at__gt=OuterRef("attempt__finished_at"))
        | Q(finished_at=OuterRef("attempt__finished_at"), pk__gt=OuterRef("attempt_id"))
    )
    out: dict[str, list[tuple[int, int, int]]] = {}
    counts = (
        finished.exclude(Exists(later))
        .values_list("attempt__educator__organization_id", "competency_id")
        .annotate(
            people=Count("id"),
            deficit=Count("id", filter=Q(decision=Decision.DEFICIT)),
            uncertain=Count("id", filter=Q(decision=Decision.UNCERTAIN)),
        )
        .order_by()
    )
    for org_id, competency_id, people, deficit, uncertain in counts:
        if not org_id:
            continue
        out.setdefault(f"people:{competency_id}", []).append((org_id, index, people))
        if deficit:
            out.setdefault(f"deficit:{competency_id}", []).append((org_id, index, deficit))
        # listed for every competency measured, even when none is undetermined: the build's
        # list of codes then tells that it counted them (the deficit map reads it, see
        # `efs.monitoring.home.deficit_profile`)
        undetermined = out.setdefault(f"uncertain:{competency_id}", [])
        if uncertain:
            undetermined.append((org_id, index, uncertain))
    diagnosed = (
        finished.values_list("attempt__educator__organization_id")
        .annotate(n=Count("attempt__educator_id", distinct=True))
        .order_by()
    )
    out["diagnosed"] = [(org_id, index, n) for org_id, n in diagnosed if org_id]
    return out
def element_educators_diagnosed_sql(months: list[dt.date]) -> tuple[str, list]:
    """`element_educators_diagnosed` as one query over all months (monitoring's build)."""
    from efs.people.public import Educator
    from efs.periods import month_table

    month_sql, month_params = month_table(months, back=DIAGNOSED_WINDOW_MONTHS)
    return (
        "SELECT e.organization_id AS org, m.idx AS idx, COUNT(DISTINCT a.educator_id) AS value "
        f"FROM {Attempt._meta.db_table} a JOIN {Educator._meta.db_table} e ON e.id = a.educator_id "
        f"JOIN {month_sql} m ON a.finished_at >= m.back_at AND a.finished_at < m.end_at "
        "WHERE a.status IN (%s, %s) AND e.is_active = %s AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*month_params, *(status.value for status in FINISHED), True],
    )


# The one deficit threshold: a competency whose P(deficit) is at least this is one of the
# educator's current deficits (routes build from them, the catalog ranks programs by them).
DEFICIT_PROBABILITY_MIN = 0.5


@dataclass(frozen=True)
class CurrentDeficit:
    competency_id: int
    code: str
    title: str
    p_deficit: float
    measured_at: dt.datetime | None  # the end of the attempt


def _finished_with_results():
    return Attempt.objects.filter(status__in=FINISHED).filter(
        Exists(CompetencyResult.objects.filter(attempt=OuterRef("pk")))
    )


def current_deficit_results(*, educator_id: int) -> tuple[Attempt | None, list[CompetencyResult]]:
    """An educator's current deficits, the one definition: the results of their latest finished
    attempt (that has results) with P(deficit) ≥ DEFICIT_PROBABILITY_MIN, most likely first, with
    that attempt. The rows carry their competency and its framework."""
    attempt = (
        _finished_with_results().filter(educator_id=educator_id).order_by("-finished_at", "-started_at").first()
    )
    if attempt is None:
        return None, []
    rows = (
        CompetencyResult.objects.filter(attempt=attempt, p_deficit__gte=DEFICIT_PROBABILITY_MIN)
        .select_related("competency__framework")
        .order_by("-p_deficit")
    )
    return attempt, list(rows)


def current_deficit_results_of_region(
    *, region_id: int, chunk: int = 500
) -> dict[int, tuple[int, list[CompetencyResult]]]:
    """`current_deficit_results` for every educator of a region in a few queries: educator id ->
    (attempt id, rows); educators whose latest attempt found no deficit are left out."""
    latest: dict[int, int] = {}
    attempts = (
        _finished_with_results()
        .filter(educator__region_id=region_id)
        .order_by("educator_id", "-finished_at", "-started_at")
    )
    for attempt_id, educator_id in attempts.values_list("pk", "educator_id").iterator(chunk_size=5000):
        latest.setdefault(educator_id, attempt_id)
    by_attempt: dict[int, list[CompetencyResult]] = {}
    ids = list(latest.values())
    for start in range(0, len(ids), chunk):
        rows = (
            CompetencyResult.objects.filter(
                attempt_id__in=ids[start : start + chunk], p_deficit__gte=DEFICIT_PROBABILITY_MIN
            )
            .select_related("competency__framework")
            .order_by("attempt_id", "-p_deficit")
        )
        for row in rows:
            by_attempt.setdefault(row.attempt_id, []).append(row)
    return {
        educator_id: (attempt_id, by_attempt[attempt_id])
        for educator_id, attempt_id in latest.items()
        if attempt_id in by_attempt
    }


def current_deficits(*, educator_id: int) -> list[CurrentDeficit]:
    """An educator's current deficits (see `current_deficit_results`), most likely first."""
    attempt, rows = current_deficit_results(educator_id=educator_id)
    if attempt is None:
        return []
    return [
        CurrentDeficit(r.competency_id, r.competency.code, r.competency.title, r.p_deficit, attempt.finished_at)
        for r in rows
    ]


def latest_result(*, educator_id: int, competency_id: int) -> CurrentDeficit | None:
    """The competency's result in the educator's latest finished attempt that measured it."""
    row = (
        CompetencyResult.objects.filter(
            attempt__educator_id=educator_id, attempt__status__in=FINISHED, competency_id=competency_id
        )
        .select_related("competency", "attempt")
        .order_by("-attempt__finished_at", "-attempt__started_at")
        .first()
    )
    if row is None:
        return None
    return CurrentDeficit(
        row.competency_id, row.competency.code, row.competency.title, row.p_deficit, row.attempt.finished_at
    )


def educators_with_deficit(*, region_id: int, educator_ids: set[int]) -> set[int]:
    """Those of the educators whose latest finished attempt found at least one decided deficit
    (Decision.DEFICIT, the confident verdict; stricter than `current_deficits`' threshold)."""
    from .models import CompetencyResult, Decision

    latest: dict[int, int] = {}
    with_deficit: set[int] = set()
    rows = (
        CompetencyResult.objects.filter(
            region_id=region_id, attempt__educator_id__in=educator_ids, attempt__status__in=FINISHED
        )
        .values_list("attempt__educator_id", "attempt_id", "decision")
        .order_by("attempt__educator_id", "-attempt__finished_at", "-attempt_id")
    )
    for educator, attempt, decision in rows.iterator():
        if latest.setdefault(educator, attempt) == attempt and decision == Decision.DEFICIT:
            with_deficit.add(educator)
    return with_deficit


@dataclass(frozen=True)
class Remeasurement:
    """A deficit measured (P ≥ 0.5) and the next finished measurement of that competency."""

    educator_id: int
    competency_id: int
    before_at: dt.datetime
    before_p: float
    after_at: dt.datetime
    after_p: float

    @property
    def closed(self) -> bool:
        return self.after_p < DEFICIT_PROBABILITY_MIN


def deficit_remeasurements(*, region_id: int):
    """Every measured deficit of the region's educators that was measured again later: pairs
    of consecutive finished results of one competency, the first a deficit. A generator
    over one query (for the daily measures of what worked)."""
    rows = (
        CompetencyResult.objects.filter(
            region_id=region_id, attempt__status__in=FINISHED, attempt__finished_at__isnull=False
        )
        .values_list("attempt__educator_id", "competency_id", "attempt__finished_at", "p_deficit")
        .order_by("attempt__educator_id", "competency_id", "attempt__finished_at", "attempt_id")
    )
    previous: tuple[int, int, dt.datetime, float] | None = None
    for educator_id, competency_id, at, p in rows.iterator(chunk_size=5000):
        assert at is not None  # filtered attempt__finished_at__isnull=False
        if (
            previous
            and previous[0] == educator_id
            and previous[1] == competency_id
            and previous[3] >= DEFICIT_PROBABILITY_MIN
            and at > previous[2]
        ):
            yield Remeasurement(educator_id, competency_id, previous[2], previous[3], at, p)
        previous = (educator_id, competency_id, at, p)
