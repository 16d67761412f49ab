"""Region-wide allocation of cohort seats and the regional fund to all educators.

Model: binary x_ti for educator t and cohort i;

    maximise   Σ_t Σ_d w_td · min(1, Σ_i g_id x_ti)
    subject to each educator's budget, hours cap, one cohort per program and no
               overlapping exclusive cohorts;
               Σ_t x_ti ≤ seats_i for every cohort;   Σ_t,i price_i x_ti ≤ fund.

Decomposition (see docs/planner.md):

1. Greedy baseline: educators in input order, each repeatedly takes the cohort
   with the best marginal covered weight per rouble while seats and fund last.
2. Lagrangian relaxation of seats (λ_i ≥ 0) and fund (μ ≥ 0). For fixed
   multipliers the problem splits into one priced route per educator. Cohorts of
   one product are interchangeable for an educator, so an educator prices a
   product at its cheapest allowed cohort; dropping the date-overlap rule there
   only relaxes the problem further, so every value of

       L(λ, μ) = Σ_t max_S [f_t(S) − Σ_{i∈S} (λ_i + μ price_i)] + Σ_i λ_i seats_i + μ fund

   is an upper bound on the optimum when each inner maximum is exact (or replaced
   by an upper bound of it).
3. Column generation: a pool of routes per educator is priced in bulk (numpy)
   while subgradient steps move the multipliers; every 150 steps an exact
   pricing round (branch and bound per educator, ``subproblem``) adds each
   educator's best route and evaluates L, which is the bound reported. A round
   is time-boxed: educators it does not reach keep a cheap valid bound.
4. Repair: the last subgradient steps are averaged (how often each pool route is
   an educator's choice); educators whose choice is most certain take their most
   chosen route that still fits, cohort by cohort, while seats and fund last; then
   leftover seats and money are handed out greedily. The result is feasible by
   construction and checked.
"""

from __future__ import annotations

import math
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from efs.planner.model import Allocation, PlannerError, RegionProblem
from efs.planner.regiondata import RegionData, TeacherRow, build, covered_value
from efs.planner.subproblem import EPS, Item, best_priced_route

Progress = Callable[[float, str], None]

POOL_SINGLETONS = 4
SUBGRADIENT_STEPS = 150
NODE_LIMIT = 20_000
REPAIR_SECONDS_PER_TEACHER = 3e-4
STOP_IMPROVEMENT = 1e-3
ROUND_SHARE = 0.5
MIN_PRICING_S = 1.0


@dataclass(slots=True)
class _Pool:
    """Routes per educator (tuples of positions in its ``TeacherRow``), flattened for pricing."""

    routes: list[dict[tuple[int, ...], tuple[float, int]]]
    teacher: np.ndarray
    value: np.ndarray
    price: np.ndarray
    ptr: np.ndarray
    entry_pair: np.ndarray
    entry_local: np.ndarray
    teacher_ptr: np.ndarray

    @classmethod
    def empty(cls, n_teachers: int) -> _Pool:
        zero = np.zeros(0, dtype=np.int64)
        return cls(
            [{} for _ in range(n_teachers)],
            zero,
            np.zeros(0),
            zero,
            np.zeros(1, dtype=np.int64),
            zero,
            zero,
            np.zeros(n_teachers + 1, dtype=np.int64),
        )

    def add(self, data: RegionData, t: int, route: tuple[int, ...] | None) -> bool:
        if not route or route in self.routes[t]:
            return False
        row = data.teachers[t]
        local = np.asarray(route, dtype=np.int64)
        value = covered_value(row.weights, row.gains[local])
        self.routes[t][route] = (value, int(data.product_price[row.products[local]].sum()))
        return True

    def rebuild(self, data: RegionData) -> None:
        counts = np.array([len(routes) for routes in self.routes], dtype=np.int64)
        flat = [
            (t, route, vp) for t, routes in enumerate(self.routes) for route, vp in routes.items()
        ]
        self.teacher = np.repeat(np.arange(len(self.routes)), counts)
        self.value = np.array([vp[0] for _, _, vp in flat], dtype=np.float64)
        self.price = np.array([vp[1] for _, _, vp in flat], dtype=np.int64)
        lengths = np.array([len(route) for _, route, _ in flat], dtype=np.int64)
        self.ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.entry_local = np.fromiter(
            (k for _, route, _ in flat for k in route), dtype=np.int64, count=int(lengths.sum())
        )
        entry_teacher = np.repeat(self.teacher, lengths)
        self.entry_pair = data.row_pairs[data.row_ptr[entry_teacher] + self.entry_local]
        self.teacher_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)


@dataclass(slots=True)
class _Pricing:
    """Result of pricing the pool at some multipliers."""

    dual: float
    best: np.ndarray
    chosen: np.ndarray
    seat_use: np.ndarray
    fund_use: float


def allocate_region(
    problem: RegionProblem,
    *,
    progress: Progress | None = None,
    time_limit_s: float = 270.0,
    workers: int = 1,
) -> Allocation:
    """Allocate seats and the fund to all educators; always returns a feasible plan.

    ``progress(fraction, message)`` is called between phases and rounds.
    ``time_limit_s`` is the wall time the call aims at: pricing rounds are
    time-boxed and stop early enough to leave time for the repair; the
    preparation, the greedy baseline, one (possibly partial) pricing round and the
    repair always run, and when the limit binds the result depends on the
    machine's speed. ``workers`` > 1 prices educators
    in that many forked processes (``fork`` start method, POSIX only).
    """
    started = time.perf_counter()
    report = progress or _silent
    stats: dict[str, float] = {}
    report(0.0, "preparing the region")
    data = build(problem)
    stats["build_s"] = time.perf_counter() - started
    report(0.1, "running the greedy baseline")
    greedy = region_greedy(data)
    greedy_value = _objective(data, greedy)
    stats["greedy_s"] = time.perf_counter() - started - stats["build_s"]
    report(0.2, "building the initial route pool")
    pool = _initial_pool(data, greedy)
    solver = _Decomposition(data, pool, greedy_value, workers)
    # the repair runs after the deadline of the rounds: keep time for it
    reserve = REPAIR_SECONDS_PER_TEACHER * data.n_teachers
    try:
        shares = solver.run(
            time.monotonic() + time_limit_s - (time.perf_counter() - started) - reserve,
            lambda f, m: report(0.25 + 0.6 * f, m),
        )
    finally:
        solver.close()
    stats.update(solver.stats)
    report(0.85, "repairing the allocation")
    repair_started = time.perf_counter()
    chosen = _repair(data, pool, solver.lam, solver.mu, shares)
    value = _objective(data, chosen)
    if value < greedy_value:
        chosen, value = greedy, greedy_value
    check_feasible(data, chosen)
    stats["repair_s"] = time.perf_counter() - repair_started
    stats["total_s"] = time.perf_counter() - started
    report(1.0, "done")
    return Allocation(
        assignments=_assignments(data, chosen),
        objective=value,
        upper_bound=solver.bound,
        greedy_objective=greedy_value,
        fund_used=int(sum(int(data.price[c].sum()) for c in chosen if c)),
        stats=stats,
    )


def allocate_region_greedy(problem: RegionProblem) -> Allocation:
    """The baseline alone: educators in input order, best coverage per rouble."""
    data = build(problem)
    chosen = region_greedy(data)
    value = _objective(data, chosen)
    return Allocation(
        assignments=_assignments(data, chosen),
        objective=value,
        upper_bound=None,
        greedy_objective=value,
        fund_used=int(sum(int(data.price[c].sum()) for c in chosen if c)),
    )


def _silent(fraction: float, message: str) -> None:
    del fraction, message


def _assignments(data: RegionData, chosen: list[list[int]]) -> dict[str, tuple[str, ...]]:
    options = data.problem.options
    return {
        teacher.id: tuple(
            options[i].id for i in sorted(chosen[t], key=lambda i: (data.first_day[i], i))
        )
        for t, teacher in enumerate(data.problem.teachers)
    }


def _objective(data: RegionData, chosen: list[list[int]]) -> float:
    total = 0.0
    for t, cohorts in enumerate(chosen):
        if cohorts:
            row = data.teachers[t]
            gains = data.product_gains[data.product_of[cohorts]][:, row.deficits]
            total += covered_value(row.weights, gains)
    return total


def check_feasible(data: RegionData, chosen: list[list[int]]) -> None:
    """Raise ``PlannerError("infeasible")`` if an allocation breaks any rule."""
    use = np.zeros(len(data.price))
    spent = 0
    for t, cohorts in enumerate(chosen):
        teacher = data.problem.teachers[t]
        money = int(data.price[cohorts].sum()) if cohorts else 0
        hours = int(data.hours[cohorts].sum()) if cohorts else 0
        if money > teacher.budget or hours > teacher.max_hours:
            raise PlannerError("infeasible", f"teacher {teacher.id!r} exceeds budget or hours")
        if len({int(data.program[i]) for i in cohorts}) != len(cohorts):
            raise PlannerError("infeasible", f"teacher {teacher.id!r} has a program twice")
        dated = [i for i in cohorts if data.exclusive[i]]
        for a in dated:
            for b in dated:
                if (
                    a < b
                    and data.first_day[a] <= data.last_day[b]
                    and data.first_day[b] <= data.last_day[a]
                ):
                    raise PlannerError(
                        "infeasible", f"teacher {teacher.id!r} has overlapping cohorts"
                    )
        for i in cohorts:
            if not teacher.preferences.accepts(data.problem.options[i]):
                raise PlannerError("infeasible", f"teacher {teacher.id!r} got an unwanted cohort")
            use[i] += 1
        spent += money
    if np.any(use > data.seats) or spent > data.problem.fund:
        raise PlannerError("infeasible", "seats or the fund are exceeded")


# ---------------------------------------------------------------- greedy baseline


def _take_greedily(
    data: RegionData,
    t: int,
    cohorts: np.ndarray,
    local: np.ndarray,
    seats_left: np.ndarray,
    money: int,
    taken: list[int],
    fund_price: float | None,
) -> list[int]:
    """Add cohorts to ``taken`` one at a time; returns the added ones.

    With ``fund_price`` None the rule is the baseline's (best marginal weight per
    rouble, free first); otherwise the best marginal weight minus ``fund_price`` ×
    price, while positive.
    """
    row = data.teachers[t]
    gains = row.gains[local]
    price = data.price[cohorts]
    hours = data.hours[cohorts]
    program = data.program[cohorts]
    exclusive = data.exclusive[cohorts]
    first = data.first_day[cohorts]
    last = data.last_day[cohorts]
    covered = np.zeros(len(row.weights))
    hours_left = int(data.max_hours[t])
    open_ = seats_left[cohorts] >= 1
    for i in taken:
        covered += data.product_gains[data.product_of[i]][row.deficits]
        hours_left -= int(data.hours[i])
        open_ &= program != data.program[i]
        if data.exclusive[i]:
            open_ &= ~(exclusive & (first <= data.last_day[i]) & (data.first_day[i] <= last))
    added: list[int] = []
    while True:
        room = np.maximum(1.0 - covered, 0.0)
        gain = np.minimum(gains, room) @ row.weights
        ok = open_ & (price <= money) & (hours <= hours_left) & (gain > EPS)
        if fund_price is not None:
            ok &= gain - fund_price * price > EPS
        candidates = np.flatnonzero(ok)
        if len(candidates) == 0:
            return added
        g = gain[candidates]
        p = price[candidates]
        if fund_price is None:
            with np.errstate(divide="ignore"):
                ratio = np.where(p == 0, np.inf, g / np.maximum(p, 1))
            order = np.lexsort((cohorts[candidates], hours[candidates], p, -g, -ratio))
        else:
            order = np.lexsort((cohorts[candidates], p, -(g - fund_price * p)))
        k = candidates[order[0]]
        cohort = int(cohorts[k])
        added.append(cohort)
        taken.append(cohort)
        covered += gains[k]
        money -= int(price[k])
        hours_left -= int(hours[k])
        open_ &= program != program[k]
        if exclusive[k]:
            open_ &= ~(exclusive & (first <= last[k]) & (first[k] <= last))
        open_[k] = False


def region_greedy(data: RegionData) -> list[list[int]]:
    """Educators in input order; each takes best coverage per rouble while seats and fund last."""
    seats_left = data.seats.copy()
    fund_left = data.problem.fund
    chosen: list[list[int]] = []
    for t, row in enumerate(data.teachers):
        taken: list[int] = []
        if len(row.products):
            cohorts, local = data.teacher_cohorts(row)
            money = min(int(data.budget[t]), fund_left)
            _take_greedily(data, t, cohorts, local, seats_left, money, taken, None)
            for i in taken:
                seats_left[i] -= 1
                fund_left -= int(data.price[i])
        chosen.append(taken)
    return chosen


# ---------------------------------------------------------------- decomposition


def _initial_pool(data: RegionData, greedy: list[list[int]]) -> _Pool:
    """Cheap starting routes: each educator's best single products and greedy route prefixes."""
    pool = _Pool.empty(data.n_teachers)
    for t, row in enumerate(data.teachers):
        if not len(row.products):
            continue
        for k in np.argsort(-row.standalone, kind="stable")[:POOL_SINGLETONS].tolist():
            pool.routes[t][(k,)] = (
                float(row.standalone[k]),
                int(data.product_price[row.products[k]]),
            )
        taken = np.searchsorted(row.products, data.product_of[greedy[t]]).tolist()
        for size in range(1, len(taken) + 1):
            pool.add(data, t, tuple(sorted(taken[:size])))
    pool.rebuild(data)
    return pool


_WORKER_DATA: RegionData | None = None


def _set_worker_data(data: RegionData) -> None:
    global _WORKER_DATA
    _WORKER_DATA = data


def priced_items(data: RegionData, t: int, pair_cost: np.ndarray, mu: float) -> tuple[np.ndarray, list[Item]]:
    """The options of educator ``t`` worth pricing at the seat prices ``pair_cost`` and fund
    price ``mu`` (those whose gain alone exceeds their cost), as the oracle's items, with their
    positions among the educator's products."""
    row = data.teachers[t]
    cost = pair_cost[row.pairs] + mu * data.product_price[row.products]
    positive = np.flatnonzero(row.standalone - cost > EPS)
    gains = row.gains[positive].tolist()
    items = [
        Item(
            gains=tuple(gains[j]),
            cost=float(cost[k]),
            price=int(data.product_price[row.products[k]]),
            hours=int(data.product_hours[row.products[k]]),
            program=int(data.product_program[row.products[k]]),
            first_day=0,
            last_day=0,
            exclusive=False,
        )
        for j, k in enumerate(positive)
    ]
    return positive, items


def _price_chunk(
    teachers: np.ndarray,
    pair_cost: np.ndarray,
    mu: float,
    incumbent: np.ndarray,
    cheap: np.ndarray,
    deadline: float,
) -> tuple[list[float], list[tuple[int, ...] | None], int]:
    """Exact priced routes of some educators; past ``deadline`` (``time.monotonic``,
    shared by forked processes) the rest keep their cheap bound and no new route."""
    data = _WORKER_DATA
    assert data is not None
    bounds: list[float] = []
    routes: list[tuple[int, ...] | None] = []
    unpriced = 0
    for t, best, rough in zip(teachers.tolist(), incumbent.tolist(), cheap.tolist(), strict=True):
        if time.monotonic() > deadline:
            bounds.append(rough)
            routes.append(None)
            unpriced += 1
            continue
        positive, items = priced_items(data, t, pair_cost, mu)
        if len(positive) == 0:
            bounds.append(best)
            routes.append(None)
            continue
        profit, route, finished, bound = best_priced_route(
            data.teachers[t].weights.tolist(),
            items,
            budget=int(data.budget[t]),
            max_hours=int(data.max_hours[t]),
            node_limit=NODE_LIMIT,
            incumbent=best,
        )
        if not finished:
            unpriced += 1
        bounds.append(bound)
        routes.append(None if route is None else tuple(sorted(int(positive[j]) for j in route)))
    return bounds, routes, unpriced


class _Decomposition:
    """Lagrangian multipliers, the route pool and the best bound found."""

    def __init__(self, data: RegionData, pool: _Pool, lower: float, workers: int) -> None:
        self.data = data
        self.pool = pool
        self.lower = lower
        self.lam = np.zeros(len(data.price))
        self.limited = np.isfinite(data.seats)
        positive = data.price[data.price > 0]
        self.money_unit = float(positive.mean()) if len(positive) else 1.0
        self.mu = 0.0
        self.theta = 1.0
        self.bound = math.inf
        self.stats: dict[str, float] = {}
        self.executor: ProcessPoolExecutor | None = None
        self.workers = max(1, workers)
        _set_worker_data(data)
        if self.workers > 1:
            self.executor = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_set_worker_data,
                initargs=(data,),
            )

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown()

    def price_pool(self, lam: np.ndarray, mu: float) -> _Pricing:
        data, pool = self.data, self.pool
        pair_cost, pair_cohort = data.pair_min(lam)
        n = data.n_teachers
        best = np.zeros(n)
        chosen = np.full(n, -1, dtype=np.int64)
        seat_use = np.zeros(len(lam))
        fund_use = 0.0
        if len(pool.value):
            entry_cost = pair_cost[pool.entry_pair]
            route_cost = np.add.reduceat(entry_cost, pool.ptr[:-1])
            reduced = pool.value - route_cost - mu * pool.price
            has = np.flatnonzero(np.diff(pool.teacher_ptr) > 0)
            starts = pool.teacher_ptr[has]
            top = np.maximum.reduceat(reduced, starts)
            winners = top > EPS
            best[has] = np.maximum(top, 0.0)
            # first route of each educator that attains the maximum
            is_top = reduced >= np.repeat(top, np.diff(pool.teacher_ptr)[has]) - 1e-12
            index = np.where(is_top, np.arange(len(reduced)), len(reduced))
            first = np.minimum.reduceat(index, starts)
            chosen[has[winners]] = first[winners]
            routes = chosen[chosen >= 0]
            if len(routes):
                lengths = pool.ptr[routes + 1] - pool.ptr[routes]
                entries = np.repeat(pool.ptr[routes], lengths) + (
                    np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
                )
                seat_use = np.bincount(
                    pair_cohort[pool.entry_pair[entries]], minlength=len(lam)
                ).astype(np.float64)
                fund_use = float(pool.price[routes].sum())
        dual = float(
            best.sum() + lam[self.limited] @ data.seats[self.limited] + mu * data.problem.fund
        )
        return _Pricing(dual, best, chosen, seat_use, fund_use)

    def subgradient(self, steps: int, *, average: bool = False) -> np.ndarray | None:
        """Lower the pool's dual function from the best multipliers so far.

        Polyak steps towards the greedy value; the step factor halves after ten
        steps without improvement and carries over between calls (restarting it
        at every call stalled the bound: measured in docs/planner.md). With
        ``average`` the share of steps in which each pool route was an
        educator's choice is returned: the ergodic average of the relaxed
        solutions, which the repair follows.
        """
        lam, mu = self.lam.copy(), self.mu
        best_dual, best_lam, best_mu = math.inf, lam, mu
        stall = 0
        fund_scale = self.money_unit
        counts = np.zeros(len(self.pool.value)) if average else None
        for _ in range(steps):
            pricing = self.price_pool(lam, mu)
            if counts is not None:
                counts[pricing.chosen[pricing.chosen >= 0]] += 1
            if pricing.dual < best_dual - 1e-9:
                best_dual, best_lam, best_mu, stall = pricing.dual, lam.copy(), mu, 0
            else:
                stall += 1
                if stall >= 10:
                    self.theta, stall = max(self.theta / 2, 1e-4), 0
            g_seat = np.where(self.limited, self.data.seats - pricing.seat_use, 0.0)
            g_fund = (self.data.problem.fund - pricing.fund_use) / fund_scale
            # only directions that can move: a zero multiplier with spare capacity stays zero
            g_seat = np.where((lam <= 0) & (g_seat > 0), 0.0, g_seat)
            if mu <= 0 and g_fund > 0:
                g_fund = 0.0
            norm = float(g_seat @ g_seat + g_fund * g_fund)
            if norm <= 0:
                break
            step = self.theta * max(pricing.dual - self.lower, 1e-9 * abs(pricing.dual)) / norm
            lam = np.maximum(0.0, lam - step * g_seat)
            mu = max(0.0, mu - step * g_fund / fund_scale)
        self.lam, self.mu = best_lam, best_mu
        return None if counts is None else counts / steps

    def exact_round(self, deadline: float) -> tuple[float, int, int]:
        """Price educators exactly; add their routes; return the bound, new routes, unpriced.

        An educator whose cheap bound (total weight, and the sum of positive
        single-product profits) does not exceed its best pool route is already
        priced exactly by the pool and skips the branch and bound. The others go
        largest possible improvement first; those not reached by ``deadline``
        (``time.monotonic``) keep the cheap bound, so the bound stays valid.
        """
        data = self.data
        pair_cost, _ = data.pair_min(self.lam)
        incumbent = self.price_pool(self.lam, self.mu).best
        profit = np.maximum(
            data.row_standalone
            - pair_cost[data.row_pairs]
            - self.mu * data.product_price[data.row_products],
            0.0,
        )
        cheap = np.zeros(data.n_teachers)
        rows = np.flatnonzero(np.diff(data.row_ptr) > 0)
        if len(rows):
            cheap[rows] = np.add.reduceat(profit, data.row_ptr[rows])
        cheap = np.maximum(np.minimum(cheap, data.total_weight), incumbent)
        bounds = cheap.copy()
        todo = np.flatnonzero(cheap > incumbent + EPS)
        todo = todo[np.argsort(-(cheap[todo] - incumbent[todo]), kind="stable")]
        parts = 1 if self.executor is None else 8 * self.workers
        size = max(1, math.ceil(len(todo) / parts))
        chunks = [todo[a : a + size] for a in range(0, len(todo), size)]
        arguments = (
            chunks,
            [pair_cost] * len(chunks),
            [self.mu] * len(chunks),
            [incumbent[chunk] for chunk in chunks],
            [cheap[chunk] for chunk in chunks],
            [deadline] * len(chunks),
        )
        if self.executor is None:
            results = list(map(_price_chunk, *arguments))
        else:
            results = list(self.executor.map(_price_chunk, *arguments))
        added = 0
        unpriced = 0
        for chunk, (chunk_bounds, chunk_routes, chunk_unpriced) in zip(
            chunks, results, strict=True
        ):
            bounds[chunk] = chunk_bounds
            added += sum(
                self.pool.add(data, t, route)
                for t, route in zip(chunk.tolist(), chunk_routes, strict=True)
            )
            unpriced += chunk_unpriced
        self.pool.rebuild(data)
        limited = self.limited
        bound = float(
            bounds.sum() + self.lam[limited] @ data.seats[limited] + self.mu * data.problem.fund
        )
        return bound, added, unpriced

    def run(self, deadline: float, report: Progress) -> np.ndarray:
        """Alternate pool subgradient and exact pricing; return the averaged route shares.

        ``deadline`` is a ``time.monotonic`` instant. A pricing round may use at
        most ``ROUND_SHARE`` of the time left (so a slow machine still gets several
        rounds). Stops when time is up, or when a complete round adds no route and
        the bound moved by less than ``STOP_IMPROVEMENT``. One round always runs,
        so there is always a proven bound.
        """
        rounds = 0
        while True:
            round_started = time.monotonic()
            self.subgradient(SUBGRADIENT_STEPS)
            subgradient_time = time.monotonic() - round_started
            report(min(0.95, rounds / 8), f"pricing round {rounds + 1}")
            previous = self.bound
            left = deadline - time.monotonic()
            bound, added, unpriced = self.exact_round(time.monotonic() + ROUND_SHARE * left)
            self.bound = min(self.bound, bound)
            rounds += 1
            round_time = time.monotonic() - round_started
            self.stats[f"round{rounds}_bound"] = bound
            self.stats[f"round{rounds}_added"] = float(added)
            self.stats[f"round{rounds}_unpriced"] = float(unpriced)
            self.stats[f"round{rounds}_s"] = round_time
            settled = (
                unpriced == 0
                and added == 0
                and previous - self.bound <= STOP_IMPROVEMENT * self.bound
            )
            left = deadline - time.monotonic()
            # the next round's subgradient, some pricing, and the final averaging
            if settled or left < 4 * subgradient_time + MIN_PRICING_S:
                break
        shares = self.subgradient(2 * SUBGRADIENT_STEPS, average=True)
        assert shares is not None
        self.stats["rounds"] = float(rounds)
        self.stats["mu"] = self.mu
        return shares


# ---------------------------------------------------------------- repair


def _repair(
    data: RegionData, pool: _Pool, lam: np.ndarray, mu: float, shares: np.ndarray
) -> list[list[int]]:
    """A feasible allocation: follow the averaged relaxed solution, then hand out leftovers.

    Educators whose averaged choice is most certain go first and take the pool
    route they chose most often that still fits (seats, fund), cohort by cohort;
    then every educator, in the same order, greedily adds what still fits: first
    only options worth their fund price ``mu``, then anything.
    """
    seats_left = data.seats.copy()
    fund_left = data.problem.fund
    n = data.n_teachers
    ranked: list[list[tuple[float, int]]] = [[] for _ in range(n)]
    for r in np.flatnonzero(shares > 0).tolist():
        ranked[int(pool.teacher[r])].append((float(shares[r]), r))
    certainty = np.zeros(n)
    for t in range(n):
        if ranked[t]:
            ranked[t].sort(reverse=True)
            certainty[t] = ranked[t][0][0]
    order = np.argsort(-certainty, kind="stable")
    chosen: list[list[int]] = [[] for _ in range(n)]
    for t in order:
        if not ranked[t]:
            break
        row = data.teachers[t]
        for _, r in ranked[t]:
            local = pool.entry_local[pool.ptr[r] : pool.ptr[r + 1]]
            placed = _place(data, row, local, lam, seats_left, fund_left)
            if placed is not None:
                chosen[t] = placed
                for i in placed:
                    seats_left[i] -= 1
                    fund_left -= int(data.price[i])
                break
    for fund_price in (mu, 0.0):
        for t in order:
            row = data.teachers[t]
            if not len(row.products):
                continue
            cohorts, local = data.teacher_cohorts(row)
            money = min(int(data.budget[t]) - int(data.price[chosen[t]].sum()), fund_left)
            added = _take_greedily(
                data, int(t), cohorts, local, seats_left, money, chosen[t], fund_price
            )
            for i in added:
                seats_left[i] -= 1
                fund_left -= int(data.price[i])
    return chosen


def _place(
    data: RegionData,
    row: TeacherRow,
    local: np.ndarray,
    lam: np.ndarray,
    seats_left: np.ndarray,
    fund_left: int,
) -> list[int] | None:
    """Cohorts for a whole pool route, or None if some product has no free fitting cohort."""
    if int(data.product_price[row.products[local]].sum()) > fund_left:
        return None
    placed: list[int] = []
    for k in local:
        pair = int(row.pairs[k])
        cohorts = data.pair_cohorts[data.pair_ptr[pair] : data.pair_ptr[pair + 1]]
        best: int | None = None
        for i in sorted(cohorts.tolist(), key=lambda i: (lam[i], -seats_left[i], i)):
            if seats_left[i] < 1:
                continue
            if data.exclusive[i] and any(
                data.exclusive[j]
                and data.first_day[i] <= data.last_day[j]
                and data.first_day[j] <= data.last_day[i]
                for j in placed
            ):
                continue
            best = i
            break
        if best is None:
            return None
        placed.append(best)
    return placed
