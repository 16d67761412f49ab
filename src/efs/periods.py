"""Calendar months as the analytics see them: `YYYY-MM`, first-of-month dates, UTC bounds.

Monitoring's facts are per organization × month. Months are calendar months in UTC: an
event at 01:00 on the 1st in Krasnoyarsk (UTC+7) counts in the previous month. The shift
is at most a few hours at a month's edge; docs/monitoring.md states it.
"""

from __future__ import annotations

import datetime as dt


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every first-of-month from `first`'s month to `last`'s month, inclusive."""
    out, month = [], month_start(first)
    while month <= last:
        out.append(month)
        month = next_month(month)
    return out


def utc_bounds(month: dt.date, *, months_back: int = 1) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC of the `months_back` months that end with `month` (1: the month itself)."""
    end = dt.datetime.combine(next_month(month), dt.time(), tzinfo=dt.UTC)
    start = dt.datetime.combine(add_months(month, 1 - months_back), dt.time(), tzinfo=dt.UTC)
    return start, end


def month_table(months: list[dt.date], *, back: int = 12, extra: dict[str, list] | None = None) -> tuple[str, list]:
    """The months as a derived table for one set-based query over all of them (a data element
    computed in one statement, not one query a month), with the bounds the elements use:

    - ``idx`` (the month's index in ``months``), ``year``;
    - ``first_day`` and ``last_day`` (dates), ``start_at`` and ``end_at`` (the month's UTC
      bounds, as `utc_bounds`), ``back_at`` (the start of the ``back`` months ending with it);
    - ``extra``: more columns, name -> one value a month (already adapted by the caller).

    A ``VALUES`` list (PostgreSQL and SQLite name its columns column1, column2 …; the planner
    knows its row count, unlike a chain of ``UNION ALL``), the values adapted as the ORM adapts
    them, so that a comparison in SQL is the one a queryset filter makes. Returns (sql, params).
    """
    from django.db import connection

    ops = connection.ops
    extra = extra or {}
    names = ["idx", "year", "first_day", "last_day", "start_at", "end_at", "back_at", *extra]
    parts, params = [], []
    for index, month in enumerate(months):
        start, end = utc_bounds(month)
        back_at, _end = utc_bounds(month, months_back=back)
        parts.append("(" + ", ".join("%s" for _name in names) + ")")
        params += [
            index,
            month.year,
            ops.adapt_datefield_value(month),
            ops.adapt_datefield_value(next_month(month) - dt.timedelta(days=1)),
            ops.adapt_datetimefield_value(start),
            ops.adapt_datetimefield_value(end),
            ops.adapt_datetimefield_value(back_at),
            *(values[index] for values in extra.values()),
        ]
    columns = ", ".join(f"column{i} AS {name}" for i, name in enumerate(names, start=1))
    return f"(SELECT {columns} FROM (VALUES {', '.join(parts)}) v)", params


def month_bucket(column: str, months: list[dt.date]) -> tuple[str, list]:
    """A CASE giving the index of the first month whose end is after ``column`` (a UTC
    timestamp): 0 for anything before the first month's end, NULL after the last month's.
    A stock counted as "made by the month's end" is then the running sum of the buckets."""
    from django.db import connection

    ops = connection.ops
    parts, params = [], []
    for index, month in enumerate(months):
        _start, end = utc_bounds(month)
        parts.append(f"WHEN {column} < %s THEN {index}")
        params.append(ops.adapt_datetimefield_value(end))
    return "CASE " + " ".join(parts) + " END", params


def month_last_end(months: list[dt.date]):
    """The end of the last month (UTC), adapted for a raw query's parameter."""
    from django.db import connection

    return connection.ops.adapt_datetimefield_value(utc_bounds(months[-1])[1])


def cumulative(increments_sql: str, params: list, months: list[dt.date]) -> tuple[str, list]:
    """A stock as the running sum of its increments: ``increments_sql`` yields ``org``,
    ``bucket`` (see `month_bucket`) and ``n``; the result is ``org, idx, value`` with
    value = the sum of n over the buckets up to the month. One pass over the domain rows
    (grouped per organization and month made) instead of one count a month."""
    month_sql, month_params = month_table(months)
    return (
        f"SELECT b.org AS org, m.idx AS idx, SUM(b.n) AS value FROM ({increments_sql}) b "
        f"JOIN {month_sql} m ON b.bucket <= m.idx GROUP BY b.org, m.idx",
        [*params, *month_params],
    )


def counted_from_first(
    first_sql: str, first_params: list, *, educators: str, join: str, months: list[dt.date], active_only: bool = True
) -> tuple[str, list]:
    """People counted from the month of their first event on, per organization (a running
    sum): ``first_sql`` yields one row per person with ``first_at``; ``join`` ties it to the
    educators' table ``educators`` as ``e`` (for instance ``e.id = f.educator_id``). Active
    educators only, unless ``active_only`` is off."""
    bucket, bucket_params = month_bucket("f.first_at", months)
    active, active_params = (" AND e.is_active = %s", [True]) if active_only else ("", [])
    return cumulative(
        f"SELECT e.organization_id AS org, {bucket} AS bucket, COUNT(*) AS n FROM ({first_sql}) f "
        f"JOIN {educators} e ON {join} "
        f"WHERE f.first_at < %s{active} AND e.organization_id IS NOT NULL GROUP BY 1, 2",
        [*bucket_params, *first_params, month_last_end(months), *active_params],
        months,
    )
