"""Simulation helpers: realistic banks, populations and responses.

A realistic population for teacher diagnostics: abilities are correlated
across competencies (default ρ = 0.6), the cut of each competency sits near
the middle of the distribution, slopes are log-normal around 1.1 and a share
of the items are 3PL (guessable multiple choice).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from efs.psychometrics.bank import ItemBank
from efs.psychometrics.calibration import ResponseData
from efs.psychometrics.models import GPCM, THREE_PL, TWO_PL, FloatArray, IntArray, probabilities


def equicorrelation(n_dimensions: int, rho: float) -> FloatArray:
    """A correlation matrix with ``rho`` off the diagonal."""
    return np.full((n_dimensions, n_dimensions), rho) + (1.0 - rho) * np.eye(n_dimensions)


def simulate_abilities(
    n_persons: int, correlation: FloatArray, rng: np.random.Generator
) -> FloatArray:
    """Abilities ``N(0, correlation)``, shape (n_persons, D)."""
    chol = np.linalg.cholesky(np.asarray(correlation, dtype=np.float64))
    return rng.standard_normal((n_persons, chol.shape[0])) @ chol.T


def simulate_bank(
    n_items: int,
    n_dimensions: int,
    rng: np.random.Generator,
    *,
    share_3pl: float = 0.0,
    share_gpcm: float = 0.0,
    gpcm_steps: int = 2,
    slope_log_mean: float = 0.1,
    slope_log_sd: float = 0.3,
    difficulty_sd: float = 1.0,
    cut_sd: float = 0.25,
) -> ItemBank:
    """A bank with items spread evenly over dimensions; cuts drawn near 0."""
    dims = np.arange(n_items) % n_dimensions
    kind = rng.random(n_items)
    models = np.where(
        kind < share_3pl, THREE_PL, np.where(kind < share_3pl + share_gpcm, GPCM, TWO_PL)
    )
    a = np.exp(rng.normal(slope_log_mean, slope_log_sd, n_items))
    b = rng.normal(0.0, difficulty_sd, n_items)
    width = gpcm_steps if np.any(models == GPCM) else 1
    steps = np.full((n_items, width), np.nan)
    steps[:, 0] = b
    gpcm = models == GPCM
    if np.any(gpcm):
        offsets = np.sort(rng.normal(0.0, 0.7, (int(gpcm.sum()), gpcm_steps)), axis=1)
        offsets -= offsets.mean(axis=1, keepdims=True)
        steps[gpcm] = b[gpcm, None] + offsets
    c = np.where(models == THREE_PL, rng.uniform(0.1, 0.3, n_items), 0.0)
    return ItemBank.from_arrays(
        ids=[f"i{j:05d}" for j in range(n_items)],
        dimension=dims,
        model=models,
        a=a,
        c=c,
        steps=steps,
        dimension_ids=[f"D{d:02d}" for d in range(n_dimensions)],
        cuts=rng.normal(0.0, cut_sd, n_dimensions),
    )


def simulate_scores(
    bank: ItemBank, theta: FloatArray, items: IntArray, rng: np.random.Generator
) -> IntArray:
    """One response per (person, item) pair: ``theta`` (n, D) and ``items`` (n, k) → (n, k)."""
    theta = np.atleast_2d(theta)
    items = np.atleast_2d(items)
    n, k = items.shape
    flat_items = items.ravel()
    flat_theta = theta[np.repeat(np.arange(n), k), bank.dimension[flat_items]]
    # Shifting the steps by each response's θ evaluates every item at its own ability.
    p = probabilities(
        bank.model[flat_items],
        bank.a[flat_items],
        bank.c[flat_items],
        bank.steps[flat_items] - flat_theta[:, None],
        [0.0],
    )[:, :, 0]
    cumulative = np.cumsum(p, axis=1)
    u = rng.random(flat_items.size)
    scores = np.sum(u[:, None] > cumulative[:, :-1], axis=1)
    return cast(IntArray, scores.reshape(n, k).astype(np.int64))


def simulate_dense(bank: ItemBank, theta: FloatArray, rng: np.random.Generator) -> IntArray:
    """Every person answers every item, shape (n_persons, n_items)."""
    n = np.atleast_2d(theta).shape[0]
    items = np.broadcast_to(np.arange(bank.n_items), (n, bank.n_items))
    return simulate_scores(bank, theta, items, rng)


def simulate_sparse(
    bank: ItemBank,
    theta: FloatArray,
    items_per_person: int,
    rng: np.random.Generator,
    *,
    chunk: int = 20_000,
) -> ResponseData:
    """Random booklets: each person answers ``items_per_person`` distinct random items."""
    n = theta.shape[0]
    if not 1 <= items_per_person <= bank.n_items:
        raise ValueError("items_per_person must be between 1 and the bank size")
    persons, items, scores = [], [], []
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        keys = rng.random((stop - start, bank.n_items))
        booklet = np.argpartition(keys, items_per_person - 1, axis=1)[:, :items_per_person]
        scores.append(simulate_scores(bank, theta[start:stop], booklet, rng).ravel())
        items.append(booklet.ravel())
        persons.append(np.repeat(np.arange(start, stop), items_per_person))
    return ResponseData.from_arrays(
        np.concatenate(persons),
        np.concatenate(items),
        np.concatenate(scores),
        n_persons=n,
        n_items=bank.n_items,
    )
