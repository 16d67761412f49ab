"""Item calibration by marginal maximum likelihood (Bock–Aitkin EM) on sparse data.

Data are long-format responses ``(person, item, score)``; each person answers
only a few items of a large bank. The E-step never builds a person × item
matrix: responses become a sparse indicator matrix ``Y`` (person × item-category
column), so the log-likelihood of every person at every quadrature node is one
sparse product ``Y @ log P`` and the expected counts per item, category and node
are ``Yᵀ @ posterior``. Persons are processed in chunks to bound memory.

M-step, per item, vectorised over all items at once:

* 2PL and GPCM share one parametrisation, ``z_k = k a θ + δ_k`` (a 2PL item is
  a GPCM item with one step); the expected log-likelihood is concave in
  ``(a, δ)`` and Newton's method uses the exact Hessian;
* 3PL uses Fisher scoring in ``(a, d, logit c)`` with a Beta prior on ``c``.

Anchor items keep their given parameters; when anchors are present, the mean
and standard deviation of the latent distribution are estimated (the anchors
fix the scale), otherwise the latent distribution is ``N(0, 1)``.

Dimensions (simple structure): each dimension is calibrated on the responses to
its own items. The marginal distribution of those responses depends only on
that dimension's ability, so the estimates are consistent whatever the
correlation between dimensions (a composite likelihood); the correlation is
then estimated separately by :func:`efs.psychometrics.estimation.estimate_correlation`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, ndtri

from efs.psychometrics.models import (
    GPCM,
    THREE_PL,
    FloatArray,
    IntArray,
    log_probabilities,
    model_code,
)

ProgressCallback = Callable[[float, str], None]

_CHUNK_RESPONSES = 4_000_000
_MAX_SLOPE = 10.0
_MAX_INTERCEPT = 40.0


class ResponseDataError(ValueError):
    """Response data are malformed."""


@dataclass(frozen=True)
class ResponseData:
    """Long-format responses; ``person`` and ``item`` are 0-based indices."""

    person: IntArray
    item: IntArray
    score: IntArray
    n_persons: int
    n_items: int

    @classmethod
    def from_arrays(
        cls,
        person: Sequence[int] | IntArray,
        item: Sequence[int] | IntArray,
        score: Sequence[int] | IntArray,
        *,
        n_persons: int | None = None,
        n_items: int | None = None,
    ) -> ResponseData:
        person_arr = np.asarray(person)
        item_arr = np.asarray(item)
        score_arr = np.asarray(score)
        if not (person_arr.shape == item_arr.shape == score_arr.shape) or person_arr.ndim != 1:
            raise ResponseDataError("person, item and score must be 1-D arrays of one length")
        for name, arr in (("person", person_arr), ("item", item_arr), ("score", score_arr)):
            if arr.size and not np.issubdtype(arr.dtype, np.integer):
                raise ResponseDataError(f"{name} must be integers")
            if arr.size and arr.min() < 0:
                raise ResponseDataError(f"{name} must be non-negative")
        n_p = int(person_arr.max()) + 1 if person_arr.size else 0
        n_i = int(item_arr.max()) + 1 if item_arr.size else 0
        if n_persons is not None:
            if n_persons < n_p:
                raise ResponseDataError("person index out of range")
            n_p = n_persons
        if n_items is not None:
            if n_items < n_i:
                raise ResponseDataError("item index out of range")
            n_i = n_items
        return cls(
            person=person_arr.astype(np.int32),
            item=item_arr.astype(np.int32),
            score=score_arr.astype(np.int32),
            n_persons=n_p,
            n_items=n_i,
        )

    def subset(self, mask: np.ndarray, item_map: IntArray, n_items: int) -> ResponseData:
        """Responses where ``mask`` holds, items renumbered by ``item_map``."""
        return ResponseData(
            person=self.person[mask],
            item=item_map[self.item[mask]].astype(np.int32),
            score=self.score[mask],
            n_persons=self.n_persons,
            n_items=n_items,
        )


@dataclass(frozen=True)
class ItemParameters:
    """Parameters of one item (used for anchors): model name, slope, steps, guessing."""

    model: str
    a: float
    steps: Sequence[float]
    c: float = 0.0


@dataclass(frozen=True)
class CalibrationResult:
    """Estimated parameters (arrays indexed by item) and convergence information."""

    model: IntArray
    a: FloatArray
    c: FloatArray
    steps: FloatArray
    dimension: IntArray
    fixed: np.ndarray
    n_responses: IntArray
    converged: bool
    iterations: int
    log_likelihood: float
    history: list[float]
    population_mean: FloatArray
    population_sd: FloatArray
    n_quadpts: int

    @property
    def b(self) -> FloatArray:
        return cast(FloatArray, np.nanmean(self.steps, axis=1))


def calibrate(
    data: ResponseData,
    *,
    model: str | Sequence[str] = "2PL",
    dimension: Sequence[int] | IntArray | None = None,
    anchors: Mapping[int, ItemParameters] | None = None,
    n_quadpts: int = 41,
    max_iter: int = 500,
    tol: float = 1e-4,
    guessing_prior: tuple[float, float] = (5.0, 17.0),
    estimate_population: bool | None = None,
    progress: ProgressCallback | None = None,
) -> CalibrationResult:
    """Calibrate every item by MML/EM.

    ``model``: one name for all items or one per item ("2PL", "3PL", "GPCM"; a
    GPCM item's number of steps is its highest observed score). ``dimension``:
    the dimension of each item (default: one dimension). ``anchors``: item index
    → parameters held fixed. ``tol``: the largest change of any parameter between
    iterations at convergence. ``guessing_prior``: Beta(α, β) prior on 3PL ``c``.
    ``progress(fraction, message)`` is called after every iteration.
    """
    if n_quadpts < 5:
        raise ValueError("n_quadpts must be at least 5")
    n_items = data.n_items
    models = _model_codes(model, n_items)
    dims = np.zeros(n_items, dtype=np.int64) if dimension is None else np.asarray(dimension)
    if dims.shape != (n_items,) or (n_items and dims.min() < 0):
        raise ValueError("dimension must give a non-negative index for every item")
    anchors = dict(anchors or {})
    for index, params in anchors.items():
        if not 0 <= index < n_items:
            raise ValueError(f"anchor item index {index} out of range")
        models[index] = model_code(params.model)
    max_score = np.zeros(n_items, dtype=np.int64)
    np.maximum.at(max_score, data.item, data.score)
    for index, params in anchors.items():
        max_score[index] = len(params.steps)
    dichotomous = models != GPCM
    if np.any(max_score[dichotomous] > 1):
        raise ResponseDataError("2PL/3PL items must be scored 0/1")
    n_steps = np.where(dichotomous, 1, np.maximum(max_score, 1))
    n_dims = int(dims.max()) + 1 if n_items else 0
    width = int(n_steps.max()) if n_items else 1
    result_a = np.ones(n_items)
    result_c = np.zeros(n_items)
    result_steps = np.full((n_items, width), np.nan)
    fixed = np.zeros(n_items, dtype=bool)
    pop_mean = np.zeros(n_dims)
    pop_sd = np.ones(n_dims)
    history: list[float] = []
    iterations = 0
    converged = True
    log_lik = 0.0
    for d in range(n_dims):
        items_d = np.flatnonzero(dims == d)
        item_map = np.full(n_items, -1, dtype=np.int64)
        item_map[items_d] = np.arange(items_d.size)
        sub = data.subset(item_map[data.item] >= 0, item_map, items_d.size)
        local_anchors = {int(item_map[i]): p for i, p in anchors.items() if dims[i] == d}

        def report(fraction: float, message: str, d: int = d) -> None:
            if progress is not None:
                prefix = f"dimension {d + 1}/{n_dims}: " if n_dims > 1 else ""
                progress((d + fraction) / n_dims, prefix + message)

        fit = _calibrate_unidimensional(
            sub,
            models[items_d],
            n_steps[items_d],
            local_anchors,
            n_quadpts=n_quadpts,
            max_iter=max_iter,
            tol=tol,
            guessing_prior=guessing_prior,
            estimate_population=bool(local_anchors)
            if estimate_population is None
            else estimate_population,
            progress=report,
        )
        result_a[items_d] = fit.a
        result_c[items_d] = fit.c
        result_steps[items_d, : fit.steps.shape[1]] = fit.steps
        fixed[items_d] = fit.fixed
        pop_mean[d] = fit.mean
        pop_sd[d] = fit.sd
        history.extend(fit.history)
        iterations = max(iterations, fit.iterations)
        converged = converged and fit.converged
        log_lik += fit.history[-1] if fit.history else 0.0
    if progress is not None:
        progress(1.0, "calibration finished" if converged else "stopped at the iteration limit")
    return CalibrationResult(
        model=models,
        a=result_a,
        c=result_c,
        steps=result_steps,
        dimension=dims,
        fixed=fixed,
        n_responses=np.bincount(data.item, minlength=n_items).astype(np.int64),
        converged=converged,
        iterations=iterations,
        log_likelihood=log_lik,
        history=history,
        population_mean=pop_mean,
        population_sd=pop_sd,
        n_quadpts=n_quadpts,
    )


def _model_codes(model: str | Sequence[str], n_items: int) -> IntArray:
    if isinstance(model, str):
        return np.full(n_items, model_code(model), dtype=np.int64)
    codes = np.array([model_code(m) for m in model], dtype=np.int64)
    if codes.shape != (n_items,):
        raise ValueError("give one model name, or one per item")
    return codes


@dataclass(frozen=True)
class _UnidimensionalFit:
    a: FloatArray
    c: FloatArray
    steps: FloatArray
    fixed: np.ndarray
    mean: float
    sd: float
    history: list[float]
    iterations: int
    converged: bool


class _Layout:
    """Maps (item, score) to a column of the sparse indicator matrix."""

    def __init__(self, n_steps: IntArray) -> None:
        n_cat = n_steps + 1
        self.offset = np.concatenate(([0], np.cumsum(n_cat)[:-1])).astype(np.int64)
        self.n_columns = int(n_cat.sum())
        self.column_item = np.repeat(np.arange(n_steps.size), n_cat)
        self.column_category = np.arange(self.n_columns) - self.offset[self.column_item]


def _indicator_chunks(data: ResponseData, layout: _Layout) -> list[sp.csr_matrix]:
    """Split persons into chunks and build one CSR indicator matrix per chunk."""
    order = np.argsort(data.person, kind="stable")
    person = data.person[order]
    column = (layout.offset[data.item[order]] + data.score[order]).astype(np.int32)
    chunks: list[sp.csr_matrix] = []
    counts = np.bincount(person, minlength=data.n_persons)
    row_ptr = np.concatenate(([0], np.cumsum(counts)))
    persons_per_chunk = max(
        1, int(_CHUNK_RESPONSES / max(1.0, data.person.size / max(1, data.n_persons)))
    )
    for start in range(0, data.n_persons, persons_per_chunk):
        stop = min(start + persons_per_chunk, data.n_persons)
        lo, hi = row_ptr[start], row_ptr[stop]
        indptr = (row_ptr[start : stop + 1] - lo).astype(np.int32)
        values = np.ones(hi - lo)
        chunks.append(
            sp.csr_matrix((values, column[lo:hi], indptr), shape=(stop - start, layout.n_columns))
        )
    return chunks


def _start_values(
    data: ResponseData, models: IntArray, n_steps: IntArray, guessing_mode: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Slopes 1 and locations from the observed proportions (normal-ogive approximation)."""
    n_items = models.size
    width = int(n_steps.max())
    counts = np.zeros((n_items, width + 1))
    np.add.at(counts, (data.item, data.score), 1.0)
    total = np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    at_least = np.clip((total - np.cumsum(counts, axis=1)[:, :-1]) / total, 0.02, 0.98)
    c = np.where(models == THREE_PL, guessing_mode, 0.0)
    adjusted = np.clip((at_least - c[:, None]) / (1.0 - c[:, None]), 0.02, 0.98)
    thresholds = -1.975 * ndtri(adjusted)
    steps = np.full((n_items, width), np.nan)
    for j in range(n_items):
        m = int(n_steps[j])
        steps[j, :m] = np.sort(thresholds[j, :m]) if m > 1 else thresholds[j, :1]
    return np.ones(n_items), c, steps


def _calibrate_unidimensional(
    data: ResponseData,
    models: IntArray,
    n_steps: IntArray,
    anchors: Mapping[int, ItemParameters],
    *,
    n_quadpts: int,
    max_iter: int,
    tol: float,
    guessing_prior: tuple[float, float],
    estimate_population: bool,
    progress: ProgressCallback,
) -> _UnidimensionalFit:
    alpha, beta = guessing_prior
    guessing_mode = (alpha - 1.0) / (alpha + beta - 2.0) if alpha + beta > 2.0 else 0.2
    a, c, steps = _start_values(data, models, n_steps, guessing_mode)
    fixed = np.zeros(models.size, dtype=bool)
    for index, params in anchors.items():
        fixed[index] = True
        a[index] = params.a
        c[index] = params.c
        steps[index] = np.nan
        steps[index, : len(params.steps)] = params.steps
    layout = _Layout(n_steps)
    chunks = _indicator_chunks(data, layout)
    z = np.linspace(-6.0, 6.0, n_quadpts)
    log_prior = -0.5 * z * z
    log_prior -= np.log(np.sum(np.exp(log_prior)))
    mean, sd = 0.0, 1.0
    history: list[float] = []
    first_change: float | None = None
    fraction = 0.0
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        theta = mean + sd * z
        log_p = log_probabilities(models, a, c, steps, theta)
        table = log_p[layout.column_item, layout.column_category]
        counts = np.zeros((layout.n_columns, n_quadpts))
        node_mass = np.zeros(n_quadpts)
        log_lik = 0.0
        for chunk in chunks:
            ll = chunk @ table
            ll += log_prior
            top = ll.max(axis=1, keepdims=True)
            np.subtract(ll, top, out=ll)
            np.exp(ll, out=ll)
            norm = ll.sum(axis=1, keepdims=True)
            log_lik += float(np.sum(np.log(norm)) + np.sum(top))
            ll /= norm
            counts += chunk.T @ ll
            node_mass += ll.sum(axis=0)
        history.append(log_lik)
        expected = np.zeros((models.size, int(n_steps.max()) + 1, n_quadpts))
        expected[layout.column_item, layout.column_category] = counts
        new_a, new_c, new_steps = _m_step(models, a, c, steps, expected, theta, guessing_prior)
        new_a[fixed], new_c[fixed], new_steps[fixed] = a[fixed], c[fixed], steps[fixed]
        change = float(
            np.nanmax(
                np.concatenate(
                    (np.abs(new_a - a), np.abs(new_c - c), np.abs(new_steps - steps).ravel())
                ),
                initial=0.0,
            )
        )
        a, c, steps = new_a, new_c, new_steps
        if estimate_population:
            total = node_mass.sum()
            new_mean = float(node_mass @ theta / total)
            new_sd = float(np.sqrt(node_mass @ (theta - new_mean) ** 2 / total))
            change = max(change, abs(new_mean - mean), abs(new_sd - sd))
            mean, sd = new_mean, new_sd
        if first_change is None:
            first_change = max(change, tol * 10.0)
        if change > 0 and first_change > tol:
            done = math.log(first_change / max(change, tol)) / math.log(first_change / tol)
            fraction = max(fraction, min(done, 0.99))
        progress(
            fraction, f"iteration {iteration}: log-likelihood {log_lik:.2f}, change {change:.2e}"
        )
        if change < tol:
            converged = True
            break
    return _UnidimensionalFit(
        a=a,
        c=c,
        steps=steps,
        fixed=fixed,
        mean=mean,
        sd=sd,
        history=history,
        iterations=iteration,
        converged=converged,
    )


def _m_step(
    models: IntArray,
    a: FloatArray,
    c: FloatArray,
    steps: FloatArray,
    expected: FloatArray,
    theta: FloatArray,
    guessing_prior: tuple[float, float],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    new_a, new_c, new_steps = a.copy(), c.copy(), steps.copy()
    logistic = models != THREE_PL
    if np.any(logistic):
        new_a[logistic], new_steps[logistic] = _m_step_gpcm(
            a[logistic], steps[logistic], expected[logistic], theta
        )
    guessing = models == THREE_PL
    if np.any(guessing):
        a3, b3, c3 = _m_step_3pl(
            a[guessing],
            steps[guessing, 0],
            c[guessing],
            expected[guessing, :2],
            theta,
            guessing_prior,
        )
        new_a[guessing], new_steps[guessing, 0], new_c[guessing] = a3, b3, c3
    return new_a, new_c, new_steps


def _m_step_gpcm(
    a: FloatArray, steps: FloatArray, expected: FloatArray, theta: FloatArray, newton_steps: int = 3
) -> tuple[FloatArray, FloatArray]:
    """Newton steps on ``(a, δ_1..δ_m)`` with ``z_k = k a θ + δ_k``; exact Hessian."""
    n_items, width = steps.shape
    valid = ~np.isnan(steps)
    delta = -a[:, None] * np.cumsum(np.where(valid, steps, 0.0), axis=1)
    k = np.arange(width + 1, dtype=np.float64)
    n_q = expected.sum(axis=1)  # (J, Q)
    kr = np.einsum("k,jkq->jq", k, expected)
    cat_valid = np.concatenate((np.ones((n_items, 1), dtype=bool), valid), axis=1)
    eye = np.eye(width + 1)
    for _ in range(newton_steps):
        z = k[None, :, None] * a[:, None, None] * theta[None, None, :]
        z[:, 1:, :] += delta[:, :, None]
        z = np.where(cat_valid[:, :, None], z, -np.inf)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)  # (J, K, Q)
        mean_k = np.einsum("k,jkq->jq", k, p)
        var_k = np.einsum("k,jkq->jq", k * k, p) - mean_k**2
        grad = np.empty((n_items, width + 1))
        grad[:, 0] = np.sum(theta * (kr - n_q * mean_k), axis=1)
        grad[:, 1:] = np.sum(expected[:, 1:, :] - n_q[:, None, :] * p[:, 1:, :], axis=2)
        info = np.empty((n_items, width + 1, width + 1))
        info[:, 0, 0] = np.sum(n_q * theta**2 * var_k, axis=1)
        cross = np.sum(
            n_q[:, None, :] * theta * p[:, 1:, :] * (k[None, 1:, None] - mean_k[:, None, :]), axis=2
        )
        info[:, 0, 1:] = cross
        info[:, 1:, 0] = cross
        pp = p[:, 1:, :]
        info[:, 1:, 1:] = -np.einsum("jq,jkq,jlq->jkl", n_q, pp, pp)
        diag = np.einsum("jq,jkq->jk", n_q, pp)
        info[:, 1:, 1:] += diag[:, :, None] * eye[None, 1:, 1:]
        # Absent categories: identity rows keep their (unused) parameters in place.
        missing = ~valid
        grad[:, 1:][missing] = 0.0
        for j_idx, s_idx in zip(*np.nonzero(missing), strict=True):
            info[j_idx, 1 + s_idx, :] = 0.0
            info[j_idx, :, 1 + s_idx] = 0.0
            info[j_idx, 1 + s_idx, 1 + s_idx] = 1.0
        info += 1e-8 * eye
        step = np.linalg.solve(info, grad[:, :, None])[:, :, 0]
        step = np.clip(step, -1.0, 1.0)
        a = np.clip(a + step[:, 0], -_MAX_SLOPE, _MAX_SLOPE)
        delta = np.clip(delta + step[:, 1:], -_MAX_INTERCEPT, _MAX_INTERCEPT)
        if np.max(np.abs(step)) < 1e-7:
            break
    safe_a = np.where(np.abs(a) < 1e-6, 1e-6, a)
    increments = -np.diff(np.concatenate((np.zeros((n_items, 1)), delta), axis=1), axis=1)
    return a, np.where(valid, increments / safe_a[:, None], np.nan)


def _m_step_3pl(
    a: FloatArray,
    b: FloatArray,
    c: FloatArray,
    expected: FloatArray,
    theta: FloatArray,
    guessing_prior: tuple[float, float],
    scoring_steps: int = 3,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Fisher scoring on ``(a, d, γ)``, ``P = c + (1 - c) σ(a θ + d)``, ``c = σ(γ)``."""
    alpha, beta = guessing_prior
    d = -a * b
    gamma = np.log(c / (1.0 - c))
    right = expected[:, 1, :]
    n_q = expected[:, 0, :] + right
    for _ in range(scoring_steps):
        cc = expit(gamma)[:, None]
        s = expit(a[:, None] * theta + d[:, None])
        p = np.clip(cc + (1.0 - cc) * s, 1e-10, 1.0 - 1e-10)
        ds = (1.0 - cc) * s * (1.0 - s)
        derivs = np.stack((ds * theta, ds, cc * (1.0 - cc) * (1.0 - s)), axis=1)  # (J, 3, Q)
        weight = (right - n_q * p) / (p * (1.0 - p))
        grad = np.einsum("jq,jpq->jp", weight, derivs)
        info = np.einsum("jq,jpq,jrq->jpr", n_q / (p * (1.0 - p)), derivs, derivs)
        cg = expit(gamma)
        grad[:, 2] += (alpha - 1.0) * (1.0 - cg) - (beta - 1.0) * cg
        info[:, 2, 2] += max(alpha + beta - 2.0, 0.0) * cg * (1.0 - cg)
        info += 1e-8 * np.eye(3)
        step = np.clip(np.linalg.solve(info, grad[:, :, None])[:, :, 0], -0.5, 0.5)
        a = np.clip(a + step[:, 0], -_MAX_SLOPE, _MAX_SLOPE)
        d = np.clip(d + step[:, 1], -_MAX_INTERCEPT, _MAX_INTERCEPT)
        gamma = np.clip(gamma + step[:, 2], -12.0, 4.0)
        if np.max(np.abs(step)) < 1e-7:
            break
    safe_a = np.where(np.abs(a) < 1e-6, 1e-6, a)
    return a, -d / safe_a, expit(gamma)
