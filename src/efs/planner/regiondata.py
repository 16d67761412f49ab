"""Array view of a region: products, cohorts, preference groups and teachers.

Cohorts that share program, coverage, price and hours form a *product*: for an
educator they are interchangeable except for seats and dates. Educators with equal
preferences form a *group*; for each (group, product) *pair* the group may attend
only some of the product's cohorts. The decomposition prices products per
educator through these pairs, which keeps per-iteration work proportional to
groups × products instead of educators × cohorts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from efs.planner.compile import scaled_coverage, scaled_weight
from efs.planner.model import COVERAGE_SCALE, WEIGHT_SCALE, Preferences, RegionProblem

UNLIMITED = np.inf


@dataclass(frozen=True, slots=True)
class TeacherRow:
    """One educator: deficit columns and weights, and the products worth looking at.

    ``products``/``pairs`` are aligned; ``standalone`` is each product's covered
    weight on its own; ``gains`` is products × deficits coverage.
    """

    deficits: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    pairs: np.ndarray
    standalone: np.ndarray
    gains: np.ndarray


@dataclass(slots=True)
class RegionData:
    problem: RegionProblem
    # cohorts (= options), indexed like problem.options
    price: np.ndarray
    hours: np.ndarray
    first_day: np.ndarray
    last_day: np.ndarray
    exclusive: np.ndarray
    seats: np.ndarray
    program: np.ndarray
    product_of: np.ndarray
    # products
    product_gains: np.ndarray
    product_price: np.ndarray
    product_hours: np.ndarray
    product_program: np.ndarray
    # (group, product) pairs and their allowed cohorts, CSR
    pair_ptr: np.ndarray
    pair_cohorts: np.ndarray
    pair_product: np.ndarray
    # teachers
    budget: np.ndarray
    max_hours: np.ndarray
    teachers: list[TeacherRow]
    # all teachers' ``pairs``, ``products`` and ``standalone`` concatenated, and
    # where each teacher's slice starts; each teacher's total deficit weight
    row_pairs: np.ndarray
    row_products: np.ndarray
    row_standalone: np.ndarray
    row_ptr: np.ndarray
    total_weight: np.ndarray

    @property
    def n_teachers(self) -> int:
        return len(self.teachers)

    def teacher_cohorts(self, row: TeacherRow) -> tuple[np.ndarray, np.ndarray]:
        """All cohorts an educator may take (catalog order) and each one's row in ``row.gains``."""
        starts = self.pair_ptr[row.pairs]
        lengths = self.pair_ptr[row.pairs + 1] - starts
        local = np.repeat(np.arange(len(starts)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        cohorts = self.pair_cohorts[starts[local] + offsets]
        order = np.argsort(cohorts, kind="stable")
        return cohorts[order], local[order]

    def pair_min(self, lam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per pair, the cheapest allowed cohort under seat prices ``lam`` and its price.

        Ties go to the cohort listed first (catalog order).
        """
        values = lam[self.pair_cohorts]
        segment = np.repeat(np.arange(len(self.pair_ptr) - 1), np.diff(self.pair_ptr))
        order = np.lexsort((np.arange(len(values)), values, segment))
        first = order[self.pair_ptr[:-1]]
        return values[first], self.pair_cohorts[first]


def build(problem: RegionProblem) -> RegionData:
    options = problem.options
    n = len(options)
    competencies: dict[str, int] = {}
    for teacher in problem.teachers:
        for name in teacher.deficits:
            competencies.setdefault(name, len(competencies))
    price = np.array([o.price for o in options], dtype=np.int64)
    hours = np.array([o.hours for o in options], dtype=np.int64)
    first_day = np.array([o.start.toordinal() if o.start else 0 for o in options], dtype=np.int64)
    last_day = np.array([o.end.toordinal() if o.end else 0 for o in options], dtype=np.int64)
    exclusive = np.array([o.exclusive for o in options], dtype=bool)
    seats = np.array(
        [UNLIMITED if o.seats is None else float(o.seats) for o in options], dtype=np.float64
    )
    programs: dict[str, int] = {}
    program = np.array([programs.setdefault(o.program, len(programs)) for o in options])

    products: dict[tuple[object, ...], int] = {}
    product_of = np.empty(n, dtype=np.int64)
    product_rows: list[np.ndarray] = []
    for i, option in enumerate(options):
        row = np.zeros(len(competencies), dtype=np.float64)
        for name, share in option.coverage.items():
            if name in competencies:
                row[competencies[name]] = scaled_coverage(share) / COVERAGE_SCALE
        key = (option.program, option.price, option.hours, row.tobytes())
        if key not in products:
            products[key] = len(products)
            product_rows.append(row)
        product_of[i] = products[key]
    n_products = len(products)
    product_gains = np.vstack(product_rows) if product_rows else np.zeros((0, len(competencies)))
    product_price = np.zeros(n_products, dtype=np.int64)
    product_hours = np.zeros(n_products, dtype=np.int64)
    product_program = np.zeros(n_products, dtype=np.int64)
    product_price[product_of] = price
    product_hours[product_of] = hours
    product_program[product_of] = program

    groups: dict[Preferences, int] = {}
    teacher_group = np.array(
        [groups.setdefault(t.preferences, len(groups)) for t in problem.teachers], dtype=np.int64
    )
    pair_lists: dict[tuple[int, int], list[int]] = {}
    for preferences, g in groups.items():
        for i, option in enumerate(options):
            if preferences.accepts(option):
                pair_lists.setdefault((g, int(product_of[i])), []).append(i)
    pair_keys = sorted(pair_lists)
    pair_index = {key: k for k, key in enumerate(pair_keys)}
    pair_ptr = np.zeros(len(pair_keys) + 1, dtype=np.int64)
    pair_ptr[1:] = np.cumsum([len(pair_lists[key]) for key in pair_keys])
    pair_cohorts = np.array([i for key in pair_keys for i in pair_lists[key]], dtype=np.int64)
    pair_product = np.array([p for _, p in pair_keys], dtype=np.int64)
    by_group: list[list[int]] = [[] for _ in groups]
    for g, p in pair_keys:
        by_group[g].append(p)
    group_products = [np.array(products_, dtype=np.int64) for products_ in by_group]
    group_pairs = [
        np.array([pair_index[(g, p)] for p in by_group[g]], dtype=np.int64)
        for g in range(len(groups))
    ]

    budget = np.array([t.budget for t in problem.teachers], dtype=np.int64)
    max_hours = np.array([t.max_hours for t in problem.teachers], dtype=np.int64)
    rows: list[TeacherRow] = []
    for t, teacher in enumerate(problem.teachers):
        names = sorted(name for name, w in teacher.deficits.items() if scaled_weight(w) > 0)
        deficits = np.array([competencies[name] for name in names], dtype=np.int64)
        weights = np.array([scaled_weight(teacher.deficits[name]) / WEIGHT_SCALE for name in names])
        g = teacher_group[t]
        candidates = group_products[g]
        gains = product_gains[candidates][:, deficits]
        keep = (
            gains.any(axis=1)
            & (product_price[candidates] <= budget[t])
            & (product_hours[candidates] <= max_hours[t])
        )
        gains = gains[keep]
        rows.append(
            TeacherRow(
                deficits=deficits,
                weights=weights,
                products=candidates[keep],
                pairs=group_pairs[g][keep],
                standalone=np.minimum(gains, 1.0) @ weights,
                gains=gains,
            )
        )
    return RegionData(
        problem=problem,
        price=price,
        hours=hours,
        first_day=first_day,
        last_day=last_day,
        exclusive=exclusive,
        seats=seats,
        program=program,
        product_of=product_of,
        product_gains=product_gains,
        product_price=product_price,
        product_hours=product_hours,
        product_program=product_program,
        pair_ptr=pair_ptr,
        pair_cohorts=pair_cohorts,
        pair_product=pair_product,
        budget=budget,
        max_hours=max_hours,
        teachers=rows,
        row_pairs=np.concatenate([row.pairs for row in rows]),
        row_products=np.concatenate([row.products for row in rows]),
        row_standalone=np.concatenate([row.standalone for row in rows]),
        row_ptr=np.concatenate([[0], np.cumsum([len(row.pairs) for row in rows])]).astype(np.int64),
        total_weight=np.array([float(row.weights.sum()) for row in rows]),
    )


def covered_value(weights: np.ndarray, gains: np.ndarray) -> float:
    """Σ weight × min(1, Σ coverage) for a set of rows of ``gains``."""
    if len(gains) == 0:
        return 0.0
    return float(np.minimum(gains.sum(axis=0), 1.0) @ weights)
