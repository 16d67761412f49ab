"""The route's timeline as SVG geometry (no JavaScript; it also prints and goes into the PDF)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import dateformat, timezone

HEADER = 34  # two rows above the bars: years, months


@dataclass(frozen=True)
class Bar:
    item: object
    x: float
    width: float
    y: float
    css: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    bars: list[Bar]
    months: list[tuple[float, str, str]]  # x, month, the year on the first month and on January
    today_x: float | None


def timeline(items, start: dt.date, end: dt.date, *, width: int = 820, left: int = 260, row: int = 26) -> Timeline:
    today = timezone.localdate()
    span = max(1, (end - start).days + 1)
    plot = width - left - 10

    def x(day: dt.date) -> float:
        return left + max(0, min(span, (day - start).days)) / span * plot

    bars = []
    dated = [i for i in items if i.planned_start and i.planned_end]
    for index, item in enumerate(dated):
        overdue = item.planned_end < today and item.status in ("planned", "in_progress", "returned")
        css = (
            "bar-done"
            if item.status == "accepted"
            else "bar-late"
            if overdue
            else "bar-cancelled"
            if item.status == "cancelled"
            else "bar-plan"
        )
        x0 = x(item.planned_start)
        bars.append(
            Bar(
                item=item,
                x=x0,
                width=max(3.0, x(item.planned_end + dt.timedelta(days=1)) - x0),
                y=HEADER + index * row,
                css=css,
            )
        )
    months: list[tuple[float, str, str]] = []
    cursor = start.replace(day=1)
    while cursor <= end:
        if cursor >= start:
            year = str(cursor.year) if cursor.month == 1 or not months else ""
            months.append((x(cursor), dateformat.format(cursor, "b"), year))
        cursor = (cursor.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    today_x = x(today) if start <= today <= end else None
    return Timeline(
        width=width, height=HEADER + 10 + len(dated) * row, left=left, bars=bars, months=months, today_x=today_x
    )
