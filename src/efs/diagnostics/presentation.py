"""Shapes for pages and PDFs: the answer a form sends, and the result chart geometry."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from django.http import QueryDict

from .itemformat import AnswerError
from .queries import ResultRow

THETA_MIN, THETA_MAX = -3.0, 3.0


def answer_from_form(item, data: QueryDict):
    """The answer a person gave in the HTML form, in the format of itemformat."""
    kind = item.kind
    if kind in ("single", "case"):
        return data.get("choice")
    if kind == "multiple":
        return data.getlist("choice")
    if kind == "numeric":
        return data.get("value", "")
    if kind == "matching":
        return {left["id"]: data.get(f"match_{left['id']}") or None for left in item.content.get("left", [])}
    if kind == "ordering":
        ranks = {}
        for option in item.content.get("options", []):
            value = data.get(f"rank_{option['id']}", "")
            if not value.isdigit():
                raise AnswerError("rank_all")
            ranks[option["id"]] = int(value)
        if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
            raise AnswerError("rank_twice", n=len(ranks))
        return [option_id for option_id, _rank in sorted(ranks.items(), key=lambda pair: pair[1])]
    return None


@dataclass(frozen=True)
class ChartBand:
    x: float
    width: float
    title: str
    css: str


@dataclass(frozen=True)
class ChartRow:
    y: float
    row: ResultRow
    x_theta: float
    x_low: float
    x_high: float
    bands: list[ChartBand]
    label_lines: tuple[str, ...] = ()  # the competency's title wrapped to fit left of the plot


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    plot_width: int
    rows: list[ChartRow]
    ticks: list[tuple[float, str]]


def _x(theta: float, left: int, width: int) -> float:
    clipped = min(max(theta, THETA_MIN), THETA_MAX)
    return left + (clipped - THETA_MIN) / (THETA_MAX - THETA_MIN) * width


LABEL_CHARS_PER_PIXEL = 1 / 7.2  # DejaVu Sans at 11.5 px: a Cyrillic letter is about 7 px wide


def label_lines(title: str, width_px: int, lines: int = 2) -> tuple[str, ...]:
    """A label wrapped into at most `lines` lines that fit `width_px` (the last one shortened
    with «…»), so a long competency name is never cut at the chart's left edge."""
    limit = max(10, int(width_px * LABEL_CHARS_PER_PIXEL))
    wrapped = textwrap.wrap(title, limit, break_long_words=True) or [""]
    if len(wrapped) > lines:
        last = " ".join(wrapped[lines - 1 :])
        wrapped = [*wrapped[: lines - 1], last[: limit - 1].rstrip() + "…"]
    return tuple(wrapped)


def result_chart(
    rows: list[ResultRow], levels: list[dict], *, width: int = 820, left: int = 330, row_height: int = 34
) -> Chart:
    """Each competency on the ability scale: level bands, the 90 % interval and the estimate."""
    plot_width = width - left - 20
    chart_rows = []
    css = ["band-deficit", "band-basic", "band-confident", "band-expert", "band-extra"]
    for index, row in enumerate(rows):
        edges = [THETA_MIN, *row.competency.cuts, THETA_MAX]
        bands = []
        for k in range(len(edges) - 1):
            x0, x1 = _x(edges[k], left, plot_width), _x(edges[k + 1], left, plot_width)
            if x1 > x0:
                bands.append(
                    ChartBand(
                        x=x0,
                        width=x1 - x0,
                        title=levels[k]["title"] if k < len(levels) else "",
                        css=css[min(k, len(css) - 1)],
                    )
                )
        chart_rows.append(
            ChartRow(
                y=30 + index * row_height,
                row=row,
                x_theta=_x(row.theta, left, plot_width),
                x_low=_x(row.low, left, plot_width),
                x_high=_x(row.high, left, plot_width),
                bands=bands,
                label_lines=label_lines(row.competency.title, left - 16),
            )
        )
    ticks = [
        (_x(t, left, plot_width), f"{t:+.0f}".replace("+0", "0")) for t in range(int(THETA_MIN), int(THETA_MAX) + 1)
    ]
    return Chart(
        width=width,
        height=40 + len(rows) * row_height + 10,
        left=left,
        plot_width=plot_width,
        rows=chart_rows,
        ticks=ticks,
    )
