"""The workforce app's surface for other apps (monitoring, coordination, demo).

Other apps call these functions, never the models for writes. Indicators are the
published figures (vacancy rate, projected gap, share aged 60+) of a region's latest
base forecast, per municipality, so monitoring can scope them like everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from efs.people.public import Region

from .models import ForecastCell, RiskScore
from .queries import latest_run
from .services import (
    HoldingRow,
    PostRow,
    contracts_load,
    demand_load,
    federal_curriculum_load,
    forecast_run,
    leave_rates_load,
    registry_load,
    scenario_create,
    weekly_hours,
)

__all__ = [
    "HoldingRow",
    "MunicipalIndicators",
    "PostRow",
    "contracts_load",
    "demand_load",
    "federal_curriculum_load",
    "forecast_run",
    "indicators",
    "leave_rates_load",
    "registry_load",
    "scenario_create",
    "element_post_fte",
    "element_post_fte_sql",
    "element_post_holders",
    "element_post_holders_60",
    "element_post_holders_60_sql",
    "element_post_holders_sql",
    "element_projected_gap_fte",
    "element_vacant_fte",
    "element_vacant_fte_sql",
    "weekly_hours",
]


@dataclass(frozen=True)
class MunicipalIndicators:
    municipality_id: int
    vacancy_rate: float  # mean over subjects of vacant FTE ÷ post FTE, now
    projected_gap_fte: float  # demand − supply + hidden shortage, 5 years ahead (or the horizon)
    aged_60_share: float  # mean over subjects of the FTE share of holders aged 60+, now


def indicators(region: Region) -> list[MunicipalIndicators]:
    """The region's indicators per municipality from its latest base forecast ([] if none)."""
    run = latest_run(region)
    if run is None:
        return []
    year = run.base_year + min(5, run.years)
    gaps = {
        row["municipality_id"]: (row["d"] or 0.0) - (row["s"] or 0.0) + (row["h"] or 0.0)
        for row in ForecastCell.objects.filter(run=run, year=year)
        .values("municipality_id")
        .annotate(d=Sum("demand"), s=Sum("supply"), h=Sum("hidden"))
    }
    parts: dict[int, list[RiskScore]] = {}
    for risk in RiskScore.objects.filter(run=run):
        parts.setdefault(risk.municipality_id, []).append(risk)
    return [
        MunicipalIndicators(
            municipality_id=municipality,
            vacancy_rate=sum(r.vacancy for r in scores) / len(scores),
            projected_gap_fte=gaps.get(municipality, 0.0),
            aged_60_share=sum(r.aged_60 for r in scores) / len(scores),
        )
        for municipality, scores in sorted(parts.items())
    ]


# ---------------------------------------------------------------- data elements for monitoring
# Counts per organization and month, read on the month's last day (stock elements):
# FTE in hundredths, so that «vacancy rate = vacant ÷ posts» and «share aged 60+ =
# holders 60+ ÷ holders» are formulas over elements.


def _month_ends(months: list) -> list:
    import datetime as dt

    from efs.periods import next_month

    return [next_month(month) - dt.timedelta(days=1) for month in months]


def _open_on(rows, day, start: str, end: str):
    return rows.filter(**{f"{start}__lte": day}).exclude(**{f"{end}__lte": day})


def element_post_fte(*, months: list) -> list[tuple[int, int, int]]:
    """FTE of open posts ×100: (organization id, month index, hundredths)."""
    from .models import Post

    rows: list[tuple[int, int, int]] = []
    for index, day in enumerate(_month_ends(months)):
        totals = (
            _open_on(Post.objects.all(), day, "opened_on", "closed_on")
            .values("organization_id")
            .annotate(f=Sum("fte"))
            .order_by()
        )
        rows += [(t["organization_id"], index, int(round(t["f"] * 100))) for t in totals if t["f"]]
    return rows


def element_vacant_fte(*, months: list) -> list[tuple[int, int, int]]:
    """FTE of open posts that nobody holds ×100: (organization id, month index, hundredths).
    One grouped query a month (a post's held FTE summed in the database, not in Python: a
    country's registry has a million posts)."""
    from django.db import connection

    from .models import Assignment, Post

    sql = (
        "SELECT p.organization_id, SUM(CASE WHEN p.fte - COALESCE(h.held, 0) > 0 "
        "THEN p.fte - COALESCE(h.held, 0) ELSE 0 END) "
        f"FROM {Post._meta.db_table} p LEFT JOIN (SELECT post_id, SUM(fte) AS held "
        f"FROM {Assignment._meta.db_table} WHERE started_on <= %s AND (ended_on IS NULL OR ended_on > %s) "
        "GROUP BY post_id) h ON h.post_id = p.id "
        "WHERE p.opened_on <= %s AND (p.closed_on IS NULL OR p.closed_on > %s) GROUP BY p.organization_id"
    )
    rows: list[tuple[int, int, int]] = []
    with connection.cursor() as cursor:
        for index, day in enumerate(_month_ends(months)):
            cursor.execute(sql, [day, day, day, day])
            for organization, vacant in cursor.fetchall():
                hundredths = int(round(float(vacant or 0) * 100))
                if hundredths > 0:
                    rows.append((organization, index, hundredths))
    return rows


def _years_before(day, years: int):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _holders(months: list, *, min_age: int | None) -> list[tuple[int, int, int]]:
    from django.db.models import Count

    from .models import Assignment

    rows: list[tuple[int, int, int]] = []
    for index, day in enumerate(_month_ends(months)):
        open_then = _open_on(Assignment.objects.all(), day, "started_on", "ended_on")
        if min_age is not None:  # aged min_age or more on that day (a birth date is known)
            open_then = open_then.filter(educator__birth_date__lte=_years_before(day, min_age))
        counts = open_then.values("post__organization_id").annotate(n=Count("educator_id", distinct=True)).order_by()
        rows += [(c["post__organization_id"], index, c["n"]) for c in counts if c["n"]]
    return rows


def element_post_holders(*, months: list) -> list[tuple[int, int, int]]:
    """People holding a post: (organization id, month index, count)."""
    return _holders(months, min_age=None)


def element_post_holders_60(*, months: list) -> list[tuple[int, int, int]]:
    """People aged 60 or more holding a post: (organization id, month index, count)."""
    return _holders(months, min_age=60)


# The same elements as one query each over all months (monitoring's build runs them inside
# an INSERT … SELECT): rows of ``org, idx, value``; see `efs.periods.month_table`. A post or
# an assignment is open at a month's last day as `_open_on` says.


def element_post_fte_sql(months: list) -> tuple[str, list]:
    from efs.periods import month_table

    from .models import Post

    month_sql, month_params = month_table(months)
    return (
        "SELECT p.organization_id AS org, m.idx AS idx, CAST(ROUND(SUM(p.fte) * 100) AS INTEGER) AS value "
        f"FROM {Post._meta.db_table} p "
        f"JOIN {month_sql} m ON p.opened_on <= m.last_day AND (p.closed_on IS NULL OR p.closed_on > m.last_day) "
        "GROUP BY 1, 2",
        month_params,
    )


def element_vacant_fte_sql(months: list) -> tuple[str, list]:
    """A post's FTE not held at the month's last day, summed per organization, without a
    group-by per post and month (a country has a million posts × 24 months): for a post,
    max(0, fte − held) = (fte − held) + max(0, held − fte). The first part sums per
    organization straight from the posts and the assignments open at the day; the second is
    computed post by post only for the few posts whose assignments ever add up to more than
    the post (only they can be held beyond their FTE)."""
    from efs.periods import month_table

    from .models import Assignment, Post

    month_sql, month_params = month_table(months)
    posts, assignments = Post._meta.db_table, Assignment._meta.db_table
    post_open = "p.opened_on <= m.last_day AND (p.closed_on IS NULL OR p.closed_on > m.last_day)"
    held_open = "a.started_on <= m.last_day AND (a.ended_on IS NULL OR a.ended_on > m.last_day)"
    return (
        "SELECT x.org AS org, x.idx AS idx, CAST(ROUND(SUM(x.v) * 100) AS INTEGER) AS value FROM ("
        f"SELECT p.organization_id AS org, m.idx AS idx, p.fte AS v FROM {posts} p JOIN {month_sql} m ON {post_open} "
        f"UNION ALL SELECT p.organization_id, m.idx, -a.fte FROM {assignments} a "
        f"JOIN {posts} p ON p.id = a.post_id JOIN {month_sql} m ON {post_open} AND {held_open} "
        "UNION ALL SELECT o.org, o.idx, o.held - o.fte FROM ("
        "SELECT p.organization_id AS org, m.idx AS idx, p.fte AS fte, SUM(a.fte) AS held "
        f"FROM {posts} p JOIN {assignments} a ON a.post_id = p.id JOIN {month_sql} m ON {post_open} AND {held_open} "
        f"WHERE p.id IN (SELECT a2.post_id FROM {assignments} a2 JOIN {posts} p2 ON p2.id = a2.post_id "
        "GROUP BY a2.post_id, p2.fte HAVING SUM(a2.fte) > p2.fte) "
        "GROUP BY p.id, p.organization_id, p.fte, m.idx) o WHERE o.held > o.fte"
        ") x GROUP BY x.org, x.idx",
        [*month_params, *month_params, *month_params],
    )


def _holders_sql(months: list, *, min_age: int | None) -> tuple[str, list]:
    from django.db import connection

    from efs.people.public import Educator
    from efs.periods import month_table

    from .models import Assignment, Post

    born_by = [connection.ops.adapt_datefield_value(_years_before(day, min_age or 0)) for day in _month_ends(months)]
    month_sql, month_params = month_table(months, extra={"born_by": born_by})
    age = ""
    if min_age is not None:
        age = f"JOIN {Educator._meta.db_table} e ON e.id = a.educator_id AND e.birth_date <= m.born_by "
    return (
        "SELECT p.organization_id AS org, m.idx AS idx, COUNT(DISTINCT a.educator_id) AS value "
        f"FROM {Assignment._meta.db_table} a JOIN {Post._meta.db_table} p ON p.id = a.post_id "
        f"JOIN {month_sql} m ON a.started_on <= m.last_day AND (a.ended_on IS NULL OR a.ended_on > m.last_day) "
        f"{age}GROUP BY 1, 2",
        month_params,
    )


def element_post_holders_sql(months: list) -> tuple[str, list]:
    return _holders_sql(months, min_age=None)


def element_post_holders_60_sql(months: list) -> tuple[str, list]:
    return _holders_sql(months, min_age=60)


# The projected gap is a figure of a municipality × subject (the forecast's unit); as an
# element it is shared over the municipality's schools in proportion to each school's demand
# in the subject in that year, so that a municipality's and a region's sums are the
# forecast's own figures.


def _gap_rows(run) -> dict[int, int]:
    """A run's positive total gap per (municipality, subject) at its risk horizon, shared
    over the schools: organization id -> hundredths of FTE."""
    import numpy as np

    from .forecasting import TEACHING_HOURS_PER_FTE, curriculum, projected_classes
    from .services import RISK_HORIZON

    step = min(RISK_HORIZON, run.years)
    shortage = {
        (m, s): gap
        for m, s, gap in (
            (row.municipality_id, row.subject_id, row.demand - row.supply + row.hidden)
            for row in ForecastCell.objects.filter(run=run, year=run.base_year + step).only(
                "municipality_id", "subject_id", "demand", "supply", "hidden"
            )
        )
        if gap > 0
    }
    if not shortage:
        return {}
    hours = curriculum(run.region_id)
    classes = projected_classes(run.region_id, run.base_year, step)
    schools: dict[int, list[tuple[int, np.ndarray]]] = {}
    for (organization, municipality), per_year in classes.items():
        schools.setdefault(municipality, []).append((organization, per_year[step]))
    values: dict[int, float] = {}
    for (municipality, subject), gap in shortage.items():
        here = schools.get(municipality, [])
        if not here:
            continue  # no school to carry it (the municipality has no classes at all)
        weekly = np.array([0.0] + [hours.get((subject, grade), 0.0) for grade in range(1, 12)])
        weights = [float(grades @ weekly) / TEACHING_HOURS_PER_FTE for _, grades in here]
        total = sum(weights)
        if total <= 0:  # no demand left in the subject there: shared equally
            weights, total = [1.0] * len(here), float(len(here))
        for (organization, _), weight in zip(here, weights, strict=True):
            values[organization] = values.get(organization, 0.0) + gap * weight / total
    return {organization: int(round(v * 100)) for organization, v in values.items() if round(v * 100)}


def element_projected_gap_fte(*, months: list) -> list[tuple[int, int, int]]:
    """The projected shortage ×100 five years ahead (or at the horizon) of the latest base
    forecast made by the month's end: per municipality × subject, demand − supply + hidden
    shortage where positive, shared over the schools by their demand in the subject that year.
    (organization id, month index, hundredths)."""
    import datetime as dt

    from django.utils import timezone

    from efs.periods import next_month

    from .models import ForecastRun

    runs = list(ForecastRun.objects.filter(scenario__isnull=True).order_by("region_id", "created_at", "pk"))
    cache: dict[int, dict[int, int]] = {}
    rows: list[tuple[int, int, int]] = []
    for index, month in enumerate(months):
        until = timezone.make_aware(dt.datetime.combine(next_month(month), dt.time.min), dt.UTC)
        latest: dict[int, ForecastRun] = {}
        for run in runs:
            if run.created_at < until:
                latest[run.region_id] = run  # runs are in order of creation
        for run in latest.values():
            if run.pk not in cache:
                cache[run.pk] = _gap_rows(run)
            rows += [(organization, index, value) for organization, value in cache[run.pk].items()]
    return rows
