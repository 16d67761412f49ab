"""An independent plain-Python implementation of the base model (for the engine's tests).

It follows the contract text in ``docs/workforce.md`` holding by holding, with dicts and
loops and no numpy, so that a mistake in the vectorised engine cannot hide in both.
"""

from __future__ import annotations

from typing import Any


def rate_of(age: int, bands: list[dict[str, Any]]) -> float:
    for band in bands:
        if band["from_age"] <= age <= band["to_age"]:
            return float(band["rate"])
    return 1.0


def project(
    staff: list[dict[str, Any]],
    demand: list[dict[str, Any]],
    flows: dict[str, Any],
    years: int,
) -> list[dict[str, Any]]:
    base = flows["base_year"]
    bands = flows["leave_rate"]
    cells = {(row["unit"], row["subject"]) for row in staff}
    cells |= {(row["unit"], row["subject"]) for row in demand}
    cells |= {(row["unit"], row["subject"]) for row in flows["entrants"]}
    holdings = [[(row["unit"], row["subject"]), row["age"], float(row["fte"])] for row in staff]
    out = []
    per_year: dict[int, dict[tuple[str, str], dict[str, float]]] = {}
    for year in range(base + 1, base + years + 1):
        stats = {cell: {"leavers": 0.0, "entrants": 0.0, "supply": 0.0} for cell in cells}
        for holding in holdings:
            lost = holding[2] * rate_of(holding[1], bands)
            holding[2] -= lost
            holding[1] += 1
            stats[holding[0]]["leavers"] += lost
        for row in flows["entrants"]:
            if row["year"] == year:
                cell = (row["unit"], row["subject"])
                holdings.append([cell, row["age"], float(row["fte"])])
                stats[cell]["entrants"] += float(row["fte"])
        for holding in holdings:
            stats[holding[0]]["supply"] += holding[2]
        per_year[year] = stats
    for cell in sorted(cells):
        for year in range(base + 1, base + years + 1):
            earlier = [row for row in demand if (row["unit"], row["subject"]) == cell and row["year"] <= year]
            wanted = float(max(earlier, key=lambda row: row["year"])["fte"]) if earlier else 0.0
            stats = per_year[year][cell]
            out.append(
                {
                    "unit": cell[0],
                    "subject": cell[1],
                    "year": year,
                    "supply_fte": stats["supply"],
                    "demand_fte": wanted,
                    "gap_fte": wanted - stats["supply"],
                    "leavers_fte": stats["leavers"],
                    "entrants_fte": stats["entrants"],
                }
            )
    return out
