"""The stocks-and-flows supply model of the workforce engine.

Notation. A *holding* ``h`` is one post holding: a cell ``c(h)`` = (unit, subject), an age
``a_h`` in whole years and an FTE ``f_h`` (ставки). The base year is ``Y``; the horizon is
``N`` years. ``r(a)`` is the leave rate of age ``a``: the ``rate`` of the band
``from_age ≤ a ≤ to_age`` (both ends inclusive) that contains ``a``, and ``1`` when no
band contains it (nobody stays for ever). For ``t = 1 … N`` (the year ``Y + t``):

1. leavers: every holding present at the start of the year loses
   ``l_h(t) = f_h(t−1) · r(a_h(t−1))``, so ``f_h(t) = f_h(t−1) − l_h(t)``;
2. ageing: ``a_h(t) = a_h(t−1) + 1``;
3. entrants: the entrants of year ``Y + t`` join with the age and FTE they were given
   (they first leave, at their own age, in year ``Y + t + 1``).

Per cell ``c``: ``leavers_c(t) = Σ_{c(h)=c} l_h(t)``, ``entrants_c(t)`` is the FTE that
joined in year ``Y + t``, ``supply_c(t) = Σ_{c(h)=c} f_h(t)`` over the holdings present
after step 3, so that ``supply_c(t) = supply_c(t−1) − leavers_c(t) + entrants_c(t)`` with
``supply_c(0)`` the base-year staff. ``demand_c(t)`` is the region's demand (the input
carries a cell's last earlier value forward) and ``gap_c(t) = demand_c(t) − supply_c(t)``
(positive = shortage).

The app's richer model builds on this and reduces to it when its extras are off:
``rate_multiplier`` scales every band's rate (a retention scenario, capped at 1; the
"outside every band" rate stays 1) and ``hidden_fte`` is the hidden shortage of a cell
(overload above 1.5 ставки and teaching outside one's subject): the FTE that the
headcount counts as supply but that a sustainable workforce would not cover, so
``total_gap = demand − (supply − hidden) = gap + hidden``.

Everything is vectorised with numpy: one pass per year over the holdings, and
``np.bincount`` sums per cell, so the cost is ``O(N · (holdings + entrants))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

MIN_AGE = 14
MAX_AGE = 100
#: Lower edges of the age bands the Russian regional studies use: <30, 30–39, 40–49, 50–59, 60+.
AGE_BAND_EDGES: tuple[int, ...] = (30, 40, 50, 60)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


class WorkforceError(ValueError):
    """A malformed problem (the engine's one error family)."""


@dataclass(frozen=True)
class LeaveBand:
    """Leave (and retirement) rate for the ages ``from_age … to_age``, both inclusive."""

    from_age: int
    to_age: int
    rate: float


@dataclass(frozen=True)
class Problem:
    """A projection problem over ``len(cells)`` (unit, subject) cells.

    ``staff_*`` are the base-year holdings, ``entrant_*`` the entrants with ``entrant_step``
    in ``1 … years`` (the year ``base_year + step``); ``demand`` has shape
    ``(len(cells), years)`` and is already carried forward.
    """

    cells: tuple[tuple[str, str], ...]
    base_year: int
    years: int
    bands: tuple[LeaveBand, ...]
    staff_cell: IntArray
    staff_age: IntArray
    staff_fte: FloatArray
    entrant_cell: IntArray
    entrant_step: IntArray
    entrant_age: IntArray
    entrant_fte: FloatArray
    demand: FloatArray

    def __post_init__(self) -> None:
        n_cells = len(self.cells)
        if self.years < 1:
            raise WorkforceError("the horizon must be at least one year")
        if self.demand.shape != (n_cells, self.years):
            raise WorkforceError("demand must have shape (cells, years)")
        check_bands(self.bands)
        for name, cell, age, fte in (
            ("staff", self.staff_cell, self.staff_age, self.staff_fte),
            ("entrant", self.entrant_cell, self.entrant_age, self.entrant_fte),
        ):
            if not (len(cell) == len(age) == len(fte)):
                raise WorkforceError(f"{name} arrays differ in length")
            if len(cell) and (cell.min() < 0 or cell.max() >= n_cells):
                raise WorkforceError(f"{name} cell index out of range")
            if len(age) and (age.min() < MIN_AGE or age.max() > MAX_AGE):
                raise WorkforceError(f"{name} age outside {MIN_AGE}..{MAX_AGE}")
            if not np.all(np.isfinite(fte)) or (len(fte) and fte.min() < 0):
                raise WorkforceError(f"{name} FTE must be finite and not negative")
        if len(self.entrant_step) != len(self.entrant_cell):
            raise WorkforceError("entrant arrays differ in length")
        if len(self.entrant_step) and (self.entrant_step.min() < 1 or self.entrant_step.max() > self.years):
            raise WorkforceError("entrant step outside 1..years")
        if not np.all(np.isfinite(self.demand)) or (self.demand.size and self.demand.min() < 0):
            raise WorkforceError("demand must be finite and not negative")


@dataclass(frozen=True)
class Forecast:
    """Per-cell results; every array has shape ``(len(cells), years)`` except ``base_supply``."""

    cells: tuple[tuple[str, str], ...]
    base_year: int
    base_supply: FloatArray
    supply: FloatArray
    demand: FloatArray
    leavers: FloatArray
    entrants: FloatArray
    hidden: FloatArray
    #: supply by age band (``AGE_BAND_EDGES``), shape ``(cells, years, bands)``, when asked for.
    supply_by_band: FloatArray | None = field(default=None)

    @property
    def years(self) -> list[int]:
        return [self.base_year + step for step in range(1, self.supply.shape[1] + 1)]

    @property
    def gap(self) -> FloatArray:
        """The base model's gap: demand − supply."""
        return self.demand - self.supply

    @property
    def total_gap(self) -> FloatArray:
        """Gap with the hidden shortage counted: demand − (supply − hidden)."""
        return self.gap + self.hidden[:, None]


def check_bands(bands: Sequence[LeaveBand]) -> None:
    """Raise ``WorkforceError`` for a malformed band or two bands that share an age."""
    for band in bands:
        if not (MIN_AGE <= band.from_age <= band.to_age <= MAX_AGE):
            raise WorkforceError(f"band {band.from_age}-{band.to_age} outside {MIN_AGE}..{MAX_AGE}")
        if not (0.0 <= band.rate <= 1.0):
            raise WorkforceError(f"rate {band.rate} outside 0..1")
    ordered = sorted(bands, key=lambda band: band.from_age)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.from_age <= before.to_age:
            raise WorkforceError(f"bands {before.from_age}-{before.to_age} and {after.from_age}-{after.to_age} overlap")


def rate_table(bands: Sequence[LeaveBand], max_age: int, rate_multiplier: float = 1.0) -> FloatArray:
    """``table[a]`` = leave rate at age ``a`` for ``0 ≤ a ≤ max_age`` (1 outside every band)."""
    table = np.ones(max_age + 1, dtype=np.float64)
    for band in bands:
        table[band.from_age : band.to_age + 1] = min(1.0, band.rate * rate_multiplier)
    return table


def band_index(ages: IntArray, edges: Sequence[int] = AGE_BAND_EDGES) -> IntArray:
    """Index of each age's band: 0 for ``< edges[0]``, ``len(edges)`` for ``≥ edges[-1]``."""
    return np.searchsorted(np.asarray(edges), ages, side="right").astype(np.int64)


def project(
    problem: Problem,
    *,
    rate_multiplier: float = 1.0,
    hidden_fte: FloatArray | None = None,
    by_age_band: bool = False,
) -> Forecast:
    """Roll the holdings forward ``problem.years`` years (the model in the module docstring)."""
    if not (rate_multiplier >= 0.0 and np.isfinite(rate_multiplier)):
        raise WorkforceError("rate multiplier must be finite and not negative")
    n_cells, years = len(problem.cells), problem.years
    hidden = np.zeros(n_cells) if hidden_fte is None else np.asarray(hidden_fte, dtype=np.float64)
    if hidden.shape != (n_cells,):
        raise WorkforceError("hidden shortage must have one value per cell")

    # Holdings in the order they join: staff first, then entrants by year, so that the
    # holdings present in year t are a prefix of the arrays.
    order = np.argsort(problem.entrant_step, kind="stable")
    steps = problem.entrant_step[order]
    cell = np.concatenate([problem.staff_cell, problem.entrant_cell[order]]).astype(np.int64)
    age = np.concatenate([problem.staff_age, problem.entrant_age[order]]).astype(np.int64)
    fte = np.concatenate([problem.staff_fte, problem.entrant_fte[order]]).astype(np.float64)
    n_staff = len(problem.staff_cell)
    # present_after[t] = number of holdings present after the entrants of step t joined.
    present_after = n_staff + np.searchsorted(steps, np.arange(years + 1), side="right")

    rates = rate_table(problem.bands, MAX_AGE + years + 1, rate_multiplier)
    base_supply = np.bincount(cell[:n_staff], weights=fte[:n_staff], minlength=n_cells).astype(np.float64, copy=False)
    supply = np.zeros((n_cells, years))
    leavers = np.zeros((n_cells, years))
    entrants = np.zeros((n_cells, years))
    n_bands = len(AGE_BAND_EDGES) + 1
    by_band = np.zeros((n_cells, years, n_bands)) if by_age_band else None

    for step in range(1, years + 1):
        present = present_after[step - 1]
        joined = present_after[step]
        leaving = fte[:present] * rates[age[:present]]
        fte[:present] -= leaving
        age[:present] += 1
        leavers[:, step - 1] = np.bincount(cell[:present], weights=leaving, minlength=n_cells)
        entrants[:, step - 1] = np.bincount(cell[present:joined], weights=fte[present:joined], minlength=n_cells)
        supply[:, step - 1] = np.bincount(cell[:joined], weights=fte[:joined], minlength=n_cells)
        if by_band is not None:
            slot = cell[:joined] * n_bands + band_index(age[:joined])
            by_band[:, step - 1, :] = np.bincount(slot, weights=fte[:joined], minlength=n_cells * n_bands).reshape(
                n_cells, n_bands
            )

    return Forecast(
        cells=problem.cells,
        base_year=problem.base_year,
        base_supply=base_supply,
        supply=supply,
        demand=problem.demand.astype(np.float64, copy=True),
        leavers=leavers,
        entrants=entrants,
        hidden=hidden,
        supply_by_band=by_band,
    )


def carry_forward(
    n_cells: int,
    base_year: int,
    years: int,
    cell: IntArray,
    year: IntArray,
    fte: FloatArray,
) -> FloatArray:
    """Demand per cell and horizon year from sparse (cell, year, fte) rows.

    A year without a row holds the cell's last earlier value (0 before its first row);
    rows before the horizon count as earlier values, rows after it are ignored. The
    (cell, year) pairs must be unique.
    """
    demand = np.zeros((n_cells, years))
    if len(cell) == 0:
        return demand
    # Clip every row to the horizon: a row before Y+1 acts at Y+1 unless a later one
    # overrides it; rows after Y+N never act.
    step = np.clip(year - base_year, 1, None)
    keep = step <= years
    cell, year, step, fte = cell[keep], year[keep], step[keep], fte[keep]
    # The last row (by year) wins within each (cell, clipped step); lexsort sorts by the
    # last key first, so rows end ordered by cell, step, year.
    order = np.lexsort((year, step, cell))
    cell, step, fte = cell[order], step[order], fte[order]
    last = np.ones(len(cell), dtype=bool)
    last[:-1] = (cell[1:] != cell[:-1]) | (step[1:] != step[:-1])
    cell, step, fte = cell[last], step[last], fte[last]
    # Fill each cell's row with its value at each change point, then forward-fill.
    marks = np.full((n_cells, years), np.nan)
    marks[cell, step - 1] = fte
    index = np.where(np.isnan(marks), -1, np.arange(years)[None, :])
    np.maximum.accumulate(index, axis=1, out=index)
    has = index >= 0
    demand[has] = marks[np.nonzero(has)[0], index[has]]
    return demand


def build_problem(
    *,
    base_year: int,
    years: int,
    bands: Sequence[LeaveBand],
    staff: tuple[ArrayLike, ArrayLike, ArrayLike],
    entrants: tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike],
    demand: tuple[ArrayLike, ArrayLike, ArrayLike],
    cells: Sequence[tuple[str, str]],
) -> Problem:
    """A ``Problem`` from cell-indexed columns.

    ``staff`` = (cell, age, fte); ``entrants`` = (cell, year, age, fte) with calendar years
    (those outside ``base_year+1 … base_year+years`` never join); ``demand`` = (cell, year,
    fte) rows carried forward by ``carry_forward``.
    """
    s_cell, s_age, s_fte = (np.asarray(column) for column in staff)
    e_cell, e_year, e_age, e_fte = (np.asarray(column) for column in entrants)
    d_cell, d_year, d_fte = (np.asarray(column) for column in demand)
    inside = (e_year > base_year) & (e_year <= base_year + years)
    return Problem(
        cells=tuple(cells),
        base_year=base_year,
        years=years,
        bands=tuple(bands),
        staff_cell=s_cell.astype(np.int64).reshape(-1),
        staff_age=s_age.astype(np.int64).reshape(-1),
        staff_fte=s_fte.astype(np.float64).reshape(-1),
        entrant_cell=e_cell[inside].astype(np.int64).reshape(-1),
        entrant_step=(e_year[inside] - base_year).astype(np.int64).reshape(-1),
        entrant_age=e_age[inside].astype(np.int64).reshape(-1),
        entrant_fte=e_fte[inside].astype(np.float64).reshape(-1),
        demand=carry_forward(
            len(cells),
            base_year,
            years,
            d_cell.astype(np.int64).reshape(-1),
            d_year.astype(np.int64).reshape(-1),
            d_fte.astype(np.float64).reshape(-1),
        ),
    )
