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
