"""Ability estimation: EAP and MAP, unidimensional and multidimensional.

Items follow simple structure: each item measures exactly one dimension
(competency). Abilities have a normal prior ``N(0, R)`` where ``R`` is the
correlation matrix between dimensions (identity when dimensions are treated
as independent).

* Unidimensional EAP integrates the exact posterior on a fine grid.
* Multidimensional EAP: the exact posterior has one factor per dimension (the
  likelihood of that dimension's items) times the correlated prior; a grid over
  12 dimensions is impossible, so each dimension's marginal is computed as
  *its own exact likelihood on a grid* times a Gaussian message that carries
  the prior correlation and the evidence from every other dimension. The
  messages are found by expectation propagation (EP) with one Gaussian site per
  dimension; with an identity correlation EP is exact after one pass.
* MAP maximises the posterior by Fisher scoring; standard errors come from the
  observed information (analytic prior part, numerically differentiated score
  for the likelihood part).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import scipy.sparse as sp

from efs.psychometrics.bank import DEFAULT_GRID, ItemBank
from efs.psychometrics.models import THREE_PL, FloatArray, IntArray, probabilities

_DENSE_SUM_LIMIT = 4096


@dataclass(frozen=True)
class MarginalPosterior:
    """Per-dimension marginal posteriors on a grid (leading axes: batch, dimension)."""

    grid: FloatArray
    weights: FloatArray  # (..., D, Q), each row sums to 1
    mean: FloatArray  # (..., D)
    sd: FloatArray  # (..., D)
    joint_mean: FloatArray  # (..., D) mean of the Gaussian EP approximation
    joint_cov: FloatArray  # (..., D, D) covariance of the Gaussian EP approximation
    iterations: int
    site_precision: FloatArray  # (..., D) EP site parameters, reusable as a warm start
    site_shift: FloatArray  # (..., D)

    def probability_below(self, cuts: FloatArray) -> FloatArray:
        """``P(θ_d < cut_d)`` for each dimension.

        Each grid point's mass is spread uniformly over the cell around it.
        """
        half = 0.5 * np.diff(self.grid)
        lower = self.grid - np.concatenate(([half[0]], half))
        upper = self.grid + np.concatenate((half, [half[-1]]))
        cuts = np.asarray(cuts, dtype=np.float64)
        frac = np.clip((cuts[:, None] - lower) / (upper - lower), 0.0, 1.0)
        return cast(FloatArray, np.clip(np.sum(self.weights * frac, axis=-1), 0.0, 1.0))


@dataclass(frozen=True)
class AbilityEstimate:
    theta: float
    se: float


def log_likelihood_grid(
    bank: ItemBank,
    items: IntArray,
    scores: IntArray,
    *,
    groups: IntArray | None = None,
    n_groups: int = 1,
    grid: FloatArray = DEFAULT_GRID,
) -> FloatArray:
    """Log-likelihood of each dimension on the grid, shape (n_groups, D, Q).

    ``groups`` assigns each response to a person (0..n_groups-1); omit it for one person.
    """
    items = np.asarray(items, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.int64)
    if grid is DEFAULT_GRID:
        rows = bank.log_prob_table[items, scores]
    else:
        rows = _log_prob_rows(bank, items, scores, grid)
    groups = np.zeros(items.size, dtype=np.int64) if groups is None else np.asarray(groups)
    flat_group = groups * bank.n_dimensions + bank.dimension[items]
    n_flat = n_groups * bank.n_dimensions
    if items.size <= _DENSE_SUM_LIMIT:
        out = np.zeros((n_flat, grid.size))
        np.add.at(out, flat_group, rows)
    else:
        indicator = sp.csr_matrix(
            (np.ones(items.size), (flat_group, np.arange(items.size))), shape=(n_flat, items.size)
        )
        out = indicator @ rows
    return out.reshape(n_groups, bank.n_dimensions, grid.size)


def _log_prob_rows(
    bank: ItemBank, items: IntArray, scores: IntArray, grid: FloatArray
) -> FloatArray:
    unique, inverse = np.unique(items, return_inverse=True)
    logp = np.log(
        np.maximum(
            probabilities(
                bank.model[unique], bank.a[unique], bank.c[unique], bank.steps[unique], grid
            ),
            1e-300,
        )
    )
    return logp[inverse, scores]


def marginal_posterior(
    loglik: FloatArray,
    correlation: FloatArray | None = None,
    *,
    grid: FloatArray = DEFAULT_GRID,
    max_iter: int = 50,
    tol: float = 1e-6,
    damping: float = 0.7,
    warm_start: tuple[FloatArray, FloatArray] | None = None,
) -> MarginalPosterior:
    """Marginal posteriors of each dimension under the prior ``N(0, correlation)``.

    ``loglik`` has shape (..., D, Q) (see :func:`log_likelihood_grid`). EP with
    one Gaussian site per dimension; parallel updates, damped for stability.
    ``warm_start``: site parameters of an earlier call on the same data.
    """
    loglik = np.asarray(loglik, dtype=np.float64)
    batch_shape = loglik.shape[:-2]
    n_dims = loglik.shape[-2]
    cov = np.eye(n_dims) if correlation is None else np.asarray(correlation, dtype=np.float64)
    prior_precision = np.linalg.inv(cov)
    informative = np.ptp(loglik, axis=-1) > 0.0
    if warm_start is None:
        tau = np.zeros(batch_shape + (n_dims,))
        nu = np.zeros(batch_shape + (n_dims,))
    else:
        tau, nu = (np.array(x, dtype=np.float64) for x in warm_start)
    independent = correlation is None or np.allclose(cov, np.diag(np.diag(cov)))
    iterations = 0
    prev_mean = np.full(batch_shape + (n_dims,), np.inf)
    while True:
        iterations += 1
        precision = prior_precision + _diag(tau)
        joint_cov = np.linalg.inv(precision).astype(np.float64)
        joint_mean = np.einsum("...ij,...j->...i", joint_cov, nu)
        marg_var = np.diagonal(joint_cov, axis1=-2, axis2=-1)
        cav_tau = 1.0 / marg_var - tau
        cav_nu = joint_mean / marg_var - nu
        weights, mean, var = _tilted(loglik, cav_tau, cav_nu, grid)
        if independent:
            # Without correlation the tilted marginals are the exact posterior.
            joint_mean, joint_cov = mean, _diag(var)
            tau, nu = _site_update(mean, var, cav_tau, cav_nu, tau, nu, informative, 1.0)
            break
        converged = np.max(np.abs(joint_mean - prev_mean), initial=0.0) < tol
        if converged or iterations >= max_iter:
            break
        prev_mean = joint_mean
        tau, nu = _site_update(mean, var, cav_tau, cav_nu, tau, nu, informative, damping)
    return MarginalPosterior(
        grid=grid,
        weights=weights,
        mean=mean,
        sd=np.sqrt(var),
        joint_mean=joint_mean,
        joint_cov=joint_cov,
        iterations=iterations,
        site_precision=tau,
        site_shift=nu,
    )


def _site_update(
    mean: FloatArray,
    var: FloatArray,
    cav_tau: FloatArray,
    cav_nu: FloatArray,
    tau: FloatArray,
    nu: FloatArray,
    informative: np.ndarray,
    damping: float,
) -> tuple[FloatArray, FloatArray]:
    """New Gaussian sites: tilted moments divided by the cavity, damped."""
    var = np.maximum(var, 1e-12)
    new_tau = np.maximum(1.0 / var - cav_tau, 0.0)
    new_nu = np.where(new_tau > 0.0, mean / var - cav_nu, 0.0)
    return (
        np.where(informative, damping * new_tau + (1.0 - damping) * tau, 0.0),
        np.where(informative, damping * new_nu + (1.0 - damping) * nu, 0.0),
    )


def _diag(values: FloatArray) -> FloatArray:
    n = values.shape[-1]
    return values[..., :, None] * np.eye(n)


def _tilted(
    loglik: FloatArray, cav_tau: FloatArray, cav_nu: FloatArray, grid: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    log_w = loglik - 0.5 * cav_tau[..., None] * grid**2 + cav_nu[..., None] * grid
    log_w -= np.max(log_w, axis=-1, keepdims=True)
    w = np.exp(log_w)
    w /= np.sum(w, axis=-1, keepdims=True)
    mean = w @ grid
    var = np.maximum(w @ (grid * grid) - mean * mean, 0.0)
    return w, mean, var


def eap(
    bank: ItemBank,
    items: Sequence[int] | IntArray,
    scores: Sequence[int] | IntArray,
    *,
    prior_mean: float = 0.0,
    prior_sd: float = 1.0,
    grid: FloatArray = DEFAULT_GRID,
) -> AbilityEstimate:
    """Unidimensional EAP: all given items are taken to measure one ability."""
    items_arr = np.asarray(items, dtype=np.int64)
    scores_arr = np.asarray(scores, dtype=np.int64)
    rows = (
        bank.log_prob_table[items_arr, scores_arr]
        if grid is DEFAULT_GRID
        else _log_prob_rows(bank, items_arr, scores_arr, grid)
    )
    log_w = rows.sum(axis=0) - 0.5 * ((grid - prior_mean) / prior_sd) ** 2
    w = np.exp(log_w - log_w.max())
    w /= w.sum()
    mean = float(w @ grid)
    return AbilityEstimate(theta=mean, se=float(np.sqrt(max(w @ grid**2 - mean**2, 0.0))))


def item_score_function(
    bank: ItemBank, items: IntArray, scores: IntArray, theta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``d/dθ log P(x_i | θ_i)`` and the Fisher information, for each response."""
    # Shifting the steps by each item's own θ evaluates every item at its θ in one call.
    p = probabilities(
        bank.model[items], bank.a[items], bank.c[items], bank.steps[items] - theta[:, None], [0.0]
    )[:, :, 0]
    k = np.arange(p.shape[1], dtype=np.float64)
    mean = p @ k
    var = p @ (k * k) - mean * mean
    a = bank.a[items]
    grad = a * (scores - mean)
    info = a * a * var
    guessing = bank.model[items] == THREE_PL
    if np.any(guessing):
        p1 = p[guessing, 1]
        c = bank.c[items][guessing]
        ag = a[guessing]
        grad[guessing] = ag * (p1 - c) * (scores[guessing] - p1) / ((1.0 - c) * p1)
        info[guessing] = ag * ag * (1.0 - p1) / p1 * ((p1 - c) / (1.0 - c)) ** 2
    return grad, info


def map_estimate(
    bank: ItemBank,
    items: Sequence[int] | IntArray,
    scores: Sequence[int] | IntArray,
    correlation: FloatArray | None = None,
    *,
    max_iter: int = 100,
    tol: float = 1e-8,
) -> tuple[FloatArray, FloatArray]:
    """MAP abilities of every dimension and their standard errors.

    With ``correlation=None`` the dimensions are independent ``N(0, 1)``.
    """
    items_arr = np.asarray(items, dtype=np.int64)
    scores_arr = np.asarray(scores, dtype=np.int64)
    n_dims = bank.n_dimensions
    cov = np.eye(n_dims) if correlation is None else np.asarray(correlation, dtype=np.float64)
    prior_precision = np.linalg.inv(cov)
    dims = bank.dimension[items_arr]
    theta = np.zeros(n_dims)

    def gradient(at: FloatArray) -> tuple[FloatArray, FloatArray]:
        grad, info = item_score_function(bank, items_arr, scores_arr, at[dims])
        return (
            np.bincount(dims, grad, minlength=n_dims) - prior_precision @ at,
            np.bincount(dims, info, minlength=n_dims).astype(np.float64),
        )

    for _ in range(max_iter):
        grad, info = gradient(theta)
        step = np.linalg.solve(prior_precision + np.diag(info), grad)
        step = np.clip(step, -1.0, 1.0)
        theta = theta + step
        if np.max(np.abs(step)) < tol:
            break
    h = 1e-5
    observed = np.zeros(n_dims)
    for d in range(n_dims):
        shift = np.zeros(n_dims)
        shift[d] = h
        g_plus, _ = gradient(theta + shift)
        g_minus, _ = gradient(theta - shift)
        observed[d] = -(g_plus[d] - g_minus[d]) / (2 * h) - prior_precision[d, d]
    cov_post = np.linalg.inv(prior_precision + np.diag(observed))
    return theta, np.sqrt(np.diagonal(cov_post))


def estimate_correlation(
    bank: ItemBank,
    persons: Sequence[tuple[Sequence[int] | IntArray, Sequence[int] | IntArray]],
    *,
    max_iter: int = 100,
    tol: float = 1e-4,
) -> tuple[FloatArray, int]:
    """Estimate the latent correlation between dimensions from response data.

    EM with a Gaussian E-step: each person's posterior is approximated by the EP
    Gaussian ``N(μ_p, S_p)``; the M-step sets ``Σ = mean(μ_p μ_pᵀ + S_p)`` and rescales
    it to a correlation matrix (the scale of each dimension is fixed by its
    calibrated items). EM converges slowly when persons answer few items per
    dimension, so it starts from a moment estimate: with independent priors the
    EAPs satisfy ``Cov(EAP_d, EAP_e) ≈ ρ_de Var(EAP_d) Var(EAP_e)`` (each EAP is
    its true ability shrunk by its reliability). Returns the matrix and the
    number of EM iterations.
    """
    items = np.concatenate([np.asarray(p[0], dtype=np.int64) for p in persons])
    scores = np.concatenate([np.asarray(p[1], dtype=np.int64) for p in persons])
    groups = np.repeat(np.arange(len(persons)), [len(p[0]) for p in persons])
    loglik = log_likelihood_grid(bank, items, scores, groups=groups, n_groups=len(persons))
    start = marginal_posterior(loglik)
    corr = _moment_correlation(start.mean)
    sites: tuple[FloatArray, FloatArray] | None = (start.site_precision, start.site_shift)
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        post = marginal_posterior(loglik, corr, warm_start=sites, tol=1e-4)
        sites = (post.site_precision, post.site_shift)
        mu = post.joint_mean
        second = (mu[:, :, None] * mu[:, None, :] + post.joint_cov).mean(axis=0)
        scale = 1.0 / np.sqrt(np.diagonal(second))
        new_corr = second * scale[:, None] * scale[None, :]
        change = np.max(np.abs(new_corr - corr))
        corr = new_corr
        if change < tol:
            break
    return corr, iterations


def _moment_correlation(eap_means: FloatArray) -> FloatArray:
    """Correlation implied by independent-prior EAPs, made positive definite."""
    second = eap_means.T @ eap_means / max(eap_means.shape[0], 1)
    variance = np.maximum(np.diagonal(second), 1e-6)
    corr = second / np.outer(variance, variance)
    np.fill_diagonal(corr, 1.0)
    values, vectors = np.linalg.eigh(corr)
    corr = (vectors * np.maximum(values, 1e-3)) @ vectors.T
    scale = 1.0 / np.sqrt(np.diagonal(corr))
    return cast(FloatArray, corr * scale[:, None] * scale[None, :])
