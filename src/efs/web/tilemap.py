"""Tile maps drawn on the server: Russia's 89 regions on a fixed grid (one square per region,
placed roughly where it lies), or the municipalities of a region on a compact grid.

No map tiles, no scripts, no CDN: a page gets an SVG. Each tile is coloured by its value in
one of five equal steps between the smallest and the largest value on the map; a tile with
no value (or a value hidden as resting on fewer than 5 people) gets the «нет данных» colour.
Used through the `tilemap` template tags (`{% load tilemap %}`), so the apps below `web`
never import it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

# Region code (people.Region.code, the FNS two-digit code) -> (row, column). North is up,
# west is left; the European part is spread out, Siberia and the Far East are compressed.
REGION_GRID: dict[str, tuple[int, int]] = {
    "51": (0, 4),
    "87": (0, 16),
    "10": (1, 4),
    "29": (1, 5),
    "83": (1, 6),
    "89": (1, 9),
    "24": (1, 11),
    "14": (1, 13),
    "49": (1, 15),
    "41": (1, 16),
    "39": (2, 0),
    "78": (2, 2),
    "47": (2, 3),
    "35": (2, 4),
    "11": (2, 5),
    "86": (2, 9),
    "70": (2, 10),
    "19": (2, 11),
    "38": (2, 12),
    "28": (2, 14),
    "27": (2, 15),
    "65": (2, 16),
    "60": (3, 2),
    "53": (3, 3),
    "76": (3, 4),
    "44": (3, 5),
    "43": (3, 6),
    "59": (3, 7),
    "66": (3, 8),
    "72": (3, 9),
    "54": (3, 10),
    "42": (3, 11),
    "17": (3, 12),
    "03": (3, 13),
    "75": (3, 14),
    "79": (3, 15),
    "25": (3, 16),
    "67": (4, 2),
    "69": (4, 3),
    "37": (4, 4),
    "52": (4, 5),
    "12": (4, 6),
    "18": (4, 7),
    "74": (4, 8),
    "45": (4, 9),
    "55": (4, 10),
    "22": (4, 11),
    "04": (4, 12),
    "32": (5, 2),
    "50": (5, 3),
    "77": (5, 4),
    "33": (5, 5),
    "21": (5, 6),
    "16": (5, 7),
    "02": (5, 8),
    "40": (6, 2),
    "71": (6, 3),
    "62": (6, 4),
    "13": (6, 5),
    "73": (6, 6),
    "63": (6, 7),
    "56": (6, 8),
    "57": (7, 2),
    "48": (7, 3),
    "68": (7, 4),
    "58": (7, 5),
    "64": (7, 6),
    "46": (8, 2),
    "36": (8, 3),
    "34": (8, 5),
    "31": (9, 2),
    "94": (9, 3),
    "08": (9, 5),
    "30": (9, 6),
    "95": (10, 0),
    "90": (10, 1),
    "93": (10, 2),
    "61": (10, 3),
    "91": (11, 0),
    "23": (11, 2),
    "26": (11, 3),
    "92": (12, 0),
    "01": (12, 2),
    "09": (12, 3),
    "07": (12, 4),
    "15": (12, 5),
    "06": (12, 6),
    "20": (12, 7),
    "05": (12, 8),
}

NO_DATA = "#e9ecef"
# Five steps, light to dark. "value": neutral blues (the map shows how much, not how good);
# "risk": yellow to red (the higher the worse).
PALETTES = {
    "value": ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"),
    "risk": ("#fff3bf", "#ffd8a8", "#ffa94d", "#f76707", "#c92a2a"),
}
DARK_FROM = 3  # steps from this one on get white labels


@dataclass(frozen=True)
class Tile:
    key: int
    row: int
    col: int
    x: int
    y: int
    label: str
    name: str
    value: float | None
    display: str
    fill: str
    text: str
    href: str

    @property
    def title(self) -> str:
        return f"{self.name}: {self.display}"


@dataclass(frozen=True)
class LegendStep:
    fill: str
    text: str


@dataclass(frozen=True)
class TileMap:
    tiles: list[Tile]
    legend: list[LegendStep]
    width: int
    height: int
    size: int
    caption: str

    @property
    def with_data(self) -> int:
        return sum(1 for t in self.tiles if t.value is not None)


def _resolve(item, path: str):
    for part in path.split("."):
        item = item.get(part) if isinstance(item, dict) else getattr(item, part, None)
        if item is None:
            return None
    return item


def _fmt(number: float, digits: int) -> str:
    return number_format(round(number, digits), digits, use_l10n=True, force_grouping=True)


def scale(
    values: Iterable[float], palette: str = "value", digits: int = 1
) -> tuple[Callable[[float], int], list[LegendStep]]:
    """(value -> step index, legend) for five equal steps between the smallest and largest value."""
    numbers = [v for v in values if v is not None and math.isfinite(v)]
    colours = PALETTES[palette]
    if not numbers:
        return (lambda _v: 0), [LegendStep(NO_DATA, _("no data"))]
    low, high = min(numbers), max(numbers)
    if high - low < 1e-9:
        return (lambda _v: len(colours) - 1), [
            LegendStep(colours[-1], _fmt(low, digits)),
            LegendStep(NO_DATA, _("no data")),
        ]
    width = (high - low) / len(colours)

    def step(value: float) -> int:
        return min(len(colours) - 1, max(0, int((value - low) / width)))

    legend = [
        LegendStep(colours[i], f"{_fmt(low + i * width, digits)} – {_fmt(low + (i + 1) * width, digits)}")
        for i in range(len(colours))
    ]
    legend.append(LegendStep(NO_DATA, _("no data")))
    return step, legend


Href = str | Callable[[int], str]


def _link(href: Href, key: int) -> str:
    if callable(href):
        return href(key)
    return f"{href}{key}" if href else ""


def _build(
    units: list[tuple[int, int, int, str, str]],
    by_key: dict[int, object],
    *,
    value: str,
    display: str,
    href: Href,
    palette: str,
    digits: int,
    size: int,
    caption: str,
) -> TileMap:
    """units: (key, row, col, label, name)."""
    values = {key: _resolve(item, value) for key, item in by_key.items()}
    numbers = {k: float(v) for k, v in values.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    step, legend = scale(numbers.values(), palette, digits)
    colours = PALETTES[palette]
    tiles = []
    for key, row, col, label, name in units:
        number = numbers.get(key)
        item = by_key.get(key)
        shown = _resolve(item, display) if item is not None and display else None
        if number is None:
            fill, text = NO_DATA, "#495057"
            shown = shown if shown not in (None, "", "—") else _("no data")
        else:
            index = step(number)
            fill, text = colours[index], "#ffffff" if index >= DARK_FROM else "#212529"
            shown = shown if shown not in (None, "") else _fmt(number, digits)
        tiles.append(
            Tile(
                key=key,
                row=row,
                col=col,
                x=col * size,
                y=row * size,
                label=label,
                name=name,
                value=number,
                display=str(shown),
                fill=fill,
                text=text,
                href=_link(href, key),
            )
        )
    rows = max((t.row for t in tiles), default=0) + 1
    cols = max((t.col for t in tiles), default=0) + 1
    return TileMap(tiles=tiles, legend=legend, width=cols * size, height=rows * size, size=size, caption=caption)


def region_map(
    items: Iterable,
    regions: Iterable[tuple[int, str, str]],
    *,
    key: str = "unit_id",
    value: str = "value",
    display: str = "display",
    href: Href = "",
    palette: str = "value",
    digits: int = 1,
    caption: str = "",
    size: int = 40,
) -> TileMap:
    """All the country's regions; `regions` is (pk, code, name), `items` carry the region pk at `key`."""
    by_key = {int(k): item for item in items if (k := _resolve(item, key)) is not None}
    units = [(pk, *REGION_GRID[code], code, name) for pk, code, name in regions if code in REGION_GRID]
    return _build(
        units,
        by_key,
        value=value,
        display=display,
        href=href,
        palette=palette,
        digits=digits,
        size=size,
        caption=caption,
    )


def municipality_map(
    items: Iterable,
    municipalities: Iterable[tuple[int, str]],
    *,
    key: str = "unit_id",
    value: str = "value",
    display: str = "display",
    href: Href = "",
    palette: str = "value",
    digits: int = 1,
    caption: str = "",
    size: int = 44,
) -> TileMap:
    """A region's municipalities, in the alphabetical order of their labels («город Красноярск»
    under К), on a grid about twice as wide as high."""
    named = sorted(municipalities, key=lambda m: (short_label(m[1]).lower(), m[1]))
    cols = max(1, math.ceil(math.sqrt(len(named) * 2)))
    by_key = {int(k): item for item in items if (k := _resolve(item, key)) is not None}
    units = [(pk, i // cols, i % cols, short_label(name), name) for i, (pk, name) in enumerate(named)]
    return _build(
        units,
        by_key,
        value=value,
        display=display,
        href=href,
        palette=palette,
        digits=digits,
        size=size,
        caption=caption,
    )


def short_label(name: str) -> str:
    """«Емельяновский район» -> «Емел», «город Красноярск» -> «Крас», «ЗАТО Железногорск» -> «Желе»."""
    words = [w for w in name.replace("-", " ").split() if w[:1].isupper() and w.upper() != w] or name.split() or [name]
    return words[0][:4]
