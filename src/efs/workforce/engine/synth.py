"""Synthetic inputs in the command-line format (for benchmarks and tests).

The country has a realistic teacher age structure (about a quarter aged 55+), a few
part-time posts, demand near supply with some years missing (so carry-forward is
exercised) and young entrants every year.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from efs.workforce.engine.model import MAX_AGE, MIN_AGE, WorkforceError

SUBJECTS = (
    "математика",
    "физика",
    "информатика",
    "химия",
    "биология",
    "география",
    "история",
    "обществознание",
    "русский язык",
    "литература",
    "иностранный язык",
    "начальные классы",
    "физическая культура",
    "музыка",
    "изобразительное искусство",
    "труд (технология)",
    "ОБЗР",
    "родной язык",
    "астрономия",
    "педагог-психолог",
)

DEFAULT_BANDS = (
    {"from_age": 14, "to_age": 29, "rate": 0.09},
    {"from_age": 30, "to_age": 39, "rate": 0.05},
    {"from_age": 40, "to_age": 49, "rate": 0.035},
    {"from_age": 50, "to_age": 59, "rate": 0.05},
    {"from_age": 60, "to_age": 64, "rate": 0.14},
    {"from_age": 65, "to_age": 74, "rate": 0.3},
)


@dataclass(frozen=True)
class CountryConfig:
    holdings: int = 1_200_000
    units: int = 2_400
    subjects: int = 20
    years: int = 10
    base_year: int = 2026


def write_country(out_dir: Path, config: CountryConfig, seed: int = 0) -> None:
    """Write ``staff.csv``, ``demand.csv`` and ``flows.json`` into ``out_dir``."""
    if not (1 <= config.subjects <= len(SUBJECTS)) or config.units < 1 or config.holdings < 0:
        raise WorkforceError(f"1..{len(SUBJECTS)} subjects, at least one unit")
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    units = [f"м{number:04d}" for number in range(config.units)]
    subjects = SUBJECTS[: config.subjects]
    n_cells = config.units * config.subjects

    # Cells are unequal in size (a city against a village); ages peak in the late 40s
    # with a long right tail so that about a quarter are 55 or older.
    weight = rng.lognormal(0.0, 0.8, n_cells)
    cell = rng.choice(n_cells, size=config.holdings, p=weight / weight.sum())
    age = np.clip(np.rint(rng.normal(46.0, 11.5, config.holdings)), 22, 75).astype(np.int64)
    fte = rng.choice([0.25, 0.5, 1.0, 1.0, 1.0, 1.25, 1.5, 1.75], size=config.holdings)
    with (out_dir / "staff.csv").open("w", encoding="utf-8") as handle:
        handle.write("unit,subject,age,fte\n")
        unit_of, subject_of = cell // config.subjects, cell % config.subjects
        handle.writelines(
            f"{units[u]},{subjects[s]},{a},{f}\n"
            for u, s, a, f in zip(unit_of.tolist(), subject_of.tolist(), age.tolist(), fte.tolist(), strict=True)
        )

    supply = np.bincount(cell, weights=fte, minlength=n_cells)
    with (out_dir / "demand.csv").open("w", encoding="utf-8") as handle:
        handle.write("unit,subject,year,fte\n")
        for step in range(config.years + 1):
            present = rng.random(n_cells) < (1.0 if step == 0 else 0.7)
            level = np.round(supply * (1.0 + 0.02 * step) * rng.uniform(0.95, 1.1, n_cells), 2)
            year = config.base_year + step
            for position in np.flatnonzero(present).tolist():
                unit = units[position // config.subjects]
                subject = subjects[position % config.subjects]
                handle.write(f"{unit},{subject},{year},{level[position]}\n")

    entrants = []
    for step in range(1, config.years + 1):
        joins = np.flatnonzero(rng.random(n_cells) < 0.5)
        ages = np.clip(rng.integers(22, 30, len(joins)), MIN_AGE, MAX_AGE)
        for position, entrant_age in zip(joins.tolist(), ages.tolist(), strict=True):
            entrants.append(
                {
                    "unit": units[position // config.subjects],
                    "subject": subjects[position % config.subjects],
                    "year": config.base_year + step,
                    "age": entrant_age,
                    "fte": 1.0,
                }
            )
    flows = {"base_year": config.base_year, "leave_rate": list(DEFAULT_BANDS), "entrants": entrants}
    (out_dir / "flows.json").write_text(json.dumps(flows, ensure_ascii=False), encoding="utf-8")
