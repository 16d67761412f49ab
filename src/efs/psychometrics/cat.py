"""Stateless adaptive testing: (bank, responses so far, config, seed) → next item or stop.

Nothing is remembered between calls: the caller stores the responses and calls
:func:`cat_next` again; the same inputs (with an integer seed) always give the
same answer, so a retried request or a restarted server changes nothing.

One step:

1. Score: per-dimension marginal posteriors (exact likelihood on a grid times an
   EP Gaussian message that carries the correlated prior; see
   :mod:`efs.psychometrics.estimation`), giving ``theta`` (EAP), ``se``
   (posterior SD) and ``P(θ < cut)``.
2. Stop each dimension that has its minimum number of items and whose decision
   is confident (Bayesian: ``P(θ < cut) ≥ deficit_threshold`` or
   ``≤ no_deficit_threshold``; or Wald's SPRT on ``cut ± sprt_delta``), or whose
   SE reached ``se_target``, or that hit its cap or ran out of items.
3. Stop the test when no dimension is active or the total cap is reached.
4. Otherwise pick the active dimension with the fewest items so far (content
   balancing; ties go to the least certain decision), rank its unused items by
   Fisher information (at the cut by default), choose at random
   among the best ``randomesque`` and apply Sympson–Hetter exposure control
   (item ``i`` is administered with probability ``bank.exposure[i]``, otherwise
   the next candidate is tried).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, cast

import numpy as np

from efs.psychometrics.bank import DEFAULT_GRID, ItemBank
from efs.psychometrics.estimation import log_likelihood_grid, marginal_posterior
from efs.psychometrics.models import FloatArray, IntArray, log_probabilities

Decision = Literal["deficit", "uncertain", "no_deficit"]
Responses = Sequence[tuple[int, int]]


@dataclass(frozen=True)
class CatConfig:
    """Settings of one adaptive (or fixed-form) test.

    ``cuts``: one cut per dimension (default: the bank's). ``min_items`` and
    ``max_items``: per dimension, an int for all or one per dimension
    (``max_items=None``: no per-dimension cap). ``max_total``: hard cap on the
    test length. ``correlation``: prior correlation between dimensions (``None``:
    independent). ``dimensions``: indices of the dimensions to test (default all).
    ``selection``: rank items by Fisher information at the competency's cut
    ("cut", the default: the test exists to decide on which side of the cut a
    person is), averaged over the posterior ("posterior"; as accurate in
    bench/psychometrics/cat_accuracy.py) or at the EAP ("point").
    ``mode="fixed"`` administers ``fixed_form`` (item indices) in order.
    """

    cuts: Sequence[float] | None = None
    deficit_threshold: float = 0.95
    no_deficit_threshold: float = 0.05
    stopping: Literal["bayes", "sprt"] = "bayes"
    sprt_delta: float = 0.3
    sprt_alpha: float = 0.05
    sprt_beta: float = 0.05
    se_target: float | None = None
    min_items: int | Sequence[int] = 2
    max_items: int | Sequence[int] | None = None
    max_total: int | None = None
    randomesque: int = 1
    sympson_hetter: bool = True
    correlation: Sequence[Sequence[float]] | FloatArray | None = None
    dimensions: Sequence[int] | None = None
    selection: Literal["posterior", "point", "cut"] = "cut"
    mode: Literal["adaptive", "fixed"] = "adaptive"
    fixed_form: Sequence[int] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not 0.5 < self.deficit_threshold <= 1.0:
            raise ValueError("deficit_threshold must be in (0.5, 1]")
        if not 0.0 <= self.no_deficit_threshold < 0.5:
            raise ValueError("no_deficit_threshold must be in [0, 0.5)")
        if self.stopping not in ("bayes", "sprt"):
            raise ValueError("stopping must be 'bayes' or 'sprt'")
        if self.selection not in ("posterior", "point", "cut"):
            raise ValueError("selection must be 'posterior', 'point' or 'cut'")
        if self.mode not in ("adaptive", "fixed"):
            raise ValueError("mode must be 'adaptive' or 'fixed'")
        if self.mode == "fixed" and not self.fixed_form:
            raise ValueError("fixed mode needs a fixed_form")
        if self.randomesque < 1:
            raise ValueError("randomesque must be at least 1")
        if self.max_total is not None and self.max_total < 0:
            raise ValueError("max_total must be non-negative")
        if self.sprt_delta <= 0 or not (0 < self.sprt_alpha < 1 and 0 < self.sprt_beta < 1):
            raise ValueError("SPRT needs delta > 0 and alpha, beta in (0, 1)")


@dataclass(frozen=True)
class DimensionResult:
    """Ability and deficit decision of one dimension (competency)."""

    dimension: int
    id: str
    theta: float
    se: float
    p_deficit: float
    decision: Decision
    n_items: int
    stopped: bool
    reason: str

    @property
    def deficit(self) -> bool:
        """The more probable side of the cut."""
        return self.p_deficit >= 0.5

    @property
    def confidence(self) -> float:
        """Posterior probability of the more probable side."""
        return max(self.p_deficit, 1.0 - self.p_deficit)


@dataclass(frozen=True)
class CatStep:
    """The next item to administer (``None`` when the test stops) and the current results."""

    item: int | None
    stopped: bool
    reason: str
    dimensions: list[DimensionResult]


def score(
    bank: ItemBank, responses: Responses, config: CatConfig | None = None
) -> list[DimensionResult]:
    """Per-dimension results for the responses so far (no item selection)."""
    config = config or CatConfig()
    items, scores = _validate(bank, responses)
    return _evaluate(bank, items, scores, config, np.zeros(0, dtype=np.int64)).results


def cat_next(
    bank: ItemBank,
    responses: Responses,
    config: CatConfig | None = None,
    rng: np.random.Generator | int | None = None,
    *,
    exclude: Sequence[int] = (),
) -> CatStep:
    """Choose the next item, or stop; a pure function of its arguments.

    ``responses``: ``(item index, score)`` pairs in the order given. ``rng``: an
    integer seed (stored with the attempt) makes the choice reproducible — the
    generator is seeded with ``(seed, number of responses)``; a Generator is used
    as is. ``exclude``: item indices that must not be chosen (e.g. unavailable).
    """
    config = config or CatConfig()
    items, scores = _validate(bank, responses)
    excluded = np.asarray(list(exclude), dtype=np.int64)
    for name, indices in (("exclude", excluded), ("fixed_form", list(config.fixed_form))):
        if any(not 0 <= int(i) < bank.n_items for i in indices):
            raise ValueError(f"{name} holds an item index outside the bank")
    evaluation = _evaluate(bank, items, scores, config, excluded)
    results, active, total_reason = evaluation.results, evaluation.active, evaluation.total_reason
    if total_reason:
        return CatStep(item=None, stopped=True, reason=total_reason, dimensions=results)
    used = np.zeros(bank.n_items, dtype=bool)
    used[items] = True
    if excluded.size:
        used[excluded] = True
    if config.mode == "fixed":
        for item in config.fixed_form:
            if not used[item]:
                return CatStep(
                    item=int(item), stopped=False, reason="fixed_form", dimensions=results
                )
        finished = [replace(r, stopped=True) for r in results]
        return CatStep(item=None, stopped=True, reason="form_complete", dimensions=finished)
    generator = rng if isinstance(rng, np.random.Generator) else _generator(rng, len(items))
    counts = np.array([r.n_items for r in results])
    uncertainty = np.array([min(r.p_deficit, 1.0 - r.p_deficit) for r in results])
    candidates = np.flatnonzero(active)
    order = np.lexsort((-uncertainty[candidates], counts[candidates]))
    dim = int(candidates[order[0]])
    pool = bank.items_by_dimension[dim]
    pool = pool[~used[pool]]
    criterion = _criterion(bank, pool, dim, results[dim], config, evaluation.weights[dim])
    item = _choose(pool, criterion, bank.exposure, config, generator)
    return CatStep(item=item, stopped=False, reason="continue", dimensions=results)


def _generator(seed: int | None, step: int) -> np.random.Generator:
    if seed is None:
        return np.random.default_rng()
    if seed < 0:
        raise ValueError("the seed must be a non-negative integer")
    return np.random.default_rng([int(seed), step])


def _validate(bank: ItemBank, responses: Responses) -> tuple[IntArray, IntArray]:
    if len(responses) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.asarray(responses)
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError("responses must be (item index, score) pairs of integers")
    items = arr[:, 0].astype(np.int64)
    scores = arr[:, 1].astype(np.int64)
    if items.min() < 0 or items.max() >= bank.n_items:
        raise ValueError("response item index out of range")
    if np.unique(items).size != items.size:
        raise ValueError("an item was answered twice")
    if scores.min() < 0 or np.any(scores >= bank.n_categories[items]):
        raise ValueError("response score out of range for its item")
    return items, scores


def _per_dimension(value: int | Sequence[int] | None, n_dims: int, default: int) -> IntArray:
    if value is None:
        return np.full(n_dims, default, dtype=np.int64)
    if isinstance(value, int):
        return np.full(n_dims, value, dtype=np.int64)
    out = np.asarray(value, dtype=np.int64)
    if out.shape != (n_dims,):
        raise ValueError("per-dimension settings need one value per dimension")
    return out


def _cuts(bank: ItemBank, config: CatConfig) -> FloatArray:
    if config.cuts is None:
        return bank.cuts
    cuts = np.asarray(config.cuts, dtype=np.float64)
    if cuts.shape != (bank.n_dimensions,):
        raise ValueError("cuts need one value per dimension")
    return cuts


@dataclass(frozen=True)
class _Evaluation:
    results: list[DimensionResult]
    active: np.ndarray  # dimensions that may receive more items
    total_reason: str  # why the whole test stops, '' if it goes on
    weights: FloatArray  # marginal posterior of each dimension on DEFAULT_GRID


def _evaluate(
    bank: ItemBank, items: IntArray, scores: IntArray, config: CatConfig, excluded: IntArray
) -> _Evaluation:
    n_dims = bank.n_dimensions
    cuts = _cuts(bank, config)
    loglik = log_likelihood_grid(bank, items, scores)[0]
    correlation = (
        None if config.correlation is None else np.asarray(config.correlation, dtype=float)
    )
    post = marginal_posterior(loglik, correlation, tol=1e-5)
    p_deficit = post.probability_below(cuts)
    counts = np.bincount(bank.dimension[items], minlength=n_dims)
    min_items = _per_dimension(config.min_items, n_dims, 0)
    max_items = _per_dimension(config.max_items, n_dims, bank.n_items)
    tested = np.zeros(n_dims, dtype=bool)
    chosen = list(range(n_dims)) if config.dimensions is None else list(config.dimensions)
    if any(not 0 <= d < n_dims for d in chosen):
        raise ValueError("dimensions must be indices of the bank's dimensions")
    tested[chosen] = True
    remaining = np.bincount(bank.dimension, minlength=n_dims) - counts
    if excluded.size:
        unusable = np.setdiff1d(excluded, items)
        remaining -= np.bincount(bank.dimension[unusable], minlength=n_dims)
    if config.stopping == "sprt":
        confident = _sprt_decided(bank, items, scores, cuts, config)
    else:
        confident = (p_deficit >= config.deficit_threshold) | (
            p_deficit <= config.no_deficit_threshold
        )
    total_reason = ""
    if config.max_total is not None and items.size >= config.max_total:
        total_reason = "max_total"
    reasons: list[str] = []
    for d in range(n_dims):
        if not tested[d]:
            reasons.append("not_tested")
        elif config.mode == "fixed":
            reasons.append("fixed_form")
        elif counts[d] >= max_items[d]:
            reasons.append("max_items")
        elif remaining[d] <= 0:
            reasons.append("exhausted")
        elif counts[d] >= min_items[d] and confident[d]:
            reasons.append("confident")
        elif (
            counts[d] >= min_items[d]
            and config.se_target is not None
            and post.sd[d] <= config.se_target
        ):
            reasons.append("se_target")
        else:
            reasons.append("")
    active = np.array([r == "" for r in reasons]) if config.mode == "adaptive" else tested.copy()
    if not total_reason and config.mode == "adaptive" and not active.any():
        total_reason = "all_dimensions_stopped"
    results = []
    for d in range(n_dims):
        p = float(p_deficit[d])
        decision: Decision = (
            "deficit"
            if p >= config.deficit_threshold
            else "no_deficit"
            if p <= config.no_deficit_threshold
            else "uncertain"
        )
        stopped = bool(reasons[d]) if config.mode == "adaptive" else bool(total_reason)
        results.append(
            DimensionResult(
                dimension=d,
                id=bank.dimension_ids[d],
                theta=float(post.mean[d]),
                se=float(post.sd[d]),
                p_deficit=p,
                decision=decision,
                n_items=int(counts[d]),
                stopped=stopped or bool(total_reason),
                reason=reasons[d] or (total_reason if total_reason else "active"),
            )
        )
    return _Evaluation(
        results=results, active=active, total_reason=total_reason, weights=post.weights
    )


def _sprt_decided(
    bank: ItemBank, items: IntArray, scores: IntArray, cuts: FloatArray, config: CatConfig
) -> np.ndarray:
    """Wald's SPRT per dimension: H0 θ = cut + δ (no deficit) against H1 θ = cut − δ."""
    n_dims = bank.n_dimensions
    if items.size == 0:
        return np.zeros(n_dims, dtype=bool)
    dims = bank.dimension[items]
    cut = cuts[dims]
    model, a, c, steps = bank.model[items], bank.a[items], bank.c[items], bank.steps[items]
    idx = np.arange(items.size)
    upper = log_probabilities(model, a, c, steps - (cut + config.sprt_delta)[:, None], [0.0])
    lower = log_probabilities(model, a, c, steps - (cut - config.sprt_delta)[:, None], [0.0])
    ratio = upper[idx, scores, 0] - lower[idx, scores, 0]
    llr = np.bincount(dims, ratio, minlength=n_dims)
    accept_above = np.log((1.0 - config.sprt_beta) / config.sprt_alpha)
    accept_below = np.log(config.sprt_beta / (1.0 - config.sprt_alpha))
    return cast(np.ndarray, (llr >= accept_above) | (llr <= accept_below))


def _criterion(
    bank: ItemBank,
    pool: IntArray,
    dim: int,
    result: DimensionResult,
    config: CatConfig,
    weights: FloatArray,
) -> FloatArray:
    info = bank.information_table[pool]
    if config.selection == "point":
        return info[:, int(np.argmin(np.abs(DEFAULT_GRID - result.theta)))]
    if config.selection == "cut":
        cut = float(_cuts(bank, config)[dim])
        return info[:, int(np.argmin(np.abs(DEFAULT_GRID - cut)))]
    return info @ weights


def _choose(
    pool: IntArray,
    criterion: FloatArray,
    exposure: FloatArray,
    config: CatConfig,
    generator: np.random.Generator,
) -> int:
    order = np.argsort(-criterion, kind="stable")
    k = min(config.randomesque, order.size)
    ranked = np.concatenate((generator.permutation(order[:k]), order[k:]))
    if config.sympson_hetter:
        accept = generator.random(ranked.size) < exposure[pool[ranked]]
        hits = np.flatnonzero(accept)
        if hits.size:
            return int(pool[ranked[hits[0]]])
    return int(pool[ranked[0]])
